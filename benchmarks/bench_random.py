"""Random sampling: mlx.core.random against NumPy's default_rng and PyTorch, in one run.

    python benchmarks/bench_random.py [--n 10000000]

Times 10M float32 draws of uniform [0, 1), uniform(-1, 1), normal, randint and
bernoulli (normal needs mx.erfinv in the build). Ratios above 1 mean mlx is slower;
the target is the faster of NumPy and PyTorch. Threads: mlx and torch use all cores,
NumPy's generator one.
"""

import argparse

import numpy as np

import mlx.core as mx
from timing import best_time

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    n = ap.parse_args().n
    key = mx.random.key(0)
    rng = np.random.default_rng(0)
    gen = torch.Generator().manual_seed(0) if torch else None

    def mlx_case(f):
        return lambda: mx.eval(f())

    cases = [
        ("uniform [0,1)",
         mlx_case(lambda: mx.random.uniform(shape=(n,), key=key)),
         lambda: rng.random(n, dtype=np.float32),
         (lambda: torch.rand(n, generator=gen)) if torch else None),
        ("uniform(-1, 1)",
         mlx_case(lambda: mx.random.uniform(-1.0, 1.0, shape=(n,), key=key)),
         lambda: rng.uniform(-1.0, 1.0, n).astype(np.float32),
         (lambda: torch.empty(n).uniform_(-1.0, 1.0, generator=gen)) if torch else None),
        ("normal",
         mlx_case(lambda: mx.random.normal(shape=(n,), key=key)),
         lambda: rng.standard_normal(n, dtype=np.float32),
         (lambda: torch.randn(n, generator=gen)) if torch else None),
        ("randint [0,100)",
         mlx_case(lambda: mx.random.randint(0, 100, shape=(n,), key=key)),
         lambda: rng.integers(0, 100, n, dtype=np.int32),
         (lambda: torch.randint(0, 100, (n,), generator=gen, dtype=torch.int32)) if torch else None),
        ("bernoulli(0.3)",
         mlx_case(lambda: mx.random.bernoulli(0.3, shape=(n,), key=key)),
         lambda: rng.random(n, dtype=np.float32) < 0.3,
         (lambda: torch.rand(n, generator=gen) < 0.3) if torch else None),
    ]
    print(f"n = {n:,} float32 draws; times in ms (best of 7)")
    hdr = f"{'case':<18}{'mlx':>9}{'numpy':>9}{'torch':>9}{'mlx/np':>9}{'mlx/torch':>11}{'mlx/best':>10}"
    print(hdr)
    print("-" * len(hdr))
    for name, fm, fn, ft in cases:
        try:
            tm = best_time(fm)
        except RuntimeError as e:  # a sampler this build does not have yet
            print(f"{name:<18} skipped: {e}")
            continue
        tn = best_time(fn)
        tt = best_time(ft) if ft else float("nan")
        best = min(tn, tt) if ft else tn
        print(f"{name:<18}{tm * 1e3:9.1f}{tn * 1e3:9.1f}{tt * 1e3:9.1f}{tm / tn:9.2f}{tm / tt:11.2f}{tm / best:10.2f}")


if __name__ == "__main__":
    main()
