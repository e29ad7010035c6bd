"""Binary math ops (arctan2, logaddexp, logical_xor), clip, isclose, allclose and
array_equal against NumPy: dtypes, broadcasting, scalars, special values, gradients by
finite differences, vmap and bad inputs."""

import math

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, INTEGER, check_grad, mxdt, to_np

FLOATS = ("float16", "bfloat16", "float32", "float64")
TOL = {"float16": 4e-3, "bfloat16": 3e-2, "float32": 2e-6, "float64": 1e-13, "complex64": 2e-5}


def data(name, shape, seed=0, lo=-4, hi=4):
    rng = np.random.default_rng(seed)
    if name == "bool_":
        return rng.integers(0, 2, shape).astype(bool)
    if name in INTEGER:
        return rng.integers(0 if name.startswith("u") else -5, 6, shape).astype(name)
    if name == "complex64":
        return (rng.uniform(lo, hi, shape) + 1j * rng.uniform(lo, hi, shape)).astype(np.complex64)
    x = rng.uniform(lo, hi, shape)
    if name == "bfloat16":
        return to_np(mx.array(x, mx.float32).astype(mx.bfloat16))
    return x.astype(name)


def np_logaddexp(a, b):
    return np.logaddexp(a, b) if not np.iscomplexobj(a) else np.log(np.exp(a) + np.exp(b))


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", ["arctan2", "logaddexp"])
def test_dtypes(op, name):
    fn = getattr(mx, op)
    x, y = data(name, (3, 4), 0), data(name, (3, 4), 1)
    a, b = mx.array(x, dtype=mxdt(name)), mx.array(y, dtype=mxdt(name))
    if name == "complex64" and op == "arctan2":
        with pytest.raises(ValueError):
            fn(a, b)
        return
    out = fn(a, b)
    rdt = name if name in FLOATS + ("complex64",) else "float32"
    assert out.dtype == mxdt(rdt)
    wide = np.complex128 if name == "complex64" else np.float64
    ref = (np.arctan2 if op == "arctan2" else np_logaddexp)(to_np(a).astype(wide), to_np(b).astype(wide))
    np.testing.assert_allclose(to_np(out), ref, rtol=TOL[rdt], atol=TOL[rdt])


@pytest.mark.parametrize("op", ["arctan2", "logaddexp"])
def test_broadcast_layouts_scalars(op):
    fn, npf = getattr(mx, op), getattr(np, op)
    x, y = data("float32", (4, 6), 2), data("float32", (6,), 3)
    a, b = mx.array(x), mx.array(y)
    for got, want in ((fn(a, b), npf(x, y)), (fn(a.T, a.T), npf(x.T, x.T)), (fn(a[::2, ::-1], b), npf(x[::2, ::-1], y)),
                      (fn(a, 1.5), npf(x, np.float32(1.5))), (fn(2.0, b), npf(np.float32(2.0), y))):
        assert got.shape == want.shape and got.dtype == mx.float32
        np.testing.assert_allclose(to_np(got), want, rtol=2e-6, atol=1e-6)
    assert fn(mx.zeros((0, 3)), mx.zeros((1, 3))).shape == (0, 3)
    assert fn(mx.array(1, mx.float16), 2.0).dtype == mx.float16
    assert fn(1, mx.array([1, 2])).dtype == mx.float32


def test_large_inputs():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-50, 50, 100_001).astype(np.float32), rng.uniform(-50, 50, 100_001).astype(np.float32)
    for op in ("arctan2", "logaddexp"):
        out = to_np(getattr(mx, op)(mx.array(x), mx.array(y)))
        # float32 rounding of the larger input bounds the absolute error near 0.
        np.testing.assert_allclose(out, getattr(np, op)(x.astype(np.float64), y.astype(np.float64)), rtol=3e-6,
                                   atol=1e-6)


def test_special_values():
    inf, nan = np.inf, np.nan
    v = np.array([inf, -inf, nan, 0.0, -0.0, 1.0, -1e30, 1e30], np.float32)
    x, y = np.meshgrid(v, v)
    with np.errstate(all="ignore"):
        for op in ("arctan2", "logaddexp"):
            out = to_np(getattr(mx, op)(mx.array(x), mx.array(y)))
            ref = getattr(np, op)(x, y)
            np.testing.assert_allclose(out, ref, rtol=1e-6, err_msg=op)
            assert np.array_equal(np.signbit(out[~np.isnan(ref)]), np.signbit(ref[~np.isnan(ref)])), op
    assert mx.logaddexp(mx.array(1000.0), mx.array(1000.0)).item() == pytest.approx(1000 + math.log(2))


def test_gradients():
    rng = np.random.default_rng(4)
    x, y = rng.uniform(-3, 3, 5), rng.uniform(-3, 3, 5)
    for op in ("arctan2", "logaddexp"):
        fn, npf = getattr(mx, op), getattr(np, op)
        for argnum in (0, 1):
            check_grad(lambda a, b: mx.sum(fn(a, b)), lambda a, b: float(np.sum(npf(a, b))), x, y,
                       argnum=argnum, rtol=1e-6, atol=1e-8)
        a, b = mx.array(x.astype(np.float32)), mx.array(y.astype(np.float32))
        ta, tb = mx.ones_like(a), mx.full(b.shape, 2.0)
        _, (jt,) = mx.jvp(fn, [a, b], [ta, tb])
        ga, gb = mx.grad(lambda p, q: mx.sum(fn(p, q)), argnums=(0, 1))(a, b)
        np.testing.assert_allclose(to_np(jt), to_np(ga) + 2 * to_np(gb), rtol=1e-5)
    # logaddexp's gradient where both inputs are -inf-free but far apart stays finite
    g = mx.grad(lambda a: mx.sum(mx.logaddexp(a, mx.array([0.0, 0.0]))))(mx.array([-200.0, 200.0]))
    np.testing.assert_allclose(to_np(g), [0, 1], atol=1e-30)


def test_vmap():
    x, y = mx.array(data("float32", (3, 4), 5)), mx.array(data("float32", (3,), 6))
    for fn in (mx.arctan2, mx.logaddexp, mx.logical_xor, mx.isclose):
        out = mx.vmap(fn, in_axes=(1, None))(x, y)
        expected = np.stack([to_np(fn(x[:, i], y)) for i in range(4)])
        # Strided columns and contiguous runs may take libm's scalar and vector variants.
        np.testing.assert_allclose(to_np(out), expected, rtol=5e-7, atol=1e-7)
    out = mx.vmap(lambda a: mx.clip(a, -1.0, 1.0))(x)
    np.testing.assert_array_equal(to_np(out), np.clip(to_np(x), -1, 1))


# ---------------------------------------------------------------------------
# logical_xor
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_logical_xor(name):
    x, y = data(name, (3, 4), 0), data(name, (3, 4), 1)
    x.flat[0] = 0
    out = mx.logical_xor(mx.array(x, dtype=mxdt(name)), mx.array(y, dtype=mxdt(name)))
    assert out.dtype == mx.bool_
    np.testing.assert_array_equal(to_np(out), np.logical_xor(x, y))


def test_logical_xor_scalars():
    # The truth value of a Python scalar is taken before any cast.
    np.testing.assert_array_equal(to_np(mx.logical_xor(mx.array([1, 0], mx.int8), 300)), [False, True])
    np.testing.assert_array_equal(to_np(mx.logical_xor(mx.array([True, False]), 2 ** 32)), [False, True])
    np.testing.assert_array_equal(to_np(mx.logical_xor(0.5, mx.array([True, False]))), [False, True])
    g = mx.grad(lambda a: mx.sum(mx.where(mx.logical_xor(a, 1.0), a, 2 * a)))(mx.array([0.0, 1.0]))
    np.testing.assert_array_equal(to_np(g), [1, 2])


# ---------------------------------------------------------------------------
# clip
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["int8", "uint32", "int64", "float16", "bfloat16", "float32", "float64"])
def test_clip_dtypes(name):
    x = data(name, (4, 5), 7, lo=-8, hi=8)
    a = mx.array(x, dtype=mxdt(name))
    lo, hi = (1, 4) if name.startswith("u") else (-2, 3)
    out = mx.clip(a, lo, hi)
    assert out.dtype == a.dtype
    np.testing.assert_array_equal(to_np(out), np.clip(to_np(a), lo, hi))
    np.testing.assert_array_equal(to_np(mx.clip(a, None, hi)), np.minimum(to_np(a), hi))
    np.testing.assert_array_equal(to_np(mx.clip(a, lo, None)), np.maximum(to_np(a), lo))


def test_clip_arrays_and_promotion():
    x = np.array([[1.0, 5.0, 9.0], [-1.0, 4.0, 12.0]], np.float32)
    lo = np.array([2.0, 3.0, 4.0], np.float32)
    out = mx.clip(mx.array(x), mx.array(lo), 6)
    np.testing.assert_array_equal(to_np(out), np.clip(x, lo, 6))
    assert mx.clip(mx.array([1, 5, 9], mx.int8), 2.5, 7).dtype == mx.float32
    assert mx.clip(mx.array([1, 5, 9]), 2, None).tolist() == [2, 5, 9]
    out = mx.clip(mx.array([np.nan, 1.0]), 0.0, 0.5)
    assert np.isnan(to_np(out)[0]) and to_np(out)[1] == 0.5
    np.testing.assert_array_equal(to_np(mx.clip(mx.array(x).T, 0, 5)), np.clip(x.T, 0, 5))
    assert mx.clip(mx.zeros((0,)), 0, 1).shape == (0,)


def test_clip_gradient():
    x = mx.array([-2.0, 0.5, 3.0])
    g = mx.grad(lambda a: mx.sum(mx.clip(a, -1.0, 1.0) * mx.array([1.0, 2.0, 3.0])))(x)
    np.testing.assert_array_equal(to_np(g), [0, 2, 0])
    lo = mx.array([0.0, 0.0, 0.0])
    g = mx.grad(lambda l: mx.sum(mx.clip(x, l, 1.0)))(lo)
    np.testing.assert_array_equal(to_np(g), [1, 0, 0])


def test_clip_bad_inputs():
    with pytest.raises(ValueError):
        mx.clip(mx.array([1.0]), None, None)
    with pytest.raises(TypeError):
        mx.clip(mx.array([1.0]))
    with pytest.raises(ValueError):
        mx.clip(mx.zeros((3,)), mx.zeros((2,)), 1.0)


# ---------------------------------------------------------------------------
# isclose / allclose / array_equal
# ---------------------------------------------------------------------------

def test_isclose():
    inf, nan = np.inf, np.nan
    a = np.array([1.0, 1.0, inf, -inf, inf, nan, nan, 0.0, 1e-9, 100.0], np.float32)
    b = np.array([1.0 + 1e-6, 1.1, inf, -inf, -inf, nan, 1.0, 1e-9, 0.0, 100.001], np.float32)
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 0.0, "rtol": 0.0}, {"rtol": 1e-3, "atol": 1e-3}):
        out = mx.isclose(mx.array(a), mx.array(b), **kw)
        assert out.dtype == mx.bool_
        np.testing.assert_array_equal(to_np(out), np.isclose(a, b, **kw), err_msg=str(kw))
        assert mx.allclose(mx.array(a), mx.array(b), **kw).item() == np.allclose(a, b, **kw)
    x = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(to_np(mx.isclose(mx.array(x), mx.array(x[0] + 1e-9))), np.isclose(x, x[0]))
    assert mx.isclose(mx.array([1, 2]), mx.array([1, 3])).tolist() == [True, False]
    z = np.array([1 + 1j, 2 - 1j], np.complex64)
    np.testing.assert_array_equal(to_np(mx.isclose(mx.array(z), mx.array(z + 1e-7))), [True, True])
    np.testing.assert_array_equal(to_np(mx.isclose(mx.array([1.0, 2.0]), 1.0)), [True, False])


def test_allclose_array_equal():
    assert mx.allclose(mx.array([1.0, 2.0]), mx.array([1.0, 2.0 + 1e-7])).item() is True
    assert mx.allclose(mx.array([1.0, 2.0]), mx.array([1.0, 2.1])).item() is False
    assert mx.allclose(mx.zeros((0,)), mx.zeros((0,))).item() is True
    assert mx.allclose(mx.array([np.nan]), mx.array([np.nan])).item() is False
    assert mx.allclose(mx.array([np.nan]), mx.array([np.nan]), equal_nan=True).item() is True
    r = mx.array_equal(mx.array([1, 2]), mx.array([1.0, 2.0]))
    assert r.dtype == mx.bool_ and r.shape == () and r.item() is True
    assert mx.array_equal(mx.array([1, 2]), mx.array([1, 2, 3])).item() is False
    assert mx.array_equal(mx.array([[1, 2]]), mx.array([1, 2])).item() is False
    assert mx.array_equal(mx.array([1, 3]), mx.array([1, 2])).item() is False
    assert mx.array_equal(mx.array([np.nan]), mx.array([np.nan])).item() is False
    assert mx.array_equal(mx.array([np.nan, 1.0]), mx.array([np.nan, 1.0]), equal_nan=True).item() is True
    assert mx.array_equal(mx.array([np.nan, 1.0]), mx.array([np.nan, 1.0]), True).item() is True
    assert mx.array_equal(mx.zeros((0, 2)), mx.zeros((0, 2))).item() is True
    assert mx.array_equal(mx.array(3), 3).item() is True
    a = mx.arange(6).reshape(2, 3)
    assert mx.array_equal(a.T, mx.array(np.arange(6).reshape(2, 3).T)).item() is True


def test_close_bad_inputs():
    with pytest.raises(ValueError):
        mx.isclose(mx.zeros((2,)), mx.zeros((3,)))
    with pytest.raises(TypeError):
        mx.isclose(mx.zeros((2,)), mx.zeros((2,)), 1e-5, 1e-8, True)  # equal_nan is keyword-only
