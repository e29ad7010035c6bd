"""Laziness and evaluation: mx.eval over pytrees, deep graphs evaluated
without recursion, and memory of intermediates being released."""

import gc

import numpy as np
import pytest

import mlx.core as mx
from helpers import run_isolated


def test_ops_are_lazy():
    # A write into an evaluated input made after an op is recorded but before
    # it is evaluated is seen by the op: nothing ran at construction time.
    a = mx.array([1, 2, 3])
    mx.eval(a)
    b = a * 2
    np.array(a, copy=False)[0] = 10
    assert b.tolist() == [20, 4, 6]


def test_lazy_ops_do_not_allocate():
    mx.eval(mx.zeros((1,)))
    before = mx.get_active_memory()
    a = mx.ones((1000, 1000)) * 2 + 1     # 4 MB when evaluated
    assert mx.get_active_memory() - before < 1_000_000
    mx.eval(a)
    assert mx.get_active_memory() - before >= 4_000_000
    del a
    gc.collect()
    assert mx.get_active_memory() - before < 1_000_000


def test_eval_returns_none_and_accepts_pytrees():
    a, b, c, d = mx.array(1) + 1, mx.array(2.0) * 3, mx.arange(3) - 1, mx.ones((2,)) / 2
    assert mx.eval(a) is None
    assert mx.eval([b, {"x": (c,), "y": [d, 5, "s"]}, None]) is None
    assert mx.eval(a, b, [c], {"k": d}) is None
    assert mx.eval() is None
    assert mx.eval(1) is None
    assert mx.eval([1, mx.array(1)]) is None
    assert (a.item(), b.item(), c.tolist(), d.tolist()) == (2, 6.0, [-1, 0, 1], [0.5, 0.5])


def test_eval_shared_subgraph():
    x = mx.arange(4)
    y = x * 2
    z1, z2 = y + 1, y - 1
    mx.eval(z1, z2)
    assert z1.tolist() == [1, 3, 5, 7]
    assert z2.tolist() == [-1, 1, 3, 5]
    assert y.tolist() == [0, 2, 4, 6]


def test_eval_twice_and_reuse():
    x = mx.array([1.0, 2.0])
    y = mx.exp(x)
    mx.eval(y)
    first = y.tolist()
    mx.eval(y)
    assert y.tolist() == first
    z = y + x
    mx.eval(z)
    assert np.allclose(z.tolist(), np.exp([1.0, 2.0]) + [1.0, 2.0])


def test_implicit_evaluation_points():
    assert (mx.arange(3) + 1).tolist() == [1, 2, 3]
    assert (mx.array(2) + 1).item() == 3
    assert np.array(mx.arange(3) + 1).tolist() == [1, 2, 3]
    assert bytes(memoryview(mx.array([1, 2], mx.uint8) + 1)) == b"\x02\x03"
    assert repr(mx.arange(2) + 1) == "array([1, 2], dtype=int32)"
    assert bool(mx.array(1) + 0) is True


def test_million_node_chain_evaluates():
    x = mx.array(0.0)
    for _ in range(1_000_000):
        x = x + 1
    mx.eval(x)
    assert x.item() == 1_000_000.0


def test_million_node_chain_dropped_without_eval():
    # Destroying a deep unevaluated graph must not recurse either.  Run in a
    # subprocess so that a stack overflow is reported, not fatal.
    p = run_isolated("""
        y = mx.array(0.0)
        for _ in range(1_000_000):
            y = y + 1
        del y
        z = mx.array(1.0)
        print("ok")
    """, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "ok"


def test_deep_chain_grad():
    def f(x):
        for _ in range(20_000):
            x = x * 1.0 + 0.0
        return x.sum()

    g = mx.grad(f)(mx.array([1.0, 2.0]))
    assert g.tolist() == [1.0, 1.0]


def test_intermediates_are_freed_during_eval():
    n = 250_000                     # 1 MB per float32 intermediate
    x = mx.zeros((n,))
    mx.eval(x)
    gc.collect()
    base = mx.get_active_memory()
    mx.reset_peak_memory()
    for _ in range(200):            # 200 MB if intermediates were kept
        x = x + 1
    mx.eval(x)
    assert x[0].item() == 200.0
    assert mx.get_peak_memory() - base < 40_000_000
    assert mx.get_active_memory() - base < 10_000_000
    del x
    gc.collect()
    assert mx.get_active_memory() < base + 1_000_000


def test_memory_returns_after_large_temporaries():
    mx.eval(mx.zeros((1,)))
    gc.collect()
    base = mx.get_active_memory()
    for _ in range(5):
        a = mx.ones((512, 512)) @ mx.ones((512, 512))
        s = mx.sum(a * 2)
        mx.eval(s)
        assert s.item() == 2 * 512 * 512 * 512
        del a, s
    gc.collect()
    assert mx.get_active_memory() - base < 1_000_000


def test_memory_functions_exist():
    assert isinstance(mx.get_active_memory(), int)
    assert isinstance(mx.get_peak_memory(), int)
    assert isinstance(mx.get_cache_memory(), int)
    assert mx.clear_cache() is None
    assert mx.reset_peak_memory() is None
    mx.clear_cache()
    assert mx.get_cache_memory() == 0
