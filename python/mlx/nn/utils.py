"""Helpers that tie modules to transforms."""

from functools import wraps
from itertools import accumulate
from typing import Any, Callable, Optional

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.utils import tree_flatten, tree_map, tree_reduce, tree_unflatten

__all__ = ["value_and_grad", "checkpoint", "average_gradients", "clip_grad_norm_sharded"]


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



def checkpoint(module: Module, fn: Optional[Callable] = None):
    """``fn`` (by default ``module`` itself) wrapped so that, under a gradient, its
    intermediate values are recomputed in the backward pass instead of kept
    (``mx.checkpoint`` over ``module.trainable_parameters()`` and the arguments).
    The module keeps its own parameter arrays after each call."""
    if fn is None:
        fn = module.__call__

    def with_parameters(parameters, *args, **kwargs):
        saved = module.trainable_parameters()
        module.update(parameters)
        try:
            return fn(*args, **kwargs)
        finally:
            module.update(saved)

    checkpointed = mx.checkpoint(with_parameters)

    @wraps(fn)
    def wrapped(*args, **kwargs):
        return checkpointed(module.trainable_parameters(), *args, **kwargs)

    return wrapped

# ---- average_gradients: data-parallel training over mx.distributed ----------------------

def average_gradients(
    gradients: Any,
    group: Optional[mx.distributed.Group] = None,
    all_reduce_size: int = 32 * 1024**2,
    communication_stream: Optional[mx.Stream] = None,
):
    """Average a tree of gradients over the processes of ``group`` (``all_sum`` divided
    by the group size); with one process the tree is returned as it is.

    Small arrays are sent together: the arrays of one dtype are concatenated into
    buckets of up to ``all_reduce_size`` bytes and each bucket is reduced with one
    ``all_sum``.

    Args:
        gradients (Any): A tree of arrays with the same structure on every process.
        group (mlx.core.distributed.Group, optional): The group. Default: ``None`` (the
            global group).
        all_reduce_size (int): The most bytes per bucket; 0 or less reduces every array
            on its own. Default: 32 MiB.
        communication_stream (mlx.core.Stream, optional): The stream the reductions run
            on. Default: ``None``.
    """
    group = group or mx.distributed.init()
    n = group.size()
    if n == 1:
        return gradients

    def average(x):
        return mx.distributed.all_sum(x, group=group, stream=communication_stream) / n

    if all_reduce_size <= 0:
        return tree_map(average, gradients)

    leaves = tree_flatten(gradients)
    result = [None] * len(leaves)
    # Buckets of leaf indices: one dtype each, at most all_reduce_size bytes (an array
    # larger than that is a bucket of its own).
    open_buckets, buckets = {}, []
    for i, (_, g) in enumerate(leaves):
        bucket = open_buckets.get(g.dtype)
        if bucket is None or bucket[1] + g.nbytes > all_reduce_size:
            bucket = open_buckets[g.dtype] = [[], 0]
            buckets.append(bucket)
        bucket[0].append(i)
        bucket[1] += g.nbytes
    for indices, _ in buckets:
        if len(indices) == 1:
            result[indices[0]] = average(leaves[indices[0]][1])
            continue
        arrays = [leaves[i][1] for i in indices]
        flat = average(mx.concatenate([a.reshape(-1) for a in arrays]))
        offsets = list(accumulate(a.size for a in arrays))[:-1]
        for i, a, part in zip(indices, arrays, mx.split(flat, offsets)):
            result[i] = part.reshape(a.shape)
    return tree_unflatten([(key, r) for (key, _), r in zip(leaves, result)])


def clip_grad_norm_sharded(gradients: Any, max_norm: float, group: Optional[mx.distributed.Group] = None):
    """Clip a tree of gradients, each process holding a shard of it, to the global norm
    ``max_norm``: the squared norms are summed over ``group`` (``all_sum``). Returns the
    scaled gradients (float32 where the scale promotes them) and the global norm."""
    local = tree_reduce(lambda acc, g: acc + mx.square(g.astype(mx.float32)).sum(), gradients, mx.array(0.0))
    total_norm = mx.sqrt(mx.distributed.all_sum(local, group=group))
    scale = mx.minimum(max_norm / (total_norm + 1e-6), 1.0)
    return tree_map(lambda g: g * scale, gradients), total_norm
