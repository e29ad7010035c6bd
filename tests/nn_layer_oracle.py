"""Helpers for the nn layer tests: channels-last <-> PyTorch layouts and gradients
of a module's output (against a fixed cotangent) w.r.t. its input and parameters."""

import numpy as np

import mlx.core as mx
from mlx.utils import tree_flatten, tree_unflatten


def to_np(a):
    """An mx array as a float64 NumPy array."""
    return np.array(a.astype(mx.float32)).astype(np.float64)


def channels_first(a):
    """NumPy ``(N, *spatial, C)`` -> ``(N, C, *spatial)``."""
    return np.moveaxis(np.asarray(a), -1, 1)


def channels_last(a):
    """NumPy ``(N, C, *spatial)`` -> ``(N, *spatial, C)``."""
    return np.moveaxis(np.asarray(a), 1, -1)


def mx_value_and_grads(module, x, cotangent):
    """``sum(module(x) * cotangent)``'s value, its gradient w.r.t. ``x`` and the
    flattened gradients w.r.t. the trainable parameters (dotted keys)."""

    def loss(params, inp):
        module.update(params)
        return (module(inp) * cotangent).sum()

    params = module.trainable_parameters()
    value, (g_params, g_x) = mx.value_and_grad(loss, argnums=(0, 1))(params, x)
    return value, g_x, dict(tree_flatten(g_params))


def random_params(module, seed=0, scale=1.0):
    """Replace every parameter with standard normal values (so zero biases and unit
    weights do not hide mistakes); returns the module."""
    rng = np.random.default_rng(seed)
    new = [
        (k, mx.array((rng.standard_normal(v.shape) * scale).astype(np.float32)))
        for k, v in tree_flatten(module.parameters())
    ]
    module.update(tree_unflatten(new))
    return module


def param_shapes(module):
    """``[(dotted_key, shape), ...]`` of a module's parameters, in tree order."""
    return [(k, tuple(v.shape)) for k, v in tree_flatten(module.parameters())]
