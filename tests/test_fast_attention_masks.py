"""scaled_dot_product_attention with mask arrays over block and tile edges: query rows and keys
that are not multiples of the 16 x 16 mask tiles or of the blocks, broadcast and strided
masks, half dtypes, and the AVX2 / baseline kernels (OPENMLX_SIMD_ISA, in a subprocess)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx
from test_fast_attention import ref

sdpa = mx.fast.scaled_dot_product_attention

# B, H, Hkv, Lq, Lk, D
SHAPES = [(1, 2, 2, 5, 3, 8), (2, 3, 1, 17, 33, 16), (1, 4, 2, 70, 200, 32), (1, 2, 2, 130, 257, 64)]
# How the mask broadcasts: full, one per head, shared over heads and batch, one row per batch.
MASK_FORMS = ["full", "heads", "shared", "keys"]
TOL = {mx.float32: 2e-5, mx.float16: 4e-3, mx.bfloat16: 3e-2}


def mask_for(form, kind, B, H, Lq, Lk, seed):
    shape = {"full": (B, H, Lq, Lk), "heads": (H, Lq, Lk), "shared": (Lq, Lk), "keys": (B, 1, 1, Lk)}[form]
    r = np.random.default_rng(seed)
    if kind == "bool":
        return r.random(shape) > 0.3
    return (r.standard_normal(shape) * 2).astype(np.float32)


def check(shape, form, kind, dtype):
    B, H, Hkv, Lq, Lk, D = shape
    r = np.random.default_rng(1)
    q = r.standard_normal((B, H, Lq, D)).astype(np.float32)
    k = r.standard_normal((B, Hkv, Lk, D)).astype(np.float32)
    v = r.standard_normal((B, Hkv, Lk, D)).astype(np.float32)
    m = mask_for(form, kind, B, H, Lq, Lk, 2)
    mm = mx.array(m) if kind == "bool" else mx.array(m).astype(dtype)
    qm, km, vm = (mx.array(x).astype(dtype) for x in (q, k, v))
    out = sdpa(qm, km, vm, scale=D**-0.5, mask=mm)
    # The reference sees the inputs as rounded to dtype.
    rd = lambda a: np.array(mx.array(a).astype(dtype).astype(mx.float32))
    mr = m if kind == "bool" else rd(m)
    want = ref(rd(q), rd(k), rd(v), D**-0.5, mr)
    got = np.array(out.astype(mx.float32))
    np.testing.assert_allclose(got, want, atol=TOL[dtype], rtol=TOL[dtype])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("form", MASK_FORMS)
@pytest.mark.parametrize("kind", ["bool", "add"])
def test_mask_tiles_match_numpy(shape, form, kind):
    check(shape, form, kind, mx.float32)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
@pytest.mark.parametrize("kind", ["bool", "add"])
def test_mask_tiles_half_dtypes(dtype, kind):
    check((1, 4, 2, 70, 200, 32), "full", kind, dtype)


def test_mask_strided_keys():
    # A mask whose key axis is not contiguous (a transposed view) takes the element-wise path.
    B, H, Lq, Lk, D = 1, 2, 40, 40, 16
    r = np.random.default_rng(3)
    q, k, v = (r.standard_normal((B, H, L, D)).astype(np.float32) for L in (Lq, Lk, Lk))
    m = r.standard_normal((Lk, Lq)).astype(np.float32)
    mt = mx.swapaxes(mx.array(m), 0, 1)
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.25, mask=mt)
    np.testing.assert_allclose(np.array(out), ref(q, k, v, 0.25, m.T), atol=2e-5, rtol=2e-5)
    keep = r.random((Lk, Lq)) > 0.5
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.25, mask=mx.swapaxes(mx.array(keep), 0, 1))
    np.testing.assert_allclose(np.array(out), ref(q, k, v, 0.25, keep.T), atol=2e-5, rtol=2e-5)


def test_mask_fully_masked_rows_in_tiles():
    # Boolean rows with no key kept average the values, wherever they sit in a 16-row tile.
    B, H, Lq, Lk, D = 1, 1, 40, 50, 8
    r = np.random.default_rng(4)
    q, k, v = (r.standard_normal((B, H, L, D)).astype(np.float32) for L in (Lq, Lk, Lk))
    keep = r.random((Lq, Lk)) > 0.5
    keep[[0, 15, 17, 39]] = False
    out = np.array(sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.3, mask=mx.array(keep)))
    np.testing.assert_allclose(out, ref(q, k, v, 0.3, keep), atol=2e-5, rtol=2e-5)
    np.testing.assert_allclose(out[0, 0, 17], v[0, 0].mean(0), atol=1e-5)


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
def test_mask_tiles_narrower_isas(isa):
    # The same cases on the AVX2 and baseline kernels (the ISA is fixed at process start).
    code = (
        "import mlx.core as mx\n"
        "from test_fast_attention_masks import check, SHAPES, MASK_FORMS\n"
        "for s in SHAPES:\n"
        "    for f in MASK_FORMS:\n"
        "        for kind in ('bool', 'add'):\n"
        "            check(s, f, kind, mx.float32)\n"
        "check((1, 4, 2, 70, 200, 32), 'full', 'add', mx.float16)\n"
    )
    env = dict(os.environ, OPENMLX_SIMD_ISA=isa)
    env["PYTHONPATH"] = os.path.dirname(__file__) + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
