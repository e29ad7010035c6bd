"""mx.fast.rms_norm, layer_norm and rope: forward against NumPy float64 formulas and
PyTorch, every float dtype, batch shapes, non-contiguous inputs, empty inputs; gradients by
finite differences and PyTorch autograd; vmap against a loop; bad inputs."""

import numpy as np
import pytest

import mlx.core as mx


def A(a):
    """A float64 mlx array of a (mx.array alone would make float64 NumPy data float32)."""
    return mx.array(np.asarray(a, np.float64), dtype=mx.float64)

torch = pytest.importorskip("torch")

FLOATS = ["float16", "bfloat16", "float32", "float64"]
TOL = {"float16": 3e-3, "bfloat16": 2.5e-2, "float32": 2e-6, "float64": 1e-12}


def as_mx(x, dt):
    return mx.array(np.asarray(x, np.float32 if dt == "bfloat16" else np.float64)).astype(getattr(mx, dt))


def to64(a):
    return np.array(a.astype(mx.float32) if a.dtype == mx.bfloat16 else a).astype(np.float64)


def np_rms(x, w, eps):
    x = x.astype(np.float64)
    y = x / np.sqrt((x * x).mean(-1, keepdims=True) + eps)
    return y if w is None else y * w


def np_ln(x, w, b, eps):
    x = x.astype(np.float64)
    m = x.mean(-1, keepdims=True)
    y = (x - m) / np.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def np_rope(x, dims, traditional, base, scale, offset, freqs=None):
    x = x.astype(np.float64)
    T = x.shape[-2]
    inv = 1.0 / np.asarray(freqs, np.float64) if freqs is not None else base ** (-np.arange(0, dims, 2) / dims)
    offset = np.asarray(offset, np.float64)
    pos = (np.arange(T) + offset.reshape(-1, *([1] * (x.ndim - 2)))) if offset.ndim else np.arange(T) + offset
    th = pos[..., None] * scale * inv
    c, s = np.cos(th), np.sin(th)
    out = x.copy()
    if traditional:
        x1, x2 = x[..., 0:dims:2], x[..., 1:dims:2]
        out[..., 0:dims:2] = x1 * c - x2 * s
        out[..., 1:dims:2] = x1 * s + x2 * c
    else:
        h = dims // 2
        x1, x2 = x[..., :h], x[..., h:dims]
        out[..., :h] = x1 * c - x2 * s
        out[..., h:dims] = x1 * s + x2 * c
    return out


def close(a, expected, dt, scale=1.0):
    tol = TOL[dt] * scale
    np.testing.assert_allclose(to64(a), expected, rtol=tol, atol=tol)


# ---- rms_norm / layer_norm forward -------------------------------------------------------

@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("shape", [(7,), (3, 16), (2, 3, 33), (4, 1, 1000)])
def test_rms_norm_matches_numpy(dt, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(shape[-1])
    xm, wm = as_mx(x, dt), as_mx(w, dt)
    x, w = to64(xm), to64(wm)
    for weight in (wm, None):
        y = mx.fast.rms_norm(xm, weight, 1e-5)
        assert y.dtype == getattr(mx, dt) and y.shape == shape
        close(y, np_rms(x, w if weight is not None else None, 1e-5), dt, 4)


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("shape", [(7,), (3, 16), (2, 3, 33), (4, 1, 1000)])
def test_layer_norm_matches_numpy(dt, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape) * 3 + 2
    w, b = rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1])
    xm, wm, bm = as_mx(x, dt), as_mx(w, dt), as_mx(b, dt)
    x, w, b = to64(xm), to64(wm), to64(bm)
    for weight, bias in [(wm, bm), (None, None), (wm, None), (None, bm)]:
        y = mx.fast.layer_norm(xm, weight, bias, 1e-5)
        assert y.dtype == getattr(mx, dt) and y.shape == shape
        exp = np_ln(x, w if weight is not None else None, b if bias is not None else None, 1e-5)
        close(y, exp, dt, 8)


def test_norms_match_torch():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5, 64)).astype(np.float32)
    w = rng.standard_normal(64).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    tx, tw, tb = map(torch.from_numpy, (x, w, b))
    y = mx.fast.rms_norm(mx.array(x), mx.array(w), 1e-6)
    np.testing.assert_allclose(np.array(y), torch.nn.functional.rms_norm(tx, (64,), tw, 1e-6).numpy(), rtol=1e-5, atol=1e-5)
    y = mx.fast.layer_norm(mx.array(x), mx.array(w), mx.array(b), 1e-5)
    ref = torch.nn.functional.layer_norm(tx, (64,), tw, tb, 1e-5).numpy()
    np.testing.assert_allclose(np.array(y), ref, rtol=1e-5, atol=1e-5)


def test_norm_dtype_promotion():
    x16 = mx.ones((2, 8), dtype=mx.float16)
    assert mx.fast.rms_norm(x16, mx.ones(8), 1e-5).dtype == mx.float32
    assert mx.fast.rms_norm(x16.astype(mx.bfloat16), mx.ones(8, dtype=mx.float16), 1e-5).dtype == mx.float32
    assert mx.fast.rms_norm(mx.ones((2, 8)), mx.ones(8, dtype=mx.int32), 1e-5).dtype == mx.float32
    assert mx.fast.layer_norm(x16, None, mx.ones(8, dtype=mx.int32), 1e-5).dtype == mx.float16
    assert mx.fast.layer_norm(x16, mx.ones(8), mx.ones(8, dtype=mx.bfloat16), 1e-5).dtype == mx.float32


def test_norms_noncontiguous_and_empty():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 32, 5)).astype(np.float32)
    xt = mx.array(x).transpose(0, 2, 1)  # (6, 5, 32), last axis strided
    xn = np.transpose(x, (0, 2, 1))
    w = rng.standard_normal(32).astype(np.float32)
    np.testing.assert_allclose(np.array(mx.fast.rms_norm(xt, mx.array(w), 1e-5)), np_rms(xn, w, 1e-5), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.array(mx.fast.layer_norm(xt[:, ::2], mx.array(w), None, 1e-5)),
                               np_ln(xn[:, ::2], w, None, 1e-5), rtol=1e-5, atol=1e-5)
    wb = mx.broadcast_to(mx.array(2.0), (32,))
    np.testing.assert_allclose(np.array(mx.fast.rms_norm(xt, wb, 1e-5)), np_rms(xn, 2.0, 1e-5), rtol=1e-5, atol=1e-5)
    for shape in [(0, 8), (2, 0), (0,)]:
        w = mx.ones(shape[-1])
        assert mx.fast.rms_norm(mx.zeros(shape), w, 1e-5).shape == shape
        assert mx.fast.layer_norm(mx.zeros(shape), w, w, 1e-5).shape == shape


def test_norm_half_accumulates_in_float32():
    # A float16 row whose sum of squares overflows float16 still normalizes.
    x = mx.full((1, 4096), 200.0, dtype=mx.float16)
    y = mx.fast.rms_norm(x, None, 1e-5)
    assert np.allclose(np.array(y).astype(np.float32), 1.0, atol=1e-3)
    y = mx.fast.layer_norm(x + mx.arange(4096).astype(mx.float16) * 0, None, None, 1e-5)
    assert np.all(np.isfinite(np.array(y).astype(np.float32)))


# ---- rms_norm / layer_norm gradients ------------------------------------------------------

def test_norm_grads_match_torch():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 16))
    w, b = rng.standard_normal(16), rng.standard_normal(16)
    c = rng.standard_normal((3, 4, 16))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tc = torch.tensor(c)
    (torch.nn.functional.rms_norm(tx, (16,), tw, 1e-5) * tc).sum().backward()
    f = lambda x, w: (mx.fast.rms_norm(x, w, 1e-5) * A(c)).sum()
    gx, gw = mx.grad(f, argnums=(0, 1))(A(x), A(w))
    np.testing.assert_allclose(np.array(gx), tx.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(np.array(gw), tw.grad.numpy(), rtol=1e-9, atol=1e-10)
    tx.grad = tw.grad = None
    (torch.nn.functional.layer_norm(tx, (16,), tw, tb, 1e-5) * tc).sum().backward()
    f = lambda x, w, b: (mx.fast.layer_norm(x, w, b, 1e-5) * A(c)).sum()
    gx, gw, gb = mx.grad(f, argnums=(0, 1, 2))(A(x), A(w), A(b))
    for g, t in [(gx, tx), (gw, tw), (gb, tb)]:
        np.testing.assert_allclose(np.array(g), t.grad.numpy(), rtol=1e-9, atol=1e-10)


def numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


@pytest.mark.parametrize("which", ["rms", "ln_w", "ln_b", "ln_none"])
def test_norm_grads_finite_differences(which):
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((2, 6)), rng.standard_normal(6), rng.standard_normal(6)
    c = A(rng.standard_normal((2, 6)))

    def fx(x, w, b):
        if which == "rms":
            return (mx.fast.rms_norm(x, w, 1e-5) * c).sum()
        if which == "ln_none":
            return (mx.fast.layer_norm(x, None, None, 1e-5) * c).sum()
        return (mx.fast.layer_norm(x, w if which == "ln_w" else None, b, 1e-5) * c).sum()

    arrays = [A(x), A(w), A(b)]
    grads = mx.grad(fx, argnums=(0, 1, 2))(*arrays)
    for k, base in enumerate((x, w, b)):
        def f_np(v, k=k):
            args = list(arrays)
            args[k] = A(v)
            return fx(*args).item()
        np.testing.assert_allclose(np.array(grads[k]), numeric_grad(f_np, base), rtol=1e-5, atol=1e-6)


def test_norm_jvp_matches_finite_differences():
    rng = np.random.default_rng(6)
    x, w, b = (A(rng.standard_normal(s)) for s in [(3, 5), (5,), (5,)])
    tx, tw, tb = (A(rng.standard_normal(s)) for s in [(3, 5), (5,), (5,)])
    eps = 1e-6
    for f in (lambda x, w, b: mx.fast.rms_norm(x, w, 1e-5),
              lambda x, w, b: mx.fast.layer_norm(x, w, b, 1e-5)):
        _, (jt,) = mx.jvp(f, [x, w, b], [tx, tw, tb])
        fd = (f(x + eps * tx, w + eps * tw, b + eps * tb) - f(x - eps * tx, w - eps * tw, b - eps * tb)) / (2 * eps)
        np.testing.assert_allclose(np.array(jt), np.array(fd), rtol=1e-6, atol=1e-7)


def test_norm_grad_half_dtypes():
    x = mx.array(np.random.default_rng(7).standard_normal((4, 32)).astype(np.float32))
    g32 = mx.grad(lambda x: (mx.fast.rms_norm(x, None, 1e-5) ** 3).sum())(x)
    g16 = mx.grad(lambda x: (mx.fast.rms_norm(x, None, 1e-5) ** 3).sum())(x.astype(mx.float16))
    assert g16.dtype == mx.float16
    np.testing.assert_allclose(np.array(g16).astype(np.float32), np.array(g32), rtol=2e-2, atol=2e-2)


def test_norm_vmap_matches_loop():
    rng = np.random.default_rng(8)
    x = mx.array(rng.standard_normal((4, 3, 8)).astype(np.float32))
    w = mx.array(rng.standard_normal((3, 8)).astype(np.float32))
    b = mx.array(rng.standard_normal((8, 4)).astype(np.float32))
    loop = mx.stack([mx.fast.rms_norm(x[:, i], w[i], 1e-5) for i in range(3)])
    got = mx.vmap(lambda x, w: mx.fast.rms_norm(x, w, 1e-5), in_axes=(1, 0))(x, w)
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6, atol=1e-6)
    loop = mx.stack([mx.fast.layer_norm(x[:, i], w[0], b[:, j], 1e-5) for i, j in zip(range(3), range(3))])
    got = mx.vmap(lambda x, b: mx.fast.layer_norm(x, w[0], b, 1e-5), in_axes=(1, 1))(x, b[:, :3])
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6, atol=1e-6)
    loop = mx.stack([mx.fast.layer_norm(x[i], w[1], None, 1e-5) for i in range(4)])
    got = mx.vmap(lambda x: mx.fast.layer_norm(x, w[1], None, 1e-5))(x)
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6, atol=1e-6)


def test_norm_bad_inputs():
    x = mx.ones((2, 3, 8))
    cases = [
        (lambda: mx.fast.rms_norm(x, mx.ones(7), 1e-5), ValueError, "same size as the last dimension"),
        (lambda: mx.fast.rms_norm(x, mx.ones((1, 8)), 1e-5), ValueError, "must have 1 dimension"),
        (lambda: mx.fast.rms_norm(mx.array(1.0), None, 1e-5), ValueError, "at least 1 dimension"),
        (lambda: mx.fast.rms_norm(mx.ones((2, 8), dtype=mx.int32), None, 1e-5), ValueError, "unsupported type int32"),
        (lambda: mx.fast.rms_norm(mx.ones((2, 8), dtype=mx.complex64), None, 1e-5), ValueError, "unsupported type complex64"),
        (lambda: mx.fast.layer_norm(x, mx.ones(7), None, 1e-5), ValueError, "weight must have the same size"),
        (lambda: mx.fast.layer_norm(x, None, mx.ones(7), 1e-5), ValueError, "bias must have the same size"),
        (lambda: mx.fast.layer_norm(x, None, mx.ones((8, 1)), 1e-5), ValueError, "bias must have 1 dimension"),
        (lambda: mx.fast.layer_norm(mx.array(1.0), None, None, 1e-5), ValueError, "at least 1 dimension"),
        (lambda: mx.fast.layer_norm(mx.ones((2, 8), dtype=mx.uint8), None, None, 1e-5), ValueError, "unsupported type uint8"),
        (lambda: mx.fast.rms_norm(x, mx.ones(8)), TypeError, ""),
        (lambda: mx.fast.rms_norm(x, mx.ones(8), "a"), TypeError, ""),
    ]
    for f, exc, text in cases:
        with pytest.raises(exc, match=text or None):
            mx.eval(f())


# ---- rope ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize("dims", [16, 8])
def test_rope_matches_numpy(dt, traditional, dims):
    rng = np.random.default_rng(9)
    xm = as_mx(rng.standard_normal((2, 3, 5, 16)), dt)
    x = to64(xm)
    y = mx.fast.rope(xm, dims, traditional=traditional, base=10000.0, scale=0.5, offset=3)
    assert y.dtype == xm.dtype and y.shape == xm.shape
    close(y, np_rope(x, dims, traditional, 10000.0, 0.5, 3), dt, 2 if dt != "float64" else 1e5)


def test_rope_offsets_and_freqs():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 5, 16)).astype(np.float32)
    xm = mx.array(x)
    kw = dict(traditional=False, base=10000.0, scale=1.0)
    y = mx.fast.rope(xm, 16, offset=mx.array([1, 40]), **kw)
    np.testing.assert_allclose(np.array(y), np_rope(x, 16, False, 10000.0, 1.0, np.array([1, 40])), rtol=1e-5, atol=1e-5)
    y = mx.fast.rope(xm, 16, offset=mx.array(7, dtype=mx.uint8), **kw)
    np.testing.assert_allclose(np.array(y), np_rope(x, 16, False, 10000.0, 1.0, 7), rtol=1e-5, atol=1e-5)
    y = mx.fast.rope(xm, 16, offset=-4, **kw)
    np.testing.assert_allclose(np.array(y), np_rope(x, 16, False, 10000.0, 1.0, -4), rtol=1e-5, atol=1e-5)
    f = rng.random(4).astype(np.float32) + 0.5
    for trad in (False, True):
        y = mx.fast.rope(xm, 8, traditional=trad, base=None, scale=2.0, offset=2, freqs=mx.array(f))
        np.testing.assert_allclose(np.array(y), np_rope(x, 8, trad, None, 2.0, 2, f), rtol=1e-5, atol=1e-5)
    # Large positions keep float32 accuracy (angles are reduced in double).
    y = mx.fast.rope(xm, 16, offset=100000, **kw)
    np.testing.assert_allclose(np.array(y), np_rope(x, 16, False, 10000.0, 1.0, 100000), rtol=1e-4, atol=1e-4)


def test_rope_noncontiguous_and_empty():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 5, 4, 32)).astype(np.float32)  # (B, T, H, D)
    xt = mx.array(x).transpose(0, 2, 1, 3)  # (B, H, T, D) view
    xn = np.transpose(x, (0, 2, 1, 3))
    kw = dict(traditional=False, base=500.0, scale=1.0, offset=mx.array([2, 9]))
    np.testing.assert_allclose(np.array(mx.fast.rope(xt, 24, **kw)), np_rope(xn, 24, False, 500.0, 1.0, np.array([2, 9])),
                               rtol=1e-5, atol=1e-5)
    xs = mx.array(x).transpose(0, 2, 3, 1)  # last axis strided
    xsn = np.transpose(x, (0, 2, 3, 1))
    np.testing.assert_allclose(np.array(mx.fast.rope(xs, 4, traditional=True, base=10.0, scale=1.0, offset=0)),
                               np_rope(xsn, 4, True, 10.0, 1.0, 0), rtol=1e-5, atol=1e-5)
    for shape in [(2, 0, 16), (0, 5, 16)]:
        y = mx.fast.rope(mx.zeros(shape), 16, traditional=False, base=10.0, scale=1.0, offset=0)
        assert y.shape == shape
    assert mx.fast.rope(mx.zeros((0, 5, 16)), 16, traditional=False, base=10.0, scale=1.0,
                        offset=mx.array([], dtype=mx.int32)).shape == (0, 5, 16)


def test_rope_matches_torch_reference_implementation():
    # The rotate-half form used by PyTorch model code (e.g. Llama).
    rng = np.random.default_rng(12)
    x = rng.standard_normal((1, 4, 6, 32)).astype(np.float32)
    inv = 1.0 / (10000.0 ** (torch.arange(0, 32, 2, dtype=torch.float64) / 32))
    t = torch.arange(6, dtype=torch.float64)[:, None] * inv
    emb = torch.cat([t, t], -1)
    tx = torch.from_numpy(x).double()
    rot = torch.cat([-tx[..., 16:], tx[..., :16]], -1)
    ref = (tx * emb.cos() + rot * emb.sin()).numpy()
    y = mx.fast.rope(mx.array(x), 32, traditional=False, base=10000.0, scale=1.0, offset=0)
    np.testing.assert_allclose(np.array(y), ref, rtol=1e-5, atol=1e-5)


def test_rope_grad_and_jvp():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((1, 2, 3, 8))
    c = A(rng.standard_normal((1, 2, 3, 8)))
    for trad in (False, True):
        f = lambda x: (mx.fast.rope(x, 6, traditional=trad, base=100.0, scale=0.7, offset=mx.array([5])) * c).sum()
        g = mx.grad(f)(A(x))
        np.testing.assert_allclose(np.array(g), numeric_grad(lambda v: f(A(v)).item(), x), rtol=1e-6, atol=1e-7)
        t = A(rng.standard_normal(x.shape))
        h = lambda x: mx.fast.rope(x, 6, traditional=trad, base=100.0, scale=0.7, offset=5)
        _, (jt,) = mx.jvp(h, [A(x)], [t])
        np.testing.assert_allclose(np.array(jt), np.array(h(t)), rtol=1e-12, atol=1e-12)  # linear in x
    # The gradient of a float16 rope stays float16 and matches float32's.
    g16 = mx.grad(lambda x: mx.fast.rope(x, 8, traditional=False, base=10.0, scale=1.0, offset=1).sum())(
        mx.array(x).astype(mx.float16))
    assert g16.dtype == mx.float16


@pytest.mark.parametrize("traditional", [False, True])
def test_rope_freqs_grad_and_jvp(traditional):
    rng = np.random.default_rng(17)
    x = A(rng.standard_normal((2, 3, 4, 10)))
    c = A(rng.standard_normal((2, 3, 4, 10)))
    f0 = rng.random(3) + 0.5
    off = mx.array([2, 5])
    f = lambda fr: (mx.fast.rope(x, 6, traditional=traditional, base=None, scale=0.8, offset=off, freqs=fr) * c).sum()
    # The kernel's angles are float32-accurate, so the finite differences are taken of the
    # float64 NumPy formula.
    xn, cn = np.array(x), np.array(c)
    f_np = lambda v: (np_rope(xn, 6, traditional, None, 0.8, np.array([2, 5]), v) * cn).sum()
    g = mx.grad(f)(A(f0))
    np.testing.assert_allclose(np.array(g), numeric_grad(f_np, f0), rtol=1e-5, atol=1e-6)
    h = lambda fr: mx.fast.rope(x, 6, traditional=traditional, base=None, scale=0.8, offset=off, freqs=fr)
    t = rng.standard_normal(3)
    _, (jt,) = mx.jvp(h, [A(f0)], [A(t)])
    h_np = lambda v: np_rope(xn, 6, traditional, None, 0.8, np.array([2, 5]), v)
    fd = (h_np(f0 + 1e-6 * t) - h_np(f0 - 1e-6 * t)) / 2e-6
    np.testing.assert_allclose(np.array(jt), fd, rtol=1e-5, atol=1e-6)


def test_rope_grad_offset_raises():
    f = lambda o: mx.fast.rope(mx.ones((1, 2, 8)), 8, traditional=False, base=1.0, scale=1.0, offset=o).sum()
    with pytest.raises(ValueError, match="offset"):
        mx.grad(f)(mx.array(1))


def test_rope_vmap_matches_loop():
    rng = np.random.default_rng(14)
    x = mx.array(rng.standard_normal((2, 3, 4, 8)).astype(np.float32))
    kw = dict(traditional=False, base=10.0, scale=1.0, offset=mx.array([1, 2]))
    got = mx.vmap(lambda x: mx.fast.rope(x, 8, **kw), in_axes=1)(x)
    loop = mx.stack([mx.fast.rope(x[:, i], 8, **kw) for i in range(3)])
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6, atol=1e-6)
    got = mx.vmap(lambda x: mx.fast.rope(x, 4, traditional=True, base=10.0, scale=1.0, offset=3), in_axes=3)(
        x.transpose(1, 2, 3, 0))
    loop = mx.stack([mx.fast.rope(x[i], 4, traditional=True, base=10.0, scale=1.0, offset=3) for i in range(2)])
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6, atol=1e-6)
    # Batched offsets: one per vmapped slice, or one per slice and batch entry.
    offs = mx.array([3, 0, 7])
    r = lambda x, o: mx.fast.rope(x, 8, traditional=False, base=10.0, scale=1.0, offset=o)
    got = mx.vmap(r, in_axes=(1, 0))(x, offs)
    loop = mx.stack([r(x[:, i], offs[i]) for i in range(3)])
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6, atol=1e-6)
    offs2 = mx.array([[1, 2], [3, 4], [5, 6]])
    got = mx.vmap(r, in_axes=(None, 0))(x[:, 0], offs2)
    loop = mx.stack([r(x[:, 0], offs2[i]) for i in range(3)])
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6, atol=1e-6)


def test_rope_bad_inputs():
    x = mx.ones((2, 3, 5, 16))
    kw = dict(traditional=False, scale=1.0)
    cases = [
        (lambda: mx.fast.rope(x, 15, base=10.0, offset=0, **kw), ValueError, "dims must be even"),
        (lambda: mx.fast.rope(x, 32, base=10.0, offset=0, **kw), ValueError, "must not exceed"),
        (lambda: mx.fast.rope(x, 0, base=10.0, offset=0, **kw), ValueError, "must be positive"),
        (lambda: mx.fast.rope(x, 16, base=None, offset=0, **kw), ValueError, "Neither base nor freqs"),
        (lambda: mx.fast.rope(x, 16, base=1.0, offset=0, freqs=mx.ones(8), **kw), ValueError, "Only one of"),
        (lambda: mx.fast.rope(x, 16, base=None, offset=0, freqs=mx.ones(7), **kw), ValueError, r"size 8 but got shape \(7\)"),
        (lambda: mx.fast.rope(mx.ones((5, 16)), 16, base=1.0, offset=0, **kw), ValueError, "at least 3 dimensions"),
        (lambda: mx.fast.rope(mx.ones((1, 5, 16), dtype=mx.int32), 16, base=1.0, offset=0, **kw), ValueError,
         "floating type but got int32"),
        (lambda: mx.fast.rope(x, 16, base=1.0, offset=mx.array(2.5), **kw), ValueError, "offset must be an integer"),
        (lambda: mx.fast.rope(x, 16, base=1.0, offset=mx.array([True, False]), **kw), ValueError, "got type bool"),
        (lambda: mx.fast.rope(x, 16, base=1.0, offset=mx.array([1, 2, 3]), **kw), ValueError,
         r"vector with 2 elements but has shape \(3\)"),
        (lambda: mx.fast.rope(x, 16, base=1.0, offset=mx.array([[1, 2]]), **kw), ValueError, "at most one dimension"),
        (lambda: mx.fast.rope(x, 16, traditional=False, base=1.0, offset=0), TypeError, ""),
        (lambda: mx.fast.rope(x, 16, False, 1.0, 1.0, 0), TypeError, ""),
    ]
    for f, exc, text in cases:
        with pytest.raises(exc, match=text or None):
            mx.eval(f())


def test_layer_norm_accurate_far_from_zero():
    # Rows whose values sit far from zero, whose first element is an outlier, or whose
    # first elements are all shifted keep float32 accuracy (a variance taken as
    # E[x^2] - E[x]^2, or about the first element, loses it: errors of 1e-2 here).
    rng = np.random.default_rng(15)
    for first, shift in [(1e4, 0.0), (0.0, 1e4), (3e3, 100.0), (1e6, 0.0)]:
        for prefix in (0.0, 1e4):
            x = (rng.standard_normal((4, 4096)) + shift).astype(np.float32)
            x[:, 0] = first
            x[:, :64] += prefix
            y = mx.fast.layer_norm(mx.array(x), None, None, 1e-5)
            np.testing.assert_allclose(np.array(y), np_ln(x, None, None, 1e-5), rtol=2e-5, atol=1e-4)


@pytest.mark.parametrize("n", [1024, 1027])
def test_norms_large_outputs(n):
    # Outputs past the streaming-store threshold (8 MiB), with rows not 32-byte aligned.
    rng = np.random.default_rng(16)
    x = rng.standard_normal((2100, n)).astype(np.float32)
    w, b = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    xm = mx.array(x)
    np.testing.assert_allclose(np.array(mx.fast.rms_norm(xm, mx.array(w), 1e-5)), np_rms(x, w, 1e-5),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.array(mx.fast.layer_norm(xm, mx.array(w), mx.array(b), 1e-5)),
                               np_ln(x, w, b, 1e-5), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.array(mx.fast.layer_norm(xm, None, None, 1e-5)), np_ln(x, None, None, 1e-5),
                               rtol=1e-4, atol=1e-5)
