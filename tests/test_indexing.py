"""Basic indexing (ints, negative ints, slices with steps, None, Ellipsis,
tuples) against NumPy; results are views; bad indices raise.

Deliberate difference: an out-of-range integer index raises IndexError (the
reference returns garbage or crashes), see docs/differences.md."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, assert_array_equal, mxdt, run_isolated, sample, to_np

X = np.arange(4 * 5 * 6, dtype=np.int32).reshape(4, 5, 6)

E = Ellipsis
INDICES = [
    0, 3, -1, -4,
    slice(None), slice(1, 3), slice(None, None, 2), slice(None, None, -1), slice(3, 0, -2),
    slice(-3, None), slice(100, None), slice(None, -100), slice(-100, 100), slice(2, 2),
    slice(1, None, 3), slice(None, None, -3), slice(-1, -5, -1),
    (1, 2), (1, 2, 3), (-1, -1, -1), (0, slice(None), 2), (slice(None), 1),
    (slice(1, 3), slice(None, None, -1), slice(0, 6, 4)),
    None, (None, 0), (0, None), (None, E, None), (E, None), (slice(None), None, slice(None)),
    E, (E, 0), (0, E), (E, 1, 2), (1, E, 2), (E, slice(None, None, -2)),
    (None, 1, E, None, slice(1, None)), (), (E,), (slice(None), slice(None), slice(None)),
    (np.int64(2),), (2, np.int32(-1)),
]


@pytest.mark.parametrize("idx", INDICES, ids=[repr(i) for i in INDICES])
def test_basic_indexing(idx):
    a = mx.array(X)
    r = a[idx]
    expected = X[idx]
    assert isinstance(r, mx.array)
    assert r.dtype == mx.int32
    assert r.shape == expected.shape
    np.testing.assert_array_equal(np.array(r), expected)


@pytest.mark.parametrize("idx", [(1,), (slice(None, None, -1), 2), (E, slice(1, None, 2))],
                         ids=repr)
def test_indexing_non_contiguous_source(idx):
    x = X.transpose(2, 0, 1)[::-1, 1:, ::2]
    a = mx.array(X).transpose(2, 0, 1)[::-1, 1:, ::2]
    np.testing.assert_array_equal(np.array(a), x)
    np.testing.assert_array_equal(np.array(a[idx]), x[idx])


def test_chained_indexing():
    a = mx.array(X)
    np.testing.assert_array_equal(np.array(a[1][2][3]), X[1][2][3])
    np.testing.assert_array_equal(np.array(a[::-1][1:][::2]), X[::-1][1:][::2])
    np.testing.assert_array_equal(np.array(a[..., 1:][0]), X[..., 1:][0])
    assert a[1, 2, 3].item() == X[1, 2, 3]


def test_index_zero_d_and_empty():
    s = mx.array(3)
    assert s[...].shape == ()
    assert s[None].shape == (1,)
    assert s[()].shape == ()
    e = mx.zeros((0, 3))
    assert e[:, 1].shape == (0,)
    assert e[1:].shape == (0, 3)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_indexing_every_dtype(name):
    x = sample((3, 4), name)
    a = mx.array(x, dtype=mxdt(name))
    for idx in [1, -1, (slice(None), 2), (slice(None, None, -1), slice(1, None, 2)), (None, E, 0)]:
        r = a[idx]
        assert r.dtype == mxdt(name)
        np.testing.assert_array_equal(to_np(r), x[idx])


def test_indexing_results_compute_like_arrays():
    a = mx.array(X.astype(np.float32))
    r = a[1:, ::-2] * 2 + a[:3, ::2]
    np.testing.assert_array_equal(np.array(r), X[1:, ::-2] * 2 + X[:3, ::2])
    assert mx.sum(a[:, 0]).item() == X[:, 0].sum()


def test_int_like_index_objects():
    a = mx.arange(10)
    assert a[np.int64(2)].item() == 2

    class Idx:
        def __index__(self):
            return 7

    assert a[Idx()].item() == 7


# ---------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------

def test_slice_is_view_of_evaluated_array():
    a = mx.arange(10)
    mx.eval(a)
    v = a[2:8:2]
    nv = np.array(v, copy=False)
    assert not nv.flags.owndata
    assert nv.strides == (8,)
    nv[0] = 100
    assert v.tolist() == [100, 4, 6]
    assert a[2].item() == 100


def test_negative_step_view_strides():
    a = mx.arange(4)
    e = a[::-1]
    ne = np.array(e, copy=False)
    assert ne.strides == (-4,)
    ne[0] = -5
    assert a.tolist() == [0, 1, 2, -5]


def test_transpose_view_writes_through():
    b = mx.arange(12).reshape(3, 4)
    mx.eval(b)
    c = b.T
    nc = np.array(c, copy=False)
    assert nc.strides == (4, 16)
    nc[0, 1] = -1
    assert b[1, 0].item() == -1


def test_view_shares_memory_with_base():
    # (the reference copies for a plain integer index such as a[1]; openmlx
    # returns a view for every basic index)
    a = mx.arange(24).reshape(4, 6)
    mx.eval(a)
    base = np.array(a, copy=False)
    for v in (a[1], a[:, 2], a[::2, 1::3], a[..., ::-1], a[None, 2]):
        assert np.shares_memory(base, np.array(v, copy=False))


# ---------------------------------------------------------------------------
# bad indices
# ---------------------------------------------------------------------------

def test_out_of_range_int_raises_index_error():
    # Run in a subprocess: the reference crashes on these, and a regression
    # must not take the test session down with it.
    p = run_isolated("""
        cases = [
            (lambda: mx.arange(5)[5]),
            (lambda: mx.arange(5)[-6]),
            (lambda: mx.arange(5)[100]),
            (lambda: mx.zeros((2, 3))[2]),
            (lambda: mx.zeros((2, 3))[0, 3]),
            (lambda: mx.zeros((2, 3))[:, -4]),
            (lambda: mx.zeros((2, 3))[..., 3]),
            (lambda: mx.zeros((0,))[0]),
        ]
        for f in cases:
            try:
                r = f()
                mx.eval(r)
                print("no-error")
            except IndexError:
                print("IndexError")
            except Exception as e:
                print(type(e).__name__)
    """)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["IndexError"] * 8


def test_zero_step_raises():
    p = run_isolated("""
        try:
            mx.eval(mx.arange(5)[::0])
            print("no-error")
        except ValueError:
            print("ValueError")
    """)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "ValueError"


@pytest.mark.parametrize("idx", [(1, 1, 1), (0, 0, 0, 0)], ids=repr)
def test_too_many_indices(idx):
    with pytest.raises(ValueError):
        mx.arange(6).reshape(2, 3)[idx]


def test_zero_d_int_index_raises():
    with pytest.raises(ValueError):
        mx.array(3)[0]


def test_two_ellipses_raises():
    with pytest.raises(ValueError):
        mx.arange(6).reshape(2, 3)[..., ...]


@pytest.mark.parametrize("idx", [1.5, "a", True], ids=repr)
def test_bad_index_type(idx):
    with pytest.raises(ValueError):
        mx.arange(5)[idx]
