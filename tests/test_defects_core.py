"""Defects of the array core, each checked against NumPy or the reference's documented
behaviour: pickling, copying, weak references, bytes input, scalar conversions, NumPy
dimensions beyond 32 bits, logical ops with Python scalars, complex matmul overflow and
argument error messages."""

import copy
import gc
import pickle
import weakref

import numpy as np
import pytest

import mlx.core as mx

ALL_DTYPES = [
    mx.bool_, mx.uint8, mx.uint16, mx.uint32, mx.uint64, mx.int8, mx.int16, mx.int32,
    mx.int64, mx.float16, mx.bfloat16, mx.float32, mx.float64, mx.complex64,
]


def values_for(dtype):
    base = np.array([[0, 1, 2], [3, 4, 5]])
    if dtype == mx.bool_:
        return mx.array(base % 2 == 1)
    if dtype == mx.complex64:
        return mx.array(base + 1j * base[::-1], dtype)
    if dtype in (mx.float16, mx.bfloat16, mx.float32, mx.float64):
        return mx.array(base * 0.5 - 1.25, dtype)
    return mx.array(base, dtype)


def same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert mx.array_equal(a, b).item() if hasattr(mx, "array_equal") else (
        np.array(a.astype(mx.float32) if a.dtype == mx.bfloat16 else a).tolist()
        == np.array(b.astype(mx.float32) if b.dtype == mx.bfloat16 else b).tolist())


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_pickle_round_trip(dtype, protocol):
    a = values_for(dtype)
    b = pickle.loads(pickle.dumps(a, protocol=protocol))
    assert isinstance(b, mx.array)
    same(a, b)


def test_pickle_scalar_view_and_empty():
    for a in [mx.array(3.5), mx.zeros((0, 3), mx.int16), mx.arange(12).reshape(3, 4).T[1:]]:
        b = pickle.loads(pickle.dumps(a))
        assert b.shape == a.shape and b.dtype == a.dtype
        assert np.array_equal(np.array(b), np.array(a))


def test_pickle_state_is_reference_format():
    # (NumPy values, the reference's dtype code); bfloat16 travels as its uint16 bits.
    values, code = mx.array([1.0, 2.0], mx.bfloat16).__getstate__()
    assert code == 12 and values.dtype == np.uint16
    assert values.tolist() == [16256, 16384]
    values, code = mx.array([1, 2], mx.int32).__getstate__()
    assert code == 7 and values.tolist() == [1, 2]


def test_pickle_state_cannot_change_the_array():
    a = mx.array([1.0, 2.0])
    values, _ = a.__getstate__()
    with pytest.raises(ValueError):
        values[0] = 42
    assert a.tolist() == [1.0, 2.0]


def test_unpickled_arrays_are_independent():
    a = mx.array([1.0, 2.0])
    b = pickle.loads(pickle.dumps(a))
    c = pickle.loads(pickle.dumps(a, protocol=5))
    b += 1
    assert a.tolist() == [1.0, 2.0] and c.tolist() == [1.0, 2.0] and b.tolist() == [2.0, 3.0]
    np.asarray(c)  # exports fine
    assert np.array(c * 2).tolist() == [2.0, 4.0]


def test_setstate_rejects_bad_state():
    a = mx.array.__new__(mx.array)
    with pytest.raises(ValueError):
        a.__setstate__((np.zeros(2), 99))
    b = mx.array.__new__(mx.array)
    with pytest.raises(ValueError):
        b.__setstate__((np.zeros(2),))


@pytest.mark.parametrize("fn", [copy.copy, copy.deepcopy])
def test_copy(fn):
    a = mx.array([[1, 2], [3, 4]], mx.int16)
    b = fn(a)
    assert b is not a and b.dtype == a.dtype
    assert b.tolist() == a.tolist()
    a += 1
    assert b.tolist() == [[1, 2], [3, 4]]


def test_deepcopy_in_container():
    tree = {"w": mx.array([1.0, 2.0]), "b": [mx.array(3)]}
    t2 = copy.deepcopy(tree)
    assert t2["w"].tolist() == [1.0, 2.0] and t2["b"][0].item() == 3
    assert t2["w"] is not tree["w"]


def test_weakref_dies_with_array():
    a = mx.array([1.0, 2.0])
    w = weakref.ref(a)
    assert w() is a
    del a
    gc.collect()
    assert w() is None


def test_weakref_lives_while_memoryview_or_numpy_view_exists():
    a = mx.array([1.0, 2.0])
    w = weakref.ref(a)
    m = memoryview(a)
    n = np.asarray(a)
    del a
    gc.collect()
    assert w() is not None
    del m
    gc.collect()
    assert w() is not None
    assert n.tolist() == [1.0, 2.0]
    del n
    gc.collect()
    assert w() is None


def test_weak_value_dictionary():
    d = weakref.WeakValueDictionary()
    a = mx.array(1)
    d["a"] = a
    assert "a" in d
    del a
    gc.collect()
    assert "a" not in d


def test_bytes_and_bytearray_give_uint8():
    a = mx.array(b"Hello")
    assert a.dtype == mx.uint8 and a.tolist() == list(b"Hello")
    b = mx.array(bytearray(b"\x00\xff\x10"))
    assert b.dtype == mx.uint8 and b.tolist() == [0, 255, 16]
    assert mx.array(b"").shape == (0,)
    assert mx.array(b"ab", mx.float32).tolist() == [97.0, 98.0]


def test_complex_of_complex_scalar():
    assert complex(mx.array(1 + 2j)) == 1 + 2j
    assert complex(mx.array([[3 - 1j]])) == 3 - 1j
    assert complex(mx.array(2.5)) == 2.5 + 0j
    assert complex(mx.array(7, mx.int8)) == 7 + 0j


def test_int_and_float_of_complex_raise_type_error():
    with pytest.raises(TypeError):
        int(mx.array(2 + 1j))
    with pytest.raises(TypeError):
        float(mx.array(2 + 1j))


@pytest.mark.parametrize("conv", [int, float, complex, bool])
def test_scalar_conversion_of_many_elements_raises(conv):
    with pytest.raises(ValueError):
        conv(mx.array([1, 2]))
    with pytest.raises(ValueError):
        conv(mx.zeros((0,)))


def test_numpy_dimension_beyond_int32_raises_overflow():
    big = np.broadcast_to(np.zeros(1, np.int8), (2**31,))
    with pytest.raises(OverflowError, match="32-bit"):
        mx.array(big)
    with pytest.raises(OverflowError, match="2147483648"):
        mx.asarray(big)
    # Just below the limit is allowed (shared, no copy of 2 GiB: a zero-stride view).
    ok = np.broadcast_to(np.zeros(1, np.int8), (3, 2**20))
    assert mx.asarray(ok).shape == (3, 2**20)


@pytest.mark.parametrize("fn,npfn", [(mx.logical_and, np.logical_and), (mx.logical_or, np.logical_or)])
@pytest.mark.parametrize("arr,scalar", [
    (np.array([1, 0], np.int8), 300),
    (np.array([True, False]), 2**32),
    (np.array([0, 3], np.uint8), -1),
    (np.array([1.5, 0.0], np.float32), 2**70),
    (np.array([1, 0], np.int16), 0.5),
    (np.array([1, 0], np.int32), 0),
    (np.array([True, False]), 0.0),
])
def test_logical_ops_take_the_scalars_truth_value(fn, npfn, arr, scalar):
    a = mx.array(arr)
    expected = npfn(arr, bool(scalar)).tolist()
    assert fn(a, scalar).tolist() == expected
    assert fn(scalar, a).tolist() == expected
    assert fn(a, scalar).dtype == mx.bool_


def test_logical_ops_of_two_scalars():
    assert mx.logical_and(2, 3).item() is True
    assert mx.logical_or(0, 0.0).item() is False


def test_complex_matmul_overflow_gives_inf_plus_0j():
    a = mx.array([[1e20 + 0j]])
    r = (a @ a).tolist()[0][0]
    assert r.real == float("inf") and r.imag == 0.0
    big = mx.full((5, 5), 1e20 + 0j)
    r = np.array(big @ big)
    assert np.all(np.isposinf(r.real)) and np.all(r.imag == 0)


def test_complex_matmul_matches_numpy():
    rng = np.random.default_rng(0)
    for (m, k, n) in [(1, 1, 1), (3, 4, 5), (17, 33, 9)]:
        x = (rng.standard_normal((2, m, k)) + 1j * rng.standard_normal((2, m, k))).astype(np.complex64)
        y = (rng.standard_normal((k, n)) + 1j * rng.standard_normal((k, n))).astype(np.complex64)
        np.testing.assert_allclose(np.array(mx.array(x) @ mx.array(y)), x @ y, rtol=1e-4, atol=1e-4)
        # Transposed (column-major) operands.
        xt = np.ascontiguousarray(x.transpose(0, 2, 1))
        got = mx.swapaxes(mx.array(xt), 1, 2) @ mx.array(y)
        np.testing.assert_allclose(np.array(got), x @ y, rtol=1e-4, atol=1e-4)


def test_complex_matmul_inf_input_as_reference():
    # inf * (1+0j) has a nan imaginary part (inf * 0) in the reference too.
    b = mx.array([[float("inf") + 0j]])
    c = mx.array([[1 + 0j]])
    r = (b @ c).tolist()[0][0]
    assert r.real == float("inf")


def test_shape_argument_errors_name_the_argument():
    with pytest.raises(OverflowError, match=r"\[zeros\].*shape.*1099511627776"):
        mx.zeros((2**40, 2**20))
    with pytest.raises(OverflowError, match="shape"):
        mx.ones(2**31)
    with pytest.raises(TypeError, match=r"\[zeros\] Expected shape"):
        mx.zeros("ab")
    with pytest.raises(TypeError, match="float"):
        mx.zeros([2.5])
    with pytest.raises(OverflowError, match=r"\[reshape\]"):
        mx.reshape(mx.zeros(2), (2**33,))
    with pytest.raises(TypeError, match=r"\[broadcast_to\]"):
        mx.broadcast_to(mx.zeros(2), {"a": 1})
    with pytest.raises(TypeError, match=r"\[full\]"):
        mx.full(1.5, 1.0)
    assert mx.zeros(np.int64(3)).shape == (3,)
    assert mx.zeros([np.int32(2), 3]).shape == (2, 3)


def test_dtype_argument_errors_name_the_argument():
    a = mx.array([1])
    with pytest.raises(TypeError, match=r"\[astype\].*dtype.*'nope'"):
        a.astype("nope")
    with pytest.raises(TypeError, match=r"\[astype\]"):
        mx.astype(a, np.float32)
    with pytest.raises(TypeError, match=r"\[zeros\] Expected dtype"):
        mx.zeros((2,), dtype="float32")
    with pytest.raises(TypeError, match=r"\[arange\]"):
        mx.arange(3, dtype=int)
    with pytest.raises(TypeError, match=r"\[view\]"):
        a.view("int8")
    assert mx.zeros((2,), dtype=None).dtype == mx.float32
    assert mx.full((2,), 1, None).dtype == mx.int32


def test_complex_matmul_overflow_in_part_of_a_larger_product():
    # One overflowing entry among ordinary ones: the others still match NumPy.
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((6, 7)) + 1j * rng.standard_normal((6, 7))).astype(np.complex64)
    y = (rng.standard_normal((7, 5)) + 1j * rng.standard_normal((7, 5))).astype(np.complex64)
    x[2, :] = 1e20
    y[:, 3] = 1e20
    got = np.array(mx.array(x) @ mx.array(y))
    assert np.isposinf(got[2, 3].real) and got[2, 3].imag == 0
    ok = np.ones(got.shape, bool)
    ok[2, :] = False
    ok[:, 3] = False
    with np.errstate(over="ignore", invalid="ignore"):
        expected = x @ y
    np.testing.assert_allclose(got[ok], expected[ok], rtol=1e-4, atol=1e-3)


def test_axis_argument_errors_name_the_argument():
    a = mx.zeros((2, 3))
    with pytest.raises(TypeError, match=r"\[sum\] Expected axis"):
        mx.sum(a, axis=1.5)
    with pytest.raises(TypeError, match=r"\[mean\] Expected axis.*str"):
        a.mean(axis="0")
    with pytest.raises(TypeError, match=r"\[squeeze\]"):
        mx.squeeze(a, axis=[0.0])
    with pytest.raises(TypeError, match=r"\[expand_dims\]"):
        mx.expand_dims(a, "0")
    with pytest.raises(IndexError, match=r"\[max\]"):
        mx.max(a, axis=2**40)
    # Valid forms still work.
    assert mx.sum(a, axis=np.int64(1)).shape == (2,)
    assert mx.sum(a, axis=(0, 1)).shape == ()
    assert a.sum(axis=[1], keepdims=True).shape == (2, 1)
    assert mx.expand_dims(a, (0, 3)).shape == (1, 2, 3, 1)
