"""quantized_matmul, gather_qmm, qqmm, gather_qqmm against NumPy float64 products of the
dequantized weights (dequantize itself is checked byte for byte in test_quantize.py)."""
import numpy as np
import pytest

import mlx.core as mx

CASES = [("affine", b, g) for b in [2, 3, 4, 5, 6, 8] for g in [32, 64, 128]] + [
    ("affine", 1, 64),
    ("mxfp4", 4, 32),
    ("mxfp8", 8, 32),
    ("nvfp4", 4, 16),
]


def packed(rows, cols, mode="affine", bits=4, gs=64, dtype=mx.float32, seed=0, batch=()):
    rng = np.random.default_rng(seed)
    w = mx.array(rng.standard_normal(batch + (rows, cols)).astype(np.float32)).astype(dtype)
    r = mx.quantize(w, group_size=gs, bits=bits, mode=mode)
    b = r[2] if mode == "affine" else None
    wd = np.array(mx.dequantize(r[0], r[1], b, group_size=gs, bits=bits, mode=mode, dtype=mx.float32)).astype(np.float64)
    return r[0], r[1], b, wd


def f64(a):
    return np.array(a.astype(mx.float32)).astype(np.float64)


def check(y, ref, dtype=mx.float32):
    tol = {mx.float32: 2e-4, mx.float16: 3e-3, mx.bfloat16: 2e-2}[dtype]
    scale = max(1.0, np.abs(ref).max())
    assert y.shape == ref.shape
    np.testing.assert_allclose(f64(y), ref, atol=tol * scale * 4, rtol=tol)


@pytest.mark.parametrize("mode,bits,gs", CASES)
@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("m", [1, 3, 33])
def test_matches_dequantized_product(mode, bits, gs, transpose, m):
    k, n = 256, 128 if mode == "affine" else 96
    rows, cols = (n, k) if transpose else (k, n)
    wq, s, b, wd = packed(rows, cols, mode, bits, gs, seed=bits + gs)
    x = mx.array(np.random.default_rng(m).standard_normal((m, k)).astype(np.float32))
    y = mx.quantized_matmul(x, wq, s, b, transpose=transpose, group_size=gs, bits=bits, mode=mode)
    ref = f64(x) @ (wd.T if transpose else wd)
    check(y, ref)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.float32])
@pytest.mark.parametrize("mode", ["affine", "mxfp4", "nvfp4"])
def test_dtypes(dtype, mode):
    wq, s, b, wd = packed(64, 128, mode, 4, {"affine": 64, "mxfp4": 32, "nvfp4": 16}[mode], dtype=dtype)
    x = mx.array(np.random.default_rng(1).standard_normal((5, 128)).astype(np.float32)).astype(dtype)
    y = mx.quantized_matmul(x, wq, s, b, mode=mode)
    assert y.dtype == dtype
    check(y, f64(x) @ wd.T, dtype)


def test_output_dtype_rule():
    wq, s, b, _ = packed(64, 128)
    x = mx.zeros((2, 128))
    assert mx.quantized_matmul(x.astype(mx.float16), wq, s, b).dtype == mx.float32
    assert mx.quantized_matmul(x.astype(mx.int32), wq, s.astype(mx.float16), b.astype(mx.float16)).dtype == mx.float16
    assert mx.quantized_matmul(x.astype(mx.float16), wq, s.astype(mx.bfloat16), b.astype(mx.bfloat16)).dtype == mx.float32
    assert mx.quantized_matmul(x.astype(mx.bool_), wq, s, b).dtype == mx.float32


def test_batches_vectors_empty_noncontiguous():
    wq, s, b, wd = packed(64, 128)
    rng = np.random.default_rng(2)
    x = mx.array(rng.standard_normal((2, 3, 5, 128)).astype(np.float32))
    check(mx.quantized_matmul(x, wq, s, b), f64(x) @ wd.T)
    check(mx.quantized_matmul(x[0, 0, 0], wq, s, b), f64(x[0, 0, 0]) @ wd.T)
    xt = mx.array(rng.standard_normal((128, 7)).astype(np.float32)).T
    check(mx.quantized_matmul(xt, wq, s, b), f64(xt) @ wd.T)
    check(mx.quantized_matmul(x[:, :, ::2], wq, s, b), f64(x[:, :, ::2]) @ wd.T)
    assert mx.quantized_matmul(mx.zeros((0, 128)), wq, s, b).shape == (0, 64)
    assert mx.quantized_matmul(mx.zeros((2, 128)), wq[:0], s[:0], b[:0]).shape == (2, 0)
    # Batched weights broadcast against x's batch.
    wq3, s3, b3, wd3 = packed(64, 128, batch=(3,), seed=5)
    check(mx.quantized_matmul(x[0], wq3, s3, b3), f64(x[0]) @ np.swapaxes(wd3, -1, -2))
    x4 = mx.array(rng.standard_normal((4, 1, 2, 128)).astype(np.float32))
    check(mx.quantized_matmul(x4, wq3, s3, b3), f64(x4) @ np.swapaxes(wd3, -1, -2))
    check(mx.quantized_matmul(x4[0, 0], wq3, s3, b3, transpose=True), f64(x4[0, 0]) @ np.swapaxes(wd3, -1, -2))


def test_gradients():
    wq, s, b, wd = packed(32, 64, gs=32)
    rng = np.random.default_rng(4)
    x = mx.array(rng.standard_normal((3, 64)).astype(np.float32))
    c = mx.array(rng.standard_normal((3, 32)).astype(np.float32))
    for transpose in [True, False]:
        if not transpose:
            wq, s, b, wd = packed(64, 32, gs=32)
        f = lambda x_, s_, b_: (mx.quantized_matmul(x_, wq, s_, b_, transpose=transpose, group_size=32) * c).sum()
        gx, gs_, gb = mx.grad(f, argnums=(0, 1, 2))(x, s, b)
        m = wd.T if transpose else wd
        np.testing.assert_allclose(np.array(gx), f64(c) @ m.T, rtol=1e-4, atol=1e-4)
        eps = 1e-2
        for arr, idx, g in [(s, (1, 0), gs_), (b, (3, 0), gb), (x, (2, 5), gx)]:
            e = np.zeros(arr.shape, np.float32)
            e[idx] = eps
            e = mx.array(e)
            args = [x, s, b]
            pos = 0 if arr is x else (1 if arr is s else 2)
            ap, am = list(args), list(args)
            ap[pos] = arr + e
            am[pos] = arr - e
            fd = (f(*ap) - f(*am)).item() / (2 * eps)
            assert abs(fd - g[idx].item()) < 2e-2 * max(1, abs(fd))
        # jvp in x matches the product with the tangent.
        t = mx.ones_like(x)
        _, (jt,) = mx.jvp(lambda x_: mx.quantized_matmul(x_, wq, s, b, transpose=transpose, group_size=32), [x], [t])
        np.testing.assert_allclose(np.array(jt), f64(t) @ m, rtol=1e-4, atol=1e-4)
    with pytest.raises(RuntimeError, match="quantized weights"):
        mx.grad(lambda w_: mx.quantized_matmul(x, w_, s, b, group_size=32, transpose=False).sum())(wq)


def test_gradient_batched_x():
    wq, s, b, wd = packed(32, 64, gs=32)
    x = mx.array(np.random.default_rng(6).standard_normal((2, 3, 64)).astype(np.float32))
    f = lambda s_: mx.quantized_matmul(x, wq, s_, b, group_size=32).sum()
    g = mx.grad(f)(s)
    eps = 1e-2
    e = np.zeros(s.shape, np.float32)
    e[3, 1] = eps
    fd = (f(s + mx.array(e)) - f(s - mx.array(e))).item() / (2 * eps)
    assert abs(fd - g[3, 1].item()) < 2e-2 * max(1, abs(fd))


def test_vmap_matches_loop():
    wq, s, b, wd = packed(32, 64, gs=32)
    xs = mx.array(np.random.default_rng(7).standard_normal((4, 3, 64)).astype(np.float32))
    f = lambda x_: mx.quantized_matmul(x_, wq, s, b, group_size=32)
    y = mx.vmap(f)(xs)
    for i in range(4):
        np.testing.assert_allclose(np.array(y[i]), np.array(f(xs[i])), rtol=1e-5, atol=1e-5)
    y = mx.vmap(f, in_axes=1)(mx.swapaxes(xs, 0, 1))
    np.testing.assert_allclose(np.array(y), np.array(mx.stack([f(xs[i]) for i in range(4)])), rtol=1e-5, atol=1e-5)
    # Vectors, batched weights.
    y = mx.vmap(f)(xs[:, 0])
    np.testing.assert_allclose(np.array(y), np.array(f(xs[:, 0])), rtol=1e-5, atol=1e-5)
    wq3, s3, b3, _ = packed(32, 64, gs=32, batch=(4,), seed=8)
    g = lambda x_, w_, s_, b_: mx.quantized_matmul(x_, w_, s_, b_, group_size=32)
    y = mx.vmap(g)(xs, wq3, s3, b3)
    for i in range(4):
        np.testing.assert_allclose(np.array(y[i]), np.array(g(xs[i], wq3[i], s3[i], b3[i])), rtol=1e-5, atol=1e-5)
    y = mx.vmap(g, in_axes=(None, 0, 0, 0))(xs[0], wq3, s3, b3)
    for i in range(4):
        np.testing.assert_allclose(np.array(y[i]), np.array(g(xs[0], wq3[i], s3[i], b3[i])), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("mode", ["affine", "mxfp4"])
def test_gather_qmm_matches_loop(transpose, mode):
    gs = 64 if mode == "affine" else 32
    rows, cols = (48, 128) if transpose else (128, 64)
    n = 48 if transpose else 64
    wq, s, b, wd = packed(rows, cols, mode, 4, gs, batch=(3,), seed=9)
    rng = np.random.default_rng(10)
    x = mx.array(rng.standard_normal((2, 4, 128)).astype(np.float32))
    li = mx.array([[0], [1]])
    ri = mx.array([2, 0, 1])
    y = mx.gather_qmm(x, wq, s, b, li, ri, transpose=transpose, group_size=gs, mode=mode)
    assert y.shape == (2, 3, 4, n)
    m = np.swapaxes(wd, -1, -2) if transpose else wd
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(np.array(y[i, j]), f64(x[[0, 1][i]]) @ m[[2, 0, 1][j]], rtol=2e-4, atol=2e-4)
    # Default indices: the batch positions, broadcast.
    y = mx.gather_qmm(x[:1], wq, s, b, transpose=transpose, group_size=gs, mode=mode)
    assert y.shape == (3, 4, n)
    # Only rhs indices (a mixture of experts, one token per row).
    xt = mx.array(rng.standard_normal((5, 1, 128)).astype(np.float32))
    e = mx.array([2, 2, 0, 1, 0])
    y = mx.gather_qmm(xt, wq, s, b, rhs_indices=e, transpose=transpose, group_size=gs, mode=mode, sorted_indices=False)
    for i, ei in enumerate([2, 2, 0, 1, 0]):
        np.testing.assert_allclose(np.array(y[i]), f64(xt[i]) @ m[ei], rtol=2e-4, atol=2e-4)


def test_gather_qmm_grad_and_vmap():
    wq, s, b, wd = packed(16, 64, gs=32, batch=(3,), seed=11)
    x = mx.array(np.random.default_rng(12).standard_normal((2, 3, 64)).astype(np.float32))
    li, ri = mx.array([1, 0, 1]), mx.array([2, 2, 0])
    f = lambda x_, s_, b_: mx.gather_qmm(x_, wq, s_, b_, li, ri, group_size=32).sum()
    gx, gs_, gb = mx.grad(f, argnums=(0, 1, 2))(x, s, b)
    eps = 1e-2
    for arr, pos, idx, g in [(x, 0, (1, 2, 5), gx), (s, 1, (2, 3, 1), gs_), (b, 2, (0, 1, 0), gb), (s, 1, (1, 0, 0), gs_)]:
        e = np.zeros(arr.shape, np.float32)
        e[idx] = eps
        ap, am = [x, s, b], [x, s, b]
        ap[pos] = arr + mx.array(e)
        am[pos] = arr - mx.array(e)
        fd = (f(*ap) - f(*am)).item() / (2 * eps)
        assert abs(fd - g[idx].item()) < 2e-2 * max(1, abs(fd))
    xs = mx.stack([x, 2 * x])
    h = lambda x_: mx.gather_qmm(x_, wq, s, b, li, ri, group_size=32)
    y = mx.vmap(h)(xs)
    np.testing.assert_allclose(np.array(y[1]), np.array(h(xs[1])), rtol=1e-5, atol=1e-5)


def test_gather_qmm_bad_inputs():
    wq, s, b, _ = packed(16, 64, gs=32, batch=(3,))
    x = mx.zeros((2, 1, 64))
    with pytest.raises(ValueError, match="Indices must be integral"):
        mx.gather_qmm(x, wq, s, b, rhs_indices=mx.array([0.0]), group_size=32)
    with pytest.raises(ValueError, match="at least two dimensions"):
        mx.gather_qmm(mx.zeros((64,)), wq, s, b, rhs_indices=mx.array([0]), group_size=32)
    with pytest.raises(ValueError, match="broadcast"):
        mx.gather_qmm(x, wq, s, b, group_size=32)
    with pytest.raises(IndexError):
        mx.eval(mx.gather_qmm(x, wq, s, b, rhs_indices=mx.array([5]), group_size=32))


def test_quantized_matmul_bad_inputs():
    wq, s, b, _ = packed(64, 128)
    x = mx.zeros((2, 128))
    with pytest.raises(ValueError, match="should be uint32"):
        mx.quantized_matmul(x, mx.zeros((64, 128)), s, b)
    with pytest.raises(ValueError, match="Biases must be provided"):
        mx.quantized_matmul(x, wq, s)
    with pytest.raises(ValueError, match="incompatible"):
        mx.quantized_matmul(x, wq, s, b, group_size=32)
    with pytest.raises(ValueError, match="incompatible"):
        mx.quantized_matmul(x, wq, s, b, bits=3)
    with pytest.raises(ValueError, match="bits 7 is not supported"):
        mx.quantized_matmul(x, wq, s, b, bits=7)
    with pytest.raises(ValueError, match="Invalid quantization mode 'foo'"):
        mx.quantized_matmul(x, wq, s, b, mode="foo")
    with pytest.raises(ValueError, match=r"Last dimension of first input with shape \(\.\.\., 127\)"):
        mx.quantized_matmul(mx.zeros((2, 127)), wq, s, b)
    with pytest.raises(ValueError, match="Last dimension"):
        mx.quantized_matmul(x, wq, s, b, transpose=False)
    with pytest.raises(ValueError, match="Scales and biases should have the same shape"):
        mx.quantized_matmul(x, wq, s, b[:, :1])
    with pytest.raises(ValueError, match="same batch shape"):
        mx.quantized_matmul(x, mx.stack([wq, wq]), s, b)
    with pytest.raises(ValueError, match="Only real floating types"):
        mx.quantized_matmul(x, wq, s.astype(mx.int32), b.astype(mx.int32))
    wq4, s4 = mx.quantize(mx.zeros((64, 128)), mode="mxfp4")
    with pytest.raises(ValueError, match=r"x.dtype\(\) == int32"):
        mx.quantized_matmul(x.astype(mx.int32), wq4, s4, mode="mxfp4")
    with pytest.raises(ValueError):
        mx.quantized_matmul(mx.array(1.0), wq, s, b)
    with pytest.raises(TypeError):
        mx.quantized_matmul(x, wq, s, b, transpose=1)


def fake_quant(a, mode):
    r = mx.quantize(a, mode=mode)
    b = r[2] if mode == "affine" else None
    return f64(mx.dequantize(r[0], r[1], b, mode=mode, dtype=mx.float32))


@pytest.mark.parametrize("mode", ["nvfp4", "mxfp8", "mxfp4", "affine"])
def test_qqmm(mode):
    rng = np.random.default_rng(13)
    x = mx.array(rng.standard_normal((4, 128)).astype(np.float32))
    w = mx.array(rng.standard_normal((8, 128)).astype(np.float32))
    y = mx.qqmm(x, w, mode=mode)
    ref = fake_quant(x, mode) @ fake_quant(w, mode).T
    np.testing.assert_allclose(f64(y), ref, rtol=1e-4, atol=1e-4)
    if mode != "affine":
        r = mx.quantize(w, mode=mode)
        np.testing.assert_allclose(f64(mx.qqmm(x, r[0], r[1], mode=mode)), ref, rtol=1e-4, atol=1e-4)
    # Straight-through gradients.
    gx, gw = mx.grad(lambda a, c: mx.qqmm(a, c, mode=mode).sum(), argnums=(0, 1))(x, w)
    np.testing.assert_allclose(f64(gx), np.ones((4, 8)) @ fake_quant(w, mode), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(f64(gw), np.ones((8, 4)) @ fake_quant(x, mode), rtol=1e-4, atol=1e-4)


def test_gather_qqmm_and_bad_inputs():
    rng = np.random.default_rng(14)
    x = mx.array(rng.standard_normal((2, 3, 64)).astype(np.float32))
    w = mx.array(rng.standard_normal((3, 8, 64)).astype(np.float32))
    y = mx.gather_qqmm(x, w, lhs_indices=mx.array([1, 0]), rhs_indices=mx.array([2, 2]))
    assert y.shape == (2, 3, 8)
    ref = fake_quant(x[1], "nvfp4") @ fake_quant(w[2], "nvfp4").T
    np.testing.assert_allclose(f64(y[0]), ref, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        mx.qqmm(x[0], w[0], mode="foo")
    with pytest.raises(ValueError, match="Scales must be provided"):
        mx.qqmm(x[0], mx.zeros((8, 8), mx.uint32))
    with pytest.raises(ValueError):
        mx.qqmm(x[0].astype(mx.int32), w[0])


@pytest.mark.parametrize("m", [1, 2, 5, 7, 13])
@pytest.mark.parametrize("bits", [4, 3])
def test_ragged_sizes(m, bits):
    # N not a multiple of the row blocks (4) or the column panels (16); both paths.
    wq, s, b, wd = packed(42, 192, bits=bits, gs=64, seed=m)
    x = mx.array(np.random.default_rng(m).standard_normal((m, 192)).astype(np.float32))
    check(mx.quantized_matmul(x, wq, s, b, bits=bits), f64(x) @ wd.T)
    wq, s, b, wd = packed(42, 192, bits=bits, gs=64, seed=m)
    x2 = mx.array(np.random.default_rng(m).standard_normal((m, 42)).astype(np.float32))
    check(mx.quantized_matmul(x2, wq, s, b, transpose=False, bits=bits), f64(x2) @ wd)
