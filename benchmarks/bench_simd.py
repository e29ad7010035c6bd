"""The SIMD-dispatched kernels against PyTorch (and NumPy) in one interleaved run.

    python benchmarks/bench_simd.py [--rounds 7]

Cases: softmax of 4096x1024 float32, the 2048x2048 float32 transpose copy, and 1024x1024
matmul in float16, bfloat16 and float32, and bfloat16 products for the AVX512-BF16 kernel
(a 4096x4096 weight with a vector: W @ v, v @ W.T the way a linear layer passes it, and
v @ W; and a batch of 8 512x512 products). Each round times every framework once per case
in turn (interleaved, so that load on a shared machine hits all of them alike); the table
shows each one's best time and the ratio openmlx / PyTorch (below 1: openmlx is faster).
"""

import argparse
import time

import numpy as np

import mlx.core as mx

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None


def per_call(fn, min_time):
    """Seconds per call, over enough calls to take about min_time."""
    n, dt = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time:
            return dt / n
        n *= 2


def cases():
    rng = np.random.default_rng(0)
    out = []
    s = rng.standard_normal((4096, 1024)).astype(np.float32)
    sa = mx.array(s)
    ts = torch.from_numpy(s) if torch else None

    def np_softmax(x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    out.append(("softmax 4096x1024 f32", lambda: mx.eval(mx.softmax(sa, axis=-1)),
                lambda: np_softmax(s), (lambda: torch.softmax(ts, dim=-1)) if torch else None))
    m = rng.standard_normal((2048, 2048)).astype(np.float32)
    am = mx.array(m)
    tm = torch.from_numpy(m) if torch else None
    out.append(("transpose copy 2048x2048 f32", lambda: mx.eval(mx.reshape(am.T, (-1,))),
                lambda: np.ascontiguousarray(m.T), (lambda: tm.T.contiguous()) if torch else None))
    n = 1024
    x = rng.standard_normal((n, n)).astype(np.float32)
    y = rng.standard_normal((n, n)).astype(np.float32)
    for name, mdt, ndt, tdt in (("float32", mx.float32, np.float32, "float32"),
                                ("float16", mx.float16, np.float16, "float16"),
                                ("bfloat16", mx.bfloat16, None, "bfloat16")):
        a, b = mx.array(x).astype(mdt), mx.array(y).astype(mdt)
        xn, yn = (x.astype(ndt), y.astype(ndt)) if ndt else (None, None)
        tx, ty = ((torch.from_numpy(x).to(getattr(torch, tdt)), torch.from_numpy(y).to(getattr(torch, tdt)))
                  if torch else (None, None))
        out.append((f"matmul {n}x{n} {name}", lambda a=a, b=b: mx.eval(a @ b),
                    (lambda xn=xn, yn=yn: xn @ yn) if ndt is np.float32 else None,
                    (lambda tx=tx, ty=ty: tx @ ty) if torch else None))
    # bfloat16 shapes of model code: one token through a 4096x4096 linear layer, batched.
    w = rng.standard_normal((4096, 4096)).astype(np.float32)
    v = rng.standard_normal((4096,)).astype(np.float32)
    wb, vb = mx.array(w).astype(mx.bfloat16), mx.array(v).astype(mx.bfloat16)
    tw, tv = (torch.from_numpy(w).bfloat16(), torch.from_numpy(v).bfloat16()) if torch else (None, None)
    out.append(("bf16 4096x4096 @ vector", lambda: mx.eval(wb @ vb), None,
                (lambda: tw @ tv) if torch else None))
    out.append(("bf16 vector @ (4096x4096).T", lambda: mx.eval(vb @ wb.T), None,
                (lambda: tv @ tw.T) if torch else None))
    out.append(("bf16 vector @ 4096x4096", lambda: mx.eval(vb @ wb), None,
                (lambda: tv @ tw) if torch else None))
    bx = rng.standard_normal((8, 512, 512)).astype(np.float32)
    by = rng.standard_normal((8, 512, 512)).astype(np.float32)
    bxa, bya = mx.array(bx).astype(mx.bfloat16), mx.array(by).astype(mx.bfloat16)
    tbx, tby = (torch.from_numpy(bx).bfloat16(), torch.from_numpy(by).bfloat16()) if torch else (None, None)
    out.append(("bf16 batch 8x512x512", lambda: mx.eval(bxa @ bya), None,
                (lambda: tbx @ tby) if torch else None))
    mx.eval(sa, am, wb, vb, bxa, bya)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--min-time", type=float, default=0.1)
    p.add_argument("--only", default=None, help="run only the cases whose name contains this")
    args = p.parse_args()
    cs = [c for c in cases() if not args.only or args.only in c[0]]
    best = {c[0]: [float("inf")] * 3 for c in cs}
    for c in cs:  # warm up
        for fn in c[1:]:
            if fn:
                fn()
    for _ in range(args.rounds):
        for name, *fns in cs:
            for i, fn in enumerate(fns):
                if fn:
                    best[name][i] = min(best[name][i], per_call(fn, args.min_time))
    ms = lambda t: "-" if t == float("inf") else f"{t * 1e3:8.2f}"
    print(f"torch threads: {torch.get_num_threads() if torch else '-'}")
    print(f"{'case':32} {'openmlx ms':>10} {'numpy ms':>10} {'torch ms':>10} {'mx/torch':>9} {'mx/numpy':>9}")
    for name, (tm, tn, tt) in best.items():
        rt = f"{tm / tt:9.2f}" if tt != float("inf") else "        -"
        rn = f"{tm / tn:9.2f}" if tn != float("inf") else "        -"
        print(f"{name:32} {ms(tm):>10} {ms(tn):>10} {ms(tt):>10} {rt} {rn}")


if __name__ == "__main__":
    main()
