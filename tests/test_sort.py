"""sort and argsort against NumPy: every dtype, every axis, NaN and signed-zero order,
stability, empty, scalar and non-contiguous inputs, long runs (radix path), gradients by
finite differences, vmap against a loop, and bad axes."""

import numpy as np
import pytest

import mlx.core as mx

from helpers import ALL_DTYPE_NAMES, FLOATING, check_grad, mx_from_np, sample, to_np


def np_sorted(x, axis):
    return np.take_along_axis(x, np.argsort(x, axis=axis, kind="stable"), axis=axis)


@pytest.mark.parametrize("dt", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("n", [7, 300, 3000])
def test_sort_argsort_dtypes(dt, n):
    x = sample((3, n), dt, low=-50, high=50, seed=n)
    a = mx_from_np(x, dt)
    for axis in (0, 1, -1):
        idx = mx.argsort(a, axis=axis)
        assert idx.dtype == mx.uint32
        np.testing.assert_array_equal(np.array(idx), np.argsort(x, axis=axis, kind="stable"))
        s = mx.sort(a, axis=axis)
        assert s.dtype == a.dtype
        np.testing.assert_array_equal(to_np(s), np_sorted(x, axis))


@pytest.mark.parametrize("dt", ["int8", "uint8", "int16", "int32", "uint32", "int64", "uint64"])
def test_integer_extremes(dt):
    info = np.iinfo(np.dtype(dt))
    x = np.array([info.max, info.min, 0, 1, info.max - 1, info.min + 1, 5] * 50, dtype=dt)
    np.testing.assert_array_equal(np.array(mx.sort(mx.array(x))), np.sort(x))
    np.testing.assert_array_equal(np.array(mx.argsort(mx.array(x))), np.argsort(x, kind="stable"))


@pytest.mark.parametrize("dt", FLOATING)
@pytest.mark.parametrize("n", [9, 1000])
def test_nan_inf_and_signed_zero(dt, n):
    rng = np.random.default_rng(n)
    base = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, 1.5, -1.5, -np.nan])
    x = rng.choice(base, size=n).astype(np.float32)
    a = mx.array(x).astype(getattr(mx, dt))
    xr = to_np(a)  # the values as the dtype holds them
    expect_idx = np.argsort(xr, kind="stable")  # NumPy: NaN last, -0 == 0, stable
    np.testing.assert_array_equal(np.array(mx.argsort(a)), expect_idx)
    s = to_np(mx.sort(a))
    e = xr[expect_idx]
    np.testing.assert_array_equal(s, e)
    # -0 and 0 keep their input order and their sign bits.
    np.testing.assert_array_equal(np.signbit(s), np.signbit(e))


def test_nan_payloads_survive():
    bits = np.array([0x7FC00001, 0x3F800000, 0xFFC00002, 0x80000000, 0, 0x7F800001], np.uint32)
    x = np.tile(bits, 100).view(np.float32)
    for a in (mx.array(x), mx.array(x[:6])):
        s = np.array(mx.sort(a)).view(np.uint32)
        xs = np.array(a).view(np.float32)
        np.testing.assert_array_equal(s, xs[np.argsort(xs, kind="stable")].view(np.uint32))


def test_stability_with_many_ties():
    rng = np.random.default_rng(1)
    for dt in ("int32", "float32", "float16", "int8", "bool_", "float64", "int64"):
        x = rng.integers(0, 3, size=5000).astype(np.dtype(dt if dt != "bool_" else "bool"))
        a = mx.array(x)
        np.testing.assert_array_equal(np.array(mx.argsort(a)), np.argsort(x, kind="stable"))


def test_complex_lexicographic():
    x = np.array([1 + 2j, 1 + 1j, 0 + 5j, -1 - 1j, 1 + 1j, 0 - 5j] * 60, np.complex64)
    np.testing.assert_array_equal(np.array(mx.sort(mx.array(x))), np.sort(x, kind="stable"))
    np.testing.assert_array_equal(np.array(mx.argsort(mx.array(x))), np.argsort(x, kind="stable"))


def test_bool():
    x = np.array([True, False, True, False, False])
    np.testing.assert_array_equal(np.array(mx.sort(mx.array(x))), np.sort(x))
    np.testing.assert_array_equal(np.array(mx.argsort(mx.array(x))), np.argsort(x, kind="stable"))


def test_axis_none_flattens():
    x = sample((3, 4, 5), "float32", seed=2)
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(mx.sort(a, axis=None)), np.sort(x, axis=None))
    np.testing.assert_array_equal(np.array(mx.argsort(a, axis=None)), np.argsort(x, axis=None, kind="stable"))
    assert mx.sort(mx.array(3), axis=None).shape == (1,)
    assert mx.argsort(mx.array(3.0), axis=None).tolist() == [0]


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_every_axis_3d(axis):
    x = sample((4, 5, 6), "float32", seed=axis + 10)
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(mx.sort(a, axis=axis)), np.sort(x, axis=axis))
    np.testing.assert_array_equal(np.array(mx.argsort(a, axis=axis)), np.argsort(x, axis=axis, kind="stable"))


def test_non_contiguous_inputs():
    x = sample((40, 30), "float32", seed=5)
    a = mx.array(x)
    for view, nview in ((a.T, x.T), (a[::2, 1::3], x[::2, 1::3]), (a[:, ::-1], x[:, ::-1]),
                        (mx.broadcast_to(a[:1], (5, 30)), np.broadcast_to(x[:1], (5, 30)))):
        for axis in (0, 1):
            np.testing.assert_array_equal(np.array(mx.sort(view, axis=axis)), np.sort(nview, axis=axis))
            np.testing.assert_array_equal(np.array(mx.argsort(view, axis=axis)),
                                          np.argsort(nview, axis=axis, kind="stable"))


def test_large_strided_rows():
    x = sample((3, 5000), "float32", seed=6)
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(mx.sort(a.T, axis=0)), np.sort(x.T, axis=0))
    np.testing.assert_array_equal(np.array(mx.argsort(a[:, ::-1])), np.argsort(x[:, ::-1], kind="stable"))


def test_empty():
    for shape, axis in (((0,), 0), ((3, 0), 1), ((3, 0), 0), ((0, 4), -1)):
        a = mx.zeros(shape)
        assert mx.sort(a, axis=axis).shape == shape
        r = mx.argsort(a, axis=axis)
        assert r.shape == shape and r.dtype == mx.uint32


def test_bad_axis_and_scalar():
    with pytest.raises(IndexError):
        mx.sort(mx.array(1.0))
    with pytest.raises(IndexError):
        mx.argsort(mx.array(1))
    with pytest.raises(IndexError):
        mx.sort(mx.zeros((2, 3)), axis=2)
    with pytest.raises(IndexError):
        mx.argsort(mx.zeros((2, 3)), axis=-3)
    with pytest.raises(TypeError):
        mx.sort([3, 1, 2])


def test_lazy_and_keyword_names():
    a = mx.array([3.0, 1.0, 2.0])
    assert mx.sort(a, axis=0).tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(TypeError):  # a is positional-only, as in the reference
        mx.sort(a=a, axis=0)
    assert mx.argsort(a, axis=-1).tolist() == [1, 2, 0]


def test_sort_grad():
    rng = np.random.default_rng(7)
    w = rng.normal(size=(4, 6))
    x = rng.normal(size=(4, 6))
    for axis in (0, 1):
        check_grad(lambda v: (mx.sort(v, axis=axis) * mx.array(w)).sum(),
                   lambda v: (np.sort(v, axis=axis) * w).sum(), x)
    check_grad(lambda v: (mx.sort(v, axis=None) * mx.array(w.reshape(-1))).sum(),
               lambda v: (np.sort(v, axis=None) * w.reshape(-1)).sum(), x)


def test_sort_grad_long_run_float32():
    rng = np.random.default_rng(8)
    x = rng.permutation(1000).astype(np.float32)
    w = rng.normal(size=1000).astype(np.float32)
    g = mx.grad(lambda v: (mx.sort(v) * mx.array(w)).sum())(mx.array(x))
    # d/dx_i = w at the sorted position of x_i
    np.testing.assert_allclose(np.array(g), w[np.argsort(np.argsort(x))])


def test_sort_jvp_and_argsort_grad():
    x = mx.array([3.0, 1.0, 2.0])
    t = mx.array([10.0, 20.0, 30.0])
    out, jt = mx.jvp(lambda v: mx.sort(v), [x], [t])
    assert out[0].tolist() == [1.0, 2.0, 3.0]
    assert jt[0].tolist() == [20.0, 30.0, 10.0]
    g = mx.grad(lambda v: (mx.argsort(v).astype(mx.float32) * v).sum())(x)
    assert g.tolist() == [1.0, 2.0, 0.0]  # the indices are constants
    vjp_out = mx.vjp(lambda v: mx.sort(v), [x], [mx.array([1.0, 2.0, 3.0])])[1]
    assert vjp_out[0].tolist() == [3.0, 1.0, 2.0]


@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_vmap_sort_argsort(in_axis):
    x = sample((3, 4, 5), "float32", seed=9)
    a = mx.array(x)
    for axis in (0, 1, -1):
        r = mx.vmap(lambda v: mx.sort(v, axis=axis), in_axes=in_axis)(a)
        exp = np.stack([np.sort(np.take(x, i, axis=in_axis), axis=axis) for i in range(x.shape[in_axis])])
        np.testing.assert_array_equal(np.array(r), exp)
        r = mx.vmap(lambda v: mx.argsort(v, axis=axis), in_axes=in_axis)(a)
        exp = np.stack([np.argsort(np.take(x, i, axis=in_axis), axis=axis, kind="stable")
                        for i in range(x.shape[in_axis])])
        np.testing.assert_array_equal(np.array(r), exp)


def test_vmap_of_grad_of_sort():
    x = sample((3, 6), "float32", seed=11)
    w = np.arange(6, dtype=np.float32)
    g = mx.vmap(mx.grad(lambda v: (mx.sort(v) * mx.array(w)).sum()))(mx.array(x))
    exp = np.stack([w[np.argsort(np.argsort(r))] for r in x])
    np.testing.assert_allclose(np.array(g), exp)


def test_help_has_docstrings():
    for f in (mx.sort, mx.argsort):
        assert "Args:" in f.__doc__ and "axis" in f.__doc__


@pytest.mark.parametrize("dt", ["float32", "int64", "float16", "float64", "uint8"])
def test_long_runs_shared_by_threads(dt):
    # Long enough that one run is split over the thread pool.
    x = sample((300_000,), dt, low=-1000, high=1000, seed=12)
    a = mx_from_np(x, dt)
    np.testing.assert_array_equal(to_np(mx.sort(a)), np.sort(x, kind="stable"))
    np.testing.assert_array_equal(np.array(mx.argsort(a)), np.argsort(x, kind="stable"))
    y = np.stack([x[:150_000], x[150_000:]], axis=1)
    np.testing.assert_array_equal(to_np(mx.sort(mx_from_np(y, dt), axis=0)), np.sort(y, axis=0, kind="stable"))


@pytest.mark.parametrize("axis", [0, 1])
def test_large_array_strided_axis(axis):
    # Large enough that strided runs are sorted through a copy with the axis last.
    x = sample((4, 200, 100), "float32", seed=20)
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(mx.sort(a, axis=axis)), np.sort(x, axis=axis))
    np.testing.assert_array_equal(np.array(mx.argsort(a, axis=axis)), np.argsort(x, axis=axis, kind="stable"))
    xt = x.transpose(2, 0, 1)
    np.testing.assert_array_equal(np.array(mx.sort(a.transpose(2, 0, 1), axis=axis + 1)), np.sort(xt, axis=axis + 1))
    p = np.array(mx.partition(a, 2, axis=axis))
    np.testing.assert_array_equal(np.take(p, 2, axis=axis), np.take(np.sort(x, axis=axis), 2, axis=axis))


@pytest.mark.parametrize("case", ["normal", "narrow", "ties", "nan_zero", "one_big_bucket", "sorted", "constant",
                                  "float64", "int64"])
def test_long_runs_by_distribution(case):
    # Runs of 2**15 items and more take the most-significant-digit-first radix sort, whose
    # first digit is taken below the bits all keys share: clustered, tied, special and
    # skewed values must all come out in order (one digit holding most of the items is
    # sorted recursively).
    rng = np.random.default_rng(3)
    n = 200_000
    x = {
        "normal": lambda: rng.standard_normal(n).astype(np.float32),
        "narrow": lambda: (1e6 + rng.standard_normal(n)).astype(np.float32),
        "ties": lambda: rng.integers(0, 5, n).astype(np.float32),
        "nan_zero": lambda: np.where(rng.uniform(size=n) < 0.1, np.nan,
                                     np.where(rng.uniform(size=n) < 0.2, -0.0, rng.standard_normal(n))).astype(np.float32),
        "one_big_bucket": lambda: np.concatenate([1 + 1e-3 * rng.standard_normal(150_000),
                                                  100 * rng.standard_normal(50_000)]).astype(np.float32),
        "sorted": lambda: np.arange(n, dtype=np.float32)[::-1].copy(),
        "constant": lambda: np.full(n, 3.0, np.float32),
        "float64": lambda: rng.standard_normal(n),
        "int64": lambda: rng.integers(-2**62, 2**62, n),
    }[case]()
    a = mx.array(x, mx.float64) if x.dtype == np.float64 else mx.array(x)
    s = np.array(mx.sort(a))
    want = np.sort(x, kind="stable")
    np.testing.assert_array_equal(s, want)
    if x.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(s), np.signbit(want))  # -0 before +0, as they came
    np.testing.assert_array_equal(np.array(mx.argsort(a)), np.argsort(x, kind="stable"))
