"""grad / value_and_grad / vjp / jvp / stop_gradient: API behaviour and the
gradient of every op checked against central finite differences of its NumPy
twin in float64."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import assert_allclose, check_grad, numeric_grad, to_np

RNG = np.random.default_rng(1234)


def rand(*shape, low=-1.5, high=1.5):
    return RNG.uniform(low, high, size=shape)


W34 = rand(3, 4)  # fixed weights: makes the cotangent non-trivial


def weighted(fmx, fnp, shape_w=(3, 4)):
    """Scalar functions sum(op(x) * W) for mx and NumPy."""
    w = rand(*shape_w)
    wm = mx.array(w, dtype=mx.float64)
    return (lambda *a: mx.sum(fmx(*a) * wm)), (lambda *a: float(np.sum(fnp(*a) * w)))


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name -> (mx fn, numpy fn, input maker)
UNARY = {
    "abs": (mx.abs, np.abs, lambda: rand(3, 4) + np.sign(rand(3, 4)) * 0.1),
    "negative": (mx.negative, np.negative, lambda: rand(3, 4)),
    "neg_op": (lambda x: -x, np.negative, lambda: rand(3, 4)),
    "exp": (mx.exp, np.exp, lambda: rand(3, 4)),
    "log": (mx.log, np.log, lambda: rand(3, 4, low=0.3, high=3)),
    "sqrt": (mx.sqrt, np.sqrt, lambda: rand(3, 4, low=0.3, high=3)),
    "square": (mx.square, np.square, lambda: rand(3, 4)),
    "sin": (mx.sin, np.sin, lambda: rand(3, 4)),
    "cos": (mx.cos, np.cos, lambda: rand(3, 4)),
    "tanh": (mx.tanh, np.tanh, lambda: rand(3, 4)),
    "sigmoid": (mx.sigmoid, np_sigmoid, lambda: rand(3, 4)),
}


@pytest.mark.parametrize("op", list(UNARY))
def test_unary_grad(op):
    fmx, fnp, make = UNARY[op]
    gm, gn = weighted(fmx, fnp)
    check_grad(gm, gn, make())


@pytest.mark.parametrize("op", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "square"])
def test_unary_grad_float32(op):
    fmx, fnp, make = UNARY[op]
    gm, gn = weighted(fmx, fnp)
    check_grad(gm, gn, make(), dtype="float32", eps=1e-6, rtol=2e-4, atol=2e-5)


# name -> (mx fn of (x, y), numpy fn, x maker, y maker)
def _away(a, b):
    """y close to but distinct from x (keeps max/min away from ties)."""
    return b + np.where(np.abs(a - b) < 0.1, 0.3, 0.0)


BINARY = {
    "add": (lambda x, y: x + y, np.add),
    "subtract": (lambda x, y: x - y, np.subtract),
    "multiply": (lambda x, y: x * y, np.multiply),
    "divide": (lambda x, y: x / y, np.divide),
    "power": (lambda x, y: x ** y, np.power),
    "maximum": (mx.maximum, np.maximum),
    "minimum": (mx.minimum, np.minimum),
    "mx_add": (mx.add, np.add),
    "mx_multiply": (mx.multiply, np.multiply),
    "mx_divide": (mx.divide, np.divide),
    "mx_subtract": (mx.subtract, np.subtract),
}


def _binary_inputs(op, sx=(3, 4), sy=(3, 4)):
    x, y = rand(*sx), rand(*sy)
    if op in ("divide", "mx_divide"):
        y = np.abs(y) + 0.5
    if op == "power":
        x = np.abs(x) + 0.5
    if op in ("maximum", "minimum"):
        y = _away(np.broadcast_to(x, np.broadcast_shapes(sx, sy))[tuple(slice(0, s) for s in sy)]
                  if sy == sx else y, y)
    return x, y


@pytest.mark.parametrize("argnum", [0, 1])
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_grad(op, argnum):
    fmx, fnp = BINARY[op]
    gm, gn = weighted(fmx, fnp)
    x, y = _binary_inputs(op)
    check_grad(gm, gn, x, y, argnum=argnum)


@pytest.mark.parametrize("sx, sy", [((3, 1), (1, 4)), ((4,), (3, 4)), ((), (3, 4)), ((3, 4), ())])
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "power", "maximum"])
def test_binary_grad_broadcast(op, sx, sy):
    fmx, fnp = BINARY[op]
    gm, gn = weighted(fmx, fnp)
    x, y = _binary_inputs(op, sx, sy)
    if op == "maximum":
        y = y + 0.05  # ties are measure-zero; keep them away
    for argnum in (0, 1):
        check_grad(gm, gn, x, y, argnum=argnum)


def test_scalar_operand_grads():
    x = rand(3, 4, low=0.5, high=2)
    for fmx, fnp in [
        (lambda a: 2.0 - a, lambda a: 2.0 - a),
        (lambda a: 3.0 / a, lambda a: 3.0 / a),
        (lambda a: 2.0 ** a, lambda a: 2.0 ** a),
        (lambda a: a ** 3, lambda a: a ** 3),
        (lambda a: a * 1.5 + 2, lambda a: a * 1.5 + 2),
    ]:
        gm, gn = weighted(fmx, fnp)
        check_grad(gm, gn, x)


def test_where_grad():
    cond = rand(3, 4) > 0
    cm = mx.array(cond)
    gm, gn = weighted(lambda x, y: mx.where(cm, x, y), lambda x, y: np.where(cond, x, y))
    x, y = rand(3, 4), rand(3, 4)
    check_grad(gm, gn, x, y, argnum=0)
    check_grad(gm, gn, x, y, argnum=1)
    # broadcasting operands
    gm, gn = weighted(lambda x, y: mx.where(cm, x, y), lambda x, y: np.where(cond, x, y))
    check_grad(gm, gn, rand(4), rand(3, 1), argnum=0)
    check_grad(gm, gn, rand(4), rand(3, 1), argnum=1)


REDUCE_AXES = [None, 0, 1, -1, (0, 1)]


@pytest.mark.parametrize("axis", REDUCE_AXES, ids=str)
@pytest.mark.parametrize("op", ["sum", "mean", "prod", "max", "min"])
def test_reduce_grad(op, axis):
    x = rand(3, 4)
    if op in ("max", "min"):
        x = np.arange(12).reshape(3, 4)[:, [2, 0, 3, 1]] * 0.37 - 2  # distinct values
        x = x[[1, 2, 0]]
    if op == "prod":
        x = np.abs(x) + 0.5
    for keepdims in (False, True):
        out_shape = np.shape(getattr(np, op)(x, axis=axis, keepdims=keepdims))
        w = rand(*out_shape) if out_shape else np.array(1.3)
        wm = mx.array(w, dtype=mx.float64)
        check_grad(lambda a: mx.sum(getattr(mx, op)(a, axis=axis, keepdims=keepdims) * wm),
                   lambda a: float(np.sum(getattr(np, op)(a, axis=axis, keepdims=keepdims) * w)),
                   x)


def test_max_grad_ties_split_evenly():
    g = mx.grad(lambda x: mx.max(x))(mx.array([1.0, 2.0, 2.0]))
    assert g.tolist() == [0.0, 0.5, 0.5]
    g = mx.grad(lambda x: mx.min(x))(mx.array([1.0, 1.0, 2.0]))
    assert g.tolist() == [0.5, 0.5, 0.0]


def test_prod_grad_with_zeros():
    assert mx.grad(lambda x: mx.prod(x))(mx.array([2.0, 0.0, 3.0])).tolist() == [0.0, 6.0, 0.0]
    assert mx.grad(lambda x: mx.prod(x))(mx.array([2.0, 0.0, 0.0])).tolist() == [0.0, 0.0, 0.0]


def test_argmax_has_zero_grad():
    g = mx.grad(lambda x: mx.argmax(x).astype(mx.float32) + mx.sum(x * 0))(mx.array([1.0, 2.0]))
    assert g.tolist() == [0.0, 0.0]
    g = mx.grad(lambda x: mx.sum((x > 1).astype(mx.float32)))(mx.array([3.0]))
    assert g.tolist() == [0.0]


SHAPE_OPS = {
    "reshape": (lambda x: mx.reshape(x, (4, 3)), lambda x: np.reshape(x, (4, 3)), (4, 3)),
    "reshape_infer": (lambda x: x.reshape(2, -1), lambda x: x.reshape(2, -1), (2, 6)),
    "transpose": (lambda x: mx.transpose(x), lambda x: np.transpose(x), (4, 3)),
    "T": (lambda x: x.T, lambda x: x.T, (4, 3)),
    "swapaxes": (lambda x: mx.swapaxes(x, 0, 1), lambda x: np.swapaxes(x, 0, 1), (4, 3)),
    "expand_dims": (lambda x: mx.expand_dims(x, (0, 2)), lambda x: np.expand_dims(x, (0, 2)), (1, 3, 1, 4)),
    "squeeze": (lambda x: mx.squeeze(mx.expand_dims(x, 1), 1), lambda x: x, (3, 4)),
    "broadcast_to": (lambda x: mx.broadcast_to(x, (2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)), (2, 3, 4)),
    "flatten": (lambda x: mx.flatten(x), lambda x: x.reshape(-1), (12,)),
    "moveaxis": (lambda x: mx.moveaxis(x, 0, 1), lambda x: np.moveaxis(x, 0, 1), (4, 3)),
    "astype": (lambda x: x.astype(mx.float32).astype(mx.float64), lambda x: x, (3, 4)),
}


@pytest.mark.parametrize("op", list(SHAPE_OPS))
def test_shape_op_grad(op):
    fmx, fnp, out_shape = SHAPE_OPS[op]
    w = rand(*out_shape)
    wm = mx.array(w, dtype=mx.float64)
    rtol = 1e-5 if op != "astype" else 1e-6
    check_grad(lambda a: mx.sum(fmx(a) * wm), lambda a: float(np.sum(fnp(a) * w)), rand(3, 4),
               rtol=rtol, atol=1e-6 if op != "astype" else 1e-6)


def test_broadcast_to_grad_sums():
    w = rand(5, 3, 4)
    wm = mx.array(w, dtype=mx.float64)
    check_grad(lambda a: mx.sum(mx.broadcast_to(a, (5, 3, 4)) * wm),
               lambda a: float(np.sum(np.broadcast_to(a, (5, 3, 4)) * w)), rand(3, 1))


INDEXES = [1, -1, (slice(None), 2), (slice(None, None, -1), slice(1, None, 2)),
           (None, Ellipsis, 0), (slice(1, 3), None), (2, 3), Ellipsis]


@pytest.mark.parametrize("idx", INDEXES, ids=repr)
def test_indexing_grad(idx):
    x = rand(4, 5)
    out_shape = x[idx].shape
    w = rand(*out_shape) if out_shape else np.array(0.7)
    wm = mx.array(w, dtype=mx.float64)
    check_grad(lambda a: mx.sum(a[idx] * wm), lambda a: float(np.sum(a[idx] * w)), x)


@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 5)), ((4,), (4, 2)), ((3, 4), (4,)),
                                    ((4,), (4,)), ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (3, 4, 2))])
def test_matmul_grad(sa, sb):
    a, b = rand(*sa), rand(*sb)
    out_shape = np.matmul(a, b).shape
    w = rand(*out_shape) if out_shape else np.array(1.1)
    wm = mx.array(w, dtype=mx.float64)
    for argnum in (0, 1):
        check_grad(lambda x, y: mx.sum((x @ y) * wm), lambda x, y: float(np.sum((x @ y) * w)),
                   a, b, argnum=argnum)


def test_matmul_grad_transposed_operand():
    a, b = rand(4, 3), rand(5, 4)
    w = rand(3, 5)
    wm = mx.array(w, dtype=mx.float64)
    check_grad(lambda x, y: mx.sum((x.T @ y.T) * wm), lambda x, y: float(np.sum((x.T @ y.T) * w)), a, b, argnum=0)
    check_grad(lambda x, y: mx.sum((x.T @ y.T) * wm), lambda x, y: float(np.sum((x.T @ y.T) * w)), a, b, argnum=1)


def test_composite_function_grad():
    def fmx(w, x):
        h = mx.tanh(x @ w[:, :3] + 0.1)
        return mx.mean(mx.sigmoid(h) * mx.exp(-mx.square(h))) + mx.max(mx.abs(w))

    def fnp(w, x):
        h = np.tanh(x @ w[:, :3] + 0.1)
        return float(np.mean(np_sigmoid(h) * np.exp(-np.square(h))) + np.max(np.abs(w)))

    w = rand(4, 5)
    x = rand(6, 4)
    check_grad(fmx, fnp, w, x, argnum=0)
    check_grad(fmx, fnp, w, x, argnum=1)


# ---------------------------------------------------------------------------
# API behaviour
# ---------------------------------------------------------------------------

def f_sq(x):
    return (x ** 2).sum()


def g_mul(x, y):
    return (x * y).sum()


def test_grad_basic():
    assert mx.grad(f_sq)(mx.array([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert mx.grad(f_sq)(mx.array(3.0)).item() == 6.0
    assert mx.grad(lambda x: x)(mx.array(1.0)).item() == 1.0
    g = mx.grad(lambda x: x.sum())(mx.array([1.0], mx.float16))
    assert g.dtype == mx.float16 and g.tolist() == [1.0]


def test_grad_argnums():
    x, y = mx.array([1.0]), mx.array([2.0])
    assert mx.grad(g_mul)(x, y).tolist() == [2.0]
    assert mx.grad(g_mul, argnums=1)(x, y).tolist() == [1.0]
    gx, gy = mx.grad(g_mul, argnums=(0, 1))(x, y)
    assert gx.tolist() == [2.0] and gy.tolist() == [1.0]


def test_value_and_grad():
    x, y = mx.array([1.0]), mx.array([2.0])
    v, g = mx.value_and_grad(g_mul)(x, y)
    assert v.item() == 2.0 and g.tolist() == [2.0]
    v, (gx, gy) = mx.value_and_grad(g_mul, argnums=(0, 1))(x, y)
    assert v.item() == 2.0 and gx.tolist() == [2.0] and gy.tolist() == [1.0]
    v, gy = mx.value_and_grad(g_mul, argnums=1)(x, y)
    assert gy.tolist() == [1.0]


def test_value_and_grad_with_aux_outputs():
    def loss(x):
        return (x ** 2).sum(), {"double": x * 2, "list": [x + 1]}

    (v, aux), g = mx.value_and_grad(loss)(mx.array([1.0, 3.0]))
    assert v.item() == 10.0
    assert aux["double"].tolist() == [2.0, 6.0]
    assert aux["list"][0].tolist() == [2.0, 4.0]
    assert g.tolist() == [2.0, 6.0]

    def loss2(x):
        return mx.sum(x * 3), x

    (v, aux), g = mx.value_and_grad(loss2)(mx.array([1.0]))
    assert v.item() == 3.0 and aux.tolist() == [1.0] and g.tolist() == [3.0]


def test_grad_pytrees():
    def tree(p):
        return (p["w"] * p["b"][0]).sum() + p["b"][1].sum() + p["t"][0][0].sum() * 2

    params = {"w": mx.array([1.0, 2.0]), "b": [mx.array(3.0), mx.array([1.0])],
              "t": ((mx.array([5.0, 6.0]),),)}
    g = mx.grad(tree)(params)
    assert set(g) == {"w", "b", "t"}
    assert g["w"].tolist() == [3.0, 3.0]
    assert isinstance(g["b"], list) and g["b"][0].item() == 3.0 and g["b"][1].tolist() == [1.0]
    assert isinstance(g["t"], tuple) and isinstance(g["t"][0], tuple)
    assert g["t"][0][0].tolist() == [2.0, 2.0]


def test_grad_pytree_lists_and_tuples_args():
    def f(xs, pair):
        return xs[0].sum() * 2 + xs[1].sum() + pair[0] * pair[1]

    xs = [mx.array([1.0, 1.0]), mx.array(4.0)]
    pair = (mx.array(2.0), mx.array(5.0))
    gxs, gpair = mx.grad(f, argnums=(0, 1))(xs, pair)
    assert gxs[0].tolist() == [2.0, 2.0] and gxs[1].item() == 1.0
    assert gpair[0].item() == 5.0 and gpair[1].item() == 2.0
    v, gxs = mx.value_and_grad(f)(xs, pair)
    assert v.item() == 4 + 4 + 10


def test_grad_non_array_leaves_and_kwargs():
    def f(x, scale, *, offset):
        return (x * scale + offset).sum()

    g = mx.grad(f)(mx.array([1.0, 2.0]), 3.0, offset=1.0)
    assert g.tolist() == [3.0, 3.0]


def test_grad_errors():
    with pytest.raises(ValueError):           # non-scalar output
        mx.grad(lambda x: x * 2)(mx.array([1.0, 2.0]))
    with pytest.raises(ValueError):           # argnum beyond the arguments
        mx.grad(f_sq, argnums=1)(mx.array([1.0]))
    with pytest.raises(ValueError):           # duplicate argnums
        mx.grad(g_mul, argnums=(0, 0))(mx.array(1.0), mx.array(2.0))
    with pytest.raises(ValueError):           # negative argnums
        mx.grad(f_sq, argnums=-1)(mx.array(1.0))
    with pytest.raises(ValueError):           # non-array argument (a float is accepted)
        mx.grad(lambda x: x.sum())("1.0")
    with pytest.raises(ValueError):           # tuple output from grad
        mx.grad(lambda x: (x, x))(mx.array(1.0))


def test_int_input_grad_follows_reference():
    g = mx.grad(f_sq)(mx.array([1, 2]))
    assert g.dtype == mx.int32 and g.tolist() == [2, 4]


def test_stop_gradient():
    assert mx.grad(lambda x: mx.stop_gradient(x) * x)(mx.array(2.0)).item() == 2.0
    assert mx.grad(lambda x: mx.stop_gradient(x * x).sum() + x.sum())(mx.array([3.0])).tolist() == [1.0]
    s = mx.stop_gradient(mx.array(1))
    assert s.dtype == mx.int32 and s.item() == 1


def test_higher_order():
    assert mx.grad(mx.grad(lambda x: x ** 3))(mx.array(2.0)).item() == 12.0
    assert mx.grad(mx.grad(mx.grad(lambda x: x ** 3)))(mx.array(2.0)).item() == 6.0
    d2 = mx.grad(mx.grad(lambda x: mx.sin(x)))(mx.array(0.5))
    assert abs(d2.item() + np.sin(0.5)) < 1e-6
    d2 = mx.grad(mx.grad(lambda x: mx.exp(2 * x)))(mx.array(0.3))
    assert abs(d2.item() - 4 * np.exp(0.6)) < 1e-5
    d2 = mx.grad(mx.grad(lambda x: mx.tanh(x)))(mx.array(0.4, mx.float64))
    t = np.tanh(0.4)
    assert abs(d2.item() - (-2 * t * (1 - t * t))) < 1e-6


def test_second_derivative_by_finite_differences():
    def f(x):
        return mx.sum(mx.sigmoid(x) * mx.log(x) + mx.sqrt(x) * mx.cos(x))

    def fp_np(x):
        s = np_sigmoid(x)
        return float(np.sum(s * (1 - s) * np.log(x) + s / x
                            + 0.5 / np.sqrt(x) * np.cos(x) - np.sqrt(x) * np.sin(x)))

    gg = lambda x: mx.sum(mx.grad(f)(x))
    check_grad(gg, lambda x: fp_np(x), rand(5, low=0.5, high=2), rtol=1e-4, atol=1e-6)


def test_vjp():
    out, vjps = mx.vjp(lambda x: x * 2, [mx.array([1.0])], [mx.array([3.0])])
    assert out[0].tolist() == [2.0] and vjps[0].tolist() == [6.0]
    out, vjps = mx.vjp(lambda x, y: (x * y, x + y), [mx.array(2.0), mx.array(3.0)],
                       [mx.array(1.0), mx.array(1.0)])
    assert [o.item() for o in out] == [6.0, 5.0]
    assert [v.item() for v in vjps] == [4.0, 3.0]


def test_vjp_matches_finite_differences():
    x = rand(3, 4)
    c = rand(4, 3)
    out, (vx,) = mx.vjp(lambda a: mx.tanh(a).T * 2, [mx.array(x, mx.float64)],
                        [mx.array(c, mx.float64)])
    np.testing.assert_allclose(np.array(out[0]), np.tanh(x).T * 2, rtol=1e-6)
    expected = numeric_grad(lambda a: float(np.sum(np.tanh(a).T * 2 * c)), x)
    np.testing.assert_allclose(np.array(vx), expected, rtol=1e-5, atol=1e-7)


def test_jvp():
    out, tans = mx.jvp(lambda x: x * x, [mx.array([3.0])], [mx.array([1.0])])
    assert out[0].tolist() == [9.0] and tans[0].tolist() == [6.0]
    out, tans = mx.jvp(lambda x, y: (x * y, x + y), [mx.array(2.0), mx.array(3.0)],
                       [mx.array(1.0), mx.array(0.0)])
    assert [t.item() for t in tans] == [3.0, 1.0]


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "square", "abs"])
def test_jvp_matches_finite_differences(name):
    fmx, fnp, make = UNARY[name]
    x = make()
    v = rand(*x.shape)
    eps = 1e-6
    out, (t,) = mx.jvp(lambda a: fmx(a) @ mx.ones((4, 2), mx.float64),
                       [mx.array(x, mx.float64)], [mx.array(v, mx.float64)])
    expected = ((fnp(x + eps * v) - fnp(x - eps * v)) / (2 * eps)) @ np.ones((4, 2))
    np.testing.assert_allclose(np.array(t), expected, rtol=1e-5, atol=1e-7)


def test_jvp_matmul_and_reduce():
    a, b = rand(3, 4), rand(4, 2)
    da, db = rand(3, 4), rand(4, 2)
    out, (t,) = mx.jvp(lambda x, y: mx.sum(x @ y, axis=0),
                       [mx.array(a, mx.float64), mx.array(b, mx.float64)],
                       [mx.array(da, mx.float64), mx.array(db, mx.float64)])
    np.testing.assert_allclose(np.array(t), np.sum(da @ b + a @ db, axis=0), rtol=1e-6)


def test_grad_of_value_and_grad_of_vmap():
    # transforms compose
    f = lambda x: mx.sum(mx.vmap(lambda r: mx.sum(r * r))(x))
    g = mx.grad(f)(mx.array([[1.0, 2.0], [3.0, 4.0]]))
    assert g.tolist() == [[2.0, 4.0], [6.0, 8.0]]
    per_example = mx.vmap(mx.grad(lambda r: mx.sum(mx.sin(r))))(mx.array([[0.0, 1.0], [2.0, 3.0]]))
    assert_allclose(per_example, np.cos([[0.0, 1.0], [2.0, 3.0]]), mx.float32)
