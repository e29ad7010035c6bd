"""Activation functions and their ``nn.Module`` wrappers.

Every function is written with ``mlx.core`` element-wise ops, so it works on any shape, keeps
the input's floating type (float16/bfloat16 stay as they are; integer inputs follow the usual
promotion rules) and is differentiable through ``mx.grad``.
"""

import math

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = [
    # functions
    "celu",
    "elu",
    "gelu",
    "gelu_approx",
    "gelu_fast_approx",
    "glu",
    "hard_shrink",
    "hard_tanh",
    "hardswish",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "prelu",
    "relu",
    "relu2",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "step",
    "tanh",
    # modules
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "HardShrink",
    "HardTanh",
    "Hardswish",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "ReLU",
    "ReLU2",
    "ReLU6",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Step",
    "Tanh",
]

# SELU's constants (Klambauer et al., 2017).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# ---------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------


def sigmoid(x):
    r"""Logistic sigmoid ``1 / (1 + exp(-x))``, element-wise."""
    return mx.sigmoid(x)


def relu(x):
    r"""Rectified linear unit ``max(x, 0)``."""
    return mx.maximum(x, 0)


def relu2(x):
    r"""Squared ReLU ``max(x, 0) ** 2``."""
    return mx.square(mx.maximum(x, 0))


def relu6(x):
    r"""ReLU clipped at 6: ``min(max(x, 0), 6)``."""
    return mx.minimum(mx.maximum(x, 0), 6.0)


def leaky_relu(x, negative_slope=0.01):
    r"""Leaky ReLU: ``x`` where positive, ``negative_slope * x`` elsewhere."""
    return mx.maximum(negative_slope * x, x)


def _exp_minus_one_below_zero(x):
    # exp(x) - 1 for x <= 0 and 0 above: the negative branch of ELU-like functions, finite
    # for every x so that the branch ``where`` does not select cannot put inf/NaN into the
    # gradient. At x == 0 the gradient is exp(0) = 1, as the reference's (and PyTorch's).
    return mx.expm1(mx.where(x > 0, 0, x))


def elu(x, alpha=1.0):
    r"""Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return mx.where(x > 0, x, alpha * _exp_minus_one_below_zero(x))


def celu(x, alpha=1.0):
    r"""Continuously differentiable ELU: ``max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)``."""
    return mx.maximum(x, 0.0) + alpha * _exp_minus_one_below_zero(x / alpha)


def selu(x):
    r"""Scaled ELU with the self-normalising constants ``alpha ~ 1.6733``, ``scale ~ 1.0507``."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def softplus(x):
    r"""Softplus ``log(1 + exp(x))``, computed stably."""
    return mx.logaddexp(x, 0)


def softsign(x):
    r"""Softsign ``x / (1 + |x|)``."""
    return mx.divide(x, 1 + mx.abs(x))


def softshrink(x, lambd: float = 0.5):
    r"""Soft shrinkage: ``x - lambd * sign(x)`` where ``|x| > lambd``, 0 elsewhere."""
    return mx.where(mx.abs(x) > lambd, x - mx.sign(x) * lambd, 0)


def hard_shrink(x, lambd=0.5):
    r"""Hard shrinkage: ``x`` where ``|x| > lambd``, 0 elsewhere."""
    return mx.where(mx.abs(x) > lambd, x, 0)


def hard_tanh(x, min_val=-1.0, max_val=1.0):
    r"""Hard tanh: ``x`` clipped to ``[min_val, max_val]``."""
    return mx.minimum(mx.maximum(x, min_val), max_val)


def hardswish(x):
    r"""Hard swish ``x * min(max(x + 3, 0), 6) / 6``."""
    return x * mx.minimum(mx.maximum(x + 3, 0), 6) / 6


def silu(x):
    r"""Sigmoid linear unit (swish) ``x * sigmoid(x)``."""
    return x * mx.sigmoid(x)


def log_sigmoid(x):
    r"""Logarithm of the sigmoid, ``-softplus(-x)``, computed stably."""
    return -softplus(-x)


def gelu(x) -> mx.array:
    r"""Gaussian error linear unit ``x * Phi(x)`` with the exact normal CDF
    ``Phi(x) = (1 + erf(x / sqrt(2))) / 2``."""
    return x * (1 + mx.erf(x / math.sqrt(2))) / 2


def gelu_approx(x):
    r"""GELU with the tanh approximation
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x ** 3)))``."""
    return 0.5 * x * (1 + mx.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))


def gelu_fast_approx(x):
    r"""GELU with the sigmoid approximation ``x * sigmoid(1.702 * x)``."""
    return x * mx.sigmoid(1.702 * x)


def glu(x: mx.array, axis: int = -1) -> mx.array:
    r"""Gated linear unit: split ``x`` in two halves ``a, b`` along ``axis`` and return
    ``a * sigmoid(b)``."""
    a, b = mx.split(x, 2, axis=axis)
    return a * mx.sigmoid(b)


def step(x: mx.array, threshold: float = 0.0):
    r"""Binary step: 1 where ``x >= threshold``, 0 elsewhere (an ``int32`` array)."""
    return mx.where(x >= threshold, 1, 0)


def mish(x: mx.array) -> mx.array:
    r"""Mish ``x * tanh(softplus(x))``."""
    return x * mx.tanh(softplus(x))


def prelu(x: mx.array, alpha: mx.array) -> mx.array:
    r"""Parametric ReLU ``max(x, 0) + alpha * min(x, 0)``; ``alpha`` broadcasts against
    ``x``."""
    return mx.maximum(0, x) + alpha * mx.minimum(0, x)


def tanh(x):
    r"""Hyperbolic tangent, element-wise."""
    return mx.tanh(x)


def softmax(x, axis=-1):
    r"""Softmax ``exp(x) / sum(exp(x))`` along ``axis``."""
    return mx.softmax(x, axis=axis)


def softmin(x, axis=-1):
    r"""Softmin: the softmax of ``-x`` along ``axis``."""
    return mx.softmax(-x, axis=axis)


def log_softmax(x, axis=-1):
    r"""Logarithm of the softmax along ``axis``, ``x - logsumexp(x)``."""
    return x - mx.logsumexp(x, axis=axis, keepdims=True)


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------


class _Elementwise(Module):
    # A parameter-free module that applies ``_fn`` (a function of ``x`` only).
    _fn = None

    def __call__(self, x):
        return type(self)._fn(x)


class Sigmoid(_Elementwise):
    """Applies :func:`sigmoid`."""

    _fn = staticmethod(sigmoid)


class ReLU(_Elementwise):
    """Applies :func:`relu`."""

    _fn = staticmethod(relu)


class ReLU2(_Elementwise):
    """Applies :func:`relu2`."""

    _fn = staticmethod(relu2)


class ReLU6(_Elementwise):
    """Applies :func:`relu6`."""

    _fn = staticmethod(relu6)


class SELU(_Elementwise):
    """Applies :func:`selu`."""

    _fn = staticmethod(selu)


class SiLU(_Elementwise):
    """Applies :func:`silu`."""

    _fn = staticmethod(silu)


class Softplus(_Elementwise):
    """Applies :func:`softplus`."""

    _fn = staticmethod(softplus)


class Softsign(_Elementwise):
    """Applies :func:`softsign`."""

    _fn = staticmethod(softsign)


class HardTanh(_Elementwise):
    """Applies :func:`hard_tanh` with its default bounds ``[-1, 1]``."""

    _fn = staticmethod(hard_tanh)


class Hardswish(_Elementwise):
    """Applies :func:`hardswish`."""

    _fn = staticmethod(hardswish)


class LogSigmoid(_Elementwise):
    """Applies :func:`log_sigmoid`."""

    _fn = staticmethod(log_sigmoid)


class Mish(_Elementwise):
    """Applies :func:`mish`."""

    _fn = staticmethod(mish)


class Tanh(_Elementwise):
    """Applies :func:`tanh`."""

    _fn = staticmethod(tanh)


class Softmax(_Elementwise):
    """Applies :func:`softmax` over the last axis."""

    _fn = staticmethod(softmax)


class Softmin(_Elementwise):
    """Applies :func:`softmin` over the last axis."""

    _fn = staticmethod(softmin)


class LogSoftmax(_Elementwise):
    """Applies :func:`log_softmax` over the last axis."""

    _fn = staticmethod(log_softmax)


class LeakyReLU(Module):
    """Applies :func:`leaky_relu` with slope ``negative_slope`` for negative inputs."""

    def __init__(self, negative_slope=1e-2):
        super().__init__()
        self._negative_slope = negative_slope

    def __call__(self, x):
        return leaky_relu(x, self._negative_slope)


class ELU(Module):
    """Applies :func:`elu` with the given ``alpha``."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return elu(x, self._alpha)


class CELU(Module):
    """Applies :func:`celu` with the given ``alpha``."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return celu(x, self._alpha)


class PReLU(Module):
    """Parametric ReLU with a learnable slope per channel (parameter ``weight``, shape
    ``(num_parameters,)``, initialised to ``init``); see :func:`prelu`."""

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.weight = mx.full([num_parameters], init)

    def __call__(self, x: mx.array):
        return prelu(x, self.weight)


class GELU(Module):
    """Gaussian error linear unit.

    ``approx`` picks the formula: ``'none'`` the exact :func:`gelu`, ``'precise'`` or
    ``'tanh'`` :func:`gelu_approx`, ``'fast'`` :func:`gelu_fast_approx`.
    """

    _FUNCTIONS = {
        "none": gelu,
        "precise": gelu_approx,
        "tanh": gelu_approx,
        "fast": gelu_fast_approx,
    }

    def __init__(self, approx="none"):
        super().__init__()
        if approx not in self._FUNCTIONS:
            raise ValueError(
                f"[GELU] The approximation should be in {list(self._FUNCTIONS)} "
                f"but '{approx}' was given."
            )
        self._approx = approx

    def __call__(self, x):
        return self._FUNCTIONS[self._approx](x)


class GLU(Module):
    """Applies :func:`glu` along ``axis``."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def __call__(self, x):
        return glu(x=x, axis=self.axis)


class Step(Module):
    """Applies :func:`step` with the given ``threshold``."""

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold

    def __call__(self, x: mx.array):
        return step(x, self.threshold)


class HardShrink(Module):
    """Applies :func:`hard_shrink` with the given ``lambd``."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return hard_shrink(x, self.lambd)


class Softshrink(Module):
    """Applies :func:`softshrink` with the given ``lambd``."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return softshrink(x, self.lambd)
