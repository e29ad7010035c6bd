"""NumPy-style advanced indexing (__getitem__ / __setitem__) against NumPy: integer arrays
(mx, NumPy, lists), mixed basic/advanced with NumPy's placement of the advanced block,
boolean masks (an extension: eager, an error inside transforms), out-of-range indices."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, mxdt, sample, to_np

X = np.arange(3 * 4 * 5 * 6, dtype=np.int32).reshape(3, 4, 5, 6)
E = Ellipsis
I2 = np.array([0, 2])
J2 = np.array([[1, -1], [3, 0]])

ADV = [
    [0, 2], [-1, 0, 1, 1], np.array([2, 1]), J2 % 3,
    (I2, I2), (slice(None), I2), (slice(None), [0, 1], slice(None), [1, 2]),
    ([0, 1], slice(None), [1, 2]), (slice(None), [0, 1], [1, 2]), (E, [[0], [1]], 1),
    (0, slice(None), [0, 1]), (slice(None), 0, slice(None), [1, 2]), ([0, 1], None, [0, 1]),
    (slice(None), [0, 1], None, 0), (0, [0, 1]), (slice(None), 0, [0, 1]), (E, [0, 1], slice(None), 0),
    (slice(1, None), J2, slice(None, None, -2)), (None, [1], E, None, [0, 5]),
    (I2[:, None], np.array([0, 1, 2])[None, :]), ([2, 0], [3, 1], [4, 0], [5, 0]),
    (np.array([], dtype=np.int64),), (slice(None), np.zeros((0, 2), np.int32)),
]


def _mx_index(idx):
    def conv(i):
        if isinstance(i, np.ndarray):
            return mx.array(i)
        return i
    if isinstance(idx, tuple):
        return tuple(conv(i) for i in idx)
    return conv(idx)


@pytest.mark.parametrize("idx", ADV, ids=repr)
@pytest.mark.parametrize("kind", ["mx", "numpy"])
def test_advanced_getitem(idx, kind):
    a = mx.array(X)
    mi = _mx_index(idx) if kind == "mx" else idx
    r = a[mi]
    exp = X[idx]
    assert r.shape == exp.shape
    np.testing.assert_array_equal(np.array(r), exp)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_advanced_every_dtype(name):
    x = sample((4, 5), name)
    a = mx.array(x, dtype=mxdt(name))
    for idx in [[3, 0, 0], (slice(None), [4, 1]), ([1, 2], [0, -1]), (mx.array([2, 3], mx.uint8),)]:
        npi = idx if not isinstance(idx, tuple) else tuple(np.array(i) if isinstance(i, mx.array) else i for i in idx)
        r = a[idx]
        assert r.dtype == mxdt(name)
        np.testing.assert_array_equal(to_np(r), x[npi])


@pytest.mark.parametrize("idt", ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"])
def test_index_dtypes(idt):
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    i = np.array([3, 1, 0], dtype=idt)
    np.testing.assert_array_equal(np.array(mx.array(x)[mx.array(i)]), x[i])
    np.testing.assert_array_equal(np.array(mx.array(x)[:, mx.array(i)]), x[:, i])


def test_advanced_non_contiguous_source_and_index():
    x = X.transpose(3, 1, 0, 2)[::-1, 1:, :, ::2]
    a = mx.array(X).transpose(3, 1, 0, 2)[::-1, 1:, :, ::2]
    idx = np.array([[0, 2, 1], [1, 1, 0]]).T  # a non-contiguous index array
    midx = mx.array(np.array([[0, 2, 1], [1, 1, 0]])).T
    np.testing.assert_array_equal(np.array(a[midx]), x[idx])
    np.testing.assert_array_equal(np.array(a[:, midx, 1]), x[:, idx, 1])


def test_out_of_range_raises_index_error():
    a = mx.arange(10)
    for idx in [mx.array([10]), mx.array([-11]), [0, 12], (mx.array([0]),)]:
        if isinstance(idx, tuple):
            continue
        with pytest.raises(IndexError):
            mx.eval(a[idx])
    b = mx.zeros((3, 4))
    with pytest.raises(IndexError):
        mx.eval(b[:, mx.array([4])])
    with pytest.raises(IndexError):
        mx.eval(b[mx.array([1]), mx.array([-5])])
    e = mx.zeros((0,))
    with pytest.raises(IndexError):
        mx.eval(e[mx.array([0])])
    with pytest.raises(IndexError):
        mx.eval(mx.zeros((3, 0))[mx.array([3])])
    # A big uint64 index never wraps into range.
    with pytest.raises(IndexError):
        mx.eval(a[mx.array([2**64 - 1], dtype=mx.uint64)])
    # The array still works after the error.
    assert a[mx.array([9])].tolist() == [9]


def test_big_python_indices():
    # The defect: indices at or beyond 2**32 raised ValueError.
    x = mx.arange(10)
    with pytest.raises(IndexError):
        x[2**32]
    with pytest.raises(IndexError):
        x[-(2**40)]
    with pytest.raises(IndexError):
        x[2**70]
    assert x[:2**32].tolist() == list(range(10))
    assert x[-(2**40):3].tolist() == [0, 1, 2]
    assert x[2**33:].tolist() == []
    assert x[::2**32].tolist() == [0]
    assert x[::-(2**32)].tolist() == [9]
    # The same through the gather/scatter paths.
    for bad in [[2**32], mx.array([2**32]), mx.array([-(2**33)])]:
        with pytest.raises(IndexError):
            mx.eval(x[bad])
    with pytest.raises(IndexError):
        mx.eval(mx.take(x, 2**32))
    with pytest.raises(IndexError):
        x[2**32] = 1
    with pytest.raises(IndexError):
        mx.eval(x.at[2**32].add(1))
    y = mx.arange(10)
    y[:2**32] = 5
    y[-(2**40):2] = 1
    y[2**32:] = 7
    assert y.tolist() == [1, 1] + [5] * 8


def test_bad_index_types():
    a = mx.arange(10)
    for bad in [1.0, "a", {1: 2}, object()]:
        with pytest.raises(ValueError):
            a[bad]
    for bad in [mx.array([1.0]), [1, 2.5], np.array([0.5]), mx.array(1.5)]:
        with pytest.raises(ValueError):
            a[bad]
    with pytest.raises(ValueError):
        mx.zeros((2, 2))[0, 0, 0]


@pytest.mark.parametrize("shape,mask_fn", [
    ((10,), lambda x: x > 0), ((3, 4), lambda x: x > 0), ((3, 4), lambda x: x[:, 0] > 0),
    ((2, 3, 4), lambda x: x[:, :, 0] > 0), ((5,), lambda x: x > 100),
])
def test_boolean_mask_getitem(shape, mask_fn):
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    a = mx.array(x)
    m = mask_fn(x)
    np.testing.assert_array_equal(np.array(a[mx.array(m)]), x[m])
    np.testing.assert_array_equal(np.array(a[m]), x[m])
    np.testing.assert_array_equal(np.array(a[mx.array(m), ...]), x[m, ...])


def test_boolean_mask_mixed():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    m = np.array([True, False, True, True])
    np.testing.assert_array_equal(np.array(mx.array(x)[:, 1:, mx.array(m)]), x[:, 1:, m])
    np.testing.assert_array_equal(np.array(mx.array(x)[1, :, mx.array(m)]), x[1, :, m])
    with pytest.raises(IndexError):
        mx.array(x)[mx.array([True, False, True])]


def test_boolean_mask_setitem():
    x = np.random.default_rng(1).normal(size=(4, 5)).astype(np.float32)
    a = mx.array(x)
    a[a > 0] = 0
    x[x > 0] = 0
    np.testing.assert_array_equal(np.array(a), x)
    y = np.arange(10, dtype=np.int32)
    b = mx.array(y)
    m = y % 3 == 0
    b[mx.array(m)] = mx.array([100, 200, 300, 400])
    y[m] = [100, 200, 300, 400]
    np.testing.assert_array_equal(np.array(b), y)


def test_boolean_mask_in_transform_raises():
    a = mx.array([1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match="transformation"):
        mx.grad(lambda x: x[x > 0].sum())(a)
    with pytest.raises(ValueError, match="transformation"):
        mx.vmap(lambda x: x[x > 0])(mx.ones((2, 3)))
    # a[mask] = scalar over the whole array is a select and traces.
    def f(x):
        x = x * 1
        x[x > 0] = 0.0
        return x.sum()
    g = mx.grad(f)(a)
    np.testing.assert_array_equal(np.array(g), [0.0, 1.0, 0.0])


def test_nonzero():
    x = np.array([[0, 3, 0], [4, 0, 5]], dtype=np.int32)
    r = mx.nonzero(mx.array(x))
    e = np.nonzero(x)
    assert len(r) == 2
    for a, b in zip(r, e):
        assert a.dtype == mx.int64
        np.testing.assert_array_equal(np.array(a), b)
    z = mx.nonzero(mx.zeros((0, 3)))
    assert [t.shape for t in z] == [(0,), (0,)]
    with pytest.raises(ValueError):
        mx.vmap(lambda v: mx.nonzero(v)[0])(mx.ones((2, 3)))


SET = [
    (0, 7), ((slice(1, 3),), 5), ((slice(None), 2), [1, 2, 3, 4, 5]), ([0, 2], 9),
    (([0, 2], slice(None), [1, 0]), -1), ((slice(None), [0, 3], slice(1, 4)), 8),
    ((0, slice(None), [0, 1]), 3), ((E, [1, 1, 2]), 4), ((slice(None, None, -1), [1, 2]), 6),
    (([2, 2, 2],), 1), ((None, 0, [1]), 2), ((slice(1, None, 2), [3, 0], slice(None, None, 3)), 5),
]


@pytest.mark.parametrize("idx,val", SET, ids=repr)
def test_setitem_scalar(idx, val):
    x = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    a = mx.array(x)
    a[idx] = val
    x[idx] = val
    np.testing.assert_array_equal(np.array(a), x)


@pytest.mark.parametrize("idx,val", SET, ids=repr)
def test_setitem_array_value(idx, val):
    x = np.arange(3 * 4 * 5, dtype=np.int64).reshape(3, 4, 5)
    shape = x[idx].shape
    v = (np.arange(int(np.prod(shape))).reshape(shape) * 10 + val).astype(np.int64)
    a = mx.array(x)
    a[idx] = mx.array(v)
    x[idx] = v
    np.testing.assert_array_equal(np.array(a), x)
    # A value broadcast from its last axis.
    if len(shape) >= 1:
        x2 = np.arange(3 * 4 * 5, dtype=np.int64).reshape(3, 4, 5)
        a2 = mx.array(x2)
        w = np.arange(shape[-1]) - 7
        a2[idx] = mx.array(w)
        x2[idx] = w
        np.testing.assert_array_equal(np.array(a2), x2)


def test_setitem_repeated_indices_last_wins():
    a = mx.zeros((5,), dtype=mx.int32)
    a[mx.array([1, 1, 1, 3])] = mx.array([1, 2, 3, 4])
    assert a.tolist() == [0, 3, 0, 4, 0]


def test_setitem_dtype_rule_and_views():
    a = mx.zeros((3,), dtype=mx.int32)
    a[0] = 2.7
    a[mx.array([1])] = mx.array([5.9])
    assert a.dtype == mx.int32 and a.tolist() == [2, 5, 0]
    b = mx.zeros((3,), dtype=mx.float16)
    b[[0, 0]] = mx.array([1.0, 2.0], dtype=mx.float32)
    assert b.dtype == mx.float16 and b.tolist() == [2.0, 0.0, 0.0]
    # Another handle to the old array is not changed.
    c = mx.arange(4)
    d = c
    e = c[1:]
    c[1] = 10
    assert c.tolist() == [0, 10, 2, 3]
    assert d.tolist() == [0, 10, 2, 3]  # the same Python object
    assert e.tolist() == [1, 2, 3]


def test_setitem_errors():
    a = mx.zeros((3, 4))
    with pytest.raises(ValueError):
        a[0] = mx.ones((5,))
    with pytest.raises(IndexError):
        a[5] = 1
    with pytest.raises(IndexError):
        a[mx.array([7])] = 1
        mx.eval(a)


def test_setitem_grad():
    def f(x, v):
        y = x * 1
        y[mx.array([0, 2])] = v
        return (y * mx.array([1.0, 2.0, 3.0, 4.0])).sum()
    gx, gv = mx.grad(f, argnums=(0, 1))(mx.ones((4,)), mx.array([5.0, 6.0]))
    assert gx.tolist() == [0.0, 2.0, 0.0, 4.0]
    assert gv.tolist() == [1.0, 3.0]


def test_getitem_vmap_and_grad():
    x = np.random.default_rng(2).normal(size=(3, 4, 5)).astype(np.float32)
    idx = mx.array([[0, 3], [1, 1], [2, 0]])
    out = mx.vmap(lambda a, i: a[i, 1:])(mx.array(x), idx)
    exp = np.stack([x[b][np.array(idx.tolist()[b]), 1:] for b in range(3)])
    np.testing.assert_allclose(np.array(out), exp)
    g = mx.grad(lambda a: (a[mx.array([0, 0, 2]), 1] * 2).sum())(mx.array(x))
    e = np.zeros_like(x)
    np.add.at(e, (np.array([0, 0, 2]), 1), 2.0)
    np.testing.assert_allclose(np.array(g), e)


@pytest.mark.parametrize("idx", [
    [], [[]], ([], []), (0, []), np.array([], dtype=np.int64), np.array(True), np.False_,
    [True, False], np.array(1), np.int64(-1),
], ids=repr)
def test_edge_indices_like_numpy(idx):
    x = np.arange(6).reshape(2, 3).astype(np.int32)
    r = mx.array(x)[idx]
    np.testing.assert_array_equal(np.array(r), x[idx])
    assert r.shape == x[idx].shape


def test_zero_d_masks():
    a = mx.arange(6).reshape(2, 3)
    assert a[mx.array(True)].shape == (1, 2, 3)
    assert a[mx.array(False), 0].shape == (0, 3)
    b = mx.arange(6)
    b[[]] = 1
    assert b.tolist() == list(range(6))


def _random_index(rng, ndim, shape):
    items = []
    axis = 0
    used_ellipsis = False
    while axis < ndim:
        r = rng.integers(0, 6)
        n = shape[axis]
        if r == 0:
            items.append(int(rng.integers(-n, n)))
        elif r == 1:
            a, b = sorted(rng.integers(-n - 2, n + 2, size=2))
            items.append(slice(int(a), int(b), int(rng.choice([1, 2, -1, 3]))))
        elif r == 2:
            items.append(rng.integers(-n, n, size=(2,)))
        elif r == 3:
            items.append(rng.integers(-n, n, size=(3, 1)))
        elif r == 4:
            items.append(None)
            continue
        else:
            if not used_ellipsis and rng.integers(0, 2):
                items.append(Ellipsis)
                used_ellipsis = True
                axis = ndim - (ndim - axis) // 2
                continue
            items.append(slice(None))
        axis += 1
        if rng.integers(0, 4) == 0:
            break
    return tuple(items)


@pytest.mark.parametrize("seed", range(100))
def test_random_mixed_indices(seed):
    rng = np.random.default_rng(seed)
    shape = (4, 5, 3, 6)
    x = np.arange(np.prod(shape), dtype=np.int32).reshape(shape)
    idx = _random_index(rng, len(shape), shape)
    exp = x[idx]
    mi = tuple(mx.array(i) if isinstance(i, np.ndarray) else i for i in idx)
    r = mx.array(x)[mi]
    assert r.shape == exp.shape, idx
    np.testing.assert_array_equal(np.array(r), exp)
    # Assignment of distinct values: where positions repeat, NumPy and mlx both keep the last.
    y = x.copy()
    val = -np.arange(exp.size, dtype=np.int32).reshape(exp.shape) - 1
    y[idx] = val
    a = mx.array(x)
    a[mi] = mx.array(val)
    np.testing.assert_array_equal(np.array(a), y)
    z = x.copy()
    z[idx] = 0
    b = mx.array(x)
    b[mi] = 0
    np.testing.assert_array_equal(np.array(b), z)
