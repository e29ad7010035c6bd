"""mx.linalg.norm (and mx.matrix_norm, the same function) against np.linalg.norm: vector
and matrix orders, axis, keepdims, dtypes, empty and non-contiguous inputs, gradients by
finite differences, vmap, and the reference's errors."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import assert_allclose, check_grad, to_np

RNG = np.random.default_rng(0)
INF = float("inf")


def test_matrix_norm_is_linalg_norm():
    assert mx.matrix_norm is mx.linalg.norm


@pytest.mark.parametrize("ord", [None, INF, -INF, 0, 1, -1, 2, -2, 3, 0.5])
@pytest.mark.parametrize("shape, axis", [((5,), None), ((4, 6), 1), ((4, 6), 0), ((2, 3, 4), -1), ((2, 3, 4), (1,))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norms(ord, shape, axis, keepdims):
    x = RNG.uniform(-2, 2, shape).astype(np.float32)
    r = mx.linalg.norm(mx.array(x), ord, axis, keepdims)
    e = np.linalg.norm(x.astype(np.float64), ord, axis, keepdims)
    assert r.shape == e.shape
    assert r.dtype == mx.float32
    assert_allclose(r, e, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", INF, -INF, 1, -1, 2, -2])
@pytest.mark.parametrize("shape, axis", [((4, 6), None), ((4, 6), (1, 0)), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, -2))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norms(ord, shape, axis, keepdims):
    x = RNG.uniform(-2, 2, shape).astype(np.float32)
    r = mx.linalg.norm(mx.array(x), ord, axis, keepdims)
    e = np.linalg.norm(x.astype(np.float64), ord, axis, keepdims)
    assert r.shape == e.shape
    assert_allclose(r, e, rtol=1e-5, atol=1e-5)


def test_norm_defaults_dtypes_and_special_inputs():
    x = RNG.uniform(-2, 2, (2, 3, 4)).astype(np.float32)
    assert_allclose(mx.linalg.norm(mx.array(x)), np.linalg.norm(x))  # any rank, flattened
    assert mx.linalg.norm(mx.ones((2, 2), mx.int32)).dtype == mx.float32
    assert mx.linalg.norm(mx.ones((2, 2), mx.float16)).dtype == mx.float16
    assert mx.linalg.norm(mx.ones((2, 2), mx.float64)).dtype == mx.float64
    z = np.array([3 + 4j, 1 - 1j], np.complex64)
    for ord in (None, 1, INF):
        r = mx.linalg.norm(mx.array(z), ord)
        assert r.dtype == mx.float32
        assert_allclose(r, np.linalg.norm(z, ord))
    assert mx.linalg.norm(mx.array(3.0)).item() == 3.0
    assert mx.linalg.norm(mx.zeros((0, 3))).item() == 0.0
    assert mx.linalg.norm(mx.ones((2, 2)), keepdims=True).shape == (1, 1)
    y = RNG.uniform(-2, 2, (6, 8)).astype(np.float32)
    assert_allclose(mx.linalg.norm(mx.array(y)[::2, 1::3], 1), np.linalg.norm(y[::2, 1::3], 1))
    assert_allclose(mx.linalg.norm(mx.array(y).T, INF, axis=(0, 1)), np.linalg.norm(y.T, INF))


@pytest.mark.parametrize("ord, axis", [(None, None), (1, 1), (3, 0), (INF, (0, 1)), (-1, (1, 0)), ("fro", (0, 1)),
                                       ("nuc", None), (2, None), (-2, (1, 0))])
def test_norm_grad(ord, axis):
    x = RNG.uniform(0.5, 2, (3, 4)) * np.sign(RNG.uniform(-1, 1, (3, 4)))
    x[0, 0] = 2.5  # unique extremes for the inf / max-based orders
    check_grad(lambda a: mx.linalg.norm(a, ord, axis).sum(),
               lambda a: np.linalg.norm(a, ord, axis).sum(), x, rtol=1e-5, atol=1e-6)


def test_singular_value_norms_batched_float64_and_jvp():
    x = RNG.standard_normal((2, 3, 4, 5))
    for ord in (2, -2, "nuc"):
        r = mx.linalg.norm(mx.array(x, dtype=mx.float64), ord, axis=(3, 1))
        assert r.dtype == mx.float64
        np.testing.assert_allclose(to_np(r), np.linalg.norm(x, ord, axis=(3, 1)), rtol=1e-10)
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    t = RNG.standard_normal((3, 4)).astype(np.float32)
    _, (d,) = mx.jvp(lambda m: mx.linalg.norm(m, "nuc"), [mx.array(a)], [mx.array(t)])
    eps = 1e-3
    fd = (np.linalg.norm(a.astype(np.float64) + eps * t, "nuc") - np.linalg.norm(a.astype(np.float64) - eps * t, "nuc")) / (2 * eps)
    np.testing.assert_allclose(d.item(), fd, rtol=1e-3)
    assert np.isnan(mx.linalg.norm(mx.array([[np.nan, 1.0], [1.0, 1.0]]), 2).item())


def test_norm_vmap_matches_loop():
    x = RNG.uniform(-1, 1, (5, 3, 4)).astype(np.float32)
    r = mx.vmap(lambda a: mx.linalg.norm(a, 1))(mx.array(x))
    assert_allclose(r, np.stack([np.linalg.norm(x[i], 1) for i in range(5)]))
    r = mx.vmap(lambda a: mx.linalg.norm(a, 2))(mx.array(x))
    assert_allclose(r, np.stack([np.linalg.norm(x[i], 2) for i in range(5)]), rtol=1e-5)
    r = mx.vmap(lambda a: mx.linalg.norm(a, axis=0), in_axes=1)(mx.array(x))
    assert_allclose(r, np.stack([np.linalg.norm(x[:, i], axis=0) for i in range(3)]))


def test_norm_errors():
    a = mx.ones((2, 3))
    with pytest.raises(ValueError, match="Norm 'fro' only supported for matrices, but received 1 axis/axes"):
        mx.linalg.norm(mx.ones((3,)), "fro")
    with pytest.raises(ValueError, match="Norm 'fro' only supported for matrices, but received 3 axis/axes"):
        mx.linalg.norm(mx.ones((2, 2, 2)), "fro")
    with pytest.raises(ValueError, match="Invalid ord 0 for matrix norm"):
        mx.linalg.norm(a, 0)
    with pytest.raises(ValueError, match="Invalid ord 3 for matrix norm"):
        mx.linalg.norm(a, 3, axis=(0, 1))
    with pytest.raises(ValueError, match="Invalid ord value 'abc' for matrix norm"):
        mx.linalg.norm(a, "abc")
    with pytest.raises(ValueError, match="too many axes"):
        mx.linalg.norm(mx.ones((2, 2, 2)), 2)
    with pytest.raises(ValueError, match="too many axes"):
        mx.linalg.norm(mx.array(3.0), 2)
    with pytest.raises(ValueError, match="Duplicate axes"):
        mx.linalg.norm(a, axis=(0, 0))
    with pytest.raises(IndexError):
        mx.linalg.norm(a, axis=2)
    with pytest.raises(TypeError):
        mx.linalg.norm(a, [1])
    with pytest.raises(ValueError, match="Norm 'nuc' only supported for matrices"):
        mx.linalg.norm(mx.ones((3,)), "nuc")
