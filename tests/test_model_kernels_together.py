"""The kernels a language model calls, used together as model code uses them: a small
Llama-style decoder with 4-bit quantized projections, rms_norm, rope, grouped-query
scaled_dot_product_attention with a key/value cache, and a convolutional front end.
Checked against the same model written in NumPy float64 from the dequantized weights, and
decoding token by token against the whole-sequence (causal) pass."""

import numpy as np
import pytest

import mlx.core as mx

DIM, HEADS, KV_HEADS, HEAD_DIM, HIDDEN, VOCAB, LAYERS = 128, 4, 2, 32, 256, 97, 2
GROUP, BITS = 64, 4


def make_params(seed=0):
    rng = np.random.default_rng(seed)

    def quant(shape):
        w = mx.array((rng.standard_normal(shape) / np.sqrt(shape[1])).astype(np.float32))
        return mx.quantize(w, group_size=GROUP, bits=BITS)

    layers = []
    for _ in range(LAYERS):
        layers.append(dict(
            q=quant((HEADS * HEAD_DIM, DIM)), k=quant((KV_HEADS * HEAD_DIM, DIM)),
            v=quant((KV_HEADS * HEAD_DIM, DIM)), o=quant((DIM, HEADS * HEAD_DIM)),
            gate=quant((HIDDEN, DIM)), up=quant((HIDDEN, DIM)), down=quant((DIM, HIDDEN)),
            n1=mx.array(rng.uniform(0.5, 1.5, DIM).astype(np.float32)),
            n2=mx.array(rng.uniform(0.5, 1.5, DIM).astype(np.float32))))
    emb = mx.array(rng.standard_normal((VOCAB, DIM)).astype(np.float32))
    return emb, layers


def qlinear(x, p):
    return mx.quantized_matmul(x, *p, transpose=True, group_size=GROUP, bits=BITS)


def forward(tokens, emb, layers, cache=None, offset=0):
    """mlx: tokens [B, L] -> logits [B, L, VOCAB]; cache: list of (k, v) per layer or None."""
    x = emb[tokens]
    B, L = tokens.shape
    new_cache = []
    for i, p in enumerate(layers):
        h = mx.fast.rms_norm(x, p["n1"], 1e-5)
        q = qlinear(h, p["q"]).reshape(B, L, HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
        k = qlinear(h, p["k"]).reshape(B, L, KV_HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
        v = qlinear(h, p["v"]).reshape(B, L, KV_HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
        q = mx.fast.rope(q, HEAD_DIM, traditional=False, base=10000.0, scale=1.0, offset=offset)
        k = mx.fast.rope(k, HEAD_DIM, traditional=False, base=10000.0, scale=1.0, offset=offset)
        if cache is not None:
            k = mx.concatenate([cache[i][0], k], axis=2)
            v = mx.concatenate([cache[i][1], v], axis=2)
        new_cache.append((k, v))
        a = mx.fast.scaled_dot_product_attention(q, k, v, scale=HEAD_DIM ** -0.5, mask="causal" if L > 1 else None)
        x = x + qlinear(a.transpose(0, 2, 1, 3).reshape(B, L, -1), p["o"])
        h = mx.fast.rms_norm(x, p["n2"], 1e-5)
        g = qlinear(h, p["gate"])
        x = x + qlinear(g * mx.sigmoid(g) * qlinear(h, p["up"]), p["down"])
    return x @ emb.T, new_cache


def numpy_forward(tokens, emb, layers):
    """The same model in float64 NumPy from the dequantized weights (no cache)."""
    def deq(p):
        return np.array(mx.dequantize(*p, group_size=GROUP, bits=BITS), dtype=np.float64)

    def rms(x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-5) * w

    def rope(x):  # [B, H, L, D], rotate-half layout
        L, D = x.shape[2], x.shape[3]
        inv = 10000.0 ** (-np.arange(0, D, 2) / D)
        ang = np.arange(L)[:, None] * inv[None]
        c, s = np.cos(ang), np.sin(ang)
        x1, x2 = x[..., : D // 2], x[..., D // 2:]
        return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], -1)

    E = np.array(emb, dtype=np.float64)
    x = E[np.array(tokens)]
    B, L = x.shape[:2]
    for p in layers:
        h = rms(x, np.array(p["n1"], np.float64))
        q = (h @ deq(p["q"]).T).reshape(B, L, HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
        k = (h @ deq(p["k"]).T).reshape(B, L, KV_HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
        v = (h @ deq(p["v"]).T).reshape(B, L, KV_HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
        q, k = rope(q), rope(k)
        k = np.repeat(k, HEADS // KV_HEADS, axis=1)
        v = np.repeat(v, HEADS // KV_HEADS, axis=1)
        s = q @ k.transpose(0, 1, 3, 2) * HEAD_DIM ** -0.5
        s = np.where(np.tril(np.ones((L, L), bool)), s, -np.inf)
        s = np.exp(s - s.max(-1, keepdims=True))
        a = (s / s.sum(-1, keepdims=True)) @ v
        x = x + a.transpose(0, 2, 1, 3).reshape(B, L, -1) @ deq(p["o"]).T
        h = rms(x, np.array(p["n2"], np.float64))
        g = h @ deq(p["gate"]).T
        x = x + ((g / (1 + np.exp(-g))) * (h @ deq(p["up"]).T)) @ deq(p["down"]).T
    return x @ E.T


def test_quantized_decoder_matches_numpy_and_cache():
    emb, layers = make_params()
    tokens = mx.array(np.random.default_rng(1).integers(0, VOCAB, (2, 9)).astype(np.int32))
    logits, _ = forward(tokens, emb, layers)
    np.testing.assert_allclose(np.array(logits), numpy_forward(tokens, emb, layers), rtol=2e-3, atol=2e-3)

    # Prefill the first 5 tokens, then decode one at a time with the cache: same logits.
    out, cache = forward(tokens[:, :5], emb, layers)
    steps = [out]
    for t in range(5, 9):
        o, cache = forward(tokens[:, t:t + 1], emb, layers, cache=cache, offset=t)
        steps.append(o)
    np.testing.assert_allclose(np.array(mx.concatenate(steps, axis=1)), np.array(logits), rtol=1e-4, atol=1e-4)


def test_training_step_through_the_kernels():
    """A gradient step over the non-quantized parameters (norm weights, embedding) of the
    same model: finite differences on one coordinate, and the loss decreases."""
    emb, layers = make_params(2)
    tokens = mx.array(np.random.default_rng(3).integers(0, VOCAB, (1, 6)).astype(np.int32))
    targets = mx.array(np.random.default_rng(4).integers(0, VOCAB, (1, 6)).astype(np.int32))

    def loss(n1, emb):
        ls = [dict(p, n1=n1) if i == 0 else p for i, p in enumerate(layers)]
        logits, _ = forward(tokens, emb, ls)
        return mx.fast.cross_entropy(logits, targets).mean()

    n1 = layers[0]["n1"]
    val, (g_n1, g_emb) = mx.value_and_grad(loss, argnums=(0, 1))(n1, emb)
    eps = 1e-2
    e = mx.zeros_like(n1).at[3].add(eps)
    fd = (loss(n1 + e, emb) - loss(n1 - e, emb)) / (2 * eps)
    assert abs(fd.item() - g_n1[3].item()) < 2e-3 + 2e-2 * abs(fd.item())
    after = loss(n1 - 0.5 * g_n1, emb - 0.5 * g_emb)
    assert after.item() < val.item()


@pytest.mark.parametrize("dtype", [mx.float32, mx.bfloat16])
def test_conv_front_end_then_attention(dtype):
    """Whisper-like: two 1-d convolutions (the second with stride 2), GELU, then attention."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 40, 16)).astype(np.float32)
    w1 = (rng.standard_normal((32, 3, 16)) * 0.2).astype(np.float32)
    w2 = (rng.standard_normal((32, 3, 32)) * 0.2).astype(np.float32)
    h = mx.conv1d(mx.array(x, dtype=dtype), mx.array(w1, dtype=dtype), padding=1)
    h = h * mx.sigmoid(1.702 * h)
    h = mx.conv1d(h, mx.array(w2, dtype=dtype), stride=2, padding=1)
    q = h.reshape(1, 20, 4, 8).transpose(0, 2, 1, 3)
    out = mx.fast.scaled_dot_product_attention(q, q, q, scale=8 ** -0.5)

    def conv1d_np(x, w, stride, pad):
        x = np.pad(x, ((0, 0), (pad, pad), (0, 0)))
        L = (x.shape[1] - w.shape[1]) // stride + 1
        cols = np.stack([x[:, i * stride:i * stride + w.shape[1]] for i in range(L)], 1)  # [N, L, K, C]
        return np.einsum("nlkc,okc->nlo", cols, w)

    hn = conv1d_np(x.astype(np.float64), w1.astype(np.float64), 1, 1)
    hn = hn / (1 + np.exp(-1.702 * hn))
    hn = conv1d_np(hn, w2.astype(np.float64), 2, 1)
    qn = hn.reshape(1, 20, 4, 8).transpose(0, 2, 1, 3)
    s = qn @ qn.transpose(0, 1, 3, 2) * 8 ** -0.5
    s = np.exp(s - s.max(-1, keepdims=True))
    want = (s / s.sum(-1, keepdims=True)) @ qn
    tol = 1e-4 if dtype == mx.float32 else 8e-2
    np.testing.assert_allclose(np.array(out.astype(mx.float32)), want, rtol=tol, atol=tol)


def test_memory_flat_over_many_steps():
    """2,000 value_and_grad steps through every new kernel family: active memory is flat."""
    rng = np.random.default_rng(6)
    x = mx.array(rng.standard_normal((2, 8, 16)).astype(np.float32))
    w = mx.array(rng.standard_normal(16).astype(np.float32))
    cw = mx.array((rng.standard_normal((16, 3, 16)) * 0.2).astype(np.float32))
    qw = mx.quantize(mx.array(rng.standard_normal((32, 64)).astype(np.float32)))
    t = mx.array(rng.integers(0, 16, (2, 8)).astype(np.int32))

    def loss(x, w, cw):
        h = mx.conv1d(mx.fast.rms_norm(x, w, 1e-5), cw, padding=1)
        q = mx.fast.rope(h.reshape(2, 8, 2, 8).transpose(0, 2, 1, 3), 8, traditional=False, base=1e4,
                         scale=1.0, offset=1)
        a = mx.fast.scaled_dot_product_attention(q, q, q, scale=0.3, mask="causal")
        a = mx.fast.layer_norm(a.transpose(0, 2, 1, 3).reshape(2, 8, 16), None, None, 1e-5)
        y = mx.quantized_matmul(mx.concatenate([a, a, a, a], -1), *qw)
        return mx.fast.cross_entropy(mx.einsum("blk,kj->blj", y[..., :16], mx.eye(16)), t).mean() + mx.linalg.norm(w)

    step = mx.value_and_grad(loss, argnums=(0, 1, 2))
    for i in range(2000):
        v, g = step(x, w, cw)
        w = w - 1e-3 * g[1]
        mx.eval(v, w)
        if i == 200:
            base = mx.get_active_memory()
    assert mx.get_active_memory() <= base + (1 << 16)
