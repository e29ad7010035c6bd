"""quantized_matmul against float32 matmul (ours, PyTorch and NumPy) in the same run.

The 4-bit 4096x4096 weight with a vector should be at least 4x faster than the float32
product (it reads 8x fewer bytes), and with 32 rows at least as fast. Prints times (ms,
the fastest of the repeats: on a shared machine the median mostly measures the other load)
and ratios. MLX_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 and a first argument of 1 (PyTorch's
threads) compare one core against one core."""
import sys
import time

import numpy as np

import mlx.core as mx

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def timeit(f, reps=10):
    f()
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return float(np.min(ts)) * 1e3


def main():
    if torch is not None and len(sys.argv) > 1:
        torch.set_num_threads(int(sys.argv[1]))
    n = k = 4096
    rng = np.random.default_rng(0)
    w = rng.standard_normal((n, k)).astype(np.float32)
    wm = mx.array(w)
    print(f"{'case':<38}{'ours ms':>9}{'ours f32':>10}{'torch f32':>10}{'numpy f32':>10}{'vs ours f32':>12}{'vs torch':>9}")
    for bits, gs in [(4, 64), (4, 32), (8, 64), (3, 64), (2, 64)]:
        wq, s, b = mx.quantize(wm, group_size=gs, bits=bits)
        mx.eval(wq, s, b)
        for m in [1, 32]:
            x = rng.standard_normal((m, k)).astype(np.float32)
            xm = mx.array(x)
            tq = timeit(lambda: mx.eval(mx.quantized_matmul(xm, wq, s, b, group_size=gs, bits=bits)))
            tf = timeit(lambda: mx.eval(xm @ wm.T))
            tn = timeit(lambda: x @ w.T)
            tt = float("nan")
            if torch is not None:
                xt, wt = torch.from_numpy(x), torch.from_numpy(w)
                tt = timeit(lambda: xt @ wt.T)
            print(f"{'affine %d-bit g%d, %dx%d @ %dx%d.T' % (bits, gs, m, k, n, k):<38}{tq:9.3f}{tf:10.3f}{tt:10.3f}{tn:10.3f}"
                  f"{tf / tq:11.2f}x{tt / tq:8.2f}x")
    for mode in ["mxfp4", "nvfp4", "mxfp8"]:
        wq, s = mx.quantize(wm, mode=mode)
        mx.eval(wq, s)
        for m in [1, 32]:
            xm = mx.array(rng.standard_normal((m, k)).astype(np.float32))
            tq = timeit(lambda: mx.eval(mx.quantized_matmul(xm, wq, s, mode=mode)))
            tf = timeit(lambda: mx.eval(xm @ wm.T))
            print(f"{'%s, %dx%d @ %dx%d.T' % (mode, m, k, n, k):<38}{tq:9.3f}{tf:10.3f}{'':>10}{'':>10}{tf / tq:11.2f}x")
    # transpose=False and the quantizer itself.
    wq, s, b = mx.quantize(wm)
    xm = mx.array(rng.standard_normal((1, k)).astype(np.float32))
    tq = timeit(lambda: mx.eval(mx.quantized_matmul(xm, wq, s, b, transpose=False)))
    tf = timeit(lambda: mx.eval(xm @ wm))
    print(f"{'affine 4-bit, 1x4096 @ 4096x4096':<38}{tq:9.3f}{tf:10.3f}{'':>10}{'':>10}{tf / tq:11.2f}x")
    tq = timeit(lambda: mx.eval(*mx.quantize(wm)), reps=5)
    td = timeit(lambda: mx.eval(mx.dequantize(wq, s, b)), reps=5)
    print(f"quantize 4096x4096: {tq:.2f} ms, dequantize: {td:.2f} ms")


if __name__ == "__main__":
    main()
