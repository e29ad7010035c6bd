"""The matrix-product family: mlx.core against PyTorch and NumPy in one run.

    python benchmarks/bench_matmul_family.py [--repeats 5] [--one-thread]

Cases: einsum("bhqd,bhkd->bhqk") against the equivalent matmul (ours), torch.einsum and
np.einsum; batched and broadcast-batch float32 matmul; a three-operand einsum chain;
tensordot; integer matmul; gather_mm with expert indices against gathering then matmul.
Each row shows times and ratios from the same process; a ratio above 1 means mlx is slower.
--one-thread runs every library on one thread (OpenBLAS, mlx's pool, PyTorch, NumPy's
BLAS): on a loaded machine it compares the kernels without threads waiting for cores.
"""

import argparse
import os
import sys
import time

if "--one-thread" in sys.argv:  # before any BLAS library loads
    for var in ("OPENBLAS_NUM_THREADS", "MLX_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

import numpy as np  # noqa: E402

import mlx.core as mx  # noqa: E402
from timing import best_time_per_call  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

clock = time.perf_counter


def best_time(fn, repeats):
    return best_time_per_call(fn, repeats, min_time=0.1, max_calls=1 << 10, clock=clock)


def row(name, t_mx, others):
    parts = [f"{name:44s} mlx {t_mx * 1e3:8.3f} ms"]
    for label, t in others:
        if t is not None:
            parts.append(f"{label} {t * 1e3:8.3f} ms (x{t_mx / t:5.2f})")
    print("   ".join(parts))


def matmul_row(name, an, bn, repeats):
    """One row: an @ bn in ours, PyTorch (when present) and NumPy."""
    am, bm = mx.array(an), mx.array(bn)
    t = best_time(lambda: mx.eval(am @ bm), repeats)
    others = []
    if torch is not None:
        at, bt = torch.from_numpy(an), torch.from_numpy(bn)
        others.append(("torch", best_time(lambda: at @ bt, repeats)))
    others.append(("numpy", best_time(lambda: an @ bn, repeats)))
    row(name, t, others)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--one-thread", action="store_true")
    args = ap.parse_args()
    if args.one_thread and torch is not None:
        torch.set_num_threads(1)
    R = args.repeats
    rng = np.random.default_rng(0)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731

    # einsum attention scores vs matmul.
    for b, h, q, k, d in [(1, 8, 1024, 1024, 64), (4, 16, 128, 128, 64), (1, 32, 1, 4096, 128)]:
        qn, kn = f32(b, h, q, d), f32(b, h, k, d)
        qm, km = mx.array(qn), mx.array(kn)
        t_e = best_time(lambda: mx.eval(mx.einsum("bhqd,bhkd->bhqk", qm, km)), R)
        t_m = best_time(lambda: mx.eval(qm @ km.swapaxes(-1, -2)), R)
        others = [("mx.matmul", t_m)]
        if torch is not None:
            qt, kt = torch.from_numpy(qn), torch.from_numpy(kn)
            others.append(("torch.einsum", best_time(lambda: torch.einsum("bhqd,bhkd->bhqk", qt, kt), R)))
        others.append(("np.einsum", best_time(lambda: np.einsum("bhqd,bhkd->bhqk", qn, kn, optimize=True), max(1, R // 2))))
        row(f"einsum bhqd,bhkd->bhqk {b}x{h}x{q}x{k}x{d}", t_e, others)

    # Batched and broadcast matmul.
    for sa, sb in [((64, 128, 128), (64, 128, 128)), ((16, 256, 256), (256, 256)), ((8, 1, 512, 64), (1, 8, 64, 512))]:
        matmul_row(f"matmul {sa} @ {sb}", f32(*sa), f32(*sb), R)

    # One token through a linear layer: a vector times a transposed weight (GEMV).
    xn, wn = f32(1, 4096), f32(4096, 4096)
    xm, wm = mx.array(xn), mx.array(wn)
    t = best_time(lambda: mx.eval(xm @ wm.T), R)
    others = []
    if torch is not None:
        xt, wt = torch.from_numpy(xn), torch.from_numpy(wn)
        others.append(("torch", best_time(lambda: xt @ wt.T, R)))
    others.append(("numpy", best_time(lambda: xn @ wn.T, R)))
    row("matmul (1, 4096) @ (4096, 4096).T", t, others)

    # A chain: einsum contracts it pairwise in the greedy order.
    xn, yn, zn = f32(64, 512), f32(512, 512), f32(512, 32)
    xm, ym, zm = mx.array(xn), mx.array(yn), mx.array(zn)
    t = best_time(lambda: mx.eval(mx.einsum("ij,jk,kl->il", xm, ym, zm)), R)
    others = []
    if torch is not None:
        xt, yt, zt = (torch.from_numpy(v) for v in (xn, yn, zn))
        others.append(("torch.einsum", best_time(lambda: torch.einsum("ij,jk,kl->il", xt, yt, zt), R)))
    others.append(("np.einsum", best_time(lambda: np.einsum("ij,jk,kl->il", xn, yn, zn, optimize=True), R)))
    row("einsum ij,jk,kl->il 64x512x512x32", t, others)

    # tensordot.
    an, bn = f32(32, 64, 128), f32(64, 128, 256)
    am, bm = mx.array(an), mx.array(bn)
    t = best_time(lambda: mx.eval(mx.tensordot(am, bm, 2)), R)
    others = []
    if torch is not None:
        at, bt = torch.from_numpy(an), torch.from_numpy(bn)
        others.append(("torch", best_time(lambda: torch.tensordot(at, bt, 2), R)))
    others.append(("numpy", best_time(lambda: np.tensordot(an, bn, 2), R)))
    row("tensordot (32,64,128) x (64,128,256), 2 axes", t, others)

    # Integer matmul (NumPy's semantics; PyTorch's CPU int matmul for comparison).
    an = rng.integers(-50, 50, (256, 256)).astype(np.int32)
    bn = rng.integers(-50, 50, (256, 256)).astype(np.int32)
    matmul_row("matmul int32 256x256", an, bn, R)

    # gather_mm: tokens routed to experts (no gathered copy of the expert weights).
    E, T, K, N = 16, 64, 512, 512
    wn = f32(E, K, N)
    xn = f32(T, 1, K)
    idx = rng.integers(0, E, T).astype(np.int32)
    wm, xm, im = mx.array(wn), mx.array(xn), mx.array(idx)
    t = best_time(lambda: mx.eval(mx.gather_mm(xm, wm, None, im)), R)
    t_take = best_time(lambda: mx.eval(xm @ mx.take(wm, im, 0)), R)
    others = [("take+matmul", t_take)]
    if torch is not None:
        wt, xt, it = torch.from_numpy(wn), torch.from_numpy(xn), torch.from_numpy(idx.astype(np.int64))
        others.append(("torch bmm(x, w[idx])", best_time(lambda: torch.bmm(xt, wt[it]), R)))
    row(f"gather_mm {T} tokens x {E} experts {K}x{N}", t, others)

    bench_hadamard(R)


def bench_hadamard(R):
    """hadamard_transform against the dense product x @ H it equals (PyTorch has no
    transform of its own)."""
    rng = np.random.default_rng(1)
    for rows, n in [(1024, 4096), (4096, 128), (256, 12 * 1024)]:
        xn = rng.standard_normal((rows, n)).astype(np.float32)
        xm = mx.array(xn)
        t = best_time(lambda: mx.eval(mx.hadamard_transform(xm)), R)
        others = []
        if torch is not None and n <= 4096:
            h = torch.from_numpy(np.array(mx.hadamard_transform(mx.eye(n))))
            xt = torch.from_numpy(xn)
            others.append(("torch x @ H", best_time(lambda: xt @ h, R)))
        row(f"hadamard_transform ({rows}, {n})", t, others)


if __name__ == "__main__":
    main()
