"""Products split over the thread pool (row blocks or column blocks of C) equal NumPy's,
for every transpose combination; OpenBLAS itself runs on one thread."""

import ctypes
import glob
import os

import numpy as np
import pytest

import mlx.core as mx

SHAPES = [
    (301, 67, 129),   # m >= n: row blocks
    (3, 5000, 100),   # m < n: column blocks
    (1, 4096, 300),   # vector @ matrix: GEMV over column blocks
    (4096, 1, 300),   # matrix @ vector: GEMV over row blocks
    (257, 263, 1),    # k = 1
]


@pytest.mark.parametrize("m,n,k", SHAPES)
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
def test_split_products_match_numpy(m, n, k, ta, tb, dtype):
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((k, m) if ta else (m, k))
    b = rng.standard_normal((n, k) if tb else (k, n))
    if dtype == np.complex64:
        a = a + 1j * rng.standard_normal(a.shape)
        b = b + 1j * rng.standard_normal(b.shape)
    a, b = a.astype(dtype), b.astype(dtype)
    mxd = {np.float32: mx.float32, np.float64: mx.float64, np.complex64: mx.complex64}[dtype]
    xa, xb = mx.array(a, dtype=mxd), mx.array(b, dtype=mxd)
    out = (xa.T if ta else xa) @ (xb.T if tb else xb)
    ref = (a.T if ta else a).astype(np.complex128 if dtype == np.complex64 else np.float64) @ (b.T if tb else b)
    tol = 1e-10 if dtype == np.float64 else 2e-4 * np.sqrt(k)
    np.testing.assert_allclose(np.array(out), ref, rtol=tol, atol=tol)


def test_batched_and_gather_products_split():
    rng = np.random.default_rng(0)
    for batch, m, n, k in [(3, 200, 150, 90), (40, 16, 16, 16), (2, 1, 3000, 200)]:
        a = rng.standard_normal((batch, m, k)).astype(np.float32)
        b = rng.standard_normal((batch, k, n)).astype(np.float32)
        np.testing.assert_allclose(np.array(mx.array(a) @ mx.array(b)), a @ b, rtol=1e-4, atol=1e-3)
    a = rng.standard_normal((4, 130, 70)).astype(np.float32)
    b = rng.standard_normal((5, 70, 90)).astype(np.float32)
    li, ri = np.array([0, 3, 3, 1]), np.array([4, 0, 2, 2])
    out = mx.gather_mm(mx.array(a), mx.array(b), mx.array(li), mx.array(ri))
    np.testing.assert_allclose(np.array(out), a[li] @ b[ri], rtol=1e-4, atol=1e-3)


def test_openblas_runs_on_one_thread():
    # The engine splits products over its own pool; OpenBLAS's threads would compete with it.
    scipy_openblas64 = pytest.importorskip("scipy_openblas64")
    libs = glob.glob(os.path.join(scipy_openblas64.get_lib_dir(), "libscipy_openblas64_*"))
    lib = ctypes.CDLL(sorted(libs)[0])
    mx.eval(mx.ones((64, 64)) @ mx.ones((64, 64)))
    assert lib.scipy_openblas_get_num_threads64_() == 1
