"""Dropout layers: element-wise (Dropout) and whole-channel (Dropout2d, Dropout3d)."""

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Dropout", "Dropout2d", "Dropout3d"]


class _DropoutBase(Module):
    """Keeps each unit with probability ``1 - p`` and scales kept units by
    ``1 / (1 - p)`` in training; the identity in evaluation."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if p < 0 or p >= 1:
            raise ValueError(f"The dropout probability {p} is not in [0, 1)")
        self._p_1 = 1 - p

    def _extra_repr(self):
        return f"p={1 - self._p_1}"

    def _mask_shape(self, x):
        return x.shape

    def __call__(self, x: mx.array) -> mx.array:
        shape = self._mask_shape(x)
        if self._p_1 == 1 or not self.training:
            return x
        mask = mx.random.bernoulli(self._p_1, shape)
        return (mask * x) * (1 / self._p_1)


class Dropout(_DropoutBase):
    """Zeroes each element with probability ``p`` in training, scaling the rest by
    ``1 / (1 - p)``."""


class Dropout2d(_DropoutBase):
    """Zeroes whole channels of ``(N, H, W, C)`` or ``(H, W, C)`` inputs with
    probability ``p`` in training, scaling the rest by ``1 / (1 - p)``."""

    def _mask_shape(self, x):
        if x.ndim not in (3, 4):
            raise ValueError(
                f"Received input with {x.ndim} dimensions. Expected 3 or 4 dimensions."
            )
        return (*x.shape[:-3], 1, 1, x.shape[-1])


class Dropout3d(_DropoutBase):
    """Zeroes whole channels of ``(N, D, H, W, C)`` or ``(D, H, W, C)`` inputs with
    probability ``p`` in training, scaling the rest by ``1 / (1 - p)``."""

    def _mask_shape(self, x):
        if x.ndim not in (4, 5):
            raise ValueError(
                f"Received input with {x.ndim} dimensions. Expected 4 or 5 dimensions."
            )
        return (*x.shape[:-4], 1, 1, 1, x.shape[-1])
