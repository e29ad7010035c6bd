"""all any count_nonzero var std logsumexp minmax against NumPy: dtypes, axes lists,
keepdims, empty and scalar inputs, non-contiguous inputs, gradients, vmap, bad axes; and
the reference's rule that a reduction over no axes keeps the input's dtype."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import (ALL_DTYPE_NAMES, FLOATING, INTEGER, assert_allclose, assert_array_equal,
                     check_grad, mxdt, sample, to_np)

AXES = [None, 0, 1, -1, (0, 2), [1, 2], (0, 1, 2), ()]


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# --- the 0-d / axis=() dtype defect -------------------------------------------------

@pytest.mark.parametrize("name", ["bool_", "int8", "int16", "uint8", "uint16", "int32", "float16"])
@pytest.mark.parametrize("op", ["sum", "prod", "max", "min"])
def test_reduction_of_scalar_keeps_dtype(op, name):
    a = mx.array(3, mxdt(name)) if name != "bool_" else mx.array(True)
    r = getattr(mx, op)(a)
    assert r.dtype == mxdt(name)
    assert r.shape == ()
    assert r.item() == a.item()


@pytest.mark.parametrize("op", ["sum", "prod"])
def test_reduction_over_no_axes_keeps_dtype(op):
    a = mx.array([[3, -4], [5, 6]], mx.int16)
    r = getattr(mx, op)(a, axis=())
    assert r.dtype == mx.int16
    assert_array_equal(r, np.array([[3, -4], [5, 6]], np.int16))
    assert getattr(mx, op)(a, axis=(0,)).dtype == mx.int32
    assert getattr(mx, op)(mx.array([1, 2], mx.uint8), axis=()).dtype == mx.uint8


def test_mean_of_scalar_int_is_float32():
    r = mx.mean(mx.array(3, mx.int16))
    assert r.dtype == mx.float32 and r.item() == 3.0


# --- all / any / count_nonzero ----------------------------------------------------

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_all_any_count_every_dtype(name):
    x = sample((3, 4), name, low=-1, high=2)
    a = mx.array(x, dtype=mxdt(name))
    for axis in [None, 0, 1, (0, 1)]:
        assert_array_equal(mx.all(a, axis=axis), np.all(x, axis=axis), dtype=mx.bool_)
        assert_array_equal(mx.any(a, axis=axis), np.any(x, axis=axis), dtype=mx.bool_)
        assert_array_equal(mx.count_nonzero(a, axis=axis),
                           np.asarray(np.count_nonzero(x, axis=axis), np.int32), dtype=mx.int32)


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_all_any_axes(axis, keepdims):
    x = sample((2, 3, 4), "int32", low=0, high=3)
    a = mx.array(x)
    na = _np_axis(axis)
    assert_array_equal(mx.all(a, axis, keepdims), np.all(x, axis=na, keepdims=keepdims))
    assert_array_equal(a.any(axis=axis, keepdims=keepdims), np.any(x, axis=na, keepdims=keepdims))
    assert_array_equal(mx.count_nonzero(a, axis=axis, keepdims=keepdims),
                       np.asarray(np.count_nonzero(x, axis=na, keepdims=keepdims), np.int32))


def test_all_any_empty_and_scalar():
    e = mx.zeros((0, 3))
    assert_array_equal(mx.all(e), np.array(True))
    assert_array_equal(mx.any(e), np.array(False))
    assert_array_equal(mx.all(e, axis=0), np.ones(3, bool))
    assert_array_equal(mx.any(e, axis=0), np.zeros(3, bool))
    assert_array_equal(mx.count_nonzero(e, axis=0), np.zeros(3, np.int32))
    assert mx.all(mx.array(2.0)).item() is True
    assert mx.any(mx.array(0)).item() is False
    assert mx.count_nonzero(mx.array(5, mx.int16)).dtype == mx.int32


def test_all_any_nan_and_complex():
    assert mx.all(mx.array([float("nan"), 1.0])).item() is True
    assert mx.any(mx.array([0j, 1j])).item() is True
    assert mx.all(mx.array([0j, 1j])).item() is False


def test_all_any_non_contiguous():
    x = sample((6, 5), "int32", low=0, high=2)
    a = mx.array(x)[::2, ::-1].T
    xn = x[::2, ::-1].T
    assert_array_equal(mx.all(a, axis=1), np.all(xn, axis=1))
    assert_array_equal(mx.any(a, axis=0), np.any(xn, axis=0))


def test_count_nonzero_keepdims_is_keyword_only():
    a = mx.array([[1, 0], [2, 3]])
    assert mx.count_nonzero(a, 0).tolist() == [2, 1]
    assert mx.count_nonzero(a, 1, keepdims=True).tolist() == [[1], [2]]
    with pytest.raises(TypeError):
        mx.count_nonzero(a, 0, True)


# --- var / std ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_var_std_every_dtype(name):
    x = sample((4, 5), name)
    a = mx.array(x, dtype=mxdt(name))
    exp_dt = {"float16": mx.float16, "bfloat16": mx.bfloat16, "float64": mx.float64}.get(name, mx.float32)
    xd = x.astype(np.complex128 if name == "complex64" else np.float64)
    tol = dict(rtol=3e-2, atol=3e-2) if name in ("float16", "bfloat16") else dict(rtol=1e-5, atol=1e-5)
    for axis in [None, 0, 1]:
        v = mx.var(a, axis=axis)
        s = mx.std(a, axis=axis)
        assert v.dtype == exp_dt and s.dtype == exp_dt
        assert_allclose(v, np.var(xd, axis=axis), **tol)
        assert_allclose(s, np.std(xd, axis=axis), **tol)


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_axes_ddof(axis, keepdims, ddof):
    x = sample((3, 4, 5), "float64")
    a = mx.array(x, mx.float64)
    na = _np_axis(axis)
    n = x.size if axis is None else int(np.prod([x.shape[i] for i in (na if isinstance(na, tuple) else (na,))]))
    with np.errstate(divide="ignore", invalid="ignore"):
        ev = np.var(x, axis=na, keepdims=keepdims, ddof=ddof) if n > ddof else None
    if ev is None:
        return
    assert_allclose(mx.var(a, axis, keepdims, ddof), ev, rtol=1e-10, atol=1e-12)
    assert_allclose(mx.std(a, axis=axis, keepdims=keepdims, ddof=ddof),
                    np.std(x, axis=na, keepdims=keepdims, ddof=ddof), rtol=1e-10, atol=1e-12)


def test_var_ddof_too_large_and_empty():
    a = mx.array([1.0, 2.0, 3.0])
    assert np.isinf(mx.var(a, ddof=3).item())
    assert np.isinf(mx.var(a, ddof=5).item())
    assert mx.var(a, ddof=-1).item() == pytest.approx(0.5)
    assert np.isnan(mx.var(mx.zeros((0,))).item())
    assert np.isnan(to_np(mx.std(mx.zeros((0, 3)), axis=0))).all()
    assert mx.var(mx.array(3, mx.int16)).dtype == mx.float32


def test_var_method_correction():
    a = mx.array([1.0, 2.0, 4.0])
    assert a.var(correction=1).item() == pytest.approx(np.var([1, 2, 4], ddof=1))
    assert a.std(ddof=1, correction=0).item() == pytest.approx(np.std([1, 2, 4]))


def test_var_grad():
    x = sample((3, 4), "float64")
    check_grad(lambda a: mx.var(a, axis=1, ddof=1).sum(), lambda a: np.var(a, axis=1, ddof=1).sum(), x)
    check_grad(lambda a: mx.std(a), lambda a: np.std(a), x)


# --- logsumexp ----------------------------------------------------------------------

def _np_lse(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis) if axis is not None else r.reshape(())


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_logsumexp_every_dtype(name):
    x = sample((4, 5), name)
    a = mx.array(x, dtype=mxdt(name))
    r = mx.logsumexp(a, axis=1)
    assert r.dtype == (mxdt(name) if name in FLOATING + ["complex64"] else mx.float32)
    xd = x.astype(np.complex128 if name == "complex64" else np.float64)
    tol = dict(rtol=2e-2, atol=2e-2) if name in ("float16", "bfloat16") else dict(rtol=1e-5, atol=1e-5)
    if name == "complex64":
        assert_allclose(r, np.log(np.sum(np.exp(xd), axis=1)), **tol)
    else:
        assert_allclose(r, _np_lse(xd, axis=1), **tol)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), [2, 0], (0, 1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_axes(axis, keepdims):
    x = sample((3, 4, 5), "float64") * 100
    na = _np_axis(axis)
    if isinstance(na, tuple):
        na = tuple(sorted(a % 3 for a in na))
    assert_allclose(mx.logsumexp(mx.array(x, mx.float64), axis=axis, keepdims=keepdims),
                    _np_lse(x, axis=na, keepdims=keepdims), rtol=1e-12, atol=1e-12)


def test_logsumexp_large_rows_and_special_values():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(300_000).astype(np.float32) * 10
    assert_allclose(mx.logsumexp(mx.array(x)), _np_lse(x.astype(np.float64)), rtol=1e-5)
    assert mx.logsumexp(mx.array([-np.inf, -np.inf])).item() == -np.inf
    assert mx.logsumexp(mx.array([np.inf, 1.0])).item() == np.inf
    assert mx.logsumexp(mx.array([np.inf, -np.inf])).item() == np.inf
    assert np.isnan(mx.logsumexp(mx.array([np.nan, 1.0])).item())
    assert mx.logsumexp(mx.array([1000.0, 1000.0])).item() == pytest.approx(1000 + np.log(2))


def test_logsumexp_scalar_empty_and_no_axes():
    assert mx.logsumexp(mx.array(3, mx.int16)).dtype == mx.float32
    r = mx.logsumexp(mx.array([1, 2, 3]), axis=())
    assert r.dtype == mx.float32 and r.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        mx.logsumexp(mx.zeros((0,)))
    with pytest.raises(ValueError):
        mx.logsumexp(mx.zeros((0, 3)), axis=0)
    with pytest.raises(ValueError):
        mx.logsumexp(mx.array(3.0), axis=0)


def test_logsumexp_non_contiguous():
    x = sample((6, 8), "float32")
    a = mx.array(x)[::2, 1::3].T
    xn = x[::2, 1::3].T.astype(np.float64)
    assert_allclose(mx.logsumexp(a, axis=1), _np_lse(xn, axis=1), rtol=1e-5)
    assert_allclose(mx.logsumexp(a, axis=0), _np_lse(xn, axis=0), rtol=1e-5)


def test_logsumexp_grad_jvp_vmap():
    x = sample((3, 4), "float64")
    check_grad(lambda a: (mx.logsumexp(a, axis=1) * mx.array([1.0, -2.0, 3.0], mx.float64)).sum(),
               lambda a: (_np_lse(a, axis=1) * np.array([1.0, -2.0, 3.0])).sum(), x)
    a = mx.array(x)
    t = mx.array(sample((3, 4), "float64", seed=3))
    _, (jt,) = mx.jvp(lambda v: mx.logsumexp(v, axis=0), [a], [t])
    eps = 1e-6
    fd = (_np_lse(x + eps * to_np(t), axis=0) - _np_lse(x - eps * to_np(t), axis=0)) / (2 * eps)
    assert_allclose(jt, fd, rtol=1e-6, atol=1e-8)
    for in_axis in [0, 1]:
        out = mx.vmap(lambda v: mx.logsumexp(v), in_axes=in_axis)(a)
        expected = np.array([_np_lse(np.take(x, i, axis=in_axis)) for i in range(x.shape[in_axis])])
        assert_allclose(out, expected, rtol=1e-12)


def test_logsumexp_method():
    x = sample((2, 3), "float32")
    assert_allclose(mx.array(x).logsumexp(axis=1, keepdims=True),
                    _np_lse(x.astype(np.float64), axis=1, keepdims=True), rtol=1e-5)


# --- minmax ---------------------------------------------------------------------------

def test_minmax():
    x = sample((3, 4), "int32")
    lo, hi = mx.minmax(mx.array(x), axis=1, keepdims=True)
    assert_array_equal(lo, x.min(axis=1, keepdims=True))
    assert_array_equal(hi, x.max(axis=1, keepdims=True))
    lo, hi = mx.minmax(mx.array(x))
    assert lo.item() == x.min() and hi.item() == x.max()
    with pytest.raises(ValueError):
        mx.minmax(mx.zeros((0,)))


# --- bad axes ---------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["all", "any", "count_nonzero", "var", "std", "logsumexp", "minmax"])
def test_bad_axes(op):
    f = getattr(mx, op)
    a = mx.zeros((2, 3))
    with pytest.raises(IndexError):
        f(a, axis=2)
    with pytest.raises(IndexError):
        f(a, axis=-3)
    with pytest.raises(ValueError):
        f(a, axis=[0, 0])
    with pytest.raises(IndexError if op not in ("logsumexp",) else ValueError):
        f(mx.array(1.0), axis=0)


def test_vmap_all_var_against_loop():
    x = sample((4, 3, 5), "float32")
    a = mx.array(x)
    out = mx.vmap(lambda v: mx.var(v, axis=1), in_axes=1)(a)
    expected = np.stack([np.var(x[:, i, :].astype(np.float64), axis=1) for i in range(3)])
    assert_allclose(out, expected, rtol=1e-5)
    out = mx.vmap(lambda v: mx.any(v > 0))(a)
    assert_array_equal(out, np.array([np.any(x[i] > 0) for i in range(4)]))


def test_vmap_all_count_minmax_against_loop():
    x = sample((3, 4, 5), "int32", low=-1, high=2)
    a = mx.array(x)
    out = mx.vmap(lambda v: mx.all(v, axis=0), in_axes=2)(a)
    assert_array_equal(out, np.stack([np.all(x[:, :, i], axis=0) for i in range(5)]))
    out = mx.vmap(lambda v: mx.count_nonzero(v, axis=1), in_axes=0)(a)
    assert_array_equal(out, np.stack([np.count_nonzero(x[i], axis=1) for i in range(3)]).astype(np.int32))
    lo, hi = mx.vmap(lambda v: mx.minmax(v), in_axes=1)(a)
    assert_array_equal(lo, np.array([x[:, i].min() for i in range(4)]))
    assert_array_equal(hi, np.array([x[:, i].max() for i in range(4)]))


def test_var_std_non_contiguous_and_complex_values():
    x = sample((6, 8), "float32")
    a = mx.array(x)[1::2, ::-3].T
    xn = x[1::2, ::-3].T.astype(np.float64)
    assert_allclose(mx.var(a, axis=1), np.var(xn, axis=1), rtol=1e-5)
    assert_allclose(mx.std(a, axis=0, ddof=1), np.std(xn, axis=0, ddof=1), rtol=1e-5)
    z = np.array([1 + 2j, 3 - 1j, -2j], np.complex64)
    r = mx.var(mx.array(z))
    assert r.dtype == mx.float32
    assert r.item() == pytest.approx(np.var(z.astype(np.complex128)), rel=1e-6)


def test_var_jvp_and_half_grad():
    x = sample((3, 4), "float64")
    t = sample((3, 4), "float64", seed=6)
    _, (jt,) = mx.jvp(lambda v: mx.var(v, axis=0, ddof=1), [mx.array(x, mx.float64)], [mx.array(t, mx.float64)])
    eps = 1e-6
    fd = (np.var(x + eps * t, axis=0, ddof=1) - np.var(x - eps * t, axis=0, ddof=1)) / (2 * eps)
    assert_allclose(jt, fd, rtol=1e-6, atol=1e-9)
    g = mx.grad(lambda v: mx.var(v))(mx.array(x, mx.float16))
    assert g.dtype == mx.float16
    expected = 2 * (x - x.mean()) / x.size
    np.testing.assert_allclose(to_np(g).astype(np.float64), expected, rtol=2e-2, atol=2e-3)
