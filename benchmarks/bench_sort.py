"""Sorting and selection against NumPy (and PyTorch when installed), in one run.

    python benchmarks/bench_sort.py [--repeat N]

Times sort/argsort of 1M and 10M float32, topk, partition and median, and prints the
ratio of openmlx to the faster of the others (lower is better; the target is <= 1.25)."""

import argparse

import numpy as np

import mlx.core as mx
from timing import best_time

try:
    import torch
    torch.set_num_threads(max(1, torch.get_num_threads()))
except ImportError:  # torch is optional
    torch = None


def best(f, repeat):
    return best_time(f, repeat) * 1e3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal(1_000_000).astype(np.float32)
    x10 = rng.standard_normal(10_000_000).astype(np.float32)
    rows = rng.standard_normal((1000, 1000)).astype(np.float32)
    cases = []
    for name, x in (("1M", x1), ("10M", x10)):
        cases.append((f"sort {name}", x, lambda a: mx.sort(a), lambda a: np.sort(a),
                      lambda a: torch.sort(a).values))
        cases.append((f"argsort {name}", x, lambda a: mx.argsort(a), lambda a: np.argsort(a, kind="stable"),
                      lambda a: torch.argsort(a, stable=True)))
    cases.append(("sort 1000x1000 axis=-1", rows, lambda a: mx.sort(a), lambda a: np.sort(a),
                  lambda a: torch.sort(a).values))
    cases.append(("sort 1000x1000 axis=0", rows, lambda a: mx.sort(a, axis=0), lambda a: np.sort(a, axis=0),
                  lambda a: torch.sort(a, dim=0).values))
    cases.append(("topk 10M k=100", x10, lambda a: mx.topk(a, 100), lambda a: np.partition(a, -100)[-100:],
                  lambda a: torch.topk(a, 100).values))
    cases.append(("partition 10M kth=5M", x10, lambda a: mx.partition(a, 5_000_000),
                  lambda a: np.partition(a, 5_000_000), lambda a: torch.kthvalue(a, 5_000_001).values))
    cases.append(("median 10M", x10, lambda a: mx.median(a), lambda a: np.median(a), lambda a: torch.median(a)))
    cases.append(("searchsorted 1M in 1M", x1, lambda a: mx.searchsorted(sorted_mx, a),
                  lambda a: np.searchsorted(sorted_np, a), lambda a: torch.searchsorted(sorted_t, a)))
    sorted_np = np.sort(x1)
    sorted_mx = mx.array(sorted_np)
    sorted_t = torch.from_numpy(sorted_np) if torch else None

    print(f"{'case':28s} {'openmlx':>9s} {'numpy':>9s} {'torch':>9s} {'ratio':>7s}   (ms, min of {args.repeat})")
    for name, x, fm, fn, ft in cases:
        a = mx.array(x)
        mx.eval(a)
        tm = best(lambda: mx.eval(fm(a)), args.repeat)
        tn = best(lambda: fn(x), args.repeat)
        tt = best(lambda: ft(torch.from_numpy(x)), args.repeat) if torch else float("nan")
        ref = min(tn, tt) if torch else tn
        print(f"{name:28s} {tm:9.2f} {tn:9.2f} {tt:9.2f} {tm / ref:7.2f}")


if __name__ == "__main__":
    main()
