"""Positional encodings: RoPE, SinusoidalPositionalEncoding, ALiBi."""

import math
from typing import Optional

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["RoPE", "SinusoidalPositionalEncoding", "ALiBi"]


class RoPE(Module):
    """Rotary positional encoding of the first ``dims`` features of ``(..., L, D)``
    inputs (``mx.fast.rope``); ``traditional`` rotates adjacent pairs instead of the
    two halves; position ``i`` is rotated by ``(offset + i) * scale * base**(-2k/dims)``."""

    def __init__(
        self, dims: int, traditional: bool = False, base: float = 10000, scale: float = 1.0
    ):
        super().__init__()
        self.dims = dims
        self.traditional = traditional
        self.base = base
        self.scale = scale

    def _extra_repr(self):
        return f"{self.dims}, traditional={self.traditional}"

    def __call__(self, x, offset: int = 0):
        return mx.fast.rope(
            x, self.dims, traditional=self.traditional, base=self.base, scale=self.scale,
            offset=offset,
        )


class SinusoidalPositionalEncoding(Module):
    """Maps positions ``x`` (any shape) to ``(*x.shape, dims)`` features
    ``[sin(x * f), cos(x * f)] * scale`` (cosines first with ``cos_first``), with
    ``dims // 2`` frequencies ``f`` log-spaced from ``max_freq`` down to ``min_freq``
    (times ``2 pi`` with ``full_turns``); ``scale`` defaults to ``sqrt(2 / dims)``."""

    def __init__(
        self,
        dims: int,
        min_freq: float = 0.0001,
        max_freq: float = 1,
        scale: Optional[float] = None,
        cos_first: bool = False,
        full_turns: bool = False,
    ):
        super().__init__()
        if dims <= 0 or dims % 2 != 0:
            raise ValueError(
                f"[SinusoidalPositionalEncoding] dims must be positive and even but got {dims}."
            )
        half = dims // 2
        fraction = 1 - mx.arange(half, dtype=mx.float32) / max(half - 1, 1)
        low, high = math.log(min_freq), math.log(max_freq)
        self._sigmas = mx.exp(fraction * (high - low) + low)
        if full_turns:
            self._sigmas = self._sigmas * (2 * math.pi)
        self.scale = scale if scale is not None else math.sqrt(2 / dims)
        self.cos_first = cos_first

    def __call__(self, x):
        y = x[..., None] * self._sigmas
        parts = [mx.cos(y), mx.sin(y)] if self.cos_first else [mx.sin(y), mx.cos(y)]
        y = mx.concatenate(parts, axis=-1)
        if self.scale != 1:
            y = y * self.scale
        return y


class ALiBi(Module):
    """Attention with linear biases: adds ``-|i - j| * slope[h]`` to attention scores of
    shape ``(B, H, L_q, L_k)`` (query positions start at ``offset``), plus ``mask``."""

    @staticmethod
    def create_alibi_slope(num_heads: int, dtype: mx.Dtype = mx.float32) -> mx.array:
        """The per-head slopes ``(num_heads, 1, 1)``: a geometric sequence from
        ``2**(-8/n)`` for the largest power of two ``n <= num_heads``, and the odd terms
        of the sequence for ``2n`` heads for the rest."""
        n = 2 ** math.floor(math.log2(num_heads))
        base = (2.0**8) ** (1.0 / n)
        slopes = [base ** -(i + 1) for i in range(n)]
        if num_heads > n:
            base2 = (2.0**8) ** (1.0 / (2 * n))
            extra = [base2 ** -(i + 1) for i in range(2 * n)][0::2]
            slopes += extra[: num_heads - n]
        return mx.array(slopes, dtype=mx.float32).reshape(num_heads, 1, 1).astype(dtype)

    @staticmethod
    def create_alibi_matrix(
        q_sequence_length: int,
        k_sequence_length: int,
        num_heads: int,
        offset: int = 0,
        dtype: mx.Dtype = mx.float32,
    ) -> mx.array:
        """The biases ``(1, num_heads, q_sequence_length - offset, k_sequence_length)``
        for query positions ``offset .. q_sequence_length - 1``."""
        q = mx.arange(offset, q_sequence_length)[:, None]
        k = mx.arange(k_sequence_length)[None, :]
        distance = mx.abs(q - k).astype(mx.float32)
        slopes = ALiBi.create_alibi_slope(num_heads, mx.float32)
        return (-distance[None] * slopes)[None].astype(dtype)

    def __call__(
        self, attention_scores: mx.array, offset: int = 0, mask: Optional[mx.array] = None
    ) -> mx.array:
        bias = ALiBi.create_alibi_matrix(
            q_sequence_length=attention_scores.shape[-2] + offset,
            k_sequence_length=attention_scores.shape[-1],
            num_heads=attention_scores.shape[1],
            offset=offset,
            dtype=attention_scores.dtype,
        )
        if mask is not None:
            bias = bias + mask
        return attention_scores + bias
