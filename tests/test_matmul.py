"""matmul / @ against NumPy (computed in float64) for every inexact dtype,
1-d / 2-d / batched / broadcast batch, transposed inputs, and errors."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import FLOATING, assert_allclose, mxdt, sample, to_np

# rtol/atol per dtype for a K<=64 dot product of values in [-1, 1).
MM_TOL = {
    "float16": (1e-2, 2e-2),
    "bfloat16": (3e-2, 1e-1),
    "float32": (1e-5, 1e-5),
    "float64": (1e-12, 1e-12),
    "complex64": (1e-5, 1e-5),
}
MM_DTYPES = list(MM_TOL)


def _data(shape, name, seed):
    return sample(shape, name, low=-1, high=1, seed=seed)


def _check(sa, sb, name, ta=False, tb=False):
    x = _data(sa, name, 1)
    y = _data(sb, name, 2)
    a = mx.array(x, dtype=mxdt(name))
    b = mx.array(y, dtype=mxdt(name))
    if ta:
        a, x = mx.swapaxes(a, -1, -2), np.swapaxes(x, -1, -2)
    if tb:
        b, y = mx.swapaxes(b, -1, -2), np.swapaxes(y, -1, -2)
    wide = np.complex128 if name == "complex64" else np.float64
    expected = np.matmul(x.astype(wide), y.astype(wide))
    r = a @ b
    assert r.dtype == mxdt(name)
    rtol, atol = MM_TOL[name]
    assert_allclose(r, expected, rtol=rtol, atol=atol)
    r2 = mx.matmul(a, b)
    np.testing.assert_array_equal(to_np(r2), to_np(r))


@pytest.mark.parametrize("name", MM_DTYPES)
@pytest.mark.parametrize("sa, sb", [
    ((3, 4), (4, 5)), ((1, 1), (1, 1)), ((17, 33), (33, 9)), ((64, 64), (64, 64)),
    ((4,), (4,)), ((4,), (4, 3)), ((3, 4), (4,)),
    ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
    ((5, 1, 2, 3), (4, 3, 6)), ((2, 1, 3, 4), (1, 3, 4, 2)), ((3,), (2, 3, 4)),
])
def test_matmul(name, sa, sb):
    _check(sa, sb, name)


@pytest.mark.parametrize("name", MM_DTYPES)
@pytest.mark.parametrize("ta, tb", [(True, False), (False, True), (True, True)])
def test_matmul_transposed(name, ta, tb):
    sa = (5, 6) if ta else (6, 5)
    sb = (7, 5) if tb else (5, 7)
    _check(sa, sb, name, ta=ta, tb=tb)
    _check((3,) + sa, (3,) + sb, name, ta=ta, tb=tb)


def test_matmul_strided_views():
    x = _data((8, 10), "float32", 1)
    y = _data((12, 9), "float32", 2)
    a, b = mx.array(x), mx.array(y)
    r = a[::2, 1:] @ b[::-1][1:10, ::2]
    e = x[::2, 1:].astype(np.float64) @ y[::-1][1:10, ::2].astype(np.float64)
    assert_allclose(r, e, rtol=1e-5, atol=1e-5)
    # broadcast (zero-stride) operands
    r = mx.broadcast_to(a[:1], (4, 10)) @ b[:10]
    e = np.broadcast_to(x[:1], (4, 10)).astype(np.float64) @ y[:10].astype(np.float64)
    assert_allclose(r, e, rtol=1e-5, atol=1e-5)


def test_matmul_large_float32():
    x = _data((256, 300), "float32", 3)
    y = _data((300, 200), "float32", 4)
    r = mx.array(x) @ mx.array(y)
    assert_allclose(r, x.astype(np.float64) @ y.astype(np.float64), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_matmul_half_larger(name):
    x = _data((128, 256), name, 5)
    y = _data((256, 96), name, 6)
    r = mx.array(x, dtype=mxdt(name)) @ mx.array(y, dtype=mxdt(name))
    assert r.dtype == mxdt(name)
    e = x.astype(np.float64) @ y.astype(np.float64)
    err = np.abs(to_np(r).astype(np.float64) - e).max()
    assert err < (0.05 if name == "float16" else 0.3), err


def test_matmul_mixed_dtypes():
    assert (mx.ones((2, 3), mx.float16) @ mx.ones((3, 2), mx.float32)).dtype == mx.float32
    assert (mx.ones((2, 3), mx.int32) @ mx.ones((3, 2), mx.float32)).dtype == mx.float32
    r = mx.ones((2, 3), mx.uint8) @ mx.ones((3,), mx.float16)
    assert r.dtype == mx.float16 and r.tolist() == [3.0, 3.0]
    r = mx.ones((2, 3), mx.float16) @ mx.ones((3,), mx.float16)
    assert r.dtype == mx.float16 and r.tolist() == [3.0, 3.0]


def test_matmul_shapes_and_empty():
    assert (mx.ones((3,)) @ mx.ones((3,))).shape == ()
    assert (mx.ones((3,)) @ mx.ones((3,))).item() == 3.0
    assert (mx.ones((0, 3)) @ mx.ones((3, 2))).shape == (0, 2)
    r = mx.ones((2, 0)) @ mx.ones((0, 2))
    assert r.shape == (2, 2) and r.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert (mx.ones((5, 1, 2, 3)) @ mx.ones((4, 3, 6))).shape == (5, 4, 2, 6)


# Integer and bool matmul follow NumPy: tests/test_matmul_family.py::test_matmul_integer_matches_numpy.


@pytest.mark.parametrize("sa, sb", [
    ((2, 3), (4, 2)), ((3,), (4,)), ((2, 2, 3), (3, 3, 2)), ((2, 3), (2,)),
])
def test_matmul_shape_mismatch_raises(sa, sb):
    with pytest.raises(ValueError):
        mx.ones(sa) @ mx.ones(sb)


def test_matmul_zero_d_raises():
    with pytest.raises(ValueError):
        mx.ones(()) @ mx.ones((3,))


def test_matmul_needs_arrays():
    with pytest.raises(TypeError):
        mx.ones((2,)) @ 2
