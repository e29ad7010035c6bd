"""Creation helpers against NumPy: full_like, empty, empty_like, tri, tril, triu, meshgrid,
diag, diagonal, trace and the window functions; with gradients and vmap."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, check_grad, mx_from_np, sample, to_np


def arr(shape, name="float32", seed=0):
    x = sample(shape, name, seed=seed)
    return x, mx_from_np(x, name)


def eq(a, expected):
    got = to_np(a)
    assert got.shape == np.asarray(expected).shape, (got.shape, np.asarray(expected).shape)
    np.testing.assert_array_equal(got, expected)


def test_full_like_empty():
    a = mx.arange(12).reshape(3, 4)
    r = mx.full_like(a, 2.5)
    assert r.dtype == mx.int32
    eq(r, np.full((3, 4), 2))
    r = mx.full_like(a, 2.5, mx.float16)
    assert r.dtype == mx.float16
    eq(r, np.full((3, 4), 2.5, np.float16))
    eq(mx.full_like(a, mx.array([1, 2, 3, 4])), np.tile([1, 2, 3, 4], (3, 1)))
    with pytest.raises(ValueError):
        mx.full_like(a, mx.array([1, 2, 3]))
    e = mx.empty((2, 3))
    assert e.shape == (2, 3) and e.dtype == mx.float32
    assert mx.empty(4, mx.int8).dtype == mx.int8
    el = mx.empty_like(a)
    assert el.shape == (3, 4) and el.dtype == mx.int32
    assert mx.empty_like(a, mx.int8).dtype == mx.int8
    with pytest.raises(ValueError):
        mx.empty((-1,))


@pytest.mark.parametrize("n,m,k", [(3, None, 0), (3, 2, -1), (2, 5, 2), (0, None, 0), (4, 4, -10), (4, 4, 10)])
def test_tri(n, m, k):
    eq(mx.tri(n, m, k), np.tri(n, m, k, dtype=np.float32))
    r = mx.tri(n, m, k, mx.int32)
    assert r.dtype == mx.int32
    eq(r, np.tri(n, m, k, dtype=np.int32))


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_tril_triu_dtypes(name):
    x, a = arr((2, 3, 4), name)
    for k in (-1, 0, 2):
        eq(mx.tril(a, k), np.tril(x, k))
        eq(mx.triu(a, k), np.triu(x, k))


def test_tril_triu_noncontig_errors_grad():
    x, a = arr((5, 3))
    eq(mx.tril(a.T, 1), np.tril(x.T, 1))
    eq(mx.triu(a.T), np.triu(x.T))
    eq(mx.tril(mx.zeros((0, 3))), np.zeros((0, 3)))
    eq(mx.triu(a, -2**31), x)
    with pytest.raises(ValueError):
        mx.tril(mx.arange(3))
    with pytest.raises(ValueError):
        mx.triu(mx.array(1))
    x64 = sample((3, 3), "float64")
    w = sample((3, 3), "float64", seed=1)
    check_grad(lambda p: (mx.tril(p) * mx.array(w)).sum(), lambda p: (np.tril(p) * w).sum(), x64)
    check_grad(lambda p: (mx.triu(p, 1) * mx.array(w)).sum(), lambda p: (np.triu(p, 1) * w).sum(), x64)
    b = mx.array(sample((2, 3, 3), "float32"))
    eq(mx.vmap(mx.tril)(b), np.stack([np.tril(to_np(p)) for p in b]))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid(indexing, sparse):
    xs = [np.arange(2), np.arange(3.0), np.arange(4).reshape(2, 2)]
    for k in (1, 2, 3):
        got = mx.meshgrid(*[mx.array(v) for v in xs[:k]], sparse=sparse, indexing=indexing)
        want = np.meshgrid(*[v.ravel() for v in xs[:k]], sparse=sparse, indexing=indexing)
        assert isinstance(got, tuple) and len(got) == k
        for g, w in zip(got, want):
            eq(g, w)
    assert mx.meshgrid() == ()
    assert mx.meshgrid(mx.arange(2), mx.arange(3.0))[1].dtype == mx.float32


def test_meshgrid_errors():
    with pytest.raises(ValueError):
        mx.meshgrid(mx.arange(2), indexing="foo")


@pytest.mark.parametrize("k", [0, 1, -1, 3, -4])
def test_diag(k):
    v = np.array([1, 2, 3], np.int32)
    eq(mx.diag(mx.array(v), k), np.diag(v, k))
    x, a = arr((3, 4))
    eq(mx.diag(a, k), np.diag(x, k))
    eq(a.diag(k), np.diag(x, k))
    eq(mx.diag(a.T, k), np.diag(x.T, k))


def test_diag_errors_grad():
    with pytest.raises(ValueError):
        mx.diag(mx.array(1))
    with pytest.raises(ValueError):
        mx.diag(mx.ones((2, 2, 2)))
    eq(mx.diag(mx.zeros((0,)), 2), np.diag(np.zeros(0), 2))
    v = sample((3,), "float64")
    w = sample((4, 4), "float64", seed=1)
    check_grad(lambda p: (mx.diag(p, 1) * mx.array(w)).sum(), lambda p: (np.diag(p, 1) * w).sum(), v)
    check_grad(lambda p: (mx.diag(p, -1) * mx.array(w)).sum(), lambda p: (np.diag(p, -1) * w).sum(), v)


@pytest.mark.parametrize("offset,a1,a2", [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (1, 2, 0), (0, -1, -2), (2, 1, 2),
                                          (-5, 0, 2), (7, 1, 0)])
def test_diagonal(offset, a1, a2):
    x, a = arr((2, 3, 4))
    eq(mx.diagonal(a, offset, a1, a2), np.diagonal(x, offset, a1, a2))
    eq(a.diagonal(offset, a1, a2), np.diagonal(x, offset, a1, a2))
    y = np.ascontiguousarray(x.transpose(2, 0, 1))
    eq(mx.diagonal(mx.array(y).transpose(1, 2, 0), offset, a1, a2), np.diagonal(y.transpose(1, 2, 0), offset, a1, a2))


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_diagonal_trace_dtypes(name):
    x, a = arr((3, 4), name)
    eq(mx.diagonal(a), np.diagonal(x))
    if name in ("float16", "bfloat16"):
        np.testing.assert_allclose(to_np(mx.trace(a)), np.trace(to_np(a).astype(np.float32)), rtol=1e-2, atol=1e-2)
    elif name != "bool_":
        np.testing.assert_allclose(to_np(mx.trace(a)), np.trace(x).astype(x.dtype), rtol=1e-5)


def test_diagonal_trace_errors():
    a = mx.zeros((2, 2))
    with pytest.raises(ValueError):
        mx.diagonal(mx.arange(3))
    with pytest.raises(ValueError):
        mx.diagonal(a, 0, 1, 1)
    with pytest.raises(IndexError):
        mx.diagonal(a, 0, 1, 2)
    with pytest.raises(ValueError):
        mx.trace(mx.arange(3))
    with pytest.raises(IndexError):
        mx.trace(a, 0, 0, 3)


def test_trace():
    x, a = arr((3, 4, 5))
    for off, a1, a2 in [(0, 0, 1), (1, 0, 1), (-1, 2, 1), (2, -1, 0)]:
        np.testing.assert_allclose(to_np(mx.trace(a, off, a1, a2)), np.trace(x, off, a1, a2), rtol=1e-5, atol=1e-5)
    i = mx.arange(12).reshape(3, 4)
    assert mx.trace(i).item() == 15 and mx.trace(i).dtype == mx.int32
    r = mx.trace(i, 1, dtype=mx.float32)
    assert r.dtype == mx.float32 and r.item() == 18


def test_diagonal_trace_grad_jvp_vmap():
    x = sample((3, 4), "float64")
    w = sample((3,), "float64", seed=1)
    for off in (0, 1, -1, 3):
        n = np.diagonal(x, off).shape[0]
        check_grad(lambda p: (mx.diagonal(p, off) * mx.array(w[:n])).sum(),
                   lambda p: (np.diagonal(p, off) * w[:n]).sum(), x)
    y = sample((2, 3, 4), "float64")
    w2 = sample((3, 2), "float64", seed=2)
    check_grad(lambda p: (mx.diagonal(p, 0, 2, 0) * mx.array(w2)).sum(),
               lambda p: (np.diagonal(p, 0, 2, 0) * w2).sum(), y)
    check_grad(lambda p: mx.trace(p, 1) ** 2, lambda p: np.trace(p, 1) ** 2, x)
    a = mx.array(x, dtype=mx.float64)
    _, t = mx.jvp(lambda p: mx.diagonal(p, 1), [a], [a * 2])
    eq(t[0], np.diagonal(x * 2, 1))
    b = mx.array(sample((5, 3, 4), "float32"))
    eq(mx.vmap(lambda p: mx.diagonal(p, 1))(b), np.stack([np.diagonal(to_np(p), 1) for p in b]))
    eq(mx.vmap(lambda p: mx.diagonal(p), in_axes=2)(b), np.stack([np.diagonal(to_np(b)[:, :, i]) for i in range(4)]))
    np.testing.assert_allclose(to_np(mx.vmap(mx.trace)(b)), np.stack([np.trace(to_np(p)) for p in b]), rtol=1e-5)


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
@pytest.mark.parametrize("M", [-1, 0, 1, 2, 5, 6, 51])
def test_windows(name, M):
    got = getattr(mx, name)(M)
    assert got.dtype == mx.float32
    want = getattr(np, name)(M)
    assert got.shape == want.shape
    np.testing.assert_allclose(to_np(got), want, rtol=1e-6, atol=1e-6)
