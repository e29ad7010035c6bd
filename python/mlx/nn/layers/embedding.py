"""Embedding: a lookup table of vectors."""

import math
from typing import Optional

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """Maps integer indices to rows of ``weight`` (``num_embeddings x dims``),
    initialised normal with standard deviation ``1/sqrt(dims)``."""

    def __init__(self, num_embeddings: int, dims: int):
        super().__init__()
        scale = math.sqrt(1.0 / dims)
        self.weight = mx.random.normal(shape=(num_embeddings, dims), scale=scale)

    def _extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, {self.weight.shape[1]}"

    def __call__(self, x):
        return self.weight[x]

    def as_linear(self, x):
        """Use the table as the weight of a linear layer (tied output projection)."""
        return x @ self.weight.T

    def to_quantized(
        self,
        group_size: Optional[int] = None,
        bits: Optional[int] = None,
        mode: str = "affine",
        quantize_input: bool = False,
    ):
        """A ``QuantizedEmbedding`` copy of this layer."""
        if quantize_input:
            raise ValueError("Quantized input is not supported.")
        from mlx.nn.layers.quantized import QuantizedEmbedding

        return QuantizedEmbedding.from_embedding(self, group_size, bits, mode)
