"""unique against NumPy and the reference's semantics: a static `size` (padding with
fill_value, truncation), index/inverse/counts, NaN and signed zeros, every dtype, gradients,
vmap; and, beyond the reference, unique without `size` (eager, raising inside transforms)."""

import numpy as np
import pytest

import mlx.core as mx

from helpers import ALL_DTYPE_NAMES, mx_from_np, sample, to_np


@pytest.mark.parametrize("dt", ALL_DTYPE_NAMES)
def test_unique_matches_numpy(dt):
    x = sample((6, 7), dt, low=-5, high=5, seed=1)
    a = mx_from_np(x, dt)
    ev, ei, einv, ec = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    einv = einv.reshape(x.shape)
    # Without size (beyond the reference): exactly the unique elements.
    v, i, inv, c = mx.unique(a, return_index=True, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(to_np(v), ev)
    assert v.dtype == a.dtype and i.dtype == mx.uint32 and inv.dtype == mx.uint32 and c.dtype == mx.int32
    np.testing.assert_array_equal(np.array(i), ei)
    np.testing.assert_array_equal(np.array(inv), einv)
    np.testing.assert_array_equal(np.array(c), ec)
    # With the exact size.
    v2, i2, inv2, c2 = mx.unique(a, len(ev), True, True, True)
    np.testing.assert_array_equal(to_np(v2), ev)
    np.testing.assert_array_equal(np.array(i2), ei)
    np.testing.assert_array_equal(np.array(inv2), einv)
    np.testing.assert_array_equal(np.array(c2), ec)


def test_padding_and_truncation():
    a = mx.array([2, 1, 2, 3, 1])
    assert mx.unique(a, 3).tolist() == [1, 2, 3]
    assert mx.unique(a, 5).tolist() == [1, 2, 3, 1, 1]
    v, i, inv, c = mx.unique(a, 4, True, True, True, fill_value=0)
    assert v.tolist() == [1, 2, 3, 0]
    assert i.tolist() == [1, 0, 3, 1]
    assert inv.tolist() == [1, 0, 1, 2, 0]
    assert c.tolist() == [2, 2, 1, 0]
    v, i, inv, c = mx.unique(mx.array([3, 1, 3, 5]), 2, True, True, True)
    assert v.tolist() == [1, 3] and i.tolist() == [1, 0] and inv.tolist() == [1, 0, 1, 1] and c.tolist() == [1, 2]
    v, i, inv, c = mx.unique(mx.array([3, 1, 3]), 0, True, True, True)
    assert v.shape == (0,) and i.shape == (0,) and inv.tolist() == [0, 0, 0] and c.shape == (0,)
    assert mx.unique(mx.array([1, 2]), 3, fill_value=2.5).tolist() == [1, 2, 2]
    assert mx.unique(mx.array([True, False, True]), 3, fill_value=False).tolist() == [False, True, False]
    assert mx.unique(mx.array([1.0, 2.0]), 3, fill_value=mx.array([7.0])).tolist() == [1.0, 2.0, 7.0]


def test_nan_and_signed_zero():
    nan = float("nan")
    # All NaNs are one unique element (numpy.unique's equal_nan=True; the reference keeps
    # each NaN apart).
    v, i, inv, c = mx.unique(mx.array([1.0, nan, 0.0, -0.0, nan, 2.0]), 6, True, True, True)
    got = np.array(v)
    np.testing.assert_array_equal(got[:3], [0.0, 1.0, 2.0])
    assert np.isnan(got[3]) and got[4] == 0.0 and got[5] == 0.0
    assert i.tolist() == [2, 0, 5, 1, 2, 2]
    assert inv.tolist() == [1, 3, 0, 0, 3, 2]
    assert c.tolist() == [2, 1, 1, 2, 0, 0]


def test_shapes_scalar_empty_and_non_contiguous():
    v, i, inv, c = mx.unique(mx.array(4), 2, True, True, True)
    assert v.tolist() == [4, 4] and i.tolist() == [0, 0] and inv.shape == () and c.tolist() == [1, 0]
    v, inv = mx.unique(mx.array([[3, 1], [3, 2]]), 4, return_inverse=True)
    assert v.tolist() == [1, 2, 3, 1] and inv.tolist() == [[2, 0], [2, 1]]
    v, c = mx.unique(mx.array([], mx.int32), 2, return_counts=True, fill_value=9)
    assert v.tolist() == [9, 9] and c.tolist() == [0, 0]
    assert mx.unique(mx.array([], mx.float32)).shape == (0,)
    x = sample((8, 9), "int32", low=-3, high=3, seed=2)
    a = mx.array(x)
    for view, nv in ((a.T, x.T), (a[::2, ::-3], x[::2, ::-3])):
        v, inv = mx.unique(view, return_inverse=True)
        ev, einv = np.unique(nv, return_inverse=True)
        np.testing.assert_array_equal(np.array(v), ev)
        np.testing.assert_array_equal(np.array(inv), einv.reshape(nv.shape))


def test_long_input():
    x = np.random.default_rng(3).integers(-1000, 1000, size=200_000).astype(np.float32)
    v, i, c = mx.unique(mx.array(x), return_index=True, return_counts=True)
    ev, ei, ec = np.unique(x, return_index=True, return_counts=True)
    np.testing.assert_array_equal(np.array(v), ev)
    np.testing.assert_array_equal(np.array(i), ei)
    np.testing.assert_array_equal(np.array(c), ec)


def test_errors():
    with pytest.raises(ValueError):
        mx.unique(mx.array([], mx.int32), 2)
    with pytest.raises(ValueError):
        mx.unique(mx.array([1, 2]), -1)
    with pytest.raises(ValueError):
        mx.unique(mx.array([1, 2]), 2, fill_value=mx.array([1, 2]))
    with pytest.raises(TypeError):
        mx.unique(mx.array([1, 2]), "3")


def test_grad_goes_to_first_occurrences():
    x = mx.array([1.0, 2.0, 1.0])
    assert mx.grad(lambda v: mx.unique(v, 2).sum())(x).tolist() == [1.0, 1.0, 0.0]
    # Padding without a fill value repeats the first unique element.
    assert mx.grad(lambda v: mx.unique(v, 4).sum())(x).tolist() == [3.0, 1.0, 0.0]
    assert mx.grad(lambda v: mx.unique(v, 1).sum())(x).tolist() == [1.0, 0.0, 0.0]
    gx, gf = mx.grad(lambda v, f: mx.unique(v, 4, fill_value=f).sum(), argnums=(0, 1))(x, mx.array(5.0))
    assert gx.tolist() == [1.0, 1.0, 0.0] and gf.item() == 2.0
    w = mx.array([1.0, 10.0, 100.0])
    g = mx.grad(lambda v: (mx.unique(v, 3, fill_value=0.0) * w).sum())(mx.array([3.0, 1.0, 3.0, 2.0]))
    assert g.tolist() == [100.0, 1.0, 0.0, 10.0]


def test_vmap_against_loop():
    x = sample((4, 9), "int32", low=0, high=4, seed=4)
    for in_axis in (0, 1):
        data = x if in_axis == 0 else x.T
        v, c = mx.vmap(lambda r: mx.unique(r, 5, return_counts=True), in_axes=in_axis)(mx.array(data))
        for row, gv, gc in zip(x, np.array(v), np.array(c)):
            ev, ec = np.unique(row, return_counts=True)
            k = len(ev)
            np.testing.assert_array_equal(gv[:k], ev)
            np.testing.assert_array_equal(gc[:k], ec)
            np.testing.assert_array_equal(gv[k:], ev[0])
            assert (gc[k:] == 0).all()
        inv = mx.vmap(lambda r: mx.unique(r, 6, return_inverse=True)[1], in_axes=in_axis)(mx.array(data))
        for row, ginv in zip(x, np.array(inv)):
            np.testing.assert_array_equal(ginv, np.unique(row, return_inverse=True)[1])


def test_without_size_raises_inside_transforms():
    with pytest.raises(ValueError, match="size"):
        mx.vmap(lambda r: mx.unique(r))(mx.array([[1, 2], [3, 3]]))
    with pytest.raises(ValueError, match="size"):
        mx.grad(lambda r: mx.unique(r).sum())(mx.array([1.0, 2.0]))
    # An array the transform does not trace is an ordinary array.
    c = mx.array([3, 1, 3])
    r = mx.vmap(lambda v: v + mx.unique(c).sum())(mx.array([1, 2]))
    assert r.tolist() == [5, 6]


def test_docstring():
    assert "size" in mx.unique.__doc__ and "Returns:" in mx.unique.__doc__
