"""Shape ops against NumPy: reshape, transpose, swapaxes, squeeze,
expand_dims, broadcast_to, flatten, moveaxis, and their errors."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, assert_array_equal, mxdt, sample, to_np

X = np.arange(24, dtype=np.int32).reshape(2, 3, 4)


def A():
    return mx.array(X)


@pytest.mark.parametrize("shape", [(24,), (4, 6), (2, -1), (-1, 4), (2, 3, 4), (4, 3, 2),
                                   (1, 24, 1), (-1,), (2, 3, -1), (1, 2, 1, 3, 4)])
def test_reshape(shape):
    r = mx.reshape(A(), shape)
    assert_array_equal(r, X.reshape(shape), mx.int32)
    assert_array_equal(A().reshape(shape), X.reshape(shape))
    assert_array_equal(A().reshape(*shape), X.reshape(shape))


def test_reshape_non_contiguous():
    for av, xv in [(A().transpose(2, 0, 1), X.transpose(2, 0, 1)),
                   (A()[:, ::2, ::-1], X[:, ::2, ::-1]),
                   (mx.broadcast_to(A()[:, :1], (2, 5, 4)), np.broadcast_to(X[:, :1], (2, 5, 4)))]:
        for shape in [(-1,), (xv.shape[0], -1), (-1, xv.shape[-1]), xv.shape[::-1]]:
            assert_array_equal(av.reshape(shape), xv.reshape(shape))


def test_reshape_scalar_and_empty():
    assert mx.reshape(mx.array(3), (1, 1)).shape == (1, 1)
    assert mx.reshape(mx.array([3]), ()).shape == ()
    assert mx.reshape(mx.zeros((0, 3)), (-1,)).shape == (0,)
    assert mx.reshape(mx.zeros((0, 3)), (3, 0)).shape == (3, 0)


@pytest.mark.parametrize("shape, exc", [
    ((4, -1), ValueError), ((7,), ValueError), ((-1, -1), ValueError), ((5, 5), ValueError),
])
def test_reshape_errors(shape, exc):
    with pytest.raises(exc):
        mx.reshape(mx.arange(6), shape)


def test_reshape_empty_infer_error():
    with pytest.raises(ValueError):
        mx.reshape(mx.zeros((0, 3)), (0, -1))


@pytest.mark.parametrize("axes", [None, (0, 1, 2), (2, 1, 0), (1, 0, 2), (2, 0, 1), (0, 1, -1), (-1, -2, -3)])
def test_transpose(axes):
    r = mx.transpose(A(), axes) if axes is not None else mx.transpose(A())
    assert_array_equal(r, np.transpose(X, axes), mx.int32)


def test_transpose_method_and_T():
    assert_array_equal(A().transpose(2, 0, 1), X.transpose(2, 0, 1))
    assert_array_equal(A().transpose((1, 2, 0)), X.transpose(1, 2, 0))
    assert_array_equal(A().transpose(), X.transpose())
    assert_array_equal(A().T, X.T)
    assert_array_equal(mx.arange(6).reshape(2, 3).T, np.arange(6).reshape(2, 3).T)
    assert mx.array(3).T.shape == ()
    assert_array_equal(A().T.T, X)


@pytest.mark.parametrize("axes, exc", [
    ((0, 0, 1), ValueError), ((1, 0), ValueError), ((0, 1, 3), IndexError), ((0, 1, -4), IndexError),
])
def test_transpose_errors(axes, exc):
    with pytest.raises(exc):
        mx.transpose(A(), axes)


@pytest.mark.parametrize("a1, a2", [(0, 1), (0, 2), (1, 2), (0, -1), (-1, -2), (1, 1)])
def test_swapaxes(a1, a2):
    assert_array_equal(mx.swapaxes(A(), a1, a2), np.swapaxes(X, a1, a2))
    assert_array_equal(A().swapaxes(a1, a2), np.swapaxes(X, a1, a2))


def test_swapaxes_errors():
    with pytest.raises(IndexError):
        mx.swapaxes(mx.zeros((2, 3)), 0, 5)
    with pytest.raises(IndexError):
        mx.swapaxes(mx.zeros((2, 3)), -3, 0)


def test_squeeze():
    x = np.arange(6).reshape(1, 2, 1, 3, 1)
    a = mx.array(x)
    assert_array_equal(mx.squeeze(a), np.squeeze(x))
    assert_array_equal(mx.squeeze(a, 0), np.squeeze(x, 0))
    assert_array_equal(mx.squeeze(a, -1), np.squeeze(x, -1))
    assert_array_equal(mx.squeeze(a, (0, 2)), np.squeeze(x, (0, 2)))
    assert_array_equal(mx.squeeze(a, axis=[2, 4]), np.squeeze(x, (2, 4)))
    assert_array_equal(a.squeeze(), np.squeeze(x))
    assert_array_equal(a.squeeze(0), np.squeeze(x, 0))
    assert mx.squeeze(mx.zeros(())).shape == ()
    assert mx.squeeze(mx.zeros((1, 0, 1))).shape == (0,)


def test_squeeze_errors():
    with pytest.raises(ValueError):
        mx.squeeze(mx.zeros((1, 2, 1)), 1)
    with pytest.raises(IndexError):
        mx.squeeze(mx.zeros((1, 2, 1)), 3)
    with pytest.raises(ValueError):
        mx.squeeze(mx.zeros((1, 2, 1)), (0, 0))


@pytest.mark.parametrize("axis", [0, 1, 2, 3, -1, -2, -4, (0, 1), (0, -1), (1, 3, 4)])
def test_expand_dims(axis):
    assert_array_equal(mx.expand_dims(A(), axis), np.expand_dims(X, axis))


def test_expand_dims_errors():
    with pytest.raises(IndexError):
        mx.expand_dims(mx.zeros((2,)), 2)
    with pytest.raises(IndexError):
        mx.expand_dims(mx.zeros((2,)), -3)
    with pytest.raises(ValueError):
        mx.expand_dims(mx.zeros((2,)), (0, 0))


@pytest.mark.parametrize("src, dst", [
    ((3,), (2, 3)), ((3, 1), (2, 3, 4)), ((1,), (0,)), ((), (2, 2)), ((2, 3), (2, 3)),
    ((1, 1), (5, 1, 7)),
])
def test_broadcast_to(src, dst):
    x = np.arange(int(np.prod(src)), dtype=np.float32).reshape(src)
    r = mx.broadcast_to(mx.array(x), dst)
    assert_array_equal(r, np.broadcast_to(x, dst), mx.float32)


def test_broadcast_to_scalar_and_views():
    assert_array_equal(mx.broadcast_to(1.5, (2,)), np.array([1.5, 1.5], np.float32), mx.float32)
    a = mx.array(X)[:, ::2, :1]
    assert_array_equal(mx.broadcast_to(a, (3, 2, 2, 5)), np.broadcast_to(X[:, ::2, :1], (3, 2, 2, 5)))
    # a broadcast result can be reduced and computed with like any array
    b = mx.broadcast_to(mx.array([1.0, 2.0]), (1000, 2))
    assert mx.sum(b).item() == 3000.0
    assert_array_equal(b + 1, np.broadcast_to(np.array([2.0, 3.0], np.float32), (1000, 2)))


def test_broadcast_to_errors():
    with pytest.raises(ValueError):
        mx.broadcast_to(mx.zeros((2,)), (3, 3))
    with pytest.raises(ValueError):
        mx.broadcast_to(mx.zeros((2, 3)), (3,))


@pytest.mark.parametrize("start, end, shape", [
    (0, -1, (24,)), (1, 2, (2, 12)), (0, 1, (6, 4)), (-2, -1, (2, 12)), (1, 1, (2, 3, 4)),
    (2, 2, (2, 3, 4)),
])
def test_flatten(start, end, shape):
    r = mx.flatten(A(), start, end)
    assert_array_equal(r, X.reshape(shape))
    assert_array_equal(A().flatten(start, end), X.reshape(shape))
    assert_array_equal(mx.flatten(A(), start_axis=start, end_axis=end), X.reshape(shape))


def test_flatten_defaults_and_views():
    assert_array_equal(mx.flatten(A()), X.reshape(-1))
    assert_array_equal(A().T.flatten(), X.T.reshape(-1))
    assert_array_equal(A()[:, ::-1].flatten(), X[:, ::-1].reshape(-1))
    assert mx.flatten(mx.zeros(())).shape == (1,)
    assert mx.flatten(mx.zeros((2, 3, 4)), -2).shape == (2, 12)


def test_flatten_errors():
    with pytest.raises(ValueError):
        mx.flatten(mx.zeros((2, 3, 4)), 2, 1)


@pytest.mark.parametrize("src, dst", [(0, -1), (2, 0), (1, 1), (-1, 0), (0, 2)])
def test_moveaxis(src, dst):
    assert_array_equal(mx.moveaxis(A(), src, dst), np.moveaxis(X, src, dst))


def test_moveaxis_errors():
    with pytest.raises(IndexError):
        mx.moveaxis(mx.zeros((2, 3, 4)), 3, 0)
    with pytest.raises(IndexError):
        mx.moveaxis(mx.zeros((2, 3, 4)), 0, -4)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_shape_ops_every_dtype(name):
    x = sample((2, 3, 4), name)
    a = mx.array(x, dtype=mxdt(name))
    expected = x.transpose(1, 0, 2).reshape(3, 8)
    r = a.transpose(1, 0, 2).reshape(3, 8)
    assert r.dtype == mxdt(name)
    np.testing.assert_array_equal(to_np(r), expected)
    r = mx.expand_dims(mx.swapaxes(a, 0, 2), 1).squeeze(1).flatten()
    np.testing.assert_array_equal(to_np(r), np.swapaxes(x, 0, 2).reshape(-1))


def test_shape_ops_are_lazy_views_of_values():
    a = mx.arange(6)
    b = a.reshape(2, 3).T
    # the source stays intact and results are independent arrays
    assert a.tolist() == list(range(6))
    assert b.tolist() == [[0, 3], [1, 4], [2, 5]]
