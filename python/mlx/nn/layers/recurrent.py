"""Recurrent layers: RNN, GRU, LSTM.

Inputs are ``(..., L, input_size)`` (``L`` time steps on the second to last axis, any
number of leading batch axes, none for an unbatched sequence). Each layer returns the
hidden state of every step, ``(..., L, hidden_size)``; the LSTM also returns the cells.
"""

import math
from typing import Callable, Optional

import mlx.core as mx
from mlx.nn.layers.base import Module

__all__ = ["RNN", "GRU", "LSTM"]


def _uniform(scale: float, shape: tuple) -> mx.array:
    return mx.random.uniform(low=-scale, high=scale, shape=shape)


def _project(name: str, x: mx.array, w: mx.array, b: Optional[mx.array]) -> mx.array:
    """The input projection ``x @ w.T + b`` of every time step at once (a wrong feature
    size is the matmul's ``ValueError``; no time axis is an ``IndexError``, as MLX)."""
    x = mx.addmm(b, x, w.T) if b is not None else x @ w.T
    if x.ndim < 2:
        raise IndexError(
            f"[{name}] Expected an input of shape (..., L, {w.shape[1]}) with a time axis, "
            f"got an input with {x.ndim} dimension."
        )
    return x


class RNN(Module):
    """Elman recurrent layer: ``h_t = nonlinearity(x_t @ Wxh.T + bias + h_{t-1} @ Whh.T)``.

    ``nonlinearity`` defaults to ``tanh``. Returns the hidden states of all steps.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: Optional[Callable] = None,
    ):
        super().__init__()
        self.nonlinearity = nonlinearity or mx.tanh
        if not callable(self.nonlinearity):
            raise ValueError(f"Nonlinearity must be callable. Current value: {nonlinearity}.")
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wxh = _uniform(scale, (hidden_size, input_size))
        self.Whh = _uniform(scale, (hidden_size, hidden_size))
        self.bias = _uniform(scale, (hidden_size,)) if bias else None

    def _extra_repr(self) -> str:
        return (
            f"input_dims={self.Wxh.shape[1]}, hidden_size={self.hidden_size}, "
            f"nonlinearity={self.nonlinearity}, bias={self.bias is not None}"
        )

    def __call__(self, x: mx.array, hidden: Optional[mx.array] = None) -> mx.array:
        x = _project("RNN", x, self.Wxh, self.bias)
        states = []
        for t in range(x.shape[-2]):
            pre = x[..., t, :]
            if hidden is not None:
                pre = mx.addmm(pre, hidden, self.Whh.T)
            hidden = self.nonlinearity(pre)
            states.append(hidden)
        return mx.stack(states, axis=-2)


class GRU(Module):
    """Gated recurrent unit with PyTorch's gate order (reset, update, new):

    ``r, z = sigmoid(x W_r,z + b + h W_h(r,z))``, ``n = tanh(x W_n + b_n + r * (h W_hn + bhn))``,
    ``h = (1 - z) * n + z * h``. Returns the hidden states of all steps.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(scale, (3 * hidden_size, input_size))
        self.Wh = _uniform(scale, (3 * hidden_size, hidden_size))
        if bias:
            self.b = _uniform(scale, (3 * hidden_size,))
            self.bhn = _uniform(scale, (hidden_size,))

    def _extra_repr(self) -> str:
        return (
            f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
            f"bias={'b' in self}"
        )

    def __call__(self, x: mx.array, hidden: Optional[mx.array] = None) -> mx.array:
        H = self.hidden_size
        has_bias = "b" in self
        x = _project("GRU", x, self.Wx, self["b"] if has_bias else None)
        states = []
        for t in range(x.shape[-2]):
            xt = x[..., t, :]
            x_rz, x_n = xt[..., : 2 * H], xt[..., 2 * H :]
            if hidden is None:
                rz = mx.sigmoid(x_rz)
                h_n = self["bhn"] if has_bias else None
            else:
                hw = hidden @ self.Wh.T
                rz = mx.sigmoid(x_rz + hw[..., : 2 * H])
                h_n = hw[..., 2 * H :]
                if has_bias:
                    h_n = h_n + self["bhn"]
            r, z = rz[..., :H], rz[..., H:]
            n = mx.tanh(x_n + r * h_n) if h_n is not None else mx.tanh(x_n)
            hidden = (1 - z) * n if hidden is None else (1 - z) * n + z * hidden
            states.append(hidden)
        return mx.stack(states, axis=-2)


class LSTM(Module):
    """Long short-term memory with PyTorch's gate order (input, forget, cell, output):

    ``c = f * c + i * g``, ``h = o * tanh(c)``. Returns ``(hidden, cell)``, each with the
    states of all steps.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(scale, (4 * hidden_size, input_size))
        self.Wh = _uniform(scale, (4 * hidden_size, hidden_size))
        self.bias = _uniform(scale, (4 * hidden_size,)) if bias else None

    def _extra_repr(self) -> str:
        return (
            f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
            f"bias={self.bias is not None}"
        )

    def __call__(
        self,
        x: mx.array,
        hidden: Optional[mx.array] = None,
        cell: Optional[mx.array] = None,
    ):
        H = self.hidden_size
        x = _project("LSTM", x, self.Wx, self.bias)
        hiddens, cells = [], []
        for t in range(x.shape[-2]):
            gates = x[..., t, :]
            if hidden is not None:
                gates = mx.addmm(gates, hidden, self.Wh.T)
            i = mx.sigmoid(gates[..., :H])
            f = mx.sigmoid(gates[..., H : 2 * H])
            g = mx.tanh(gates[..., 2 * H : 3 * H])
            o = mx.sigmoid(gates[..., 3 * H :])
            cell = i * g if cell is None else f * cell + i * g
            hidden = o * mx.tanh(cell)
            hiddens.append(hidden)
            cells.append(cell)
        return mx.stack(hiddens, axis=-2), mx.stack(cells, axis=-2)
