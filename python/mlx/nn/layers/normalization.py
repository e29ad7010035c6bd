"""Normalization layers: LayerNorm, RMSNorm, GroupNorm, InstanceNorm, BatchNorm.

All take channels-last inputs (features on the last axis).
"""

from typing import Tuple

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm", "InstanceNorm", "BatchNorm"]


def _upcast(x):
    """``x`` in float32 when it is float16/bfloat16 (statistics are accumulated there)."""
    return x.astype(mx.float32) if x.dtype in (mx.float16, mx.bfloat16) else x


def _normalize(x, axes, eps):
    """``(x - mean) / sqrt(var + eps)`` with the (biased) statistics over ``axes``,
    computed in float32 for half-precision inputs; the result has ``x``'s dtype when
    that is floating point, float32 otherwise."""
    xf = _upcast(x)
    mean = mx.mean(xf, axis=axes, keepdims=True)
    var = mx.var(xf, axis=axes, keepdims=True)
    return _cast_like((xf - mean) * mx.rsqrt(var + eps), x)


def _cast_like(y, x):
    """``y`` in ``x``'s dtype when that is floating point (else as it is, float32)."""
    return y.astype(x.dtype) if mx.issubdtype(x.dtype, mx.floating) else y


class LayerNorm(Module):
    """Normalizes over the last axis, then ``* weight + bias`` (ones and zeros at
    start) when ``affine``; ``bias=False`` keeps only the weight."""

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = True, bias: bool = True):
        super().__init__()
        if affine:
            self.weight = mx.ones((dims,))
            if bias:
                self.bias = mx.zeros((dims,))
        self.eps = eps
        self.dims = dims

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x):
        return mx.fast.layer_norm(x, self.get("weight"), self.get("bias"), self.eps)


class RMSNorm(Module):
    """``x / sqrt(mean(x**2, last axis) + eps) * weight`` (weight starts at ones)."""

    def __init__(self, dims: int, eps: float = 1e-5):
        super().__init__()
        self.weight = mx.ones((dims,))
        self.eps = eps

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, eps={self.eps}"

    def __call__(self, x):
        return mx.fast.rms_norm(x, self["weight"], self.eps)


class GroupNorm(Module):
    """Normalizes over the spatial axes and the channels of each of ``num_groups``
    groups, per sample, then ``* weight + bias`` when ``affine``.

    Channel ``c`` belongs to group ``c % num_groups``; with ``pytorch_compatible=True``
    the groups are contiguous blocks of channels as in ``torch.nn.GroupNorm``.
    """

    def __init__(
        self,
        num_groups: int,
        dims: int,
        eps: float = 1e-5,
        affine: bool = True,
        pytorch_compatible: bool = False,
    ):
        super().__init__()
        if dims % num_groups != 0:
            raise ValueError(
                f"The number of features ({dims}) must be evenly divisible by the "
                f"number of groups ({num_groups})."
            )
        if affine:
            self.bias = mx.zeros((dims,))
            self.weight = mx.ones((dims,))
        self.num_groups = num_groups
        self.dims = dims
        self.eps = eps
        self.pytorch_compatible = pytorch_compatible

    def _extra_repr(self):
        return (
            f"{self.num_groups}, {self.dims}, eps={self.eps}, affine={'weight' in self}, "
            f"pytorch_compatible={self.pytorch_compatible}"
        )

    def __call__(self, x):
        batch, dims = x.shape[0], x.shape[-1]
        groups = self.num_groups
        if dims % groups != 0:
            raise ValueError(
                f"The number of features ({dims}) must be evenly divisible by the "
                f"number of groups ({groups})."
            )
        if self.pytorch_compatible:
            y = _normalize(x.reshape(batch, -1, groups, dims // groups), (1, 3), self.eps)
        else:
            y = _normalize(x.reshape(batch, -1, groups), (1,), self.eps)
        y = y.reshape(x.shape)
        if "weight" in self:
            y = self["weight"] * y + self["bias"]
        return y


class InstanceNorm(Module):
    """Normalizes each channel of each sample over the spatial axes of ``(N, ..., C)``
    inputs, then ``* weight + bias`` when ``affine`` (off by default)."""

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = False):
        super().__init__()
        if affine:
            self.weight = mx.ones((dims,))
            self.bias = mx.zeros((dims,))
        self.dims = dims
        self.eps = eps

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x: mx.array) -> mx.array:
        if x.ndim < 3:
            raise ValueError(
                "InstanceNorm expects inputs with at least 3 dimensions (N, ..., C) but "
                f"the input has {x.ndim} dimensions."
            )
        if not mx.issubdtype(x.dtype, mx.floating):
            raise ValueError(f"[InstanceNorm] Received unsupported type {x.dtype}.")
        y = _normalize(x, tuple(range(1, x.ndim - 1)), self.eps)
        if "weight" in self:
            y = self["weight"] * y + self["bias"]
        return y


class BatchNorm(Module):
    """Normalizes each feature (last axis) with statistics over all other axes of
    ``(N, C)``, ``(N, L, C)`` or ``(N, H, W, C)`` inputs.

    In training (or with ``track_running_stats=False``) the batch statistics are used
    and ``running_mean``/``running_var`` (kept frozen, out of the gradients) move
    towards them by ``momentum`` (the variance unbiased); in evaluation the running
    statistics are used.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = mx.ones((num_features,))
            self.bias = mx.zeros((num_features,))
        if track_running_stats:
            self.running_mean = mx.zeros((num_features,))
            self.running_var = mx.ones((num_features,))
            self.freeze(keys=["running_mean", "running_var"], recurse=False)

    def unfreeze(self, *args, **kwargs):
        """Like :meth:`Module.unfreeze`, but the running statistics stay frozen."""
        super().unfreeze(*args, **kwargs)
        if self.track_running_stats:
            self.freeze(keys=["running_mean", "running_var"], recurse=False)
        return self

    def _extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={'weight' in self}, track_running_stats={self.track_running_stats}"
        )

    def _batch_stats(self, x: mx.array) -> Tuple[mx.array, mx.array]:
        axes = tuple(range(x.ndim - 1))
        return mx.mean(x, axis=axes), mx.var(x, axis=axes)

    def __call__(self, x: mx.array) -> mx.array:
        if x.ndim < 2 or x.ndim > 4:
            raise ValueError(
                f"Expected input tensor to have 2, 3 or 4 dimensions, but got {x.ndim}"
            )
        n = x.size // x.shape[-1]
        if self.training and n == 1:
            raise ValueError("BatchNorm training requires more than one value per channel.")
        if self.training or not self.track_running_stats:
            mean, var = self._batch_stats(_upcast(x))
            if self.training and self.track_running_stats:
                m = self.momentum
                unbiased = mx.stop_gradient(var) * (n / (n - 1))
                self.running_mean = (1 - m) * self.running_mean + m * mx.stop_gradient(mean)
                self.running_var = (1 - m) * self.running_var + m * unbiased
            y = _cast_like((_upcast(x) - mean) * mx.rsqrt(var + self.eps), x)
        else:
            y = (x - self.running_mean) * mx.rsqrt(self.running_var + self.eps)
        if "weight" in self:
            y = self["weight"] * y + self["bias"]
        return y
