"""mx.view / array.view: the same bytes read as another dtype (byte offsets in views)."""

import numpy as np
import pytest

import mlx.core as mx

PAIRS = [
    (np.float32, mx.float32, np.int32, mx.int32),
    (np.float32, mx.float32, np.uint8, mx.uint8),
    (np.int8, mx.int8, np.int32, mx.int32),
    (np.int8, mx.int8, np.int16, mx.int16),
    (np.int64, mx.int64, np.float64, mx.float64),
    (np.uint16, mx.uint16, np.float16, mx.float16),
    (np.int32, mx.int32, np.int64, mx.int64),
    (np.float64, mx.float64, np.int16, mx.int16),
]


@pytest.mark.parametrize("src_np,src,dst_np,dst", PAIRS)
def test_view_matches_numpy(src_np, src, dst_np, dst):
    x = np.arange(48).astype(src_np).reshape(3, 16)
    a = mx.array(x, dtype=src)
    out = a.view(dst)
    assert out.dtype == dst
    np.testing.assert_array_equal(np.array(out), x.view(dst_np))
    np.testing.assert_array_equal(np.array(mx.view(a, dst)), x.view(dst_np))


@pytest.mark.parametrize("src_np,src,dst_np,dst", PAIRS)
def test_view_of_sliced_and_transposed(src_np, src, dst_np, dst):
    x = np.arange(96).astype(src_np).reshape(6, 16)
    a = mx.array(x, dtype=src)
    # A slice with an offset, every other row: shared where the layout allows.
    np.testing.assert_array_equal(np.array(a[1::2].view(dst)), np.ascontiguousarray(x[1::2]).view(dst_np))
    np.testing.assert_array_equal(np.array(a[:, 8:].view(dst)), np.ascontiguousarray(x[:, 8:]).view(dst_np))
    # A transposed view has a strided last axis: copied first.
    t = x.T.copy()
    np.testing.assert_array_equal(np.array(a.T.view(dst)) if t.shape[-1] * t.itemsize % np.dtype(dst_np).itemsize == 0
                                  else np.array(a.T.view(src)), t.view(dst_np) if t.shape[-1] * t.itemsize % np.dtype(dst_np).itemsize == 0 else t)


def test_view_offsets_are_bytes():
    b = mx.arange(8, dtype=mx.int8)
    assert b[2:].view(mx.int16).tolist() == [770, 1284, 1798]
    assert b[1:7].view(mx.int16).tolist() == np.arange(8, dtype=np.int8)[1:7].view(np.int16).tolist()
    f = mx.arange(4, dtype=mx.float32)
    assert f.view(mx.int32).tolist() == [0, 1065353216, 1073741824, 1077936128]
    assert mx.array(1.0).view(mx.int32).item() == 1065353216
    assert mx.ones((2, 3)).view(mx.bool_).shape == (2, 12)


def test_view_errors():
    with pytest.raises(ValueError, match="larger dtype"):
        mx.arange(6, dtype=mx.int8).view(mx.int32)
    with pytest.raises(ValueError, match="scalar"):
        mx.array(1, mx.int8).view(mx.int32)
    with pytest.raises(ValueError, match="larger dtype"):
        mx.arange(12, dtype=mx.int8).reshape(3, 4).T.view(mx.int32)


def test_view_gradient_and_vmap():
    g = mx.grad(lambda x: mx.sum(x.view(mx.float32) * 2))(mx.ones(3))
    assert g.tolist() == [2.0, 2.0, 2.0]
    x = mx.arange(12, dtype=mx.int32).reshape(3, 4)
    out = mx.vmap(lambda r: r.view(mx.int16))(x)
    np.testing.assert_array_equal(np.array(out), np.arange(12, dtype=np.int32).reshape(3, 4).view(np.int16))
    out = mx.vmap(lambda r: r.view(mx.int16), in_axes=1)(x)
    np.testing.assert_array_equal(np.array(out), np.ascontiguousarray(np.arange(12, dtype=np.int32).reshape(3, 4).T).view(np.int16))


def test_view_shares_memory():
    x = np.arange(8, dtype=np.float32)
    a = mx.array(x)
    v = a.view(mx.int32)
    n = np.array(v, copy=False)
    n[0] = 1065353216
    assert a[0].item() == 1.0
