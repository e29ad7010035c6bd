"""Attention and the encoder-decoder Transformer.

Parameter keys follow the reference (``layers.0.attention.query_proj.weight``,
``ln1``, ``linear1``, ...), so weights saved by MLX programs load unchanged.
"""

import math
from typing import Any, Callable, Optional

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.nn.layers.linear import Linear
from mlx.nn.utils import checkpoint

__all__ = [
    "MultiHeadAttention",
    "TransformerEncoderLayer",
    "TransformerEncoder",
    "TransformerDecoderLayer",
    "TransformerDecoder",
    "Transformer",
]


def _relu(x: mx.array) -> mx.array:
    """``max(x, 0)``: the default feed-forward activation."""
    return mx.maximum(x, 0)


def _layer_norm(dims: int):
    # Imported when a layer is built so this module does not depend on the import order
    # of the layers package.
    from mlx.nn.layers.normalization import LayerNorm

    return LayerNorm(dims)


def _dropout(p: float):
    from mlx.nn.layers.dropout import Dropout

    return Dropout(p)


class MultiHeadAttention(Module):
    """Scaled dot-product attention over ``num_heads`` heads with learned projections.

    ``queries`` ``(B, L, query_input_dims)``, ``keys`` ``(B, S, key_input_dims)`` and
    ``values`` ``(B, S, value_input_dims)`` are projected to ``dims``, ``dims`` and
    ``value_dims`` features, attended per head (with an optional additive or boolean
    ``mask`` broadcastable to ``(B, num_heads, L, S)``) and projected to
    ``value_output_dims``. Unset sizes default to ``dims`` (``value_input_dims`` to
    ``key_input_dims``).
    """

    def __init__(
        self,
        dims: int,
        num_heads: int,
        query_input_dims: Optional[int] = None,
        key_input_dims: Optional[int] = None,
        value_input_dims: Optional[int] = None,
        value_dims: Optional[int] = None,
        value_output_dims: Optional[int] = None,
        bias: bool = False,
    ):
        super().__init__()
        if dims % num_heads != 0:
            raise ValueError(
                "The input feature dimensions should be divisible by the "
                f"number of heads ({dims} % {num_heads}) != 0"
            )
        query_input_dims = query_input_dims or dims
        key_input_dims = key_input_dims or dims
        value_input_dims = value_input_dims or key_input_dims
        value_dims = value_dims or dims
        value_output_dims = value_output_dims or dims

        self.num_heads = num_heads
        self.query_proj = Linear(query_input_dims, dims, bias=bias)
        self.key_proj = Linear(key_input_dims, dims, bias=bias)
        self.value_proj = Linear(value_input_dims, value_dims, bias=bias)
        self.out_proj = Linear(value_dims, value_output_dims, bias=bias)

    def __call__(self, queries, keys, values, mask=None):
        queries = self.query_proj(queries)
        keys = self.key_proj(keys)
        values = self.value_proj(values)

        heads = self.num_heads

        def split(x):
            # (B, L, heads * d) -> (B, heads, L, d)
            return mx.unflatten(x, -1, (heads, -1)).transpose(0, 2, 1, 3)

        queries, keys, values = split(queries), split(keys), split(values)
        scale = 1.0 / math.sqrt(queries.shape[-1])
        out = mx.fast.scaled_dot_product_attention(
            queries, keys, values, scale=scale, mask=mask
        )
        out = out.transpose(0, 2, 1, 3)
        return self.out_proj(out.reshape(*out.shape[:-2], -1))

    @staticmethod
    def create_additive_causal_mask(N: int, dtype: mx.Dtype = mx.float32):
        """An ``(N, N)`` mask with 0 on and below the diagonal and the dtype's lowest
        finite value above it, to add to attention scores."""
        positions = mx.arange(N)
        above = positions[:, None] < positions[None]
        return above.astype(dtype) * mx.finfo(dtype).min


class _Block(Module):
    """What the encoder and decoder layers share: the feed-forward part and the
    pre-/post-norm residual step."""

    def _feed_forward_init(self, dims, mlp_dims, activation, norm_first):
        mlp_dims = mlp_dims or dims * 4
        self.linear1 = Linear(dims, mlp_dims)
        self.linear2 = Linear(mlp_dims, dims)
        self.activation = activation
        self.norm_first = norm_first

    def _residual(self, x, norm, sublayer, dropout):
        """``x + dropout(sublayer(norm(x)))`` with ``norm_first``, else
        ``norm(x + dropout(sublayer(x)))``."""
        if self.norm_first:
            return x + dropout(sublayer(norm(x)))
        return norm(x + dropout(sublayer(x)))

    def _mlp(self, dropout):
        def mlp(y):
            return self.linear2(dropout(self.activation(self.linear1(y))))

        return mlp


class TransformerEncoderLayer(_Block):
    """Self-attention then a feed-forward network (``mlp_dims`` wide, ``4 * dims`` by
    default), each in a residual branch with layer norm before (``norm_first``) or
    after it."""

    def __init__(
        self,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = _relu,
        norm_first: bool = True,
    ):
        super().__init__()
        self.attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = _layer_norm(dims)
        self.ln2 = _layer_norm(dims)
        self._feed_forward_init(dims, mlp_dims, activation, norm_first)
        self.dropout1 = _dropout(dropout)
        self.dropout2 = _dropout(dropout)

    def __call__(self, x, mask):
        x = self._residual(x, self.ln1, lambda y: self.attention(y, y, y, mask), self.dropout1)
        # The second dropout sits inside the feed-forward network, after the activation.
        return self._residual(x, self.ln2, self._mlp(self.dropout2), lambda y: y)


class TransformerDecoderLayer(_Block):
    """Self-attention, attention over the encoder's ``memory``, then a feed-forward
    network, each in a residual branch with layer norm before (``norm_first``) or
    after it."""

    def __init__(
        self,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = _relu,
        norm_first: bool = True,
    ):
        super().__init__()
        self.self_attention = MultiHeadAttention(dims, num_heads)
        self.cross_attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = _layer_norm(dims)
        self.ln2 = _layer_norm(dims)
        self.ln3 = _layer_norm(dims)
        self._feed_forward_init(dims, mlp_dims, activation, norm_first)
        self.dropout1 = _dropout(dropout)
        self.dropout2 = _dropout(dropout)
        self.dropout3 = _dropout(dropout)

    def __call__(self, x, memory, x_mask, memory_mask):
        x = self._residual(
            x, self.ln1, lambda y: self.self_attention(y, y, y, x_mask), self.dropout1
        )
        x = self._residual(
            x,
            self.ln2,
            lambda y: self.cross_attention(y, memory, memory, memory_mask),
            self.dropout2,
        )
        return self._residual(x, self.ln3, self._mlp(self.dropout3), lambda y: y)


class _Stack(Module):
    """``num_layers`` layers applied in turn, then a final layer norm."""

    def __init__(self, layer_cls, num_layers, dims, num_heads, mlp_dims, dropout,
                 activation, norm_first, checkpoint):
        super().__init__()
        self.layers = [
            layer_cls(dims, num_heads, mlp_dims, dropout, activation, norm_first)
            for _ in range(num_layers)
        ]
        self.ln = _layer_norm(dims)
        self.checkpoint = checkpoint

    def _run(self, x, *rest):
        for layer in self.layers:
            call = checkpoint(layer) if self.checkpoint else layer
            x = call(x, *rest)
        return self.ln(x)


class TransformerEncoder(_Stack):
    """A stack of :class:`TransformerEncoderLayer` followed by a layer norm.
    ``checkpoint=True`` recomputes each layer in the backward pass to save memory."""

    def __init__(
        self,
        num_layers: int,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation=_relu,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__(TransformerEncoderLayer, num_layers, dims, num_heads, mlp_dims,
                         dropout, activation, norm_first, checkpoint)

    def __call__(self, x, mask):
        return self._run(x, mask)


class TransformerDecoder(_Stack):
    """A stack of :class:`TransformerDecoderLayer` followed by a layer norm.
    ``checkpoint=True`` recomputes each layer in the backward pass to save memory."""

    def __init__(
        self,
        num_layers: int,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation=_relu,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__(TransformerDecoderLayer, num_layers, dims, num_heads, mlp_dims,
                         dropout, activation, norm_first, checkpoint)

    def __call__(self, x, memory, x_mask, memory_mask):
        return self._run(x, memory, x_mask, memory_mask)


class Transformer(Module):
    """Encoder-decoder Transformer: ``decoder(tgt, encoder(src, src_mask), tgt_mask,
    memory_mask)``. ``custom_encoder``/``custom_decoder`` replace the default stacks."""

    def __init__(
        self,
        dims: int = 512,
        num_heads: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = _relu,
        custom_encoder: Optional[Any] = None,
        custom_decoder: Optional[Any] = None,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__()
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            num_encoder_layers, dims, num_heads, mlp_dims, dropout, activation,
            norm_first, checkpoint,
        )
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            num_decoder_layers, dims, num_heads, mlp_dims, dropout, activation,
            norm_first, checkpoint,
        )

    def __call__(self, src, tgt, src_mask, tgt_mask, memory_mask):
        memory = self.encoder(src, src_mask)
        return self.decoder(tgt, memory, tgt_mask, memory_mask)
