"""Reductions, scans and softmax: mlx.core against NumPy and PyTorch in one run.

    python benchmarks/bench_reduce.py [--repeats 5]
    MLX_NUM_THREADS=1 python benchmarks/bench_reduce.py --cpu-time

10M-element float32 arrays (softmax: 4096 x 1024 over the last axis). Shared machines
drift, so each row shows ratios measured in the same process; a ratio above 1 means mlx
is slower. The best of `repeats` runs is taken for every library.

--cpu-time measures the CPU time of the calling thread with every library on one thread
(set MLX_NUM_THREADS=1 for mlx; PyTorch is set to one thread here): on a loaded machine
it compares the kernels themselves, without the time spent waiting for a core.
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


def np_logsumexp(x):
    m = x.max()
    return m + np.log(np.exp(x - m).sum())


def np_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main():
    global clock
    args, clock = parse_timing_args(torch)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10_000_000).astype(np.float32)
    s = rng.standard_normal((4096, 1024)).astype(np.float32)
    a, sa = mx.array(x), mx.array(s)
    mx.eval(a, sa)
    t = torch.from_numpy(x) if torch else None
    st = torch.from_numpy(s) if torch else None

    def m(f):
        return lambda: mx.eval(f())

    rows = [
        ("sum", m(lambda: mx.sum(a)), lambda: x.sum(), lambda: t.sum()),
        ("mean", m(lambda: mx.mean(a)), lambda: x.mean(), lambda: t.mean()),
        ("max", m(lambda: mx.max(a)), lambda: x.max(), lambda: t.max()),
        ("var", m(lambda: mx.var(a)), lambda: x.var(), lambda: t.var(correction=0)),
        ("logsumexp", m(lambda: mx.logsumexp(a)), lambda: np_logsumexp(x), lambda: torch.logsumexp(t, 0)),
        ("cumsum", m(lambda: mx.cumsum(a)), lambda: np.cumsum(x), lambda: torch.cumsum(t, 0)),
        ("softmax 4096x1024", m(lambda: mx.softmax(sa, axis=-1)), lambda: np_softmax(s),
         lambda: torch.softmax(st, -1)),
    ]
    print(f"{'op':<20}{'mlx ms':>10}{'numpy ms':>10}{'torch ms':>10}{'/numpy':>8}{'/torch':>8}{'/best':>8}")
    for name, fm, fn, ft in rows:
        tm = best_time(fm, args.repeats)
        tn = best_time(fn, args.repeats)
        tt = best_time(ft, args.repeats) if torch else float("nan")
        best = min(tn, tt) if torch else tn
        print(f"{name:<20}{tm * 1e3:>10.2f}{tn * 1e3:>10.2f}{tt * 1e3:>10.2f}{tm / tn:>8.2f}{tm / tt:>8.2f}"
              f"{tm / best:>8.2f}")


if __name__ == "__main__":
    main()
