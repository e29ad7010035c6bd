"""A Llama-shaped decoder with a KV cache: prompt processing and greedy generation, mlx-lm's
llama model on openmlx against the same model in PyTorch eager with the same weights.

    python benchmarks/bench_llm.py [--repeats 2] [--layers 8] [--prompt 512] [--tokens 128]
    MLX_NUM_THREADS=1 python benchmarks/bench_llm.py --cpu-time

The model: 8 layers, width 1024, 16 query heads and 4 key/value heads of 64, SwiGLU MLP 2816,
vocabulary 32000, float32 (168M parameters). Rows:
- prompt: one forward pass over the prompt into an empty cache (tokens/s, higher is better),
- generate: greedy decoding of --tokens tokens one at a time after the prompt (tokens/s),
- mlx_lm.generate_step: the same generation through mlx-lm's own loop (ours only; wall time
  even with --cpu-time, since that loop evaluates on a stream of its own),
- 4-bit: the model after `nn.quantize(model, group_size=64, bits=4)`, generation speed
  against our float32 (the issue's target: at least 2x).
"ratio" is ours / PyTorch in tokens per second: above 1, mlx is faster.
"""

import argparse
import os
import time

import numpy as np

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

from mlx_lm.models import llama
from mlx_lm.models.cache import make_prompt_cache

CONFIG = {
    "model_type": "llama",
    "hidden_size": 1024,
    "num_hidden_layers": 8,
    "intermediate_size": 2816,
    "num_attention_heads": 16,
    "num_key_value_heads": 4,
    "rms_norm_eps": 1e-5,
    "vocab_size": 32000,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
}


# ------------------------------------------------------------------- ours (mlx-lm)


def build_model(layers):
    mx.random.seed(0)
    model = llama.Model(llama.ModelArgs.from_dict({**CONFIG, "num_hidden_layers": layers}))
    mx.eval(model.parameters())
    return model


def ours_prefill(model, prompt):
    cache = make_prompt_cache(model)
    logits = model(prompt[None], cache=cache)
    y = mx.argmax(logits[:, -1], axis=-1)
    mx.eval(y)
    return cache, y


def ours_step(model, y, cache):
    y = mx.argmax(model(y[:, None], cache=cache)[:, -1], axis=-1)
    mx.eval(y)
    return y


def greedy(prefill, step, model, prompt, tokens, clock):
    """Seconds to generate `tokens` greedy tokens after the prompt, and the tokens."""
    cache, y = prefill(model, prompt)
    out = []
    t0 = clock()
    for _ in range(tokens):
        y = step(model, y, cache)
        out.append(int(y.item()))
    return clock() - t0, out


def ours_generate_step(model, prompt, tokens):
    """Seconds per token of mlx_lm.generate.generate_step after its first token. Always wall
    time: generate_step evaluates on its own stream (another thread), so the calling
    thread's CPU time would miss the work."""
    from mlx_lm.generate import generate_step

    clock = time.perf_counter
    t0 = None
    n = 0
    for (tok, _), n in zip(generate_step(prompt, model, max_tokens=tokens + 1), range(tokens + 1)):
        if t0 is None:
            t0 = clock()  # after the prompt and the first token
    return (clock() - t0) / n


# --------------------------------------------------------------------- PyTorch eager


class TorchLlama:
    """The same Llama in PyTorch eager (rotate-half RoPE, GQA attention, preallocated cache)."""

    def __init__(self, model, layers, max_len):
        p = {k: torch.from_numpy(np.array(v)) for k, v in tree_flatten(model.parameters())}
        self.p = p
        self.layers = layers
        self.h, self.kvh = CONFIG["num_attention_heads"], CONFIG["num_key_value_heads"]
        self.d = CONFIG["hidden_size"] // self.h
        self.eps = CONFIG["rms_norm_eps"]
        inv = 1.0 / (CONFIG["rope_theta"] ** (torch.arange(0, self.d, 2).float() / self.d))
        t = torch.arange(max_len).float()[:, None] * inv
        self.cos, self.sin = torch.cos(t), torch.sin(t)
        self.max_len = max_len

    def new_cache(self, batch=1):
        shape = (batch, self.kvh, self.max_len, self.d)
        return [(torch.empty(shape), torch.empty(shape)) for _ in range(self.layers)], [0]

    def rope(self, x, offset):
        L, half = x.shape[2], self.d // 2
        c, s = self.cos[offset : offset + L], self.sin[offset : offset + L]
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * c - x2 * s, x1 * s + x2 * c], dim=-1)

    def rms(self, x, w):
        return torch.nn.functional.rms_norm(x, (x.shape[-1],), w, self.eps)

    def __call__(self, ids, cache):
        kv, pos = cache
        offset = pos[0]
        p = self.p
        B, L = ids.shape
        h = p["model.embed_tokens.weight"][ids]
        for i in range(self.layers):
            pre = f"model.layers.{i}."
            x = self.rms(h, p[pre + "input_layernorm.weight"])
            q = (x @ p[pre + "self_attn.q_proj.weight"].T).view(B, L, self.h, self.d).transpose(1, 2)
            k = (x @ p[pre + "self_attn.k_proj.weight"].T).view(B, L, self.kvh, self.d).transpose(1, 2)
            v = (x @ p[pre + "self_attn.v_proj.weight"].T).view(B, L, self.kvh, self.d).transpose(1, 2)
            q, k = self.rope(q, offset), self.rope(k, offset)
            K, V = kv[i]
            K[:, :, offset : offset + L] = k
            V[:, :, offset : offset + L] = v
            a = torch.nn.functional.scaled_dot_product_attention(
                q, K[:, :, : offset + L], V[:, :, : offset + L], is_causal=L > 1, enable_gqa=True
            )
            h = h + a.transpose(1, 2).reshape(B, L, -1) @ p[pre + "self_attn.o_proj.weight"].T
            x = self.rms(h, p[pre + "post_attention_layernorm.weight"])
            g = x @ p[pre + "mlp.gate_proj.weight"].T
            u = x @ p[pre + "mlp.up_proj.weight"].T
            h = h + (torch.nn.functional.silu(g) * u) @ p[pre + "mlp.down_proj.weight"].T
        pos[0] = offset + L
        return self.rms(h, p["model.norm.weight"]) @ p["lm_head.weight"].T


def torch_prefill(tm, prompt):
    cache = tm.new_cache()
    y = tm(prompt[None], cache)[:, -1].argmax(-1)
    return cache, y


def torch_step(tm, y, cache):
    return tm(y[:, None], cache)[:, -1].argmax(-1)


# ------------------------------------------------------------------------------ main


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--layers", type=int, default=CONFIG["num_hidden_layers"])
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--cpu-time", action="store_true", help="one thread each, CPU time")
    args = ap.parse_args()
    clock = time.perf_counter
    if args.cpu_time:
        if os.environ.get("MLX_NUM_THREADS") != "1":
            raise SystemExit("--cpu-time needs MLX_NUM_THREADS=1 in the environment")
        clock = time.thread_time
        if torch:
            torch.set_num_threads(1)
    if torch:
        torch.set_grad_enabled(False)

    model = build_model(args.layers)
    n_params = sum(v.size for _, v in tree_flatten(model.parameters()))
    print(f"Llama {args.layers} layers, width 1024, 16 heads (4 kv), SwiGLU 2816, vocab 32000:"
          f" {n_params / 1e6:.0f}M parameters, float32; prompt {args.prompt}, "
          f"generate {args.tokens}" + (f"; torch {torch.get_num_threads()} threads" if torch else ""))
    rng = np.random.default_rng(0)
    prompt_np = rng.integers(0, CONFIG["vocab_size"], args.prompt)
    prompt = mx.array(prompt_np)

    def best(fn):
        times = []
        for _ in range(args.repeats):
            t0 = clock()
            fn()
            times.append(clock() - t0)
        return min(times)

    ours_prefill(model, prompt[:16])  # warm up
    t_prompt = best(lambda: ours_prefill(model, prompt))
    def generate(prefill, step, model, prompt):
        runs = [greedy(prefill, step, model, prompt, args.tokens, clock) for _ in range(args.repeats)]
        return min(runs, key=lambda r: r[0])

    t_gen, toks = generate(ours_prefill, ours_step, model, prompt)
    t_step = min(ours_generate_step(model, prompt, args.tokens) for _ in range(args.repeats))

    tp = tg = float("nan")
    if torch:
        tm = TorchLlama(model, args.layers, args.prompt + args.tokens + 1)
        prompt_t = torch.from_numpy(prompt_np)
        with torch.inference_mode():
            torch_prefill(tm, prompt_t[:16])
            tp = best(lambda: torch_prefill(tm, prompt_t))
            tg, ttoks = generate(torch_prefill, torch_step, tm, prompt_t)
        same = sum(a == b for a, b in zip(toks, ttoks))
        print(f"greedy tokens equal to PyTorch's: {same}/{args.tokens}")

    qmodel = build_model(args.layers)
    nn.quantize(qmodel, group_size=64, bits=4)
    mx.eval(qmodel.parameters())
    ours_prefill(qmodel, prompt[:16])
    tq_prompt = best(lambda: ours_prefill(qmodel, prompt))
    tq_gen, _ = generate(ours_prefill, ours_step, qmodel, prompt)

    P, G = args.prompt, args.tokens
    rows = [
        ("prompt (tokens/s), float32", P / t_prompt, P / tp),
        ("generate (tokens/s), float32", G / t_gen, G / tg),
        ("generate via mlx_lm.generate_step (wall)", 1 / t_step, G / tg),
        ("prompt, 4-bit vs our float32", P / tq_prompt, P / t_prompt),
        ("generate, 4-bit vs our float32", G / tq_gen, G / t_gen),
    ]
    print(f"{'case':<42}{'mlx':>10}{'other':>10}{'ratio':>8}")
    for name, ours, other in rows:
        print(f"{name:<42}{ours:>10.1f}{other:>10.1f}{ours / other:>8.2f}")


if __name__ == "__main__":
    main()
