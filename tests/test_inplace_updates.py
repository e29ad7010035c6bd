"""Scatter and slice updates reuse the destination's buffer when nothing else can see it
(the old array has no other handle, view or export, and its memory is the allocator's), so
that `a[i] = v` in a loop costs the update, not a copy of `a`. Everything that can still see
the old values must keep them."""

import numpy as np
import pytest

import mlx.core as mx


def test_setitem_loop_updates_in_place():
    n = 1 << 20
    a = mx.zeros((n,))
    mx.eval(a)
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    for i in range(300):
        a[i] = i + 1.0
        mx.eval(a)
    # A copy per step would need two buffers of 4 MB at once.
    assert mx.get_peak_memory() - base < 2 * 4 * n * 0.75
    out = np.array(a)
    np.testing.assert_array_equal(out[:300], np.arange(1, 301, dtype=np.float32))
    assert not out[300:].any()


@pytest.mark.parametrize("update", ["setitem", "at_add", "at_max", "slice"])
def test_in_place_update_results(update):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32)).astype(np.float32)
    a = mx.array(x)
    mx.eval(a)
    idx = np.array([3, 7, 3, 60])
    if update == "setitem":
        a[mx.array(idx)] = 2.5
        x[idx] = 2.5
    elif update == "at_add":
        a = a.at[mx.array(idx)].add(1.0)
        np.add.at(x, idx, 1.0)
    elif update == "at_max":
        a = a.at[mx.array(idx)].maximum(0.5)
        np.maximum.at(x, idx, 0.5)
    else:
        a[2:10:3, 5:] = mx.ones((3, 27))
        x[2:10:3, 5:] = 1
    np.testing.assert_array_equal(np.array(a), x)


def test_other_holders_keep_the_old_values():
    # Another handle to the same array object sees the update (it is the same array) ...
    a = mx.arange(10.0)
    b = a
    c = a * 1  # ... while a pending op on the old values keeps them.
    a[0] = 9
    assert b[0].item() == 9 and c[0].item() == 0
    # An evaluated array still referenced elsewhere.
    a = mx.arange(10.0)
    mx.eval(a)
    keep = [a]
    a = a.at[1].add(5.0)
    assert keep[0][1].item() == 1 and a[1].item() == 6
    # A slice view shares the buffer.
    a = mx.arange(10.0)
    mx.eval(a)
    v = a[2:5]
    a[3] = -1
    assert v.tolist() == [2, 3, 4] and a[3].item() == -1


def test_exported_and_foreign_buffers_are_not_written():
    # A NumPy view of an mx array (buffer protocol) keeps its values.
    a = mx.arange(10.0)
    mx.eval(a)
    view = np.array(a, copy=False)
    a[1] = 42
    mx.eval(a)
    assert view[1] == 1 and a[1].item() == 42
    del view
    # Memory that came from NumPy is never written.
    x = np.arange(10.0, dtype=np.float32)
    a = mx.asarray(x)
    a[0] = 7
    mx.eval(a)
    assert x[0] == 0 and a[0].item() == 7
    x.flags.writeable = False
    a = mx.asarray(x)
    a = a.at[2].add(1.0)
    assert x[2] == 2 and a[2].item() == 3


def test_gradient_through_updates_sees_the_old_values():
    # Under a transform the destination stays readable by the backward pass (the gradient
    # of a maximum-scatter compares the old values with the updates).
    def f(x):
        y = (x * 1.0).at[mx.array([0, 1])].maximum(x[2])
        return (y * x).sum()

    x = mx.array([4.0, 2.0, 3.0])
    # y = [4, 3, 3]: df/dx0 = y0 + x0, df/dx1 = y1, df/dx2 = y2 + x1 + x2
    np.testing.assert_allclose(np.array(mx.grad(f)(x)), [8.0, 3.0, 8.0])
    v, g = mx.value_and_grad(f)(x)
    assert v.item() == 31.0
    np.testing.assert_allclose(np.array(g), [8.0, 3.0, 8.0])


def test_failed_update_does_not_corrupt_the_destination():
    a = mx.arange(10.0)
    mx.eval(a)
    keep = a
    b = a.at[mx.array([1, 50])].add(1.0)
    with pytest.raises(IndexError):
        mx.eval(b)
    assert keep.tolist() == list(range(10))
