"""Layers for models split over the processes of an ``mx.distributed`` group.

Tensor parallelism: :class:`AllToShardedLinear` keeps a slice of a linear layer's
output features (its input is the same everywhere), :class:`ShardedToAllLinear` a slice
of its input features (the partial products are summed with ``all_sum``), and the
quantized forms of both. :func:`shard_linear` turns a ``Linear`` or ``QuantizedLinear``
into one of them; :func:`shard_inplace` slices any module's parameters the same way.
Fully sharded data parallelism: :class:`FullyShardedModule` keeps a slice (along axis 0)
of every parameter and gathers them for each call.

With a group of one process every slice is the whole array and every collective the
identity, so the layers compute what the unsharded ones do.
"""

import math
from functools import lru_cache
from typing import Callable, Optional, Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.nn.layers.linear import Linear
from mlx.utils import tree_flatten, tree_map_with_path, tree_unflatten

__all__ = [
    "AllToShardedLinear",
    "ShardedToAllLinear",
    "QuantizedAllToShardedLinear",
    "QuantizedShardedToAllLinear",
    "FullyShardedModule",
    "fully_shard",
]

_SHARDINGS = ("all-to-sharded", "sharded-to-all")


@lru_cache
def sum_gradients(group: mx.distributed.Group) -> Callable:
    """A function that returns its input unchanged and sums its gradient over ``group``
    in the backward pass (``all_sum`` of the cotangent).

    It goes in front of a layer whose output is sharded: each process then receives the
    gradient of the whole loss with respect to the (replicated) input.
    """
    if group.size() == 1:
        return lambda x: x

    @mx.custom_function
    def identity(x):
        return x

    @identity.vjp
    def identity_vjp(x, dx, _):
        return mx.distributed.all_sum(dx, group=group)

    return identity


def _split_segments(w: mx.array, segments: Union[int, list], axis: int):
    return mx.split(w, segments, axis=axis) if segments != 1 else [w]


def _shard_array(w: mx.array, axis: int, segments: Union[int, list], group) -> mx.array:
    """This process's slice of ``w`` along ``axis``: each of the ``segments`` (equal
    parts, or parts split at the listed indices) is cut into ``group.size()`` equal
    blocks and the rank's blocks are concatenated (so a fused QKV weight stays fused)."""
    n, r = group.size(), group.rank()
    blocks = [mx.split(part, n, axis=axis)[r] for part in _split_segments(w, segments, axis)]
    out = blocks[0] if len(blocks) == 1 else mx.concatenate(blocks, axis=axis)
    return mx.contiguous(out)


def _sharding_rule(sharding: Union[str, Callable], segments: Union[int, list]) -> Callable:
    """``(path, weight) -> (axis, segments) | axis | None`` for a sharding name, or the
    given callable."""
    if callable(sharding):
        return sharding
    if sharding == "all-to-sharded":
        # Output features: the second to last axis of a weight, the last of a bias.
        return lambda path, w: (-1 if path.endswith("bias") or w.ndim < 2 else -2, segments)
    if sharding == "sharded-to-all":
        # Input features: the last axis; the bias is added after the sum, whole.
        return lambda path, w: None if path.endswith("bias") else (-1, segments)
    raise ValueError(
        f"Sharding type {sharding=} not supported, choose one of 'all-to-sharded' or "
        "'sharded-to-all'"
    )


def _shard(parameters: dict, rule: Callable, group) -> dict:
    """The parameter tree with every array that ``rule`` assigns an axis sliced for this
    process (see :func:`_shard_array`)."""

    def shard_one(path, w):
        if not isinstance(w, mx.array) or w.ndim == 0:
            return w
        spec = rule(path, w)
        if spec is None:
            return w
        axis, segments = spec if isinstance(spec, tuple) else (spec, 1)
        return _shard_array(w, axis, segments, group)

    return tree_map_with_path(shard_one, parameters)


def _local_dims(sharding: str, input_dims: int, output_dims: int, n: int):
    """(input, output) features of one process's slice of a layer sharded over ``n``."""
    if sharding == "all-to-sharded":
        if output_dims % n != 0:
            raise ValueError(f"Cannot shard the output of size {output_dims} across {n} devices.")
        return input_dims, output_dims // n
    if input_dims % n != 0:
        raise ValueError(f"The input of size {input_dims} cannot be sharded across {n} devices.")
    return input_dims // n, output_dims


def _global_dims(sharding: str, input_dims: int, output_dims: int, n: int):
    """(input, output) features of the whole layer, from one process's slice."""
    if sharding == "all-to-sharded":
        return input_dims, output_dims * n
    return input_dims * n, output_dims


class _ShardedLinearBase(Module):
    """Constructor, repr and ``from_linear`` of the float sharded linear layers (each
    subclass names its ``_sharding``)."""

    _sharding: str

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group: Optional[mx.distributed.Group] = None,
    ):
        super().__init__()
        self.group = group or mx.distributed.init()
        in_dims, out_dims = _local_dims(self._sharding, input_dims, output_dims, self.group.size())
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(low=-scale, high=scale, shape=(out_dims, in_dims))
        if bias:
            # Added after the sum by ShardedToAll layers: whole there, sliced otherwise.
            self.bias = mx.random.uniform(low=-scale, high=scale, shape=(out_dims,))

    def _extra_repr(self) -> str:
        out_dims, in_dims = self.weight.shape
        in_dims, out_dims = _global_dims(self._sharding, in_dims, out_dims, self.group.size())
        return f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}"

    @classmethod
    def from_linear(
        cls,
        linear_layer: Module,
        *,
        segments: Union[int, list] = 1,
        group: Optional[mx.distributed.Group] = None,
    ):
        """A sharded copy of ``linear_layer`` (an ``nn.Linear``) for this process.

        ``segments`` says how many equal parts (or which split points) the sharded axis
        is made of, e.g. 3 for a fused QKV projection; each part is sharded on its own.
        """
        group = group or mx.distributed.init()
        output_dims, input_dims = linear_layer.weight.shape
        layer = cls(input_dims, output_dims, "bias" in linear_layer, group)
        layer.update(_shard(linear_layer.parameters(), _sharding_rule(cls._sharding, segments), group))
        return layer


class AllToShardedLinear(_ShardedLinearBase):
    """A linear layer whose output features are split over the processes of ``group``.

    Every process gets the same input and computes its slice of the output
    (``output_dims / group.size()`` features). The gradient with respect to the input is
    summed over the group, so the layers before it see the whole loss.

    Args:
        input_dims (int): The number of input features.
        output_dims (int): The number of output features of the whole layer (divisible
            by the group size).
        bias (bool, optional): Whether to add a bias. Default: ``True``.
        group (mx.distributed.Group, optional): The group to shard over. Default:
            ``None`` (the global group).
    """

    _sharding = "all-to-sharded"

    def __call__(self, x: mx.array) -> mx.array:
        x = sum_gradients(self.group)(x)
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T


class ShardedToAllLinear(_ShardedLinearBase):
    """A linear layer whose input features are split over the processes of ``group``.

    Each process multiplies its slice of the input (``input_dims / group.size()``
    features) by its slice of the weight; the partial products are summed over the
    group (``all_sum``) and the bias added, so every process ends with the whole output.

    Args:
        input_dims (int): The number of input features of the whole layer (divisible by
            the group size).
        output_dims (int): The number of output features.
        bias (bool, optional): Whether to add a bias. Default: ``True``.
        group (mx.distributed.Group, optional): The group to shard over. Default:
            ``None`` (the global group).
    """

    _sharding = "sharded-to-all"

    def __call__(self, x: mx.array) -> mx.array:
        x = mx.distributed.all_sum(x @ self["weight"].T, group=self.group)
        if "bias" in self:
            x = x + self["bias"]
        return x


class _QuantizedShardedBase(Module):
    """Constructor, freezing, repr and ``from_quantized_linear`` of the quantized sharded
    linear layers (each subclass names its ``_sharding``)."""

    _sharding: str

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group_size: int = 64,
        bits: int = 4,
        mode: str = "affine",
        group: Optional[mx.distributed.Group] = None,
    ):
        super().__init__()
        self.group = group or mx.distributed.init()
        self.group_size = group_size
        self.bits = bits
        self.mode = mode
        in_dims, out_dims = _local_dims(self._sharding, input_dims, output_dims, self.group.size())
        scale = math.sqrt(1.0 / input_dims)
        weight = mx.random.uniform(low=-scale, high=scale, shape=(out_dims, in_dims))
        self.weight, self.scales, *biases = mx.quantize(weight, group_size, bits, mode=mode)
        if biases and biases[0] is not None:
            self.biases = biases[0]
        if bias:
            self.bias = mx.zeros((out_dims,))
        self.freeze()

    def unfreeze(self, *args, **kwargs):
        """Unfreeze as :meth:`Module.unfreeze` does, except this layer's own quantized
        parameters, which stay frozen."""
        super().unfreeze(*args, **kwargs)
        self.freeze(recurse=False)
        return self

    def _extra_repr(self) -> str:
        out_dims, packed = self.weight.shape
        in_dims, out_dims = _global_dims(self._sharding, packed * 32 // self.bits, out_dims, self.group.size())
        return (
            f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}, "
            f"group_size={self.group_size}, bits={self.bits}, mode={self.mode}"
        )

    def _matmul(self, x: mx.array) -> mx.array:
        return mx.quantized_matmul(
            x,
            self["weight"],
            scales=self["scales"],
            biases=self.get("biases"),
            transpose=True,
            group_size=self.group_size,
            bits=self.bits,
            mode=self.mode,
        )

    @classmethod
    def from_quantized_linear(
        cls,
        quantized_linear_layer: Module,
        *,
        segments: Union[int, list] = 1,
        group: Optional[mx.distributed.Group] = None,
    ):
        """A sharded copy of ``quantized_linear_layer`` (an ``nn.QuantizedLinear``) for
        this process; ``segments`` as for ``from_linear``."""
        group = group or mx.distributed.init()
        layer = quantized_linear_layer
        output_dims, packed = layer.weight.shape
        input_dims = packed * 32 // layer.bits
        out = cls(
            input_dims,
            output_dims,
            "bias" in layer,
            group_size=layer.group_size,
            bits=layer.bits,
            mode=layer.mode,
            group=group,
        )
        out.update(_shard(layer.parameters(), _sharding_rule(cls._sharding, segments), group))
        return out


class QuantizedAllToShardedLinear(_QuantizedShardedBase):
    """The quantized form of :class:`AllToShardedLinear`: each process holds the
    quantized rows of its slice of the output features. Its parameters are frozen, as
    those of ``nn.QuantizedLinear``.

    Args:
        input_dims (int): The number of input features.
        output_dims (int): The number of output features of the whole layer.
        bias (bool, optional): Whether to add a bias. Default: ``True``.
        group_size (int, optional): Quantization group size. Default: ``64``.
        bits (int, optional): Bits per weight. Default: ``4``.
        mode (str, optional): Quantization mode (see ``mx.quantize``). Default:
            ``"affine"``.
        group (mx.distributed.Group, optional): The group to shard over. Default:
            ``None`` (the global group).
    """

    _sharding = "all-to-sharded"

    def __call__(self, x: mx.array) -> mx.array:
        x = self._matmul(sum_gradients(self.group)(x))
        if "bias" in self:
            x = x + self["bias"]
        return x


class QuantizedShardedToAllLinear(_QuantizedShardedBase):
    """The quantized form of :class:`ShardedToAllLinear`: each process holds the
    quantized columns of its slice of the input features and the partial products are
    summed over the group. Its parameters are frozen, as those of
    ``nn.QuantizedLinear``. The arguments are those of
    :class:`QuantizedAllToShardedLinear`, except that ``input_dims`` (the whole layer's)
    is the one divided among the processes.
    """

    _sharding = "sharded-to-all"

    def __call__(self, x: mx.array) -> mx.array:
        x = mx.distributed.all_sum(self._matmul(x), group=self.group)
        if "bias" in self:
            x = x + self["bias"]
        return x


def shard_linear(
    module: Module,
    sharding: str,
    *,
    segments: Union[int, list] = 1,
    group: Optional[mx.distributed.Group] = None,
):
    """A new sharded layer made from a ``Linear`` or ``QuantizedLinear`` (the original is
    left as it is).

    Args:
        module (mlx.nn.Module): The linear layer to shard.
        sharding (str): ``"all-to-sharded"`` (split the output features) or
            ``"sharded-to-all"`` (split the input features and sum the results).
        segments (int or list): The parts the sharded axis is made of (e.g. 3 for a fused
            QKV projection), or the indices it splits at. Default: ``1``.
        group (mlx.core.distributed.Group): The group to shard over. Default: ``None``
            (the global group).
    """
    _sharding_rule(sharding, segments)  # validates the name
    quantized = not isinstance(module, Linear)
    if sharding == "all-to-sharded":
        cls = QuantizedAllToShardedLinear if quantized else AllToShardedLinear
    else:
        cls = QuantizedShardedToAllLinear if quantized else ShardedToAllLinear
    make = cls.from_quantized_linear if quantized else cls.from_linear
    return make(module, segments=segments, group=group)


def shard_inplace(
    module: Module,
    sharding: Union[str, Callable],
    *,
    segments: Union[int, list] = 1,
    group: Optional[mx.distributed.Group] = None,
):
    """Replace ``module``'s parameters by this process's slices of them.

    The module's code is not changed: communication happens only where the module does it
    itself (for instance an MoE block that sums its experts' outputs).

    Args:
        module (mlx.nn.Module): The module whose parameters are sharded.
        sharding (str or callable): ``"all-to-sharded"`` (weights along their second to
            last axis, biases along their last), ``"sharded-to-all"`` (weights along
            their last axis, biases whole), or a callable ``(path, weight)`` returning the
            axis, ``(axis, segments)``, or ``None`` to leave the array whole.
        segments (int or list): The segments for a named ``sharding``. Default: ``1``.
        group (mlx.core.distributed.Group): The group to shard over. Default: ``None``
            (the global group).
    """
    group = group or mx.distributed.init()
    module.update(_shard(module.parameters(), _sharding_rule(sharding, segments), group))


@lru_cache
def _gather_parameters(group: mx.distributed.Group) -> Callable:
    """``all_gather`` along axis 0 whose gradient is summed and scattered back to the
    shards (``sum_scatter``): every process's cotangent reaches every shard."""

    @mx.custom_function
    def gather(p):
        return mx.distributed.all_gather(p, group=group)

    @gather.vjp
    def gather_vjp(p, cotangent, _):
        return mx.distributed.sum_scatter(cotangent, group=group)

    return gather


class FullyShardedModule(Module):
    """Wraps ``module`` so that each process keeps only a slice of its parameters.

    Every parameter (of one or more dimensions) is split along axis 0 into
    ``group.size()`` blocks and the module keeps this process's block. A call gathers
    the whole parameters (``all_gather``), runs the module and puts the slices back; in
    the backward pass the gradients are summed over the group and scattered to the
    slices, so each process stores and updates only its own.

    Args:
        module (mlx.nn.Module): The module to shard (its parameters are replaced).
        group (mlx.core.distributed.Group, optional): The group to shard over.
            Default: ``None`` (the global group).
        compute_dtype (mlx.core.Dtype, optional): The dtype the gathered parameters are
            cast to for the call. Default: ``None`` (their own).
    """

    def __init__(
        self,
        module: Module,
        group: Optional[mx.distributed.Group] = None,
        compute_dtype: Optional[mx.Dtype] = None,
    ):
        super().__init__()
        self.group = group or mx.distributed.init()
        self.compute_dtype = compute_dtype
        n, r = self.group.size(), self.group.rank()
        sharded = []
        for key, p in tree_flatten(module.parameters()):
            if not isinstance(p, mx.array) or p.ndim == 0:
                continue
            if p.shape[0] % n != 0:
                raise ValueError(
                    f"Cannot shard parameter '{key}' with shape {tuple(p.shape)} across {n} "
                    f"devices: axis 0 must be divisible by {n}."
                )
            sharded.append((key, mx.contiguous(mx.split(p, n, axis=0)[r]) if n > 1 else p))
        module.update(tree_unflatten(sharded))
        self._sharded_keys = {k for k, _ in sharded}
        self.module = module

    def _extra_repr(self) -> str:
        return f"num_sharded_params={len(self._sharded_keys)}"

    def _gathered_call(self, fn, *args, **kwargs):
        """Calls ``fn`` with the module's whole parameters in place of its slices."""
        shards = self.module.parameters()
        gather = _gather_parameters(self.group)

        def whole(path, p):
            if path not in self._sharded_keys:
                return p
            p = gather(p)
            return p if self.compute_dtype is None else p.astype(self.compute_dtype)

        self.module.update(tree_map_with_path(whole, shards))
        try:
            return fn(*args, **kwargs)
        finally:
            self.module.update(shards)

    def __call__(self, *args, **kwargs):
        return self._gathered_call(self.module, *args, **kwargs)

    def as_linear(self, *args, **kwargs):
        """The wrapped module's ``as_linear`` (e.g. a tied embedding) with the whole
        parameters."""
        return self._gathered_call(self.module.as_linear, *args, **kwargs)


def fully_shard(
    module: Module,
    *,
    group: Optional[mx.distributed.Group] = None,
    compute_dtype: Optional[mx.Dtype] = None,
) -> Module:
    """Wrap ``module`` in a :class:`FullyShardedModule`; with a group of one process
    there is nothing to shard and ``module`` itself is returned.

    Args:
        module (mlx.nn.Module): The module to wrap.
        group (mlx.core.distributed.Group, optional): The group to shard over.
            Default: ``None`` (the global group).
        compute_dtype (mlx.core.Dtype, optional): The dtype of the gathered parameters
            during a call. Default: ``None``.
    """
    group = group or mx.distributed.init()
    if group.size() == 1:
        return module
    return FullyShardedModule(module, group=group, compute_dtype=compute_dtype)
