"""Kernels past 2**31 elements: every element count, loop index and offset is 64-bit.

Each test holds at most about 3 GB (int8 / bool data: one byte per element) and frees it
before returning. The shapes are the smallest that pass 2**31 elements with 32-bit
dimensions: (2, 2**30 + 1). Values are checked at the corners and in the middle of the
second row, where a 32-bit count or offset would wrap.
"""

import gc

import numpy as np
import pytest

import mlx.core as mx

COLS = 2**30 + 1
SHAPE = (2, COLS)  # 2**31 + 2 elements
N = 2 * COLS
# Positions where a 32-bit element offset would be wrong (beyond 2**31 in the second row).
PROBES = [(0, 0), (0, COLS - 1), (1, 0), (1, 2**29), (1, COLS - 2), (1, COLS - 1)]


@pytest.fixture(autouse=True)
def _free():
    yield
    gc.collect()
    mx.clear_cache()


def probe(x):
    return [x[i, j].item() for i, j in PROBES]


def big_scalar(v, dtype=mx.int8):
    return mx.broadcast_to(mx.array(v, dtype), SHAPE)


# ---- fill ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [mx.int8, mx.bool_])
def test_ones_and_full(dtype):
    x = mx.ones(SHAPE, dtype)
    mx.eval(x)
    assert x.size == N
    assert probe(x) == [1] * len(PROBES)
    del x
    x = mx.full(SHAPE, 2 if dtype != mx.bool_ else True, dtype)
    want = 2 if dtype != mx.bool_ else True
    assert probe(x) == [want] * len(PROBES)
    del x


def test_zeros_reuse_cached_buffer():
    # A buffer that held other values comes back from the cache: zeros must write it.
    # (Written through a broadcast row: runs of COLS elements, a path that never wrapped.)
    x = mx.contiguous(mx.broadcast_to(mx.full((1, COLS), 7, mx.int8), SHAPE))
    assert x[1, COLS - 1].item() == 7
    del x
    z = mx.zeros(SHAPE, mx.int8)
    assert probe(z) == [0] * len(PROBES)


# ---- copy / astype ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [mx.uint8, mx.bool_])
def test_astype_of_broadcast_scalar(dtype):
    y = big_scalar(-3).astype(dtype)
    want = np.array(-3, np.int8).astype({mx.uint8: np.uint8, mx.bool_: np.bool_, mx.int8: np.int8}[dtype]).item()
    assert probe(y) == [want] * len(PROBES)


def test_copy_of_broadcast_scalar():
    y = mx.array(big_scalar(5))
    assert probe(y) == [5] * len(PROBES)


def test_copy_of_broadcast_row():
    # A broadcast row: runs of COLS elements, offsets past 2**31 in the output.
    row = mx.arange(COLS, dtype=mx.int8)
    y = mx.contiguous(mx.broadcast_to(row, SHAPE))
    want = [np.int8(j % 256 - 256 if j % 256 > 127 else j % 256).item() for _, j in PROBES]
    assert probe(y) == want


# ---- unary / binary / where ------------------------------------------------------------


def test_unary_of_broadcast_scalar():
    assert probe(mx.negative(big_scalar(3))) == [-3] * len(PROBES)
    assert probe(mx.logical_not(big_scalar(False, mx.bool_))) == [True] * len(PROBES)
    assert probe(mx.abs(big_scalar(-4))) == [4] * len(PROBES)


def test_binary_of_broadcast_scalars():
    a = big_scalar(3)
    assert probe(a + mx.array(1, mx.int8)) == [4] * len(PROBES)
    assert probe(mx.array(2, mx.int8) * a) == [6] * len(PROBES)
    assert probe(a + big_scalar(5)) == [8] * len(PROBES)
    assert probe(mx.equal(a, mx.array(3, mx.int8))) == [True] * len(PROBES)


def test_binary_row_plus_column():
    row = mx.broadcast_to(mx.array([[1]], mx.int8), (1, COLS))
    col = mx.array([[10], [20]], mx.int8)
    y = row + col
    assert y.shape == SHAPE
    assert probe(y) == [11 if i == 0 else 21 for i, _ in PROBES]


def test_where_of_broadcasts():
    c = big_scalar(True, mx.bool_)
    y = mx.where(c, mx.array(4, mx.int8), mx.array(9, mx.int8))
    assert probe(y) == [4] * len(PROBES)
    del y
    c = mx.broadcast_to(mx.array([[True], [False]]), SHAPE)
    y = mx.where(c, big_scalar(1), mx.array(2, mx.int8))
    assert probe(y) == [1 if i == 0 else 2 for i, _ in PROBES]


# ---- reductions and arg-reductions -----------------------------------------------------


def test_reductions_over_all_and_over_axes():
    # (sum and prod of int8 / bool cast the input to int32 first: 8 GB, beyond this file's
    # budget; max / min / arg-reductions read the int8 data itself.)
    x = mx.ones(SHAPE, mx.int8)
    x[1, COLS - 1] = 5  # slice update, far past 2**31
    x[0, 3] = -2
    assert mx.max(x).item() == 5
    assert mx.min(x).item() == -2
    assert mx.min(x, axis=1).tolist() == [-2, 1]
    assert mx.max(x, axis=0)[COLS - 1].item() == 5
    assert mx.argmax(x, axis=1).tolist() == [0, COLS - 1]
    assert mx.argmin(x, axis=1).tolist() == [3, 0]


def test_bool_reductions():
    x = mx.full(SHAPE, True, mx.bool_)
    assert mx.all(x).item() is True
    x[1, COLS - 1] = False
    assert mx.all(x).item() is False
    assert mx.all(x, axis=1).tolist() == [True, False]
    assert mx.min(x).item() is False
    del x
    y = mx.zeros(SHAPE, mx.bool_)
    y[1, 2**29] = True
    assert mx.any(y).item() is True
    assert mx.any(y, axis=1).tolist() == [False, True]
    assert mx.argmax(y, axis=1).tolist() == [0, 2**29]


def test_reduce_of_broadcast_input():
    # Another layout is copied (2 GB) with the reduced axes last, then reduced.
    assert mx.all(big_scalar(True, mx.bool_)).item() is True
    assert mx.max(big_scalar(3), axis=1).tolist() == [3, 3]
    assert mx.min(big_scalar(-3)).item() == -3


# ---- scan ------------------------------------------------------------------------------


def test_cumsum_and_cummax_along_long_rows():
    # A broadcast input is copied into the output and scanned there (2 GB in all).
    c = mx.cummax(big_scalar(1), axis=1)
    assert probe(c) == [1] * len(PROBES)
    del c
    y = mx.cumsum(big_scalar(1), axis=1)  # int8, as in the reference: wraps
    assert y.dtype == mx.int8
    assert probe(y) == [np.array(j + 1, np.int64).astype(np.int8).item() for _, j in PROBES]
    del y
    y = mx.cumsum(big_scalar(1), axis=1, inclusive=False, reverse=True)
    assert probe(y) == [np.array(COLS - 1 - j, np.int64).astype(np.int8).item() for _, j in PROBES]


# ---- gather / take / slicing -----------------------------------------------------------


def test_gather_take_and_slices():
    x = mx.zeros(SHAPE, mx.int8)
    x[1, COLS - 1] = 7
    x[1, 2**29] = 3
    assert x[1, COLS - 1].item() == 7
    assert x[1, -3:].tolist() == [0, 0, 7]
    assert x[1, 2**29 - 1: 2**29 + 2].tolist() == [0, 3, 0]
    assert x[:, :2**31].shape == SHAPE  # slice bounds past the axis clamp
    assert mx.take(x, mx.array([COLS - 1, 2**29]), axis=1).tolist() == [[0, 0], [7, 3]]
    assert x[mx.array([1, 1]), mx.array([COLS - 1, 2**29])].tolist() == [7, 3]
    assert mx.take_along_axis(x, mx.array([[0], [COLS - 1]]), axis=1).tolist() == [[0], [7]]
    with pytest.raises(IndexError):
        x[1, COLS]
    with pytest.raises(IndexError):
        x[1, 2**32]


def test_sort_of_a_strided_view_past_2_31():
    x = mx.zeros(SHAPE, mx.int8)
    x[1, ::2**20] = mx.arange(1025, 0, -1).astype(mx.int8)
    v = x[1, ::2**20]
    want = np.sort(np.arange(1025, 0, -1).astype(np.int8))
    assert mx.sort(v).tolist() == want.tolist()


# ---- scatter / slice update ------------------------------------------------------------


def test_scatter_and_slice_update():
    x = mx.zeros(SHAPE, mx.int8)
    x[1, COLS - 2:] = mx.array([4, 5], mx.int8)
    x[mx.array([1]), mx.array([2**29])] = 9
    x = x.at[mx.array([1, 1]), mx.array([COLS - 1, COLS - 1])].add(mx.array(10, mx.int8))
    x = x.at[mx.array([0]), mx.array([COLS - 1])].maximum(mx.array(6, mx.int8))
    assert probe(x) == [0, 6, 0, 9, 4, 25]


# ---- concatenate / pad / tile ----------------------------------------------------------


def test_concatenate_and_pad():
    a = mx.broadcast_to(mx.array(1, mx.int8), (1, COLS))
    b = mx.broadcast_to(mx.array(2, mx.int8), (1, COLS))
    y = mx.concatenate([a, b], axis=0)
    assert probe(y) == [1 if i == 0 else 2 for i, _ in PROBES]
    del y
    c = mx.broadcast_to(mx.array(1, mx.int8), (2, COLS - 1))
    y = mx.pad(c, ((0, 0), (0, 1)), constant_values=5)
    assert y.shape == SHAPE
    assert probe(y) == [1, 5, 1, 1, 1, 5]


def test_tile_and_repeat():
    y = mx.tile(mx.array([[1, 2]], mx.int8), (2, 2**29 + 1))
    assert y.shape == (2, 2**30 + 2)
    assert [y[1, 2**30 + 1].item(), y[1, 2**30].item(), y[0, 2**29 + 1].item()] == [2, 1, 2]
    del y
    y = mx.repeat(mx.array([[1, 2], [3, 4]], mx.int8), 2**29 + 1, axis=1)
    assert y.shape == (2, 2**30 + 2)
    assert [y[1, 2**29].item(), y[1, 2**29 + 1].item(), y[1, 2**30 + 1].item(), y[0, 0].item()] == [3, 4, 4, 1]


def test_flattening_ops_raise_overflow_error_past_2_31():
    # A flat axis would need a dimension past 2**31 - 1: a clean OverflowError, never a wrap.
    b = big_scalar(1)
    for f in (lambda: mx.argmax(b), lambda: b.flatten(), lambda: mx.cumsum(b), lambda: mx.sort(b, axis=None),
              lambda: b.reshape(-1)):
        with pytest.raises(OverflowError):
            f()
