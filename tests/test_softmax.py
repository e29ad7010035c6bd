"""softmax against NumPy: dtypes (float16 / bfloat16 accumulate in float32), axes and axis
lists, empty / scalar / non-contiguous inputs, special values, gradients, jvp, vmap and bad
axes."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, FLOATING, assert_allclose, check_grad, mxdt, sample, to_np


def np_softmax(x, axis=None):
    if axis is None:
        axis = tuple(range(x.ndim))
    m = np.max(x.real if np.iscomplexobj(x) else x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_softmax_every_dtype(name):
    x = sample((4, 7), name)
    a = mx.array(x, dtype=mxdt(name))
    r = mx.softmax(a, axis=-1)
    assert r.dtype == (mxdt(name) if name in FLOATING + ["complex64"] else mx.float32)
    xd = x.astype(np.complex128 if name == "complex64" else np.float64)
    tol = dict(rtol=1e-2, atol=2e-3) if name in ("float16", "bfloat16") else dict(rtol=1e-5, atol=1e-6)
    assert_allclose(r, np_softmax(xd, -1), **tol)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_softmax_half_precise(name):
    # Many equal logits: a float16 running sum would drift; float32 accumulation does not.
    x = np.zeros((2, 4096), np.float32)
    for precise in (False, True):
        r = to_np(mx.softmax(mx.array(x, dtype=mxdt(name)), axis=-1, precise=precise).astype(mx.float32))
        np.testing.assert_allclose(r, 1 / 4096, rtol=1e-2)
        assert abs(r.sum(axis=-1) - 1).max() < 2e-2


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, (0, 2), [2, 0], (1, 2), (0, 1, 2)])
def test_softmax_axes(axis):
    x = sample((3, 4, 5), "float64") * 10
    na = tuple(sorted(a % 3 for a in axis)) if isinstance(axis, (tuple, list)) else axis
    assert_allclose(mx.softmax(mx.array(x, mx.float64), axis=axis), np_softmax(x, na), rtol=1e-12, atol=1e-14)


def test_softmax_large_rows():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 1029)).astype(np.float32) * 20
    assert_allclose(mx.softmax(mx.array(x), axis=-1), np_softmax(x.astype(np.float64), -1), rtol=1e-5, atol=1e-7)
    assert_allclose(mx.softmax(mx.array(x), axis=0), np_softmax(x.astype(np.float64), 0), rtol=1e-5, atol=1e-7)


def test_softmax_non_contiguous():
    x = sample((6, 8), "float32")
    a = mx.array(x)[::2, ::-1].T
    xn = x[::2, ::-1].T.astype(np.float64)
    assert_allclose(mx.softmax(a, axis=1), np_softmax(xn, 1), rtol=1e-5, atol=1e-7)
    assert_allclose(mx.softmax(a, axis=0), np_softmax(xn, 0), rtol=1e-5, atol=1e-7)
    b = mx.broadcast_to(mx.array(x[0]), (3, 8))
    assert_allclose(mx.softmax(b, axis=-1), np_softmax(np.broadcast_to(x[0], (3, 8)).astype(np.float64), -1),
                    rtol=1e-5, atol=1e-7)


def test_softmax_special_values():
    r = to_np(mx.softmax(mx.array([1000.0, 1000.0, -np.inf])))
    np.testing.assert_allclose(r, [0.5, 0.5, 0.0])
    assert np.isnan(to_np(mx.softmax(mx.array([3.0, np.nan, np.inf])))).all()
    assert np.isnan(to_np(mx.softmax(mx.array([-np.inf, -np.inf])))).all()


def test_softmax_empty_scalar_and_no_axes():
    assert mx.softmax(mx.zeros((0,))).shape == (0,)
    assert mx.softmax(mx.zeros((0, 3)), axis=0).shape == (0, 3)
    r = mx.softmax(mx.array(3, mx.int16))
    assert r.dtype == mx.int16 and r.item() == 1
    r = to_np(mx.softmax(mx.array([3.0, np.nan, np.inf]), axis=()))
    assert r[0] == 1.0 and np.isnan(r[1:]).all()
    with pytest.raises(ValueError):
        mx.softmax(mx.array(1.0), axis=0)


def test_softmax_bad_axes():
    a = mx.zeros((2, 3))
    with pytest.raises(IndexError):
        mx.softmax(a, axis=2)
    with pytest.raises(IndexError):
        mx.softmax(a, axis=-3)
    with pytest.raises(ValueError):
        mx.softmax(a, axis=[1, 1])
    with pytest.raises(TypeError):
        mx.softmax(a, 0, True)  # precise is keyword-only


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_softmax_grad(axis):
    x = sample((3, 4), "float64")
    w = sample((3, 4), "float64", seed=2)
    na = axis if not isinstance(axis, tuple) else axis
    check_grad(lambda a: (mx.softmax(a, axis=axis) * mx.array(w)).sum(),
               lambda a: (np_softmax(a, na) * w).sum(), x)


def test_softmax_jvp_and_second_derivative():
    x = sample((2, 5), "float64")
    t = sample((2, 5), "float64", seed=3)
    _, (jt,) = mx.jvp(lambda a: mx.softmax(a, axis=-1), [mx.array(x, mx.float64)], [mx.array(t, mx.float64)])
    eps = 1e-6
    fd = (np_softmax(x + eps * t, -1) - np_softmax(x - eps * t, -1)) / (2 * eps)
    assert_allclose(jt, fd, rtol=1e-6, atol=1e-9)
    w = mx.array(sample((2, 5), "float64", seed=4), mx.float64)
    g = lambda a: (mx.grad(lambda b: (mx.softmax(b, axis=-1) * w).sum())(a) ** 2).sum()
    h = to_np(mx.grad(g)(mx.array(x, mx.float64)))
    fd2 = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = 1e-5
        fd2[i] = (g(mx.array(x + d, mx.float64)).item() - g(mx.array(x - d, mx.float64)).item()) / 2e-5
    np.testing.assert_allclose(h, fd2, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_softmax_vmap(in_axis):
    x = sample((3, 4, 5), "float32")
    out = mx.vmap(lambda v: mx.softmax(v, axis=-1), in_axes=in_axis)(mx.array(x))
    expected = np.stack([np_softmax(np.take(x, i, axis=in_axis).astype(np.float64), -1)
                         for i in range(x.shape[in_axis])])
    assert_allclose(out, expected, rtol=1e-5, atol=1e-7)
