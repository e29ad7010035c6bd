"""Large reductions and copies that take the threaded paths (above the pool's
threshold), every layout the kernels tell apart, against NumPy; integer sums and
products that overflow wrap as NumPy's do; results do not depend on the number of
threads."""

import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx

rng = np.random.default_rng(7)

# (shape, axis): rows, columns, batched columns, all axes, mixed, and size-1 axes.
LAYOUTS = [
    ((1 << 20,), None),
    ((3_000_001,), 0),
    ((1000, 1000), 0),
    ((1000, 1000), 1),
    ((3, 700, 500), 1),
    ((700, 3, 500), (0, 2)),
    ((64, 64, 64), (0, 2)),
    ((2, 300_000), 1),
    ((300_000, 2), 0),
    ((300_000, 3), 1),
    ((1, 512, 1, 512), (1, 3)),
    ((512, 1, 512), 2),
]


@pytest.mark.parametrize("shape,axis", LAYOUTS)
@pytest.mark.parametrize("op", ["sum", "prod", "max", "min"])
def test_large_float_reductions(shape, axis, op):
    x = rng.uniform(0.5, 1.5, size=shape).astype(np.float32)
    if op == "prod":  # exact products: +-1 and a few powers of two
        x = rng.choice(np.array([1.0, -1.0], np.float32), size=shape)
        flat = x.reshape(-1)
        flat[rng.integers(0, flat.size, 40)] = 2.0
        flat[rng.integers(0, flat.size, 40)] = 0.5
    got = getattr(mx, op)(mx.array(x), axis=axis)
    want = getattr(np, op)(x.astype(np.float64), axis=axis)
    np.testing.assert_allclose(np.array(got), want, rtol=2e-5)


@pytest.mark.parametrize("shape,axis", LAYOUTS)
def test_large_reductions_of_transposed_and_strided_views(shape, axis):
    x = rng.standard_normal(shape).astype(np.float32)
    a = mx.array(x)
    for view, xv in ((a.T, x.T), (a[..., ::2], x[..., ::2])):
        for op in ("sum", "max"):
            got = getattr(mx, op)(view, axis=axis)
            want = getattr(np, op)(xv.astype(np.float64), axis=axis)
            np.testing.assert_allclose(np.array(got), want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint32", "float64", "float16", "bfloat16", "bool_"])
def test_large_sum_and_extremes_other_dtypes(dtype):
    x = rng.integers(0, 3, size=(600, 700))
    if dtype == "bool_":
        x = x > 0
    dt = getattr(mx, dtype)
    a = mx.array(x).astype(dt)
    for axis in (None, 0, 1):
        want = np.sum(x.astype(np.int64), axis=axis)
        # The exact sum (computed in float32 for half types) rounded once to the result dtype.
        want = mx.array(want, dtype=mx.float64).astype(mx.sum(a).dtype).astype(mx.float64)
        np.testing.assert_array_equal(np.array(mx.sum(a, axis=axis).astype(mx.float64)), np.array(want))
        np.testing.assert_array_equal(np.array(mx.max(a, axis=axis).astype(mx.float64)), np.max(x, axis=axis))
        np.testing.assert_array_equal(np.array(mx.min(a, axis=axis).astype(mx.float64)), np.min(x, axis=axis))


@pytest.mark.parametrize("shape,axis", [((1000, 1000), 0), ((1000, 1000), 1), ((3, 500, 400), 1),
                                        ((400, 3, 500), None), ((2_000_000,), 0)])
def test_large_argmax_argmin(shape, axis):
    x = rng.standard_normal(shape).astype(np.float32)
    a = mx.array(x)
    for f in ("argmax", "argmin"):
        got = getattr(mx, f)(a, axis=axis) if axis is not None else getattr(mx, f)(a)
        np.testing.assert_array_equal(np.array(got), getattr(np, f)(x, axis=axis))
        got = getattr(mx, f)(a.T, axis=axis) if axis is not None else getattr(mx, f)(a.T)
        np.testing.assert_array_equal(np.array(got), getattr(np, f)(x.T, axis=axis))


def test_nan_propagates_through_threaded_max_min():
    x = rng.standard_normal((1000, 1000)).astype(np.float32)
    x[999, 3] = np.nan
    x[5, 999] = np.nan
    a = mx.array(x)
    for op in ("max", "min"):
        for axis in (None, 0, 1):
            np.testing.assert_array_equal(np.array(getattr(mx, op)(a, axis=axis)), getattr(np, op)(x, axis=axis))


# Integer sums and products wrap around (two's complement), as NumPy's do in the same dtype.
@pytest.mark.parametrize("dtype,acc", [("int8", "int32"), ("int16", "int32"), ("int32", "int32"),
                                       ("int64", "int64"), ("uint8", "uint32"), ("uint16", "uint32"),
                                       ("uint32", "uint32"), ("uint64", "uint64")])
@pytest.mark.parametrize("n", [100, 1 << 18])
def test_integer_sum_and_prod_wrap(dtype, acc, n):
    info = np.iinfo(dtype)
    x = rng.integers(info.max // 2, info.max, size=(n,), endpoint=True, dtype=dtype)
    x[::7] = info.min if info.min < 0 else info.max
    a = mx.array(x)
    s = mx.sum(a)
    assert s.dtype == getattr(mx, acc)
    assert s.item() == np.sum(x.astype(acc), dtype=acc).item()
    p = mx.prod(a)
    assert p.dtype == getattr(mx, acc)
    assert p.item() == np.prod(x.astype(acc), dtype=acc).item()
    y = x.reshape(2, -1)
    np.testing.assert_array_equal(np.array(mx.sum(mx.array(y), axis=0)), np.sum(y.astype(acc), axis=0, dtype=acc))
    np.testing.assert_array_equal(np.array(mx.prod(mx.array(y), axis=1)), np.prod(y.astype(acc), axis=1, dtype=acc))


def test_int64_sum_wraps_at_the_limit():
    big = np.iinfo(np.int64).max
    assert mx.sum(mx.array([big, 1], dtype=mx.int64)).item() == np.iinfo(np.int64).min
    assert mx.prod(mx.array([2**62, 4], dtype=mx.int64)).item() == 0
    assert mx.sum(mx.array([np.iinfo(np.int32).max, 1], dtype=mx.int32)).item() == np.iinfo(np.int32).min


# -- copies --

@pytest.mark.parametrize("dtype", ["bool_", "uint8", "int16", "float32", "float64", "complex64"])
def test_large_transpose_copies(dtype):
    x = rng.standard_normal((1021, 1030))
    if dtype == "complex64":
        x = x + 1j * rng.standard_normal(x.shape)
    x = x.astype(np.bool_ if dtype == "bool_" else getattr(np, dtype) if dtype != "complex64" else np.complex64)
    a = mx.array(x, dtype=getattr(mx, dtype))
    np.testing.assert_array_equal(np.array(mx.reshape(a.T, (-1,))), x.T.reshape(-1))
    y = rng.standard_normal((7, 130, 150)).astype(np.float32)
    b = mx.array(y)
    for perm in ((0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1)):
        np.testing.assert_array_equal(np.array(mx.reshape(mx.transpose(b, perm), (-1,))),
                                      np.transpose(y, perm).reshape(-1))


def test_large_strided_copies_and_casts():
    x = rng.standard_normal((600, 900)).astype(np.float32)
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(mx.reshape(a[::-1, ::3], (-1,))), x[::-1, ::3].reshape(-1))
    np.testing.assert_array_equal(np.array(a.T.astype(mx.float64)), x.T.astype(np.float64))
    np.testing.assert_array_equal(np.array(a.astype(mx.float64)), x.astype(np.float64))
    np.testing.assert_array_equal(np.array(mx.reshape(mx.broadcast_to(a[:, :1], (600, 900)).T, (-1,))),
                                  np.broadcast_to(x[:, :1], (600, 900)).T.reshape(-1))
    big = rng.standard_normal(3_000_003).astype(np.float32)
    np.testing.assert_array_equal(np.array(mx.array(big) + 0), big)


def test_results_do_not_depend_on_thread_count():
    code = ("import numpy as np, mlx.core as mx\n"
            "x = mx.array(np.random.default_rng(1).standard_normal((3000, 3000)).astype(np.float32))\n"
            "r = [mx.sum(x), mx.sum(x, axis=0), mx.sum(x, axis=1), mx.sum(x[:, :2], axis=0)]\n"
            "print(repr(b''.join(np.array(v).tobytes() for v in r)))\n")
    outs = []
    for n in ("1", "2", "5"):
        env = dict(os.environ, MLX_NUM_THREADS=n)
        outs.append(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                   text=True, check=True).stdout)
    assert outs[0] == outs[1] == outs[2]
