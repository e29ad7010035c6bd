"""Timing helper shared by the benchmark scripts (run as `python benchmarks/bench_x.py`, so
this folder is on sys.path)."""

import time


def best_time(fn, repeats=7, warmup=True, clock=time.perf_counter):
    """The shortest of `repeats` timed calls of fn, in seconds by `clock` (after one untimed
    call)."""
    if warmup:
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def best_time_per_call(fn, repeats, min_time=0.15, max_calls=1 << 12, clock=time.perf_counter):
    """The shortest per-call time over `repeats` timed loops of fn, each loop calling it often
    enough (doubling up to max_calls) to take min_time seconds by `clock`, so short calls are
    measured."""
    fn()
    n = 1
    while True:
        t0 = clock()
        for _ in range(n):
            fn()
        if clock() - t0 >= min_time or n >= max_calls:
            break
        n *= 2
    best = float("inf")
    for _ in range(repeats):
        t0 = clock()
        for _ in range(n):
            fn()
        best = min(best, (clock() - t0) / n)
    return best


def parse_timing_args(torch=None):
    """Parses --repeats and --cpu-time. Returns (args, clock): with --cpu-time (which needs
    MLX_NUM_THREADS=1) the clock is this thread's CPU time and PyTorch is put on one thread."""
    import argparse
    import os

    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--cpu-time", action="store_true", help="one thread each, CPU time of this thread")
    args = p.parse_args()
    if not args.cpu_time:
        return args, time.perf_counter
    if os.environ.get("MLX_NUM_THREADS") != "1":
        raise SystemExit("--cpu-time needs MLX_NUM_THREADS=1 in the environment")
    if torch:
        torch.set_num_threads(1)
    return args, time.thread_time
