"""Upsampling of channels-last inputs ``(N, *spatial, C)`` with any number of spatial
axes: nearest neighbour, (multi)linear and (multi)cubic interpolation.

Each spatial axis is resampled on its own (the interpolations are separable): output
position ``i`` of an axis of ``N`` inputs and ``M = floor(N * scale)`` outputs reads
input coordinate ``i / scale + (N - 1 - (M - 1) / scale) / 2`` (the output grid centred
on the input grid), or ``i * (N - 1) / (M - 1)`` with ``align_corners``.
"""

import math
from typing import Literal, Tuple, Union

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["Upsample", "upsample_nearest", "upsample_linear", "upsample_cubic"]


def _source_coordinates(n, m, scale, align_corners):
    """Float input coordinates of the ``m`` outputs of an axis of ``n`` inputs."""
    i = mx.arange(m, dtype=mx.float32)
    if align_corners:
        return i * ((n - 1) / (m - 1)) if m > 1 else mx.zeros((m,), mx.float32)
    step = 1.0 / scale
    return i * step + (n - 1 - (m - 1) * step) / 2


def _nearest_indices(n, m, scale):
    """Input index of each of the ``m`` outputs: ``floor(i * n / m)`` when shrinking,
    the nearest input centre (ties to even) when growing."""
    i = mx.arange(m, dtype=mx.float32)
    if scale < 1:
        idx = mx.floor(i * (n / m))
    else:
        idx = mx.round((i + 0.5) * (n / m) - 0.5)
    return mx.clip(idx, 0, n - 1).astype(mx.int32)


def _cubic_weight(x, a=-0.75):
    """Keys' cubic convolution kernel at distance ``x`` (``a = -0.75`` as PyTorch)."""
    x = mx.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return mx.where(x <= 1, near, mx.where(x < 2, far, 0.0))


def _triangle_weight(x):
    return mx.maximum(1 - mx.abs(x), 0.0)


def _gather_taps(x, axis, coords, offsets, weight_fn):
    """``sum_k x[clip(floor(c) + offsets[k])] * weight_fn(c - floor(c) - offsets[k])``
    along ``axis``: interpolation with taps clamped to the edge."""
    n, m = x.shape[axis], coords.shape[0]
    out_shape = list(x.shape)
    out_shape[axis] = m
    # As (before, n, after): broadcasting the weights over a 3-d array is cheap.
    x = x.reshape(math.prod(x.shape[:axis]), n, -1)
    base = mx.floor(coords)
    frac = coords - base
    base = base.astype(mx.int32)
    out = None
    for off in offsets:
        idx = mx.clip(base + off, 0, n - 1)
        term = mx.take(x, idx, axis=1) * weight_fn(frac - off)[:, None]
        out = term if out is None else out + term
    return out.reshape(out_shape)


def _integer_phases(x, axis, scale, offsets, weight_fn):
    """``_gather_taps`` for an integer ``scale`` without ``align_corners``: output
    ``i * scale + r`` reads input ``i + (r + 0.5) / scale - 0.5``, so each phase ``r`` is a
    fixed weighted sum of shifted slices of the edge-padded input (no gathers)."""
    n = x.shape[axis]
    pad = 2
    widths = [(0, 0)] * x.ndim
    widths[axis] = (pad, pad)
    xp = mx.pad(x, widths, mode="edge")
    phases = []
    for r in range(scale):
        coord = (r + 0.5) / scale - 0.5
        base = math.floor(coord)
        weights = weight_fn(mx.array([coord - base - k for k in offsets]))
        phase = None
        for j, k in enumerate(offsets):
            if weights[j].item() == 0:
                continue
            index = [slice(None)] * x.ndim
            index[axis] = slice(base + k + pad, base + k + pad + n)
            # A float32 0-d weight promotes half and integer inputs to float32, as the
            # gather path (and the reference) does.
            term = xp[tuple(index)] * weights[j]
            phase = term if phase is None else phase + term
        phases.append(phase)
    shape = list(x.shape)
    shape[axis] = n * scale
    return mx.stack(phases, axis=axis + 1).reshape(shape)


def _antialias_matrix(n, m, scale, filter_fn, support):
    """The ``(m, n)`` resampling matrix of ``filter_fn`` (of half-width ``support``),
    stretched by ``1 / scale`` when shrinking; each row is normalized to sum 1, so taps
    outside the input are dropped rather than clamped."""
    step = 1.0 / scale
    stretch = max(step, 1.0)
    centers = (mx.arange(m, dtype=mx.float32) + 0.5) * step + (n - m * step) / 2
    distance = (mx.arange(n, dtype=mx.float32) + 0.5)[None, :] - centers[:, None]
    w = mx.where(mx.abs(distance) < support * stretch, filter_fn(distance / stretch), 0.0)
    return w / mx.sum(w, axis=1, keepdims=True)


def _apply_matrix(x, axis, matrix):
    """Contract ``x`` along ``axis`` with ``matrix`` ``(m, n)``."""
    y = mx.moveaxis(x, axis, -1) @ matrix.T
    return mx.moveaxis(y, -1, axis)


def _check_scales(x, scale_factor):
    dims = x.ndim - 2
    if len(scale_factor) != dims:
        raise ValueError(
            "[Upsample] One scale per spatial dimension is required but "
            f"scale_factor={tuple(scale_factor)} and the number of spatial dimensions "
            f"were {dims}"
        )


def _resample(x, scale_factor, align_corners, antialias, offsets, weight_fn, aa_filter, support):
    _check_scales(x, scale_factor)
    for d, s in enumerate(scale_factor):
        axis = d + 1
        n = x.shape[axis]
        m = int(n * s)
        if m == 0:
            shape = list(x.shape)
            shape[axis] = 0
            x = mx.zeros(shape, mx.float32 if not mx.issubdtype(x.dtype, mx.floating) else x.dtype)
            continue
        if antialias:
            x = _apply_matrix(x, axis, _antialias_matrix(n, m, s, aa_filter, support))
        elif s == int(s) and s > 1 and not align_corners:
            x = _integer_phases(x, axis, int(s), offsets, weight_fn)
        else:
            coords = _source_coordinates(n, m, s, align_corners)
            x = _gather_taps(x, axis, coords, offsets, weight_fn)
    return x


def upsample_nearest(x: mx.array, scale_factor: Tuple):
    """Nearest-neighbour resampling of each spatial axis of ``x`` (``(N, *spatial, C)``)
    by the factors in ``scale_factor`` (one per spatial axis)."""
    _check_scales(x, scale_factor)
    for d, s in enumerate(scale_factor):
        axis = d + 1
        n = x.shape[axis]
        x = mx.take(x, _nearest_indices(n, int(n * s), s), axis=axis)
    return x


def upsample_linear(x: mx.array, scale_factor: Tuple, align_corners: bool = False,
                    antialias: bool = False):
    """(Multi)linear resampling of each spatial axis of ``x`` (``(N, *spatial, C)``) by
    the factors in ``scale_factor``; ``antialias`` widens the triangle filter when
    shrinking (as PyTorch's ``antialias=True``)."""
    return _resample(x, scale_factor, align_corners, antialias, (0, 1), _triangle_weight,
                     _triangle_weight, 1.0)


def upsample_cubic(x: mx.array, scale_factor: Tuple, align_corners: bool = False,
                   antialias: bool = False):
    """(Multi)cubic resampling (Keys, ``a = -0.75``) of each spatial axis of ``x`` by the
    factors in ``scale_factor``; ``antialias`` uses the cubic filter with ``a = -0.5``,
    widened when shrinking, with taps inside the input only (as PyTorch's
    ``antialias=True``)."""
    return _resample(x, scale_factor, align_corners, antialias, (-1, 0, 1, 2), _cubic_weight,
                     lambda t: _cubic_weight(t, -0.5), 2.0)


class Upsample(Module):
    """Resamples the spatial axes of ``(N, *spatial, C)`` inputs by ``scale_factor`` (one
    number, or one per spatial axis) with ``mode`` ``"nearest"``, ``"linear"`` or
    ``"cubic"``; output size ``floor(size * scale)``."""

    def __init__(
        self,
        scale_factor: Union[float, Tuple],
        mode: Literal["nearest", "linear", "cubic"] = "nearest",
        align_corners: bool = False,
        antialias: bool = False,
    ):
        super().__init__()
        if mode not in ("nearest", "linear", "cubic"):
            raise ValueError(f"[Upsample] Got unsupported upsampling algorithm: {mode}")
        if antialias and mode == "nearest":
            raise ValueError(
                "[Upsample] Antialiasing is not supported for nearest neighbor upsampling"
            )
        if antialias and align_corners:
            raise ValueError(
                "[Upsample] antialias=True with align_corners=True is not supported. "
                "Use align_corners=False for antialiased interpolation."
            )
        if isinstance(scale_factor, (list, tuple)):
            self.scale_factor = tuple(map(float, scale_factor))
        else:
            self.scale_factor = float(scale_factor)
        self.mode = mode
        self.align_corners = align_corners
        self.antialias = antialias

    def _extra_repr(self):
        text = (
            f"scale_factor={self.scale_factor}, mode={self.mode!r}, "
            f"align_corners={self.align_corners}"
        )
        return text + (", antialias=True" if self.antialias else "")

    def __call__(self, x: mx.array) -> mx.array:
        dims = x.ndim - 2
        if dims <= 0:
            raise ValueError(
                "[Upsample] The input should have at least 1 spatial dimension which means "
                f"it should be at least 3D but {x.ndim}D was provided"
            )
        scale = self.scale_factor
        if not isinstance(scale, tuple):
            scale = (scale,) * dims
        if self.mode == "nearest":
            return upsample_nearest(x, scale)
        if self.mode == "linear":
            return upsample_linear(x, scale, self.align_corners, self.antialias)
        return upsample_cubic(x, scale, self.align_corners, self.antialias)
