"""Max and average pooling over channels-last inputs (1, 2 or 3 spatial dimensions).

Windows are views of the (padded) input: a reshape for non-overlapping windows, strided
slices or an ``as_strided`` view otherwise; a pooling layer is that and a reduction.
"""

import itertools
import math
from typing import Optional, Tuple, Union

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d"]


def _as_tuple(value, n, name, layer):
    """``value`` (an int or an ``n``-tuple of ints) as an ``n``-tuple."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(
        isinstance(v, int) for v in value
    ):
        return tuple(value)
    plural = "integer" if n == 1 else "integers"
    raise ValueError(f"[{layer}] '{name}' must be an integer or a tuple containing {n} {plural}")


# Overlapping windows of at most this many elements are gathered as stacked strided
# slices (one per kernel offset); larger ones as one ``as_strided`` view.
_MAX_STACKED_WINDOW = 64


def _windows(x, kernel, stride):
    """The windows of ``x`` (``(N, *spatial, C)``) and the reductions (axes, applied in
    order) that reduce each window to one value.

    Non-overlapping windows are a reshape ``(N, o1, k1, o2, k2, ..., C)`` reduced one
    window axis at a time; small overlapping windows are the strided slices of each kernel
    offset stacked as ``(N, *out, K, C)``; large ones the ``as_strided`` view
    ``(N, *out, *kernel, C)``. (On this engine those are the fast forms of each case.)
    """
    spatial = x.shape[1:-1]
    n = len(kernel)
    out = tuple(max(0, (size - k) // s + 1) for size, k, s in zip(spatial, kernel, stride))
    shape = (x.shape[0], *out, *kernel, x.shape[-1])
    window_axes = tuple(range(n + 1, 2 * n + 1))
    if math.prod(shape) == 0:
        return mx.zeros(shape, x.dtype), [window_axes]
    if kernel == stride:
        # Drop the rows no window reads, then split each spatial axis in two.
        if any(o * k != size for o, k, size in zip(out, kernel, spatial)):
            x = x[(slice(None),) + tuple(slice(0, o * k) for o, k in zip(out, kernel))]
        split = [x.shape[0]]
        for o, k in zip(out, kernel):
            split += [o, k]
        return x.reshape(*split, x.shape[-1]), [2 + 2 * i for i in reversed(range(n))]
    if math.prod(kernel) <= _MAX_STACKED_WINDOW:
        slices = []
        for offset in itertools.product(*(range(k) for k in kernel)):
            index = tuple(
                slice(d, d + (o - 1) * s + 1, s) for d, o, s in zip(offset, out, stride)
            )
            slices.append(x[(slice(None),) + index])
        return mx.stack(slices, axis=-2), [-2]
    # Row-major strides of the (contiguous) input, in elements.
    elem = [1] * x.ndim
    for i in range(x.ndim - 2, -1, -1):
        elem[i] = elem[i + 1] * x.shape[i + 1]
    strides = (
        [elem[0]]
        + [elem[1 + i] * s for i, s in enumerate(stride)]
        + [elem[1 + i] for i in range(n)]
        + [1]
    )
    return mx.as_strided(x, shape, strides), [window_axes]


class _Pool(Module):
    """Shared parts of the pooling layers."""

    _ndim = 0

    def __init__(self, reduce_fn, padding_value, kernel_size, stride, padding):
        super().__init__()
        name = type(self).__name__
        n = self._ndim
        kernel_size = _as_tuple(kernel_size, n, "kernel_size", name)
        stride = kernel_size if stride is None else _as_tuple(stride, n, "stride", name)
        padding = _as_tuple(padding, n, "padding", name)
        if any(k <= 0 for k in kernel_size):
            raise ValueError(f"[{name}] 'kernel_size' must be positive but got {kernel_size}.")
        if any(s <= 0 for s in stride):
            raise ValueError(f"[{name}] 'stride' must be positive but got {stride}.")
        if any(p < 0 for p in padding):
            raise ValueError(f"[{name}] 'padding' must be non-negative but got {padding}.")
        self._kernel_size = kernel_size
        self._stride = stride
        self._padding = padding
        self._axes = tuple(range(-n - 1, -1))
        self._pooling_function = reduce_fn
        self._padding_value = padding_value

    def _extra_repr(self):
        return f"kernel_size={self._kernel_size}, stride={self._stride}, padding={self._padding}"

    def __call__(self, x):
        if x.ndim != self._ndim + 2:
            raise ValueError(
                f"[{type(self).__name__}] Expected an input with {self._ndim + 2} dimensions "
                f"(N, {'...' if self._ndim > 1 else 'L'}, C) but got {x.ndim} dimensions."
            )
        if any(self._padding):
            pad = [(0, 0)] + [(p, p) for p in self._padding] + [(0, 0)]
            x = mx.pad(x, pad, constant_values=self._padding_value)
        y, reductions = _windows(x, self._kernel_size, self._stride)
        # Reducing axis by axis gives the same max and (equal-count) mean.
        for axes in reductions:
            y = self._pooling_function(y, axis=axes)
        return y


class _MaxPool(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__(mx.max, -float("inf"), kernel_size, stride, padding)


class _AvgPool(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__(mx.mean, 0, kernel_size, stride, padding)


class MaxPool1d(_MaxPool):
    """Max over windows of ``kernel_size`` along L of ``(N, L, C)`` inputs; ``stride``
    defaults to ``kernel_size``; padding is ``-inf``."""

    _ndim = 1

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int]],
        stride: Optional[Union[int, Tuple[int]]] = None,
        padding: Union[int, Tuple[int]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class MaxPool2d(_MaxPool):
    """Max over ``kernel_size`` windows of ``(N, H, W, C)`` inputs; ``stride`` defaults
    to ``kernel_size``; padding is ``-inf``."""

    _ndim = 2

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int]],
        stride: Optional[Union[int, Tuple[int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int]]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class MaxPool3d(_MaxPool):
    """Max over ``kernel_size`` windows of ``(N, D, H, W, C)`` inputs; ``stride``
    defaults to ``kernel_size``; padding is ``-inf``."""

    _ndim = 3

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int, int]],
        stride: Optional[Union[int, Tuple[int, int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int, int]]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class AvgPool1d(_AvgPool):
    """Mean over windows of ``kernel_size`` along L of ``(N, L, C)`` inputs; ``stride``
    defaults to ``kernel_size``; zero padding counts in the mean."""

    _ndim = 1

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int]],
        stride: Optional[Union[int, Tuple[int]]] = None,
        padding: Union[int, Tuple[int]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class AvgPool2d(_AvgPool):
    """Mean over ``kernel_size`` windows of ``(N, H, W, C)`` inputs; ``stride`` defaults
    to ``kernel_size``; zero padding counts in the mean."""

    _ndim = 2

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int]],
        stride: Optional[Union[int, Tuple[int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int]]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)


class AvgPool3d(_AvgPool):
    """Mean over ``kernel_size`` windows of ``(N, D, H, W, C)`` inputs; ``stride``
    defaults to ``kernel_size``; zero padding counts in the mean."""

    _ndim = 3

    def __init__(
        self,
        kernel_size: Union[int, Tuple[int, int, int]],
        stride: Optional[Union[int, Tuple[int, int, int]]] = None,
        padding: Optional[Union[int, Tuple[int, int, int]]] = 0,
    ):
        super().__init__(kernel_size, stride, padding)
