"""Element-wise ops at the edges: integer overflow wraps as NumPy's does, float to int
casts of NaN/inf/out-of-range values give NumPy's x86-64 results, integer division by
zero gives 0, gradients of non-differentiable ops and ties (read off the reference),
Primitive::output_shapes, and divmod against np.divmod."""

import math
import warnings

import numpy as np
import pytest

import mlx.core as mx
from helpers import (FLOATING, INTEGER, NP_DTYPE, REAL_NUMERIC, SIGNED, UNSIGNED, assert_allclose,
                     assert_array_equal, mxdt, run_isolated, sample, to_np)


def np_err():
    return np.errstate(all="ignore")


def extremes(name):
    info = np.iinfo(NP_DTYPE[name])
    return np.array([info.min, info.min + 1, -1, 0, 1, info.max - 1, info.max] if name in SIGNED
                    else [0, 1, 2, info.max // 2, info.max // 2 + 1, info.max - 1, info.max], NP_DTYPE[name])


# ---------------------------------------------------------------------------
# integer overflow wraps
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", INTEGER)
@pytest.mark.parametrize("op", ["add", "subtract", "multiply"])
def test_integer_overflow_wraps_like_numpy(op, name):
    x = extremes(name)
    a, b = np.meshgrid(x, x)
    with np_err():
        expected = getattr(np, op)(a, b)
    got = getattr(mx, op)(mx.array(a), mx.array(b))
    assert_array_equal(got, expected, mxdt(name))


@pytest.mark.parametrize("name", INTEGER)
@pytest.mark.parametrize("op", ["negative", "abs", "square"])
def test_integer_unary_overflow_wraps_like_numpy(op, name):
    x = extremes(name)
    with np_err():
        expected = getattr(np, op)(x)
    assert_array_equal(getattr(mx, op)(mx.array(x)), expected, mxdt(name))


def test_uint16_product_does_not_overflow_int():
    # uint16 * uint16 promotes to (signed) int in C++: 65535 * 65535 overflows it.
    a = mx.array([65535, 65535, 300], mx.uint16)
    assert_array_equal(a * a, np.array([65535, 65535, 300], np.uint16) ** 2, mx.uint16)
    assert_array_equal(mx.square(a), np.square(np.array([65535, 65535, 300], np.uint16)), mx.uint16)


@pytest.mark.parametrize("name", INTEGER)
def test_integer_power_wraps_like_numpy(name):
    base = np.array([2, 3, 7, 127, -3, -128, 255], np.int64)
    if name in UNSIGNED:
        base = np.abs(base)
    base = base.astype(NP_DTYPE[name])
    exp = np.array([63, 40, 33, 9, 31, 3, 5], NP_DTYPE[name])
    with np_err():
        expected = np.power(base, exp)
    assert_array_equal(mx.power(mx.array(base), mx.array(exp)), expected, mxdt(name))


# ---------------------------------------------------------------------------
# float -> int casts of NaN, inf and out-of-range values
# ---------------------------------------------------------------------------

SPECIAL = [math.nan, math.inf, -math.inf, 1e20, -1e20, 3e9, -3e9, 7e4, -7e4, 300.0, -300.0,
           255.9, 256.0, -1.5, 2.0 ** 31, -2.0 ** 31, 2.0 ** 63, 2.0 ** 32, 1.8e19]


def np_cast(values, src, name):
    """NumPy's conversion of each value, one scalar at a time: for uint32, NumPy's SIMD loop
    over long arrays differs from its scalar path (NaN gives 2**31 there, 0 here); openmlx
    follows the scalar path."""
    with warnings.catch_warnings(), np_err():
        warnings.simplefilter("ignore")
        return np.array([NP_DTYPE[src](v).astype(NP_DTYPE[name]) for v in values], NP_DTYPE[name])


@pytest.mark.parametrize("src", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", INTEGER + ["bool_"])
def test_float_to_int_cast_matches_numpy(src, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = np.array(SPECIAL, np.float64).astype(NP_DTYPE[src])
    expected = np_cast(x, src, name)
    if name != "uint32":
        with warnings.catch_warnings(), np_err():
            warnings.simplefilter("ignore")
            np.testing.assert_array_equal(x.astype(NP_DTYPE[name]), expected)
    got = mx.array(x, dtype=mxdt(src)).astype(mxdt(name))
    assert_array_equal(got, expected, mxdt(name))
    # The strided path converts the same way.
    got = mx.array(np.stack([x, x], 1), dtype=mxdt(src))[:, 0].astype(mxdt(name))
    assert_array_equal(got, expected, mxdt(name))


def test_bfloat16_to_int_cast():
    x = mx.array([math.nan, math.inf, -math.inf, 1e20, 300.0], mx.bfloat16)
    assert_array_equal(x.astype(mx.int32), np.array([-2**31] * 4 + [300], np.int32), mx.int32)
    assert_array_equal(x.astype(mx.int8), np.array([0, 0, 0, 0, 44], np.int8), mx.int8)


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8", "uint32", "uint64"])
def test_array_constructor_casts_nan_like_numpy(name):
    expected = np_cast([math.nan, math.inf, -1e30], "float64", name)
    assert_array_equal(mx.array([math.nan, math.inf, -1e30], dtype=mxdt(name)), expected, mxdt(name))
    assert mx.array(math.nan, dtype=mxdt(name)).item() == expected[0]


def test_linspace_int_out_of_range_is_defined():
    expected = np_cast(np.linspace(0, 1e20, 3, dtype=np.float32), "float32", "int32")
    assert_array_equal(mx.linspace(0, 1e20, 3, dtype=mx.int32), expected, mx.int32)


def test_exp_of_nan_and_infinities():
    for dt in (mx.float32, mx.float16, mx.bfloat16):
        r = to_np(mx.exp(mx.array([math.nan, math.inf, -math.inf, 0.0], dt))).astype(np.float64)
        assert math.isnan(r[0]) and r[1] == math.inf and r[2] == 0.0 and r[3] == 1.0
        s = to_np(mx.sigmoid(mx.array([math.nan, math.inf, -math.inf], dt))).astype(np.float64)
        assert math.isnan(s[0]) and s[1] == 1.0 and s[2] == 0.0


# ---------------------------------------------------------------------------
# integer division by zero
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", INTEGER)
def test_integer_division_by_zero_is_zero_like_numpy(name):
    a = np.array([5, 0, 7, 1], NP_DTYPE[name])
    if name in SIGNED:
        a[2] = -7
    b = np.zeros(4, NP_DTYPE[name])
    with np_err():
        eq, er = np.floor_divide(a, b), np.remainder(a, b)
    assert_array_equal(mx.floor_divide(mx.array(a), mx.array(b)), eq, mxdt(name))
    assert_array_equal(mx.remainder(mx.array(a), mx.array(b)), er, mxdt(name))
    q, r = mx.divmod(mx.array(a), mx.array(b))
    assert_array_equal(q, eq, mxdt(name))
    assert_array_equal(r, er, mxdt(name))


def test_division_by_zero_in_a_subprocess_does_not_crash():
    p = run_isolated("""
        for dt in (mx.uint8, mx.int32, mx.int64, mx.uint64):
            a, b = mx.array([5, 3], dt), mx.array([0, 0], dt)
            print((a // b).tolist(), (a % b).tolist(), [x.tolist() for x in mx.divmod(a, b)])
    """)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split("\n")[0] == "[0, 0] [0, 0] [[0, 0], [0, 0]]"


def test_int_min_divmod_minus_one_raises():
    with pytest.raises(ValueError, match="overflow"):
        mx.eval(*mx.divmod(mx.array([-2**31], mx.int32), mx.array([-1], mx.int32)))
    # The remainder alone is defined (0).
    assert (mx.array([-2**31], mx.int32) % mx.array([-1], mx.int32)).item() == 0


# ---------------------------------------------------------------------------
# gradients (expected values read off the reference)
# ---------------------------------------------------------------------------

def test_power_gradient_at_zero_base():
    assert mx.grad(lambda x, y: (x - y) ** x)(mx.array(1.0), mx.array(1.0)).item() == 1.0
    g = mx.grad(lambda x, y: x ** y, argnums=1)
    assert g(mx.array(0.0), mx.array(2.0)).item() == 0.0
    assert g(mx.array(0.0), mx.array(0.5)).item() == 0.0
    # 0 ** 0 is 1 and its derivative in the exponent is log(0) = -inf (as the reference).
    assert g(mx.array(0.0), mx.array(0.0)).item() == -math.inf
    assert abs(g(mx.array(2.0), mx.array(3.0)).item() - 8 * math.log(2)) < 1e-5


@pytest.mark.parametrize("op", ["floor_divide", "equal", "not_equal", "less", "less_equal", "greater",
                                "greater_equal"])
def test_non_differentiable_binary_ops_float(op):
    f = getattr(mx, op)
    a, b = mx.array([3.0, 1.0]), mx.array([2.0, 1.0])
    ga, gb = mx.grad(lambda x, y: f(x, y).astype(mx.float32).sum(), argnums=(0, 1))(a, b)
    assert_array_equal(ga, [0.0, 0.0], mx.float32)
    assert_array_equal(gb, [0.0, 0.0], mx.float32)
    _, cots = mx.vjp(lambda x, y: f(x, y), [a, b], [mx.ones((2,), f(a, b).dtype)])
    assert [c.dtype for c in cots] == [mx.float32, mx.float32]
    # The tangent is zero of the input tangent's dtype, not of the output's (bool).
    _, (t,) = mx.jvp(lambda x, y: f(x, y), [a, b], [mx.ones((2,)), mx.ones((2,))])
    assert_array_equal(t, [0.0, 0.0], mx.float32)


@pytest.mark.parametrize("op", ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"])
def test_non_differentiable_bitwise_ops(op):
    f = getattr(mx, op)
    a, b = mx.array([3, 5]), mx.array([1, 2])
    _, cots = mx.vjp(lambda x, y: f(x, y), [a, b], [mx.ones((2,), mx.int32)])
    for c in cots:
        assert_array_equal(c, [0, 0], mx.int32)
    _, (t,) = mx.jvp(lambda x, y: f(x, y), [a, b], [mx.ones((2,), mx.int32), mx.ones((2,), mx.int32)])
    assert_array_equal(t, [0, 0], mx.int32)


def test_logical_and_jvp_is_bool():
    _, (t,) = mx.jvp(lambda x, y: mx.logical_and(x, y), [mx.array(3.0), mx.array(2.0)],
                     [mx.array(1.0), mx.array(1.0)])
    assert t.dtype == mx.bool_ and t.item() is False


def test_remainder_gradient():
    ga, gb = mx.grad(lambda x, y: mx.remainder(x, y), argnums=(0, 1))(mx.array(3.0), mx.array(2.0))
    assert ga.item() == 1.0 and gb.item() == -1.0


def test_maximum_minimum_ties_go_to_b():
    a, b = mx.array([1.0, 2.0, 3.0]), mx.array([1.0, 1.0, 4.0])
    t10, t1 = mx.full((3,), 10.0), mx.ones((3,))
    _, (ga, gb) = mx.vjp(mx.maximum, [a, b], [mx.ones((3,))])
    assert_array_equal(ga, [0, 1, 0])
    assert_array_equal(gb, [1, 0, 1])
    _, (ga, gb) = mx.vjp(mx.minimum, [a, b], [mx.ones((3,))])
    assert_array_equal(ga, [0, 0, 1])
    assert_array_equal(gb, [1, 1, 0])
    assert_array_equal(mx.jvp(mx.maximum, [a, b], [t10, t1])[1][0], [1, 10, 1])
    assert_array_equal(mx.jvp(mx.minimum, [a, b], [t10, t1])[1][0], [1, 1, 10])
    assert_array_equal(mx.jvp(lambda x: mx.maximum(x, b), [a], [t10])[1][0], [0, 10, 0])
    assert_array_equal(mx.jvp(lambda y: mx.maximum(a, y), [b], [t10])[1][0], [10, 0, 10])
    assert_array_equal(mx.jvp(lambda x: mx.minimum(x, b), [a], [t10])[1][0], [0, 0, 10])
    assert_array_equal(mx.jvp(lambda y: mx.minimum(a, y), [b], [t10])[1][0], [10, 10, 0])


# ---------------------------------------------------------------------------
# Primitive::output_shapes
# ---------------------------------------------------------------------------

def _cases():
    a = mx.ones((2, 3, 4))
    b = mx.ones((3, 1))
    m = mx.ones((5, 3, 4))
    n = mx.ones((4, 6))
    return {
        "exp": mx.exp(a), "negative": mx.negative(a), "add": a + b, "less": b < a,
        "bitwise": mx.array([[1], [2]]) & mx.array([1, 2, 3]), "where": mx.where(b > 0, a, 0.0),
        "astype": a.astype(mx.float16), "stop": mx.stop_gradient(a),
        "sum": mx.sum(a, axis=1, keepdims=True), "prod": mx.prod(a, axis=(0, 2)), "max": mx.max(a),
        "argmax": mx.argmax(a, axis=2), "reshape": mx.reshape(a, (6, -1)), "transpose": mx.transpose(a, (2, 0, 1)),
        "broadcast": mx.broadcast_to(b, (7, 3, 5)), "slice": a[1:, ::2, ::-3], "slice_empty": a[2:, :, 5:],
        "matmul": m @ n, "matvec": m @ mx.ones((4,)),
        "arange": mx.arange(2, 17, 3), "view": a.view(mx.uint8), "depends": mx.depends(a, b),
    }


@pytest.mark.parametrize("case", list(_cases()))
def test_output_shapes_match_the_node(case):
    x = _cases()[case]
    shapes = mx._output_shapes(x)
    assert shapes == [tuple(x.shape)]


def test_output_shapes_of_divmod():
    q, r = mx.divmod(mx.ones((3, 1)), mx.ones((4,)))
    assert mx._output_shapes(q) == [(3, 4), (3, 4)]


def test_output_shapes_of_an_evaluated_array_raises():
    x = mx.ones((2,))
    mx.eval(x)
    with pytest.raises(ValueError):
        mx._output_shapes(x)


# ---------------------------------------------------------------------------
# divmod
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", REAL_NUMERIC + ["bool_"])
def test_divmod_every_dtype(name):
    a = sample((3, 4), name, seed=1)
    b = sample((3, 4), name, seed=2, positive=True)
    if name in FLOATING:
        # Integer and half-integer values keep floor(a / b) exact.
        a = (np.round(a.astype(np.float32) * 2) / 2).astype(a.dtype)
        b = np.where(b < 0.5, 1, np.round(b.astype(np.float32))).astype(b.dtype)
    if name in SIGNED:
        b = np.where(np.arange(12).reshape(3, 4) % 2 == 0, b, -b).astype(b.dtype)
    ma, mb = mx.array(a, dtype=mxdt(name)), mx.array(b, dtype=mxdt(name))
    q, r = mx.divmod(ma, mb)
    assert q.dtype == mxdt(name) and r.dtype == mxdt(name)
    if name == "bool_":
        assert_array_equal(q, np.logical_and(a, b))
        assert_array_equal(r, np.zeros_like(a))
        return
    eq, er = np.divmod(a, b)
    assert_allclose(q, eq)
    assert_allclose(r, er)
    # The same as floor_divide and remainder.
    assert_array_equal(q, to_np(ma // mb))
    assert_array_equal(r, to_np(ma % mb))


def test_divmod_broadcast_scalars_and_promotion():
    q, r = mx.divmod(mx.array([[7], [-7]], mx.int16), mx.array([2, -3], mx.int16))
    eq, er = np.divmod(np.array([[7], [-7]], np.int16), np.array([2, -3], np.int16))
    assert_array_equal(q, eq, mx.int16)
    assert_array_equal(r, er, mx.int16)
    q, r = mx.divmod(mx.array([7.5, -7.5]), 2)
    assert_array_equal(q, [3.0, -4.0], mx.float32)
    assert_array_equal(r, [1.5, 0.5], mx.float32)
    q, r = mx.divmod(7, mx.array([2.0]))
    assert q.dtype == mx.float32 and q.item() == 3.0 and r.item() == 1.0
    q, r = mx.divmod(mx.array([5, -5], mx.int8), 3)
    assert q.dtype == mx.int8 and q.tolist() == [1, -2] and r.tolist() == [2, 1]
    q, r = mx.divmod(mx.array([5, -5], mx.int8), 3.0)
    assert q.dtype == mx.float32
    q, r = mx.divmod(mx.array([5, -5], mx.int8), mx.array(3, mx.int64))
    assert q.dtype == mx.int64
    q, r = mx.divmod(mx.array([5.0, -5.0, 0.0]), mx.array([0.0, 0.0, 0.0]))
    with np_err():
        eq, er = np.divmod(np.array([5.0, -5.0, 0.0], np.float32), np.float32(0))
    assert_allclose(q, eq)
    assert_allclose(r, er)
    q, r = mx.divmod(mx.zeros((0, 3)), 1.0)
    assert q.shape == (0, 3) and r.shape == (0, 3)


def test_divmod_non_contiguous_inputs():
    a = np.arange(-12, 12, dtype=np.int32).reshape(4, 6)
    b = np.array([1, 2, 3, -2, -5, 4], np.int32)
    q, r = mx.divmod(mx.array(a).T, mx.array(b)[None, :4])
    eq, er = np.divmod(a.T, b[None, :4])
    assert_array_equal(q, eq, mx.int32)
    assert_array_equal(r, er, mx.int32)


def test_divmod_signature_and_errors():
    q, r = mx.divmod(mx.array([7]), mx.array([2]), stream=mx.cpu)
    assert (q.item(), r.item()) == (3, 1)
    with pytest.raises(TypeError):  # positional-only inputs, as the reference's binding
        mx.divmod(a=mx.array([7]), b=mx.array([2]))
    with pytest.raises(ValueError, match="Complex"):
        mx.divmod(mx.array([1 + 2j]), mx.array([1 + 0j]))
    with pytest.raises(ValueError):
        mx.divmod(mx.ones((2,)), mx.ones((3,)))
    assert isinstance(mx.divmod(mx.array(1), 1), tuple)


def test_divmod_gradients():
    # The quotient has zero derivative; the remainder's is that of `remainder`.
    def f(x, y):
        q, r = mx.divmod(x, y)
        return (2 * q + 3 * r).sum()
    x, y = mx.array([7.0, -7.5]), mx.array([2.0, 2.0])
    gx, gy = mx.grad(f, argnums=(0, 1))(x, y)
    assert_allclose(gx, [3.0, 3.0])
    assert_allclose(gy, -3 * to_np(x // y))
    gr = mx.grad(lambda x, y: mx.remainder(x, y).sum(), argnums=(0, 1))(x, y)
    gd = mx.grad(lambda x, y: mx.divmod(x, y)[1].sum(), argnums=(0, 1))(x, y)
    assert_allclose(gd[0], to_np(gr[0]))
    assert_allclose(gd[1], to_np(gr[1]))
    outs, tans = mx.jvp(lambda x, y: mx.divmod(x, y), [x, y], [mx.ones((2,)), mx.ones((2,))])
    assert_allclose(outs[0], [3.0, -4.0])
    assert_allclose(tans[0], [0.0, 0.0])
    assert_allclose(tans[1], [1.0 - 3.0, 1.0 + 4.0])
    # Finite differences of the remainder away from its jumps.
    eps = 1e-3
    fd = (mx.divmod(x + eps, y)[1] - mx.divmod(x - eps, y)[1]) / (2 * eps)
    assert_allclose(fd, [1.0, 1.0], rtol=1e-2, atol=1e-2)


def test_divmod_vmap():
    a = mx.array([[7.0, 3.0], [-7.0, 9.0]])
    b = mx.array([2.0, -2.0])
    q, r = mx.vmap(mx.divmod, in_axes=(0, None))(a, b)
    eq, er = np.divmod(to_np(a), to_np(b))
    assert_array_equal(q, eq)
    assert_array_equal(r, er)
    q, r = mx.vmap(mx.divmod, in_axes=(1, 0))(a, b)
    eq, er = np.divmod(to_np(a).T, to_np(b)[:, None])
    assert_array_equal(q, eq)
    assert_array_equal(r, er)
