"""Helpers that tie modules to transforms."""

from functools import wraps
from typing import Callable

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["value_and_grad"]


def value_and_grad(model: Module, fn: Callable):
    """Turn ``fn(*args, **kwargs)``, which uses ``model``, into a function returning
    ``(fn(...), gradients)``; the gradients are taken with respect to
    ``model.trainable_parameters()`` and have their tree structure."""

    def with_parameters(parameters, *args, **kwargs):
        model.update(parameters)
        return fn(*args, **kwargs)

    value_and_grad_fn = mx.value_and_grad(with_parameters)

    @wraps(fn)
    def wrapped(*args, **kwargs):
        return value_and_grad_fn(model.trainable_parameters(), *args, **kwargs)

    return wrapped
