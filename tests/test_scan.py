"""cumsum cumprod cummax cummin logcumsumexp (and the cumulative_* aliases) against NumPy:
dtypes, axes, reverse / inclusive, empty / scalar / non-contiguous inputs, gradients by
finite differences, jvp, vmap against a loop and bad axes."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import (ALL_DTYPE_NAMES, FLOATING, INTEGER, assert_allclose, assert_array_equal,
                     check_grad, mxdt, sample, to_np)

SCANS = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]


def np_scan(op, x, axis=None, reverse=False, inclusive=True):
    """NumPy oracle (float64 / complex128 / exact integer arithmetic)."""
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if reverse:
        x = np.flip(x, axis)
    if op == "cumsum":
        r = np.cumsum(x, axis=axis, dtype=x.dtype)
        ident = 0
    elif op == "cumprod":
        r = np.cumprod(x, axis=axis, dtype=x.dtype)
        ident = 1
    elif op == "cummax":
        r = np.maximum.accumulate(x, axis=axis)
        ident = -np.inf if x.dtype.kind == "f" else (np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
    elif op == "cummin":
        r = np.minimum.accumulate(x, axis=axis)
        ident = np.inf if x.dtype.kind == "f" else (np.iinfo(x.dtype).max if x.dtype.kind in "iu" else True)
    else:
        r = np.logaddexp.accumulate(x, axis=axis) if x.dtype.kind != "c" else np.log(np.cumsum(np.exp(x), axis=axis))
        ident = -np.inf
    if not inclusive:
        pad = np.full_like(np.take(r, [0], axis=axis), ident)
        r = np.concatenate([pad, np.take(r, np.arange(r.shape[axis] - 1), axis=axis)], axis=axis)
    if reverse:
        r = np.flip(r, axis)
    return r


def expected_dtype(op, name):
    if op == "cumsum" and name == "bool_":
        return "int32"
    if op == "logcumsumexp" and name not in FLOATING + ["complex64"]:
        return "float32"
    return name


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", SCANS)
def test_scan_every_dtype(op, name):
    x = sample((3, 5), name, low=-2, high=3)
    a = mx.array(x, dtype=mxdt(name))
    dt = expected_dtype(op, name)
    xs = x.astype(np.int32) if dt == "int32" else x
    if dt in FLOATING:
        xs = x.astype(np.float64)
    elif dt == "complex64":
        xs = x.astype(np.complex128)
    if op == "logcumsumexp" and dt == "float32":
        xs = x.astype(np.float64)
    tol = dict(rtol=2e-2, atol=2e-2) if dt in ("float16", "bfloat16") else dict(rtol=1e-5, atol=1e-5)
    for axis in [None, 0, 1, -1]:
        r = getattr(mx, op)(a, axis=axis)
        assert r.dtype == mxdt(dt)
        if op in ("cummax", "cummin") and name == "complex64":
            continue  # NumPy's complex ordering agrees, but accumulate on complex is not defined
        assert_allclose(r, np_scan(op, xs, axis), **tol)


@pytest.mark.parametrize("op", SCANS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [False, True])
@pytest.mark.parametrize("axis", [0, 1, 2, -1, None])
def test_scan_reverse_inclusive(op, reverse, inclusive, axis):
    x = sample((3, 4, 5), "float64", low=-1, high=2)
    r = getattr(mx, op)(mx.array(x, mx.float64), axis=axis, reverse=reverse, inclusive=inclusive)
    assert_allclose(r, np_scan(op, x, axis, reverse, inclusive), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "cummin"])
@pytest.mark.parametrize("inclusive", [False, True])
def test_scan_integer_exclusive_identity_and_wrap(op, inclusive):
    for name in ["int8", "uint8", "int32", "uint16"]:
        x = sample((2, 6), name)
        r = getattr(mx, op)(mx.array(x, dtype=mxdt(name)), axis=1, reverse=True, inclusive=inclusive)
        assert_array_equal(r, np_scan(op, x, 1, True, inclusive), dtype=mxdt(name))
    r = mx.cumsum(mx.array([100, 100], mx.int8))
    assert_array_equal(r, np.array([100, -56], np.int8), dtype=mx.int8)


def test_scan_dtype_argument_and_aliases():
    a = mx.array([[1, 2], [3, 4]], mx.int8)
    r = mx.cumsum(a, dtype=mx.float32)
    assert r.dtype == mx.float32 and r.tolist() == [1.0, 3.0, 6.0, 10.0]
    r = mx.cumsum(a, axis=1, dtype=mx.bool_)
    assert r.dtype == mx.int32 and r.tolist() == [[1, 2], [1, 2]]
    r = mx.cumprod(mx.array([[True, False]]), dtype=mx.int8)
    assert r.dtype == mx.int8 and r.tolist() == [1, 0]
    assert mx.cumprod(mx.array([True, False, True])).dtype == mx.bool_
    assert mx.cumulative_sum(a, axis=0).tolist() == [[1, 2], [4, 6]]
    assert mx.cumulative_prod(a, axis=1, reverse=True).tolist() == [[2, 2], [12, 4]]
    with pytest.raises(TypeError):
        mx.cummax(a, dtype=mx.int8)
    with pytest.raises(TypeError):
        mx.cumsum(a, 0, True)  # reverse is keyword-only


def test_scan_methods():
    x = sample((3, 4), "float32")
    a = mx.array(x)
    for op in SCANS:
        assert_allclose(getattr(a, op)(axis=1, reverse=True), np_scan(op, x.astype(np.float64), 1, True),
                        rtol=1e-5, atol=1e-5)
        assert getattr(a, op)().shape == (12,)


def test_scan_empty_and_scalar():
    for op in SCANS:
        f = getattr(mx, op)
        assert f(mx.zeros((0,))).shape == (0,)
        assert f(mx.zeros((0, 3)), axis=0).shape == (0, 3)
        assert f(mx.zeros((2, 0)), axis=0).shape == (2, 0)
        assert f(mx.array(3.0)).shape == (1,)
    assert mx.cumsum(mx.array(3, mx.int16)).dtype == mx.int16
    assert mx.cumsum(mx.array(True)).dtype == mx.int32


def test_scan_special_values():
    assert mx.cummax(mx.array([1.0, np.nan, 3.0])).tolist()[1:] != [3.0, 3.0]
    assert np.isnan(to_np(mx.cummax(mx.array([1.0, np.nan, 3.0])))[1:]).all()
    assert np.isnan(to_np(mx.cummin(mx.array([1.0, np.nan, 0.0])))[1:]).all()
    r = mx.logcumsumexp(mx.array([-np.inf, -np.inf, 1.0, np.inf]))
    assert to_np(r).tolist() == [-np.inf, -np.inf, 1.0, np.inf]
    assert mx.cummax(mx.array([1, 2, 3]), inclusive=False).tolist()[0] == np.iinfo(np.int32).min
    assert mx.cummin(mx.array([1, 2, 3], mx.uint8), inclusive=False).tolist()[0] == 255


@pytest.mark.parametrize("op", SCANS)
def test_scan_non_contiguous(op):
    x = sample((6, 8), "float32")
    a = mx.array(x)[::2, ::-1].T
    xn = x[::2, ::-1].T.astype(np.float64)
    for axis in [0, 1]:
        assert_allclose(getattr(mx, op)(a, axis=axis), np_scan(op, xn, axis), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", ["cumsum", "cummax", "logcumsumexp"])
def test_scan_large(op):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 70_000)).astype(np.float32)
    for axis in [0, 1]:
        assert_allclose(getattr(mx, op)(mx.array(x), axis=axis), np_scan(op, x.astype(np.float64), axis),
                        rtol=1e-3, atol=1e-3)
    y = rng.standard_normal((2000, 3)).astype(np.float64)
    assert_allclose(getattr(mx, op)(mx.array(y, mx.float64), axis=0, reverse=True), np_scan(op, y, 0, True),
                    rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("op", SCANS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [False, True])
def test_scan_grad(op, reverse, inclusive):
    x = sample((3, 5), "float64", low=-2, high=2, seed=4)
    w = sample((3, 5), "float64", seed=5)
    check_grad(lambda a: (getattr(mx, op)(a, axis=1, reverse=reverse, inclusive=inclusive) * mx.array(w)).sum(),
               lambda a: (_finite(np_scan(op, a, 1, reverse, inclusive)) * w).sum(), x, rtol=1e-5, atol=1e-6)


def _finite(r):
    # The identity of an exclusive cummax / logcumsumexp is infinite (a constant).
    return np.where(np.isfinite(r), r, 0)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [False, True])
def test_cumprod_grad_with_zeros(reverse, inclusive):
    x = np.array([[1.5, 0.0, 2.0, -1.0, 0.0, 3.0], [0.0, 2.0, 0.5, 0.0, 1.0, 2.0]])
    w = sample((2, 6), "float64", seed=7)
    check_grad(lambda a: (mx.cumprod(a, axis=1, reverse=reverse, inclusive=inclusive) * mx.array(w)).sum(),
               lambda a: (np_scan("cumprod", a, 1, reverse, inclusive) * w).sum(), x, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", SCANS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [False, True])
def test_scan_jvp(op, reverse, inclusive):
    x = sample((2, 6), "float64", low=-2, high=2, seed=8)
    x[0, 2] = 0.0
    t = sample((2, 6), "float64", seed=9)
    _, (jt,) = mx.jvp(lambda a: getattr(mx, op)(a, axis=1, reverse=reverse, inclusive=inclusive),
                      [mx.array(x, mx.float64)], [mx.array(t, mx.float64)])
    eps = 1e-6
    fd = (np_scan(op, x + eps * t, 1, reverse, inclusive) - np_scan(op, x - eps * t, 1, reverse, inclusive)) / (2 * eps)
    fd = np.where(np.isfinite(fd), fd, 0)
    assert_allclose(jt, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", SCANS)
@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_scan_vmap(op, in_axis):
    x = sample((3, 4, 5), "float32")
    out = mx.vmap(lambda v: getattr(mx, op)(v, axis=1, reverse=True), in_axes=in_axis)(mx.array(x))
    expected = np.stack([np_scan(op, np.take(x, i, axis=in_axis).astype(np.float64), 1, True)
                         for i in range(x.shape[in_axis])])
    assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", SCANS)
def test_scan_bad_axis(op):
    f = getattr(mx, op)
    for axis in [2, -3]:
        with pytest.raises(IndexError):
            f(mx.zeros((2, 3)), axis=axis)
    with pytest.raises(IndexError):
        f(mx.array(1.0), axis=0)
    with pytest.raises(TypeError):
        f(mx.zeros((2, 3)), axis=0.5)


@pytest.mark.parametrize("op,reverse", [("cummax", False), ("cummax", True), ("cummin", False), ("cummin", True)])
def test_cumextreme_grad_and_jvp_long_axis(op, reverse):
    # The rules route each cotangent to the input position that holds the running extreme
    # (and each tangent from it) in linear memory: an axis of 200,000 must not need an
    # n x n table (160 GB).
    n = 200_000
    rng = np.random.default_rng(5)
    x = rng.standard_normal(n).astype(np.float32)
    w = rng.standard_normal(n).astype(np.float32)
    acc = np.maximum.accumulate if op == "cummax" else np.minimum.accumulate
    xs = x[::-1] if reverse else x
    run = acc(xs)
    src = np.maximum.accumulate(np.where(xs == run, np.arange(n), 0))
    if reverse:
        src = (n - 1 - src)[::-1]
    f = getattr(mx, op)
    g = mx.grad(lambda a: (f(a, reverse=reverse) * mx.array(w)).sum())(mx.array(x))
    np.testing.assert_allclose(np.array(g), np.bincount(src, weights=w.astype(np.float64), minlength=n), rtol=1e-4, atol=1e-4)
    _, (t,) = mx.jvp(lambda a: f(a, reverse=reverse), [mx.array(x)], [mx.array(w)])
    np.testing.assert_array_equal(np.array(t), w[src])
