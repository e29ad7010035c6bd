"""Foreign memory read safely: DLPack strides of every kind, memory not aligned to the item
size, bool bytes other than 0 and 1, empty views, and the copy rules of asarray.

NumPy is the oracle for values. Cases that read outside a buffer before their fix run in
a subprocess, so that a regression fails the test instead of taking the session down.
"""

import numpy as np
import pytest

import mlx.core as mx
from helpers import run_isolated

HERE = __import__("os").path.dirname(__import__("os").path.abspath(__file__))


def iso(code, prelude=""):
    """run_isolated with this directory importable and `prelude` run first."""
    head = f"import sys\nsys.path.insert(0, {HERE!r})\n{prelude}\n"
    return run_isolated(head + __import__("textwrap").dedent(code))


def np_cases():
    """NumPy arrays covering every strides case a DLPack or buffer import meets."""
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    return {
        "reversed": np.arange(5.0, dtype=np.float32)[::-1],
        "reversed_step7": np.arange(20, dtype=np.float32)[::-7],
        "reversed_rows": base[::-1],
        "reversed_cols": base[:, ::-1],
        "reversed_both": base[::-2, ::-3],
        "step2": base[:, ::2],
        "transposed": base.T,
        "transposed_reversed": base.T[::-1],
        "zero_stride": np.broadcast_to(np.float32(3), (2, 3)),
        "zero_stride_row": np.broadcast_to(np.arange(3, dtype=np.float32), (4, 3)),
        "zero_d": np.array(2.5, np.float32),
        "empty": np.zeros((0,), np.float32),
        "empty_2d": np.zeros((3, 0), np.float32),
        "empty_reversed": np.zeros((3, 0), np.float32)[::-1],
        "int64_reversed": np.arange(10, dtype=np.int64)[::-3],
        "bool_reversed": (np.arange(9) % 3 == 0)[::-1],
        "float16_cols": np.arange(12, dtype=np.float16).reshape(3, 4)[:, ::-1],
        "complex64_reversed": (np.arange(6) + 1j * np.arange(6)).astype(np.complex64)[::-2],
    }


CASES = np_cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_from_dlpack_numpy_every_strides_case(name):
    src = CASES[name]
    p = iso(f"""
        src = np_cases()[{name!r}]
        a = mx.from_dlpack(src)
        print(a.shape == src.shape, a.dtype == mx.array(src).dtype)
        print(np.array_equal(np.array(a), src))
        print(np.array_equal(np.array(a * 1), src * 1))
    """, "from test_safety_foreign import np_cases")
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["True", "True", "True", "True"], (src, p.stdout)


def test_from_dlpack_negative_strides_issue_cases():
    a = mx.from_dlpack(np.arange(5.0, dtype=np.float32)[::-1])
    assert a.tolist() == [4.0, 3.0, 2.0, 1.0, 0.0]
    b = mx.from_dlpack(np.arange(20, dtype=np.float32)[::-7])
    assert b.tolist() == np.arange(20, dtype=np.float32)[::-7].tolist()


@pytest.mark.parametrize("name", sorted(CASES))
def test_from_dlpack_torch_every_strides_case(name):
    torch = pytest.importorskip("torch")
    src = CASES[name]
    if src.strides and min(src.strides) < 0:
        t = torch.flip(torch.from_numpy(np.ascontiguousarray(src[tuple(slice(None, None, -1) for _ in src.shape)])),
                       dims=list(range(src.ndim)))
    else:
        t = torch.from_numpy(np.array(src))
    assert np.array_equal(np.array(mx.from_dlpack(t)), t.numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_from_dlpack_jax_every_strides_case(name):
    jnp = pytest.importorskip("jax.numpy")
    src = CASES[name]
    j = jnp.asarray(np.array(src))
    assert np.array_equal(np.array(mx.from_dlpack(j)), np.array(j))


# ---- memory not aligned to the item size -----------------------------------------------


UNALIGNED_DTYPES = [np.float32, np.float64, np.float16, np.int32, np.int64, np.uint16, np.complex64]


@pytest.mark.parametrize("dt", UNALIGNED_DTYPES)
def test_misaligned_numpy_memory_is_read_correctly(dt):
    p = iso(f"""
        dt = np.dtype({np.dtype(dt).str!r})
        raw = np.zeros(1 + 61 * dt.itemsize, np.uint8)
        raw[1:] = np.arange(61 * dt.itemsize, dtype=np.uint8)
        x = raw[1:].view(dt)
        assert x.ctypes.data % dt.itemsize != 0
        a = mx.asarray(x)
        print(np.array_equal(np.array(a), x, equal_nan=True))
        print(np.array_equal(np.array(a * 2), x * 2, equal_nan=True))
        print(np.array_equal(np.array(mx.array(x, dtype=a.dtype) + a), x + x, equal_nan=True))
        print(np.array_equal(np.array(mx.negative(a)), -x, equal_nan=True))
    """)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["True"] * 4


def test_misaligned_issue_case_and_copy_false():
    x = np.zeros(245, np.uint8)[1:].view(np.float32)
    assert (mx.asarray(x) * 2).tolist() == [0.0] * 61
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        mx.asarray(x, copy=False)


def test_misaligned_dlpack_capsule():
    # NumPy will not export unaligned memory through DLPack; a hand-made producer does.
    x = np.zeros(245, np.uint8)[1:].view(np.float32)
    x[:] = np.arange(61, dtype=np.float32)
    try:
        cap = x.__dlpack__()
    except BufferError:
        pytest.skip("this NumPy does not export unaligned memory")
    a = mx.from_dlpack(cap)
    assert (a * 2).tolist() == (x * 2).tolist()


# ---- bool bytes other than 0 and 1 -----------------------------------------------------


def bool_view_cases():
    return {
        "uint8": (mx.arange(4, dtype=mx.uint8), np.arange(4, dtype=np.uint8)),
        "int8": (mx.array([0, -1, 2, 0, -128], mx.int8), np.array([0, -1, 2, 0, -128], np.int8)),
        "uint16": (mx.array([0, 256, 3, 2**15], mx.uint16), np.array([0, 256, 3, 2**15], np.uint16)),
        "uint8_2d_strided": (mx.arange(24, dtype=mx.uint8).reshape(4, 6)[:, ::2] * 0 + mx.array([0, 2, 255], mx.uint8),
                             np.arange(24, dtype=np.uint8).reshape(4, 6)[:, ::2] * 0 + np.array([0, 2, 255], np.uint8)),
    }


@pytest.mark.parametrize("name", sorted(bool_view_cases()))
def test_bool_view_reads_nonzero_as_true_everywhere(name):
    p = iso(f"""
        a, n = bool_view_cases()[{name!r}]
        b, nb = a.view(mx.bool_), np.ascontiguousarray(n).view(np.bool_)
        checks = [
            b.tolist() == nb.tolist(),
            b.astype(mx.uint8).tolist() == nb.astype(np.uint8).tolist(),
            b.astype(mx.float32).tolist() == nb.astype(np.float32).tolist(),
            mx.sum(b).item() == nb.sum(),
            mx.any(b).item() == nb.any() and mx.all(b).item() == nb.all(),
            mx.logical_not(b).tolist() == np.logical_not(nb).tolist(),
            mx.logical_and(b, mx.array(True)).tolist() == nb.tolist(),
            mx.where(b, 1, 0).tolist() == np.where(nb, 1, 0).tolist(),
            mx.equal(b, mx.array(True)).tolist() == (nb == True).tolist(),
            (b + b).tolist() == (nb + nb).tolist(),
            mx.max(b).item() == nb.max(),
            np.array(b).view(np.uint8).max() <= 1,
        ]
        print(checks)
    """, "from test_safety_foreign import bool_view_cases")
    assert p.returncode == 0, p.stderr[-2000:]
    assert "False" not in p.stdout, p.stdout


def test_bool_view_issue_case():
    assert mx.arange(4, dtype=mx.uint8).view(mx.bool_).tolist() == [False, True, True, True]


# ---- empty views -----------------------------------------------------------------------


def test_empty_view_with_negative_strides():
    x = mx.arange(24.0).reshape(2, 3, 4)[::-1, :, :0]
    n = np.arange(24.0).reshape(2, 3, 4)[::-1, :, :0]
    assert x.tolist() == n.tolist()
    assert np.array(x).shape == (2, 3, 0)
    assert memoryview(x).shape == (2, 3, 0)
    assert mx.arange(6.0).reshape(2, 3)[::-1][:0].tolist() == []
    assert mx.zeros((0, 3))[:, ::-1].tolist() == []


# ---- asarray / from_dlpack / buffer protocol: copy rules -------------------------------


def test_asarray_copy_false_raises_where_a_copy_is_needed():
    for make in (lambda: mx.asarray(mx.array([1, 2]), dtype=mx.float32, copy=False),
                 lambda: mx.asarray([1, 2], copy=False),
                 lambda: mx.asarray(3, copy=False),
                 lambda: mx.asarray(np.array([1 + 2j]), copy=False),
                 lambda: mx.from_dlpack(np.array([1 + 2j]), copy=False),
                 lambda: mx.from_dlpack(np.arange(4, dtype=np.uint8).view(np.bool_), copy=False),
                 lambda: mx.asarray(np.arange(4, dtype=np.uint8).view(np.bool_), copy=False)):
        with pytest.raises(ValueError, match="Unable to avoid copy"):
            make()


def test_asarray_copy_false_shares_numpy_memory():
    x = np.arange(4, dtype=np.float32)
    a = mx.asarray(x, copy=False)
    x[0] = 7
    assert a[0].item() == 7
    b = mx.asarray(mx.array([1, 2]), copy=False)
    assert b.tolist() == [1, 2]


@pytest.mark.parametrize("make", [lambda x: mx.asarray(x), lambda x: mx.asarray(x, copy=False),
                                  lambda x: mx.from_dlpack(x), lambda x: mx.from_dlpack(x, copy=True)])
def test_float64_numpy_input_keeps_float64(make):
    x = np.arange(3.0)
    a = make(x)
    assert a.dtype == mx.float64
    assert a.tolist() == [0.0, 1.0, 2.0]


def test_bfloat16_numpy_export_keeps_ml_dtypes():
    # memoryview(a) stays a BufferError (docs/differences.md): a "bfloat16" buffer format
    # would make np.array(a) fail before it reaches __array__.
    ml_dtypes = pytest.importorskip("ml_dtypes")
    a = mx.array([1.5, -2.0, 3.0], mx.bfloat16)
    n = np.array(a)
    assert n.dtype == ml_dtypes.bfloat16
    assert n.astype(np.float32).tolist() == [1.5, -2.0, 3.0]
    with pytest.raises(BufferError):
        memoryview(a)
