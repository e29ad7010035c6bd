"""Shape ops of mlx.core against NumPy and PyTorch on 10M-element float32 arrays, in one run.

    python benchmarks/bench_shape.py [--json out.json]

Every case materializes its result (views are copied into a contiguous array in all three
frameworks, so that flip compares copies, not O(1) views). Ratios above 1 mean mlx is
slower; the target is within 1.25x of the faster of NumPy and PyTorch.
"""

import argparse
import json

import numpy as np

import mlx.core as mx
from timing import best_time as timeit

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None



def cases():
    n = 10_000_000
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(np.float32)
    x2 = x.reshape(2500, 4000)
    half = x[: n // 2]
    m, m2, mh = mx.array(x), mx.array(x2), mx.array(half)
    mx.eval(m, m2, mh)
    t = t2 = th = None
    if torch is not None:
        t, t2, th = torch.from_numpy(x), torch.from_numpy(x2), torch.from_numpy(half)

    def ev(f):
        return lambda: mx.eval(f())

    def tc(f):
        return None if torch is None else f

    x3 = x.reshape(100, 100, 1000)
    m3 = mx.array(x3)
    t3 = None if torch is None else torch.from_numpy(x3)
    h2 = x2[:, :2000]
    mh2 = m2[:, :2000]
    th2 = None if torch is None else t2[:, :2000]
    return [
        ("concatenate 1-D 2x5M", ev(lambda: mx.concatenate([mh, mh])), lambda: np.concatenate([half, half]),
         tc(lambda: torch.cat([th, th]))),
        ("concatenate axis=1 2500x(2000+2000)", ev(lambda: mx.concatenate([mh2, mh2], axis=1)),
         lambda: np.concatenate([h2, h2], axis=1), tc(lambda: torch.cat([th2, th2], dim=1))),
        ("pad 2500x4000 by 8", ev(lambda: mx.pad(m2, 8)), lambda: np.pad(x2, 8),
         tc(lambda: torch.nn.functional.pad(t2, (8, 8, 8, 8)))),
        ("pad 1-D by 1000", ev(lambda: mx.pad(m, 1000)), lambda: np.pad(x, 1000),
         tc(lambda: torch.nn.functional.pad(t, (1000, 1000)))),
        ("pad reflect 100x100x1000 by 2", ev(lambda: mx.pad(m3, 2, mode="reflect")),
         lambda: np.pad(x3, 2, mode="reflect"), None),
        ("pad edge 100x100x1000 by 2", ev(lambda: mx.pad(m3, 2, mode="edge")), lambda: np.pad(x3, 2, mode="edge"),
         tc(lambda: torch.nn.functional.pad(t3[None], (2, 2, 2, 2, 2, 2), mode="replicate")[0])),
        ("tile 5M x2", ev(lambda: mx.tile(mh, 2)), lambda: np.tile(half, 2), tc(lambda: th.repeat(2))),
        ("tile 2500x2000 (1,2)", ev(lambda: mx.tile(mh2, (1, 2))), lambda: np.tile(h2, (1, 2)),
         tc(lambda: th2.repeat(1, 2))),
        ("roll 1-D", ev(lambda: mx.roll(m, 12345)), lambda: np.roll(x, 12345), tc(lambda: torch.roll(t, 12345))),
        ("roll 2-D axis=1", ev(lambda: mx.roll(m2, 7, 1)), lambda: np.roll(x2, 7, 1),
         tc(lambda: torch.roll(t2, 7, 1))),
        ("flip 1-D (copy)", ev(lambda: mx.contiguous(mx.flip(m))), lambda: np.ascontiguousarray(np.flip(x)),
         tc(lambda: torch.flip(t, (0,)))),
        ("flip 2-D axis=1 (copy)", ev(lambda: mx.contiguous(mx.flip(m2, 1))),
         lambda: np.ascontiguousarray(np.flip(x2, 1)), tc(lambda: torch.flip(t2, (1,)))),
        ("repeat 5M x2", ev(lambda: mx.repeat(mh, 2)), lambda: np.repeat(half, 2),
         tc(lambda: torch.repeat_interleave(th, 2))),
        ("repeat 2500x2000 axis=0 x2", ev(lambda: mx.repeat(mh2, 2, axis=0)), lambda: np.repeat(h2, 2, axis=0),
         tc(lambda: torch.repeat_interleave(th2, 2, dim=0))),
        ("diff 1-D", ev(lambda: mx.diff(m)), lambda: np.diff(x), tc(lambda: torch.diff(t))),
        ("stack 2x5M", ev(lambda: mx.stack([mh, mh])), lambda: np.stack([half, half]),
         tc(lambda: torch.stack([th, th]))),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--json")
    args = p.parse_args()
    rows = []
    print(f"{'case':40s} {'mlx ms':>8s} {'numpy ms':>9s} {'torch ms':>9s} {'vs np':>6s} {'vs torch':>8s} {'vs best':>7s}")
    for name, fm, fn, ft in cases():
        tm, tn = timeit(fm), timeit(fn)
        tt = timeit(ft) if ft is not None else float("nan")
        best = min(tn, tt) if ft is not None else tn
        rows.append(dict(case=name, mlx=tm, numpy=tn, torch=tt, vs_best=tm / best))
        print(f"{name:40s} {tm * 1e3:8.2f} {tn * 1e3:9.2f} {tt * 1e3:9.2f} {tm / tn:6.2f} {tm / tt:8.2f} {tm / best:7.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
