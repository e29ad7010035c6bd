"""The runtime's costs and its memory in training loops.

    python benchmarks/bench_runtime.py            # everything
    python benchmarks/bench_runtime.py --quick    # fewer loop steps

Reports: the small eval round trip, the cost of adding one op to a graph, how long
`async_eval` takes to return for a long computation (against the computation itself),
and the resident memory (RSS) and active memory of a 3,000-step training loop for each
transform, at step 500 and at the end. Whichever `mlx.core` is importable is measured.
"""

import argparse
import gc
import time

import mlx.core as mx


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def active_mb():
    fn = getattr(mx, "get_active_memory", None) or mx.metal.get_active_memory
    return fn() / 2**20


def best_of(fn, number, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(number)
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def round_trip(n):
    a = mx.array(1.0)
    for _ in range(n):
        mx.eval(a + 1)


def build_ops(n):
    y = mx.array(1.0)
    for _ in range(n):
        y = y + 1


def loss(w):
    return mx.sum(mx.tanh(w @ w) ** 2)


STEPS = {
    "grad": lambda w: w - 0.001 * mx.grad(loss)(w),
    "value_and_grad": lambda w: w - 0.001 * mx.value_and_grad(loss)(w)[1],
    "vjp": lambda w: w - 0.001 * mx.vjp(loss, [w], [mx.array(1.0)])[1][0],
    "jvp": lambda w: w - 0.001 * mx.jvp(lambda x: mx.tanh(x) * 2, [w], [mx.ones_like(w)])[1][0],
    "vmap": lambda w: w - 0.001 * mx.vmap(lambda r: mx.tanh(r) * r)(w),
}


def training_loop(name, steps):
    w = mx.ones((256, 256)) * 0.01
    mx.eval(w)
    at500 = None
    for i in range(steps):
        w = STEPS[name](w)
        mx.eval(w)
        if i == min(500, steps // 6):
            gc.collect()
            at500 = (rss_mb(), active_mb())
    gc.collect()
    return at500, (rss_mb(), active_mb())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    rt = best_of(round_trip, 20000) * 1e6
    op = best_of(build_ops, 20000) * 1e6
    print(f"small eval round trip: {rt:.2f} us | adding one op to a graph: {op:.3f} us")

    a = mx.ones((1024, 1024))

    def chain():
        y = a
        for _ in range(8):
            y = (y @ a) * (1 / 1024)
        return y

    y = chain()
    t0 = time.perf_counter()
    mx.eval(y)
    full = time.perf_counter() - t0
    y = chain()
    t0 = time.perf_counter()
    mx.async_eval(y)
    ret = time.perf_counter() - t0
    y[0, 0].item()
    print(f"async_eval of a {full * 1e3:.0f} ms computation returns after {ret * 1e3:.3f} ms")

    steps = 600 if args.quick else 3000
    print(f"{steps}-step loop, w 256x256 float32: RSS and active memory (MB) at step 500 -> end")
    for name in STEPS:
        (r0, a0), (r1, a1) = training_loop(name, steps)
        print(f"  {name:15s} RSS {r0:8.1f} -> {r1:8.1f} (+{r1 - r0:.1f}) | active {a0:8.1f} -> {a1:8.1f}")


if __name__ == "__main__":
    main()
