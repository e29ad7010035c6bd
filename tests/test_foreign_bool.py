"""bool data imported from foreign memory may hold bytes other than 0 and 1 (a uint8
array viewed as bool). Such data is normalized when it comes in, so kernels only ever
see 0 and 1 and every op agrees with NumPy's reading (any non-zero byte is True)."""

import numpy as np
import pytest

import mlx.core as mx

BYTES = np.array([0, 1, 2, 255, 0, 128, 1, 7], dtype=np.uint8)


def dirty_bool():
    return BYTES.view(np.bool_)


def as_truth(x):
    return [bool(v) for v in np.asarray(x).view(np.uint8)]


IMPORTS = {
    "asarray": lambda b: mx.asarray(b),
    "asarray_copy": lambda b: mx.asarray(b, copy=True),
    "array": lambda b: mx.array(b),
    "from_dlpack": lambda b: mx.from_dlpack(b),
    "from_dlpack_copy": lambda b: mx.from_dlpack(b, copy=True),
    "strided": lambda b: mx.asarray(b[::2]),
    "memoryview": lambda b: mx.asarray(memoryview(b)),
}


@pytest.mark.parametrize("how", list(IMPORTS))
def test_imported_bools_hold_only_0_and_1(how):
    b = dirty_bool()
    x = IMPORTS[how](b)
    want = b[::2] if how == "strided" else b
    # The raw bytes behind the array are 0/1 only.
    raw = np.asarray(x).view(np.uint8)
    assert set(raw.tolist()) <= {0, 1}
    assert raw.tolist() == [int(v) for v in as_truth(want)]


@pytest.mark.parametrize("how", list(IMPORTS))
def test_ops_on_imported_bools_match_numpy(how):
    b = dirty_bool()
    x = IMPORTS[how](b)
    want = np.array([bool(v) for v in (BYTES[::2] if how == "strided" else BYTES)])
    assert mx.logical_not(x).tolist() == np.logical_not(want).tolist()
    assert mx.sum(x).item() == int(want.sum())
    assert (x == mx.array(True)).tolist() == (want == True).tolist()  # noqa: E712
    assert (x == mx.ones(x.shape, mx.bool_)).tolist() == want.tolist()
    assert x.astype(mx.int32).tolist() == want.astype(np.int32).tolist()
    assert mx.logical_and(x, x).tolist() == want.tolist()
    assert x.tolist() == want.tolist()
    assert mx.max(x).item() == bool(want.max()) and mx.min(x).item() == bool(want.min())


def test_clean_bools_are_still_shared():
    b = np.array([True, False, True])
    x = mx.asarray(b)
    assert np.shares_memory(np.asarray(x), b)
    y = mx.from_dlpack(b)
    assert np.shares_memory(np.asarray(y), b)


def test_dirty_bools_with_copy_false():
    with pytest.raises(ValueError, match="0 and 1"):
        mx.from_dlpack(dirty_bool(), copy=False)
    with pytest.raises(ValueError, match="0 and 1"):
        mx.asarray(dirty_bool(), copy=False)
    b = np.array([True, False])
    assert np.shares_memory(np.asarray(mx.asarray(b, copy=False)), b)
