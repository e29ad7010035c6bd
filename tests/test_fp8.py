"""to_fp8 / from_fp8 (float8 E4M3fn codes in uint8) against ml_dtypes' float8_e4m3fn, with
the reference's saturation (beyond 448, inf and NaN become +-448)."""
import numpy as np
import pytest

import mlx.core as mx

ml_dtypes = pytest.importorskip("ml_dtypes")
E4M3 = ml_dtypes.float8_e4m3fn


def oracle_codes(x):
    x = np.asarray(x, dtype=np.float32)
    sat = np.where(np.isnan(x), np.float32(448), np.clip(x, -448, 448)).astype(np.float32)
    return sat.astype(E4M3).view(np.uint8)


def test_every_float16_value_encodes_like_ml_dtypes():
    h = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    got = np.array(mx.to_fp8(mx.array(h)))
    assert got.dtype == np.uint8
    assert np.array_equal(got, oracle_codes(h.astype(np.float32)))


@pytest.mark.parametrize("dtype", [mx.float32, mx.float64, mx.bfloat16])
def test_random_values_and_ties(dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(5000) * 100, rng.standard_normal(5000) * 1e-3,
                        [232.0, 0.0009765625, 0.00146484375, -0.0, 1e6, -np.inf, np.inf, np.nan]])
    xm = mx.array(x).astype(dtype)
    ref = oracle_codes(np.array(xm.astype(mx.float32)))
    assert np.array_equal(np.array(mx.to_fp8(xm)), ref)


def test_reference_values():
    x = mx.array([0.0, -0.0, 1.0, 0.3, 448.0, 500.0, -1e6, float("nan"), float("inf"), 232.0, -3.3])
    assert mx.to_fp8(x).tolist() == [0, 128, 56, 42, 126, 126, 254, 126, 126, 118, 197]


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float32, mx.float64])
def test_from_fp8_decodes_every_code(dtype):
    codes = np.arange(256, dtype=np.uint8)
    got = mx.from_fp8(mx.array(codes), dtype)
    assert got.dtype == dtype
    ref = codes.view(E4M3).astype(np.float32)
    g = np.array(got.astype(mx.float32))
    assert np.array_equal(np.isnan(g), np.isnan(ref))
    assert np.array_equal(g[~np.isnan(g)], ref[~np.isnan(ref)])
    assert mx.from_fp8(mx.array(codes)).dtype == mx.bfloat16
    # Shapes (and empty arrays) are kept.
    assert mx.from_fp8(mx.zeros((2, 0, 3), mx.uint8)).shape == (2, 0, 3)
    assert mx.to_fp8(mx.ones((3, 1, 2))).shape == (3, 1, 2)


def test_round_trip_of_representable_values():
    codes = np.array([c for c in range(256) if c & 127 != 127], dtype=np.uint8)
    assert np.array_equal(np.array(mx.to_fp8(mx.from_fp8(mx.array(codes), mx.float32))), codes)


def test_bad_inputs():
    with pytest.raises(ValueError, match="to_fp8"):
        mx.to_fp8(mx.array([1], mx.int32))
    with pytest.raises(ValueError, match="to_fp8"):
        mx.to_fp8(mx.array([1j]))
    with pytest.raises(ValueError, match="from_fp8"):
        mx.from_fp8(mx.array([1], mx.int32))
    with pytest.raises(ValueError, match="from_fp8"):
        mx.from_fp8(mx.array([1], mx.uint8), mx.int32)
