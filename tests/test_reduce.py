"""Reductions: sum mean max min prod argmax argmin against NumPy, with axis /
keepdims / negative axes / tuples, the reference's dtype rules, empty inputs
and bad axes."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import (ALL_DTYPE_NAMES, FLOATING, INTEGER, NP_DTYPE, SIGNED, UNSIGNED,
                     assert_allclose, assert_array_equal, mxdt, sample, to_np)

# Result dtype of sum / prod (reference): small ints widen to 32 bits.
SUM_DTYPE = {
    "bool_": "int32", "uint8": "uint32", "uint16": "uint32", "uint32": "uint32",
    "uint64": "uint64", "int8": "int32", "int16": "int32", "int32": "int32",
    "int64": "int64", "float16": "float16", "bfloat16": "bfloat16",
    "float32": "float32", "float64": "float64", "complex64": "complex64",
}
# mean: integers and bool give float32, floats keep their type.
MEAN_DTYPE = {n: ("float32" if (n in INTEGER or n == "bool_") else n) for n in ALL_DTYPE_NAMES}

AXES = [None, 0, 1, 2, -1, -3, (0, 2), (1, -1), (0, 1, 2), ()]


def _np_reduce(name, f, x, axis, keepdims):
    if isinstance(axis, tuple) and len(axis) == 0:
        return x.copy()
    return f(x, axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_sum_every_dtype(name):
    x = sample((2, 3, 4), name)
    a = mx.array(x, dtype=mxdt(name))
    r = mx.sum(a)
    assert r.dtype == mxdt(SUM_DTYPE[name])
    assert r.shape == ()
    expected = x.astype(np.float64 if name != "complex64" else np.complex128).sum()
    if name in ("float16", "bfloat16"):
        assert_allclose(r, expected, rtol=2e-2, atol=1e-1)
    else:
        assert_allclose(r, expected)
    r = a.sum(axis=1)
    assert r.dtype == mxdt(SUM_DTYPE[name])
    assert r.shape == (2, 4)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_prod_every_dtype(name):
    x = sample((2, 3), name, low=-2, high=3)
    a = mx.array(x, dtype=mxdt(name))
    r = mx.prod(a, axis=1)
    assert r.dtype == mxdt(SUM_DTYPE[name])
    expected = x.astype(np.float64 if name != "complex64" else np.complex128).prod(axis=1)
    assert_allclose(r, expected, rtol=2e-2 if name in ("float16", "bfloat16") else None)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_mean_every_dtype(name):
    x = sample((4, 5), name)
    a = mx.array(x, dtype=mxdt(name))
    r = mx.mean(a, axis=0)
    assert r.dtype == mxdt(MEAN_DTYPE[name])
    expected = x.astype(np.float64 if name != "complex64" else np.complex128).mean(axis=0)
    assert_allclose(r, expected, rtol=2e-2 if name in ("float16", "bfloat16") else None,
                    atol=2e-2 if name in ("float16", "bfloat16") else None)


@pytest.mark.parametrize("name", [n for n in ALL_DTYPE_NAMES if n != "complex64"])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_every_dtype(op, name):
    x = sample((3, 5), name)
    a = mx.array(x, dtype=mxdt(name))
    for axis in (None, 0, 1):
        r = getattr(mx, op)(a, axis=axis)
        assert r.dtype == mxdt(name)
        assert_array_equal(r, getattr(np, op)(x, axis=axis))


@pytest.mark.parametrize("name", [n for n in ALL_DTYPE_NAMES if n != "complex64"])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin_every_dtype(op, name):
    x = sample((4, 6), name, seed=5)
    a = mx.array(x, dtype=mxdt(name))
    for axis in (None, 0, 1, -1):
        r = getattr(mx, op)(a, axis=axis)
        assert r.dtype == mx.uint32
        expected = getattr(np, op)(x, axis=axis)
        assert_array_equal(r, np.asarray(expected).astype(np.uint32))


@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "prod"])
def test_axes_and_keepdims(op, axis, keepdims):
    x = sample((2, 3, 4), "float32", low=-1.5, high=1.5)
    a = mx.array(x)
    r = getattr(mx, op)(a, axis=axis, keepdims=keepdims)
    expected = _np_reduce("float32", getattr(np, op), x, axis, keepdims)
    assert r.shape == np.shape(expected)
    assert_allclose(r, expected.astype(np.float32), mx.float32, rtol=1e-5, atol=1e-6)
    # method form
    m = getattr(a, op)(axis=axis, keepdims=keepdims)
    assert m.shape == r.shape
    np.testing.assert_array_equal(np.array(m), np.array(r))


def test_axis_as_list_and_positional():
    a = mx.array(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    assert mx.sum(a, axis=[0, 1]).shape == (4,)
    assert mx.sum(a, [0, 1]).shape == (4,)
    assert a.max(1).shape == (2, 4)
    assert mx.sum(a, (0, 2), keepdims=True).shape == (1, 3, 1)
    assert mx.sum(a, axis=None).shape == ()


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_reduce_keepdims(op, keepdims):
    x = sample((3, 4, 5), "float32", seed=7)
    a = mx.array(x)
    for axis in (0, 1, 2, -1, -2):
        r = getattr(mx, op)(a, axis=axis, keepdims=keepdims)
        expected = getattr(np, op)(x, axis=axis, keepdims=keepdims)
        assert_array_equal(r, expected.astype(np.uint32), mx.uint32)
    r = getattr(mx, op)(a, keepdims=keepdims)
    assert r.shape == ((1, 1, 1) if keepdims else ())
    assert r.item() == getattr(np, op)(x)


def test_arg_reduce_ties_and_nan():
    assert mx.argmax(mx.array([1, 3, 3, 1])).item() == 1
    assert mx.argmin(mx.array([1, 0, 0, 1])).item() == 1
    assert mx.argmax(mx.array([float("nan"), 1.0])).item() == 0
    assert mx.argmax(mx.array([True, False])).item() == 0
    assert np.isnan(mx.max(mx.array([float("nan"), 1.0])).item())


def test_arg_reduce_rejects_tuple_axis():
    with pytest.raises(TypeError):
        mx.argmax(mx.zeros((2, 2)), axis=(0, 1))


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "prod", "argmax", "argmin"])
def test_non_contiguous_input(op):
    x = np.arange(120, dtype=np.float32).reshape(4, 5, 6) % 17 - 8
    a = mx.array(x)
    views = [(a.transpose(2, 0, 1), x.transpose(2, 0, 1)),
             (a[::2, ::-1, 1:], x[::2, ::-1, 1:]),
             (mx.broadcast_to(a[:, :1], (4, 3, 6)), np.broadcast_to(x[:, :1], (4, 3, 6)))]
    for av, xv in views:
        for axis in (None, 0, 1, 2):
            r = getattr(mx, op)(av, axis=axis)
            e = getattr(np, op)(xv, axis=axis)
            if op.startswith("arg"):
                assert_array_equal(r, np.asarray(e).astype(np.uint32))
            else:
                assert_allclose(r, np.asarray(e, dtype=np.float64), rtol=1e-5, atol=1e-3)


def test_large_sum_accuracy():
    x = np.random.default_rng(0).random(1_000_003).astype(np.float32)
    r = mx.sum(mx.array(x))
    np.testing.assert_allclose(r.item(), x.astype(np.float64).sum(), rtol=1e-4)
    r = mx.mean(mx.array(x).reshape(1000003, 1), axis=0)
    np.testing.assert_allclose(r.item(), x.astype(np.float64).mean(), rtol=1e-4)


def test_int_sum_does_not_overflow_small_types():
    a = mx.full((1000,), 200, mx.uint8)
    assert mx.sum(a).item() == 200_000
    assert mx.sum(a).dtype == mx.uint32
    b = mx.full((1000,), 100, mx.int8)
    assert mx.sum(b).item() == 100_000
    assert mx.sum(b).dtype == mx.int32


def test_bool_reductions():
    a = mx.array([[True, False, True], [True, True, True]])
    assert_array_equal(mx.sum(a, axis=1), [2, 3], mx.int32)
    assert_array_equal(mx.max(a, axis=1), [True, True], mx.bool_)
    assert_array_equal(mx.min(a, axis=1), [False, True], mx.bool_)
    assert_allclose(mx.mean(a), 5 / 6, mx.float32)


# ---------------------------------------------------------------------------
# empty inputs and scalars
# ---------------------------------------------------------------------------

def test_empty_reductions():
    assert_array_equal(mx.sum(mx.array([])), np.float32(0), mx.float32)
    assert_array_equal(mx.sum(mx.zeros((0, 3)), axis=0), np.zeros(3, np.float32), mx.float32)
    assert_array_equal(mx.prod(mx.array([])), np.float32(1), mx.float32)
    assert np.isnan(mx.mean(mx.array([])).item())
    assert mx.max(mx.zeros((0, 3)), axis=1).shape == (0,)
    assert mx.sum(mx.zeros((0, 3)), axis=1).shape == (0,)
    assert mx.sum(mx.zeros((0,), mx.int8)).item() == 0


@pytest.mark.parametrize("expr", [
    lambda: mx.max(mx.array([])),
    lambda: mx.min(mx.zeros((0, 3))),
    lambda: mx.max(mx.zeros((0, 3)), axis=0),
    lambda: mx.argmax(mx.array([])),
    lambda: mx.argmin(mx.zeros((0, 3)), axis=1),
])
def test_empty_max_raises(expr):
    with pytest.raises(ValueError):
        expr()


def test_reduce_scalar():
    assert_array_equal(mx.sum(mx.array(5)), np.int32(5), mx.int32)
    assert mx.sum(mx.array(5), keepdims=True).shape == ()
    assert mx.max(mx.array(2.5)).item() == 2.5
    assert mx.argmax(mx.array(2.5)).item() == 0


# ---------------------------------------------------------------------------
# bad axes
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "prod"])
def test_bad_axis_raises(op):
    a = mx.zeros((2, 3))
    f = getattr(mx, op)
    with pytest.raises(IndexError):
        f(a, axis=2)
    with pytest.raises(IndexError):
        f(a, axis=-3)
    with pytest.raises(IndexError):
        f(a, axis=(0, 5))
    with pytest.raises(IndexError):
        f(mx.array(5.0), axis=0)
    with pytest.raises(ValueError):
        f(a, axis=(0, 0))
    with pytest.raises(ValueError):
        f(a, axis=(0, -2))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_bad_axis_raises(op):
    with pytest.raises(IndexError):
        getattr(mx, op)(mx.zeros((2, 3)), axis=2)
    with pytest.raises(IndexError):
        getattr(mx, op)(mx.zeros((2, 3)), axis=-3)


def test_axis_must_be_int():
    with pytest.raises(TypeError):
        mx.sum(mx.ones((3,)), 0.5)
