"""Weight initializers (``mlx.nn.init``).

Each function takes the initializer's settings (and ``dtype``, float32 by default) and
returns a function ``init(a) -> array`` that makes a new array of ``a``'s shape; ``a``'s
values and dtype are not used. Random initializers draw from ``mx.random``, so
``mx.random.seed`` makes them reproducible::

    w = nn.init.he_uniform()(mx.zeros((64, 32)))          # fan_in of (out, in) is 32
    layer.weight = nn.init.orthogonal(gain=2.0)(layer.weight)

Fan-in and fan-out follow MLX's weight layout ``(out, ..., in)``: ``fan_in`` is the last
dimension and ``fan_out`` the first, each multiplied by the product of the dimensions in
between (a convolution's kernel size).
"""

import math
from typing import Callable, Literal

import mlx.core as mx

__all__ = [
    "constant",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "normal",
    "orthogonal",
    "sparse",
    "uniform",
]


def constant(
    value: float, dtype: mx.Dtype = mx.float32
) -> Callable[[mx.array], mx.array]:
    """An initializer that fills the array's shape with ``value``."""

    def initializer(a: mx.array) -> mx.array:
        return mx.full(a.shape, value, dtype=dtype)

    return initializer


def normal(
    mean: float = 0.0, std: float = 1.0, dtype: mx.Dtype = mx.float32
) -> Callable[[mx.array], mx.array]:
    """An initializer that draws from the normal distribution N(``mean``, ``std`` ** 2)."""

    def initializer(a: mx.array) -> mx.array:
        return mx.random.normal(shape=a.shape, scale=std, loc=mean, dtype=dtype)

    return initializer


def uniform(
    low: float = 0.0, high: float = 1.0, dtype: mx.Dtype = mx.float32
) -> Callable[[mx.array], mx.array]:
    """An initializer that draws uniformly from ``[low, high)``."""

    def initializer(a: mx.array) -> mx.array:
        return mx.random.uniform(low, high, a.shape, dtype=dtype)

    return initializer


def identity(dtype: mx.Dtype = mx.float32) -> Callable[[mx.array], mx.array]:
    """An initializer that returns the identity matrix; the array must be square 2-D."""

    def initializer(arr: mx.array) -> mx.array:
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise ValueError(
                "[identity] The input array must be a square matrix but got shape "
                f"{arr.shape}."
            )
        return mx.eye(arr.shape[0], dtype=dtype)

    return initializer


def _calculate_fan_in_fan_out(x):
    # (fan_in, fan_out) of a weight laid out as (out, *kernel, in).
    if x.ndim < 2:
        raise ValueError(
            "[init] Glorot / He initialization requires at least 2 dimensional input "
            f"but input with {x.ndim} dimensions."
        )
    receptive_field = math.prod(x.shape[1:-1])
    return x.shape[-1] * receptive_field, x.shape[0] * receptive_field


def glorot_normal(
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array, float], mx.array]:
    """Glorot (Xavier) normal initializer: ``init(a, gain=1.0)`` draws from N(0, std ** 2)
    with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""

    def initializer(a: mx.array, gain: float = 1.0) -> mx.array:
        fan_in, fan_out = _calculate_fan_in_fan_out(a)
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        return mx.random.normal(shape=a.shape, scale=std, dtype=dtype)

    return initializer


def glorot_uniform(
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array, float], mx.array]:
    """Glorot (Xavier) uniform initializer: ``init(a, gain=1.0)`` draws from
    U(-limit, limit) with ``limit = gain * sqrt(6 / (fan_in + fan_out))``."""

    def initializer(a: mx.array, gain: float = 1.0) -> mx.array:
        fan_in, fan_out = _calculate_fan_in_fan_out(a)
        limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def _he_fan(a, mode):
    # The fan He initialization scales by, chosen by mode.
    fan_in, fan_out = _calculate_fan_in_fan_out(a)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"[init] Invalid mode: {mode}. Valid modes are: fan_in, fan_out")


def he_normal(
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array, Literal["fan_in", "fan_out"], float], mx.array]:
    """He (Kaiming) normal initializer: ``init(a, mode='fan_in', gain=1.0)`` draws from
    N(0, std ** 2) with ``std = gain / sqrt(fan)``, ``fan`` being ``fan_in`` or
    ``fan_out`` as ``mode`` says."""

    def initializer(
        a: mx.array,
        mode: Literal["fan_in", "fan_out"] = "fan_in",
        gain: float = 1.0,
    ) -> mx.array:
        std = gain / math.sqrt(_he_fan(a, mode))
        return mx.random.normal(shape=a.shape, scale=std, dtype=dtype)

    return initializer


def he_uniform(
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array, Literal["fan_in", "fan_out"], float], mx.array]:
    """He (Kaiming) uniform initializer: ``init(a, mode='fan_in', gain=1.0)`` draws from
    U(-limit, limit) with ``limit = gain * sqrt(3 / fan)``."""

    def initializer(
        a: mx.array,
        mode: Literal["fan_in", "fan_out"] = "fan_in",
        gain: float = 1.0,
    ) -> mx.array:
        limit = gain * math.sqrt(3.0 / _he_fan(a, mode))
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def _orthonormal_columns(rows: int, cols: int) -> mx.array:
    # A (rows, cols) float32 matrix with orthonormal columns (rows >= cols), uniformly
    # distributed: the Q of a Gaussian matrix's QR with R's diagonal made positive. The
    # Gaussian comes from mx.random (so seeds apply); the factorisation is NumPy's, in
    # float64 (an initializer runs once, on the host).
    import numpy as np

    gaussian = mx.random.normal(shape=(rows, cols))
    q, r = np.linalg.qr(np.asarray(gaussian, dtype=np.float64))
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    return mx.array(q.astype(np.float32))


def orthogonal(
    gain: float = 1.0, dtype: mx.Dtype = mx.float32
) -> Callable[[mx.array], mx.array]:
    """Orthogonal initializer: a 2-D ``(rows, cols)`` array with orthonormal rows (when
    ``rows <= cols``) or columns, times ``gain``."""

    def initializer(a: mx.array) -> mx.array:
        if a.ndim != 2:
            raise ValueError(
                "[orthogonal] Orthogonal initialization requires a 2D array but got "
                f"a {a.ndim}D array."
            )
        rows, cols = a.shape
        if rows >= cols:
            q = _orthonormal_columns(rows, cols)
        else:
            q = _orthonormal_columns(cols, rows).T
        return (gain * q).astype(dtype)

    return initializer


def sparse(
    sparsity: float,
    mean: float = 0.0,
    std: float = 1.0,
    dtype: mx.Dtype = mx.float32,
) -> Callable[[mx.array], mx.array]:
    """Sparse initializer for 2-D arrays: values from N(``mean``, ``std`` ** 2), each set
    to zero with probability ``sparsity``."""

    def initializer(a: mx.array) -> mx.array:
        if a.ndim != 2:
            raise ValueError(
                "[sparse] Only tensors with 2 dimensions are supported, got "
                f"{a.ndim} dimensions."
            )
        values = mx.random.normal(shape=a.shape, scale=std, loc=mean, dtype=dtype)
        keep = mx.random.uniform(shape=a.shape) >= sparsity
        return mx.where(keep, values, mx.zeros((), dtype=dtype))

    return initializer
