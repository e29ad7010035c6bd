"""Joining, splitting, padding and repeating ops against NumPy: concatenate/concat, stack,
split, unstack, pad, tile, repeat, roll, flip, and their gradients and vmap rules."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, check_grad, mx_from_np, sample, to_np


def arr(shape, name="float32", seed=0):
    x = sample(shape, name, seed=seed)
    return x, mx_from_np(x, name)


def eq(a, expected):
    got = to_np(a)
    assert got.shape == np.asarray(expected).shape, (got.shape, np.asarray(expected).shape)
    np.testing.assert_array_equal(got, expected)


def noncontig(shape, name="float32"):
    """A transposed (non-contiguous) view and its NumPy twin."""
    x, a = arr(shape[::-1], name)
    return x.T, a.T


# ---------------------------------------------------------------------------
# concatenate / stack

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_concatenate_dtypes(name):
    x, a = arr((2, 3), name)
    y, b = arr((2, 5), name, seed=1)
    out = mx.concatenate([a, b], axis=1)
    assert out.dtype == getattr(mx, name)
    eq(out, np.concatenate([x, y], axis=1))
    eq(mx.concat([a, b], -1), np.concatenate([x, y], axis=-1))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_concatenate_axes_noncontig(axis):
    x, a = noncontig((3, 4, 5))
    y, b = arr((3, 4, 5), seed=2)
    eq(mx.concatenate([a, b, a], axis=axis), np.concatenate([x, y, x], axis=axis))


def test_concatenate_none_empty_broadcast_promotion():
    x, a = arr((2, 3))
    y, b = arr((4,), seed=1)
    eq(mx.concatenate([a, b], axis=None), np.concatenate([x.ravel(), y]))
    e = mx.zeros((0, 3))
    eq(mx.concatenate([e, a, e]), np.concatenate([np.zeros((0, 3)), x]))
    bc = mx.broadcast_to(mx.array([1.0, 2.0, 3.0]), (2, 3))
    eq(mx.concatenate([bc, a]), np.concatenate([np.broadcast_to([1, 2, 3], (2, 3)), x]))
    r = mx.concatenate([mx.array([1], mx.int8), mx.array([1], mx.uint8)])
    assert r.dtype == mx.int16
    r = mx.concatenate([mx.array([1]), mx.array([1.5])])
    assert r.dtype == mx.float32 and r.tolist() == [1.0, 1.5]
    one = mx.concatenate([a])
    eq(one, x)


def test_concatenate_errors():
    with pytest.raises(ValueError):
        mx.concatenate([])
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((1, 1)), mx.zeros((1,))])
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((1, 1)), mx.zeros((1, 2))])
    with pytest.raises(IndexError):
        mx.concatenate([mx.zeros((1, 1)), mx.zeros((1, 2))], axis=2)
    with pytest.raises(IndexError):
        mx.concatenate([mx.array(1), mx.array(2)])
    with pytest.raises(IndexError):
        mx.concatenate([mx.zeros((1, 1))], axis=3)
    with pytest.raises(TypeError):
        mx.concatenate([mx.array([1]), [2]])


def test_concatenate_large_parallel():
    x = np.arange(300_000, dtype=np.float32).reshape(600, 500)
    a = mx.array(x)
    eq(mx.concatenate([a, a[:, ::2], a.T[:500, :600].T], axis=1),
       np.concatenate([x, x[:, ::2], x.T[:500, :600].T], axis=1))
    eq(mx.concatenate([a, a], axis=0), np.concatenate([x, x]))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack(axis):
    x, a = arr((3, 4))
    y, b = noncontig((3, 4))
    eq(mx.stack([a, b], axis=axis), np.stack([x, y], axis=axis))
    eq(mx.stack([mx.array(1), mx.array(2)]), np.array([1, 2]))
    assert mx.stack([a, b], axis=None).shape == (2, 3, 4)


def test_stack_errors():
    with pytest.raises(ValueError):
        mx.stack([])
    with pytest.raises(ValueError):
        mx.stack([mx.zeros((1,)), mx.zeros((2,))])
    with pytest.raises(IndexError):
        mx.stack([mx.zeros((1,)), mx.zeros((1,))], axis=2)


def test_concatenate_stack_grad_jvp_vmap():
    x, y = sample((2, 3), "float64"), sample((2, 2), "float64", seed=1)
    w = sample((2, 5), "float64", seed=2)
    for argnum in (0, 1):
        check_grad(lambda a, b: (mx.concatenate([a, b], 1) * mx.array(w)).sum(),
                   lambda a, b: (np.concatenate([a, b], 1) * w).sum(), x, y, argnum=argnum)
    w2 = sample((2, 2, 3), "float64", seed=3)
    check_grad(lambda a, b: (mx.stack([a, b]) * mx.array(w2)).sum(),
               lambda a, b: (np.stack([a, b]) * w2).sum(), x, 2 * x, argnum=1)
    a, b = mx.array(x), mx.array(y)
    out, tan = mx.jvp(lambda p, q: mx.concatenate([p, q], 1), [a, b], [mx.ones_like(a), mx.zeros_like(b)])
    eq(tan[0], np.concatenate([np.ones((2, 3)), np.zeros((2, 2))], 1))
    batch = mx.array(sample((4, 2, 3), "float32"))
    other = mx.array(sample((2, 1), "float32"))
    got = mx.vmap(lambda p: mx.concatenate([p, other, p], axis=1))(batch)
    eq(got, np.stack([np.concatenate([to_np(p), to_np(other), to_np(p)], 1) for p in batch]))
    got = mx.vmap(lambda p, q: mx.stack([p, q], axis=-1), in_axes=(0, 1))(batch, mx.swapaxes(batch, 0, 1))
    eq(got, np.stack([np.stack([to_np(p), to_np(p)], -1) for p in batch]))


# ---------------------------------------------------------------------------
# split / unstack

@pytest.mark.parametrize("spec", [3, [1, 4], [4, 1], [-2], [1, 4, 10], [], (2,)])
def test_split(spec):
    x, a = arr((6, 2))
    got = mx.split(a, spec)
    if isinstance(spec, int):
        want = np.split(x, spec)
    else:
        bounds = [0] + list(spec) + [6]
        want = [x[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]
    assert isinstance(got, list) and len(got) == len(want)
    for g, w in zip(got, want):
        eq(g, w)


def test_split_axis_method_noncontig():
    x, a = noncontig((4, 6))
    for g, w in zip(a.split(3, axis=1), np.split(x, 3, axis=1)):
        eq(g, w)
    for g, w in zip(mx.split(a, [1, 3], axis=-1), np.split(x, [1, 3], axis=-1)):
        eq(g, w)


def test_split_errors():
    a = mx.arange(6)
    with pytest.raises(ValueError):
        mx.split(a, 4)
    with pytest.raises(ValueError):
        mx.split(a, 0)
    with pytest.raises(IndexError):
        mx.split(a, 2, axis=1)
    with pytest.raises(IndexError):
        mx.split(mx.array(1), 1)


def test_split_grad_and_vmap():
    x = sample((6, 2), "float64")
    check_grad(lambda a: (mx.split(a, [2])[1] * 3).sum() + mx.split(a, [2])[0].sum(),
               lambda a: (a[2:] * 3).sum() + a[:2].sum(), x)
    b = mx.array(sample((3, 6), "float32"))
    got = mx.vmap(lambda p: mx.split(p, 2)[1])(b)
    eq(got, np.stack([to_np(p)[3:] for p in b]))


def test_unstack():
    x, a = arr((2, 3, 4))
    for axis in (0, 1, -1):
        got = mx.unstack(a, axis=axis)
        assert isinstance(got, tuple) and len(got) == x.shape[axis]
        for i, g in enumerate(got):
            eq(g, np.take(x, i, axis=axis))
    with pytest.raises(IndexError):
        mx.unstack(mx.array(1))
    with pytest.raises(IndexError):
        mx.unstack(a, axis=3)


# ---------------------------------------------------------------------------
# pad

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_pad_constant_dtypes(name):
    x, a = arr((2, 3), name)
    out = mx.pad(a, ((1, 2), (0, 3)), constant_values=1)
    assert out.dtype == getattr(mx, name)
    eq(out, np.pad(x, ((1, 2), (0, 3)), constant_values=1))


@pytest.mark.parametrize("width", [2, (2,), (1, 3), [(1, 3)], ((0, 1), (2, 0), (1, 1))])
def test_pad_width_forms(width):
    x, a = noncontig((3, 2, 4))
    eq(mx.pad(a, width), np.pad(x, width))


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric"])
@pytest.mark.parametrize("width", [1, 2, 5, 9, ((0, 7), (3, 1))])
def test_pad_modes(mode, width):
    x, a = noncontig((4, 3))
    eq(mx.pad(a, width, mode=mode), np.pad(x, width, mode=mode))


def test_pad_values_scalar_empty():
    x, a = arr((3,), "int8")
    eq(mx.pad(a, 1, constant_values=mx.array(3.5)), np.pad(x, 1, constant_values=3))
    eq(mx.pad(a, 1, constant_values=-2), np.pad(x, 1, constant_values=-2))
    eq(mx.pad(mx.array(3), 1), np.array(3))
    eq(mx.pad(mx.zeros((0, 2)), 1, constant_values=5), np.pad(np.zeros((0, 2)), 1, constant_values=5))
    eq(mx.pad(mx.arange(3), 0), np.arange(3))
    x = np.arange(20.0, dtype=np.float32).reshape(4, 5)
    eq(mx.pad(mx.array(x)[::2, ::-2], ((3, 0), (1, 2)), constant_values=-1),
       np.pad(x[::2, ::-2], ((3, 0), (1, 2)), constant_values=-1))
    big = np.arange(200_000, dtype=np.float32)
    eq(mx.pad(mx.array(big), (5, 70_000)), np.pad(big, (5, 70_000)))
    big2 = big.reshape(400, 500)
    eq(mx.pad(mx.array(big2), ((2, 3), (100, 1))), np.pad(big2, ((2, 3), (100, 1))))


def test_pad_errors():
    a = mx.arange(4)
    with pytest.raises(ValueError):
        mx.pad(a, -1)
    with pytest.raises(ValueError):
        mx.pad(a, 1, mode="foo")
    with pytest.raises(ValueError):
        mx.pad(mx.zeros((2, 3)), [(1, 2), (3, 4), (1, 1)])
    with pytest.raises(ValueError):
        mx.pad(mx.zeros((0,)), 1, mode="edge")
    with pytest.raises(ValueError):
        mx.pad(a, 1, constant_values=mx.array([1, 2]))
    with pytest.raises(TypeError):
        mx.pad(a, 1.5)


def test_pad_grad_jvp_vmap():
    x = sample((3, 2), "float64")
    w = sample((6, 3), "float64", seed=5)
    width = ((1, 2), (0, 1))
    check_grad(lambda a: (mx.pad(a, width) * mx.array(w)).sum(), lambda a: (np.pad(a, width) * w).sum(), x)
    for mode in ("edge", "reflect", "symmetric"):
        check_grad(lambda a: (mx.pad(a, width, mode=mode) * mx.array(w)).sum(),
                   lambda a: (np.pad(a, width, mode=mode) * w).sum(), x)
    # The gradient of the fill value is the sum of the border's cotangent.
    g = mx.grad(lambda v: (mx.pad(mx.array(x), width, constant_values=v) * mx.array(w)).sum())(mx.array(0.5, mx.float64))
    mask = np.pad(np.zeros_like(x), width, constant_values=1)
    np.testing.assert_allclose(to_np(g), (mask * w).sum(), rtol=1e-6)
    a = mx.array(x)
    _, t = mx.jvp(lambda p: mx.pad(p, width, constant_values=2.0), [a], [mx.ones_like(a)])
    eq(t[0], np.pad(np.ones_like(x), width))
    b = mx.array(sample((4, 3, 2), "float32"))
    eq(mx.vmap(lambda p: mx.pad(p, 1, constant_values=7))(b), np.stack([np.pad(to_np(p), 1, constant_values=7) for p in b]))
    vals = mx.array([1.0, 2.0, 3.0, 4.0])
    # As in the reference (issue 12), the fill value may not be mapped.
    with pytest.raises(ValueError, match="padding value"):
        mx.vmap(lambda p, v: mx.pad(p, 1, constant_values=v))(b, vals)


# ---------------------------------------------------------------------------
# tile / repeat / roll / flip

@pytest.mark.parametrize("reps", [2, (2, 2), (1, 3, 2), 0, (2, 0), [3]])
def test_tile(reps):
    x, a = noncontig((2, 3))
    eq(mx.tile(a, reps), np.tile(x, reps))


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_tile_repeat_roll_flip_dtypes(name):
    x, a = arr((3, 4), name)
    eq(mx.tile(a, (2, 1)), np.tile(x, (2, 1)))
    eq(mx.repeat(a, 2, axis=1), np.repeat(x, 2, axis=1))
    eq(mx.roll(a, 1, axis=0), np.roll(x, 1, axis=0))
    eq(mx.flip(a, 1), np.flip(x, 1))


def test_tile_scalar_errors():
    eq(mx.tile(mx.array(3), (2, 2)), np.tile(3, (2, 2)))
    with pytest.raises(ValueError):
        mx.tile(mx.arange(3), -1)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("reps", [0, 1, 3])
def test_repeat(axis, reps):
    x, a = noncontig((3, 4))
    eq(mx.repeat(a, reps, axis=axis), np.repeat(x, reps, axis=axis))


def test_repeat_errors_scalar():
    eq(mx.repeat(mx.array(2), 3), np.repeat(2, 3))
    with pytest.raises(ValueError):
        mx.repeat(mx.arange(3), -1)
    with pytest.raises(IndexError):
        mx.repeat(mx.arange(3), 2, axis=2)
    with pytest.raises(TypeError):
        mx.repeat(mx.arange(3), [1, 2, 3])


@pytest.mark.parametrize("shift,axis", [(2, None), (-7, None), ((1, 2), None), (1, 0), (-5, 1),
                                        ((1, 2), (0, 1)), (1, (0, 1)), ((1, 2), 0), (13, -1), (0, 0)])
def test_roll(shift, axis):
    x, a = noncontig((3, 4))
    if isinstance(shift, tuple) and not isinstance(axis, tuple):
        want = np.roll(x, sum(shift), axis=axis)
    else:
        want = np.roll(x, shift, axis=axis)
    eq(mx.roll(a, shift, axis), want)


def test_roll_edge_cases():
    eq(mx.roll(mx.array(1), 1), np.array(1))
    eq(mx.roll(mx.zeros((0, 3)), 1), np.zeros((0, 3)))
    eq(mx.roll(mx.zeros((0, 3)), 1, 0), np.zeros((0, 3)))
    eq(mx.roll(mx.arange(5), 2**40 + 1), np.roll(np.arange(5), 2**40 + 1))
    with pytest.raises(IndexError):
        mx.roll(mx.zeros((2, 3)), 1, 2)
    with pytest.raises(ValueError):
        mx.roll(mx.zeros((2, 3)), (1, 2), (0, 1, 1))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (0, 0)])
def test_flip(axis):
    x, a = noncontig((3, 4))
    want = x if axis == (0, 0) else np.flip(x, axis)
    eq(mx.flip(a, axis), want)


def test_flip_edge_cases():
    eq(mx.flip(mx.array(1)), np.array(1))
    eq(mx.flip(mx.zeros((0, 2))), np.zeros((0, 2)))
    with pytest.raises(IndexError):
        mx.flip(mx.zeros((2, 3)), 3)


def test_tile_repeat_roll_flip_grad_vmap():
    x = sample((2, 3), "float64")
    for f, fn in [
        (lambda a: mx.tile(a, (2, 2)), lambda a: np.tile(a, (2, 2))),
        (lambda a: mx.repeat(a, 3, axis=1), lambda a: np.repeat(a, 3, axis=1)),
        (lambda a: mx.repeat(a, 2), lambda a: np.repeat(a, 2)),
        (lambda a: mx.roll(a, (1, 2), (0, 1)), lambda a: np.roll(a, (1, 2), (0, 1))),
        (lambda a: mx.roll(a, 4), lambda a: np.roll(a, 4)),
        (lambda a: mx.flip(a, 1), lambda a: np.flip(a, 1)),
    ]:
        w = sample(fn(x).shape, "float64", seed=7)
        check_grad(lambda a: (f(a) * mx.array(w)).sum(), lambda a: (fn(a) * w).sum(), x)
        a = mx.array(x, dtype=mx.float64)
        _, t = mx.jvp(f, [a], [a * 2])
        eq(t[0], fn(x * 2))
        b = mx.array(sample((3, 2, 3), "float32"))
        eq(mx.vmap(f)(b), np.stack([fn(to_np(p)) for p in b]))


def test_sizes_beyond_32_bits_raise_overflow():
    big = mx.broadcast_to(mx.array(1.0), (2**30,))
    with pytest.raises(OverflowError):
        mx.concatenate([big, big, big])
    with pytest.raises(OverflowError):
        mx.tile(mx.zeros((2**16,)), 2**16)
    with pytest.raises(OverflowError):
        mx.repeat(mx.zeros((2**16,)), 2**16)
    with pytest.raises(OverflowError):
        mx.pad(mx.zeros((4,)), (2**31, 0))
    with pytest.raises(OverflowError):
        mx.kron(mx.zeros((2**16,)), mx.zeros((2**16,)))


@pytest.mark.parametrize("name", ["concatenate", "concat", "stack", "split", "unstack", "pad", "tile", "repeat",
                                  "roll", "flip", "permute_dims", "matrix_transpose", "unflatten", "atleast_1d",
                                  "broadcast_shapes", "as_strided", "contiguous", "diff", "kron", "outer", "inner"])
def test_docstrings(name):
    doc = getattr(mx, name).__doc__
    assert doc and "Returns:" in doc, doc


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric"])
def test_pad_mirror_higher_order_and_vmap_grad(mode):
    x = np.arange(4.0)
    idx = np.pad(np.arange(4), (2, 5), mode=mode)
    counts = np.bincount(idx, minlength=4).astype(np.float64)

    def f(a):
        return (mx.pad(a, (2, 5), mode=mode) ** 2).sum()

    np.testing.assert_allclose(to_np(mx.grad(f)(mx.array(x))), 2 * x * counts)
    np.testing.assert_allclose(to_np(mx.grad(lambda a: mx.grad(f)(a).sum())(mx.array(x))), 2 * counts)
    b = np.stack([x, 2 * x])
    np.testing.assert_allclose(to_np(mx.vmap(mx.grad(f))(mx.array(b))), 2 * b * counts)
    # A padded 3-D non-contiguous input, every dtype size.
    for name in ("uint8", "int16", "float32", "complex64"):
        y, a = arr((3, 2, 4), name)
        eq(mx.pad(a.transpose(2, 0, 1), ((1, 2), (3, 0), (0, 4)), mode=mode),
           np.pad(y.transpose(2, 0, 1), ((1, 2), (3, 0), (0, 4)), mode=mode))
