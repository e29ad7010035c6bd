"""Read-only producers stay read-only through every export.

An array that shares memory with a read-only producer (a NumPy array with
writeable=False, a memory-mapped file opened read-only, bytes, a read-only DLPack
capsule) must not hand that memory to anyone as writable: the buffer protocol reports
it read-only, DLPack marks it read-only or gives a copy, and a write in the consumer
raises (or lands in a copy) instead of changing the producer.
"""

import numpy as np
import pytest

import mlx.core as mx
from helpers import run_isolated

try:
    import torch
except ImportError:  # CI installs torch; the torch tests run there
    torch = None


def readonly_numpy():
    a = np.arange(4.0)
    a.flags.writeable = False
    return a


def readonly_sources(tmp_path):
    """(name, producer, expected values) for each kind of read-only producer."""
    out = [("numpy", readonly_numpy(), [0.0, 1.0, 2.0, 3.0])]
    b = np.arange(4, dtype=np.float32).tobytes()
    out.append(("memoryview(bytes)", memoryview(b).cast("f"), [0.0, 1.0, 2.0, 3.0]))
    out.append(("frombuffer(bytes)", np.frombuffer(b, np.float32), [0.0, 1.0, 2.0, 3.0]))
    return out


@pytest.fixture(params=["numpy", "memoryview(bytes)", "frombuffer(bytes)"])
def source(request, tmp_path):
    for name, prod, vals in readonly_sources(tmp_path):
        if name == request.param:
            return prod, vals
    raise AssertionError(request.param)


def assert_unchanged(prod, vals):
    assert np.asarray(prod).tolist() == vals


def test_memory_mapped_file_is_never_written(tmp_path):
    # A write into a read-only memory map crashes the process: run it isolated, so that
    # a regression cannot take the session down. Every export path is tried.
    path = tmp_path / "a.npy"
    np.save(path, np.arange(4.0))
    p = run_isolated(f"""
        try:
            import torch
        except ImportError:
            torch = None
        m = np.load({str(path)!r}, mmap_mode="r")
        x = mx.asarray(m)
        assert np.shares_memory(np.asarray(x), m)
        assert memoryview(x).readonly
        for v in (np.asarray(x), np.array(x, copy=False), x.__array__(), x[1:].__array__(),
                  np.from_dlpack(x, copy=False)):
            try:
                v[0] = 99
                print("written")
            except ValueError:
                pass
        for v in (np.from_dlpack(x), np.array(x)):
            v[0] = 99
        if torch is not None:
            torch.from_dlpack(x)[0] = 99
            torch.utils.dlpack.from_dlpack(x.__dlpack__())[0] = 99
        print(m.tolist(), x.tolist())
    """)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split("\n")[0] == "[0.0, 1.0, 2.0, 3.0] [0.0, 1.0, 2.0, 3.0]"


def test_issue_example():
    a = readonly_numpy()
    v = np.array(mx.asarray(a), copy=False)
    with pytest.raises(ValueError, match="read-only"):
        v[0] = 99
    assert a[0] == 0


def test_import_shares_memory(source):
    prod, vals = source
    x = mx.asarray(prod)
    assert x.tolist() == vals
    assert np.shares_memory(np.asarray(x), np.asarray(prod))


def test_memoryview_is_readonly(source):
    prod, vals = source
    x = mx.asarray(prod)
    m = memoryview(x)
    assert m.readonly
    with pytest.raises(TypeError):
        m[0] = 99.0
    assert_unchanged(prod, vals)


def get_buffer(obj, flags):
    """PyObject_GetBuffer(obj, flags), released at once; raises what it raises."""
    import ctypes

    class PyBuffer(ctypes.Structure):
        _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p), ("len", ctypes.c_ssize_t),
                    ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                    ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                    ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]

    view = PyBuffer()
    get = ctypes.pythonapi.PyObject_GetBuffer
    get.argtypes = [ctypes.py_object, ctypes.POINTER(PyBuffer), ctypes.c_int]
    get.restype = ctypes.c_int
    release = ctypes.pythonapi.PyBuffer_Release
    release.argtypes = [ctypes.POINTER(PyBuffer)]
    assert get(obj, ctypes.byref(view), flags) == 0
    readonly = view.readonly
    release(ctypes.byref(view))
    return readonly


PyBUF_WRITABLE, PyBUF_RECORDS_RO = 0x0001, 0x001C


def test_writable_buffer_request_raises(source):
    prod, vals = source
    x = mx.asarray(prod)
    assert get_buffer(x, PyBUF_RECORDS_RO) == 1
    with pytest.raises(BufferError, match="read-only"):
        get_buffer(x, PyBUF_RECORDS_RO | PyBUF_WRITABLE)
    assert get_buffer(mx.array(x), PyBUF_RECORDS_RO | PyBUF_WRITABLE) == 0
    assert_unchanged(prod, vals)


@pytest.mark.parametrize("export", ["np.array(copy=False)", "np.asarray", "__array__", "__array__(copy=None)"])
def test_numpy_exports_are_readonly(source, export):
    prod, vals = source
    x = mx.asarray(prod)
    v = {
        "np.array(copy=False)": lambda: np.array(x, copy=False),
        "np.asarray": lambda: np.asarray(x),
        "__array__": lambda: x.__array__(),
        "__array__(copy=None)": lambda: x.__array__(copy=None),
    }[export]()
    assert not v.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        v[0] = 99
    assert_unchanged(prod, vals)


def test_numpy_copies_are_writable(source):
    prod, vals = source
    x = mx.asarray(prod)
    for v in (np.array(x), x.__array__(copy=True), np.array(x, copy=True)):
        v[0] = 99
    assert_unchanged(prod, vals)


def test_np_from_dlpack_never_writes_the_producer(source):
    prod, vals = source
    x = mx.asarray(prod)
    # Default: the producer may copy, and does (consumers may ignore a read-only flag).
    v = np.from_dlpack(x)
    v[...] = 99
    assert_unchanged(prod, vals)
    # copy=False: shared, marked read-only in the versioned capsule.
    w = np.from_dlpack(x, copy=False)
    assert np.shares_memory(w, np.asarray(prod))
    assert not w.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        w[0] = 99
    assert_unchanged(prod, vals)


def test_dlpack_capsules_of_readonly_memory():
    x = mx.asarray(readonly_numpy())
    # A legacy capsule cannot say read-only: shared only never, copy=False refuses.
    with pytest.raises(BufferError):
        x.__dlpack__(copy=False)
    assert "dltensor" in repr(x.__dlpack__())
    assert "dltensor_versioned" in repr(x.__dlpack__(max_version=(1, 0), copy=False))


def test_mx_from_dlpack_of_readonly_keeps_flag():
    a = readonly_numpy()
    # NumPy's versioned capsule of a read-only array carries the read-only flag.
    x = mx.from_dlpack(a)
    assert np.shares_memory(np.asarray(x), a)
    v = np.asarray(x)
    assert not v.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        v[0] = 99
    assert memoryview(x).readonly
    assert a.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_views_share_the_flag_and_new_results_are_writable():
    a = np.arange(12.0).reshape(3, 4)
    a.flags.writeable = False
    x = mx.asarray(a)
    for v in (x.reshape(4, 3), x[1:, ::2], x.T, x[0], mx.transpose(x), mx.reshape(x, (-1,)), x[None]):
        n = np.asarray(v)
        assert np.shares_memory(n, a)
        assert not n.flags.writeable
        assert memoryview(v).readonly
    for r in (x + 1, x * 2, mx.exp(x), mx.array(x), mx.asarray(x, copy=True), mx.sum(x, axis=0), x.astype(mx.float32)):
        n = np.asarray(r)
        assert not np.shares_memory(n, a)
        assert n.flags.writeable
        assert not memoryview(r).readonly
    assert a.tolist() == np.arange(12.0).reshape(3, 4).tolist()


def test_writable_producers_stay_writable():
    a = np.arange(4.0)
    x = mx.asarray(a)
    v = np.asarray(x)
    assert v.flags.writeable and not memoryview(x).readonly
    v[0] = 5
    assert a[0] == 5


# ---------------------------------------------------------------------------
# PyTorch (ignores DLPack's read-only flag: it must get a copy)
# ---------------------------------------------------------------------------

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


@needs_torch
def test_torch_from_dlpack_never_writes_the_producer(source):
    prod, vals = source
    x = mx.asarray(prod)
    t = torch.from_dlpack(x)
    assert t.tolist() == vals
    t[0] = 99
    assert_unchanged(prod, vals)
    assert x.tolist() == vals


@needs_torch
def test_torch_legacy_capsule_never_writes_the_producer(source):
    prod, vals = source
    x = mx.asarray(prod)
    t = torch.utils.dlpack.from_dlpack(x.__dlpack__())
    t[0] = 99
    assert_unchanged(prod, vals)


@needs_torch
def test_writable_mx_arrays_still_share_with_torch():
    x = mx.arange(4.0)
    t = torch.from_dlpack(x)
    t[0] = 7
    assert x.tolist()[0] == 7
