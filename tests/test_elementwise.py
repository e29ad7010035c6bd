"""Elementwise ops and operators against NumPy: every supported dtype, empty /
0-d / broadcast / non-contiguous inputs, Python scalars (reflected forms) and
bad inputs.  Supported-dtype tables and output dtypes read off the reference."""

import operator

import numpy as np
import pytest

import mlx.core as mx
from helpers import (ALL_DTYPE_NAMES, FLOATING, INTEGER, NP_DTYPE, REAL_NUMERIC, SIGNED,
                     UNSIGNED, assert_allclose, assert_array_equal, dtype_name, mxdt,
                     run_isolated, sample, to_np)

def np_err():
    return np.errstate(all="ignore")

# ---------------------------------------------------------------------------
# unary ops
# ---------------------------------------------------------------------------

def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# name -> (mx function, numpy function, needs positive input)
UNARY = {
    "abs": (mx.abs, np.abs, False),
    "negative": (mx.negative, np.negative, False),
    "exp": (mx.exp, np.exp, False),
    "log": (mx.log, np.log, True),
    "sqrt": (mx.sqrt, np.sqrt, True),
    "square": (mx.square, np.square, False),
    "sin": (mx.sin, np.sin, False),
    "cos": (mx.cos, np.cos, False),
    "tanh": (mx.tanh, np.tanh, False),
    "sigmoid": (mx.sigmoid, _np_sigmoid, False),
}
# Ops whose integer/bool input is promoted to float32 (the others keep dtype).
TO_FLOAT = {"exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"}
# dtypes each op rejects with ValueError (reference): everything else works.
UNARY_REJECTS = {"negative": {"bool_"}, "sigmoid": {"complex64"}}


def unary_result_dtype(op, name):
    if op == "abs" and name == "complex64":
        return "float32"
    if op in TO_FLOAT and (name in INTEGER or name == "bool_"):
        return "float32"
    return name


def _unary_expected(op, x, name):
    """NumPy expectation for op applied to NumPy data x of mx dtype `name`."""
    res = unary_result_dtype(op, name)
    with np_err():
        if res == "float32" and name != "complex64":
            x = x.astype(np.float32)
        if name in ("float16", "bfloat16"):
            # compute in float32 then round like the result type
            y = UNARY[op][1](x.astype(np.float32))
            return y.astype(np.float16) if name == "float16" else y
        if name == "bool_" and op == "square":
            return x & x
        return UNARY[op][1](x)


UNARY_CASES = [(op, n) for op in UNARY for n in ALL_DTYPE_NAMES
               if n not in UNARY_REJECTS.get(op, ())]


@pytest.mark.parametrize("op, name", UNARY_CASES)
def test_unary_every_dtype(op, name):
    x = sample((3, 4), name, positive=UNARY[op][2])
    if op == "abs" and name in SIGNED:
        x = x.astype(np.int8).astype(x.dtype)  # stays clear of INT_MIN
    a = mx.array(x, dtype=mxdt(name))
    r = UNARY[op][0](a)
    assert r.dtype == mxdt(unary_result_dtype(op, name))
    assert r.shape == (3, 4)
    assert_allclose(r, _unary_expected(op, x, name))


@pytest.mark.parametrize("op, name", [(op, n) for op, s in UNARY_REJECTS.items() for n in s])
def test_unary_rejects(op, name):
    with pytest.raises(ValueError):
        UNARY[op][0](mx.ones((2,), mxdt(name)))


def test_negative_bool_raises():
    with pytest.raises(ValueError):
        -mx.array([True, False])
    with pytest.raises(ValueError):
        mx.negative(mx.array(True))


# Layouts: (name, maker) -> mx array and its NumPy twin, float32 data.
def _layouts():
    base = np.linspace(-3, 3, 24 * 35, dtype=np.float32).reshape(24, 35)
    small = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    return {
        "empty": (np.zeros((0, 3), np.float32), lambda a: a),
        "empty2": (np.zeros((2, 0, 3), np.float32), lambda a: a),
        "scalar": (np.array(0.75, np.float32), lambda a: a),
        "transposed": (small, lambda a: a.T),
        "sliced": (base, lambda a: a[1::3, 2:30:4]),
        "reversed": (base, lambda a: a[::-1, ::-2]),
        "row": (base, lambda a: a[5]),
        "column": (base, lambda a: a[:, 7]),
        "broadcast": (small[:1], lambda a: mx.broadcast_to(a, (5, 4)) if isinstance(a, mx.array)
                      else np.broadcast_to(a, (5, 4))),
        "big": (np.linspace(-1, 1, 100_003, dtype=np.float32), lambda a: a[1:]),
    }


LAYOUTS = _layouts()


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("op", list(UNARY))
def test_unary_layouts(op, layout):
    x, view = LAYOUTS[layout]
    if UNARY[op][2]:
        x = np.abs(x) + 0.5
    a = view(mx.array(x))
    xv = view(x)
    r = UNARY[op][0](a)
    assert r.shape == xv.shape
    with np_err():
        assert_allclose(r, UNARY[op][1](xv).astype(np.float32), mx.float32)


def test_unary_int_layouts():
    x = np.arange(-12, 12, dtype=np.int32).reshape(4, 6)
    a = mx.array(x)
    assert_array_equal(mx.abs(a.T[::2]), np.abs(x.T[::2]), mx.int32)
    assert_array_equal(mx.negative(a[:, ::-1]), -x[:, ::-1], mx.int32)
    assert_array_equal(mx.square(a[1:3]), np.square(x[1:3]), mx.int32)


def test_unary_special_values():
    a = mx.array([0.0, -1.0, 1.0])
    r = mx.log(a).tolist()
    assert r[0] == -np.inf and np.isnan(r[1]) and r[2] == 0.0
    assert np.isnan(mx.sqrt(mx.array(-1.0)).item())
    assert mx.exp(mx.array(1000.0)).item() == np.inf
    assert mx.sigmoid(mx.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]
    assert mx.tanh(mx.array([-1000.0, 1000.0])).tolist() == [-1.0, 1.0]
    assert_array_equal(mx.negative(mx.array([1], mx.uint8)), np.array([255], np.uint8), mx.uint8)


def test_unary_complex_values():
    z = np.array([-1 + 0j, 4j, 1 + 1j], np.complex64)
    a = mx.array(z)
    for f, g in [(mx.sqrt, np.sqrt), (mx.log, np.log), (mx.exp, np.exp), (mx.sin, np.sin),
                 (mx.cos, np.cos), (mx.tanh, np.tanh), (mx.square, np.square)]:
        assert_allclose(f(a), g(z), mx.complex64, rtol=1e-5, atol=1e-5)
    assert_allclose(mx.abs(a), np.abs(z), mx.float32)


def test_unary_method_forms():
    a = mx.array([1.0, 4.0])
    assert a.abs().tolist() == [1.0, 4.0]
    assert a.sqrt().tolist() == [1.0, 2.0]
    assert a.square().tolist() == [1.0, 16.0]
    assert_allclose(a.exp(), np.exp([1.0, 4.0]), mx.float32)
    assert_allclose(a.log(), np.log([1.0, 4.0]), mx.float32)
    assert_allclose(a.sin(), np.sin([1.0, 4.0]), mx.float32)
    assert_allclose(a.cos(), np.cos([1.0, 4.0]), mx.float32)
    assert abs(mx.array(-2)).item() == 2
    assert (-mx.array(2)).item() == -2
    assert (+mx.array(2)).item() == 2


def test_unary_accepts_python_scalars():
    assert_allclose(mx.exp(1.0), np.float32(np.e), mx.float32)
    assert mx.abs(-3).dtype == mx.int32


# ---------------------------------------------------------------------------
# binary operators
# ---------------------------------------------------------------------------

ARITH = {
    "add": (operator.add, np.add),
    "subtract": (operator.sub, np.subtract),
    "multiply": (operator.mul, np.multiply),
    "divide": (operator.truediv, np.true_divide),
    "floor_divide": (operator.floordiv, np.floor_divide),
    "remainder": (operator.mod, np.remainder),
    "power": (operator.pow, np.power),
    "maximum": (mx.maximum, np.maximum),
    "minimum": (mx.minimum, np.minimum),
}
COMPARE = {
    "equal": (operator.eq, np.equal),
    "not_equal": (operator.ne, np.not_equal),
    "less": (operator.lt, np.less),
    "less_equal": (operator.le, np.less_equal),
    "greater": (operator.gt, np.greater),
    "greater_equal": (operator.ge, np.greater_equal),
}
BITWISE = {
    "bitwise_and": (operator.and_, np.bitwise_and),
    "bitwise_or": (operator.or_, np.bitwise_or),
    "bitwise_xor": (operator.xor, np.bitwise_xor),
    "left_shift": (operator.lshift, np.left_shift),
    "right_shift": (operator.rshift, np.right_shift),
}

# dtypes tested per op (unsupported ones are tested to raise below).
ARITH_DTYPES = {
    "add": ALL_DTYPE_NAMES,
    "subtract": [n for n in ALL_DTYPE_NAMES if n != "bool_"],
    "multiply": ALL_DTYPE_NAMES,
    "divide": [n for n in ALL_DTYPE_NAMES if n != "bool_"],
    "floor_divide": REAL_NUMERIC,
    "remainder": REAL_NUMERIC,
    "power": REAL_NUMERIC + ["complex64"],
    "maximum": ["bool_"] + REAL_NUMERIC,
    "minimum": ["bool_"] + REAL_NUMERIC,
}


def _binary_data(op, name):
    """(lhs, rhs) NumPy data suited to the op: no zero divisors, small integer
    powers, integer-valued floats for floor_divide / remainder."""
    x = sample((3, 4), name, seed=1)
    y = sample((3, 4), name, seed=2)
    if op in ("divide", "floor_divide", "remainder"):
        y = sample((3, 4), name, seed=2, positive=True)
        if name in SIGNED:
            y = y * np.where(np.arange(12).reshape(3, 4) % 2, 1, -1).astype(y.dtype)
        if name in FLOATING and op != "divide":
            x = np.round(x * 2).astype(x.dtype)
            y = (np.round(y) + 1).astype(y.dtype) * np.where(np.arange(12).reshape(3, 4) % 2, 1, -1).astype(y.dtype)
    if op == "power":
        if name in INTEGER:
            y = (np.arange(12).reshape(3, 4) % 4).astype(y.dtype)
        elif name == "complex64":
            x, y = x / 4, y / 4
        else:
            x = np.abs(x) + np.array(0.5, x.dtype)
            y = y / np.array(2, y.dtype)
    return x, y


def _binary_expected(op, x, y, name):
    f = ARITH[op][1]
    with np_err():
        if op == "divide" and (name in INTEGER or name == "bool_"):
            return f(x.astype(np.float64), y.astype(np.float64)).astype(np.float32)
        if name in ("float16", "bfloat16"):
            r = f(x.astype(np.float32), y.astype(np.float32))
            return r.astype(np.float16) if name == "float16" else r
        return f(x, y)


def _result_dtype(op, name):
    if op == "divide" and (name in INTEGER or name == "bool_"):
        return "float32"
    return name


ARITH_CASES = [(op, n) for op in ARITH for n in ARITH_DTYPES[op]]


@pytest.mark.parametrize("op, name", ARITH_CASES)
def test_arith_every_dtype(op, name):
    x, y = _binary_data(op, name)
    a, b = mx.array(x, dtype=mxdt(name)), mx.array(y, dtype=mxdt(name))
    r = ARITH[op][0](a, b)
    assert r.dtype == mxdt(_result_dtype(op, name))
    # the named function agrees with the operator
    r2 = getattr(mx, op)(a, b)
    assert r2.dtype == r.dtype
    expected = _binary_expected(op, x, y, name)
    if name == "complex64" and op == "power":
        assert_allclose(r, expected, rtol=1e-4, atol=1e-5)
    else:
        assert_allclose(r, expected)
    np.testing.assert_array_equal(to_np(r2), to_np(r))


@pytest.mark.parametrize("op", list(COMPARE))
@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_compare_every_dtype(op, name):
    # complex numbers order lexicographically (real part, then imaginary), as in NumPy
    x = sample((3, 4), name, seed=1)
    y = x.copy()
    y.reshape(-1)[::2] = sample((6,), name, seed=3)
    a, b = mx.array(x, dtype=mxdt(name)), mx.array(y, dtype=mxdt(name))
    r = COMPARE[op][0](a, b)
    assert r.dtype == mx.bool_
    assert_array_equal(r, COMPARE[op][1](x, y))
    assert_array_equal(getattr(mx, op)(a, b), COMPARE[op][1](x, y))


# shifts of bool promote to uint8: test_shift_of_bool_is_uint8
@pytest.mark.parametrize(
    "op,name",
    [(op, name) for op in BITWISE for name in ["bool_"] + INTEGER
     if not ("shift" in op and name == "bool_")])
def test_bitwise_every_dtype(op, name):
    x = sample((3, 4), name, seed=1)
    y = sample((3, 4), name, seed=2)
    if "shift" in op:
        y = (np.arange(12).reshape(3, 4) % 3).astype(y.dtype)
        if name in SIGNED:
            x = np.abs(x)
    a, b = mx.array(x, dtype=mxdt(name)), mx.array(y, dtype=mxdt(name))
    r = BITWISE[op][0](a, b)
    assert_array_equal(r, BITWISE[op][1](x, y), mxdt(name))
    assert_array_equal(getattr(mx, op)(a, b), BITWISE[op][1](x, y), mxdt(name))


def test_shift_of_bool_is_uint8():
    r = mx.array([True, False]) << mx.array([True, True])
    assert_array_equal(r, np.array([2, 0], np.uint8), mx.uint8)
    assert_array_equal(mx.array([-8]) >> 1, [-4], mx.int32)


@pytest.mark.parametrize("name", ["bool_"] + INTEGER)
def test_invert(name):
    x = sample((3, 4), name)
    r = ~mx.array(x, dtype=mxdt(name))
    assert_array_equal(r, np.invert(x), mxdt(name))
    assert_array_equal(mx.bitwise_invert(mx.array(x, dtype=mxdt(name))), np.invert(x), mxdt(name))


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_logical_ops(name):
    x = sample((3, 4), name, seed=1) * (np.arange(12).reshape(3, 4) % 3 != 0).astype(NP_DTYPE[name])
    y = sample((3, 4), name, seed=2) * (np.arange(12).reshape(3, 4) % 2 != 0).astype(NP_DTYPE[name])
    a, b = mx.array(x, dtype=mxdt(name)), mx.array(y, dtype=mxdt(name))
    assert_array_equal(mx.logical_and(a, b), np.logical_and(x, y), mx.bool_)
    assert_array_equal(mx.logical_or(a, b), np.logical_or(x, y), mx.bool_)
    assert_array_equal(mx.logical_not(a), np.logical_not(x), mx.bool_)


def test_bool_arithmetic():
    t, f = mx.array([True, False]), mx.array([True, True])
    assert_array_equal(t + f, [True, True], mx.bool_)
    assert_array_equal(t * f, [True, False], mx.bool_)
    assert_allclose(t / f, [1.0, 0.0], mx.float32)
    assert_array_equal(mx.maximum(mx.array([True]), mx.array([False])), [True], mx.bool_)


def test_integer_wraparound():
    assert_array_equal(mx.array([1], mx.uint32) - mx.array([2], mx.uint32),
                       np.array([4294967295], np.uint32), mx.uint32)
    assert_array_equal(mx.array([1, 2], mx.int8) * mx.array([100, 100], mx.int8),
                       np.array([100, -56], np.int8), mx.int8)
    assert_array_equal(mx.array([3, 2], mx.uint8) ** mx.array([7, 9], mx.uint8),
                       np.array([139, 0], np.uint8), mx.uint8)


def test_floor_divide_and_remainder_signs():
    x = mx.array([-7, 7, -7, 7], mx.int8)
    y = mx.array([2, -2, -2, 2], mx.int8)
    assert_array_equal(x // y, np.array([-4, -4, 3, 3], np.int8), mx.int8)
    assert_array_equal(x % y, np.array([1, -1, -1, 1], np.int8), mx.int8)
    assert_allclose(mx.array([-7.5, 7.5, -7.5]) % mx.array([2.0, -2.0, -2.0]), [0.5, -0.5, -1.5], mx.float32)
    assert_allclose(mx.array([-7.5, 7.5]) // 2, [-4.0, 3.0], mx.float32)
    assert_array_equal(mx.array([-7, 7]) // 2, [-4, 3], mx.int32)
    assert_array_equal(mx.array([-7, 7]) % 3, [2, 1], mx.int32)


def test_power_values():
    assert_array_equal(mx.array([2, 3]) ** 2, [4, 9], mx.int32)
    assert_allclose(mx.array([2, 3]) ** 0.5, np.sqrt([2, 3]), mx.float32)
    assert_array_equal(2 ** mx.array([2, 3]), [4, 8], mx.int32)
    assert_allclose(mx.array([2.0]) ** mx.array([-1]), [0.5], mx.float32)
    assert mx.array([0.0]) ** 0 == 1
    assert pow(mx.array(2), 3).item() == 8


def test_nan_semantics():
    nan = float("nan")
    a = mx.array([nan, 1.0])
    assert_array_equal(a == a, [False, True], mx.bool_)
    assert_array_equal(a != a, [True, False], mx.bool_)
    r = mx.maximum(a, mx.array([0.0, nan])).tolist()
    assert np.isnan(r[0]) and np.isnan(r[1])
    r = mx.minimum(a, 0.5).tolist()
    assert np.isnan(r[0]) and r[1] == 0.5
    assert mx.array([1.0]) / 0 == np.inf


def test_complex_arithmetic():
    z1 = np.array([1 + 2j, 3, -1j], np.complex64)
    z2 = np.array([3 - 1j, 1 + 1j, 2], np.complex64)
    a, b = mx.array(z1), mx.array(z2)
    assert_allclose(a * b, z1 * z2, mx.complex64)
    assert_allclose(a / b, z1 / z2, mx.complex64)
    assert_allclose(a - b, z1 - z2, mx.complex64)
    assert_array_equal(a == mx.array([1 + 2j, 3, 1j]), [True, True, False], mx.bool_)


# ---------------------------------------------------------------------------
# broadcasting, layouts
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("sa, sb", [
    ((3, 1), (1, 4)), ((4,), (3, 4)), ((2, 1, 4), (3, 1)), ((), (2, 3)),
    ((0, 3), (1, 3)), ((1,), (0,)), ((5, 1, 1), (1, 6, 7)), ((2, 3), (2, 3)),
])
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "maximum", "power"])
def test_binary_broadcast(op, sa, sb):
    x = sample(sa, "float32", seed=1)
    y = sample(sb, "float32", seed=2)
    if op == "power":
        x = np.abs(x) + np.float32(0.5)
    r = ARITH[op][0](mx.array(x), mx.array(y))
    with np_err():
        assert_allclose(r, ARITH[op][1](x, y), mx.float32)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("op", ["add", "multiply", "divide", "minimum", "power"])
def test_binary_layouts(op, layout):
    x, view = LAYOUTS[layout]
    a = view(mx.array(x))
    xv = view(x)
    # pair a strided view with a contiguous operand and with itself reversed
    y = np.ascontiguousarray(xv[::-1] if xv.ndim else xv) * np.float32(0.5) + np.float32(2.0)
    b = mx.array(y)
    if op == "power":
        a, xv = mx.abs(a), np.abs(xv)
    r = ARITH[op][0](a, b)
    with np_err():
        assert_allclose(r, ARITH[op][1](xv, y).astype(np.float32), mx.float32)
    r = ARITH[op][0](b, a)
    with np_err():
        assert_allclose(r, ARITH[op][1](y, xv).astype(np.float32), mx.float32)


def test_binary_both_non_contiguous():
    x = np.arange(60, dtype=np.int32).reshape(6, 10)
    a = mx.array(x)
    assert_array_equal(a.T[::2] + a[::-1].T[1::2], x.T[::2] + x[::-1].T[1::2], mx.int32)
    assert_array_equal(a[:, 3] * a[2, :6], x[:, 3] * x[2, :6], mx.int32)


def test_broadcast_mismatch_raises():
    with pytest.raises(ValueError):
        mx.ones((2, 3)) + mx.ones((4,))
    with pytest.raises(ValueError):
        mx.maximum(mx.ones((2, 3)), mx.ones((3, 2)))
    with pytest.raises(ValueError):
        mx.ones((2,)) == mx.ones((3,))
    with pytest.raises(ValueError):
        mx.where(mx.array([True, False, True]), mx.ones((2,)), 0)


# ---------------------------------------------------------------------------
# Python scalars and reflected operators
# ---------------------------------------------------------------------------

REFLECTED = [
    ("add", lambda a, s: a + s, lambda a, s: s + a, np.add),
    ("sub", lambda a, s: a - s, lambda a, s: s - a, np.subtract),
    ("mul", lambda a, s: a * s, lambda a, s: s * a, np.multiply),
    ("truediv", lambda a, s: a / s, lambda a, s: s / a, np.true_divide),
    ("floordiv", lambda a, s: a // s, lambda a, s: s // a, np.floor_divide),
    ("mod", lambda a, s: a % s, lambda a, s: s % a, np.remainder),
    ("pow", lambda a, s: a ** s, lambda a, s: s ** a, np.power),
    ("lt", lambda a, s: a < s, lambda a, s: s < a, np.less),
    ("le", lambda a, s: a <= s, lambda a, s: s <= a, np.less_equal),
    ("gt", lambda a, s: a > s, lambda a, s: s > a, np.greater),
    ("ge", lambda a, s: a >= s, lambda a, s: s >= a, np.greater_equal),
    ("eq", lambda a, s: a == s, lambda a, s: s == a, np.equal),
    ("ne", lambda a, s: a != s, lambda a, s: s != a, np.not_equal),
]


@pytest.mark.parametrize("name, fwd, rev, npf", REFLECTED, ids=[r[0] for r in REFLECTED])
@pytest.mark.parametrize("dtype, scalar", [("int32", 3), ("float32", 3), ("float32", 2.5),
                                           ("int32", 2.5), ("float16", 1.5), ("uint8", 2),
                                           ("int64", 2)])
def test_reflected_scalar_ops(name, fwd, rev, npf, dtype, scalar):
    x = np.array([1, 2, 3, 4, 5], dtype=NP_DTYPE[dtype])
    a = mx.array(x, dtype=mxdt(dtype))
    weak = dtype if (isinstance(scalar, int) or dtype in FLOATING) else "float32"
    s_np = np.array(scalar, dtype=NP_DTYPE[weak])
    xs = x.astype(NP_DTYPE[weak])
    for mxf, (l, r) in ((fwd, (xs, s_np)), (rev, (s_np, xs))):
        out = mxf(a, scalar)
        with np_err():
            exp = npf(l, r)
        if name in ("lt", "le", "gt", "ge", "eq", "ne"):
            assert out.dtype == mx.bool_
            assert_array_equal(out, exp)
        elif name == "truediv" and weak in INTEGER:
            assert out.dtype == mx.float32
            assert_allclose(out, exp.astype(np.float32))
        else:
            assert out.dtype == mxdt(weak), (out.dtype, weak)
            if weak == "float16":
                assert_allclose(out, exp.astype(np.float16), rtol=2e-3, atol=2e-3)
            else:
                assert_allclose(out, exp)


def test_bitwise_with_scalars():
    a = mx.array([1, 2, 6], mx.uint8)
    assert_array_equal(a & 3, np.array([1, 2, 2], np.uint8), mx.uint8)
    assert_array_equal(a | 3, np.array([3, 3, 7], np.uint8), mx.uint8)
    assert_array_equal(a ^ 1, np.array([0, 3, 7], np.uint8), mx.uint8)
    assert_array_equal(a << 1, np.array([2, 4, 12], np.uint8), mx.uint8)
    assert_array_equal(a >> 1, np.array([0, 1, 3], np.uint8), mx.uint8)


def test_inplace_operators_update_the_array():
    # `a += 1` rebinds the same Python object, so other names see the update.
    a = mx.array([1, 2])
    b = a
    b += 1
    assert b is a
    assert a.tolist() == [2, 3]
    b *= 3
    assert a.tolist() == [6, 9]
    b //= 2
    assert a.tolist() == [3, 4]
    b -= 1
    assert a.tolist() == [2, 3]
    c = mx.array([1.0, 2.0])
    c /= 2
    assert c.tolist() == [0.5, 1.0]
    d = mx.array([6, 5])
    d &= 3
    d |= 8
    assert d.tolist() == [10, 9]


def test_scalars_with_numpy_scalar_operands():
    assert (mx.array([1, 2], mx.int8) + np.int64(5)).dtype == mx.int8
    assert (mx.array([1, 2]) * np.float64(1.5)).dtype == mx.float32


def test_maximum_minimum_with_scalars():
    assert_allclose(mx.maximum(mx.array([1, 2]), 1.5), [1.5, 2.0], mx.float32)
    assert_array_equal(mx.minimum(3, mx.array([1, 5], mx.uint8)), np.array([1, 3], np.uint8), mx.uint8)
    assert_array_equal(mx.maximum(1, 2), np.int32(2), mx.int32)


# ---------------------------------------------------------------------------
# where
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_where_every_dtype(name):
    c = (np.arange(12).reshape(3, 4) % 3) == 0
    x = sample((3, 4), name, seed=1)
    y = sample((3, 4), name, seed=2)
    r = mx.where(mx.array(c), mx.array(x, dtype=mxdt(name)), mx.array(y, dtype=mxdt(name)))
    assert_array_equal(r, np.where(c, x, y), mxdt(name))


def test_where_broadcast_and_scalars():
    c = np.array([True, False, True])
    assert_allclose(mx.where(mx.array([True, False]), 1, 2.5), [1.0, 2.5], mx.float32)
    assert_array_equal(mx.where(mx.array([1, 0]), mx.array([1], mx.int8), 2), np.array([1, 2], np.int8), mx.int8)
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    r = mx.where(mx.array(c), mx.array(x), mx.array(-1.0))
    assert_array_equal(r, np.where(c, x, np.float32(-1)), mx.float32)
    r = mx.where(mx.array(x > 4), mx.array(x).T.T, 0)
    assert_array_equal(r, np.where(x > 4, x, 0).astype(np.float32), mx.float32)
    # non-contiguous condition and operands
    r = mx.where(mx.array(x > 4).T, mx.array(x).T, mx.array(x)[::-1].T)
    assert_array_equal(r, np.where((x > 4).T, x.T, x[::-1].T), mx.float32)
    # non-bool condition is truthiness
    assert_array_equal(mx.where(mx.array([0.0, 2.0]), 1, 0), [0, 1], mx.int32)
    # empty
    assert mx.where(mx.zeros((0, 3), mx.bool_), 1.0, 0.0).shape == (0, 3)


# ---------------------------------------------------------------------------
# bad inputs
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", FLOATING + ["complex64"])
@pytest.mark.parametrize("op", [operator.and_, operator.or_, operator.xor,
                                operator.lshift, operator.rshift])
def test_float_bitwise_raises(op, name):
    a = mx.ones((2,), mxdt(name))
    with pytest.raises(ValueError):
        op(a, a)
    with pytest.raises(ValueError):
        op(a, 1)


@pytest.mark.parametrize("name", FLOATING + ["complex64"])
def test_float_invert_raises(name):
    with pytest.raises(ValueError):
        ~mx.ones((2,), mxdt(name))


def test_complex_remainder_raises():
    with pytest.raises(ValueError):
        mx.array([1 + 2j]) % 2


def test_bad_operand_types():
    a = mx.array([1, 2])
    with pytest.raises(ValueError):
        a + "a"
    with pytest.raises(TypeError):
        a + None
    with pytest.raises(TypeError):
        a @ 2


def test_int_min_floor_divide_does_not_crash():
    # The reference dies with SIGFPE here; openmlx raises instead (DESIGN.md).
    p = run_isolated("""
        try:
            r = mx.array([-2**31], mx.int32) // mx.array([-1], mx.int32)
            mx.eval(r)
            print("no-error")
        except ValueError as e:
            print("ValueError")
    """)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "ValueError"


def test_numpy_operand_takes_array_dtype():
    # A NumPy operand is converted to the mx.array's dtype (reference behaviour).
    r = mx.array([1, 2]) + np.array([1.5, 2.5])
    assert_array_equal(r, [2, 4], mx.int32)
    r = mx.array([1, 2], mx.float16) * np.array([1.5, 2.5], np.float32)
    assert_array_equal(r, np.array([1.5, 5.0], np.float16), mx.float16)
    assert_array_equal(mx.add(mx.array([1, 2]), np.array([1.5, 2.5])), [2, 4], mx.int32)
    assert_array_equal(mx.maximum(np.array([1.5]), mx.array([1])), [1], mx.int32)
    assert_array_equal(mx.where(mx.array([True]), np.array([1.5]), mx.array([1])), [1], mx.int32)
    # without an mx.array operand NumPy inputs keep their own (converted) dtype
    assert_array_equal(mx.add(np.array([1.5]), np.array([1.0])), [2.5], mx.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32])
def test_large_arrays_split_across_threads(dtype):
    # Big enough for the kernels to split the work across threads and to use the
    # wide-vector loops; results must not depend on the split.
    n = (1 << 20) + 37
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(n) * 4).astype(dtype)
    y = (rng.standard_normal(n) * 4).astype(dtype)
    a, b = mx.array(x), mx.array(y)
    np.testing.assert_array_equal(np.array(a + b), x + y)
    np.testing.assert_array_equal(np.array(a * 2), x * dtype(2))
    if dtype != np.int32:
        tol = 1e-6 if dtype == np.float32 else 1e-3
        np.testing.assert_allclose(np.array(mx.exp(a)), np.exp(x), rtol=tol)
        np.testing.assert_allclose(
            np.array(mx.sigmoid(a)), 1 / (1 + np.exp(-x.astype(np.float64))), rtol=tol, atol=tol)
    np.testing.assert_allclose(np.array(a.astype(mx.float32)), x.astype(np.float32))
