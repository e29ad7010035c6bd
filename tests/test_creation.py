"""Array construction: from Python scalars / sequences / NumPy / buffers and
the creation functions.  Expected dtypes read off the reference (MLX 0.32)."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import (ALL_DTYPE_NAMES, FLOATING, INTEGER, NP_DTYPE, assert_allclose,
                     assert_array_equal, mxdt, to_np)


# ---------------------------------------------------------------------------
# mx.array from Python data
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, dtype, shape", [
    (True, mx.bool_, ()),
    (3, mx.int32, ()),
    (3.0, mx.float32, ()),
    (1j, mx.complex64, ()),
    (2**31, mx.int64, ()),         # too big for int32 -> int64
    (-(2**40), mx.int64, ()),
    ([1, 2], mx.int32, (2,)),
    ((1, 2), mx.int32, (2,)),
    ([1, 2.0], mx.float32, (2,)),
    ([True, 2], mx.int32, (2,)),
    ([1, 2j], mx.complex64, (2,)),
    ([2**40, 1], mx.int64, (2,)),
    ([[1, 2], [3, 4]], mx.int32, (2, 2)),
    ([], mx.float32, (0,)),
    ([[]], mx.float32, (1, 0)),
    ([[], []], mx.float32, (2, 0)),
    ((), mx.float32, (0,)),
])
def test_array_from_python(value, dtype, shape):
    a = mx.array(value)
    assert a.dtype == dtype
    assert a.shape == shape
    if shape and 0 not in shape:
        np.testing.assert_array_equal(np.array(a), np.array(value))


def test_array_scalar_values():
    assert mx.array(3).item() == 3
    assert mx.array(True).item() is True
    assert mx.array(2.5).item() == 2.5
    assert mx.array(1j).item() == 1j
    assert mx.array(2**40).item() == 2**40


def test_array_with_dtype():
    assert_array_equal(mx.array([1.5], mx.int32), [1], mx.int32)
    assert_array_equal(mx.array([True], mx.float32), [1.0], mx.float32)
    assert_array_equal(mx.array([1, -2], mx.uint8), np.array([1, 254], np.uint8), mx.uint8)
    assert_array_equal(mx.array([[1.5]], mx.uint8), [[1]], mx.uint8)
    assert mx.array(3, mx.float16).dtype == mx.float16
    assert mx.array([1, 2], dtype=mx.complex64).dtype == mx.complex64
    a = mx.array([1.5, 2], mx.float64)
    assert a.dtype == mx.float64
    assert a.tolist() == [1.5, 2.0]


def test_array_from_arrays():
    a = mx.array([1, 2])
    assert_array_equal(mx.array(a), [1, 2], mx.int32)
    assert_array_equal(mx.array(a, mx.float32), [1.0, 2.0], mx.float32)
    assert_array_equal(mx.array([mx.array([1, 2]), mx.array([3, 4])]), [[1, 2], [3, 4]], mx.int32)
    assert_array_equal(mx.array([mx.array(1), 2.5]), [1.0, 2.5], mx.float32)


@pytest.mark.parametrize("value", [
    [[1, 2], [3]],
    [[1, 2], 3],
    [1, [2]],
    [mx.array([1, 2]), [3]],
])
def test_array_ragged_raises(value):
    with pytest.raises(ValueError):
        mx.array(value)


@pytest.mark.parametrize("value", ["abc", [1, None], range(3)])
def test_array_invalid_type_raises(value):
    with pytest.raises(ValueError):
        mx.array(value)


def test_array_none_raises():
    with pytest.raises((TypeError, ValueError)):
        mx.array(None)


# ---------------------------------------------------------------------------
# mx.array from NumPy and the buffer protocol
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("npdt, mxdt_expected", [
    (np.bool_, mx.bool_), (np.uint8, mx.uint8), (np.uint16, mx.uint16),
    (np.uint32, mx.uint32), (np.uint64, mx.uint64), (np.int8, mx.int8),
    (np.int16, mx.int16), (np.int32, mx.int32), (np.int64, mx.int64),
    (np.float16, mx.float16), (np.float32, mx.float32),
    (np.float64, mx.float32),      # the reference's default: float64 -> float32
    (np.complex64, mx.complex64), (np.complex128, mx.complex64),
])
def test_array_from_numpy_dtypes(npdt, mxdt_expected):
    x = (np.arange(6).reshape(2, 3) % 2).astype(npdt)
    a = mx.array(x)
    assert a.dtype == mxdt_expected
    assert a.shape == (2, 3)
    np.testing.assert_array_equal(np.array(a), x.astype(np.array(a).dtype))


def test_array_from_numpy_float64_keeps_float64_when_asked():
    x = np.array([0.1, 0.2, 1 / 3])
    a = mx.array(x, mx.float64)
    assert a.dtype == mx.float64
    np.testing.assert_array_equal(np.array(a), x)
    b = mx.array(x)
    assert b.dtype == mx.float32
    np.testing.assert_array_equal(np.array(b), x.astype(np.float32))


def test_array_from_numpy_with_dtype_conversion():
    assert_array_equal(mx.array(np.array([1.7, 2.2]), dtype=mx.int32), [1, 2], mx.int32)


def test_array_from_numpy_scalars():
    assert mx.array(np.float64(2.5)).dtype == mx.float32
    assert mx.array(np.float32(2.5)).dtype == mx.float32
    assert mx.array(np.int64(2)).dtype == mx.int64
    assert mx.array(np.array(3.0)).shape == ()
    assert mx.array([np.float64(1.0)]).dtype == mx.float32


@pytest.mark.parametrize("make", [
    lambda: np.arange(12.0).reshape(3, 4).T,
    lambda: np.arange(12).reshape(3, 4)[:, ::2],
    lambda: np.arange(24).reshape(2, 3, 4)[:, 1:, ::3],
    lambda: np.arange(12).reshape(3, 4)[::-1, ::2],     # negative strides
    lambda: np.arange(10)[::-1],
    lambda: np.broadcast_to(np.arange(3), (4, 3)),      # zero strides
], ids=["T", "step", "3d", "neg", "rev", "bcast"])
def test_array_from_non_contiguous_numpy(make):
    x = make()
    a = mx.array(x)
    assert a.shape == x.shape
    expected = x.astype(np.float32) if x.dtype == np.float64 else x
    np.testing.assert_array_equal(np.array(a), expected)


def test_array_from_numpy_is_a_copy():
    x = np.arange(4, dtype=np.float32)
    a = mx.array(x)
    x[0] = 100
    assert a[0].item() == 0


def test_array_from_empty_numpy():
    a = mx.array(np.zeros((0, 2)))
    assert a.shape == (0, 2)
    assert a.dtype == mx.float32


def test_array_from_numpy_bfloat16():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.array([1.5, 2, -3.25], dtype=ml_dtypes.bfloat16)
    a = mx.array(x)
    assert a.dtype == mx.bfloat16
    assert a.tolist() == [1.5, 2.0, -3.25]
    t = np.arange(6, dtype=ml_dtypes.bfloat16).reshape(2, 3).T
    b = mx.array(t)
    assert b.dtype == mx.bfloat16
    assert b.astype(mx.float32).tolist() == [[0, 3], [1, 4], [2, 5]]


def test_array_from_buffer_objects():
    assert_array_equal(mx.array(memoryview(np.arange(3.0))), [0.0, 1.0, 2.0], mx.float32)
    assert_array_equal(mx.array(bytearray(b"ab")), np.array([97, 98], np.uint8), mx.uint8)


def test_array_from_array_interface_object():
    # Issue 2: any object offering __array__ converts (the reference refuses).
    class HasArray:
        def __array__(self, dtype=None, copy=None):
            return np.arange(3, dtype=np.int16)

    a = mx.array(HasArray())
    assert_array_equal(a, np.arange(3, dtype=np.int16), mx.int16)


# ---------------------------------------------------------------------------
# creation functions
# ---------------------------------------------------------------------------

def test_zeros_ones():
    assert_array_equal(mx.zeros(3), np.zeros(3, np.float32), mx.float32)
    assert_array_equal(mx.zeros((2,), mx.int8), np.zeros(2, np.int8), mx.int8)
    assert_array_equal(mx.ones([2, 1]), np.ones((2, 1), np.float32), mx.float32)
    assert_array_equal(mx.ones((2,), dtype=mx.bool_), np.ones(2, bool), mx.bool_)
    assert mx.zeros(()).shape == ()
    assert mx.zeros((0, 3)).shape == (0, 3)
    assert mx.zeros((2, 3), stream=mx.cpu).shape == (2, 3)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_zeros_ones_every_dtype(name):
    z = mx.zeros((2, 3), mxdt(name))
    o = mx.ones((2, 3), mxdt(name))
    assert z.dtype == mxdt(name) and o.dtype == mxdt(name)
    np.testing.assert_array_equal(to_np(z), np.zeros((2, 3)))
    np.testing.assert_array_equal(to_np(o), np.ones((2, 3)))


def test_zeros_negative_dim_raises():
    with pytest.raises(ValueError):
        mx.zeros((-1,))
    with pytest.raises(ValueError):
        mx.ones((2, -3))


def test_full():
    assert_array_equal(mx.full((2,), 3), [3, 3], mx.int32)
    assert_array_equal(mx.full((2,), True), [True, True], mx.bool_)
    assert_array_equal(mx.full((2,), 1j), np.array([1j, 1j], np.complex64), mx.complex64)
    assert_array_equal(mx.full((), 2.0), np.float32(2.0), mx.float32)
    assert_array_equal(mx.full(3, 2), [2, 2, 2], mx.int32)
    assert_array_equal(mx.full((2, 2), mx.array([1, 2])), [[1, 2], [1, 2]], mx.int32)
    # The reference promotes the dtype with a Python-float fill value
    # (full((2,), 3.5, int32) is float32 [3.5, 3.5]); we follow it.
    assert_allclose(mx.full((2,), 3.5, mx.int32), [3.5, 3.5], mx.float32)
    assert_array_equal(mx.full((2,), 3, mx.int8), [3, 3], mx.int8)
    assert_allclose(mx.full((2,), 2.5, mx.float64), [2.5, 2.5], mx.float64)
    assert_array_equal(mx.full((2,), 3, mx.float16), np.array([3, 3], np.float16), mx.float16)


def test_full_broadcast_error():
    with pytest.raises(ValueError):
        mx.full((2, 3), mx.array([1, 2]))


@pytest.mark.parametrize("args, kwargs, expected, dtype", [
    ((5,), {}, np.arange(5), mx.int32),
    ((3.0,), {}, np.arange(3.0), mx.float32),
    ((1, 10, 3), {}, [1, 4, 7], mx.int32),
    ((10, 0, -3), {}, [10, 7, 4, 1], mx.int32),
    ((0, 1, 0.25), {}, [0, 0.25, 0.5, 0.75], mx.float32),
    ((0.5, 2), {}, [0.5, 1.5], mx.float32),
    ((5, 0), {}, np.zeros(0), mx.int32),
    ((-1.5,), {}, np.zeros(0), mx.float32),
    ((1, 4, 1.0), {}, [1, 2, 3], mx.float32),
    ((5,), {"dtype": mx.float32}, np.arange(5), mx.float32),
    ((3,), {"dtype": mx.int8}, np.arange(3), mx.int8),
    ((0, 5), {"dtype": mx.float64}, np.arange(5), mx.float64),
    ((), {"start": 1, "stop": 4}, [1, 2, 3], mx.int32),
    ((), {"stop": 4}, [0, 1, 2, 3], mx.int32),
])
def test_arange(args, kwargs, expected, dtype):
    a = mx.arange(*args, **kwargs)
    assert_allclose(a, np.asarray(expected, dtype=np.float64).astype(np.float64), dtype)


def test_arange_fractional_step_length():
    a = mx.arange(0, 1, 0.3)
    assert a.shape == (4,)
    np.testing.assert_allclose(np.array(a), [0, 0.3, 0.6, 0.9], rtol=1e-6)


def test_arange_errors():
    with pytest.raises(ValueError):
        mx.arange(0, 10, 0)
    with pytest.raises(ValueError):
        mx.arange(0, 3, 1, mx.bool_)


def test_linspace():
    assert_allclose(mx.linspace(0, 1, 5), np.linspace(0, 1, 5), mx.float32)
    assert_allclose(mx.linspace(1, 0, 3), [1, 0.5, 0], mx.float32)
    assert_allclose(mx.linspace(0.0, 1.0, num=3), [0, 0.5, 1], mx.float32)
    assert_allclose(mx.linspace(-3, 7, 11), np.linspace(-3, 7, 11), mx.float32)
    assert_array_equal(mx.linspace(0, 10, 5, dtype=mx.int32), [0, 2, 5, 7, 10], mx.int32)
    a = mx.linspace(0, 1, 4, dtype=mx.float64)
    assert a.dtype == mx.float64
    np.testing.assert_allclose(np.array(a), np.linspace(0, 1, 4), rtol=1e-12)
    assert mx.linspace(0, 1, 1).tolist() == [0.0]
    assert mx.linspace(0, 1, 0).shape == (0,)
    assert mx.linspace(0, 1).shape == (50,)


def test_linspace_negative_num_raises():
    with pytest.raises(ValueError):
        mx.linspace(0, 1, -1)


def test_eye_identity():
    assert_array_equal(mx.eye(3), np.eye(3, dtype=np.float32), mx.float32)
    assert_array_equal(mx.eye(2, 3, 1), np.eye(2, 3, 1, dtype=np.float32), mx.float32)
    assert_array_equal(mx.eye(2, 3, k=-1), np.eye(2, 3, -1, dtype=np.float32), mx.float32)
    assert_array_equal(mx.eye(4, 2, -2), np.eye(4, 2, -2, dtype=np.float32), mx.float32)
    assert_array_equal(mx.eye(2, k=5), np.zeros((2, 2), np.float32), mx.float32)
    assert_array_equal(mx.eye(3, dtype=mx.int32), np.eye(3, dtype=np.int32), mx.int32)
    assert mx.eye(0).shape == (0, 0)
    assert_array_equal(mx.identity(2), np.identity(2, np.float32), mx.float32)
    assert_array_equal(mx.identity(3, mx.float16), np.identity(3, np.float16), mx.float16)
    with pytest.raises(ValueError):
        mx.eye(-1)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_zeros_like_ones_like(name):
    a = mx.ones((2, 3), mxdt(name))
    z = mx.zeros_like(a)
    o = mx.ones_like(a)
    assert z.dtype == a.dtype and o.dtype == a.dtype
    assert z.shape == (2, 3) and o.shape == (2, 3)
    np.testing.assert_array_equal(to_np(z), 0)
    np.testing.assert_array_equal(to_np(o), 1)


def test_zeros_like_with_dtype_and_views():
    a = mx.arange(6).reshape(2, 3).T
    z = mx.zeros_like(a, dtype=mx.float16)
    assert z.dtype == mx.float16 and z.shape == (3, 2)
    assert mx.ones_like(mx.array(2.5)).shape == ()


# ---------------------------------------------------------------------------
# astype over every dtype pair
# ---------------------------------------------------------------------------

_SRC = np.array([0, 1, 2, 3, 5, 7, 100, 127], dtype=np.float64)


@pytest.mark.parametrize("src", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("dst", ALL_DTYPE_NAMES)
def test_astype_every_pair(src, dst):
    values = _SRC if src != "bool_" else (_SRC > 2)
    a = mx.array(values.astype(NP_DTYPE[src]), mxdt(src))
    b = a.astype(mxdt(dst))
    assert b.dtype == mxdt(dst)
    assert b.shape == a.shape
    expected = values.astype(NP_DTYPE[src]).astype(NP_DTYPE[dst])
    np.testing.assert_array_equal(to_np(b), expected)
    # the function form agrees
    assert mx.astype(a, mxdt(dst)).dtype == mxdt(dst)


def test_astype_conversions():
    assert_array_equal(mx.astype(mx.array([1.7, -2.7]), mx.int32), [1, -2], mx.int32)
    assert_array_equal(mx.array([1.5]).astype(mx.uint8), np.array([1], np.uint8), mx.uint8)
    assert_array_equal(mx.array([300]).astype(mx.uint8), np.array([44], np.uint8), mx.uint8)
    assert_array_equal(mx.array([2.7, 0.0]).astype(mx.bool_), [True, False], mx.bool_)
    assert_array_equal(mx.array([1 + 2j]).astype(mx.float32), [1.0], mx.float32)
    assert_array_equal(mx.array([1.5]).astype(mx.complex64), np.array([1.5], np.complex64), mx.complex64)


def test_astype_non_contiguous():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    a = mx.array(x).T[::2]
    assert_array_equal(a.astype(mx.float16), x.T[::2].astype(np.float16), mx.float16)


def test_astype_rejects_non_dtype():
    with pytest.raises(TypeError):
        mx.array([1.5]).astype("float32")


def test_array_from_numpy_strides_that_split_elements():
    # A field of a packed structured array: byte strides are not multiples of the
    # field's item size, so the copy gathers bytes first.
    s = np.zeros(7, dtype=[("a", np.int8), ("b", np.float32)])
    s["b"] = np.arange(7) * 1.5
    a = mx.array(s["b"])
    assert a.dtype == mx.float32
    np.testing.assert_array_equal(np.array(a), np.arange(7) * 1.5)
    np.testing.assert_array_equal(np.array(mx.array(s["b"][::-2])), (np.arange(7) * 1.5)[::-2])


def test_array_from_non_contiguous_complex128():
    x = (np.arange(6) + 1j * np.arange(6, 12)).reshape(2, 3)
    for v in (x.T, x[:, ::-2]):
        a = mx.array(v)
        assert a.dtype == mx.complex64 and a.shape == v.shape
        np.testing.assert_array_equal(np.array(a), v.astype(np.complex64))
