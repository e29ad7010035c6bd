"""Layout ops against NumPy: permute_dims, matrix_transpose, moveaxis (method), unflatten,
atleast_*d, broadcast_shapes, as_strided (bounds-checked), contiguous, diff, kron, outer,
inner; with gradients, jvp and vmap."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, FLOATING, check_grad, mx_from_np, sample, to_np


def arr(shape, name="float32", seed=0):
    x = sample(shape, name, seed=seed)
    return x, mx_from_np(x, name)


def eq(a, expected):
    got = to_np(a)
    assert got.shape == np.asarray(expected).shape, (got.shape, np.asarray(expected).shape)
    np.testing.assert_array_equal(got, expected)


def test_permute_dims_matrix_transpose_moveaxis():
    x, a = arr((2, 3, 4))
    eq(mx.permute_dims(a, (2, 0, 1)), np.transpose(x, (2, 0, 1)))
    eq(mx.permute_dims(a), np.transpose(x))
    eq(mx.matrix_transpose(a), np.swapaxes(x, -1, -2))
    eq(a.moveaxis(0, -1), np.moveaxis(x, 0, -1))
    with pytest.raises(ValueError):
        mx.matrix_transpose(mx.zeros((2,)))
    with pytest.raises(IndexError):
        a.moveaxis(3, 0)
    with pytest.raises(ValueError):
        mx.permute_dims(a, (0, 0, 1))


def test_unflatten():
    x, a = arr((6, 4))
    eq(mx.unflatten(a, 0, (2, -1)), x.reshape(2, 3, 4))
    eq(mx.unflatten(a, -1, (2, 2)), x.reshape(6, 2, 2))
    eq(mx.unflatten(a.T, 1, (3, 2)), x.T.reshape(4, 3, 2))
    eq(mx.unflatten(mx.zeros((0, 2)), 0, (0, 5)), np.zeros((0, 5, 2)))
    with pytest.raises(ValueError):
        mx.unflatten(a, 0, (4, -1))
    with pytest.raises(ValueError):
        mx.unflatten(a, 0, ())
    with pytest.raises(ValueError):
        mx.unflatten(a, 0, (-1, -1))
    with pytest.raises(IndexError):
        mx.unflatten(a, 2, (2, -1))
    with pytest.raises(IndexError):
        mx.unflatten(mx.array(1), 0, (1,))


@pytest.mark.parametrize("shape", [(), (2,), (2, 3), (2, 3, 4)])
def test_atleast(shape):
    x, a = arr(shape)
    eq(mx.atleast_1d(a), np.atleast_1d(x))
    eq(mx.atleast_2d(a), np.atleast_2d(x))
    eq(mx.atleast_3d(a), np.atleast_3d(x))
    many = mx.atleast_2d(a, mx.array(1))
    assert isinstance(many, list) and len(many) == 2 and many[1].shape == (1, 1)
    assert mx.atleast_3d() == []


def test_broadcast_shapes():
    assert mx.broadcast_shapes((1, 2), (3, 1)) == (3, 2)
    assert mx.broadcast_shapes((1, 2)) == (1, 2)
    assert mx.broadcast_shapes([2], [1], (4, 1, 1)) == (4, 1, 2)
    assert mx.broadcast_shapes((), (0, 3)) == (0, 3)
    with pytest.raises(ValueError):
        mx.broadcast_shapes()
    with pytest.raises(ValueError):
        mx.broadcast_shapes((2,), (3,))


# ---------------------------------------------------------------------------
# as_strided / contiguous

def np_strided(x, shape, strides, offset):
    flat = np.ascontiguousarray(x).ravel()
    idx = np.full(shape, offset, dtype=np.int64)
    for d, st in enumerate(strides):
        sh = [1] * len(shape)
        sh[d] = shape[d]
        idx = idx + (np.arange(shape[d]) * st).reshape(sh)
    return flat[idx]


@pytest.mark.parametrize("shape,strides,offset", [((2, 2), (1, 4), 1), ((3, 3), (1, 1), 0), ((2, 2), (-1, 1), 3),
                                                  ((12,), (1,), 0), ((4, 2), (0, 3), 2), ((0, 5), (100, 100), 0)])
def test_as_strided(shape, strides, offset):
    x, a = arr((3, 4))
    eq(mx.as_strided(a, shape, strides, offset), np_strided(x, shape, strides, offset))
    # A non-contiguous input is read in its row-major order.
    eq(mx.as_strided(a.T, shape, strides, offset), np_strided(x.T, shape, strides, offset))


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_as_strided_dtypes_defaults(name):
    x, a = arr((3, 4), name)
    eq(mx.as_strided(a), x)
    eq(mx.as_strided(a, (2, 2)), x.ravel()[:4].reshape(2, 2))


@pytest.mark.parametrize("shape,strides,offset", [((2, 2), (1, 4), 8), ((13,), (1,), 0), ((2,), (-1,), 0),
                                                  ((2,), (1,), -1), ((3,), (2**62,), 0), ((2, 2), (1,), 0),
                                                  ((-1,), (1,), 0)])
def test_as_strided_out_of_bounds_raises(shape, strides, offset):
    a = mx.arange(12)
    with pytest.raises(ValueError):
        mx.as_strided(a, shape, strides, offset)


def test_as_strided_grad_jvp_vmap():
    x = sample((5,), "float64")
    w = sample((3, 3), "float64", seed=3)
    check_grad(lambda a: (mx.as_strided(a, (3, 3), (1, 1)) * mx.array(w)).sum(),
               lambda a: (np_strided(a, (3, 3), (1, 1), 0) * w).sum(), x)
    assert mx.grad(lambda a: mx.as_strided(a, (3, 3), (1, 1)).sum())(mx.arange(5.0)).tolist() == [1, 2, 3, 2, 1]
    a = mx.array(x, dtype=mx.float64)
    _, t = mx.jvp(lambda p: mx.as_strided(p, (2, 2), (2, 1), 1), [a], [a * 3])
    eq(t[0], np_strided(x * 3, (2, 2), (2, 1), 1))
    b = mx.array(sample((4, 5), "float32"))
    eq(mx.vmap(lambda p: mx.as_strided(p, (3, 2), (1, 2)))(b), np.stack([np_strided(to_np(p), (3, 2), (1, 2), 0) for p in b]))
    g = mx.vmap(mx.grad(lambda p: (mx.as_strided(p, (3, 3), (1, 1)) ** 2).sum()))(b)
    want = []
    for p in to_np(b):
        idx = np_strided(np.arange(5), (3, 3), (1, 1), 0)
        acc = np.zeros(5)
        np.add.at(acc, idx, 2 * p[idx])
        want.append(acc)
    np.testing.assert_allclose(to_np(g), np.stack(want), rtol=1e-5)


def test_contiguous():
    x, a = arr((3, 4))
    for v, w in [(a, x), (a.T, x.T), (a[:, ::2], x[:, ::2]), (mx.broadcast_to(a[:1], (3, 4)), np.broadcast_to(x[:1], (3, 4)))]:
        eq(mx.contiguous(v), w)
        eq(mx.contiguous(v, allow_col_major=True), w)
    x64 = sample((2, 3), "float64")
    check_grad(lambda p: (mx.contiguous(p.T) * mx.array(x64.T)).sum(), lambda p: (p.T * x64.T).sum(), x64)
    b = mx.array(sample((2, 3, 4), "float32"))
    eq(mx.vmap(lambda p: mx.contiguous(p.T))(b), np.stack([to_np(p).T for p in b]))


# ---------------------------------------------------------------------------
# diff / kron / outer / inner

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_diff_dtypes(name):
    x, a = arr((3, 5), name)
    got = mx.diff(a)
    assert got.dtype == getattr(mx, name)
    want = np.diff(x) if name != "bool_" else np.diff(x)
    if name in ("float16", "bfloat16"):
        np.testing.assert_allclose(to_np(got), np.diff(to_np(a).astype(np.float32)), rtol=1e-2, atol=1e-2)
    else:
        eq(got, want)


@pytest.mark.parametrize("n,axis", [(0, -1), (1, 0), (2, 1), (3, -1), (9, 0)])
def test_diff_orders(n, axis):
    x, a = arr((4, 5), "int32")
    eq(mx.diff(a.T, n, axis), np.diff(x.T, n, axis))


def test_diff_errors_grad_vmap():
    with pytest.raises(ValueError):
        mx.diff(mx.arange(3), -1)
    with pytest.raises(IndexError):
        mx.diff(mx.array(1))
    with pytest.raises(IndexError):
        mx.diff(mx.zeros((2, 3)), axis=2)
    eq(mx.diff(mx.array([1, 4], mx.uint8)), np.diff(np.array([1, 4], np.uint8)))
    x = sample((3, 5), "float64")
    w = sample((3, 3), "float64", seed=2)
    check_grad(lambda p: (mx.diff(p, 2) * mx.array(w)).sum(), lambda p: (np.diff(p, 2) * w).sum(), x)
    b = mx.array(sample((2, 3, 5), "float32"))
    np.testing.assert_allclose(to_np(mx.vmap(lambda p: mx.diff(p, axis=0))(b)),
                               np.stack([np.diff(to_np(p), axis=0) for p in b]), rtol=1e-6)


@pytest.mark.parametrize("sa,sb", [((2,), (2, 2)), ((), (3,)), ((2, 3), (4,)), ((2, 1, 3), (2, 2)), ((0, 2), (3,))])
def test_kron_outer(sa, sb):
    x, a = arr(sa, "int32")
    y, b = arr(sb, "int32", seed=1)
    if x.size == 0 or y.size == 0:
        # empty inputs raise, as in the reference (NumPy returns an empty array)
        with pytest.raises(ValueError):
            mx.kron(a, b)
        eq(mx.outer(a, b), np.outer(x, y))
        return
    eq(mx.kron(a, b), np.kron(x, y))
    eq(mx.outer(a, b), np.outer(x, y))
    f, g = arr(sa, "float32")
    eq(mx.kron(g, b), np.kron(f, y.astype(np.float32)))


def test_inner():
    x, a = arr((2, 3, 4))
    y, b = arr((5, 4), seed=1)
    np.testing.assert_allclose(to_np(mx.inner(a, b)), np.inner(x, y), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(mx.inner(a[0, 0], b[1])), np.inner(x[0, 0], y[1]), rtol=1e-5)
    eq(mx.inner(mx.array(2), mx.array([1, 2])), np.inner(2, [1, 2]))
    np.testing.assert_allclose(to_np(mx.inner(a.T, a.T)), np.inner(x.T, x.T), rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError):
        mx.inner(mx.array([1.0, 2, 3]), mx.array([1.0, 2]))


def test_kron_outer_inner_grad():
    x, y = sample((2, 2), "float64"), sample((3,), "float64", seed=1)
    w = sample((2, 6), "float64", seed=2)
    for argnum in (0, 1):
        check_grad(lambda p, q: (mx.kron(p, q) * mx.array(w)).sum(), lambda p, q: (np.kron(p, q) * w).sum(), x, y,
                   argnum=argnum)
    w2 = sample((4, 3), "float64", seed=3)
    check_grad(lambda p, q: (mx.outer(p, q) * mx.array(w2)).sum(), lambda p, q: (np.outer(p, q) * w2).sum(), x, y,
               argnum=0)
    z = sample((4, 2), "float64", seed=4)
    check_grad(lambda p, q: (mx.inner(p, q) ** 2).sum(), lambda p, q: (np.inner(p, q) ** 2).sum(), x, z, argnum=1)


def test_output_shapes_of_new_primitives():
    x = mx.ones((3, 4))
    for y in [mx.concatenate([x, x], 1), mx.pad(x, ((1, 0), (2, 3))), mx.repeat(x, 3, 1),
              mx.as_strided(x, (2, 5), (1, 1)), mx.diagonal(x, 1), mx.diagonal(x, -2), mx.contiguous(x.T)]:
        assert mx._output_shapes(y) == [y.shape]
        mx.eval(y)
