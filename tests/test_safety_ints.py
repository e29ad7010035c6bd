"""64-bit arithmetic where a user controls the numbers: shape products, scatter
reductions of integers, as_strided offsets and strides, and indices beyond 32 bits.
"""

import numpy as np
import pytest

import mlx.core as mx
from helpers import run_isolated

HUGE = [925101575, 733583431, 5737703, 5677831, 256536]  # product wraps 2**64 to 24


def shape_makers():
    one = mx.array(1, mx.int8)
    return {
        "ones": lambda: mx.ones(HUGE, mx.int8),
        "zeros": lambda: mx.zeros(HUGE, mx.int8),
        "full": lambda: mx.full(HUGE, 3, mx.int8),
        "broadcast_to": lambda: mx.broadcast_to(one, HUGE),
        "broadcast_binary": lambda: mx.ones([1, 1, 1, 1, 1], mx.int8) + mx.broadcast_to(one, HUGE),
        "broadcast_two_views": lambda: mx.broadcast_to(one, HUGE[:2] + [1, 1, 1]) * mx.broadcast_to(one, [1, 1] + HUGE[2:]),
        "broadcast_arrays": lambda: mx.broadcast_arrays(mx.broadcast_to(one, HUGE[:3] + [1, 1]),
                                                        mx.broadcast_to(one, [1, 1, 1] + HUGE[3:])),
        "where": lambda: mx.where(mx.broadcast_to(mx.array(True), HUGE[:3] + [1, 1]), one,
                                  mx.broadcast_to(one, [1, 1, 1] + HUGE[3:])),
        "reshape": lambda: mx.broadcast_to(one, [24]).reshape(HUGE),
        "tile": lambda: mx.tile(mx.broadcast_to(one, [1] * 5), [2**30] * 5),
        "repeat": lambda: mx.repeat(mx.broadcast_to(one, HUGE[:4] + [1]), 2**30, axis=4),
        "pad": lambda: mx.pad(mx.broadcast_to(one, HUGE[:4] + [1]), [(0, 0)] * 4 + [(0, 2**30)]),
        "concatenate": lambda: mx.concatenate([mx.broadcast_to(one, HUGE[:4] + [2**30])] * 2, axis=4),
        "kron": lambda: mx.kron(mx.broadcast_to(one, [2**15] * 5), mx.broadcast_to(one, [2**15] * 5)),
        "as_strided": lambda: mx.as_strided(mx.array([1], mx.int8), HUGE, [0] * 5),
        "zeros_like": lambda: mx.zeros_like(mx.broadcast_to(one, HUGE)),
        "uniform": lambda: mx.random.uniform(shape=HUGE),
        "normal": lambda: mx.random.normal(HUGE),
        "randint": lambda: mx.random.randint(0, 3, HUGE),
        "bernoulli": lambda: mx.random.bernoulli(0.5, HUGE),
        "bytes_over_2_63": lambda: mx.zeros([2**31 - 1, 2**31 - 1], mx.float64),
        "elements_2_63": lambda: mx.ones([2**16, 2**16, 2**16, 2**15], mx.int8),
    }


@pytest.mark.parametrize("name", sorted(shape_makers()))
def test_shapes_whose_size_overflows_raise_value_error(name):
    make = shape_makers()[name]
    with pytest.raises(ValueError, match=r"too many elements|bytes|Cannot reshape"):
        make()


def test_issue_case_size():
    with pytest.raises(ValueError):
        mx.ones(HUGE, mx.int8)
    # Large but representable shapes still work lazily.
    x = mx.broadcast_to(mx.array(1, mx.int8), [2**16, 2**16, 2**16, 2**15 - 1])
    assert x.size == 2**48 * (2**15 - 1)
    assert x[5, 6, 7, 8].item() == 1


def test_zero_sized_shapes_with_huge_dims_are_fine():
    x = mx.zeros([0, 2**31 - 1, 2**31 - 1, 2**31 - 1], mx.int8)
    assert x.size == 0
    assert x.shape == (0, 2**31 - 1, 2**31 - 1, 2**31 - 1)


# ---- scatter reductions of integers wrap -----------------------------------------------


INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def extremes(dt):
    info = np.iinfo(dt)
    return np.array([info.max, info.min, info.max - 1, info.min + 1, -1 if info.min < 0 else 1, 3], dt)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("op", ["add", "multiply", "subtract"])
def test_scatter_integer_reductions_wrap_like_numpy(dtype, op):
    dt = np.dtype(dtype)
    vals = extremes(dt)
    idx = np.array([0, 0, 1, 1, 2, 0, 3, 4, 5, 5])
    upd = np.resize(vals[::-1], idx.size).astype(dt)
    want = vals.copy()
    with np.errstate(all="ignore"):
        if op == "subtract":
            np.add.at(want, idx, (np.zeros_like(upd) - upd).astype(dt))
        else:
            getattr(np, op).at(want, idx, upd)
    got = getattr(mx.array(vals).at[mx.array(idx)], op)(mx.array(upd))
    assert got.dtype == getattr(mx, dtype)
    assert np.array(got).tolist() == want.tolist()


def test_scatter_overflow_issue_cases():
    a = mx.array([2**31 - 1], mx.int32)
    assert a.at[mx.array([0, 0])].add(2**31 - 1).tolist() == [2147483645]
    assert a.at[mx.array([0, 0])].multiply(2**10).tolist() == [-1048576]
    b = mx.array([-2**63], mx.int64)
    assert b.at[mx.array([0])].multiply(-1).tolist() == [-2**63]
    assert b.at[mx.array([0])].divide(-1).tolist() == [-2**63]
    assert b.at[mx.array([0, 0])].add(mx.array(-1, mx.int64)).tolist() == [2**63 - 2]


# ---- as_strided offsets and strides ----------------------------------------------------


def test_as_strided_huge_offset_and_strides():
    p = run_isolated("""
        print(mx.as_strided(mx.arange(10), (0,), (1,), 2**63 - 1).tolist())
        print(mx.as_strided(mx.arange(10), (0, 3), (2**62, 2**62), 2**63 - 1).shape)
        v = mx.as_strided(mx.arange(10), (1,), (2**62,))
        print(np.array(v).tolist(), memoryview(v).tolist(), np.from_dlpack(v).tolist())
        w = mx.as_strided(mx.arange(10), (1, 2, 1), (2**62, 3, -(2**62)), 4)
        print(np.array(w).tolist())
        print(mx.from_dlpack(np.array(w)).tolist())
    """)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.splitlines() == ["[]", "(0, 3)", "[0] [0] [0]", "[[[4], [7]]]", "[[[4], [7]]]"]


def test_as_strided_out_of_bounds_still_raises():
    for args in [((2,), (2**62,), 0), ((1,), (1,), 2**63 - 1), ((2,), (-(2**63),), 0)]:
        with pytest.raises(ValueError):
            mx.as_strided(mx.arange(10), *args)


# ---- indices and slice bounds beyond 32 bits -------------------------------------------


def test_indices_beyond_int32_follow_numpy():
    x = mx.arange(6).reshape(2, 3)
    n = np.arange(6).reshape(2, 3)
    for i in (2**31, 2**32, -(2**32), 2**63 - 1):
        with pytest.raises(IndexError):
            x[i]
        with pytest.raises(IndexError):
            x[0, i]
    for sl in (slice(None, 2**31), slice(-(2**40), 2**40), slice(2**31, None), slice(None, None, 2**33)):
        assert x[sl].tolist() == n[sl].tolist()
        assert x[:, sl].tolist() == n[:, sl].tolist()
