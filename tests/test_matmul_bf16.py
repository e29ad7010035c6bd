"""bfloat16 matmul: the AVX512-BF16 kernel (where the CPU has it) and the float32 path.

Oracle: the float64 NumPy product of the bfloat16 inputs. Both paths accumulate in float32
and round once to bfloat16, so each result is within bfloat16 rounding of the exact
product plus float32 accumulation error.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mlx.core as mx


def bf16(x):
    return mx.array(np.asarray(x, dtype=np.float32)).astype(mx.bfloat16)


def f64(x):
    return np.array(x.astype(mx.float32)).astype(np.float64)


def check(a, b, out=None):
    """a @ b (bfloat16) against the float64 product of the same bfloat16 values."""
    if out is None:
        out = a @ b
    assert out.dtype == mx.bfloat16
    fa, fb = f64(a), f64(b)
    ref = np.matmul(fa, fb)
    got = f64(out)
    assert got.shape == ref.shape
    bound = np.matmul(np.abs(fa), np.abs(fb))
    k = fa.shape[-1]
    # One bfloat16 rounding (relative 2^-9) plus float32 sums over k terms.
    tol = 2.0 ** -8 * np.abs(ref) + (k + 2) * 2.0 ** -23 * bound + 1e-30
    err = np.abs(got - ref)
    assert np.all(err <= tol), float(np.max(err - tol))


def rand(shape, seed):
    return bf16(np.random.default_rng(seed).standard_normal(shape))


SIZES = [(1, 1, 1), (1, 3, 1), (3, 1, 5), (2, 2, 2), (3, 5, 7), (17, 33, 9), (13, 31, 33),
         (12, 32, 64), (25, 65, 100), (100, 17, 1000), (97, 300, 61), (1, 1000, 17),
         (1000, 3, 1), (1, 257, 300), (300, 257, 1), (1, 1, 1000), (129, 1, 2)]


@pytest.mark.parametrize("m,n,k", SIZES)
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_sizes_and_layouts(m, n, k, ta, tb):
    a = rand((k, m), 1).T if ta else rand((m, k), 1)
    b = rand((n, k), 2).T if tb else rand((k, n), 2)
    check(a, b)


@pytest.mark.parametrize("k", [1, 2, 3, 31, 32, 33, 511, 512, 513, 1025])
def test_k_parity_and_blocks(k):
    # K odd pads the last pair; K past 512 crosses a cache block of k.
    check(rand((40, k), 3), rand((k, 70), 4))
    check(rand((1, k), 3), rand((k, 70), 4))
    check(rand((40, k), 3), rand((k, 1), 4))


def test_large_square():
    check(rand((256, 512), 5), rand((512, 384), 6))


def test_strided_operands():
    a = rand((40, 90), 7)[::2, 1::3]  # 20 x 30, neither row- nor column-contiguous
    b = rand((60, 50), 8)[::2, ::2]   # 30 x 25
    check(a, b)
    check(a[:1], b)      # strided vector times matrix
    check(a, b[:, :1])   # matrix times strided column
    v = rand((61,), 9)[::2]  # 1-d strided vector
    check(rand((7, 31), 10), v.reshape(31, 1))
    out = rand((7, 31), 10) @ v
    assert out.shape == (7,)
    check(rand((7, 31), 10), v.reshape(31, 1), out.reshape(7, 1))
    out = v @ rand((31, 45), 11)
    check(v.reshape(1, 31), rand((31, 45), 11), out.reshape(1, 45))


def test_batched_and_broadcast():
    check(rand((3, 17, 9), 12), rand((3, 9, 5), 13))
    check(rand((2, 1, 5, 6), 14), rand((4, 6, 3), 15))
    check(rand((8, 64, 96), 16), rand((96, 40), 17))
    # Transposed batched views, as attention code passes keys.
    q = rand((2, 4, 33, 16), 18)
    kk = rand((2, 4, 47, 16), 19)
    check(q, mx.swapaxes(kk, -1, -2))
    check(mx.swapaxes(q, -1, -2), kk[..., :33, :])
    # Many small products (split over the batch) and batched vectors.
    check(rand((64, 5, 7), 20), rand((64, 7, 3), 21))
    check(rand((6, 1, 300), 22), rand((6, 300, 70), 23))
    check(rand((6, 70, 300), 22), rand((6, 300, 1), 23))


def test_empty():
    assert (bf16(np.zeros((0, 5))) @ bf16(np.zeros((5, 3)))).shape == (0, 3)
    out = bf16(np.zeros((4, 0))) @ bf16(np.zeros((0, 3)))
    assert out.dtype == mx.bfloat16
    np.testing.assert_array_equal(f64(out), np.zeros((4, 3)))
    assert (rand((2, 0, 4), 1) @ rand((2, 4, 6), 2)).shape == (2, 0, 6)


@pytest.mark.parametrize("m,n,k", [(5, 7, 9), (40, 70, 33), (1, 70, 33), (40, 1, 33), (1, 200, 65)])
def test_nan_inf_propagation(m, n, k):
    rng = np.random.default_rng(30)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    a[0, k - 1] = np.nan             # the last k: the odd element of a pair when k is odd
    a[m - 1, 0] = np.inf
    b[k // 2, n - 1] = -np.inf
    b[k - 1, 0] = 0.0
    with np.errstate(invalid="ignore"):
        ref = np.matmul(a.astype(np.float64), b.astype(np.float64))
    got = f64(bf16(a) @ bf16(b))
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(ref))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(ref))


def test_overflow_to_inf():
    a = bf16(np.full((3, 4), 3e38))
    b = bf16(np.full((4, 5), 2.0))
    assert np.all(np.isposinf(f64(a @ b)))


def test_denormal_inputs():
    # vdpbf16ps treats subnormal inputs as zero; the float32 path keeps them. Either way the
    # error is below the smallest normal float32.
    tiny = np.float32(2.0 ** -130)  # subnormal in float32 and bfloat16
    a = bf16(np.full((3, 4), tiny))
    b = bf16(np.ones((4, 5)))
    got = f64(a @ b)
    ref = np.matmul(f64(a), f64(b))
    assert np.all(np.abs(got - ref) <= 4 * 2.0 ** -126)
    # Normal inputs whose product is subnormal: within float32's resolution there.
    a = bf16(np.full((3, 4), 2.0 ** -70))
    b = bf16(np.full((4, 5), 2.0 ** -60))
    got = f64(a @ b)
    assert np.all(np.abs(got - 4 * 2.0 ** -130) <= 4 * 2.0 ** -126)


def test_matches_float32_matmul_of_rounded_inputs():
    # The same accumulation precision as converting to float32 and multiplying there.
    a, b = rand((50, 77), 40), rand((77, 60), 41)
    ours = f64(a @ b)
    via32 = f64((a.astype(mx.float32) @ b.astype(mx.float32)).astype(mx.bfloat16))
    # At most one bfloat16 ulp apart (sums in a different order may round differently).
    np.testing.assert_allclose(ours, via32, rtol=2.0 ** -7, atol=1e-6)


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_float16_transposed_operands(ta, tb):
    # float16 keeps the float32 path; a transposed operand is converted in stored order.
    rng = np.random.default_rng(51)
    for m, n, k in [(1, 70, 33), (40, 1, 33), (33, 17, 65), (2, 3, 1)]:
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float16)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float16)
        a = a.T if ta else a
        b = b.T if tb else b
        ma = mx.array(np.ascontiguousarray(a.T)).T if ta else mx.array(a)
        mb = mx.array(np.ascontiguousarray(b.T)).T if tb else mx.array(b)
        got = np.array(ma @ mb).astype(np.float64)
        ref = np.matmul(a.astype(np.float64), b.astype(np.float64))
        np.testing.assert_allclose(got, ref, rtol=2e-3, atol=2e-2)
        bt = mx.broadcast_to(mb, (3,) + mb.shape)
        got = np.array(ma @ bt).astype(np.float64)
        np.testing.assert_allclose(got, np.broadcast_to(ref, (3,) + ref.shape), rtol=2e-3, atol=2e-2)


def test_float16_unchanged():
    rng = np.random.default_rng(50)
    a = rng.standard_normal((33, 65)).astype(np.float16)
    b = rng.standard_normal((65, 17)).astype(np.float16)
    got = np.array(mx.array(a) @ mx.array(b)).astype(np.float64)
    ref = np.matmul(a.astype(np.float64), b.astype(np.float64))
    np.testing.assert_allclose(got, ref, rtol=2e-3, atol=2e-2)


SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {here!r})
    import test_matmul_bf16 as t
    for m, n, k in t.SIZES:
        for ta in (False, True):
            for tb in (False, True):
                t.test_sizes_and_layouts(m, n, k, ta, tb)
    t.test_batched_and_broadcast()
    t.test_strided_operands()
    t.test_empty()
    t.test_nan_inf_propagation(40, 70, 33)
    t.test_nan_inf_propagation(1, 70, 33)
    t.test_denormal_inputs()
    t.test_k_parity_and_blocks(33)
    print("ok")
""")


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
def test_narrower_isa_paths(isa):
    # The float32 path (what AVX2 machines, arm64 and the sanitizer build run), chosen on
    # this machine by capping the ISA.
    env = dict(os.environ, OPENMLX_SIMD_ISA=isa)
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run([sys.executable, "-c", SCRIPT.format(here=here)], env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().endswith("ok")
