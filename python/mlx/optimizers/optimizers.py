"""Optimizers: objects that turn a tree of gradients into updated parameters.

Every optimizer keeps its state in one dict, ``optimizer.state``: the step count
(``uint64``), the hyperparameters that schedules drive (``learning_rate``, float32), and
for each parameter a dict of arrays (``"m"``, ``"v"``, ...) at the parameter's place in
the tree. That dict is a plain tree, so ``tree_flatten(optimizer.state)`` saves it and
``optimizer.state = tree_unflatten(...)`` restores it, and it is updated in place, so
``mx.compile(step, inputs=state, outputs=state)`` sees the arrays it holds.
"""

import math
from typing import Callable, List, Optional, Tuple, Union

import mlx.core as mx
from mlx.nn import Module
from mlx.utils import tree_flatten, tree_map, tree_merge, tree_reduce, tree_unflatten


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _kind(x):
    return "an array" if isinstance(x, mx.array) else f"a {type(x).__name__}"


def _child_state(state, key, like):
    """The state container at ``state[key]`` for the gradient subtree ``like``,
    created (and stored) where it is missing."""
    fresh = [] if isinstance(like, (list, tuple)) else {}
    if isinstance(state, dict):
        child = state.get(key)
        if child is None:
            child = state[key] = fresh
        return child
    # a list (tuples from a user-built state are read, never extended)
    if key < len(state):
        child = state[key]
    else:
        child = fresh
        if isinstance(state, list):
            state.extend({} for _ in range(key - len(state)))
            state.append(child)
    return child


class Optimizer:
    """Base class of the optimizers.

    Subclasses implement ``init_single(parameter, state)``, which fills the (empty)
    per-parameter ``state`` dict, and ``apply_single(gradient, parameter, state)``, which
    returns the updated parameter and updates ``state`` in place. ``schedulers`` maps
    state names (``"learning_rate"``) to callables of the step.
    """

    def __init__(self, schedulers=None):
        self._initialized = False
        self._state = {"step": mx.array(0, mx.uint64)}
        self._schedulers = dict(schedulers) if schedulers else {}

    # ----------------------------------------------------------------- public API
    def update(self, model: Module, gradients: dict):
        """Apply ``gradients`` to the parameters of ``model`` (``model.update``)."""
        model.update(self.apply_gradients(gradients, model))

    def init(self, parameters: dict):
        """Create the state of every parameter in ``parameters`` that has none yet.

        State already present (for example loaded from a checkpoint) is kept.
        """
        self._check_top(parameters)
        self._walk(parameters, None, self._state, "", apply=False)
        self._initialized = True

    def init_single(self, parameter: mx.array, state: dict):
        """Fill the empty dict ``state`` for one parameter (subclasses implement it)."""
        raise NotImplementedError()

    def apply_gradients(self, gradients: dict, parameters: dict):
        """Return the parameters updated by ``gradients`` (a tree with the same keys,
        or a subset of them); parameters without a gradient are left out."""
        self._check_top(gradients)
        if not self._initialized:
            self.init(gradients)
        for name, schedule in self._schedulers.items():
            self._state[name] = schedule(self.step)
        self._state["step"] = self.step + 1
        try:
            return self._walk(gradients, parameters, self._state, "", apply=True)
        finally:
            self._step_cache = None

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """The updated ``parameter`` for one ``gradient`` (subclasses implement it)."""
        raise NotImplementedError()

    @property
    def state(self):
        """The optimizer's state: a tree (dict) of arrays."""
        return self._state

    @state.setter
    def state(self, state: dict):
        self._initialized = False
        self._state = state

    @property
    def step(self):
        """The number of updates applied so far (a ``uint64`` array)."""
        return self.state["step"]

    @property
    def learning_rate(self):
        """The current learning rate (an array)."""
        return self.state["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, learning_rate: Union[float, mx.array]):
        self.state["learning_rate"] = mx.array(learning_rate)

    # ------------------------------------------------------------------ internals
    def _maybe_schedule(self, name: str, param: Union[float, Callable[[mx.array], mx.array]]):
        """Store ``param`` as state ``name``; a callable becomes a schedule of the step."""
        if callable(param):
            self._schedulers[name] = param
            value = param(self.step)
        else:
            value = mx.array(param)
        self.state[name] = value

    def _per_step(self, key, make):
        """``make()``, computed once per update for all parameters (scalars such as
        bias corrections); forgotten when ``apply_gradients`` returns."""
        step, lr = self._state["step"], self._state.get("learning_rate")
        cache = getattr(self, "_step_cache", None)
        if cache is None or cache[0] is not step or cache[1] is not lr:
            cache = self._step_cache = (step, lr, {})
        if key not in cache[2]:
            cache[2][key] = make()
        return cache[2][key]

    def _check_top(self, tree):
        """Reject what is not a dict of parameters, with the reference's exception types."""
        if isinstance(tree, dict):
            return
        name = type(self).__name__
        what = (
            f"[{name}] The parameters and gradients must be a dict of arrays "
            f"(as Module.trainable_parameters() gives), got {_kind(tree)}."
        )
        if isinstance(tree, (list, tuple)):
            raise IndexError(what)
        if isinstance(tree, mx.array):
            raise KeyError(what)
        raise AttributeError(what)

    def _mismatch(self, path, gradient, parameter):
        name = type(self).__name__
        msg = (
            f"[{name}] The gradient at '{path}' is {_kind(gradient)} but the "
            f"parameter there is {_kind(parameter)}."
        )
        if isinstance(gradient, (list, tuple)) and isinstance(parameter, dict):
            return KeyError(msg)
        if isinstance(parameter, mx.array) or isinstance(gradient, mx.array):
            return ValueError(msg)
        return TypeError(msg)

    def _walk(self, grads, params, state, path, apply):
        """Walk ``grads`` with ``params`` and ``state`` side by side.

        State missing for a gradient is created (``init_single``); with ``apply`` each
        leaf is updated by ``apply_single`` and the tree of results is returned.
        """
        if isinstance(grads, (dict, list, tuple)) and not grads:
            return type(grads)()  # a placeholder (MultiOptimizer's split), no parameter
        if isinstance(grads, dict):
            if apply and not isinstance(params, dict):
                raise self._mismatch(path, grads, params)
            out = {}
            for key, g in grads.items():
                p = None
                if apply:
                    if key not in params:
                        raise KeyError(
                            f"[{type(self).__name__}] There is a gradient for "
                            f"'{_join(path, key)}' but no such parameter."
                        )
                    p = params[key]
                child = _child_state(state, key, g)
                out[key] = self._walk(g, p, child, _join(path, key), apply)
            return out
        if isinstance(grads, (list, tuple)):
            if apply:
                if not isinstance(params, (list, tuple)):
                    raise self._mismatch(path, grads, params)
                if len(params) < len(grads):
                    raise IndexError(
                        f"[{type(self).__name__}] The gradient at '{path}' has "
                        f"{len(grads)} items but the parameter list {len(params)}."
                    )
            out = [
                self._walk(
                    g,
                    params[i] if apply else None,
                    _child_state(state, i, g),
                    _join(path, i),
                    apply,
                )
                for i, g in enumerate(grads)
            ]
            return tuple(out) if isinstance(grads, tuple) else out
        if not isinstance(grads, mx.array):
            raise TypeError(
                f"[{type(self).__name__}] The parameters must be arrays, but "
                f"'{path}' is {_kind(grads)}."
            )
        if not state:
            self.init_single(grads, state)
        if not apply:
            return None
        if isinstance(params, (dict, list, tuple)):
            raise self._mismatch(path, grads, params)
        return self.apply_single(grads, params, state)


def _check_range(cls, name, value, low_open=False, high=None):
    """ValueError unless ``value`` >= 0 (> 0 with ``low_open``) and < ``high``."""
    bad = value <= 0 if low_open else value < 0
    if high is not None:
        bad = bad or value >= high
    if bad:
        want = "> 0" if low_open else ">= 0"
        if high is not None:
            want = f"in [0, {high})"
        raise ValueError(f"[{cls}] {name} should be {want}, got {value}.")


def _check_betas(cls, betas):
    if len(betas) != 2:
        raise ValueError(f"[{cls}] betas must hold two values, got {len(betas)}.")
    _check_range(cls, "beta1", betas[0], high=1)
    _check_range(cls, "beta2", betas[1], high=1)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (``v``), dampening,
    Nesterov momentum and L2 weight decay (added to the gradient)."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
    ):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("[SGD] Nesterov momentum requires a momentum and zero dampening.")
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.dampening = dampening
        self.nesterov = nesterov

    def init_single(self, parameter: mx.array, state: dict):
        """The momentum buffer ``v`` starts at zero."""
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One SGD step."""
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        lr = self.learning_rate.astype(gradient.dtype)
        if self.momentum <= 0:
            return parameter - lr * gradient
        v = self.momentum * state["v"]
        v = v + ((1 - self.dampening) * gradient if self.dampening > 0 else gradient)
        state["v"] = v
        update = gradient + self.momentum * v if self.nesterov else v
        return parameter - lr * update


class RMSprop(Optimizer):
    """RMSprop: divide by a running root mean square ``v`` of the gradients."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        alpha: float = 0.99,
        eps: float = 1e-8,
    ):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        _check_range("RMSprop", "alpha", alpha)
        _check_range("RMSprop", "eps", eps, low_open=True)
        self.alpha = alpha
        self.eps = eps

    def init_single(self, parameter: mx.array, state: dict):
        """The mean square ``v`` starts at zero."""
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One RMSprop step."""
        lr = self.learning_rate.astype(gradient.dtype)
        v = self.alpha * state["v"] + (1 - self.alpha) * mx.square(gradient)
        state["v"] = v
        return parameter - lr * gradient / (mx.sqrt(v) + self.eps)


class Adagrad(Optimizer):
    """Adagrad: divide by the root of the summed squared gradients ``v``."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        eps: float = 1e-8,
    ):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        _check_range("Adagrad", "eps", eps, low_open=True)
        self.eps = eps

    def init_single(self, parameter: mx.array, state: dict):
        """The sum of squares ``v`` starts at zero."""
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Adagrad step."""
        lr = self.learning_rate.astype(gradient.dtype)
        v = state["v"] + mx.square(gradient)
        state["v"] = v
        return parameter - lr * gradient / (mx.sqrt(v) + self.eps)


class AdaDelta(Optimizer):
    """AdaDelta: steps scaled by running averages of squared gradients (``v``) and
    squared updates (``u``)."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        rho: float = 0.9,
        eps: float = 1e-6,
    ):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        _check_range("AdaDelta", "rho", rho)
        _check_range("AdaDelta", "eps", eps, low_open=True)
        self.rho = rho
        self.eps = eps

    def init_single(self, parameter: mx.array, state: dict):
        """Both running averages start at zero."""
        state["v"] = mx.zeros_like(parameter)
        state["u"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One AdaDelta step."""
        lr = self.learning_rate.astype(gradient.dtype)
        rho, eps = self.rho, self.eps
        v = rho * state["v"] + (1 - rho) * mx.square(gradient)
        delta = mx.sqrt(state["u"] + eps) / mx.sqrt(v + eps) * gradient
        state["v"] = v
        state["u"] = rho * state["u"] + (1 - rho) * mx.square(delta)
        return parameter - lr * delta


class Adam(Optimizer):
    """Adam: moments ``m`` and ``v`` of the gradient; with ``bias_correction`` the
    moments are divided by ``1 - beta**step`` as in the paper."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        bias_correction: bool = False,
    ):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        _check_betas("Adam", betas)
        _check_range("Adam", "eps", eps)
        self.betas = betas
        self.eps = eps
        self.bias_correction = bias_correction

    def init_single(self, parameter: mx.array, state: dict):
        """Both moments start at zero."""
        state["m"] = mx.zeros_like(parameter)
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Adam step."""
        b1, b2 = self.betas
        dtype = gradient.dtype
        lr = self.learning_rate.astype(dtype)
        m = b1 * state["m"] + (1 - b1) * gradient
        v = b2 * state["v"] + (1 - b2) * mx.square(gradient)
        state["m"], state["v"] = m, v
        if not self.bias_correction:
            return parameter - lr * m / (mx.sqrt(v) + self.eps)

        def scales():
            step = self.step
            return (lr / (1 - b1**step)).astype(dtype), mx.rsqrt(1 - b2**step).astype(dtype)

        scale_m, scale_v = self._per_step(("adam", dtype), scales)
        return parameter - scale_m * m / (mx.sqrt(v) * scale_v + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: the parameter shrinks by
    ``1 - learning_rate * weight_decay`` before the Adam step."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        bias_correction: bool = False,
    ):
        super().__init__(learning_rate, betas, eps, bias_correction)
        self.weight_decay = weight_decay

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One AdamW step."""
        lr = self.learning_rate.astype(gradient.dtype)
        parameter = parameter * (1 - lr * self.weight_decay)
        return super().apply_single(gradient, parameter, state)


class Adamax(Adam):
    """Adamax: Adam with the infinity norm, ``v = max(beta2 * v, |g|)``."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
    ):
        super().__init__(learning_rate, betas, eps)

    def init_single(self, parameter: mx.array, state: dict):
        """Both moments start at zero."""
        state["m"] = mx.zeros_like(parameter)
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Adamax step."""
        b1, b2 = self.betas
        lr = self.learning_rate.astype(gradient.dtype)
        m = b1 * state["m"] + (1 - b1) * gradient
        v = mx.maximum(b2 * state["v"], mx.abs(gradient))
        state["m"], state["v"] = m, v
        return parameter - lr * m / (v + self.eps)


class Lion(Optimizer):
    """Lion: step by the sign of an interpolation of the momentum ``m`` and the
    gradient; optional decoupled weight decay."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        betas: List[float] = [0.9, 0.99],
        weight_decay: float = 0.0,
    ):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        _check_betas("Lion", betas)
        self.betas = betas
        self.weight_decay = weight_decay

    def init_single(self, parameter: mx.array, state: dict):
        """The momentum starts at zero."""
        state["m"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Lion step."""
        b1, b2 = self.betas
        lr = self.learning_rate.astype(gradient.dtype)
        m = state["m"]
        direction = mx.sign(b1 * m + (1 - b1) * gradient)
        state["m"] = b2 * m + (1 - b2) * gradient
        if self.weight_decay > 0:
            parameter = parameter * (1 - lr * self.weight_decay)
        return parameter - lr * direction


def _rms(x):
    return mx.sqrt(mx.mean(mx.square(x)))


class Adafactor(Optimizer):
    """Adafactor: second moments kept as row and column averages for matrices
    (``exp_avg_sq_row``, ``exp_avg_sq_col``), a full ``exp_avg_sq`` for vectors,
    update clipping, and by default a relative step size instead of a learning rate."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array], None] = None,
        eps: Tuple[float, float] = (1e-30, 1e-3),
        clip_threshold: float = 1.0,
        decay_rate: float = -0.8,
        beta_1: Optional[float] = None,
        weight_decay: float = 0.0,
        scale_parameter: bool = True,
        relative_step: bool = True,
        warmup_init: bool = False,
    ):
        if learning_rate is None and not relative_step:
            raise ValueError(
                "[Adafactor] Without relative_step a learning_rate is required."
            )
        super().__init__()
        if learning_rate is not None:
            self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps
        self.clip_threshold = clip_threshold
        self.decay_rate = decay_rate
        self.beta_1 = beta_1
        self.weight_decay = weight_decay
        self.scale_parameter = scale_parameter
        self.relative_step = relative_step
        self.warmup_init = warmup_init

    def init_single(self, parameter: mx.array, state: dict):
        """Zero second-moment statistics (factored for ndim >= 2) and, with
        ``beta_1``, a zero first moment ``exp_avg``."""
        shape, dtype = parameter.shape, parameter.dtype
        if parameter.ndim >= 2:
            state["exp_avg_sq_row"] = mx.zeros(shape[:-1], dtype)
            state["exp_avg_sq_col"] = mx.zeros(shape[:-2] + shape[-1:], dtype)
        else:
            state["exp_avg_sq"] = mx.zeros_like(parameter)
        if self.beta_1 is not None:
            state["exp_avg"] = mx.zeros_like(parameter)

    def _step_size(self, step, parameter):
        if self.relative_step:
            floor = 1e-6 * step if self.warmup_init else 1e-2
            size = mx.minimum(floor, mx.rsqrt(step))
        else:
            size = self.learning_rate
        if self.scale_parameter:
            size = mx.maximum(self.eps[1], _rms(parameter)) * size
        return size

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Adafactor step."""
        dtype = gradient.dtype
        step = self.step.astype(mx.float32)
        lr = self._step_size(step, parameter).astype(dtype)
        beta2 = (1.0 - step**self.decay_rate).astype(dtype)
        squared = mx.square(gradient) + self.eps[0]
        if gradient.ndim >= 2:
            row = beta2 * state["exp_avg_sq_row"] + (1 - beta2) * mx.mean(squared, axis=-1)
            col = beta2 * state["exp_avg_sq_col"] + (1 - beta2) * mx.mean(squared, axis=-2)
            state["exp_avg_sq_row"], state["exp_avg_sq_col"] = row, col
            row_factor = mx.rsqrt(row / mx.mean(row, axis=-1, keepdims=True))
            col_factor = mx.rsqrt(col)
            update = mx.expand_dims(row_factor, -1) * mx.expand_dims(col_factor, -2) * gradient
        else:
            v = beta2 * state["exp_avg_sq"] + (1 - beta2) * squared
            state["exp_avg_sq"] = v
            update = mx.rsqrt(v) * gradient
        update = update / mx.maximum(1.0, _rms(update) / self.clip_threshold)
        update = lr * update
        if self.beta_1 is not None:
            update = self.beta_1 * state["exp_avg"] + (1 - self.beta_1) * update
            state["exp_avg"] = update
        if self.weight_decay != 0:
            parameter = parameter - self.weight_decay * lr * parameter
        return parameter - update


def _newton_schulz(x, steps):
    """An approximately orthogonal matrix with the singular vectors of ``x`` (2-d):
    ``steps`` iterations of the quintic Newton-Schulz map, computed in float32."""
    a, b, c = 3.4445, -4.7750, 2.0315
    dtype = x.dtype
    x = x.astype(mx.float32)  # float16 squares overflow (the reference returns zeros)
    transpose = x.shape[0] > x.shape[1]
    if transpose:
        x = x.T
    x = x / (mx.sqrt(mx.sum(mx.square(x))) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return (x.T if transpose else x).astype(dtype)


class Muon(Optimizer):
    """Muon: momentum ``v`` (an exponential average of the gradients, optionally
    Nesterov), orthogonalized by Newton-Schulz iterations for parameters with
    ndim >= 2; weight decay is added to the gradient."""

    def __init__(
        self,
        learning_rate: Union[float, Callable[[mx.array], mx.array]],
        momentum: float = 0.95,
        weight_decay: float = 0.01,
        nesterov: bool = True,
        ns_steps: int = 5,
    ):
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.ns_steps = ns_steps

    def init_single(self, parameter: mx.array, state: dict):
        """The momentum starts at zero."""
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict):
        """One Muon step."""
        mom = self.momentum
        lr = self.learning_rate.astype(gradient.dtype)
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        v = mom * state["v"] + (1 - mom) * gradient
        state["v"] = v
        update = mom * v + (1 - mom) * gradient if self.nesterov else v
        if update.ndim >= 2:
            shape = update.shape
            flat = update.reshape(shape[0], -1) if update.ndim > 2 else update
            update = _newton_schulz(flat, self.ns_steps).reshape(shape)
            update = update * math.sqrt(max(1.0, shape[-2] / shape[-1]))
        return parameter - lr * update


class MultiOptimizer(Optimizer):
    """Several optimizers over one parameter tree.

    ``filters[i](path, gradient)`` picks the parameters of ``optimizers[i]``; the
    last optimizer takes the rest, so there is one filter fewer than optimizers.
    The state is ``{"states": [state of each optimizer]}``.
    """

    def __init__(self, optimizers, filters: list = []):
        super().__init__()
        self._state = {}
        if len(filters) != len(optimizers) - 1:
            raise ValueError(
                f"[MultiOptimizer] Given {len(filters)} filters but "
                f"{len(optimizers) - 1} needed."
            )
        self.optimizers = optimizers
        self.filters = filters

    def _split_dictionary(self, gradients: dict):
        """One gradient tree per optimizer (leaves picked by the filters)."""
        parts = [[] for _ in self.optimizers]
        for path, g in tree_flatten(gradients):
            for i, keep in enumerate(self.filters):
                if keep(path, g):
                    parts[i].append((path, g))
                    break
            else:
                parts[-1].append((path, g))
        return [tree_unflatten(p) if p else {} for p in parts]

    def init(self, parameters: dict):
        """Initialize each optimizer on its part of ``parameters``."""
        self._check_top(parameters)
        for opt, part in zip(self.optimizers, self._split_dictionary(parameters)):
            opt.init(part)

    def apply_gradients(self, gradients: dict, parameters: dict):
        """Each optimizer updates its part; the results are merged into one tree."""
        self._check_top(gradients)
        result = {}
        for opt, part in zip(self.optimizers, self._split_dictionary(gradients)):
            result = tree_merge(result, opt.apply_gradients(part, parameters))
        return result

    @property
    def state(self):
        """``{"states": [optimizer.state for each optimizer]}``."""
        return {"states": [opt.state for opt in self.optimizers]}

    @state.setter
    def state(self, state: dict):
        states = state.get("states") if isinstance(state, dict) else None
        if not isinstance(states, (list, tuple)) or len(states) != len(self.optimizers):
            raise ValueError(
                f"[MultiOptimizer] The state must be {{'states': [...]}} with "
                f"{len(self.optimizers)} optimizer states."
            )
        for opt, s in zip(self.optimizers, states):
            opt.state = s

    @property
    def step(self):
        """The step of the first optimizer."""
        return self.optimizers[0].step

    @property
    def learning_rate(self):
        """The learning rate of the first optimizer."""
        return self.optimizers[0].learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        for opt in self.optimizers:
            opt.learning_rate = learning_rate


def clip_grad_norm(grads, max_norm):
    """Scale ``grads`` so that their global L2 norm is at most ``max_norm``.

    Returns ``(clipped_grads, total_norm)``; the norm is accumulated in float32,
    floating gradients keep their dtype.
    """
    squares = tree_reduce(
        lambda acc, g: acc + mx.sum(mx.square(g.astype(mx.float32))),
        grads,
        mx.array(0.0, mx.float32),
    )
    total_norm = mx.sqrt(squares)
    factor = mx.minimum(max_norm / (total_norm + 1e-6), 1.0)

    def clip(g):
        clipped = g * factor
        if mx.issubdtype(g.dtype, mx.floating):
            return clipped.astype(g.dtype)
        return clipped

    return tree_map(clip, grads), total_norm
