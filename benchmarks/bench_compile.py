"""mx.compile's fused element-wise chains against the same chain unfused, NumPy, PyTorch
eager and a plain copy of the input (the memory-bound floor).

    python benchmarks/bench_compile.py [--repeats N] [--cpu-time]

The target: mx.maximum(x * 2 + 1, 0) - x on 10M float32, compiled, within 1.3x of a copy.
"""
import numpy as np
import mlx.core as mx

from timing import best_time, parse_timing_args

try:
    import torch
except ImportError:  # torch is optional
    torch = None

N = 10_000_000


def chain(x):
    return mx.maximum(x * 2 + 1, 0) - x


def gelu_like(x):
    return 0.5 * x * (1 + mx.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))


def main():
    args, clock = parse_timing_args(torch)
    rng = np.random.default_rng(0)
    xn = rng.standard_normal(N, dtype=np.float32)
    x = mx.array(xn)
    mx.eval(x)

    def t(fn):
        return best_time(fn, repeats=args.repeats, clock=clock) * 1e3

    rows = []
    copy_ms = t(lambda: mx.eval(mx.array(x)))  # a fresh buffer and one pass: read x, write out
    rows.append(("copy mx.array(x)", copy_ms))
    rows.append(("numpy copy", t(lambda: xn.copy())))
    for name, fn in [("maximum(x*2+1,0)-x", chain), ("gelu (tanh)", gelu_like)]:
        cf = mx.compile(fn)
        first = clock()
        mx.eval(cf(x))
        first_ms = (clock() - first) * 1e3
        rows.append((f"{name}: compiled (first call {first_ms:.1f} ms)", t(lambda: mx.eval(cf(x)))))
        rows.append((f"{name}: uncompiled", t(lambda: mx.eval(fn(x)))))
        if name.startswith("maximum"):
            rows.append((f"{name}: numpy", t(lambda: np.maximum(xn * 2 + 1, 0) - xn)))
            if torch is not None:
                xt = torch.from_numpy(xn)
                rows.append((f"{name}: torch eager", t(lambda: torch.clamp_min(xt * 2 + 1, 0) - xt)))
    print(f"{'case':58s} {'ms':>8s} {'/copy':>7s}")
    for name, ms in rows:
        print(f"{name:58s} {ms:8.2f} {ms / copy_ms:7.2f}")


if __name__ == "__main__":
    main()
