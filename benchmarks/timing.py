"""Timing helper shared by the benchmark scripts (run as `python benchmarks/bench_x.py`, so
this folder is on sys.path)."""

import time


def best_time(fn, repeats=7, warmup=True):
    """The shortest of `repeats` timed calls of fn, in seconds (after one untimed call)."""
    if warmup:
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
