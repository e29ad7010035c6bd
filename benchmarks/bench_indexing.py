"""Gather/scatter timings of mlx.core against NumPy fancy indexing and PyTorch, in one run.

    python benchmarks/bench_indexing.py

Cases (10M float32 source, 1M random int64 indices unless named otherwise):
take (np.take / torch.index_select), a[idx], take_along_axis on 1000x10000 rows,
a[idx] = v (scatter), a.at[idx].add(v) (np.add.at / torch.index_add_), put_along_axis.
Ratios above 1 mean mlx is slower. Times are best-of-5 per call, in ms.
"""


import numpy as np

import mlx.core as mx
from timing import best_time as timeit

try:
    import torch
    torch.set_num_threads(max(1, torch.get_num_threads()))
except ImportError:  # PyTorch is optional
    torch = None



def main():
    rng = np.random.default_rng(0)
    n, m = 10_000_000, 1_000_000
    x = rng.normal(size=n).astype(np.float32)
    idx = rng.integers(0, n, size=m).astype(np.int64)
    v = rng.normal(size=m).astype(np.float32)
    rows = x.reshape(1000, 10000)
    ridx = rng.integers(0, 10000, size=(1000, 1000)).astype(np.int64)
    rv = rng.normal(size=(1000, 1000)).astype(np.float32)

    ax, aidx, av = mx.array(x), mx.array(idx), mx.array(v)
    arows, aridx, arv = mx.array(rows), mx.array(ridx), mx.array(rv)
    mx.eval(ax, aidx, av, arows, aridx, arv)
    if torch is not None:
        tx, tidx, tv = torch.from_numpy(x), torch.from_numpy(idx), torch.from_numpy(v)
        trows, tridx, trv = torch.from_numpy(rows), torch.from_numpy(ridx), torch.from_numpy(rv)

    def setitem_mx():
        a = ax  # mlx arrays are values: this leaves ax as it was (a copy + scatter)
        a[aidx] = av
        mx.eval(a)

    def setitem_np():
        a = x.copy()
        a[idx] = v

    def at_add_np():
        a = x.copy()
        np.add.at(a, idx, v)

    def put_np():
        a = rows.copy()
        np.put_along_axis(a, ridx, rv, axis=1)

    cases = [
        ("take 1M of 10M", lambda: mx.eval(mx.take(ax, aidx)), lambda: np.take(x, idx),
         (lambda: torch.index_select(tx, 0, tidx)) if torch else None),
        ("a[idx]", lambda: mx.eval(ax[aidx]), lambda: x[idx], (lambda: tx[tidx]) if torch else None),
        ("take_along_axis 1000x(10000->1000)", lambda: mx.eval(mx.take_along_axis(arows, aridx, axis=1)),
         lambda: np.take_along_axis(rows, ridx, axis=1),
         (lambda: torch.gather(trows, 1, tridx)) if torch else None),
        ("a[idx] = v (copy + 1M writes)", setitem_mx, setitem_np,
         (lambda: tx.clone().index_put_((tidx,), tv)) if torch else None),
        (".at[idx].add(v) (copy + 1M adds)", lambda: mx.eval(ax.at[aidx].add(av)), at_add_np,
         (lambda: tx.clone().index_add_(0, tidx, tv)) if torch else None),
        ("put_along_axis 1000x1000 into 1000x10000",
         lambda: mx.eval(mx.put_along_axis(arows, aridx, arv, axis=1)), put_np,
         (lambda: trows.clone().scatter_(1, tridx, trv)) if torch else None),
    ]
    print(f"{'case':42s} {'mlx ms':>9s} {'numpy ms':>9s} {'torch ms':>9s} {'mlx/np':>7s} {'mlx/torch':>9s}")
    for name, fm, fn, ft in cases:
        tm, tn = timeit(fm), timeit(fn)
        tt = timeit(ft) if ft else float("nan")
        print(f"{name:42s} {tm*1e3:9.2f} {tn*1e3:9.2f} {tt*1e3:9.2f} {tm/tn:7.2f} {tm/tt:9.2f}")


if __name__ == "__main__":
    main()
