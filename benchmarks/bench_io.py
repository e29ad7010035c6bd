"""Save + load of a 100 MB float32 array: mlx.core vs NumPy (and PyTorch when installed).

Prints the best of several runs for each step and the ratio to the fastest of NumPy and
PyTorch (< 1 means openmlx is faster). The files go to a temporary directory.

    python benchmarks/bench_io.py [--mb 100] [--repeat 5]
"""

import argparse
import os
import tempfile


import numpy as np

import mlx.core as mx
from timing import best_time

try:
    import torch
except ImportError:  # optional
    torch = None


def best(fn, repeat):
    return best_time(fn, repeat, warmup=False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mb", type=int, default=100)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    n = args.mb * (1 << 20) // 4
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    a = mx.array(x)
    mx.eval(a)
    t = torch.from_numpy(x.copy()) if torch is not None else None
    d = tempfile.mkdtemp()
    f = lambda name: os.path.join(d, name)

    rows = {}
    rows["save .npy"] = {
        "mlx": best(lambda: mx.save(f("m.npy"), a), args.repeat),
        "numpy": best(lambda: np.save(f("n.npy"), x), args.repeat),
    }
    rows["load .npy"] = {
        "mlx": best(lambda: mx.eval(mx.load(f("m.npy"))), args.repeat),
        "numpy": best(lambda: np.load(f("n.npy")), args.repeat),
    }
    rows["save .safetensors"] = {
        "mlx": best(lambda: mx.save_safetensors(f("m.safetensors"), {"a": a}), args.repeat),
        "numpy": rows["save .npy"]["numpy"],
    }
    rows["load .safetensors"] = {
        "mlx": best(lambda: mx.eval(mx.load(f("m.safetensors"))["a"]), args.repeat),
        "numpy": rows["load .npy"]["numpy"],
    }
    rows["save .gguf"] = {
        "mlx": best(lambda: mx.save_gguf(f("m.gguf"), {"a": a}), args.repeat),
        "numpy": rows["save .npy"]["numpy"],
    }
    rows["load .gguf"] = {
        "mlx": best(lambda: mx.eval(mx.load(f("m.gguf"))["a"]), args.repeat),
        "numpy": rows["load .npy"]["numpy"],
    }
    if torch is not None:
        ts = best(lambda: torch.save(t, f("t.pt")), args.repeat)
        tl = best(lambda: torch.load(f("t.pt")), args.repeat)
        for k in rows:
            rows[k]["torch"] = ts if k.startswith("save") else tl
    # Round trip: save then load of .npy.
    rows["save+load .npy"] = {k: rows["save .npy"][k] + rows["load .npy"][k] for k in rows["save .npy"]}

    print(f"{args.mb} MB float32, best of {args.repeat} (ms); safetensors/gguf rows compare with NumPy's .npy")
    hdr = f"{'op':<20}{'mlx':>10}{'numpy':>10}" + (f"{'torch':>10}" if torch is not None else "") + f"{'ratio':>8}"
    print(hdr)
    for k, r in rows.items():
        others = [v for name, v in r.items() if name != "mlx"]
        line = f"{k:<20}{r['mlx'] * 1e3:>10.1f}{r['numpy'] * 1e3:>10.1f}"
        if torch is not None:
            line += f"{r['torch'] * 1e3:>10.1f}"
        print(line + f"{r['mlx'] / min(others):>8.2f}")
    for name in os.listdir(d):
        os.remove(os.path.join(d, name))
    os.rmdir(d)


if __name__ == "__main__":
    main()
