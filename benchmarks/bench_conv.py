"""Convolutions against PyTorch (its CPU convolution is oneDNN's) in one run.

    python benchmarks/bench_conv.py [--repeat N] [--grad] [--threads N]

Times forward convolutions in MLX's channels-last layout (PyTorch gets its own NCHW /
NCL layout, already contiguous, so it pays no layout conversion), the two timed
alternately, and prints the ratio of openmlx to PyTorch (lower is better; the target is <= 1.0). NumPy has no N-d convolution;
np.convolve is timed for the 1-d `convolve` case."""

import argparse

import numpy as np

import mlx.core as mx
from timing import best_time

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # torch is optional
    torch = None


def ms(f, repeat):
    return best_time(f, repeat) * 1e3


def interleaved(f, g, repeat):
    """Best times (ms) of f and g, timed alternately so that both see the same load."""
    f()
    g()
    tf, tg = float("inf"), float("inf")
    for _ in range(repeat):
        tf = min(tf, best_time(f, 1, warmup=False))
        tg = min(tg, best_time(g, 1, warmup=False))
    return tf * 1e3, tg * 1e3


CASES = [
    # name, x shape (channels-last), w shape (O, K..., I), kwargs
    ("conv2d 16x64x64x32, 32 3x3, pad 1", (16, 64, 64, 32), (32, 3, 3, 32), dict(padding=1)),
    ("conv2d 8x56x56x96 depthwise 3x3", (8, 56, 56, 96), (96, 3, 3, 1), dict(padding=1, groups=96)),
    ("conv2d 8x56x56x64, 64 1x1", (8, 56, 56, 64), (64, 1, 1, 64), dict()),
    ("conv2d 8x112x112x3, 32 3x3 s2", (8, 112, 112, 3), (32, 3, 3, 3), dict(stride=2, padding=1)),
    ("conv2d 8x224x224x3, 64 3x3 s2", (8, 224, 224, 3), (64, 3, 3, 3), dict(stride=2, padding=1)),
    ("conv1d whisper 1x3000x80 -> 384 k3", (1, 3000, 80), (384, 3, 80), dict(padding=1)),
    ("conv1d whisper 1x3000x384 -> 384 k3 s2", (1, 3000, 384), (384, 3, 384), dict(padding=1, stride=2)),
    ("conv3d 2x16x32x32x16, 16 3x3x3", (2, 16, 32, 32, 16), (16, 3, 3, 3, 16), dict(padding=1)),
    ("conv_transpose2d 8x32x32x64 -> 32 4x4 s2", (8, 32, 32, 64), (32, 4, 4, 64), dict(stride=2, padding=1)),
]


def mlx_fn(nsp, transpose):
    if transpose:
        return {1: mx.conv_transpose1d, 2: mx.conv_transpose2d, 3: mx.conv_transpose3d}[nsp]
    return {1: mx.conv1d, 2: mx.conv2d, 3: mx.conv3d}[nsp]


def torch_fn(nsp, transpose):
    if transpose:
        return {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nsp]
    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nsp]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--grad", action="store_true", help="also time input+weight gradients")
    p.add_argument("--threads", type=int, default=0,
                   help="PyTorch threads (set MLX_NUM_THREADS to the same for openmlx); 0: default")
    args = p.parse_args()
    if args.threads and torch is not None:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"{'case':44s} {'openmlx ms':>10s} {'torch ms':>9s} {'ratio':>6s}")
    for name, xs, ws, kw in CASES:
        nsp = len(xs) - 2
        tr = name.startswith("conv_transpose")
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        mxx, mxw = mx.array(x), mx.array(w)
        f = mlx_fn(nsp, tr)
        run_mx = lambda: mx.eval(f(mxx, mxw, **kw))
        t_t = float("nan")
        if torch is None:
            t_mx = ms(run_mx, args.repeat)
        else:
            perm = (0, nsp + 1) + tuple(range(1, nsp + 1))
            tx = torch.from_numpy(np.ascontiguousarray(np.transpose(x, perm)))
            if tr:
                # torch's transposed weight is (C_in, C_out, K...).
                tw = torch.from_numpy(np.ascontiguousarray(np.transpose(w, (nsp + 1, 0) + tuple(range(1, nsp + 1)))))
            else:
                tw = torch.from_numpy(np.ascontiguousarray(np.transpose(w, perm)))
            g = torch_fn(nsp, tr)
            with torch.no_grad():
                t_mx, t_t = interleaved(run_mx, lambda: g(tx, tw, **kw), args.repeat)
        print(f"{name:44s} {t_mx:10.2f} {t_t:9.2f} {t_mx / t_t:6.2f}", flush=True)
        if args.grad and not tr:
            cot = mx.array(rng.standard_normal(f(mxx, mxw, **kw).shape).astype(np.float32))
            gfn = mx.grad(lambda a, b: mx.sum(f(a, b, **kw) * cot), argnums=(0, 1))
            run_g = lambda: mx.eval(gfn(mxx, mxw))
            if torch is None:
                t_mx = ms(run_g, max(2, args.repeat // 2))
            else:
                txg = tx.clone().requires_grad_(True)
                twg = tw.clone().requires_grad_(True)
                tc = torch.from_numpy(np.ascontiguousarray(np.transpose(np.array(cot), perm)))

                def tgrad():
                    txg.grad = None
                    twg.grad = None
                    (g(txg, twg, **kw) * tc).sum().backward()

                t_mx, t_t = interleaved(run_g, tgrad, max(2, args.repeat // 2))
            print(f"{'  grad (input + weight)':44s} {t_mx:10.2f} {t_t:9.2f} {t_mx / t_t:6.2f}", flush=True)
    a = rng.standard_normal(100_000).astype(np.float32)
    v = rng.standard_normal(64).astype(np.float32)
    ma, mv = mx.array(a), mx.array(v)
    t_mx, t_np = interleaved(lambda: mx.eval(mx.convolve(ma, mv)), lambda: np.convolve(a, v), args.repeat)
    print(f"{'convolve 100000 * 64 (vs numpy)':44s} {t_mx:10.2f} {t_np:9.2f} {t_mx / t_np:6.2f}")


if __name__ == "__main__":
    main()
