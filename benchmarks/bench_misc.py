"""Timings for the odds and ends touched by the core-defects work, against NumPy (and
PyTorch when installed) in the same run: complex64 matmul (four real GEMMs), pickling and
array creation from bytes. Prints each time and the ratio to the faster competitor."""

import pickle

import numpy as np

import mlx.core as mx
from timing import best_time as best

try:
    import torch
except ImportError:
    torch = None



def row(name, t_mx, others):
    comp = {k: v for k, v in others.items() if v is not None}
    ref = min(comp.values())
    cols = "  ".join(f"{k} {v * 1e3:8.2f} ms" for k, v in comp.items())
    print(f"{name:32s} mlx {t_mx * 1e3:8.2f} ms  {cols}  ratio {t_mx / ref:5.2f}")


def main():
    rng = np.random.default_rng(0)
    for n in (256, 1024):
        a = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))).astype(np.complex64)
        b = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))).astype(np.complex64)
        xa, xb = mx.array(a), mx.array(b)
        t_mx = best(lambda: mx.eval(xa @ xb))
        others = {"numpy": best(lambda: a @ b)}
        if torch is not None:
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            others["torch"] = best(lambda: ta @ tb)
        row(f"complex64 matmul {n}x{n}", t_mx, others)

    x = np.random.default_rng(1).standard_normal(10_000_000).astype(np.float32)
    xm = mx.array(x)
    row("pickle round trip 10M float32", best(lambda: pickle.loads(pickle.dumps(xm))),
        {"numpy": best(lambda: pickle.loads(pickle.dumps(x)))})
    data = bytes(10_000_000)
    row("array from 10 MB bytes", best(lambda: mx.eval(mx.array(data))),
        {"numpy": best(lambda: np.frombuffer(data, np.uint8).copy())})


if __name__ == "__main__":
    main()
