# The kernels with run-time ISA variants (backend/cpu/simd_dispatch.h): the tiled transpose
# copy (AVX-512 16x16 blocks, SSE/NEON 4x4 blocks, scalar) and softmax (target clones)
# give the same answers on every path.
import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx

# (2048, 1024): a destination of 8 MB and more takes the streaming-store path.
SHAPES = [(64, 64), (32, 48), (67, 129), (96, 160), (1024, 33), (3, 64, 96), (2, 5, 40, 72), (2048, 1024)]


def _transposes(seed=0):
    rng = np.random.default_rng(seed)
    for shape in SHAPES:
        bits = rng.integers(0, 2**32, size=shape, dtype=np.uint64).astype(np.uint32)
        # NaN payloads and signalling NaNs must come through bit for bit.
        bits.flat[::7] = 0x7F800001
        bits.flat[::11] = 0xFFC12345
        for perm in ([[1, 0]] if len(shape) == 2 else [list(reversed(range(len(shape)))),
                                                       [0] + list(reversed(range(1, len(shape))))]):
            yield bits, perm


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint32"])
def test_transpose_copy_is_exact(dtype):
    for bits, perm in _transposes():
        src = bits.view(dtype)
        a = mx.array(src)
        got = np.array(mx.contiguous(mx.transpose(a, perm)))
        want = np.ascontiguousarray(np.transpose(src, perm))
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
        # A strided source (every other column) and a reshape that forces the copy.
        s2 = src[..., ::2]
        got = np.array(mx.reshape(mx.transpose(mx.array(src)[..., ::2], perm), (-1,)))
        assert np.array_equal(got.view(np.uint32), np.transpose(s2, perm).reshape(-1).view(np.uint32))


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
def test_narrower_isa_paths_agree(isa):
    # The hand-dispatched kernels read the ISA once per process: run the exactness check
    # with the widest variant capped.
    code = ("import sys; sys.path.insert(0, %r); import test_simd_dispatch as t; "
            "[t.test_transpose_copy_is_exact(d) for d in ('float32', 'int32')]; "
            "t.test_softmax_matches_numpy('float32'); print('ok')" % os.path.dirname(__file__))
    env = dict(os.environ, OPENMLX_SIMD_ISA=isa)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("ok")


def _np_softmax(x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_softmax_matches_numpy(dtype):
    rng = np.random.default_rng(1)
    tol = {"float32": 1e-6, "float16": 2e-3, "bfloat16": 1e-2}[dtype]
    for shape in [(7, 1), (5, 17), (64, 1000), (3, 4, 129), (2, 70000)]:
        x = (rng.standard_normal(shape) * 30).astype(np.float32)
        a = mx.array(x).astype(getattr(mx, dtype))
        xs = np.array(a.astype(mx.float32))
        got = np.array(mx.softmax(a, axis=-1).astype(mx.float32))
        np.testing.assert_allclose(got, _np_softmax(xs), rtol=tol, atol=tol * 1e-3)


def test_softmax_non_finite_rows():
    inf, nan = np.inf, np.nan
    x = np.array([[0.0, -inf, 1.0, -inf],     # -inf entries give exact zeros
                  [-200.0, 0.0, -104.0, -90.0],  # exponents below float32's range
                  [1.0, nan, 2.0, 3.0],       # a NaN: the whole row is NaN
                  [1.0, inf, 2.0, 3.0],       # an infinite maximum: NaN
                  [-inf, -inf, -inf, -inf],   # nothing but -inf: NaN
                  [inf, inf, 0.0, 0.0]], np.float32)
    want = _np_softmax(np.where(np.isfinite(x), x, 0))
    for dt in (mx.float32, mx.float16, mx.bfloat16):
        got = np.array(mx.softmax(mx.array(x).astype(dt), axis=-1).astype(mx.float32))
        assert got[0].tolist()[1] == 0.0 and got[0].tolist()[3] == 0.0
        np.testing.assert_allclose(got[0, [0, 2]], _np_softmax(np.array([[0.0, 1.0]]))[0], rtol=1e-2)
        np.testing.assert_allclose(got[1], _np_softmax(x[1:2])[0], rtol=1e-2, atol=1e-30)
        assert np.isnan(got[2:]).all()
    del want
