"""Side-by-side timings of mlx.core against NumPy and PyTorch, in one run.

    python benchmarks/bench_core.py            # every case
    python benchmarks/bench_core.py --small    # only the small-op cases
    python benchmarks/bench_core.py --json out.json

Whichever `mlx.core` is importable is measured: openmlx in this project's
environment, Apple's MLX under ../shared/tools/mlx-ref (see
bench_reference.sh). Absolute times drift on shared machines, so the table
shows ratios against NumPy and PyTorch measured in the same process. A ratio
above 1 means mlx is slower.
"""

import argparse
import json
import platform
import sys
import time

import numpy as np

import mlx.core as mx

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None


def timeit(fn, min_time=0.2, repeats=5):
    """Best per-call time in seconds over `repeats` runs of enough calls to
    take about `min_time` each."""
    fn()  # warm up (and let lazy frameworks build caches)
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / 4 or n >= 1 << 20:
            break
        n *= 4
    n = max(1, int(n * (min_time / 4) / max(dt, 1e-9)))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def cases(small_only):
    """(name, mlx fn, numpy fn, torch fn or None) per case."""
    rng = np.random.default_rng(0)
    out = []

    # -- small: the cost of one evaluation round trip and of one small op --
    s1, s2 = mx.array(1.0), mx.array(2.0)
    mx.eval(s1, s2)
    n1, n2 = np.float32(1.0), np.float32(2.0)
    t1 = torch.tensor(1.0) if torch else None
    t2 = torch.tensor(2.0) if torch else None
    out.append(("eval round trip (scalar add)",
                lambda: mx.eval(s1 + s2),
                lambda: n1 + n2,
                (lambda: t1 + t2) if torch else None))

    x100 = rng.standard_normal(100).astype(np.float32)
    y100 = rng.standard_normal(100).astype(np.float32)
    a100, b100 = mx.array(x100), mx.array(y100)
    mx.eval(a100, b100)
    ta100 = torch.from_numpy(x100) if torch else None
    tb100 = torch.from_numpy(y100) if torch else None
    out.append(("add 100 float32 (incl. eval)",
                lambda: mx.eval(a100 + b100),
                lambda: x100 + y100,
                (lambda: ta100 + tb100) if torch else None))
    if small_only:
        return out

    # -- elementwise on large arrays --
    for n in (1_000_000, 10_000_000):
        x = rng.standard_normal(n).astype(np.float32)
        y = rng.standard_normal(n).astype(np.float32)
        a, b = mx.array(x), mx.array(y)
        mx.eval(a, b)
        tx, ty = (torch.from_numpy(x), torch.from_numpy(y)) if torch else (None, None)
        label = f"{n // 1_000_000}M"
        out.append((f"add {label} float32",
                    lambda a=a, b=b: mx.eval(a + b),
                    lambda x=x, y=y: x + y,
                    (lambda tx=tx, ty=ty: tx + ty) if torch else None))
        out.append((f"exp {label} float32",
                    lambda a=a: mx.eval(mx.exp(a)),
                    lambda x=x: np.exp(x),
                    (lambda tx=tx: torch.exp(tx)) if torch else None))
        out.append((f"a*b+1 {label} float32",
                    lambda a=a, b=b: mx.eval(a * b + 1),
                    lambda x=x, y=y: x * y + 1,
                    (lambda tx=tx, ty=ty: tx * ty + 1) if torch else None))
        out.append((f"sum {label} float32",
                    lambda a=a: mx.eval(mx.sum(a)),
                    lambda x=x: np.sum(x),
                    (lambda tx=tx: torch.sum(tx)) if torch else None))

    # -- reductions over one axis, and a copy of a transposed view --
    for n in (1000, 4096):
        m = rng.standard_normal((n, n)).astype(np.float32)
        am = mx.array(m)
        mx.eval(am)
        tm = torch.from_numpy(m) if torch else None
        for axis in (0, 1):
            out.append((f"sum axis={axis} {n}x{n}",
                        lambda am=am, axis=axis: mx.eval(mx.sum(am, axis=axis)),
                        lambda m=m, axis=axis: np.sum(m, axis=axis),
                        (lambda tm=tm, axis=axis: torch.sum(tm, dim=axis)) if torch else None))

    m = rng.standard_normal((2048, 2048)).astype(np.float32)
    am = mx.array(m)
    mx.eval(am)
    tm = torch.from_numpy(m) if torch else None
    out.append(("transpose copy 2048x2048",
                lambda: mx.eval(mx.reshape(am.T, (-1,))),
                lambda: np.ascontiguousarray(m.T),
                (lambda: tm.T.contiguous()) if torch else None))

    # -- matmul --
    for n in (512, 1024):
        x = rng.standard_normal((n, n)).astype(np.float32)
        y = rng.standard_normal((n, n)).astype(np.float32)
        a, b = mx.array(x), mx.array(y)
        mx.eval(a, b)
        tx, ty = (torch.from_numpy(x), torch.from_numpy(y)) if torch else (None, None)
        out.append((f"matmul {n}x{n} float32",
                    lambda a=a, b=b: mx.eval(a @ b),
                    lambda x=x, y=y: x @ y,
                    (lambda tx=tx, ty=ty: tx @ ty) if torch else None))
    return out


def fmt(t):
    if t is None:
        return "-"
    if t < 1e-6:
        return f"{t * 1e9:.0f} ns"
    if t < 1e-3:
        return f"{t * 1e6:.2f} us"
    return f"{t * 1e3:.2f} ms"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--small", action="store_true", help="only the small-op cases")
    p.add_argument("--json", help="also write the results to this JSON file")
    p.add_argument("--label", default=None, help="name for the mlx column")
    p.add_argument("--min-time", type=float, default=0.2, help="seconds per timing run")
    args = p.parse_args()

    label = args.label or ("mlx-ref" if _is_apple_mlx() else "openmlx")
    print(f"# {label} ({mx.__file__})")
    print(f"# numpy {np.__version__}" + (f", torch {torch.__version__} "
          f"({torch.get_num_threads()} threads)" if torch else ", torch not installed")
          + f", python {platform.python_version()}, {platform.machine()}")

    rows = []
    for name, fm, fn, ft in cases(args.small):
        tm = timeit(fm, args.min_time)
        tn = timeit(fn, args.min_time)
        tt = timeit(ft, args.min_time) if ft else None
        rows.append({"case": name, "mlx": tm, "numpy": tn, "torch": tt})

    head = f"{'case':32s} {label:>11s} {'numpy':>11s} {'torch':>11s} {'/numpy':>8s} {'/torch':>8s}"
    print(head)
    print("-" * len(head))
    for r in rows:
        rn = f"{r['mlx'] / r['numpy']:.2f}x"
        rt = f"{r['mlx'] / r['torch']:.2f}x" if r["torch"] else "-"
        print(f"{r['case']:32s} {fmt(r['mlx']):>11s} {fmt(r['numpy']):>11s} "
              f"{fmt(r['torch']):>11s} {rn:>8s} {rt:>8s}")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"label": label, "module": mx.__file__, "rows": rows}, f, indent=1)


def _is_apple_mlx():
    try:
        from importlib.metadata import distribution
        distribution("mlx")
        return True
    except Exception:
        return False


if __name__ == "__main__":
    sys.exit(main())
