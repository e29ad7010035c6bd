"""Convolution layers over channels-last inputs: Conv1d (NLC), Conv2d (NHWC), Conv3d (NDHWC)."""

import math
from typing import Union

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d"]


def _ntuple(value, n):
    """``value`` as an ``n``-tuple (an int is repeated)."""
    return (value,) * n if isinstance(value, int) else tuple(value)


def _init_weight(shape, fan_in):
    """Uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``."""
    scale = math.sqrt(1.0 / fan_in)
    return mx.random.uniform(low=-scale, high=scale, shape=shape)


def _check_groups(in_channels, groups):
    if in_channels % groups != 0:
        raise ValueError(
            f"The number of input channels ({in_channels}) must be divisible by "
            f"the number of groups ({groups})"
        )


class _ConvNd(Module):
    """Shared set-up of the convolution layers: weight ``(out, *kernel, in/groups)``
    uniform with fan-in ``in/groups * prod(kernel)``, bias zeros."""

    def _setup(self, in_channels, out_channels, kernel_size, groups, bias):
        _check_groups(in_channels, groups)
        fan_in = (in_channels // groups) * math.prod(kernel_size)
        self.weight = _init_weight(
            (out_channels, *kernel_size, in_channels // groups), fan_in
        )
        if bias:
            self.bias = mx.zeros((out_channels,))

    def _add_bias(self, y):
        return y + self["bias"] if "bias" in self else y

    def _extra_repr(self):
        out_c, *k, in_c = self.weight.shape
        groups = getattr(self, "groups", 1)
        kernel = k[0] if len(k) == 1 else tuple(k)
        text = (
            f"{in_c * groups}, {out_c}, kernel_size={kernel}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
        )
        # Conv3d takes no groups argument and its repr shows none.
        if hasattr(self, "groups"):
            text += f"groups={groups}, "
        return text + f"bias={'bias' in self}"


class Conv1d(_ConvNd):
    """1-d convolution over ``(N, L, C_in)`` inputs; ``weight`` has shape
    ``(out_channels, kernel_size, in_channels // groups)``."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
    ):
        super().__init__()
        self._setup(in_channels, out_channels, (kernel_size,), groups, bias)
        self.padding = padding
        self.dilation = dilation
        self.stride = stride
        self.groups = groups

    def __call__(self, x):
        y = mx.conv1d(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        return self._add_bias(y)


class Conv2d(_ConvNd):
    """2-d convolution over ``(N, H, W, C_in)`` inputs; ``weight`` has shape
    ``(out_channels, kH, kW, in_channels // groups)``."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        groups: int = 1,
        bias: bool = True,
    ):
        super().__init__()
        kernel_size, stride, padding = (_ntuple(v, 2) for v in (kernel_size, stride, padding))
        self._setup(in_channels, out_channels, kernel_size, groups, bias)
        self.padding = padding
        self.stride = stride
        self.dilation = dilation
        self.groups = groups

    def __call__(self, x):
        y = mx.conv2d(x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        return self._add_bias(y)


class Conv3d(_ConvNd):
    """3-d convolution over ``(N, D, H, W, C_in)`` inputs; ``weight`` has shape
    ``(out_channels, kD, kH, kW, in_channels)``."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        bias: bool = True,
    ):
        super().__init__()
        kernel_size, stride, padding = (_ntuple(v, 3) for v in (kernel_size, stride, padding))
        self._setup(in_channels, out_channels, kernel_size, 1, bias)
        self.padding = padding
        self.stride = stride
        self.dilation = dilation

    def __call__(self, x):
        y = mx.conv3d(x, self.weight, self.stride, self.padding, self.dilation)
        return self._add_bias(y)
