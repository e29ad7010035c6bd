"""mx.fast norms, rope and cross_entropy: mlx.core against PyTorch (and NumPy where it has a
short formula) in one run, plus the copy baseline the norms are held to.

    python benchmarks/bench_fast.py [--repeats 5]
    MLX_NUM_THREADS=1 python benchmarks/bench_fast.py --cpu-time

A ratio above 1 means mlx is slower. "copy" is ``mx.eval(x * 1.0)`` on the same
4096 x 4096 float32 array: one read and one write of it, the floor of a one-pass norm.
--cpu-time measures the CPU time of the calling thread with every library on one thread.
"""

import time

import numpy as np

import mlx.core as mx
from timing import best_time_per_call, parse_timing_args

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

clock = time.perf_counter


def best_time(fn, repeats):
    return best_time_per_call(fn, repeats, clock=clock)


def torch_rope(x, dims, base, offset):
    # The rotate-half RoPE of PyTorch model code, with its cos/sin computed in the call.
    half = dims // 2
    inv = 1.0 / (base ** (torch.arange(0, dims, 2, dtype=torch.float32) / dims))
    t = torch.arange(offset, offset + x.shape[-2], dtype=torch.float32)[:, None] * inv
    c, s = torch.cos(t), torch.sin(t)
    x1, x2 = x[..., :half], x[..., half:dims]
    return torch.cat([x1 * c - x2 * s, x1 * s + x2 * c, x[..., dims:]], -1)


def np_rms(x, w, eps):
    return x * (1.0 / np.sqrt(np.mean(x * x, -1, keepdims=True) + eps)) * w


def main():
    global clock
    args, clock = parse_timing_args(torch)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4096, 4096)).astype(np.float32)
    w = rng.standard_normal(4096).astype(np.float32)
    b = rng.standard_normal(4096).astype(np.float32)
    q = rng.standard_normal((1, 32, 1024, 128)).astype(np.float32)
    logits = rng.standard_normal((512, 32000)).astype(np.float32)
    tgt = rng.integers(0, 32000, 512)
    xm, wm, bm, qm, lm, tm_ = (mx.array(a) for a in (x, w, b, q, logits, tgt))
    mx.eval(xm, wm, bm, qm, lm, tm_)
    if torch:
        xt, wt, bt, qt, lt, tt_ = (torch.from_numpy(a) for a in (x, w, b, q, logits, tgt))

    def m(f):
        return lambda: mx.eval(f())

    nan = lambda: None
    rows = [
        ("copy 4096x4096", m(lambda: xm * 1.0), lambda: x * 1.0, (lambda: xt * 1.0) if torch else nan),
        ("rms_norm 4096x4096", m(lambda: mx.fast.rms_norm(xm, wm, 1e-5)), lambda: np_rms(x, w, 1e-5),
         (lambda: torch.nn.functional.rms_norm(xt, (4096,), wt, 1e-5)) if torch else nan),
        ("layer_norm 4096x4096", m(lambda: mx.fast.layer_norm(xm, wm, bm, 1e-5)), None,
         (lambda: torch.nn.functional.layer_norm(xt, (4096,), wt, bt, 1e-5)) if torch else nan),
        ("rope 32x1024x128", m(lambda: mx.fast.rope(qm, 128, traditional=False, base=10000.0, scale=1.0, offset=7)),
         None, (lambda: torch_rope(qt, 128, 10000.0, 7)) if torch else nan),
        ("cross_entropy 512x32k", m(lambda: mx.fast.cross_entropy(lm, tm_)), None,
         (lambda: torch.nn.functional.cross_entropy(lt, tt_, reduction="none")) if torch else nan),
    ]
    print(f"{'op':<24}{'mlx ms':>9}{'numpy ms':>10}{'torch ms':>10}{'/numpy':>8}{'/torch':>8}{'/copy':>8}")
    copy_time = None
    for name, fm, fn, ft in rows:
        tm = best_time(fm, args.repeats)
        tn = best_time(fn, args.repeats) if fn else float("nan")
        tt = best_time(ft, args.repeats) if torch else float("nan")
        if copy_time is None:
            copy_time = tm
        print(f"{name:<24}{tm * 1e3:>9.2f}{tn * 1e3:>10.2f}{tt * 1e3:>10.2f}{tm / tn:>8.2f}{tm / tt:>8.2f}"
              f"{tm / copy_time:>8.2f}")


if __name__ == "__main__":
    main()
