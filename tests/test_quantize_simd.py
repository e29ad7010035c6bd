"""The quantization kernels with run-time ISA variants (AVX-512 decode of 4/8-bit affine
vector products, the register-tiled product for many rows, the vectorized quantizer) give
the same answers on every path: quantize byte for byte, quantized_matmul against a NumPy
float64 product of the dequantized weights. The narrower paths run in subprocesses with
OPENMLX_SIMD_ISA capping the dispatch."""
import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx

SCRIPT = r"""
import sys
import numpy as np
import mlx.core as mx

out = {}
rng = np.random.default_rng(7)
w = rng.standard_normal((24, 512)).astype(np.float32) * 3
w[0, :64] = 0.0
w[1, 5] = -0.0
w[2, 70] = np.inf
w[3, 1] = -np.inf
w[4, 0] = np.nan
w[5, 200] = np.nan
w[6, :32] = 1.5
w[7] *= 1e-9
for dt in ["float32", "float16", "bfloat16"]:
    wm = mx.array(w).astype(getattr(mx, dt))
    for bits in [2, 3, 4, 5, 6, 8]:
        for gs in [32, 64, 128]:
            r = mx.quantize(wm, group_size=gs, bits=bits)
            for i, a in enumerate(r):
                out[f"q_{dt}_{bits}_{gs}_{i}"] = np.array(a.astype(mx.float32) if i else a)
    for mode in ["mxfp4", "mxfp8", "nvfp4"]:
        r = mx.quantize(wm, mode=mode)
        for i, a in enumerate(r):
            out[f"q_{dt}_{mode}_{i}"] = np.array(a)

# Products: ragged N (row blocks of 4 and 16), M on both sides of the few-rows limit, K
# not a multiple of the dequantized k blocks (1024), and transpose both ways.
for bits in [4, 8, 3]:
    for gs in [32, 64, 128]:
        for n, k in [(42, 128), (19, 1152), (3, 256)]:
            wn = np.random.default_rng(bits * gs + n).standard_normal((n, k)).astype(np.float32)
            wq, s, b = mx.quantize(mx.array(wn), group_size=gs, bits=bits)
            for m in [1, 2, 4, 5, 33]:
                x = mx.array(np.random.default_rng(m).standard_normal((m, k)).astype(np.float32))
                out[f"mm_{bits}_{gs}_{n}_{k}_{m}"] = np.array(mx.quantized_matmul(x, wq, s, b, group_size=gs, bits=bits))
            xt = mx.array(np.random.default_rng(n).standard_normal((3, n)).astype(np.float32))
            out[f"mmn_{bits}_{gs}_{n}_{k}"] = np.array(mx.quantized_matmul(xt, wq, s, b, transpose=False, group_size=gs, bits=bits))
for mode in ["mxfp4", "nvfp4", "mxfp8"]:
    for n, k in [(42, 128), (19, 1152)]:
        wn = np.random.default_rng(n).standard_normal((n, k)).astype(np.float32)
        wq, s = mx.quantize(mx.array(wn), mode=mode)
        for m in [1, 2, 5]:
            x = mx.array(np.random.default_rng(m).standard_normal((m, k)).astype(np.float32))
            out[f"fp_{mode}_{n}_{k}_{m}"] = np.array(mx.quantized_matmul(x, wq, s, mode=mode))
np.savez(sys.argv[1], **out)
"""


def run(tmp_path, isa):
    path = str(tmp_path / f"{isa}.npz")
    env = dict(os.environ)
    env.pop("OPENMLX_SIMD_ISA", None)
    if isa != "native":
        env["OPENMLX_SIMD_ISA"] = isa
    subprocess.run([sys.executable, "-c", SCRIPT, path], env=env, check=True)
    return dict(np.load(path))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qsimd")
    return {isa: run(tmp, isa) for isa in ["native", "avx2", "baseline"]}


def test_quantize_identical_on_every_path(results):
    native = results["native"]
    for isa in ["avx2", "baseline"]:
        other = results[isa]
        for key in native:
            if key.startswith("q_"):
                a, b = native[key], other[key]
                assert a.dtype == b.dtype and a.shape == b.shape, key
                assert np.array_equal(a.view(np.uint8), b.view(np.uint8)), (isa, key)


@pytest.mark.parametrize("isa", ["native", "avx2", "baseline"])
def test_products_match_dequantized_on_every_path(results, isa):
    got = results[isa]
    for bits in [4, 8, 3]:
        for gs in [32, 64, 128]:
            for n, k in [(42, 128), (19, 1152), (3, 256)]:
                wn = np.random.default_rng(bits * gs + n).standard_normal((n, k)).astype(np.float32)
                wq, s, b = mx.quantize(mx.array(wn), group_size=gs, bits=bits)
                wd = np.array(mx.dequantize(wq, s, b, group_size=gs, bits=bits)).astype(np.float64)
                for m in [1, 2, 4, 5, 33]:
                    x = np.random.default_rng(m).standard_normal((m, k)).astype(np.float32).astype(np.float64)
                    ref = x @ wd.T
                    y = got[f"mm_{bits}_{gs}_{n}_{k}_{m}"]
                    np.testing.assert_allclose(y, ref, rtol=2e-4, atol=2e-4 * max(1.0, np.abs(ref).max()) * 4,
                                               err_msg=f"{isa} bits={bits} gs={gs} n={n} k={k} m={m}")
                xt = np.random.default_rng(n).standard_normal((3, n)).astype(np.float32).astype(np.float64)
                ref = xt @ wd
                np.testing.assert_allclose(got[f"mmn_{bits}_{gs}_{n}_{k}"], ref, rtol=2e-4,
                                           atol=2e-4 * max(1.0, np.abs(ref).max()) * 4)


@pytest.mark.parametrize("isa", ["native", "avx2", "baseline"])
def test_fp_mode_products_on_every_path(results, isa):
    got = results[isa]
    for mode in ["mxfp4", "nvfp4", "mxfp8"]:
        for n, k in [(42, 128), (19, 1152)]:
            wn = np.random.default_rng(n).standard_normal((n, k)).astype(np.float32)
            wq, s = mx.quantize(mx.array(wn), mode=mode)
            wd = np.array(mx.dequantize(wq, s, mode=mode)).astype(np.float64)
            for m in [1, 2, 5]:
                x = np.random.default_rng(m).standard_normal((m, k)).astype(np.float32).astype(np.float64)
                ref = x @ wd.T
                np.testing.assert_allclose(got[f"fp_{mode}_{n}_{k}_{m}"], ref, rtol=2e-4,
                                           atol=2e-4 * max(1.0, np.abs(ref).max()) * 4,
                                           err_msg=f"{isa} {mode} n={n} k={k} m={m}")
