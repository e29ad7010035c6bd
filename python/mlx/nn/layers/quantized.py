"""Quantized layers and ``nn.quantize``.

Weights are stored packed as ``mx.quantize`` makes them (``weight``, ``scales`` and, in
``"affine"`` mode, ``biases``). Defaults per mode: ``affine`` 64-element groups of 4
bits, ``mxfp4`` 32 x 4, ``mxfp8`` 32 x 8, ``nvfp4`` 16 x 4.
"""

import math
from typing import Callable, Optional, Union

import mlx.core as mx
from mlx.nn.layers.base import Module
from mlx.utils import tree_map_with_path

__all__ = ["QuantizedLinear", "QuantizedEmbedding", "QQLinear", "quantize"]

_MODE_DEFAULTS = {"affine": (64, 4), "mxfp4": (32, 4), "nvfp4": (16, 4), "mxfp8": (32, 8)}


def _resolve(group_size: Optional[int], bits: Optional[int], mode: str):
    """``(group_size, bits)`` with the mode's defaults filled in."""
    if mode not in _MODE_DEFAULTS:
        raise ValueError(
            f"Invalid quantization mode '{mode}'. Valid modes are: "
            f"{', '.join(_MODE_DEFAULTS)}."
        )
    default_group, default_bits = _MODE_DEFAULTS[mode]
    return group_size or default_group, bits or default_bits


class _Packed(Module):
    """A module holding one packed matrix (``weight``, ``scales``, ``biases``)."""

    def _setup(self, group_size, bits, mode):
        self.group_size, self.bits = _resolve(group_size, bits, mode)
        self.mode = mode

    def _pack(self, weight: mx.array):
        packed = mx.quantize(weight, self.group_size, self.bits, mode=self.mode)
        self.weight, self.scales = packed[0], packed[1]
        # Non-affine modes have no biases; the attribute stays, as None.
        self.biases = packed[2] if self.mode == "affine" else None

    def _quant_args(self):
        return dict(group_size=self.group_size, bits=self.bits, mode=self.mode)

    def _matmul(self, x: mx.array) -> mx.array:
        """``x @ dequantize(weight).T``."""
        return mx.quantized_matmul(
            x,
            self["weight"],
            scales=self["scales"],
            biases=self.get("biases"),
            transpose=True,
            **self._quant_args(),
        )

    def _unpacked_dims(self) -> int:
        return self.weight.shape[1] * 32 // self.bits

    @classmethod
    def _blank(cls, group_size, bits, mode):
        """An instance without the constructor's random initialisation."""
        obj = cls.__new__(cls)
        Module.__init__(obj)
        obj._setup(group_size, bits, mode)
        return obj

    @classmethod
    def _from_weight(cls, weight: mx.array, group_size, bits, mode):
        """An instance holding ``weight`` packed."""
        obj = cls._blank(group_size, bits, mode)
        obj._pack(weight)
        return obj


class QuantizedLinear(_Packed):
    """``Linear`` with a quantized weight: ``y = x @ dequantize(weight).T + bias``.

    Built frozen (the packed weight is not trainable; ``unfreeze`` makes everything
    trainable again). :meth:`from_linear` quantizes an existing ``Linear``.
    """

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        bias: bool = True,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ):
        super().__init__()
        self._setup(group_size, bits, mode)
        scale = math.sqrt(1 / input_dims)
        self._pack(mx.random.uniform(low=-scale, high=scale, shape=(output_dims, input_dims)))
        if bias:
            self.bias = mx.zeros((output_dims,))
        self.freeze()

    def _extra_repr(self) -> str:
        return (
            f"input_dims={self._unpacked_dims()}, output_dims={self.weight.shape[0]}, "
            f"bias={'bias' in self}, group_size={self.group_size}, bits={self.bits}, "
            f"mode={self.mode}"
        )

    def __call__(self, x: mx.array) -> mx.array:
        y = self._matmul(x)
        if "bias" in self:
            y = y + self["bias"]
        return y

    @classmethod
    def from_linear(
        cls,
        linear_layer: Module,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ) -> "QuantizedLinear":
        """A ``QuantizedLinear`` with ``linear_layer``'s weight quantized and its bias
        (shared, and trainable) kept."""
        ql = cls._from_weight(linear_layer.weight, group_size, bits, mode)
        ql.freeze()
        if "bias" in linear_layer:
            ql.bias = linear_layer.bias
        return ql


class QuantizedEmbedding(_Packed):
    """``Embedding`` with a quantized table: rows are dequantized on lookup.

    Built frozen. :meth:`as_linear` multiplies by the table's transpose (tied output
    projection); :meth:`from_embedding` quantizes an existing ``Embedding``.
    """

    def __init__(
        self,
        num_embeddings: int,
        dims: int,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ):
        super().__init__()
        self._setup(group_size, bits, mode)
        scale = math.sqrt(1 / dims)
        self._pack(mx.random.normal(shape=(num_embeddings, dims), scale=scale))
        self.num_embeddings = num_embeddings
        self.dims = dims
        self.freeze()

    def _extra_repr(self) -> str:
        return (
            f"{self.num_embeddings}, {self.dims}, group_size={self.group_size}, "
            f"bits={self.bits}, mode={self.mode}"
        )

    def __call__(self, x: mx.array) -> mx.array:
        biases = self.get("biases")
        return mx.dequantize(
            self["weight"][x],
            scales=self["scales"][x],
            biases=None if biases is None else biases[x],
            **self._quant_args(),
        )

    def as_linear(self, x: mx.array) -> mx.array:
        """``x @ dequantize(weight).T``: the table used as an output projection."""
        return self._matmul(x)

    @classmethod
    def from_embedding(
        cls,
        embedding_layer: Module,
        group_size: int = None,
        bits: int = None,
        mode: str = "affine",
    ) -> "QuantizedEmbedding":
        """A ``QuantizedEmbedding`` holding ``embedding_layer``'s table quantized."""
        qe = cls._from_weight(embedding_layer.weight, group_size, bits, mode)
        qe.num_embeddings, qe.dims = embedding_layer.weight.shape
        qe.freeze()
        return qe


class QQLinear(_Packed):
    """A bias-free linear layer whose input is quantized too (``mx.qqmm``).

    In training mode the weight is kept in floating point (trainable, quantized on the
    fly in the product, gradients pass straight through); switching to evaluation mode
    (``eval()``, also through a parent module) packs it once, ``train()`` unpacks it.
    """

    def __init__(
        self,
        input_dims: int,
        output_dims: int,
        group_size: int = None,
        bits: int = None,
        mode: str = "nvfp4",
    ):
        super().__init__()
        self._setup(group_size, bits, mode)
        self._quantized = False
        scale = math.sqrt(1 / input_dims)
        self.weight = mx.random.uniform(low=-scale, high=scale, shape=(output_dims, input_dims))

    # Module.train() sets ``_training`` on every sub-module; packing follows the mode.
    @property
    def _training(self):
        return self.__dict__.get("_mode_training", True)

    @_training.setter
    def _training(self, mode):
        self.__dict__["_mode_training"] = mode
        if "_quantized" not in self.__dict__:
            return  # still in the constructor
        if mode:
            self.dequantize()
        else:
            self.quantize()

    def quantize(self):
        """Pack the floating-point weight (no-op when already packed)."""
        if not self._quantized:
            self.weight, self.scales = mx.quantize(self.weight, **self._quant_args())[:2]
            self._quantized = True

    def dequantize(self):
        """Unpack the weight to floating point (no-op when not packed)."""
        if self._quantized:
            self.weight = mx.dequantize(self.weight, scales=self.scales, **self._quant_args())
            del self.scales
            self._quantized = False

    def _extra_repr(self) -> str:
        out_dims, in_dims = self.weight.shape
        if self._quantized:
            in_dims = in_dims * 32 // self.bits
        return (
            f"input_dims={in_dims}, output_dims={out_dims}, group_size={self.group_size}, "
            f"bits={self.bits}, mode={self.mode}"
        )

    def __call__(self, x: mx.array) -> mx.array:
        return mx.qqmm(x, self["weight"], scales=self.get("scales"), **self._quant_args())

    @classmethod
    def from_linear(
        cls,
        linear_layer: Module,
        group_size: int = None,
        bits: int = None,
        mode: str = "nvfp4",
    ) -> "QQLinear":
        """A ``QQLinear`` with ``linear_layer``'s weight, packed at once when the linear
        layer is in evaluation mode. Linear layers with a bias are not supported."""
        if "bias" in linear_layer:
            raise NotImplementedError("QQLinear does not support bias yet.")
        ql = cls._blank(group_size, bits, mode)
        ql._quantized = False
        ql.weight = linear_layer.weight
        if not linear_layer.training:
            ql.eval()
        return ql


def quantize(
    model: Module,
    group_size: int = None,
    bits: int = None,
    *,
    mode: str = "affine",
    quantize_input: bool = False,
    class_predicate: Optional[Callable[[str, Module], Union[bool, dict]]] = None,
):
    """Replace, in place, the leaf modules of ``model`` that ``class_predicate(path,
    module)`` selects by their quantized form (``module.to_quantized(...)``).

    The predicate defaults to "has ``to_quantized``" (``Linear``, ``Embedding``). It
    returns a bool (quantize with ``group_size``, ``bits``, ``mode`` and
    ``quantize_input``) or a dict of keyword arguments for ``to_quantized`` used instead
    of those (an empty dict leaves the module as it is).
    """
    if class_predicate is None:
        class_predicate = lambda _, m: hasattr(m, "to_quantized")  # noqa: E731

    def maybe_quantize(path, module):
        choice = class_predicate(path, module)
        if isinstance(choice, bool):
            kwargs = dict(group_size=group_size, bits=bits, mode=mode,
                          quantize_input=quantize_input)
        elif isinstance(choice, dict):
            kwargs = choice
        else:
            raise ValueError(
                "``class_predicate`` must return a bool or a dict of parameters to pass "
                "to ``to_quantized``"
            )
        if not choice:
            return module
        if not hasattr(module, "to_quantized"):
            raise ValueError(f"Unable to quantize model of type {type(module)}")
        return module.to_quantized(**kwargs)

    leaves = tree_map_with_path(maybe_quantize, model.leaf_modules(), is_leaf=Module.is_module)
    model.update_modules(leaves)
