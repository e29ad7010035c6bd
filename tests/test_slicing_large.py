"""Slices with any Python ints (steps and bounds far beyond 32 bits) give NumPy's
result, forward and through the gradient, and never touch memory outside the array.

The sweeps run in a subprocess: before the fix these inputs read and wrote outside
the buffer (heap corruption), and a regression must not take the session down.
"""

import numpy as np
import pytest

import mlx.core as mx
from helpers import run_isolated

BIG = [
    None, 0, 1, -1, 2, -2, 3, 5, -5, 6, 7, -7, 100, -100,
    2**31 - 1, 2**31, 2**31 + 1, -(2**31), -(2**31) - 1, 2**32, -(2**32), 2**32 + 3,
    2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, -(2**64), 10**30, -(10**30),
]
STEPS = [s for s in BIG if s not in (None, 0)] + [None]


def test_issue_cases_match_numpy():
    p = run_isolated("""
        print(mx.arange(7)[-100:6:-(2**31 + 1)].tolist())
        print(mx.arange(7, dtype=mx.int32)[2**63 - 1:0:2**63 - 1].tolist())
        print(mx.grad(lambda x: x[-100:6:-(2**31 + 1)].sum())(mx.arange(7.0)).tolist())
        print(mx.arange(7)[::2**31].tolist())
        print(mx.arange(7)[::-(2**31)].tolist())
        print(mx.arange(7)[::-(2**63)].tolist())
    """)
    assert p.returncode == 0, p.stderr[-2000:]
    n = np.arange(7)
    g = np.zeros(7)
    g[-100:6:-(2**31 + 1)] = 1
    expect = [
        n[-100:6:-(2**31 + 1)].tolist(),
        n[2**63 - 1:0:2**63 - 1].tolist(),
        g.tolist(),
        n[::2**31].tolist(),
        n[::-(2**31)].tolist(),
        n[::-(2**63)].tolist(),
    ]
    assert p.stdout.strip().splitlines() == [str(e) for e in expect]


def test_random_slices_forward_and_gradient_match_numpy():
    # Every mismatch is printed; the child prints "done" when it finishes.
    p = run_isolated(f"""
        import random
        rng = random.Random(0)
        BIG = {BIG!r}
        STEPS = {STEPS!r}
        bad = []
        for trial in range(3000):
            n = rng.choice([0, 1, 2, 3, 7, 10])
            sl = slice(rng.choice(BIG), rng.choice(BIG), rng.choice(STEPS))
            x = np.arange(n, dtype=np.float32)
            want = x[sl]
            got = mx.array(x)[sl]
            if got.tolist() != want.tolist():
                bad.append(("forward", n, sl, got.tolist(), want.tolist()))
                continue
            # Gradient of a weighted sum: the weights land where the slice reads.
            w = np.arange(1, want.size + 1, dtype=np.float32)
            gw = np.zeros(n, np.float32)
            gw[sl] = w
            g = mx.grad(lambda a: (a[sl] * mx.array(w)).sum())(mx.array(x))
            if g.tolist() != gw.tolist():
                bad.append(("grad", n, sl, g.tolist(), gw.tolist()))
        for b in bad[:20]:
            print(b)
        print("done", len(bad))
    """, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip().splitlines()[-1] == "done 0", p.stdout[-3000:]


def test_random_2d_slices_match_numpy():
    p = run_isolated(f"""
        import random
        rng = random.Random(1)
        BIG = {BIG!r}
        STEPS = {STEPS!r}
        x = np.arange(35, dtype=np.int32).reshape(5, 7)
        a = mx.array(x)
        bad = 0
        for trial in range(1500):
            idx = tuple(slice(rng.choice(BIG), rng.choice(BIG), rng.choice(STEPS)) for _ in range(2))
            got, want = a[idx], x[idx]
            if got.shape != want.shape or got.tolist() != want.tolist():
                bad += 1
                print(idx, got.tolist(), want.tolist())
            # Views of views: the second slice applies to the strided first one.
            idx2 = (slice(rng.choice(BIG), rng.choice(BIG), rng.choice(STEPS)), 0) if want.shape[1] else idx
            if want.shape[1]:
                if a[idx][idx2].tolist() != x[idx][idx2].tolist():
                    bad += 1
                    print("nested", idx, idx2)
        print("done", bad)
    """, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip().splitlines()[-1] == "done 0", p.stdout[-3000:]


def test_indices_beyond_32_bits():
    x = mx.arange(5)
    assert x[:2**32].tolist() == [0, 1, 2, 3, 4]
    assert x[-(2**32):].tolist() == [0, 1, 2, 3, 4]
    assert x[2**32:].tolist() == []
    assert x[:2**64].tolist() == [0, 1, 2, 3, 4]
    assert x[np.int64(-(2**40)):np.int64(2**40)].tolist() == [0, 1, 2, 3, 4]
    for i in (2**32, -(2**32), 2**31, -(2**31) - 1, 2**63 - 1, -(2**63), 2**64, 10**30):
        with pytest.raises(IndexError):
            x[i]
    with pytest.raises(IndexError):
        mx.zeros((2, 3))[0, 2**32]


def test_uint64_index_at_the_top_is_out_of_range():
    x = mx.arange(5)
    with pytest.raises(IndexError):
        x[np.uint64(2**64 - 1)]
    with pytest.raises(IndexError):
        x[mx.array(2**64 - 1, mx.uint64)]
    with pytest.raises(IndexError):
        x[mx.array(2**63, mx.uint64)]
    assert x[mx.array(4, mx.uint64)].item() == 4
    assert x[np.uint64(3)].item() == 3


def test_zero_step_still_raises():
    with pytest.raises(ValueError):
        mx.arange(5)[::0]
