"""The forward kernel's register tiles (12 output rows with 64-byte vectors, 6 otherwise):
every row count of a tile's tail (lines of 1 to 26 outputs) and panel tails (output
channels past a whole panel), for float32 and float64, against the float64 NumPy oracle."""
import numpy as np
import pytest

import mlx.core as mx
from conv_oracle import np_conv_general
from helpers import to_np


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("width", [1, 5, 7, 11, 12, 13, 19, 24, 26])
@pytest.mark.parametrize("cout,stride", [(40, 1), (33, 2), (17, 1)])
def test_tile_tails_match_numpy(dtype, width, cout, stride):
    rng = np.random.default_rng(width)
    x = rng.standard_normal((2, 3, width * stride, 3))
    w = rng.standard_normal((cout, 3, 3, 3))
    kw = dict(stride=stride, padding=1)
    npdt = np.float64 if dtype == "float64" else np.float32
    x, w = x.astype(npdt), w.astype(npdt)
    got = mx.conv_general(mx.array(x, getattr(mx, dtype)), mx.array(w, getattr(mx, dtype)), **kw)
    want = np_conv_general(x, w, **kw)
    tol = 1e-12 if dtype == "float64" else 2e-5
    np.testing.assert_allclose(to_np(got).astype(np.float64), want, rtol=tol, atol=tol * max(1.0, np.abs(want).max()))
