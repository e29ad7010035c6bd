"""Unary math ops (trigonometric, hyperbolic, logarithms, rounding, complex parts,
predicates, nan_to_num, ...) against NumPy: dtypes (result dtypes read off the reference),
empty / 0-d / broadcast / non-contiguous inputs, gradients by finite differences, jvp,
vmap against a Python loop, aliases, array methods and bad inputs."""

import math

import numpy as np
import pytest

import mlx.core as mx
from helpers import (ALL_DTYPE_NAMES, FLOATING, INTEGER, check_grad, mxdt, sample, to_np)

FLOATS = ("float16", "bfloat16", "float32", "float64")


def np_err():
    return np.errstate(all="ignore")


# name -> (numpy function, input range, accepts complex, floating result)
FLOAT_OPS = {
    "tan": (np.tan, (-1.4, 1.4), True),
    "arcsin": (np.arcsin, (-0.95, 0.95), True),
    "arccos": (np.arccos, (-0.95, 0.95), True),
    "arctan": (np.arctan, (-4, 4), True),
    "sinh": (np.sinh, (-4, 4), True),
    "cosh": (np.cosh, (-4, 4), True),
    "arcsinh": (np.arcsinh, (-4, 4), True),
    "arccosh": (np.arccosh, (1.1, 5), True),
    "arctanh": (np.arctanh, (-0.9, 0.9), True),
    "expm1": (np.expm1, (-3, 3), False),
    "log1p": (np.log1p, (-0.9, 4), True),
    "log2": (np.log2, (0.1, 8), True),
    "log10": (np.log10, (0.1, 8), True),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.1, 8), True),
    "reciprocal": (lambda x: 1 / x, (0.5, 8), True),
    "degrees": (lambda x: x * (180 / np.pi), (-4, 4), True),
    "radians": (lambda x: x * (np.pi / 180), (-200, 200), True),
}
ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
           "acosh": "arccosh", "atanh": "arctanh"}
TOL = {"float16": 4e-3, "bfloat16": 3e-2, "float32": 2e-6, "float64": 1e-13, "complex64": 2e-5}


def data(name, lo, hi, shape=(3, 5), seed=0):
    rng = np.random.default_rng(seed)
    if name == "complex64":
        return (rng.uniform(lo, hi, shape) + 0.3j * rng.uniform(-1, 1, shape)).astype(np.complex64)
    if name == "bool_":
        return rng.integers(0, 2, shape).astype(bool)
    if name in INTEGER:
        lo_i = max(int(math.ceil(lo)), 0 if name.startswith("u") else -10)
        hi_i = max(int(math.floor(hi)), lo_i)
        return rng.integers(lo_i, hi_i + 1, shape).astype(name)
    x = rng.uniform(lo, hi, shape)
    if name == "bfloat16":
        return to_np(mx.array(x, mx.float32).astype(mx.bfloat16))
    return x.astype(name)


def check_float_op(op, name, x):
    fn = getattr(mx, op)
    npf = FLOAT_OPS[op][0]
    a = mx.array(x, dtype=mxdt(name))
    out = fn(a)
    rdt = name if name in FLOATS + ("complex64",) else "float32"
    assert out.dtype == mxdt(rdt), (op, name, out.dtype)
    with np_err():
        ref = npf(to_np(a).astype(np.complex128 if name == "complex64" else np.float64))
    tol = TOL[rdt]
    np.testing.assert_allclose(to_np(out), ref.astype(np.complex128 if name == "complex64" else np.float64),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", sorted(FLOAT_OPS))
def test_float_ops_dtypes(op, name):
    npf, (lo, hi), cplx = FLOAT_OPS[op]
    if name == "complex64" and not cplx:
        with pytest.raises(ValueError):
            getattr(mx, op)(mx.array([1 + 1j]))
        return
    if name == "bool_" and op in ("arccosh", "log2", "log10", "rsqrt", "reciprocal"):
        x = np.ones((3, 5), bool)
    else:
        x = data(name, lo, hi)
    check_float_op(op, name, x)


@pytest.mark.parametrize("op", sorted(FLOAT_OPS))
def test_float_ops_layouts(op):
    npf, (lo, hi), _ = FLOAT_OPS[op]
    fn = getattr(mx, op)
    x = data("float32", lo, hi, shape=(4, 6))
    a = mx.array(x)
    with np_err():
        for got, want in ((fn(a.T), npf(x.T)), (fn(a[::2, ::-3]), npf(x[::2, ::-3])),
                          (fn(mx.broadcast_to(a[:1], (3, 6))), npf(np.broadcast_to(x[:1], (3, 6)))),
                          (fn(a[1, 2]), npf(x[1, 2]))):
            assert got.shape == np.shape(want)
            np.testing.assert_allclose(to_np(got), want, rtol=2e-6, atol=2e-6)
    assert fn(mx.zeros((0, 4))).shape == (0, 4)
    # Python scalars are accepted.
    assert fn(float(x[0, 0])).item() == pytest.approx(float(npf(np.float64(x[0, 0]))), rel=1e-5)


def test_large_contiguous_matches_numpy():
    # Large enough for the threaded, vectorized loops.
    x = np.linspace(-0.99, 0.99, 100_003).astype(np.float32)
    for op in ("tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arctanh", "expm1",
               "log1p", "erf"):
        out = to_np(getattr(mx, op)(mx.array(x)))
        ref = {"erf": np.vectorize(math.erf)}.get(op, getattr(np, op, None))(x.astype(np.float64))
        np.testing.assert_allclose(out, ref, rtol=3e-6, atol=1e-7, err_msg=op)


def test_special_values():
    inf, nan = np.inf, np.nan
    x = np.array([inf, -inf, nan, 0.0, -0.0, 1.0, -1.0, 2.0], np.float32)
    with np_err():
        for op in ("tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh",
                   "expm1", "log1p", "log2", "log10", "rsqrt", "reciprocal"):
            out = to_np(getattr(mx, op)(mx.array(x)))
            ref = FLOAT_OPS[op][0](x)
            np.testing.assert_array_equal(np.isnan(out), np.isnan(ref), err_msg=op)
            m = ~np.isnan(ref)
            np.testing.assert_allclose(out[m], ref[m], rtol=1e-6, err_msg=op)
            assert np.array_equal(np.signbit(out[m]), np.signbit(ref[m])), op


def test_aliases():
    x = mx.array([0.25, 0.5])
    for alias, name in ALIASES.items():
        fn = getattr(mx, alias)
        arg = x + 1.5 if name == "arccosh" else x
        np.testing.assert_array_equal(to_np(fn(arg)), to_np(getattr(mx, name)(arg)))
    assert mx.atan2(mx.array(1.0), mx.array(2.0)).item() == pytest.approx(math.atan2(1, 2))
    assert mx.pow(mx.array(2), 10).item() == 1024
    assert mx.bitwise_left_shift(mx.array(1), 3).item() == 8
    assert mx.bitwise_right_shift(mx.array(16), 2).item() == 4


# ---------------------------------------------------------------------------
# rounding
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", ["floor", "ceil", "trunc", "round"])
def test_rounding_dtypes(op, name):
    fn = getattr(mx, op)
    if name == "complex64":
        a = mx.array(np.array([1.5 + 2.5j, -0.5 - 1.5j], np.complex64))
        if op == "round":
            np.testing.assert_array_equal(to_np(fn(a)), np.round(to_np(a)))
            assert fn(a).dtype == mx.complex64
        else:
            with pytest.raises(ValueError):
                fn(a)
        return
    x = data(name, -6, 6, shape=(4, 7)) if name in INTEGER or name == "bool_" else \
        (np.arange(-14, 14).reshape(4, 7) / 4).astype(np.float32 if name == "bfloat16" else name)
    a = mx.array(x, dtype=mxdt(name))
    out = fn(a)
    assert out.dtype == mxdt(name)
    ref = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.round}[op](to_np(a))
    np.testing.assert_array_equal(to_np(out), ref)


def test_round_decimals():
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.2345, -2.675, 123.456], np.float32)
    for d in (0, 1, 2, 3):
        np.testing.assert_allclose(to_np(mx.round(mx.array(x), d)), np.round(x, d), rtol=1e-6)
        np.testing.assert_allclose(to_np(mx.round(mx.array(x, mx.float64), d)),
                                   np.round(x.astype(np.float64), d), rtol=1e-12)
    np.testing.assert_allclose(to_np(mx.round(mx.array(x), -1)), np.round(x, -1))
    i = np.array([15, 25, 123, -35, 150], np.int32)
    out = mx.round(mx.array(i), -1)
    assert out.dtype == mx.int32
    np.testing.assert_array_equal(to_np(out), np.round(i, -1))
    np.testing.assert_array_equal(to_np(mx.round(mx.array(i), 2)), i)
    # keyword and method forms
    assert mx.round(mx.array(2.567), decimals=1).item() == pytest.approx(2.6)
    assert mx.array([2.567]).round(2).tolist()[0] == pytest.approx(2.57)
    assert mx.array([2.5]).round().tolist() == [2.0]


def test_rounding_special_values():
    x = np.array([np.inf, -np.inf, np.nan, -0.0, 0.5, -0.5, 2.5, 1e30], np.float32)
    for op in ("floor", "ceil", "trunc", "round"):
        out = to_np(getattr(mx, op)(mx.array(x)))
        ref = getattr(np, op)(x)
        np.testing.assert_array_equal(out, ref)
        assert np.array_equal(np.signbit(out), np.signbit(ref)), op


# ---------------------------------------------------------------------------
# complex parts
# ---------------------------------------------------------------------------

def test_real_imag_conj():
    z = np.array([[1 + 2j, -3 - 0.5j], [0j, 4j]], np.complex64)
    a = mx.array(z)
    for fn, ref, dt in ((mx.real, z.real, mx.float32), (mx.imag, z.imag, mx.float32),
                        (mx.conj, z.conj(), mx.complex64), (mx.conjugate, z.conj(), mx.complex64)):
        out = fn(a)
        assert out.dtype == dt
        np.testing.assert_array_equal(to_np(out), ref)
        np.testing.assert_array_equal(to_np(fn(a.T)), ref.T)
    assert a.real.dtype == mx.float32 and a.imag.dtype == mx.float32
    np.testing.assert_array_equal(to_np(a.real), z.real)
    np.testing.assert_array_equal(to_np(a.imag), z.imag)
    np.testing.assert_array_equal(to_np(a.conj()), z.conj())
    for name in ("int32", "float16", "bool_", "float64"):
        x = mx.array([1, 0, 3], dtype=mxdt(name))
        assert mx.real(x).dtype == x.dtype and mx.imag(x).dtype == x.dtype and mx.conj(x).dtype == x.dtype
        np.testing.assert_array_equal(to_np(mx.real(x)), to_np(x))
        np.testing.assert_array_equal(to_np(mx.imag(x)), np.zeros(3))
        np.testing.assert_array_equal(to_np(mx.conj(x)), to_np(x))


def test_complex_part_gradients():
    z = mx.array([1 + 2j, 3 - 1j])
    np.testing.assert_array_equal(to_np(mx.grad(lambda v: mx.sum(mx.real(v)))(z)), [1, 1])
    np.testing.assert_array_equal(to_np(mx.grad(lambda v: mx.sum(mx.imag(v)))(z)), [1j, 1j])
    (g,) = mx.vjp(mx.conj, [z], [mx.array([1 + 1j, 2 + 0j])])[1]
    np.testing.assert_array_equal(to_np(g), [1 - 1j, 2 - 0j])
    _, (t,) = mx.jvp(mx.real, [z], [mx.array([5 + 7j, 1 + 1j])])
    np.testing.assert_array_equal(to_np(t), [5, 1])
    _, (t,) = mx.jvp(mx.imag, [z], [mx.array([5 + 7j, 1 + 1j])])
    np.testing.assert_array_equal(to_np(t), [7, 1])


# ---------------------------------------------------------------------------
# predicates and nan_to_num
# ---------------------------------------------------------------------------

PRED = {"isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
        "isposinf": np.isposinf, "isneginf": np.isneginf}


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", sorted(PRED))
def test_predicates(op, name):
    fn = getattr(mx, op)
    if name in FLOATS:
        x = np.array([[1.0, np.nan, np.inf], [-np.inf, -0.0, 3.5]], np.float32)
    elif name == "complex64":
        x = np.array([1 + 1j, complex(np.nan, 0), complex(0, np.inf), complex(np.inf, 0),
                      complex(-np.inf, 0), complex(np.inf, 1)], np.complex64)
    else:
        x = data(name, 0, 5)
    a = mx.array(x, dtype=mxdt(name))
    out = fn(a)
    assert out.dtype == mx.bool_ and out.shape == a.shape
    if name == "complex64" and op in ("isposinf", "isneginf"):
        # Only (+-inf, 0) counts, as in the reference.
        ref = np.array([v == complex(np.inf if op == "isposinf" else -np.inf, 0) for v in x])
    else:
        ref = PRED[op](to_np(a))
    np.testing.assert_array_equal(to_np(out), ref)
    np.testing.assert_array_equal(to_np(fn(a.T)), ref.T)


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_nan_to_num(name):
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0], np.float32)
    a = mx.array(x, dtype=mxdt(name))
    out = mx.nan_to_num(a)
    assert out.dtype == mxdt(name)
    big = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": np.finfo(np.float32).max,
           "float64": np.finfo(np.float64).max}[name]
    np.testing.assert_array_equal(to_np(out).astype(np.float64), [0, big, -big, 1.5, -2.0])
    out = mx.nan_to_num(a, 1.0, 2.0, neginf=-3.0)
    np.testing.assert_array_equal(to_np(out), [1, 2, -3, 1.5, -2.0])
    out = mx.nan_to_num(a, nan=7.0, posinf=None)
    assert to_np(out)[0] == 7 and float(to_np(out)[1]) == big


def test_nan_to_num_other_dtypes():
    for name in ("int32", "uint8", "bool_"):
        a = mx.array([1, 0, 2], dtype=mxdt(name))
        out = mx.nan_to_num(a)
        assert out.dtype == a.dtype
        np.testing.assert_array_equal(to_np(out), to_np(a))
    # complex: the real and imaginary parts separately, as NumPy (test_ops_defects.py)
    assert mx.nan_to_num(mx.array([1j])).tolist() == [1j]
    # gradient flows through the kept values only
    g = mx.grad(lambda v: mx.sum(mx.nan_to_num(v) * 2))(mx.array([1.0, np.inf, 3.0]))
    np.testing.assert_array_equal(to_np(g), [2, 0, 2])


def test_positive():
    for name in ("int8", "float32", "complex64", "bool_"):
        a = mx.array([1, 0, 1], dtype=mxdt(name))
        out = mx.positive(a)
        assert out.dtype == a.dtype
        np.testing.assert_array_equal(to_np(out), to_np(a))


# ---------------------------------------------------------------------------
# transforms
# ---------------------------------------------------------------------------

GRAD_CASES = {
    "tan": ((-1.2, 1.2), np.tan), "arcsin": ((-0.9, 0.9), np.arcsin), "arccos": ((-0.9, 0.9), np.arccos),
    "arctan": ((-3, 3), np.arctan), "sinh": ((-3, 3), np.sinh), "cosh": ((-3, 3), np.cosh),
    "arcsinh": ((-3, 3), np.arcsinh), "arccosh": ((1.2, 4), np.arccosh), "arctanh": ((-0.9, 0.9), np.arctanh),
    "expm1": ((-3, 3), np.expm1), "log1p": ((-0.8, 3), np.log1p), "log2": ((0.2, 5), np.log2),
    "log10": ((0.2, 5), np.log10), "rsqrt": ((0.2, 5), lambda x: 1 / np.sqrt(x)),
    "reciprocal": ((0.5, 5), lambda x: 1 / x), "degrees": ((-3, 3), np.degrees),
    "radians": ((-3, 3), np.radians),
}


@pytest.mark.parametrize("op", sorted(GRAD_CASES))
def test_gradients(op):
    (lo, hi), npf = GRAD_CASES[op]
    x = np.random.default_rng(3).uniform(lo, hi, 5)
    fn = getattr(mx, op)
    check_grad(lambda a: mx.sum(fn(a) * mx.array([1.0, 2.0, -1.0, 0.5, 3.0], mx.float64)),
               lambda a: float(np.sum(npf(a) * np.array([1.0, 2.0, -1.0, 0.5, 3.0]))), x, rtol=1e-6, atol=1e-8)
    # jvp agrees with the vjp (diagonal Jacobian)
    a = mx.array(x.astype(np.float32))
    t = mx.array(np.linspace(0.5, 1.5, 5).astype(np.float32))
    _, (jt,) = mx.jvp(fn, [a], [t])
    g = mx.grad(lambda v: mx.sum(fn(v)))(a)
    np.testing.assert_allclose(to_np(jt), to_np(g) * to_np(t), rtol=1e-5)


def test_rounding_gradients_are_zero():
    x = mx.array([0.3, 1.7, -2.2])
    for op in ("floor", "ceil", "trunc", "round"):
        g = mx.grad(lambda v: mx.sum(getattr(mx, op)(v)))(x)
        np.testing.assert_array_equal(to_np(g), [0, 0, 0])


def test_second_derivative():
    # d2/dx2 tan = 2 tan sec^2
    x = 0.4
    g2 = mx.grad(mx.grad(mx.tan))(mx.array(x, mx.float64)).item()
    assert g2 == pytest.approx(2 * math.tan(x) / math.cos(x) ** 2, rel=1e-10)


@pytest.mark.parametrize("op", sorted(FLOAT_OPS) + ["floor", "round", "isnan", "isfinite", "erf"])
def test_vmap(op):
    fn = getattr(mx, op)
    lo, hi = FLOAT_OPS[op][1] if op in FLOAT_OPS else (-3, 3)
    x = mx.array(data("float32", lo, hi, shape=(3, 4)))
    out = mx.vmap(fn, in_axes=1)(x)
    expected = np.stack([to_np(fn(x[:, i])) for i in range(4)])
    # Strided columns and contiguous runs may take libm's scalar and vector variants.
    np.testing.assert_allclose(to_np(out), expected, rtol=5e-7, atol=1e-7)


def test_bad_inputs():
    for op in ("floor", "ceil", "trunc", "expm1", "erf"):
        with pytest.raises(ValueError):
            getattr(mx, op)(mx.array([1 + 1j]))
    with pytest.raises(ValueError):
        mx.tan("a")  # as the reference
    with pytest.raises(TypeError):
        mx.round(mx.array([1.0]), 1.5)
    with pytest.raises(TypeError):
        mx.tan(mx.array([1.0]), mx.array([1.0]))  # stream is keyword-only


def test_array_methods():
    x = np.array([0.5, 2.0, 4.0], np.float32)
    a = mx.array(x)
    for m, ref in (("log1p", np.log1p(x)), ("log2", np.log2(x)), ("log10", np.log10(x)),
                   ("reciprocal", 1 / x), ("rsqrt", 1 / np.sqrt(x))):
        np.testing.assert_allclose(to_np(getattr(a, m)()), ref, rtol=1e-6)
        assert getattr(mx.array, m).__doc__


def test_docstrings():
    for name in list(FLOAT_OPS) + ["floor", "ceil", "trunc", "round", "real", "imag", "conj", "isnan",
                                   "nan_to_num", "positive", "erf", "erfinv"]:
        doc = getattr(mx, name).__doc__
        assert doc and "Returns" in doc, name
