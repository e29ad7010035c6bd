"""rms_norm / layer_norm outputs past the streaming-store threshold (8 MiB), where rows are
written with streaming stores while the next row is prefetched: every weight / bias
combination, row lengths with vector tails, values far from zero, and the AVX2 / baseline
kernels (OPENMLX_SIMD_ISA, in a subprocess)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import mlx.core as mx
from test_fast_norm_rope import np_ln, np_rms


def check(rows, n, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, n)) + shift).astype(np.float32)
    x[::7, 0] += 50 * (1 + abs(shift))  # an outlier in some rows
    w, b = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    xm, wm, bm = mx.array(x), mx.array(w), mx.array(b)
    for ww, bb in ((w, b), (w, None), (None, b), (None, None)):
        got = mx.fast.layer_norm(xm, None if ww is None else wm, None if bb is None else bm, 1e-5)
        # The float32 mean of values near `shift` is good to about ulp(shift): that much of
        # the error is the input's, not the kernel's (the float64 oracle has none).
        atol = 2e-4 + 1e-7 * abs(shift) * (1 if ww is None else np.abs(ww).max())
        np.testing.assert_allclose(np.array(got), np_ln(x, ww, bb, 1e-5), rtol=2e-5, atol=atol)
    for ww in (w, None):
        got = mx.fast.rms_norm(xm, None if ww is None else wm, 1e-5)
        np.testing.assert_allclose(np.array(got), np_rms(x, ww, 1e-5), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("n", [4096, 4099, 1000, 17])
def test_streamed_norms_match_numpy(n):
    check((8 << 20) // (4 * n) + 3, n)


@pytest.mark.parametrize("shift", [1e3, 1e4])
def test_streamed_layer_norm_far_from_zero(shift):
    check(600, 4096, shift, seed=1)


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
def test_streamed_norms_narrower_isas(isa):
    code = "from test_fast_norm_stream import check\ncheck(600, 4096, 1e3)\ncheck(530, 4099)\n"
    env = dict(os.environ, OPENMLX_SIMD_ISA=isa)
    env["PYTHONPATH"] = os.path.dirname(__file__) + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
