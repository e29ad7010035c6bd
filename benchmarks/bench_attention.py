"""mx.fast.scaled_dot_product_attention against torch.nn.functional.scaled_dot_product_attention
(and a NumPy float32 reference: matmul, softmax, matmul) in the same run, as ratios.

    python benchmarks/bench_attention.py               # all threads, wall-clock time
    python benchmarks/bench_attention.py --one-thread  # one thread each, CPU time of it

A ratio above 1 means mlx is slower. On a shared, loaded machine wall-clock times drift by
2x between runs; --one-thread measures the CPU time of the calling thread (both libraries
then compute there), which the other processes do not inflate.
"""

import os
import sys
import time

ONE_THREAD = "--one-thread" in sys.argv
if ONE_THREAD:
    os.environ["MLX_NUM_THREADS"] = "1"
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np

import mlx.core as mx
from timing import best_time as timed_best


def best_time(fn, repeats=7):
    return timed_best(fn, repeats, clock=time.thread_time if ONE_THREAD else time.perf_counter)

try:
    import torch
    import torch.nn.functional as F
    if ONE_THREAD:
        torch.set_num_threads(1)
except ImportError:  # PyTorch is optional
    torch = None

CASES = [
    # name, B, H, Hkv, Lq, Lk, D, causal
    ("decode 1q 32h 4096k d128", 1, 32, 32, 1, 4096, 128, False),
    ("decode GQA 32h/8kv 4096k d128", 1, 32, 8, 1, 4096, 128, False),
    ("prefill 8h 1024 d64 causal", 1, 8, 8, 1024, 1024, 64, True),
    ("prefill 8h 1024 d64", 1, 8, 8, 1024, 1024, 64, False),
    ("prefill 8h 1024 d64 additive mask", 1, 8, 8, 1024, 1024, 64, "add"),
    ("prefill 8h 1024 d64 boolean mask", 1, 8, 8, 1024, 1024, 64, "bool"),
]
# causal: True, False, or "add" / "bool": a 1024 x 1024 mask array (broadcast over the heads)
# of that kind, keeping each key with probability 0.9.
DTYPES = [("float32", mx.float32, "float32"), ("float16", mx.float16, "float16"), ("bfloat16", mx.bfloat16, "bfloat16")]


def numpy_attention(q, k, v, scale, causal):
    s = (q * scale) @ k.swapaxes(-1, -2)
    if causal:
        Lq, Lk = s.shape[-2:]
        s = np.where(np.arange(Lq)[:, None] + Lk - Lq >= np.arange(Lk)[None], s, -np.inf)
    s = np.exp(s - s.max(-1, keepdims=True))
    return (s / s.sum(-1, keepdims=True)) @ v


def main():
    print(f"{'case':36s} {'dtype':9s} {'mlx ms':>8s} {'torch ms':>9s} {'mlx/torch':>9s} {'numpy ms':>9s} {'mlx/np':>7s}")
    for name, B, H, Hkv, Lq, Lk, D, causal in CASES:
        rng = np.random.default_rng(0)
        qn = rng.standard_normal((B, H, Lq, D)).astype(np.float32)
        kn = rng.standard_normal((B, Hkv, Lk, D)).astype(np.float32)
        vn = rng.standard_normal((B, Hkv, Lk, D)).astype(np.float32)
        scale = D**-0.5
        for dname, mdt, tdt in DTYPES:
            q, k, v = (mx.array(x).astype(mdt) for x in (qn, kn, vn))
            mx.eval(q, k, v)
            mask = "causal" if causal is True else None
            keep = rng.random((Lq, Lk)) < 0.9
            addn = np.where(keep, 0.0, -1e9).astype(np.float32)
            if causal == "bool":
                mask = mx.array(keep)
            elif causal == "add":
                mask = mx.array(addn).astype(mdt)
            if mask is not None and not isinstance(mask, str):
                mx.eval(mask)
            t_mx = best_time(lambda: mx.eval(mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)))
            t_t = float("nan")
            if torch is not None:
                tq, tk, tv = (torch.from_numpy(x).to(getattr(torch, tdt)) for x in (qn, kn, vn))
                gqa = H != Hkv
                tmask = None
                if causal == "bool":
                    tmask = torch.from_numpy(keep)
                elif causal == "add":
                    tmask = torch.from_numpy(addn).to(getattr(torch, tdt))
                t_t = best_time(lambda: F.scaled_dot_product_attention(tq, tk, tv, attn_mask=tmask,
                                                                       is_causal=causal is True, scale=scale,
                                                                       enable_gqa=gqa))
            t_np = float("nan")
            if dname == "float32" and causal in (True, False):
                kr, vr = np.repeat(kn, H // Hkv, 1), np.repeat(vn, H // Hkv, 1)
                t_np = best_time(lambda: numpy_attention(qn, kr, vr, scale, causal is True), repeats=3)
            print(f"{name:36s} {dname:9s} {t_mx * 1e3:8.2f} {t_t * 1e3:9.2f} {t_mx / t_t:9.2f} "
                  f"{t_np * 1e3:9.2f} {t_mx / t_np:7.2f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
