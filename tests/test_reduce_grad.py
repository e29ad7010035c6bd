"""Gradients of prod, max and min with zeros and ties (values from the reference),
checked against closed forms computed in NumPy."""

import numpy as np
import pytest

import mlx.core as mx


def _others(x, axes):
    """For each element, the product of the other elements it is reduced with."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        sel = tuple(slice(None) if i in axes else idx[i] for i in range(x.ndim))
        block = x[sel].copy()
        pos = tuple(idx[i] for i in axes)
        block[pos] = 1.0
        out[idx] = block.prod()
    return out


def test_prod_jvp_with_a_zero():
    _, t = mx.jvp(lambda x: mx.prod(x), [mx.arange(4.0)], [mx.array([3.0, 2.0, 1.0, 0.0])])
    assert t[0].item() == 18.0


def test_prod_with_zeros_vjp_and_jvp():
    for x in ([0.0, 2.0, 0.0, 3.0], [2.0, 0.0, 3.0], [0.0], [5.0], [2.0, 3.0, 4.0]):
        a = mx.array(x)
        g = mx.grad(lambda v: mx.prod(v))(a)
        np.testing.assert_array_equal(np.array(g), _others(x, (0,)))
        t = np.arange(1.0, len(x) + 1)
        _, jt = mx.jvp(lambda v: mx.prod(v), [a], [mx.array(t, dtype=mx.float32)])
        assert jt[0].item() == float((_others(x, (0,)) * t).sum())


@pytest.mark.parametrize("axes", [(0,), (1,), (2,), (0, 2), (1, 2), (0, 1, 2)])
def test_prod_grads_over_axes(axes):
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 1.5, size=(3, 4, 5))
    x[1, 2, 3] = 0.0
    x[0, 0, 0] = 0.0
    x[0, 1, 0] = 0.0
    t = rng.standard_normal(x.shape)
    a, ta = mx.array(x, dtype=mx.float32), mx.array(t, dtype=mx.float32)
    others = _others(x.astype(np.float32), axes)
    g = mx.grad(lambda v: mx.sum(mx.prod(v, axis=axes) * 1.0))(a)
    np.testing.assert_allclose(np.array(g), others, rtol=1e-5, atol=1e-6)
    _, jt = mx.jvp(lambda v: mx.prod(v, axis=axes, keepdims=True), [a], [ta])
    np.testing.assert_allclose(np.array(jt[0]), (others * t).sum(axis=axes, keepdims=True), rtol=1e-5, atol=1e-5)


def test_prod_grad_has_no_division():
    # The true gradient is finite where the product over/underflows around it.
    g = mx.grad(lambda v: mx.prod(v))(mx.array([1e30, 1e30, 1e-30]))
    assert g.tolist() == [1.0, 1.0, float("inf")]
    g = mx.grad(lambda v: mx.prod(v))(mx.array([1e-30, 1e-30, 1e20]))
    np.testing.assert_allclose(np.array(g), [1e-10, 1e-10, 0.0], rtol=1e-5, atol=0)


def test_prod_second_derivative():
    x = np.array([0.5, 0.0, 2.0, 3.0])
    v = np.array([1.0, -1.0, 2.0, 0.5])
    hv = mx.grad(lambda y: mx.sum(mx.grad(lambda z: mx.prod(z))(y) * mx.array(v, dtype=mx.float32)))(
        mx.array(x, dtype=mx.float32))
    h = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            if i != j:
                h[i, j] = np.prod([x[k] for k in range(4) if k not in (i, j)])
    np.testing.assert_allclose(np.array(hv), h @ v, rtol=1e-6)


def test_max_min_vjp_split_ties():
    g = mx.vjp(lambda x: mx.max(x), [mx.array([1.0, 3.0, 3.0, 2.0])], [mx.array(1.0)])[1][0]
    assert g.tolist() == [0.0, 0.5, 0.5, 0.0]
    g = mx.vjp(lambda x: mx.min(x), [mx.array([0.0, 0.0, 3.0])], [mx.array(1.0)])[1][0]
    assert g.tolist() == [0.5, 0.5, 0.0]


def test_max_min_jvp_take_the_first_extreme():
    # The reference takes the tangent at the first position attaining the extreme.
    _, t = mx.jvp(lambda x: mx.max(x), [mx.array([1.0, 3.0, 3.0, 2.0])], [mx.array([1.0, 2.0, 4.0, 8.0])])
    assert t[0].item() == 2.0
    _, t = mx.jvp(lambda x: mx.min(x), [mx.array([0.0, 0.0, 3.0])], [mx.array([1.0, 2.0, 4.0])])
    assert t[0].item() == 1.0
    x = mx.array([[1.0, 5.0], [5.0, 2.0]])
    tan = mx.array([[1.0, 2.0], [4.0, 8.0]])
    _, t = mx.jvp(lambda v: mx.max(v), [x], [tan])
    assert t[0].item() == 2.0
    _, t = mx.jvp(lambda v: mx.max(v, axis=0), [x.T], [tan])
    assert t[0].tolist() == [4.0, 2.0]
    _, t = mx.jvp(lambda v: mx.min(v, axis=1, keepdims=True), [x], [tan])
    assert t[0].tolist() == [[1.0], [8.0]]


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_jvp_without_ties_matches_finite_differences(op):
    rng = np.random.default_rng(5)
    x = rng.permutation(60).reshape(3, 4, 5).astype(np.float64)
    t = rng.standard_normal(x.shape)
    f = getattr(np, op)
    for axes in ((0,), (2,), (0, 2), (0, 1, 2)):
        _, jt = mx.jvp(lambda v: getattr(mx, op)(v, axis=axes), [mx.array(x, dtype=mx.float32)],
                       [mx.array(t, dtype=mx.float32)])
        eps = 1e-3
        fd = (f(x + eps * t, axis=axes) - f(x - eps * t, axis=axes)) / (2 * eps)
        np.testing.assert_allclose(np.array(jt[0]), fd, rtol=1e-5, atol=1e-5)
