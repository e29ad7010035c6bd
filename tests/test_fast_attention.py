"""mx.fast.scaled_dot_product_attention against a float64 NumPy reference and PyTorch."""

import numpy as np
import pytest

import mlx.core as mx

sdpa = mx.fast.scaled_dot_product_attention
LOWEST32 = -np.finfo(np.float32).max


def ref(q, k, v, scale, mask=None, sinks=None):
    """Attention in float64 NumPy: q [B, H, Lq, D], k / v [B, Hkv, Lk, *]."""
    q, k, v = (np.asarray(x, dtype=np.float64) for x in (q, k, v))
    B, H, Lq, _ = q.shape
    Lk = k.shape[2]
    G = H // k.shape[1]
    k = np.repeat(k, G, axis=1)
    v = np.repeat(v, G, axis=1)
    s = scale * q @ k.swapaxes(-1, -2)
    if isinstance(mask, str):
        keep = (np.arange(Lq)[:, None] + Lk - Lq) >= np.arange(Lk)[None]
        s = np.where(keep, s, LOWEST32)
    elif mask is not None and mask.dtype == np.bool_:
        s = np.where(mask, s, LOWEST32)
    elif mask is not None:
        s = s + mask.astype(np.float64)
    if sinks is not None:
        sk = np.broadcast_to(np.asarray(sinks, np.float64)[None, :, None, None], (B, H, Lq, 1))
        s = np.concatenate([sk, s], axis=-1)
    m = s.max(-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        p = np.exp(s - m)
        p = p / p.sum(-1, keepdims=True)
    if sinks is not None:
        p = p[..., 1:]
    if Lk == 0:
        return np.zeros((B, H, Lq, v.shape[-1]))
    return p @ v


def rand(shape, seed, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def to_np(a):
    return np.array(a.astype(mx.float32) if a.dtype in (mx.bfloat16,) else a).astype(np.float64)


TOL = {mx.float32: 2e-5, mx.float64: 1e-12, mx.float16: 3e-3, mx.bfloat16: 2e-2}

SHAPES = [
    # B, H, Hkv, Lq, Lk, D, Dv
    (1, 1, 1, 1, 1, 8, 8),
    (2, 4, 4, 7, 13, 16, 16),
    (2, 8, 2, 33, 70, 64, 64),     # grouped-query, blocks with remainders
    (1, 4, 1, 130, 200, 72, 40),   # multi-query, head dims not multiples of the tile
    (1, 2, 2, 1, 4096, 128, 128),  # decoding with a long key cache (keys split)
    (3, 6, 3, 5, 600, 32, 24),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16, mx.float64])
def test_matches_numpy(shape, dtype):
    B, H, Hkv, Lq, Lk, D, Dv = shape
    q, k, v = rand((B, H, Lq, D), 1), rand((B, Hkv, Lk, D), 2), rand((B, Hkv, Lk, Dv), 3)
    qa, ka, va = (mx.array(x).astype(dtype) for x in (q, k, v))
    scale = float(np.float32(D**-0.5))  # the scale is a float32 argument
    out = sdpa(qa, ka, va, scale=scale)
    assert out.dtype == dtype and out.shape == (B, H, Lq, Dv)
    expect = ref(to_np(qa), to_np(ka), to_np(va), scale)
    np.testing.assert_allclose(to_np(out), expect, atol=TOL[dtype] * 4, rtol=TOL[dtype])


@pytest.mark.parametrize("Lq,Lk", [(5, 5), (3, 9), (9, 3), (70, 130), (130, 70), (1, 1000), (64, 64)])
@pytest.mark.parametrize("with_sinks", [False, True])
def test_causal(Lq, Lk, with_sinks):
    # Lower-right alignment; rows that see no key average the values (the reference scores
    # masked keys with the lowest float) and give zeros next to a sink.
    H = 4
    q, k, v = rand((2, H, Lq, 16), 4), rand((2, 2, Lk, 16), 5), rand((2, 2, Lk, 8), 6)
    sinks = rand((H,), 7) if with_sinks else None
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.3, mask="causal",
               sinks=None if sinks is None else mx.array(sinks))
    np.testing.assert_allclose(np.array(out), ref(q, k, v, 0.3, "causal", sinks), atol=1e-5, rtol=1e-4)


MASK_SHAPES = [(11,), (1,), (6, 11), (3, 6, 11), (1, 3, 1, 11), (2, 3, 6, 11), (2, 1, 6, 1), ()]


@pytest.mark.parametrize("mshape", MASK_SHAPES)
@pytest.mark.parametrize("kind", ["bool", "float32", "float16", "int32"])
def test_array_masks(mshape, kind):
    q, k, v = rand((2, 3, 6, 8), 8), rand((2, 3, 11, 8), 9), rand((2, 3, 11, 8), 10)
    r = np.random.default_rng(11)
    if kind == "bool":
        m = r.random(mshape) > 0.3
    elif kind == "int32":
        m = r.integers(-3, 3, mshape).astype(np.int32)
    else:
        m = r.standard_normal(mshape).astype(kind)
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(m))
    assert out.dtype == mx.float32
    np.testing.assert_allclose(np.array(out), ref(q, k, v, 0.5, m), atol=1e-5, rtol=1e-4)


def test_mask_edge_rows():
    # A boolean row with every key masked averages the values; an additive row of -inf is NaN.
    q, k, v = rand((1, 1, 3, 4), 12), rand((1, 1, 5, 4), 13), rand((1, 1, 5, 4), 14)
    keep = np.array([[True, False, False, False, False], [False] * 5, [True] * 5])
    out = np.array(sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(keep)))
    np.testing.assert_allclose(out[0, 0, 1], v[0, 0].mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, ref(q, k, v, 0.5, keep), atol=1e-6)
    add = np.where(keep, 0.0, -np.inf).astype(np.float32)
    out = np.array(sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(add)))
    assert np.isnan(out[0, 0, 1]).all() and np.isfinite(out[0, 0, [0, 2]]).all()
    # -inf in the first key block and finite scores later stay finite (online softmax).
    q, k, v = rand((1, 1, 2, 4), 15), rand((1, 1, 300, 4), 16), rand((1, 1, 300, 4), 17)
    add = np.zeros((2, 300), np.float32)
    add[:, :100] = -np.inf
    out = np.array(sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask=mx.array(add)))
    np.testing.assert_allclose(out, ref(q, k, v, 0.5, add), atol=1e-5)


@pytest.mark.parametrize("Lq,Lk,dtype", [(3, 9, mx.float32), (1, 4096, mx.float32), (100, 100, mx.float16)])
def test_sinks(Lq, Lk, dtype):
    q, k, v = rand((2, 4, Lq, 16), 18), rand((2, 2, Lk, 16), 19), rand((2, 2, Lk, 16), 20)
    sinks = rand((4,), 21) * 3
    qa, ka, va = (mx.array(x).astype(dtype) for x in (q, k, v))
    out = sdpa(qa, ka, va, scale=0.25, sinks=mx.array(sinks).astype(dtype))
    assert out.dtype == dtype
    expect = ref(to_np(qa), to_np(ka), to_np(va), 0.25, sinks=to_np(mx.array(sinks).astype(dtype)))
    np.testing.assert_allclose(to_np(out), expect, atol=TOL[dtype] * 4, rtol=TOL[dtype])


@pytest.mark.parametrize("B,H,Hkv", [(1, 1, 1), (1, 32, 32), (2, 8, 1)])
def test_decoding_long_cache(B, H, Hkv):
    q, k, v = rand((B, H, 1, 64), 22), rand((B, Hkv, 4096, 64), 23), rand((B, Hkv, 4096, 64), 24)
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.125)
    np.testing.assert_allclose(np.array(out), ref(q, k, v, 0.125), atol=1e-5, rtol=1e-4)


def test_transposed_inputs():
    # Models produce [B, L, H, D] and transpose to [B, H, L, D] without copying.
    q, k, v = rand((2, 37, 4, 16), 25), rand((2, 90, 2, 16), 26), rand((2, 90, 2, 16), 27)
    qa, ka, va = (mx.array(x).transpose(0, 2, 1, 3) for x in (q, k, v))
    out = sdpa(qa, ka, va, scale=0.25, mask="causal")
    expect = ref(*(x.transpose(0, 2, 1, 3) for x in (q, k, v)), 0.25, "causal")
    np.testing.assert_allclose(np.array(out), expect, atol=1e-5, rtol=1e-4)
    # The head dimension itself strided: a copy is made.
    kd = mx.array(rand((2, 2, 90, 32), 28))[..., ::2]
    out = sdpa(qa, kd, va, scale=0.25)
    expect = ref(q.transpose(0, 2, 1, 3), np.array(kd), v.transpose(0, 2, 1, 3), 0.25)
    np.testing.assert_allclose(np.array(out), expect, atol=1e-5, rtol=1e-4)


def test_empty():
    q, k, v = mx.zeros((0, 2, 3, 4)), mx.zeros((0, 2, 5, 4)), mx.zeros((0, 2, 5, 6))
    assert sdpa(q, k, v, scale=1.0).shape == (0, 2, 3, 6)
    q, k, v = mx.ones((1, 2, 0, 4)), mx.ones((1, 2, 5, 4)), mx.ones((1, 2, 5, 6))
    assert sdpa(q, k, v, scale=1.0, mask="causal").shape == (1, 2, 0, 6)
    # No keys: zeros, as the reference gives.
    out = sdpa(mx.ones((1, 2, 3, 4)), mx.ones((1, 2, 0, 4)), mx.ones((1, 2, 0, 6)), scale=1.0)
    assert out.shape == (1, 2, 3, 6) and not np.array(out).any()


def test_dtype_rules():
    q, k, v = mx.ones((1, 2, 3, 4)), mx.ones((1, 2, 5, 4)), mx.ones((1, 2, 5, 4))
    h = mx.float16
    assert sdpa(q.astype(h), k.astype(h), v.astype(h), scale=1.0).dtype == h
    assert sdpa(q.astype(h), k, v.astype(mx.bfloat16), scale=1.0).dtype == mx.float32
    assert sdpa(q.astype(mx.int32), k, v, scale=1.0).dtype == mx.float32
    # Masks and sinks whose dtype promotes to the output's are accepted.
    assert sdpa(q.astype(h), k.astype(h), v.astype(h), scale=1.0, mask=mx.zeros((3, 5), mx.int32)).dtype == h
    assert sdpa(q.astype(h), k.astype(h), v.astype(h), scale=1.0, mask=mx.zeros((3, 5), mx.uint8)).dtype == h
    assert sdpa(q, k, v, scale=1.0, sinks=mx.zeros((2,), mx.int32)).dtype == mx.float32
    assert sdpa(q, k, v, scale=1.0, force_fused=True).shape == (1, 2, 3, 4)


def test_against_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    q, k, v = rand((2, 8, 50, 32), 29), rand((2, 2, 80, 32), 30), rand((2, 2, 80, 32), 31)
    tq, tk, tv = (torch.from_numpy(x) for x in (q, k, v))
    for mask in [None, "causal"]:
        out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.2, mask=mask)
        if mask == "causal":
            # torch's is_causal aligns top-left; build the lower-right mask explicitly.
            keep = torch.from_numpy((np.arange(50)[:, None] + 30) >= np.arange(80)[None])
            t = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=keep, scale=0.2, enable_gqa=True)
        else:
            t = F.scaled_dot_product_attention(tq, tk, tv, scale=0.2, enable_gqa=True)
        np.testing.assert_allclose(np.array(out), t.numpy(), atol=1e-5, rtol=1e-4)


def _loss_fn(mask, with_sinks):
    def loss(q, k, v, s, w):
        o = sdpa(q, k, v, scale=0.4, mask=mask, sinks=s if with_sinks else None)
        return (o * w).sum()

    return loss


@pytest.mark.parametrize("mask", [None, "causal", "bool", "additive"])
def test_grad_against_torch(mask):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    q, k, v = rand((2, 4, 6, 8), 32), rand((2, 2, 9, 8), 33), rand((2, 2, 9, 8), 34)
    w = rand((2, 4, 6, 8), 35)
    r = np.random.default_rng(36)
    if mask == "bool":
        m_np = r.random((6, 9)) > 0.3
        m_np[:, 0] = True
    elif mask == "additive":
        m_np = r.standard_normal((4, 6, 9)).astype(np.float32)
    elif mask == "causal":
        m_np = (np.arange(6)[:, None] + 3) >= np.arange(9)[None]
    else:
        m_np = None
    m_mx = "causal" if mask == "causal" else (None if m_np is None else mx.array(m_np))
    grads = mx.grad(_loss_fn(m_mx, False), argnums=(0, 1, 2))(
        mx.array(q), mx.array(k), mx.array(v), mx.zeros((4,)), mx.array(w))
    tq, tk, tv = (torch.from_numpy(x).requires_grad_() for x in (q, k, v))
    tm = None if m_np is None else torch.from_numpy(m_np)
    o = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, scale=0.4, enable_gqa=True)
    (o * torch.from_numpy(w)).sum().backward()
    for g, t in zip(grads, (tq, tk, tv)):
        np.testing.assert_allclose(np.array(g), t.grad.numpy(), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("mask", [None, "causal", "additive"])
def test_grad_finite_differences(mask):
    # float64, every input: q, k, v, the sinks and the additive mask.
    r = np.random.default_rng(37)
    shapes = [(1, 4, 3, 5), (1, 2, 4, 5), (1, 2, 4, 3), (4,), (3, 4)]
    args = [r.standard_normal(s) for s in shapes]
    w = mx.array(r.standard_normal((1, 4, 3, 3)), dtype=mx.float64)
    n = 5 if mask == "additive" else 4

    def loss(*xs):
        m = xs[4] if mask == "additive" else mask
        return (sdpa(xs[0], xs[1], xs[2], scale=0.7, mask=m, sinks=xs[3]) * w).sum()

    f64 = lambda xs: [mx.array(x, dtype=mx.float64) for x in xs[:n]]
    grads = mx.grad(loss, argnums=list(range(n)))(*f64(args))
    eps = 1e-6
    for i in range(n):
        num = np.zeros_like(args[i])
        for idx in np.ndindex(args[i].shape):
            up = [a.copy() for a in args]
            dn = [a.copy() for a in args]
            up[i][idx] += eps
            dn[i][idx] -= eps
            num[idx] = (loss(*f64(up)).item() - loss(*f64(dn)).item()) / (2 * eps)
        np.testing.assert_allclose(np.array(grads[i]), num, atol=1e-7, rtol=1e-6)


def test_jvp():
    r = np.random.default_rng(38)
    q, k, v = (r.standard_normal(s) for s in [(1, 2, 3, 4), (1, 1, 5, 4), (1, 1, 5, 4)])
    tq, tk, tv = (r.standard_normal(x.shape) for x in (q, k, v))
    f = lambda q, k, v: sdpa(q, k, v, scale=0.5, mask="causal")
    d = lambda x: mx.array(x, dtype=mx.float64)
    _, (t,) = mx.jvp(f, [d(q), d(k), d(v)], [d(tq), d(tk), d(tv)])
    eps = 1e-6
    num = (ref(q + eps * tq, k + eps * tk, v + eps * tv, 0.5, "causal")
           - ref(q - eps * tq, k - eps * tk, v - eps * tv, 0.5, "causal")) / (2 * eps)
    np.testing.assert_allclose(np.array(t), num, atol=1e-6, rtol=1e-5)


def test_vmap_against_loop():
    q, k, v = rand((3, 1, 4, 5, 8), 39), rand((1, 2, 7, 8, 3), 40), rand((1, 2, 7, 8), 41)
    m = rand((3, 5, 7), 42)
    s = rand((3, 4), 43)
    f = lambda q, k, m, s: sdpa(q, k, mx.array(v), scale=0.3, mask=m, sinks=s)
    out = mx.vmap(f, in_axes=(0, 4, 0, 0))(mx.array(q), mx.array(k), mx.array(m), mx.array(s))
    assert out.shape == (3, 1, 4, 5, 8)
    for i in range(3):
        expect = ref(q[i], k[..., i], v, 0.3, m[i], s[i])
        np.testing.assert_allclose(np.array(out[i]), expect, atol=1e-5, rtol=1e-4)
    # Only the keys batched, with a boolean mask and causal.
    out = mx.vmap(lambda k: sdpa(mx.array(q[0]), k, mx.array(v), scale=0.3, mask="causal"), in_axes=4)(mx.array(k))
    for i in range(3):
        np.testing.assert_allclose(np.array(out[i]), ref(q[0], k[..., i], v, 0.3, "causal"), atol=1e-5, rtol=1e-4)


def test_bad_inputs():
    q, k, v = mx.ones((2, 4, 3, 8)), mx.ones((2, 2, 5, 8)), mx.ones((2, 2, 5, 6))
    cases = [
        (ValueError, "invalid mask option 'foo'", lambda: sdpa(q, k, v, scale=1.0, mask="foo")),
        (ValueError, "invalid mask option ''", lambda: sdpa(q, k, v, scale=1.0, mask="")),
        (ValueError, "expected to be rank 4", lambda: sdpa(q[0], k[0], v[0], scale=1.0)),
        (ValueError, "mismatching batch dimension", lambda: sdpa(q, k[:1], v[:1], scale=1.0)),
        (ValueError, "matching n_kv_heads", lambda: sdpa(q, k, v[:, :1], scale=1.0)),
        (ValueError, "n_heads must be a multiple of n_kv_heads", lambda: sdpa(q[:, :3], k, v, scale=1.0)),
        (ValueError, "matching last dimension", lambda: sdpa(q, k[..., :7], v, scale=1.0)),
        (ValueError, "same number of entries", lambda: sdpa(q, k, v[:, :, :4], scale=1.0)),
        (ValueError, "unsupported type bool", lambda: sdpa(q > 0, k > 0, v > 0, scale=1.0)),
        (ValueError, "unsupported type int32", lambda: sdpa(*(x.astype(mx.int32) for x in (q, k, v)), scale=1.0)),
        (ValueError, "unsupported type complex64", lambda: sdpa(q.astype(mx.complex64), k, v, scale=1.0)),
        (ValueError, "at most rank 4", lambda: sdpa(q, k, v, scale=1.0, mask=mx.zeros((1, 1, 1, 3, 5)))),
        (ValueError, "Mask type must promote to output type float32",
         lambda: sdpa(q, k, v, scale=1.0, mask=mx.zeros((3, 5), mx.float64))),
        (ValueError, "Mask type must promote to output type float16",
         lambda: sdpa(*(x.astype(mx.float16) for x in (q, k, v)), scale=1.0, mask=mx.zeros((3, 5), mx.bfloat16))),
        (ValueError, "", lambda: sdpa(q, k, v, scale=1.0, mask=mx.zeros((3, 4)))),
        (ValueError, "", lambda: sdpa(q, k, v, scale=1.0, mask=mx.zeros((4, 2, 3, 5)))),
        (ValueError, "invalid shape for sinks (3)", lambda: sdpa(q, k, v, scale=1.0, sinks=mx.zeros((3,)))),
        (ValueError, "invalid shape for sinks ()", lambda: sdpa(q, k, v, scale=1.0, sinks=mx.array(0.0))),
        (ValueError, "invalid shape for sinks (1,4)", lambda: sdpa(q, k, v, scale=1.0, sinks=mx.zeros((1, 4)))),
        (ValueError, "Type of sinks must promote to output type float16",
         lambda: sdpa(*(x.astype(mx.float16) for x in (q, k, v)), scale=1.0, sinks=mx.zeros((4,)))),
        (TypeError, "", lambda: sdpa(q, k, v)),
        (TypeError, "", lambda: sdpa(q, k, v, 1.0)),
        (TypeError, "", lambda: sdpa(q, k, v, scale=None)),
        (TypeError, "", lambda: sdpa(q, k, v, scale=1.0, mask=0.0)),
    ]
    for exc, text, fn in cases:
        with pytest.raises(exc) as info:
            fn()
        assert text in str(info.value), (text, str(info.value))


@pytest.mark.parametrize("case", ["sinks", "causal", "masked_pieces", "nan_piece"])
def test_decoding_split_keys(case):
    # One key/value head and one query: the keys are split across threads and the partial
    # softmaxes merged; sinks count once, and pieces with every key at -inf add nothing.
    Lq, Lk = (3, 3000) if case == "causal" else (1, 3000)
    q, k, v = rand((1, 2, Lq, 32), 44), rand((1, 1, Lk, 32), 45), rand((1, 1, Lk, 32), 46)
    sinks = mask = None
    if case == "sinks":
        sinks = np.array([2.0, -1.0], np.float32)
    elif case == "causal":
        mask = "causal"
    else:
        mask = np.zeros((Lq, Lk), np.float32)
        mask[:, :2000] = -np.inf
        if case == "nan_piece":
            mask[:, 2500] = np.nan
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.2,
               mask=mask if mask is None or isinstance(mask, str) else mx.array(mask),
               sinks=None if sinks is None else mx.array(sinks))
    expect = ref(q, k, v, 0.2, mask, sinks)
    np.testing.assert_allclose(np.array(out), expect, atol=1e-5, rtol=1e-4)


def test_keywords_and_stream():
    q, k, v = rand((1, 2, 3, 4), 47), rand((1, 2, 5, 4), 48), rand((1, 2, 5, 4), 49)
    out = sdpa(q=mx.array(q), k=mx.array(k), v=mx.array(v), scale=0.5, mask=None, sinks=None,
               force_fused=False, stream=mx.cpu)
    np.testing.assert_allclose(np.array(out), ref(q, k, v, 0.5), atol=1e-6)
    # Runs on another CPU stream too.
    s = mx.new_stream(mx.cpu)
    out = sdpa(mx.array(q), mx.array(k), mx.array(v), scale=0.5, mask="causal", stream=s)
    np.testing.assert_allclose(np.array(out), ref(q, k, v, 0.5, "causal"), atol=1e-6)
