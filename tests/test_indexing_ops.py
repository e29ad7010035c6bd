"""take, take_along_axis, put_along_axis, slice / slice_update (dynamic starts) and
a.at[...] scatters against NumPy; gradients by finite differences; vmap against a loop;
out-of-range indices raise IndexError when evaluated (never a crash)."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, NUMERIC, REAL_NUMERIC, check_grad, mxdt, sample, to_np

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_take_dtypes(name):
    x = sample((4, 5), name)
    a = mx.array(x, dtype=mxdt(name))
    i = np.array([[3, -1], [0, 2]])
    for axis in [None, 0, 1, -1]:
        r = mx.take(a, mx.array(i), axis=axis)
        assert r.dtype == mxdt(name)
        np.testing.assert_array_equal(to_np(r), np.take(x, i, axis=axis))
    np.testing.assert_array_equal(to_np(mx.take(a, 2, axis=1)), np.take(x, 2, axis=1))
    np.testing.assert_array_equal(to_np(mx.take(a, mx.array(7))), np.take(x, 7))


def test_take_shapes_and_layouts():
    x = RNG.normal(size=(3, 4, 5)).astype(np.float32)
    a = mx.array(x)
    t = a.transpose(2, 0, 1)[:, ::-1]
    xt = x.transpose(2, 0, 1)[:, ::-1]
    for axis in [0, 1, 2]:
        i = RNG.integers(0, xt.shape[axis], size=(2, 3))
        np.testing.assert_array_equal(np.array(mx.take(t, mx.array(i), axis=axis)), np.take(xt, i, axis=axis))
    assert mx.take(a, mx.array([], dtype=mx.int32), axis=1).shape == (3, 0, 5)
    assert mx.take(mx.zeros((0, 3)), mx.array([1, 2]), axis=1).shape == (0, 2)
    with pytest.raises(IndexError):
        mx.eval(mx.take(a, mx.array([4]), axis=1))
    with pytest.raises(IndexError):
        mx.eval(mx.take(a, mx.array([60])))
    with pytest.raises(ValueError):
        mx.take(a, mx.array([1.0]))
    with pytest.raises(IndexError):
        mx.take(a, mx.array([0]), axis=3)


@pytest.mark.parametrize("name", ["float32", "int64", "bool_", "complex64", "float16"])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_along_axis(name, axis):
    x = sample((3, 4), name)
    a = mx.array(x, dtype=mxdt(name))
    if axis is None:
        i = RNG.integers(-12, 12, size=(5,))
    else:
        shp = [3, 4]
        shp[axis] = 6
        i = RNG.integers(-x.shape[axis], x.shape[axis], size=shp)
    r = mx.take_along_axis(a, mx.array(i), axis=axis)
    np.testing.assert_array_equal(to_np(r), np.take_along_axis(x, i, axis=axis))


def test_take_along_axis_broadcast_and_errors():
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    i = np.array([[1, 0, 3]])
    np.testing.assert_array_equal(np.array(mx.take_along_axis(mx.array(x), mx.array(i), axis=1)),
                                  np.take_along_axis(x, np.broadcast_to(i, (3, 3)), axis=1))
    with pytest.raises(ValueError):
        mx.take_along_axis(mx.array(x), mx.array([1, 0]), axis=0)
    with pytest.raises(IndexError):
        mx.eval(mx.take_along_axis(mx.array(x), mx.array([[4]]), axis=1))


@pytest.mark.parametrize("axis", [0, 1, None])
def test_put_along_axis(axis):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    if axis is None:
        i = np.array([0, 5, 11])
        v = np.array([-1.0, -2.0, -3.0], dtype=np.float32)
    else:
        shp = [3, 4]
        shp[axis] = 1
        i = RNG.integers(0, x.shape[axis], size=shp)
        v = -np.arange(np.prod(shp), dtype=np.float32).reshape(shp) - 1
    r = mx.put_along_axis(mx.array(x), mx.array(i), mx.array(v), axis=axis)
    e = x.copy()
    np.put_along_axis(e, i, v, axis=axis)
    np.testing.assert_array_equal(np.array(r), e)
    r2 = mx.put_along_axis(mx.array(x), mx.array(i), 7, axis=axis)
    e2 = x.copy()
    np.put_along_axis(e2, i, 7, axis=axis)
    np.testing.assert_array_equal(np.array(r2), e2)


def test_dynamic_slice_and_update():
    a = mx.array(np.arange(12, dtype=np.int32).reshape(3, 4))
    r = mx.slice(a, mx.array(1), axes=(0,), slice_size=(1, 2))
    assert r.tolist() == [[4, 5]]
    r = mx.slice(a, mx.array([1, 2]), (0, 1), (2, 2))
    assert r.tolist() == [[6, 7], [10, 11]]
    r = mx.slice(a, mx.array(-1), (1,), (3, 1))
    assert r.tolist() == [[3], [7], [11]]
    with pytest.raises(IndexError):
        mx.eval(mx.slice(a, mx.array(2), (1,), (3, 3)))
    z = mx.zeros((3, 3))
    u = mx.slice_update(z, mx.ones((2, 2)), start_indices=mx.array([1, 1]), axes=(0, 1))
    e = np.zeros((3, 3), np.float32)
    e[1:, 1:] = 1
    np.testing.assert_array_equal(np.array(u), e)
    with pytest.raises(IndexError):
        mx.eval(mx.slice_update(z, mx.ones((2,)), mx.array(2), (1,)))
    # Lazily: the start index may be computed.
    s = mx.array(0) + 1
    assert mx.slice(mx.arange(5), s, (0,), (2,)).tolist() == [1, 2]


AT_OPS = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "maximum": np.maximum, "minimum": np.minimum,
}


@pytest.mark.parametrize("op", list(AT_OPS))
@pytest.mark.parametrize("name", ["float32", "float64", "int32", "uint8", "float16", "int64"])
def test_at_ops(op, name):
    x = sample((5, 3), name, positive=True)
    idx = np.array([0, 3, 0, 4, 0])
    v = sample((5, 3), name, positive=True, seed=3)
    a = mx.array(x, dtype=mxdt(name))
    r = getattr(a.at[mx.array(idx)], op)(mx.array(v, dtype=mxdt(name)))
    e = x.copy()
    AT_OPS[op].at(e, idx, v)
    assert r.dtype == mxdt(name)
    np.testing.assert_allclose(to_np(r).astype(np.float64), e.astype(np.float64), rtol=1e-2 if name == "float16" else 1e-6)
    # The original is unchanged.
    np.testing.assert_array_equal(to_np(a), x)


def test_at_mixed_indices_and_scalar():
    x = np.zeros((3, 4), np.float32)
    r = mx.array(x).at[mx.array([0, 0, 2]), 1:3].add(1.0)
    e = x.copy()
    np.add.at(e, (np.array([0, 0, 2]), slice(1, 3)), 1.0)
    np.testing.assert_array_equal(np.array(r), e)
    r = mx.array(x).at[:, mx.array([1, 1])].subtract(mx.array([1.0, 2.0]))
    e = x.copy()
    np.subtract.at(e, (slice(None), np.array([1, 1])), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(np.array(r), e)
    r = mx.ones((4,)).at[mx.array([1, 1])].divide(2.0)
    assert r.tolist() == [1.0, 0.25, 1.0, 1.0]
    r = mx.zeros((3,), mx.int32).at[0].add(1.5)
    assert r.dtype == mx.int32 and r.tolist() == [1, 0, 0]
    assert mx.array(2.0).at[...].add(3.0).item() == 5.0
    with pytest.raises(IndexError):
        mx.eval(mx.zeros((3,)).at[mx.array([3])].add(1.0))


def test_gather_grad_fd():
    x = RNG.normal(size=(4, 3))
    idx = np.array([0, 2, 2, -1])
    check_grad(lambda a: (mx.take(a, mx.array(idx), axis=0) ** 2).sum(),
               lambda a: (np.take(a, idx, axis=0) ** 2).sum(), x)
    ti = np.array([[2], [0], [1], [1]])
    check_grad(lambda a: (mx.take_along_axis(a, mx.array(ti), axis=1) ** 3).sum(),
               lambda a: (np.take_along_axis(a, ti, axis=1) ** 3).sum(), x)
    check_grad(lambda a: (a[mx.array([1, 1]), 1:] * a[0, mx.array([2, 0])]).sum(),
               lambda a: (a[np.array([1, 1]), 1:] * a[0, np.array([2, 0])]).sum(), x)


def test_scatter_add_grad_fd():
    x = RNG.normal(size=(5,))
    v = RNG.normal(size=(4,))
    idx = np.array([0, 3, 0, 1])

    def f_np(a, b):
        e = a.copy()
        np.add.at(e, idx, b)
        return (e ** 2).sum()
    check_grad(lambda a, b: (a.at[mx.array(idx)].add(b) ** 2).sum(), f_np, x, v, argnum=0)
    check_grad(lambda a, b: (a.at[mx.array(idx)].add(b) ** 2).sum(), f_np, x, v, argnum=1)

    def p_np(a, b):
        e = a.copy()
        np.put_along_axis(e, np.array([4, 2]), b[:2], axis=0)
        return (e ** 2 * np.arange(1, 6)).sum()
    check_grad(lambda a, b: (mx.put_along_axis(a, mx.array([4, 2]), b[:2], axis=0) ** 2 * mx.arange(1, 6)).sum(),
               p_np, x, v, argnum=0)
    check_grad(lambda a, b: (mx.put_along_axis(a, mx.array([4, 2]), b[:2], axis=0) ** 2 * mx.arange(1, 6)).sum(),
               p_np, x, v, argnum=1)

    def m_np(a, b):
        e = a.copy()
        np.maximum.at(e, idx, b)
        return (e ** 2).sum()
    check_grad(lambda a, b: (a.at[mx.array(idx)].maximum(b) ** 2).sum(), m_np, x, v, argnum=0)
    check_grad(lambda a, b: (a.at[mx.array(idx)].maximum(b) ** 2).sum(), m_np, x, v, argnum=1)


def test_jvp():
    x = mx.array([1.0, 2.0, 3.0])
    t = mx.array([0.1, 0.2, 0.3])
    _, (jt,) = mx.jvp(lambda a: mx.take(a, mx.array([2, 0])), [x], [t])
    np.testing.assert_allclose(np.array(jt), [0.3, 0.1])
    _, (jt,) = mx.jvp(lambda a: a.at[mx.array([0, 0])].add(a[1:]), [x], [t])
    np.testing.assert_allclose(np.array(jt), [0.6, 0.2, 0.3], rtol=1e-6)


def test_vmap_against_loop():
    x = RNG.normal(size=(4, 5, 3)).astype(np.float32)
    i = RNG.integers(0, 5, size=(4, 2))
    ax = mx.array(x)
    ai = mx.array(i)
    # Both batched.
    out = mx.vmap(lambda a, j: mx.take(a, j, axis=0))(ax, ai)
    np.testing.assert_array_equal(np.array(out), np.stack([np.take(x[b], i[b], axis=0) for b in range(4)]))
    # Only the source batched, along axis 2.
    out = mx.vmap(lambda a: mx.take(a, mx.array([1, 0]), axis=0), in_axes=2)(ax)
    np.testing.assert_array_equal(np.array(out), np.stack([np.take(x[:, :, b], [1, 0], axis=0) for b in range(3)]))
    # Only the indices batched.
    out = mx.vmap(lambda j: ax[0][j])(ai)
    np.testing.assert_array_equal(np.array(out), np.stack([x[0][i[b]] for b in range(4)]))
    # take_along_axis.
    ti = RNG.integers(0, 3, size=(4, 5, 2))
    out = mx.vmap(lambda a, j: mx.take_along_axis(a, j, axis=1))(ax, mx.array(ti))
    np.testing.assert_array_equal(np.array(out),
                                  np.stack([np.take_along_axis(x[b], ti[b], axis=1) for b in range(4)]))
    # Scatter: batched destination, batched values, shared indices and batched indices.
    v = RNG.normal(size=(4, 2, 3)).astype(np.float32)
    out = mx.vmap(lambda a, u: a.at[mx.array([1, 1])].add(u))(ax, mx.array(v))
    exp = []
    for b in range(4):
        e = x[b].copy()
        np.add.at(e, np.array([1, 1]), v[b])
        exp.append(e)
    np.testing.assert_allclose(np.array(out), np.stack(exp), rtol=1e-6)
    out = mx.vmap(lambda j, u: ax[0].at[j].add(u))(ai, mx.array(v))
    exp = []
    for b in range(4):
        e = x[0].copy()
        np.add.at(e, i[b], v[b])
        exp.append(e)
    np.testing.assert_allclose(np.array(out), np.stack(exp), rtol=1e-6)
    out = mx.vmap(lambda a: a.at[mx.array([0, 2])].add(1.0), in_axes=1)(ax)
    exp = []
    for b in range(5):
        e = x[:, b].copy()
        np.add.at(e, np.array([0, 2]), 1.0)
        exp.append(e)
    np.testing.assert_allclose(np.array(out), np.stack(exp), rtol=1e-6)


def test_errors_do_not_poison_later_work():
    a = mx.arange(5)
    for _ in range(3):
        with pytest.raises(IndexError):
            mx.eval(mx.take(a, mx.array([5, -6])))
    assert mx.take(a, mx.array([4, -5])).tolist() == [4, 0]


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_setitem_and_put_every_dtype(name):
    x = sample((4, 3), name)
    v = sample((2, 3), name, seed=5)
    a = mx.array(x, dtype=mxdt(name))
    a[mx.array([3, 1])] = mx.array(v, dtype=mxdt(name))
    e = x.copy()
    e[[3, 1]] = v
    assert a.dtype == mxdt(name)
    np.testing.assert_array_equal(to_np(a), e)
    i = np.array([[2, 0, 1]])
    r = mx.put_along_axis(mx.array(x, dtype=mxdt(name)), mx.array(i), mx.array(v[:1], dtype=mxdt(name)), axis=0)
    e = x.copy()
    np.put_along_axis(e, i, v[:1], axis=0)
    np.testing.assert_array_equal(to_np(r), e)


@pytest.mark.parametrize("name", NUMERIC)
def test_at_add_every_numeric_dtype(name):
    x = sample((5,), name)
    v = sample((4,), name, seed=9)
    idx = np.array([1, 1, 4, -1])
    r = mx.array(x, dtype=mxdt(name)).at[mx.array(idx)].add(mx.array(v, dtype=mxdt(name)))
    e = x.astype(np.float64 if name != "complex64" else np.complex128)
    np.add.at(e, idx, v)
    tol = 1e-2 if name in ("float16", "bfloat16") else 1e-6
    if name in ("float16", "bfloat16", "float32", "float64", "complex64"):
        np.testing.assert_allclose(to_np(r).astype(e.dtype), e, rtol=tol, atol=tol)
    else:
        exp = x.copy()
        np.add.at(exp, idx, v)
        np.testing.assert_array_equal(to_np(r), exp)


def test_out_of_range_in_large_parallel_gather_and_scatter():
    n = 1 << 20
    a = mx.arange(n, dtype=mx.float32)
    idx = np.arange(n, dtype=np.int64)[::-1].copy()
    idx[n // 2 + 17] = n  # one bad index, deep inside a chunk on another thread
    with pytest.raises(IndexError):
        mx.eval(a[mx.array(idx)])
    with pytest.raises(IndexError):
        mx.eval(a.at[mx.array(idx)].add(1.0))
    m = mx.reshape(a, (1024, 1024))
    ti = np.zeros((1024, 1024), np.int32)
    ti[1000, 3] = -1025
    with pytest.raises(IndexError):
        mx.eval(mx.take_along_axis(m, mx.array(ti), axis=1))
    idx[n // 2 + 17] = -1
    r = a[mx.array(idx)]
    assert r[0].item() == n - 1 and r[n // 2 + 17].item() == n - 1


def test_setitem_vmap_and_fd_grad_mixed():
    x = RNG.normal(size=(3, 4, 5)).astype(np.float32)
    v = RNG.normal(size=(3, 2, 2)).astype(np.float32)

    def f(a, u):
        a = a * 1
        a[mx.array([2, 0]), 1:5:2] = u
        return a

    out = mx.vmap(f)(mx.array(x), mx.array(v))
    exp = x.copy()
    for b in range(3):
        exp[b][np.array([2, 0]), 1:5:2] = v[b]
    np.testing.assert_array_equal(np.array(out), exp)

    w = np.arange(1, 21, dtype=np.float64).reshape(4, 5)

    def f_np(a, u):
        a = a.copy()
        a[np.array([2, 0]), 1:5:2] = u
        return (a ** 2 * w).sum()
    check_grad(lambda a, u: (f(a, u) ** 2 * mx.array(w)).sum(), f_np, x[0], v[0], argnum=0)
    check_grad(lambda a, u: (f(a, u) ** 2 * mx.array(w)).sum(), f_np, x[0], v[0], argnum=1)
