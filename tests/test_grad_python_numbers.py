"""grad/value_and_grad of functions of Python floats (as JAX; the reference raises) and
argument-selection rules compared with the reference."""

import numpy as np
import pytest

import mlx.core as mx


def test_grad_of_python_float():
    g = mx.grad(lambda x: x * x)(3.0)
    assert isinstance(g, mx.array) and g.dtype == mx.float32 and g.item() == 6.0
    v, (gx, gy) = mx.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 2.0)
    assert v.item() == 6.0 and gx.item() == 2.0 and gy.item() == 3.0
    # inside trees and keyword arguments too
    g = mx.grad(lambda d: d["a"] ** 2 + d["b"].sum())({"a": 1.5, "b": mx.ones(2)})
    assert g["a"].item() == 3.0 and g["b"].tolist() == [1.0, 1.0]
    g = mx.grad(lambda x, *, k: x * k, argnums=0, argnames="k")(2.0, k=5.0)
    assert g[0].item() == 5.0 and g[1]["k"].item() == 2.0
    # complex numbers become complex64
    g = mx.grad(lambda z: (z * z).real)(1 + 2j)
    assert g.dtype == mx.complex64
    # agrees with a finite difference
    f = lambda x: mx.sin(x) * x  # noqa: E731
    h = 1e-3
    fd = (f(mx.array(0.7 + h)) - f(mx.array(0.7 - h))).item() / (2 * h)
    assert abs(mx.grad(f)(0.7).item() - fd) < 1e-3


def test_python_int_still_raises():
    # an int is not differentiable (JAX raises too)
    with pytest.raises(ValueError, match=r"\[tree_flatten\]"):
        mx.grad(lambda x: x * x)(3)


def test_no_array_to_differentiate():
    with pytest.raises(ValueError, match=r"\[grad\] Must specify at least one argument."):
        mx.grad(lambda l, x: x.sum())([], mx.ones(2))
    with pytest.raises(ValueError, match=r"\[grad\] Must specify at least one argument."):
        mx.value_and_grad(lambda l: mx.array(1.0))({})
    with pytest.raises(ValueError, match=r"\[grad\] Must specify at least one argument."):
        mx.grad(lambda x: x.sum(), argnames="k")(mx.ones(1), k=[])
    g0, g1 = mx.grad(lambda l, x: x.sum(), argnums=(0, 1))([], mx.ones(2))
    assert g0 == [] and g1.tolist() == [1.0, 1.0]


def test_argnums_variants():
    a, b = mx.array([1.0, 2.0]), mx.array(3.0)
    f = lambda x, y: (x * y).sum()  # noqa: E731
    assert mx.grad(f, argnums=1)(a, b).item() == 3.0
    assert mx.grad(f, argnums=[1])(a, b).item() == 3.0  # one index comes back bare
    assert mx.grad(f, argnames="y")(a, y=b)[0] is None
    with pytest.raises(ValueError, match="negative argument index"):
        mx.grad(f, argnums=-1)(a, b)
    with pytest.raises(ValueError, match="Duplicate argument index"):
        mx.grad(f, argnums=(0, 0))(a, b)
    with pytest.raises(ValueError, match="only 2 positional arguments"):
        mx.grad(f, argnums=2)(a, b)
    g = mx.grad(lambda t: (t[0] * t[1]["w"]).sum())((a, {"w": b}))
    assert isinstance(g, tuple) and g[1]["w"].item() == 3.0
    np.testing.assert_array_equal(np.array(g[0]), [3.0, 3.0])
