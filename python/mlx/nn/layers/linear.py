"""Affine layers: Identity, Linear, Bilinear."""

import math
from typing import Any, Optional

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def __call__(self, x: mx.array) -> mx.array:
        return x


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(output_dims, input_dims)``.

    Weight and bias start uniform in ``[-1/sqrt(input_dims), 1/sqrt(input_dims)]``.
    """

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(low=-scale, high=scale, shape=(output_dims, input_dims))
        if bias:
            self.bias = mx.random.uniform(low=-scale, high=scale, shape=(output_dims,))

    def _extra_repr(self) -> str:
        out_dims, in_dims = self.weight.shape
        return f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}"

    def __call__(self, x: mx.array) -> mx.array:
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T

    def to_quantized(
        self,
        group_size: Optional[int] = None,
        bits: Optional[int] = None,
        mode: str = "affine",
        quantize_input: bool = False,
    ):
        """A quantized copy of this layer (``QuantizedLinear``, or ``QQLinear`` when the
        input is quantized too)."""
        if quantize_input:
            if mode not in ("nvfp4", "mxfp8"):
                raise ValueError(
                    "Quantized activations are only supported for 'nvfp4' and 'mxfp8' "
                    f"modes, got {mode}."
                )
            from mlx.nn.layers.quantized import QQLinear

            return QQLinear.from_linear(self, group_size, bits, mode)
        from mlx.nn.layers.quantized import QuantizedLinear

        return QuantizedLinear.from_linear(self, group_size, bits, mode)


class Bilinear(Module):
    """``y[o] = x1 @ weight[o].T @ x2 + bias[o]`` with ``weight`` of shape
    ``(output_dims, input2_dims, input1_dims)``; initialised uniform in
    ``[-1/sqrt(input1_dims), 1/sqrt(input1_dims)]``."""

    def __init__(self, input1_dims: int, input2_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        scale = math.sqrt(1.0 / input1_dims)
        self.weight = mx.random.uniform(
            low=-scale, high=scale, shape=(output_dims, input2_dims, input1_dims)
        )
        if bias:
            self.bias = mx.random.uniform(low=-scale, high=scale, shape=(output_dims,))

    def _extra_repr(self) -> str:
        out_dims, in2, in1 = self.weight.shape
        return (
            f"input1_dims={in1}, input2_dims={in2}, output_dims={out_dims}, "
            f"bias={'bias' in self}"
        )

    def __call__(self, x1: mx.array, x2: mx.array) -> mx.array:
        out_dims, in2, in1 = self.weight.shape
        batch_shape = x1.shape[:-1]
        # (N, in1) @ (in1, out*in2) -> (N, out, in2), then contract with x2 over in2.
        mixed = x1.reshape(-1, in1) @ self.weight.reshape(out_dims * in2, in1).T
        mixed = mixed.reshape(-1, out_dims, in2)
        y = (mixed @ x2.reshape(-1, in2, 1)).squeeze(-1)
        if "bias" in self:
            y = y + self.bias
        return y.reshape(*batch_shape, out_dims)
