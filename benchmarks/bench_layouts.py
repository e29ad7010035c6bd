"""Kernels over views in awkward layouts: mlx.core against NumPy and PyTorch in one run.

    python benchmarks/bench_layouts.py [--repeats 5]

Reductions of several axes of a transposed view and of overlapping ``as_strided`` pooling
windows, arg reductions across rows, ``take`` along inner axes followed by element-wise
ops, element-wise ops on a transposed view, and casts of transposed half-precision
matrices. Each row shows milliseconds and the ratios mlx / NumPy and mlx / PyTorch measured
in the same process (above 1: mlx is slower). The best of `repeats` runs is taken.
"""

import numpy as np

import mlx.core as mx
from timing import best_time_per_call, parse_timing_args

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None


def windows_np(x, k, s):
    n, h, w, c = x.shape
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    st = (h * w * c, s * w * c, s * c, w * c, c, 1)
    shape = (n, ho, wo, k, k, c)
    return shape, st


def main():
    args, clock = parse_timing_args(torch)
    rng = np.random.default_rng(0)

    def best(fn):
        return best_time_per_call(fn, args.repeats, clock=clock) * 1e3

    def m(f):
        return lambda: mx.eval(f())

    x4 = rng.standard_normal((64, 64, 32, 32)).astype(np.float32)
    img = rng.standard_normal((8, 64, 64, 64)).astype(np.float32)
    col = rng.standard_normal((1024, 4096)).astype(np.float32)
    big = rng.standard_normal((4096, 4096)).astype(np.float32)
    a4, aimg, acol, abig = (mx.array(v) for v in (x4, img, col, big))
    t4, timg, tcol, tbig = (torch.from_numpy(v) if torch else None for v in (x4, img, col, big))
    y = mx.transpose(a4, (0, 2, 3, 1))
    x4b = np.ascontiguousarray(x4.transpose(0, 2, 3, 1)) + 1
    y2 = mx.array(x4b)
    t4b = torch.from_numpy(x4b) if torch else None
    shape, st = windows_np(img, 3, 1)
    win = mx.as_strided(aimg, shape, st)
    win_np = np.lib.stride_tricks.as_strided(img, shape, [q * 4 for q in st])
    win_t = torch.as_strided(timg, shape, st) if torch else None
    idx = rng.integers(0, 64, 128).astype(np.int32)
    aidx = mx.array(idx)
    tidx = torch.from_numpy(idx.astype(np.int64)) if torch else None
    halves = {}
    for name, dt, tdt in [("bfloat16", mx.bfloat16, "bfloat16"), ("float16", mx.float16, "float16")]:
        h = abig.astype(dt)
        mx.eval(h)
        th = tbig.to(getattr(torch, tdt)) if torch else None
        halves[name] = (h, th)
    rows = [
        ("sum axes (1,2) of transposed (64,32,32,64)", m(lambda: mx.sum(y, axis=(1, 2))),
         lambda: x4.transpose(0, 2, 3, 1).sum(axis=(1, 2)), lambda: t4.permute(0, 2, 3, 1).sum(dim=(1, 2))),
        ("max axes (3,4) of as_strided 3x3 windows", m(lambda: mx.max(win, axis=(3, 4))),
         lambda: win_np.max(axis=(3, 4)), lambda: win_t.amax(dim=(3, 4))),
        ("mean axes (3,4) of as_strided 3x3 windows", m(lambda: mx.mean(win, axis=(3, 4))),
         lambda: win_np.mean(axis=(3, 4)), lambda: win_t.mean(dim=(3, 4))),
        ("argmax axis 0 of (1024,4096)", m(lambda: mx.argmax(acol, axis=0)),
         lambda: col.argmax(axis=0), lambda: tcol.argmax(dim=0)),
    ]
    for ax in (1, 2, 3):
        rows.append((f"take axis {ax} of (8,64,64,64), then * 2 + 1", m(lambda ax=ax: mx.take(aimg, aidx, axis=ax) * 2 + 1),
                     lambda ax=ax: np.take(img, idx, axis=ax) * 2 + 1,
                     lambda ax=ax: torch.index_select(timg, ax, tidx) * 2 + 1))
    rows.append(("exp of transposed (64,32,32,64) view", m(lambda: mx.exp(y)),
                 lambda: np.exp(x4.transpose(0, 2, 3, 1)), lambda: torch.exp(t4.permute(0, 2, 3, 1))))
    rows.append(("transposed (64,32,32,64) view + contiguous", m(lambda: y + y2),
                 lambda: x4.transpose(0, 2, 3, 1) + x4b, lambda: t4.permute(0, 2, 3, 1) + t4b))
    for name, (h, th) in halves.items():
        rows.append((f"{name} 4096^2 transposed -> float32", m(lambda h=h: h.T.astype(mx.float32)), None,
                     lambda th=th: th.t().to(torch.float32)))
        rows.append((f"{name} 4096^2 stored order -> float32", m(lambda h=h: h.astype(mx.float32)), None,
                     lambda th=th: th.to(torch.float32)))
    rows.append(("float32 4096^2 transposed -> bfloat16", m(lambda: abig.T.astype(mx.bfloat16)), None,
                 lambda: tbig.t().to(torch.bfloat16)))
    print(f"{'case':48s} {'mlx ms':>9s} {'numpy ms':>9s} {'torch ms':>9s} {'/numpy':>7s} {'/torch':>7s}")
    for name, fm, fn, ft in rows:
        tm = best(fm)
        tn = best(fn) if fn else float("nan")
        tt = best(ft) if (ft and torch) else float("nan")
        print(f"{name:48s} {tm:9.2f} {tn:9.2f} {tt:9.2f} {tm / tn:7.2f} {tm / tt:7.2f}")


if __name__ == "__main__":
    main()
