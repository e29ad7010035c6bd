"""Transposed convolution layers over channels-last inputs: ConvTranspose1d/2d/3d."""

import math
from typing import Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.nn.layers.convolution import _init_weight, _ntuple

__all__ = ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


class _ConvTransposeNd(Module):
    """Shared parts: weight ``(out, *kernel, in)`` uniform with fan-in
    ``in * prod(kernel)``, bias zeros, and the repr."""

    _ndim = 0
    _op = None

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 output_padding, bias):
        super().__init__()
        n = self._ndim
        tup = (lambda v: v) if n == 1 else (lambda v: _ntuple(v, n))
        kernel = (kernel_size,) if n == 1 else _ntuple(kernel_size, n)
        self.weight = _init_weight(
            (out_channels, *kernel, in_channels), in_channels * math.prod(kernel)
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        self.padding = tup(padding)
        self.dilation = dilation
        self.stride = tup(stride)
        self.output_padding = tup(output_padding)

    def _extra_repr(self):
        out_c, *k, in_c = self.weight.shape
        k = k[0] if self._ndim == 1 else tuple(k)
        return (
            f"{in_c}, {out_c}, kernel_size={k}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, "
            f"output_padding={self.output_padding}, bias={'bias' in self}"
        )

    def __call__(self, x):
        y = type(self)._op(
            x, self.weight, self.stride, self.padding, self.dilation, self.output_padding
        )
        return y + self["bias"] if "bias" in self else y


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution over ``(N, L, C_in)`` inputs; ``weight`` has shape
    ``(out_channels, kernel_size, in_channels)``."""

    _ndim = 1
    _op = staticmethod(mx.conv_transpose1d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        output_padding: int = 0,
        bias: bool = True,
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding, bias)


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution over ``(N, H, W, C_in)`` inputs; ``weight`` has shape
    ``(out_channels, kH, kW, in_channels)``."""

    _ndim = 2
    _op = staticmethod(mx.conv_transpose2d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        output_padding: Union[int, tuple] = 0,
        bias: bool = True,
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding, bias)


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution over ``(N, D, H, W, C_in)`` inputs; ``weight`` has
    shape ``(out_channels, kD, kH, kW, in_channels)``."""

    _ndim = 3
    _op = staticmethod(mx.conv_transpose3d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Union[int, tuple],
        stride: Union[int, tuple] = 1,
        padding: Union[int, tuple] = 0,
        dilation: Union[int, tuple] = 1,
        output_padding: Union[int, tuple] = 0,
        bias: bool = True,
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding, bias)
