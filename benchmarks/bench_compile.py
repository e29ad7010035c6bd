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


def scaled_softmax(x, b):
    return mx.softmax(x * 0.125 + b, axis=-1)


def row_sum_of_squares(x, b):
    return ((x - b) * (x - b)).sum(-1)


def main():
    args, clock = parse_timing_args(torch)
    rng = np.random.default_rng(0)
    xn = rng.standard_normal(N, dtype=np.float32)
    x = mx.array(xn)
    mx.eval(x)

    def t(fn):
        return best_time(fn, repeats=args.repeats, clock=clock) * 1e3

    rows = []
    # The floor: one read of x and one write, as memcpy does it (into memory already mapped).
    dst = np.empty_like(xn)
    copy_ms = t(lambda: np.copyto(dst, xn))
    rows.append(("copy (np.copyto into a preallocated buffer)", copy_ms))
    rows.append(("mx: x.astype(int32) (one read + one write pass)", t(lambda: mx.eval(x.astype(mx.int32)))))
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
    # Chains ending in a row reduction or softmax (one pass; the rows stay in cache).
    x2 = mx.array(rng.standard_normal((2500, 4000), dtype=np.float32))
    b2 = mx.array(rng.standard_normal((4000,), dtype=np.float32))
    mx.eval(x2, b2)
    xt = bt = None
    if torch is not None:
        xt, bt = torch.from_numpy(np.array(x2)), torch.from_numpy(np.array(b2))
    cases = [
        ("softmax(x*0.125+b) 2500x4000", scaled_softmax, lambda: torch.softmax(xt * 0.125 + bt, -1)),
        ("((x-b)^2).sum(-1) 2500x4000", row_sum_of_squares, lambda: ((xt - bt) * (xt - bt)).sum(-1)),
    ]
    for name, fn, torch_fn in cases:
        cf = mx.compile(fn)
        rows.append((f"{name}: compiled", t(lambda: mx.eval(cf(x2, b2)))))
        rows.append((f"{name}: uncompiled", t(lambda: mx.eval(fn(x2, b2)))))
        if torch is not None:
            rows.append((f"{name}: torch eager", t(torch_fn)))
    print(f"{'case':58s} {'ms':>8s} {'/copy':>7s}")
    for name, ms in rows:
        print(f"{name:58s} {ms:8.2f} {ms / copy_ms:7.2f}")


if __name__ == "__main__":
    main()
