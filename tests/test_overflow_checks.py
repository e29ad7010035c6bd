"""Values that do not fit raise a Python error with a message instead of wrapping,
invoking undefined behaviour or passing a NULL on: Python ints beyond the float range,
shape products beyond 32-bit dimensions, eye diagonals and integer aranges at the
limits of their types."""

import gc
import sys
import tracemalloc

import numpy as np
import pytest

import mlx.core as mx


# ---------------------------------------------------------------------------
# Python ints too large for the operand's dtype
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("big", [10**400, -(10**400), 2**1024])
def test_huge_int_with_float_array_raises_overflow_error(big):
    # The reference raises RuntimeError(std::bad_cast); NumPy raises OverflowError.
    for f in (lambda: mx.array([1.0]) + big, lambda: big + mx.array([1.0]),
              lambda: mx.array([1.0], mx.float16) * big, lambda: mx.maximum(mx.array([1.0]), big)):
        with pytest.raises(OverflowError, match="too large"):
            f()


def test_huge_int_message_does_not_print_thousands_of_digits():
    with pytest.raises(OverflowError) as e:
        mx.array([1.0]) + 10**5000
    assert len(str(e.value)) < 300
    with pytest.raises(ValueError) as e:
        mx.array([1], mx.int32) + 10**5000
    assert len(str(e.value)) < 300


def test_large_ints_that_fit_a_float_still_work():
    assert (mx.array([1.0]) + 2**64).item() == pytest.approx(2.0**64)
    assert (mx.array([1.0], mx.float64) * 10**300).item() == pytest.approx(1e300)


# ---------------------------------------------------------------------------
# Lists of NumPy scalars: no reference leaks
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("scalar", [np.complex64(1 + 2j), np.float32(1.5), np.int16(3), np.bool_(True),
                                    np.complex128(1 - 1j), np.uint64(2**64 - 1)])
def test_numpy_scalar_lists_do_not_leak(scalar):
    items = [scalar] * 1000
    mx.array(items)  # warm up
    rc = sys.getrefcount(scalar)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(20):
        a = mx.array(items)
    del a
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # Before the fix: two Python complex objects (32 bytes each) per element leaked,
    # 20 * 1000 * 2 of them.
    assert grown < 100_000, grown
    assert sys.getrefcount(scalar) == rc


def test_numpy_complex_scalars_values():
    a = mx.array([np.complex64(1 + 2j), np.complex64(3 - 4j)])
    assert a.dtype == mx.complex64
    assert a.tolist() == [1 + 2j, 3 - 4j]


# ---------------------------------------------------------------------------
# Shape products
# ---------------------------------------------------------------------------

def test_flatten_of_huge_broadcast_raises():
    b = mx.broadcast_to(mx.array(1.0), (65536, 65536))
    assert b.size == 65536 * 65536
    with pytest.raises(OverflowError, match="flatten"):
        mx.flatten(b)
    with pytest.raises(OverflowError, match="flatten"):
        b.flatten()
    c = mx.broadcast_to(mx.array(1.0), (2**16, 2**16, 2))
    with pytest.raises(OverflowError):
        mx.flatten(c, 0, 1)
    assert mx.flatten(c, 1, 2).shape == (2**16, 2**17)


def test_reshape_inference_beyond_32_bits_raises():
    b = mx.broadcast_to(mx.array(1.0), (65536, 65536))
    with pytest.raises(OverflowError, match="reshape"):
        b.reshape(-1)
    with pytest.raises(OverflowError, match="reshape"):
        mx.reshape(b, (-1,))
    assert b.reshape(4, -1).shape == (4, 2**30)


def test_reshape_with_overflowing_known_dims_raises_value_error():
    x = mx.zeros((4,))
    big = 2**31 - 1
    with pytest.raises(ValueError, match="reshape"):
        x.reshape(-1, big, big, big)
    with pytest.raises(ValueError, match="reshape"):
        x.reshape(big, big, big, 4)
    with pytest.raises(ValueError, match="empty"):
        mx.zeros((0,)).reshape(-1, 0)
    assert x.reshape(-1, 2).shape == (2, 2)


# ---------------------------------------------------------------------------
# eye and arange at the limits
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("k", [2**31 - 1, -(2**31) + 1, -(2**31), 3, -3, 2, -2, 0])
def test_eye_with_any_int32_diagonal(k):
    np.testing.assert_array_equal(np.array(mx.eye(3, 4, k=k)), np.eye(3, 4, k=k, dtype=np.float32))


def test_integer_arange_near_the_int64_limit():
    big = 2**63
    with pytest.raises(OverflowError, match="arange"):
        mx.arange(big - 4096, big + 4096, dtype=mx.int64)
    with pytest.raises(OverflowError, match="arange"):
        mx.arange(-big - 4096, -big + 4096, dtype=mx.int64)
    with pytest.raises(OverflowError, match="arange"):
        mx.arange(0, 2.0**70, 2.0**68, dtype=mx.int64)
    # Values that fit come out exact.
    assert mx.arange(0, big - 1, 2**62, dtype=mx.int64).tolist() == [0, 2**62]
    assert mx.arange(-big, -big + 3 * 2048, 2048, dtype=mx.int64).tolist() == [-big, -big + 2048, -big + 4096]
    assert mx.arange(-(2**62), 2**62, 2**62, dtype=mx.int64).tolist() == [-(2**62), 0]
    # An empty range is fine anywhere.
    assert mx.arange(big, big, dtype=mx.int64).tolist() == []
