"""vmap against explicit NumPy loops: unary, binary, reductions, shape ops,
matmul and indexing, with in_axes / out_axes, None axes, pytrees, nesting."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import assert_allclose, assert_array_equal

RNG = np.random.default_rng(7)


def rand(*shape):
    return RNG.uniform(-2, 2, size=shape).astype(np.float32)


def loop(f, xs, in_axes, out_axis=0):
    """Reference: apply the NumPy function f to slices along in_axes and stack."""
    n = next(x.shape[a] for x, a in zip(xs, in_axes) if a is not None)
    outs = []
    for i in range(n):
        args = [x if a is None else np.take(x, i, axis=a) for x, a in zip(xs, in_axes)]
        outs.append(f(*args))
    return np.stack(outs, axis=out_axis)


UNARY = [
    (mx.exp, np.exp), (mx.sin, np.sin), (mx.tanh, np.tanh), (mx.abs, np.abs),
    (mx.square, np.square), (mx.negative, np.negative),
    (lambda x: mx.sigmoid(x), lambda x: 1 / (1 + np.exp(-x))),
    (lambda x: mx.sqrt(mx.abs(x) + 1), lambda x: np.sqrt(np.abs(x) + 1)),
    (lambda x: mx.log(mx.abs(x) + 1), lambda x: np.log(np.abs(x) + 1)),
    (lambda x: mx.cos(x), np.cos),
]


@pytest.mark.parametrize("in_axis", [0, 1, 2, -1])
@pytest.mark.parametrize("i", range(len(UNARY)))
def test_vmap_unary(i, in_axis):
    fm, fn = UNARY[i]
    x = rand(3, 4, 5)
    r = mx.vmap(fm, in_axes=in_axis)(mx.array(x))
    assert_allclose(r, loop(fn, [x], [in_axis % 3]), mx.float32)


BINARY = [
    (lambda a, b: a + b, np.add), (lambda a, b: a * b, np.multiply),
    (lambda a, b: a - b, np.subtract), (lambda a, b: a / (mx.abs(b) + 1), lambda a, b: a / (np.abs(b) + 1)),
    (mx.maximum, np.maximum), (mx.minimum, np.minimum),
    (lambda a, b: a < b, np.less),
    (lambda a, b: mx.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b)),
]


@pytest.mark.parametrize("axes", [(0, 0), (0, 1), (1, 0), (1, 1), (0, None), (None, 1), (2, -1)])
@pytest.mark.parametrize("i", range(len(BINARY)))
def test_vmap_binary(i, axes):
    fm, fn = BINARY[i]
    n = 3
    def make(axis):
        if axis is None:
            return rand(4, 5)
        shape = [4, 5]
        shape.insert(axis % 3, n)
        return rand(*shape)
    x, y = make(axes[0]), make(axes[1])
    r = mx.vmap(fm, in_axes=axes)(mx.array(x), mx.array(y))
    expected = loop(fn, [x, y], [None if a is None else a % 3 for a in axes])
    if expected.dtype == bool:
        assert_array_equal(r, expected, mx.bool_)
    else:
        assert_allclose(r, expected, mx.float32)


def test_vmap_with_broadcasting_inside():
    x, y = rand(3, 4), rand(4)
    r = mx.vmap(lambda a, b: a * b + 1, in_axes=(0, None))(mx.array(x), mx.array(y))
    assert_allclose(r, x * y + 1, mx.float32)
    r = mx.vmap(lambda a: a[:, None] + a[None, :])(mx.array(x))
    assert_allclose(r, x[:, :, None] + x[:, None, :], mx.float32)


def test_vmap_scalar_operands():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert_array_equal(mx.vmap(lambda a: a * 2 + 1)(mx.array(x)), x * 2 + 1, mx.int32)
    assert_array_equal(mx.vmap(lambda a: a * 2)(mx.arange(3)), [0, 2, 4], mx.int32)


REDUCE = ["sum", "mean", "max", "min", "prod", "argmax", "argmin"]


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("in_axis", [0, 1, 2])
@pytest.mark.parametrize("op", REDUCE)
def test_vmap_reduce(op, in_axis, axis):
    x = rand(3, 4, 5)
    fm = lambda a: getattr(mx, op)(a, axis=axis)
    fn = lambda a: getattr(np, op)(a, axis=axis)
    r = mx.vmap(fm, in_axes=in_axis)(mx.array(x))
    expected = loop(fn, [x], [in_axis])
    if op.startswith("arg"):
        assert_array_equal(r, expected.astype(np.uint32), mx.uint32)
    else:
        assert_allclose(r, expected, mx.float32, rtol=1e-5, atol=1e-5)


def test_vmap_reduce_keepdims():
    x = rand(3, 4, 5)
    r = mx.vmap(lambda a: mx.sum(a, axis=1, keepdims=True), in_axes=1)(mx.array(x))
    assert_allclose(r, loop(lambda a: a.sum(axis=1, keepdims=True), [x], [1]), mx.float32, rtol=1e-5, atol=1e-5)


SHAPE = [
    (lambda a: a.reshape(20), lambda a: a.reshape(20)),
    (lambda a: a.reshape(2, -1), lambda a: a.reshape(2, -1)),
    (lambda a: a.T, lambda a: a.T),
    (lambda a: mx.transpose(a, (1, 0)), lambda a: np.transpose(a, (1, 0))),
    (lambda a: mx.swapaxes(a, 0, 1), lambda a: np.swapaxes(a, 0, 1)),
    (lambda a: mx.expand_dims(a, 1), lambda a: np.expand_dims(a, 1)),
    (lambda a: mx.squeeze(mx.expand_dims(a, 0), 0), lambda a: a),
    (lambda a: mx.flatten(a), lambda a: a.reshape(-1)),
    (lambda a: mx.broadcast_to(a, (2, 4, 5)), lambda a: np.broadcast_to(a, (2, 4, 5))),
    (lambda a: mx.moveaxis(a, 0, 1), lambda a: np.moveaxis(a, 0, 1)),
]


@pytest.mark.parametrize("in_axis", [0, 1, 2])
@pytest.mark.parametrize("i", range(len(SHAPE)))
def test_vmap_shape_ops(i, in_axis):
    fm, fn = SHAPE[i]
    shape = [4, 5]
    shape.insert(in_axis, 3)
    x = rand(*shape)
    r = mx.vmap(fm, in_axes=in_axis)(mx.array(x))
    assert_array_equal(r, loop(fn, [x], [in_axis]))


@pytest.mark.parametrize("axes", [(0, 0), (0, None), (None, 0), (1, 2), (2, 0)])
def test_vmap_matmul(axes):
    def make(axis, shape):
        if axis is None:
            return rand(*shape)
        s = list(shape)
        s.insert(axis, 3)
        return rand(*s)
    x, y = make(axes[0], (4, 5)), make(axes[1], (5, 2))
    r = mx.vmap(lambda a, b: a @ b, in_axes=axes)(mx.array(x), mx.array(y))
    assert_allclose(r, loop(np.matmul, [x, y], list(axes)), mx.float32, rtol=1e-5, atol=1e-5)


def test_vmap_matmul_vector_and_batched_inside():
    x, v = rand(3, 4, 5), rand(3, 5)
    r = mx.vmap(lambda a, b: a @ b)(mx.array(x), mx.array(v))
    assert_allclose(r, np.einsum("bij,bj->bi", x, v), mx.float32, rtol=1e-5, atol=1e-5)
    r = mx.vmap(lambda a: a @ a.T)(mx.array(x))
    assert_allclose(r, x @ np.swapaxes(x, 1, 2), mx.float32, rtol=1e-5, atol=1e-5)


INDEX = [0, -1, slice(1, None), slice(None, None, -1), (slice(None), 2), (None, Ellipsis, 1),
         (1, slice(None, None, 2)), Ellipsis]


@pytest.mark.parametrize("in_axis", [0, 1])
@pytest.mark.parametrize("idx", INDEX, ids=repr)
def test_vmap_indexing(idx, in_axis):
    shape = [4, 5]
    shape.insert(in_axis, 3)
    x = np.arange(60, dtype=np.int32).reshape(shape)
    r = mx.vmap(lambda a: a[idx], in_axes=in_axis)(mx.array(x))
    assert_array_equal(r, loop(lambda a: a[idx], [x], [in_axis]), mx.int32)


@pytest.mark.parametrize("out_axis", [0, 1, 2, -1])
def test_vmap_out_axes(out_axis):
    x = rand(3, 4, 5)
    r = mx.vmap(lambda a: a * 2, in_axes=0, out_axes=out_axis)(mx.array(x))
    assert_allclose(r, np.moveaxis(x * 2, 0, out_axis), mx.float32)


def test_vmap_in_and_out_axes_together():
    r = mx.vmap(lambda x: x.T, in_axes=1, out_axes=2)(mx.ones((2, 3, 4)))
    assert r.shape == (4, 2, 3)
    x = rand(2, 3, 4)
    r = mx.vmap(lambda a: mx.sum(a, axis=0), in_axes=2, out_axes=0)(mx.array(x))
    assert_allclose(r, x.sum(axis=0).T, mx.float32, rtol=1e-5, atol=1e-5)


def test_vmap_multiple_outputs_and_pytrees():
    x = rand(3, 4)
    a, b = mx.vmap(lambda v: (v * 2, mx.sum(v)))(mx.array(x))
    assert_allclose(a, x * 2, mx.float32)
    assert_allclose(b, x.sum(axis=1), mx.float32, rtol=1e-5, atol=1e-5)
    r = mx.vmap(lambda d: d["a"] + d["b"])({"a": mx.ones((2,)), "b": mx.ones((2,))})
    assert r.tolist() == [2.0, 2.0]
    out = mx.vmap(lambda v: {"s": mx.sum(v), "l": [v + 1]})(mx.array(x))
    assert_allclose(out["s"], x.sum(axis=1), mx.float32, rtol=1e-5, atol=1e-5)
    assert_allclose(out["l"][0], x + 1, mx.float32)


def test_vmap_unbatched_output_is_broadcast():
    r = mx.vmap(lambda x: mx.ones((3,)))(mx.ones((2,)))
    assert r.shape == (2, 3)


def test_nested_vmap():
    x = rand(3, 4, 5)
    r = mx.vmap(mx.vmap(lambda v: mx.sum(v * v)))(mx.array(x))
    assert_allclose(r, (x * x).sum(axis=2), mx.float32, rtol=1e-5, atol=1e-5)
    r = mx.vmap(mx.vmap(lambda v: v * 2, in_axes=0), in_axes=1)(mx.array(x))
    assert_allclose(r, np.swapaxes(x, 0, 1) * 2, mx.float32)
    # outer product by nesting over different arguments
    a, b = rand(3), rand(4)
    r = mx.vmap(lambda s: mx.vmap(lambda t: s * t)(mx.array(b)))(mx.array(a))
    assert_allclose(r, np.outer(a, b), mx.float32)


def test_vmap_of_grad():
    x = rand(5, 3)
    g = mx.vmap(mx.grad(lambda v: mx.sum(mx.tanh(v) ** 2)))(mx.array(x))
    t = np.tanh(x)
    assert_allclose(g, 2 * t * (1 - t * t), mx.float32, rtol=1e-4, atol=1e-5)


def test_vmap_errors():
    with pytest.raises(IndexError):
        mx.vmap(lambda x: x, in_axes=2)(mx.ones((2, 3)))
    with pytest.raises(ValueError):
        mx.vmap(lambda x, y: x + y)(mx.ones((2, 3)), mx.ones((3, 3)))


def test_vmap_axis_errors_match_reference():
    # Error types as the reference raises them: IndexError for an axis out of range
    # (a 0-d input has none), ValueError for leaves that are not arrays and axes that
    # are not ints.
    x = mx.arange(6).reshape(2, 3)
    f = lambda v: v * 2  # noqa: E731
    index_errors = [
        lambda: mx.vmap(f)(mx.array(1.0)),
        lambda: mx.vmap(f, in_axes=-1)(mx.array(1.0)),
        lambda: mx.vmap(lambda d: d["a"] * 2)({"a": mx.array(1.0)}),
        lambda: mx.vmap(f, in_axes=2)(x),
        lambda: mx.vmap(f, in_axes=-3)(x),
        lambda: mx.vmap(f, in_axes=-100)(x),
        lambda: mx.vmap(f, in_axes=2**40)(x),
        lambda: mx.vmap(f, in_axes=-(2**40))(x),
        lambda: mx.vmap(f, in_axes=2**70)(x),
        lambda: mx.vmap(f, out_axes=2)(x),
        lambda: mx.vmap(f, out_axes=-3)(x),
        lambda: mx.vmap(f, out_axes=100)(x),
        lambda: mx.vmap(f, out_axes=2**40)(x),
    ]
    for k, case in enumerate(index_errors):
        with pytest.raises(IndexError, match="vmap"):
            case()
    value_errors = [
        lambda: mx.vmap(f)(1.0),
        lambda: mx.vmap(f)(1),
        lambda: mx.vmap(f)(np.float32(1)),
        lambda: mx.vmap(f)(np.ones(3)),
        lambda: mx.vmap(f)([1.0, 2.0]),
        lambda: mx.vmap(f)("a"),
        lambda: mx.vmap(f)(None),
        lambda: mx.vmap(f, in_axes=1.0)(x),
        lambda: mx.vmap(f, in_axes="a")(x),
        lambda: mx.vmap(f, in_axes=(0, 0))(x),
        lambda: mx.vmap(f, in_axes=np.int64(1))(x),
        lambda: mx.vmap(f, out_axes=1.0)(x),
        lambda: mx.vmap(f, out_axes="s")(x),
        lambda: mx.vmap(f, out_axes=(0, 1))(x),
        lambda: mx.vmap(f, out_axes=(None,))(x),
        lambda: mx.vmap(f, in_axes=(None,))(x),
        lambda: mx.vmap(lambda v: 1.0)(x),
        lambda: mx.vmap(lambda v: None)(x),
        lambda: mx.vmap(lambda: mx.array(1.0))(),
    ]
    for case in value_errors:
        with pytest.raises(ValueError):
            case()
    for case in (lambda: mx.vmap(f, out_axes=None)(x), lambda: mx.vmap(f, in_axes=None)(x),
                 lambda: mx.vmap(f)(x=x)):
        with pytest.raises(TypeError):
            case()
    # Bools are ints here, as in the reference.
    assert mx.vmap(f, in_axes=True)(x).shape == (3, 2)
    assert mx.vmap(f, out_axes=True)(x).shape == (3, 2)


def test_vmap_over_an_empty_batch():
    out = mx.vmap(lambda x: x * 2 + 1)(mx.zeros((0, 3)))
    assert out.shape == (0, 3)
    out = mx.vmap(lambda x: mx.sum(x), in_axes=1)(mx.zeros((3, 0)))
    assert out.shape == (0,)
