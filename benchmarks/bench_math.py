"""Element-wise math ops of mlx.core on 10M float32 elements against NumPy and PyTorch,
in one run; prints times and ratios (above 1: mlx is slower).

    python benchmarks/bench_math.py [--n 10000000] [--ops tan,erf,...]

NumPy has no erf: its column is empty there (the ratio is against PyTorch alone).
"""

import argparse
import math

import numpy as np

import mlx.core as mx
from timing import best_time

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None



def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10_000_000)
    p.add_argument("--ops", default="")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    x = rng.uniform(-0.99, 0.99, args.n).astype(np.float32)
    y = rng.uniform(-0.99, 0.99, args.n).astype(np.float32)
    xp = (np.abs(x) * 10 + 0.01).astype(np.float32)
    a, b, ap = mx.array(x), mx.array(y), mx.array(xp)
    mx.eval(a, b, ap)
    if torch is not None:
        tx, ty, txp = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(xp)

    def mxr(f):
        return lambda: mx.eval(f())

    T = torch
    cases = [
        ("tan", mxr(lambda: mx.tan(a)), lambda: np.tan(x), T and (lambda: torch.tan(tx))),
        ("arcsin", mxr(lambda: mx.arcsin(a)), lambda: np.arcsin(x), T and (lambda: torch.asin(tx))),
        ("arctan", mxr(lambda: mx.arctan(a)), lambda: np.arctan(x), T and (lambda: torch.atan(tx))),
        ("sinh", mxr(lambda: mx.sinh(a)), lambda: np.sinh(x), T and (lambda: torch.sinh(tx))),
        ("expm1", mxr(lambda: mx.expm1(a)), lambda: np.expm1(x), T and (lambda: torch.expm1(tx))),
        ("log1p", mxr(lambda: mx.log1p(ap)), lambda: np.log1p(xp), T and (lambda: torch.log1p(txp))),
        ("log2", mxr(lambda: mx.log2(ap)), lambda: np.log2(xp), T and (lambda: torch.log2(txp))),
        ("erf", mxr(lambda: mx.erf(a)), None, T and (lambda: torch.erf(tx))),
        ("erfinv", mxr(lambda: mx.erfinv(a)), None, T and (lambda: torch.erfinv(tx))),
        ("floor", mxr(lambda: mx.floor(a)), lambda: np.floor(x), T and (lambda: torch.floor(tx))),
        ("round", mxr(lambda: mx.round(a)), lambda: np.round(x), T and (lambda: torch.round(tx))),
        ("rsqrt", mxr(lambda: mx.rsqrt(ap)), lambda: 1 / np.sqrt(xp), T and (lambda: torch.rsqrt(txp))),
        ("isnan", mxr(lambda: mx.isnan(a)), lambda: np.isnan(x), T and (lambda: torch.isnan(tx))),
        ("clip", mxr(lambda: mx.clip(a, -0.5, 0.5)), lambda: np.clip(x, -0.5, 0.5),
         T and (lambda: torch.clamp(tx, -0.5, 0.5))),
        ("isclose", mxr(lambda: mx.isclose(a, b)), lambda: np.isclose(x, y), T and (lambda: torch.isclose(tx, ty))),
        ("logaddexp", mxr(lambda: mx.logaddexp(a, b)), lambda: np.logaddexp(x, y),
         T and (lambda: torch.logaddexp(tx, ty))),
        ("arctan2", mxr(lambda: mx.arctan2(a, b)), lambda: np.arctan2(x, y), T and (lambda: torch.atan2(tx, ty))),
    ]
    only = set(filter(None, args.ops.split(",")))
    print(f"{args.n:,} float32 elements; torch threads: {torch.get_num_threads() if torch else '-'}")
    print(f"{'op':<10} {'mlx ms':>8} {'numpy ms':>9} {'torch ms':>9} {'/numpy':>7} {'/torch':>7} {'/best':>6}")
    for name, fm, fn, ft in cases:
        if only and name not in only:
            continue
        tm = best_time(fm) * 1e3
        tn = best_time(fn) * 1e3 if fn else math.nan
        tt = best_time(ft) * 1e3 if ft else math.nan
        best = np.nanmin([tn, tt])
        print(f"{name:<10} {tm:8.2f} {tn:9.2f} {tt:9.2f} {tm / tn:7.2f} {tm / tt:7.2f} {tm / best:6.2f}")


if __name__ == "__main__":
    main()
