"""NumPy interop: every example of the "Conversion to NumPy and Other
Frameworks" page run for real, the buffer protocol for every dtype, DLPack in
both directions, and openmlx's zero-copy imports (mx.asarray / mx.from_dlpack
share memory with the producer: a deliberate improvement over the reference,
see docs/differences.md)."""

import gc

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, NP_DTYPE, mxdt

# ---------------------------------------------------------------------------
# The page's examples, as written
# ---------------------------------------------------------------------------


def test_page_roundtrip_copies():
    a = mx.arange(3)
    b = np.array(a)  # copy of a
    c = mx.array(b)  # copy of b
    assert b.dtype == np.int32 and b.tolist() == [0, 1, 2]
    assert b.flags.owndata
    assert c.dtype == mx.int32 and c.tolist() == [0, 1, 2]
    b[0] = 42
    assert a[0].item() == 0 and c[0].item() == 0


def test_page_cast_bfloat16_first():
    a = mx.array([1.5, 2.0, -3.0], mx.bfloat16)
    for t in (mx.float32, mx.float16):
        n = np.array(a.astype(t))
        assert n.tolist() == [1.5, 2.0, -3.0]


def test_page_numpy_view(capsys):
    a = mx.arange(3)
    a_view = np.array(a, copy=False)
    print(a_view.flags.owndata)  # False
    a_view[0] = 1
    print(a[0].item())  # 1
    assert capsys.readouterr().out == "False\n1\n"


def test_page_gradient_caveat(capsys):
    def f(x):
        x_view = np.array(x, copy=False)
        x_view[:] *= x_view  # modify memory without telling mx
        return x.sum()

    x = mx.array([3.0])
    y, df = mx.value_and_grad(f)(x)
    print("f(x) = x² =", y.item())  # 9.0
    print("f'(x) = 2x !=", df.item())  # 1.0
    assert y.item() == 9.0
    assert df.item() == 1.0
    assert capsys.readouterr().out == "f(x) = x² = 9.0\nf'(x) = 2x != 1.0\n"


def test_gradient_caveat_write_reaches_callers_array():
    # The traced input shares the caller's memory (no copy is made for tracing), so the
    # write through the NumPy view reaches the caller's x, as in the reference.
    def f(x):
        x_view = np.array(x, copy=False)
        x_view[:] *= x_view
        return x.sum()

    x = mx.array([3.0])
    mx.value_and_grad(f)(x)
    assert x.tolist() == [9.0]


def test_page_conversion_has_zero_gradient():
    def f(x):
        return mx.array(np.array(x) ** 2).sum()

    x = mx.array([3.0])
    y, g = mx.value_and_grad(f)(x)
    assert y.item() == 9.0
    assert g.tolist() == [0.0]
    assert mx.grad(f)(mx.array([1.0, 2.0])).tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------
# mx -> NumPy: np.array / np.asarray / buffer protocol
# ---------------------------------------------------------------------------

NUMPY_DTYPES = [n for n in ALL_DTYPE_NAMES if n != "bfloat16"]
FORMATS = {"bool_": "?", "uint8": "B", "uint16": "H", "uint32": "I", "uint64": "Q",
           "int8": "b", "int16": "h", "int32": "i", "int64": "q", "float16": "e",
           "float32": "f", "float64": "d", "complex64": "Zf"}


@pytest.mark.parametrize("name", NUMPY_DTYPES)
def test_np_array_every_dtype(name):
    a = mx.array([[0, 1, 1], [1, 0, 1]], mxdt(name))
    n = np.array(a)
    assert n.dtype == np.dtype(NP_DTYPE[name])
    assert n.shape == (2, 3)
    np.testing.assert_array_equal(n, np.array([[0, 1, 1], [1, 0, 1]]).astype(NP_DTYPE[name]))
    assert np.asarray(a).dtype == n.dtype


@pytest.mark.parametrize("name", NUMPY_DTYPES)
def test_buffer_protocol_every_dtype(name):
    a = mx.zeros((2, 3), mxdt(name))
    m = memoryview(a)
    size = a.itemsize
    assert m.format == FORMATS[name]
    assert m.itemsize == size
    assert m.shape == (2, 3)
    assert m.strides == (3 * size, size)
    assert m.ndim == 2
    assert not m.readonly
    assert m.c_contiguous


def test_buffer_protocol_bfloat16_raises_clear_error():
    # NumPy, PyTorch and TensorFlow cannot read a bfloat16 PEP 3118 buffer; the
    # export refuses with a message that says what to do instead (the reference
    # exports an invalid format string "bfloat16"), see docs/differences.md.
    with pytest.raises(BufferError, match="astype"):
        memoryview(mx.zeros((2, 3), mx.bfloat16))


@pytest.mark.parametrize("make, shape, strides", [
    (lambda: mx.arange(12).reshape(3, 4)[:, ::2], (3, 2), (16, 8)),
    (lambda: mx.arange(12).reshape(3, 4)[::-1], (3, 4), (-16, 4)),
    (lambda: mx.arange(12).reshape(3, 4)[1:, 1:], (2, 3), (16, 4)),
    (lambda: mx.arange(6).reshape(2, 3).T, (3, 2), (4, 12)),
    (lambda: mx.broadcast_to(mx.array([1, 2]), (3, 2)), (3, 2), (0, 4)),
    (lambda: mx.array(3.0), (), ()),
    (lambda: mx.zeros((0, 3)), (0, 3), None),
], ids=["step", "reversed", "offset", "transposed", "broadcast", "scalar", "empty"])
def test_buffer_protocol_views(make, shape, strides):
    a = make()
    m = memoryview(a)
    assert m.shape == shape
    if strides is not None:
        assert m.strides == strides
    n = np.array(a)
    np.testing.assert_array_equal(n, np.array(a.tolist()).reshape(shape))


def test_transposed_view_is_not_c_contiguous():
    m = memoryview(mx.arange(6).reshape(2, 3).T)
    assert not m.c_contiguous


def test_numpy_view_of_non_contiguous_array():
    a = mx.arange(12).reshape(3, 4)
    mx.eval(a)
    v = a[::-1, 1:3]
    nv = np.array(v, copy=False)
    np.testing.assert_array_equal(nv, np.arange(12).reshape(3, 4)[::-1, 1:3])
    nv[0, 0] = -7
    assert a[2, 1].item() == -7


def test_export_evaluates_lazy_arrays():
    a = mx.arange(3) + 1
    assert np.array(a, copy=False).tolist() == [1, 2, 3]
    assert bytes(memoryview(mx.array([1, 2], mx.uint8) * 2)) == b"\x02\x04"


def test_numpy_ops_accept_arrays():
    a = mx.array([1.0, 4.0, 9.0])
    np.testing.assert_array_equal(np.sqrt(a), [1.0, 2.0, 3.0])
    assert np.sum(np.asarray(a)) == 14.0


def test_bfloat16_to_numpy_via_ml_dtypes():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    a = mx.array([1.5, 2.0, -3.25, 0.1], mx.bfloat16)
    n = np.array(a)
    assert n.dtype == ml_dtypes.bfloat16
    expected = np.array([1.5, 2.0, -3.25, 0.1], dtype=ml_dtypes.bfloat16)
    np.testing.assert_array_equal(n.view(np.uint16), expected.view(np.uint16))
    # and back, bit-exactly
    back = mx.array(n)
    assert back.dtype == mx.bfloat16
    assert back.tolist() == a.tolist()
    # non-contiguous bfloat16 views too
    t = mx.arange(6, dtype=mx.float32).astype(mx.bfloat16).reshape(2, 3).T
    np.testing.assert_array_equal(np.array(t).astype(np.float32), [[0, 3], [1, 4], [2, 5]])


# ---------------------------------------------------------------------------
# DLPack: mx -> NumPy
# ---------------------------------------------------------------------------

def test_dlpack_device():
    assert mx.arange(3).__dlpack_device__() == (1, 0)


def test_dlpack_capsules():
    a = mx.arange(3)
    assert 'dltensor"' in repr(a.__dlpack__())
    assert "dltensor" in repr(a.__dlpack__(stream=None))
    assert "dltensor_versioned" in repr(a.__dlpack__(max_version=(1, 0)))
    assert "dltensor" in repr(a.__dlpack__(dl_device=(1, 0), copy=False))


@pytest.mark.parametrize("name", NUMPY_DTYPES)
def test_np_from_dlpack_every_dtype(name):
    a = mx.array([[0, 1], [1, 1]], mxdt(name))
    n = np.from_dlpack(a)
    assert n.dtype == np.dtype(NP_DTYPE[name])
    np.testing.assert_array_equal(n, np.array([[0, 1], [1, 1]]).astype(NP_DTYPE[name]))


def test_np_from_dlpack_shares_memory():
    a = mx.arange(6).reshape(2, 3)
    n = np.from_dlpack(a)
    assert np.shares_memory(n, np.array(a, copy=False))
    v = np.from_dlpack(a.T)
    assert v.shape == (3, 2) and v.strides == (4, 12)
    assert np.shares_memory(v, np.array(a, copy=False))


# ---------------------------------------------------------------------------
# NumPy -> mx: mx.array copies; mx.asarray / mx.from_dlpack share
# ---------------------------------------------------------------------------

def test_mx_array_copies_numpy():
    x = np.arange(3.0)
    a = mx.array(x)
    assert a.dtype == mx.float32
    x[0] = 100
    assert a.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("convert", [
    lambda x: mx.asarray(x),
    lambda x: mx.asarray(x, copy=False),
    lambda x: mx.asarray(x, copy=None),
    lambda x: mx.from_dlpack(x),
    lambda x: mx.from_dlpack(x, copy=False),
], ids=["asarray", "asarray-copy-False", "asarray-copy-None", "from_dlpack", "from_dlpack-copy-False"])
def test_zero_copy_import_shares_memory(convert):
    x = np.arange(4.0)
    a = convert(x)
    assert a.dtype == mx.float64  # the producer's dtype is kept
    x[0] = 100.0
    assert a[0].item() == 100.0
    assert a.tolist() == [100.0, 1.0, 2.0, 3.0]
    assert np.shares_memory(np.array(a, copy=False), x)


@pytest.mark.parametrize("name", NUMPY_DTYPES)
def test_zero_copy_import_every_dtype(name):
    x = np.array([[0, 1, 0], [1, 1, 0]]).astype(NP_DTYPE[name])
    a = mx.asarray(x, copy=False)
    assert a.dtype == mxdt(name)
    assert a.shape == (2, 3)
    assert np.shares_memory(np.array(a, copy=False), x)
    np.testing.assert_array_equal(np.array(a), x)


def test_zero_copy_import_bfloat16():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16)
    a = mx.asarray(x)
    assert a.dtype == mx.bfloat16
    x[0] = 4.0
    assert a.tolist() == [4.0, -2.0]


def test_zero_copy_import_keeps_strides():
    x = np.arange(24.0).reshape(4, 6)
    v = x[1:, ::2]
    a = mx.asarray(v, copy=False)
    assert a.shape == (3, 3)
    np.testing.assert_array_equal(np.array(a), v)
    x[1, 0] = -1.0
    assert a[0, 0].item() == -1.0
    t = mx.from_dlpack(x.T)
    x[0, 1] = -2.0
    assert t[1, 0].item() == -2.0


def test_zero_copy_import_keeps_producer_alive():
    x = np.arange(5.0) * 3
    a = mx.asarray(x)
    del x
    gc.collect()
    _ = [np.ones(1000) for _ in range(50)]
    assert a.tolist() == [0.0, 3.0, 6.0, 9.0, 12.0]


def test_zero_copy_import_computes():
    x = np.linspace(0, 1, 7)
    a = mx.asarray(x)
    np.testing.assert_allclose(np.array(mx.exp(a) * 2), np.exp(x) * 2, rtol=1e-6)
    assert (a + 1).dtype == mx.float64


def test_asarray_copy_true_copies():
    x = np.arange(3.0)
    a = mx.asarray(x, copy=True)
    x[0] = 100
    assert a[0].item() == 0.0
    b = mx.from_dlpack(x, copy=True)
    x[1] = 100
    assert b[1].item() == 1.0


def test_asarray_copy_false_impossible_raises():
    with pytest.raises(ValueError):
        mx.asarray([1, 2], copy=False)
    with pytest.raises(ValueError):
        mx.asarray(3.0, copy=False)
    with pytest.raises(ValueError):
        mx.asarray(np.arange(3.0), dtype=mx.float32, copy=False)


def test_asarray_with_dtype_and_python_data():
    assert mx.asarray([1, 2]).dtype == mx.int32
    assert mx.asarray(3.0).dtype == mx.float32
    a = mx.asarray(np.arange(3), dtype=mx.float32)
    assert a.dtype == mx.float32 and a.tolist() == [0.0, 1.0, 2.0]
    b = mx.asarray(np.arange(3.0), dtype=mx.float64)
    assert b.dtype == mx.float64


def test_asarray_of_mx_array():
    a = mx.arange(3)
    assert mx.asarray(a).tolist() == [0, 1, 2]
    assert mx.asarray(a, copy=False).tolist() == [0, 1, 2]
    assert mx.asarray(a, dtype=mx.float32).dtype == mx.float32


def test_from_dlpack_rejects_non_dlpack():
    with pytest.raises(TypeError):
        mx.from_dlpack([1, 2])


def test_from_dlpack_of_mx_array():
    a = mx.arange(4)
    b = mx.from_dlpack(a)
    assert b.tolist() == [0, 1, 2, 3] and b.dtype == mx.int32
