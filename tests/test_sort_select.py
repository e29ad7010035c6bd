"""partition, argpartition, topk, median and searchsorted against NumPy: dtypes, axes,
NaN, empty and non-contiguous inputs, gradients by finite differences, vmap against a
loop, and bad arguments raising the reference's exception types."""

import numpy as np
import pytest

import mlx.core as mx

from helpers import ALL_DTYPE_NAMES, FLOATING, check_grad, mx_from_np, sample, to_np


def check_partitioned(p, x, kth, axis):
    """p is x partitioned around kth along axis (NaN sorts last)."""
    s = np.sort(x, axis=axis)
    p = np.moveaxis(p, axis, -1)
    s = np.moveaxis(s, axis, -1)
    np.testing.assert_array_equal(p[..., kth], s[..., kth])
    key = lambda v: np.where(np.isnan(v), np.inf, v) if v.dtype.kind in "fc" else v
    pk = key(p)
    ref = pk[..., kth:kth + 1]
    assert (pk[..., :kth] <= ref).all() or (np.isnan(p[..., kth]).all())
    assert (pk[..., kth + 1:] >= ref).all()
    np.testing.assert_array_equal(np.sort(p, axis=-1), s)  # the same multiset


@pytest.mark.parametrize("dt", [d for d in ALL_DTYPE_NAMES if d != "complex64"])
@pytest.mark.parametrize("n", [9, 2000])
def test_partition_dtypes(dt, n):
    x = sample((3, n), dt, low=-30, high=30, seed=n)
    a = mx_from_np(x, dt)
    for axis, kth in ((1, n // 2), (1, 0), (1, -1), (0, 1), (-1, n - 1)):
        k = kth % x.shape[axis]
        p = mx.partition(a, kth, axis=axis)
        assert p.dtype == a.dtype and p.shape == a.shape
        check_partitioned(to_np(p), x, k, axis)
        idx = mx.argpartition(a, kth, axis=axis)
        assert idx.dtype == mx.uint32
        ni = np.array(idx)
        np.testing.assert_array_equal(np.sort(ni, axis=axis), np.broadcast_to(
            np.arange(x.shape[axis]).reshape([-1 if d == axis % 2 else 1 for d in range(2)]), x.shape))
        np.testing.assert_array_equal(np.take_along_axis(x, ni.astype(np.int64), axis=axis), to_np(p))


def test_partition_nan_and_complex():
    x = np.array([3.0, np.nan, 1.0, -0.0, 2.0, np.nan, -5.0], np.float32)
    for kth in range(7):
        check_partitioned(np.array(mx.partition(mx.array(x), kth)), x, kth, 0)
    z = np.array([1 + 2j, 1 + 1j, 0 + 5j, -1 - 1j, 1 + 1j], np.complex64)
    p = np.array(mx.partition(mx.array(z), 2))
    assert p[2] == np.sort(z)[2]
    np.testing.assert_array_equal(np.sort(p), np.sort(z))


def test_partition_axis_none_and_non_contiguous():
    x = sample((6, 7), "float32", seed=3)
    a = mx.array(x)
    check_partitioned(np.array(mx.partition(a, 10, axis=None)), x.reshape(-1), 10, 0)
    check_partitioned(np.array(mx.partition(a.T, 2, axis=1)), x.T, 2, 1)
    check_partitioned(np.array(mx.partition(a[::2, ::-2], 1, axis=0)), x[::2, ::-2], 1, 0)
    assert mx.argpartition(mx.array(3.0), 0, axis=None).tolist() == [0]


def test_partition_errors():
    a = mx.array([5, 1, 4, 2])
    for kth in (4, -5):
        with pytest.raises(ValueError):
            mx.partition(a, kth)
        with pytest.raises(ValueError):
            mx.argpartition(a, kth)
    with pytest.raises(ValueError):
        mx.partition(mx.zeros((2, 0)), 0)
    with pytest.raises(IndexError):
        mx.partition(mx.zeros((3, 4)), 2, axis=3)
    with pytest.raises(IndexError):
        mx.partition(mx.array(1), 0)


@pytest.mark.parametrize("dt", ["float32", "int32", "uint8", "float16", "bfloat16", "float64", "int64", "bool_"])
def test_topk(dt):
    x = sample((4, 50), dt, low=-100, high=100, seed=4)
    a = mx_from_np(x, dt)
    for k, axis in ((5, -1), (1, 1), (50, 1), (0, 1), (2, 0)):
        r = mx.topk(a, k, axis=axis)
        exp = np.sort(x, axis=axis)
        exp = np.take(exp, np.arange(x.shape[axis] - k, x.shape[axis]), axis=axis)
        assert r.dtype == a.dtype and r.shape == exp.shape
        np.testing.assert_array_equal(np.sort(to_np(r), axis=axis), exp)
    r = mx.topk(a, 3, axis=None)
    np.testing.assert_array_equal(np.sort(to_np(r)), np.sort(x, axis=None)[-3:])


def test_topk_nan_and_errors():
    x = mx.array([1.0, float("nan"), 3.0, 2.0])
    r = np.sort(np.array(mx.topk(x, 2)))
    assert r[0] == 3.0 and np.isnan(r[1])
    a = mx.array([5, 1, 4, 2])
    for k in (5, -1):
        with pytest.raises(ValueError):
            mx.topk(a, k)
    with pytest.raises(IndexError):
        mx.topk(mx.array(3), 1)
    with pytest.raises(IndexError):
        mx.topk(a, 1, axis=1)
    assert mx.topk(mx.array(3), 1, axis=None).tolist() == [3]
    assert mx.topk(mx.zeros((2, 0)), 0).shape == (2, 0)


def test_topk_partition_grads():
    rng = np.random.default_rng(5)
    x = rng.permutation(24).reshape(4, 6).astype(np.float64) / 3.0
    check_grad(lambda v: (mx.topk(v, 3, axis=1) ** 2).sum(), lambda v: (np.sort(v, axis=1)[:, -3:] ** 2).sum(), x)
    check_grad(lambda v: (mx.topk(v, 2, axis=0) ** 2).sum(), lambda v: (np.sort(v, axis=0)[-2:] ** 2).sum(), x)
    check_grad(lambda v: mx.partition(v, 2, axis=1)[:, 2].sum(), lambda v: np.sort(v, axis=1)[:, 2].sum(), x)
    _, t = mx.jvp(lambda v: mx.topk(v, 1), [mx.array([1.0, 5.0, 2.0])], [mx.array([10.0, 20.0, 30.0])])
    assert t[0].tolist() == [20.0]


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16", "int32", "uint8", "int64", "bool_"])
def test_median_dtypes(dt):
    x = sample((5, 6), dt, low=-20, high=20, seed=6)
    a = mx_from_np(x, dt)
    out_dt = a.dtype if dt in FLOATING else mx.float32
    for axis in (None, 0, 1, -1, (0, 1), [1, 0]):
        for keepdims in (False, True):
            r = mx.median(a, axis=axis, keepdims=keepdims)
            exp = np.median(x.astype(np.float64), axis=None if axis is None else tuple(axis) if isinstance(axis, list) else axis,
                            keepdims=keepdims)
            assert r.dtype == out_dt
            assert r.shape == np.shape(exp)
            tol = {"float16": 2e-3, "bfloat16": 1e-2}.get(dt, 1e-6)
            np.testing.assert_allclose(to_np(r).astype(np.float64), exp, rtol=tol, atol=tol)


def test_median_nan_complex_and_3d():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]], np.float32)
    np.testing.assert_array_equal(np.array(mx.median(mx.array(x), axis=1)), np.median(x, axis=1))
    assert np.isnan(mx.median(mx.array(x)).item())
    z = mx.median(mx.array([1 + 1j, 2 + 0j]))
    assert z.dtype == mx.complex64 and z.item() == 1.5 + 0.5j
    y = sample((3, 4, 5), "float32", seed=7)
    for axis in ((0, 2), (1,), 2, (0, 1, 2)):
        np.testing.assert_allclose(np.array(mx.median(mx.array(y), axis=axis)), np.median(y, axis=axis), rtol=1e-6)
    np.testing.assert_allclose(np.array(mx.median(mx.array(y).transpose(2, 0, 1), axis=0)),
                               np.median(y.transpose(2, 0, 1), axis=0), rtol=1e-6)
    assert mx.median(mx.array(3.0)).item() == 3.0
    assert mx.median(mx.zeros((2, 0)), axis=0).shape == (0,)


def test_median_errors():
    with pytest.raises(ValueError):
        mx.median(mx.array([]))
    with pytest.raises(ValueError):
        mx.median(mx.zeros((2, 0)), axis=1)
    with pytest.raises(ValueError):
        mx.median(mx.zeros((2, 3)), axis=(0, 0))
    with pytest.raises(IndexError):
        mx.median(mx.zeros((2, 3)), axis=3)
    with pytest.raises(IndexError):
        mx.median(mx.zeros((2, 3)), axis=-3)


def test_median_grad():
    rng = np.random.default_rng(8)
    for shape, axis in (((7,), None), ((4, 6), 1), ((4, 6), 0), ((3, 4), (0, 1))):
        x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) / 7.0
        w = rng.normal(size=np.median(x, axis=axis).shape)
        check_grad(lambda v: (mx.median(v, axis=axis) * mx.array(w)).sum(),
                   lambda v: (np.median(v, axis=axis) * w).sum(), x)


@pytest.mark.parametrize("dt", [d for d in ALL_DTYPE_NAMES])
def test_searchsorted_dtypes(dt):
    s = np.sort(sample((40,), dt, low=-10, high=10, seed=9), kind="stable")
    v = sample((3, 7), dt, low=-12, high=12, seed=10)
    for side in ("left", "right"):
        r = mx.searchsorted(mx_from_np(s, dt), mx_from_np(v, dt), side=side)
        assert r.dtype == mx.uint32 and r.shape == v.shape
        np.testing.assert_array_equal(np.array(r), np.searchsorted(s, v, side=side))


def test_searchsorted_nan_promotion_and_layouts():
    s = mx.array([1.0, float("nan")])
    assert mx.searchsorted(s, mx.array([float("nan"), 2.0])).tolist() == [1, 1]
    assert mx.searchsorted(s, mx.array([float("nan")]), side="right").tolist() == [2]
    u = mx.array([1, 2], mx.uint8)
    assert mx.searchsorted(u, mx.array([-1, 300])).tolist() == [0, 2]
    assert mx.searchsorted(mx.array([1, 2, 2, 3]).astype(mx.float16), mx.array([2.5])).tolist() == [3]
    assert mx.searchsorted(mx.array([], mx.float32), mx.array([1.0, 2.0])).tolist() == [0, 0]
    assert mx.searchsorted(mx.array([1, 2, 2, 3, 5]), mx.array(2)).shape == ()
    base = np.arange(20, dtype=np.float32)
    sm = mx.array(base)[::2]
    vm = mx.array(np.linspace(-1, 21, 30, dtype=np.float32).reshape(5, 6)).T
    np.testing.assert_array_equal(np.array(mx.searchsorted(sm, vm)), np.searchsorted(base[::2], np.array(vm)))


def test_searchsorted_errors():
    with pytest.raises(ValueError):
        mx.searchsorted(mx.zeros((2, 3)), mx.array([1.0]))
    with pytest.raises(ValueError):
        mx.searchsorted(mx.array(1.0), mx.array([1.0]))
    with pytest.raises(ValueError):
        mx.searchsorted(mx.array([1, 2]), mx.array([1]), side="mid")
    with pytest.raises(TypeError):
        mx.searchsorted(mx.array([1, 2]), 1)


def test_searchsorted_grad_is_zero():
    g = mx.grad(lambda v: mx.searchsorted(mx.array([0.0, 1.0, 2.0]), v).astype(mx.float32).sum() + v.sum())(
        mx.array([0.5, 1.5]))
    assert g.tolist() == [1.0, 1.0]


def test_vmap_select_ops():
    x = sample((4, 5, 6), "float32", seed=13)
    a = mx.array(x)
    for in_axis in (0, 1, 2):
        n = x.shape[in_axis]
        rows = [np.take(x, i, axis=in_axis) for i in range(n)]
        r = mx.vmap(lambda v: mx.partition(v, 2, axis=0), in_axes=in_axis)(a)
        exp = np.stack([np.sort(row, axis=0)[2] for row in rows])
        np.testing.assert_array_equal(np.array(r)[:, 2], exp)
        r = mx.vmap(lambda v: mx.topk(v, 2, axis=-1), in_axes=in_axis)(a)
        np.testing.assert_array_equal(np.sort(np.array(r), axis=-1), np.stack([np.sort(row, axis=-1)[:, -2:] for row in rows]))
        r = mx.vmap(lambda v: mx.median(v, axis=0), in_axes=in_axis)(a)
        np.testing.assert_allclose(np.array(r), np.stack([np.median(row, axis=0) for row in rows]), rtol=1e-6)
        r = mx.vmap(lambda v: mx.argpartition(v, 1, axis=1), in_axes=in_axis)(a)
        got = np.stack([np.take_along_axis(row, np.array(r)[i].astype(np.int64), axis=1)[:, 1] for i, row in enumerate(rows)])
        np.testing.assert_array_equal(got, np.stack([np.sort(row, axis=1)[:, 1] for row in rows]))


def test_vmap_searchsorted():
    s = np.sort(sample((3, 10), "float32", seed=14), axis=1)
    v = sample((3, 4), "float32", seed=15)
    r = mx.vmap(lambda q: mx.searchsorted(mx.array(s[0]), q))(mx.array(v))
    np.testing.assert_array_equal(np.array(r), np.stack([np.searchsorted(s[0], q) for q in v]))
    r = mx.vmap(lambda q: mx.searchsorted(mx.array(s[0]), q), in_axes=1)(mx.array(v))
    np.testing.assert_array_equal(np.array(r), np.stack([np.searchsorted(s[0], q) for q in v.T]))
    # As in the reference (issue 12), the sorted sequence may not be mapped.
    with pytest.raises(ValueError, match="sorted sequence"):
        mx.vmap(lambda ss, q: mx.searchsorted(ss, q))(mx.array(s), mx.array(v))
    with pytest.raises(ValueError, match="sorted sequence"):
        mx.vmap(lambda ss: mx.searchsorted(ss, mx.array(v[0])))(mx.array(s))


def test_docstrings():
    for f in (mx.partition, mx.argpartition, mx.topk, mx.median, mx.searchsorted):
        assert "Args:" in f.__doc__ and "Returns:" in f.__doc__


def test_partition_gradient_follows_argpartition():
    x = sample((3, 40), "float32", seed=16)
    w = sample((3, 40), "float32", seed=17)
    a, wm = mx.array(x), mx.array(w)
    g = np.array(mx.grad(lambda v: (mx.partition(v, 7, axis=1) * wm).sum())(a))
    idx = np.array(mx.argpartition(a, 7, axis=1)).astype(np.int64)
    exp = np.zeros_like(w)
    np.put_along_axis(exp, idx, w, axis=1)
    np.testing.assert_array_equal(g, exp)
    np.testing.assert_array_equal(np.array(mx.partition(a, 7, axis=1)), np.take_along_axis(x, idx, axis=1))


@pytest.mark.parametrize("case", ["normal", "ties", "constant", "narrow", "nan", "float64", "int64", "bool"])
def test_partition_long_runs(case):
    # Runs of 2**16 items and more are partitioned by a radix select shared by the threads:
    # a valid partition whose values follow argpartition's order exactly.
    rng = np.random.default_rng(8)
    n = 200_000
    x = {
        "normal": lambda: rng.standard_normal(n).astype(np.float32),
        "ties": lambda: rng.integers(0, 5, n).astype(np.int32),
        "constant": lambda: np.full(n, 2.0, np.float32),
        "narrow": lambda: (1e6 + rng.standard_normal(n)).astype(np.float32),
        "nan": lambda: np.where(rng.uniform(size=n) < 0.3, np.nan, rng.standard_normal(n)).astype(np.float32),
        "float64": lambda: rng.standard_normal(n),
        "int64": lambda: rng.integers(-2**62, 2**62, n),
        "bool": lambda: rng.integers(0, 2, n).astype(bool),
    }[case]()
    a = mx.array(x, mx.float64) if x.dtype == np.float64 else mx.array(x)
    s = np.sort(x)
    for k in (0, 1, 12345, n // 2, n - 1):
        p = np.array(mx.partition(a, k))
        ip = np.array(mx.argpartition(a, k))
        np.testing.assert_array_equal(np.sort(ip), np.arange(n))
        np.testing.assert_array_equal(x[ip], p)
        np.testing.assert_array_equal(p[k], s[k])
        if not np.isnan(p[k]):
            assert not (p[:k] > p[k]).any() and not (p[k + 1:] < p[k]).any()
    np.testing.assert_array_equal(np.sort(np.array(mx.topk(a, 50))), s[-50:])
