"""PyTorch interop: the page's example as written, plus DLPack both ways
(sharing memory), copies through mx.array, and float16/bfloat16 round trips."""

import numpy as np
import pytest

import mlx.core as mx

torch = pytest.importorskip("torch")


def test_page_example():
    a = mx.arange(3)
    b = torch.tensor(memoryview(a))
    c = mx.array(b.numpy())
    # torch reads a memoryview as a sequence of Python ints (-> int64)
    assert b.tolist() == [0, 1, 2]
    assert c.tolist() == [0, 1, 2]
    assert np.array(c).dtype == b.numpy().dtype


def test_memoryview_float_1d():
    a = mx.arange(3, dtype=mx.float32) / 2
    b = torch.tensor(memoryview(a))
    assert b.tolist() == [0.0, 0.5, 1.0]


def test_torch_from_dlpack_shares_memory():
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3)
    t = torch.from_dlpack(a)
    assert t.dtype == torch.float32 and tuple(t.shape) == (2, 3)
    assert t.tolist() == [[0, 1, 2], [3, 4, 5]]
    t[0, 0] = 42.0
    assert a[0, 0].item() == 42.0
    np.array(a, copy=False)[1, 2] = -1.0
    assert t[1, 2].item() == -1.0


def test_torch_from_dlpack_non_contiguous():
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3)
    t = torch.from_dlpack(a.T)
    assert tuple(t.shape) == (3, 2) and t.stride() == (1, 3)
    assert t.tolist() == [[0, 3], [1, 4], [2, 5]]
    r = torch.from_dlpack(mx.arange(10)[2:8:2])
    assert r.tolist() == [2, 4, 6]


def test_torch_from_dlpack_evaluates_lazy_arrays():
    t = torch.from_dlpack(mx.arange(3) * 2 + 1)
    assert t.tolist() == [1, 3, 5]


@pytest.mark.parametrize("mxdt, tdt", [
    ("bool_", "bool"), ("uint8", "uint8"), ("int8", "int8"), ("int16", "int16"),
    ("int32", "int32"), ("int64", "int64"), ("float16", "float16"),
    ("bfloat16", "bfloat16"), ("float32", "float32"), ("float64", "float64"),
    ("complex64", "complex64"),
])
def test_dlpack_dtypes_both_ways(mxdt, tdt):
    a = mx.array([[0, 1], [1, 0]], getattr(mx, mxdt))
    t = torch.from_dlpack(a)
    assert t.dtype == getattr(torch, tdt)
    assert t.to(torch.float64 if tdt != "complex64" else torch.complex128).tolist() == [[0, 1], [1, 0]]
    b = mx.from_dlpack(t)
    assert b.dtype == getattr(mx, mxdt)
    assert b.tolist() == a.tolist()


def test_mx_from_dlpack_shares_torch_memory():
    t = torch.arange(4, dtype=torch.float32)
    m = mx.from_dlpack(t)
    assert m.dtype == mx.float32
    t[0] = 9.0
    assert m[0].item() == 9.0
    assert m.tolist() == [9.0, 1.0, 2.0, 3.0]


def test_mx_asarray_shares_torch_memory():
    t = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    m = mx.asarray(t)
    assert m.dtype == mx.float64 and m.shape == (2, 3)
    t[1, 1] = -5.0
    assert m[1, 1].item() == -5.0
    m2 = mx.asarray(t, copy=False)
    t[0, 0] = 7.0
    assert m2[0, 0].item() == 7.0


def test_mx_from_dlpack_torch_non_contiguous():
    t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    m = mx.from_dlpack(t.T)
    assert m.shape == (4, 3)
    assert m.tolist() == t.T.tolist()
    m = mx.from_dlpack(t[:, ::2])
    assert m.tolist() == t[:, ::2].tolist()


def test_mx_array_copies_torch_tensor():
    t = torch.arange(3, dtype=torch.float32)
    m = mx.array(t)
    assert m.dtype == mx.float32
    t[0] = 100.0
    assert m.tolist() == [0.0, 1.0, 2.0]
    m = mx.array(torch.tensor([1, 2], dtype=torch.int16))
    assert m.dtype == mx.int16 and m.tolist() == [1, 2]


def test_float16_round_trip():
    vals = [0.5, -1.25, 3.0, 65504.0]
    a = mx.array(vals, mx.float16)
    t = torch.from_dlpack(a)
    assert t.dtype == torch.float16 and t.tolist() == vals
    b = mx.array(torch.tensor(vals, dtype=torch.float16))
    assert b.dtype == mx.float16 and b.tolist() == vals
    c = mx.from_dlpack(torch.tensor(vals, dtype=torch.float16))
    assert c.dtype == mx.float16 and c.tolist() == vals


def test_bfloat16_round_trip():
    vals = [0.5, -1.25, 3.0, 1.0e30]
    a = mx.array(vals, mx.bfloat16)
    t = torch.from_dlpack(a)
    assert t.dtype == torch.bfloat16
    expected = torch.tensor(vals, dtype=torch.bfloat16)
    assert torch.equal(t, expected)
    b = mx.array(expected)
    assert b.dtype == mx.bfloat16
    assert b.tolist() == a.tolist()
    c = mx.from_dlpack(expected)
    assert c.dtype == mx.bfloat16 and c.tolist() == a.tolist()
    # bit-exact through the round trip
    assert torch.equal(torch.from_dlpack(mx.from_dlpack(expected)).view(torch.int16),
                       expected.view(torch.int16))


def test_torch_results_match_mx():
    x = np.random.default_rng(0).standard_normal((8, 5)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    r_mx = mx.tanh(mx.array(x) @ mx.array(w))
    r_t = torch.tanh(torch.from_numpy(x) @ torch.from_numpy(w))
    np.testing.assert_allclose(np.array(r_mx), r_t.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(torch.from_dlpack(r_mx).numpy(), r_t.numpy(), rtol=1e-5, atol=1e-6)
