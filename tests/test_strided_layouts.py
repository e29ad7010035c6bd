"""Kernels over views in any layout against NumPy: reductions of transposed, reshaped,
sliced, broadcast and overlapping ``as_strided`` views (several axes at once, small and
large enough to be split over threads), ``take`` along every axis followed by element-wise
ops, and casts of transposed half-precision arrays."""

import numpy as np
import pytest

import mlx.core as mx

RNG = np.random.default_rng(7)


def _views(shape, x=None):
    """(name, mx view, NumPy view) pairs of one base array, in several layouts."""
    x = RNG.standard_normal(shape).astype(np.float32) if x is None else x
    a = mx.array(x)
    nd = len(shape)
    perm = tuple(reversed(range(nd)))
    rot = tuple(range(1, nd)) + (0,)
    out = [
        ("contiguous", a, x),
        ("transposed", mx.transpose(a, perm), x.transpose(perm)),
        ("rotated", mx.transpose(a, rot), x.transpose(rot)),
        ("strided slice", a[::2, ..., 1::2], x[::2, ..., 1::2]),
    ]
    if nd >= 3:
        out.append(("swapped inner", mx.swapaxes(a, -1, -2), np.swapaxes(x, -1, -2)))
    return out


def _windows(n, h, w, c, k, s):
    """Overlapping pooling windows (N, H', W', k, k, C) of an NHWC array, as an as_strided view."""
    x = RNG.standard_normal((n, h, w, c)).astype(np.float32)
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    st = (h * w * c, s * w * c, s * c, w * c, c, 1)
    shape = (n, ho, wo, k, k, c)
    a = mx.as_strided(mx.array(x), shape, st)
    v = np.lib.stride_tricks.as_strided(x, shape, [q * 4 for q in st])
    return a, v


def _axes_sets(nd):
    sets = [None, (0,), (nd - 1,), (0, nd - 1)]
    if nd >= 3:
        sets += [(1, 2), (0, 2), (1, nd - 1)]
    if nd >= 4:
        sets += [(0, 2, 3), (1, 3)]
    return sets


def _check(got, want, tol):
    np.testing.assert_allclose(np.array(got), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", [(6, 5, 4, 3), (16, 24, 32, 40), (3, 2048, 24)])
def test_reductions_over_views(shape):
    for name, a, x in _views(shape):
        for axes in _axes_sets(x.ndim):
            xd = x.astype(np.float64)
            _check(mx.sum(a, axis=axes), xd.sum(axis=axes), 1e-4 * max(1, np.sqrt(x.size)))
            _check(mx.mean(a, axis=axes), xd.mean(axis=axes), 1e-4)
            _check(mx.max(a, axis=axes), x.max(axis=axes), 0)
            _check(mx.min(a, axis=axes, keepdims=True), x.min(axis=axes, keepdims=True), 0)
            if x.size < 1000:
                _check(mx.prod(a, axis=axes), xd.prod(axis=axes), 1e-4)


def test_reductions_over_pooling_windows():
    for n, h, w, c, k, s in [(2, 9, 9, 3, 3, 2), (4, 32, 32, 64, 3, 1), (2, 40, 40, 1, 5, 2)]:
        a, v = _windows(n, h, w, c, k, s)
        for axes in [(3, 4), (4, 3), (1, 2, 3, 4), (0, 3, 4, 5)]:
            _check(mx.max(a, axis=axes), v.max(axis=axes), 0)
            _check(mx.mean(a, axis=axes), v.astype(np.float64).mean(axis=axes), 1e-5)
        _check(mx.sum(a), v.astype(np.float64).sum(), 1e-2)


def test_reductions_integer_and_half_views():
    x = RNG.integers(-50, 50, (8, 64, 40)).astype(np.int32)
    a = mx.transpose(mx.array(x), (2, 0, 1))
    t = x.transpose(2, 0, 1)
    for axes in [(0, 2), (1,), (0, 1), None]:
        np.testing.assert_array_equal(np.array(mx.sum(a, axis=axes)), t.sum(axis=axes))
        np.testing.assert_array_equal(np.array(mx.max(a, axis=axes)), t.max(axis=axes))
    h = RNG.standard_normal((32, 48, 24)).astype(np.float16)
    b = mx.transpose(mx.array(h), (1, 2, 0))
    for axes in [(0, 2), (1, 2)]:
        _check(mx.max(b, axis=axes), h.transpose(1, 2, 0).max(axis=axes).astype(np.float32), 0)
        _check(mx.sum(b, axis=axes).astype(mx.float32), h.transpose(1, 2, 0).astype(np.float64).sum(axis=axes), 0.5)


def test_reductions_of_broadcast_and_nan():
    x = RNG.standard_normal((1, 300, 1)).astype(np.float32)
    b = mx.broadcast_to(mx.array(x), (200, 300, 70))
    xb = np.broadcast_to(x, (200, 300, 70)).astype(np.float64)
    for axes in [(0, 2), (0,), (2,), (0, 1), None]:
        _check(mx.sum(b, axis=axes), xb.sum(axis=axes), 1e-2)
        _check(mx.max(b, axis=axes), xb.max(axis=axes), 0)
    y = RNG.standard_normal((40, 30, 20)).astype(np.float32)
    y[3, 4, 5] = np.nan
    a = mx.transpose(mx.array(y), (2, 0, 1))
    for axes in [(0, 2), (1, 2), (0,)]:
        _check(mx.max(a, axis=axes), y.transpose(2, 0, 1).max(axis=axes), 0)
        _check(mx.min(a, axis=axes), y.transpose(2, 0, 1).min(axis=axes), 0)


def test_full_reduction_of_long_strided_run():
    x = RNG.standard_normal(3_000_001).astype(np.float32)
    a = mx.array(x)[::3]
    _check(mx.sum(a), x[::3].astype(np.float64).sum(), 0.05)
    _check(mx.max(a), x[::3].max(), 0)


@pytest.mark.parametrize("shape", [(7, 5, 3), (64, 300, 40)])
def test_arg_reductions_over_views(shape):
    x = RNG.integers(0, 9, shape).astype(np.float32)  # ties: the first index wins
    x.flat[5] = np.nan
    for name, a, v in _views(shape, x):
        for axis in range(v.ndim):
            np.testing.assert_array_equal(np.array(mx.argmax(a, axis=axis)), np.argmax(v, axis=axis), err_msg=name)
            np.testing.assert_array_equal(np.array(mx.argmin(a, axis=axis)), np.argmin(v, axis=axis), err_msg=name)


@pytest.mark.parametrize("idx_shape", [(5,), (2, 3)])
def test_take_every_axis_and_ops_on_result(idx_shape):
    x = RNG.standard_normal((4, 6, 7, 5)).astype(np.float32)
    a = mx.array(x)
    for axis in range(4):
        i = RNG.integers(-x.shape[axis], x.shape[axis], idx_shape)
        r = mx.take(a, mx.array(i), axis=axis)
        want = np.take(x, i, axis=axis)
        np.testing.assert_array_equal(np.array(r), want)
        _check(mx.exp(r) + r * 2, np.exp(want) + want * 2, 1e-5)
        _check(mx.sum(r, axis=-1), want.astype(np.float64).sum(axis=-1), 1e-4)
    # from a non-contiguous source, with uint32 and int64 indices
    t = mx.transpose(a, (3, 1, 0, 2))
    xt = x.transpose(3, 1, 0, 2)
    for dt in (mx.uint32, mx.int64):
        i = RNG.integers(0, xt.shape[2], idx_shape)
        np.testing.assert_array_equal(np.array(mx.take(t, mx.array(i, dtype=dt), axis=2)), np.take(xt, i, axis=2))


def test_take_errors_name_the_axis_and_grad():
    a = mx.zeros((3, 4, 5))
    with pytest.raises(IndexError, match="axis 2 with size 5"):
        mx.eval(mx.take(a, mx.array([1, 5]), axis=2))
    with pytest.raises(IndexError, match="axis 1 with size 4"):
        mx.eval(mx.take(a, mx.array([-5]), axis=1))
    x = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    i = np.array([4, 0, 4, 2])
    g = mx.grad(lambda z: mx.sum(mx.take(z, mx.array(i), axis=2) * 3))(mx.array(x))
    want = np.zeros_like(x)
    np.add.at(want, (slice(None), slice(None), i), 3)
    np.testing.assert_array_equal(np.array(g), want)


@pytest.mark.parametrize("dt,npdt", [(mx.float16, np.float16), (mx.bfloat16, None)])
def test_cast_transposed_half(dt, npdt):
    x = RNG.standard_normal((3, 130, 257)).astype(np.float32)
    a = mx.array(x).astype(dt)
    ref = np.array(a.astype(mx.float32))  # exact: every half value is a float32
    for perm in [(0, 2, 1), (2, 1, 0), (1, 0, 2)]:
        got = mx.transpose(a, perm).astype(mx.float32)
        np.testing.assert_array_equal(np.array(got), ref.transpose(perm))
        back = mx.transpose(mx.array(ref), perm).astype(dt).astype(mx.float32)
        np.testing.assert_array_equal(np.array(back), ref.transpose(perm))
    big = mx.array(RNG.standard_normal((512, 384)).astype(np.float32)).astype(dt)
    np.testing.assert_array_equal(np.array(big.T.astype(mx.float32)), np.array(big.astype(mx.float32)).T)
    np.testing.assert_array_equal(np.array(big.T.astype(mx.float64)), np.array(big.astype(mx.float32)).T.astype(np.float64))


@pytest.mark.parametrize("shape", [(3, 37, 70), (2, 130, 260), (20, 9, 33)])
def test_elementwise_on_transposed_operands(shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    y = RNG.standard_normal(shape[::-1]).astype(np.float32)
    a, b = mx.array(x), mx.array(y)
    at, xt = mx.transpose(a, (2, 1, 0)), x.transpose(2, 1, 0)
    _check(mx.exp(at), np.exp(xt), 1e-5)
    _check(-at, -xt, 0)
    _check(at + b, xt + y, 1e-6)
    _check(b * at, y * xt, 1e-6)
    _check(mx.maximum(at, mx.transpose(mx.array(np.ascontiguousarray(xt)), (0, 2, 1)).swapaxes(1, 2)), xt, 0)
    sw, xs = mx.swapaxes(a, 0, 1), np.swapaxes(x, 0, 1)
    _check(sw - mx.array(xs[:, :1]), xs - xs[:, :1], 1e-6)
    i = RNG.integers(-100, 100, shape).astype(np.int32)
    it = mx.transpose(mx.array(i), (1, 2, 0))
    np.testing.assert_array_equal(np.array(it * 3 + it), i.transpose(1, 2, 0) * 4)
    np.testing.assert_array_equal(np.array(mx.abs(it)), np.abs(i.transpose(1, 2, 0)))
    h = mx.transpose(mx.array(x).astype(mx.bfloat16), (2, 0, 1))
    _check((h + h).astype(mx.float32), np.array(h.astype(mx.float32)) * 2, 0)
