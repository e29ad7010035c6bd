"""Scans of non-contiguous inputs: the input is copied into the output and scanned there in
place, so the kernel must read each element before it writes that position (exclusive
scans included). NumPy is the oracle."""

import numpy as np
import pytest

import mlx.core as mx

OPS = {"cumsum": np.cumsum, "cumprod": np.cumprod, "cummax": np.maximum.accumulate,
       "cummin": np.minimum.accumulate}


def exclusive(fn, x, axis, identity):
    y = fn(x, axis=axis)
    y = np.moveaxis(y, axis, 0)
    out = np.empty_like(y)
    out[0] = identity
    out[1:] = y[:-1]
    return np.moveaxis(out, 0, axis)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [True, False])
@pytest.mark.parametrize("layout", ["transposed", "strided", "broadcast"])
def test_noncontiguous_scans_match_numpy(op, axis, reverse, inclusive, layout):
    base = (np.arange(60) % 7 - 3).astype(np.int32).reshape(3, 4, 5)
    if layout == "transposed":
        a = mx.array(base).transpose(2, 0, 1)[:3, :4, :5]
        n = base.transpose(2, 0, 1)[:3, :4, :5]
    elif layout == "strided":
        big = (np.arange(240) % 5 - 2).astype(np.int32).reshape(6, 8, 5)
        n = big[::2, ::2, ::-1]
        a = mx.array(big)[::2, ::2, ::-1]
    else:
        n = np.broadcast_to(base[:1], (3, 4, 5))
        a = mx.broadcast_to(mx.array(base[:1]), (3, 4, 5))
    fn = OPS[op]
    x = n[tuple(slice(None, None, -1) if d == axis else slice(None) for d in range(3))] if reverse else n
    identity = {"cumsum": 0, "cumprod": 1, "cummax": np.iinfo(np.int32).min, "cummin": np.iinfo(np.int32).max}[op]
    want = fn(x, axis=axis) if inclusive else exclusive(fn, x, axis, identity)
    if reverse:
        want = want[tuple(slice(None, None, -1) if d == axis else slice(None) for d in range(3))]
    got = getattr(mx, op)(a, axis=axis, reverse=reverse, inclusive=inclusive)
    assert np.array(got).tolist() == want.tolist()
