"""Loss functions (``mlx.nn.losses``).

Each loss computes an element-wise (or per-sample) loss and then applies ``reduction``:
``'none'`` returns it as is, ``'mean'`` averages and ``'sum'`` adds every element. The
defaults follow the reference: ``'mean'`` for the regression and binary losses, ``'none'``
for the others.
"""

import math
from typing import Literal, Optional, get_args

import mlx.core as mx

__all__ = [
    "Reduction",
    "binary_cross_entropy",
    "cosine_similarity_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_loss",
    "huber_loss",
    "kl_div_loss",
    "l1_loss",
    "log_cosh_loss",
    "margin_ranking_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
    "triplet_loss",
]

Reduction = Literal["none", "mean", "sum"]

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def _reduce(loss: mx.array, reduction: Reduction = "none", name: str = "loss") -> mx.array:
    # Apply a reduction; an unknown one is a ValueError.
    if reduction == "mean":
        return mx.mean(loss)
    if reduction == "sum":
        return mx.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(
        f"[{name}] Invalid reduction {reduction!r}. Must be one of {get_args(Reduction)}."
    )


def _check_same_shape(name, first, first_label, second, second_label):
    # The reference requires some pairs of arguments to have exactly the same shape.
    if first.shape != second.shape:
        raise ValueError(
            f"[{name}] {first_label} shape {first.shape} does not match "
            f"{second_label} shape {second.shape}."
        )


def _apply_weights(name, loss, weights):
    # Multiply by per-element weights, which must have the loss's exact shape.
    if weights is None:
        return loss
    if weights.shape != loss.shape:
        raise ValueError(
            f"[{name}] Weights with shape {weights.shape} is not the same as "
            f"output loss with shape {loss.shape}."
        )
    return loss * weights


def cross_entropy(
    logits: mx.array,
    targets: mx.array,
    weights: Optional[mx.array] = None,
    axis: int = -1,
    label_smoothing: float = 0.0,
    reduction: Reduction = "none",
) -> mx.array:
    """Cross entropy between unnormalised ``logits`` and ``targets``.

    ``targets`` holds class indices (the shape of ``logits`` without ``axis``) or
    probabilities (the shape of ``logits``). ``label_smoothing`` in ``[0, 1)`` mixes the
    target with the uniform distribution over classes; ``weights`` (the loss's shape)
    scales each sample before the reduction.
    """
    if not 0 <= label_smoothing < 1:
        raise ValueError(
            f"[cross_entropy] Label smoothing must be in [0, 1), got {label_smoothing}."
        )

    probabilities = targets.ndim == logits.ndim
    if probabilities:
        shape_ok = targets.shape == logits.shape
    else:
        if not -logits.ndim <= axis < logits.ndim:
            raise IndexError(
                f"[cross_entropy] Invalid axis {axis} for logits with {logits.ndim} "
                "dimensions."
            )
        class_axis = axis % logits.ndim
        expected = logits.shape[:class_axis] + logits.shape[class_axis + 1 :]
        shape_ok = targets.ndim == logits.ndim - 1 and targets.shape == expected
    if not shape_ok:
        raise ValueError(
            f"[cross_entropy] Targets shape {targets.shape} does not match "
            f"logits shape {logits.shape}."
        )

    if probabilities:
        score = mx.sum(logits * targets, axis=axis)
    else:
        index = mx.expand_dims(targets, axis)
        score = mx.take_along_axis(logits, index, axis=axis).squeeze(axis)

    if logits.dtype in (mx.float16, mx.bfloat16):
        # Subtracting the score before the logsumexp rounds the loss once, not twice,
        # which keeps half-precision losses accurate (and equal to the reference's).
        loss = mx.logsumexp(logits - mx.expand_dims(score, axis), axis=axis)
    else:
        loss = mx.logsumexp(logits, axis=axis) - score
    if label_smoothing > 0:
        # (1 - s) * (-log p[target]) + s * mean over classes of (-log p[c]).
        loss = loss + label_smoothing * (score - mx.mean(logits, axis=axis))

    loss = _apply_weights("cross_entropy", loss, weights)
    return _reduce(loss, reduction, "cross_entropy")


def binary_cross_entropy(
    inputs: mx.array,
    targets: mx.array,
    weights: Optional[mx.array] = None,
    with_logits: bool = True,
    reduction: Reduction = "mean",
) -> mx.array:
    """Binary cross entropy.

    ``inputs`` are logits (``with_logits=True``) or probabilities; ``targets`` (0/1 or
    soft labels) have the same shape. Probabilities have their logarithms clamped at -100 so
    that 0 and 1 give finite losses. ``weights`` (the loss's shape) scales each element.
    """
    _check_same_shape("binary_cross_entropy", inputs, "Inputs", targets, "targets")
    if with_logits:
        loss = mx.logaddexp(0.0, inputs) - inputs * targets
    else:
        log_p = mx.maximum(mx.log(inputs), -100)
        log_not_p = mx.maximum(mx.log(1 - inputs), -100)
        loss = -(targets * log_p + (1 - targets) * log_not_p)
    loss = _apply_weights("binary_cross_entropy", loss, weights)
    return _reduce(loss, reduction, "binary_cross_entropy")


def l1_loss(
    predictions: mx.array, targets: mx.array, reduction: Reduction = "mean"
) -> mx.array:
    """Absolute error ``|predictions - targets|`` (same shapes)."""
    _check_same_shape("l1_loss", predictions, "Predictions", targets, "targets")
    return _reduce(mx.abs(predictions - targets), reduction, "l1_loss")


def mse_loss(
    predictions: mx.array, targets: mx.array, reduction: Reduction = "mean"
) -> mx.array:
    """Squared error ``(predictions - targets) ** 2`` (same shapes)."""
    _check_same_shape("mse_loss", predictions, "Predictions", targets, "targets")
    return _reduce(mx.square(predictions - targets), reduction, "mse_loss")


def nll_loss(
    inputs: mx.array, targets: mx.array, axis: int = -1, reduction: Reduction = "none"
) -> mx.array:
    """Negative log likelihood: ``-inputs[target]`` along ``axis``, where ``inputs`` are
    log-probabilities and ``targets`` class indices."""
    picked = mx.take_along_axis(inputs, mx.expand_dims(targets, axis), axis=axis)
    return _reduce(-picked.squeeze(axis), reduction, "nll_loss")


def gaussian_nll_loss(
    inputs: mx.array,
    targets: mx.array,
    vars: mx.array,
    full: bool = False,
    eps: float = 1e-6,
    reduction: Reduction = "mean",
) -> mx.array:
    """Negative log likelihood of ``targets`` under a Gaussian with mean ``inputs`` and
    variance ``vars`` (clamped below at ``eps``):
    ``0.5 * (log(vars) + (targets - inputs) ** 2 / vars)``, plus ``0.5 * log(2 pi)`` when
    ``full``. The three arrays have the same shape."""
    _check_same_shape("gaussian_nll_loss", inputs, "Inputs", targets, "targets")
    _check_same_shape("gaussian_nll_loss", inputs, "Inputs", vars, "vars")
    vars = mx.maximum(vars, eps)
    loss = 0.5 * (mx.log(vars) + mx.square(targets - inputs) / vars)
    if full:
        loss = loss + _HALF_LOG_TWO_PI
    return _reduce(loss, reduction, "gaussian_nll_loss")


def kl_div_loss(
    inputs: mx.array, targets: mx.array, axis: int = -1, reduction: Reduction = "none"
) -> mx.array:
    """Kullback-Leibler divergence ``sum(exp(targets) * (targets - inputs))`` along
    ``axis``, where both arguments are log-probabilities."""
    loss = mx.sum(mx.exp(targets) * (targets - inputs), axis=axis)
    return _reduce(loss, reduction, "kl_div_loss")


def smooth_l1_loss(
    predictions: mx.array,
    targets: mx.array,
    beta: float = 1.0,
    reduction: Reduction = "mean",
) -> mx.array:
    """Smooth L1: ``0.5 * d ** 2 / beta`` where ``d = |predictions - targets| < beta``,
    ``d - 0.5 * beta`` elsewhere (plain L1 when ``beta`` is 0)."""
    _check_same_shape("smooth_l1_loss", predictions, "Predictions", targets, "targets")
    diff = mx.abs(predictions - targets)
    if isinstance(beta, (int, float)) and beta == 0:
        loss = diff
    else:
        loss = mx.where(diff < beta, 0.5 * mx.square(diff) / beta, diff - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def _p_distance(x, axis, p, eps):
    # (sum |x| ** p + eps) ** (1 / p) along axis.
    powered = mx.square(x) if p == 2 else mx.power(mx.abs(x), p)
    return mx.power(mx.sum(powered, axis=axis) + eps, 1.0 / p)


def triplet_loss(
    anchors: mx.array,
    positives: mx.array,
    negatives: mx.array,
    axis: int = -1,
    p: int = 2,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: Reduction = "none",
) -> mx.array:
    """Triplet margin loss ``max(d(a, p) - d(a, n) + margin, 0)``, with the p-norm distance
    ``d(x, y) = (sum |x - y| ** p + eps) ** (1 / p)`` along ``axis``."""
    positive = _p_distance(anchors - positives, axis, p, eps)
    negative = _p_distance(anchors - negatives, axis, p, eps)
    loss = mx.maximum(positive - negative + margin, 0)
    return _reduce(loss, reduction, "triplet_loss")


def hinge_loss(
    inputs: mx.array, targets: mx.array, reduction: Reduction = "none"
) -> mx.array:
    """Hinge loss ``max(1 - inputs * targets, 0)`` with targets in {-1, 1}."""
    return _reduce(mx.maximum(1 - inputs * targets, 0), reduction, "hinge_loss")


def huber_loss(
    inputs: mx.array,
    targets: mx.array,
    delta: float = 1.0,
    reduction: Reduction = "none",
) -> mx.array:
    """Huber loss: ``0.5 * d ** 2`` where ``d = |inputs - targets| <= delta``,
    ``delta * (d - 0.5 * delta)`` elsewhere."""
    error = mx.abs(inputs - targets)
    loss = mx.where(
        error <= delta, 0.5 * mx.square(error), delta * (error - 0.5 * delta)
    )
    return _reduce(loss, reduction, "huber_loss")


def log_cosh_loss(
    inputs: mx.array, targets: mx.array, reduction: Reduction = "none"
) -> mx.array:
    """``log(cosh(inputs - targets))``, computed without overflow for large errors."""
    error = inputs - targets
    loss = mx.logaddexp(error, -error) - math.log(2)
    return _reduce(loss, reduction, "log_cosh_loss")


def cosine_similarity_loss(
    x1: mx.array,
    x2: mx.array,
    axis: int = 1,
    eps: float = 1e-8,
    reduction: Reduction = "none",
) -> mx.array:
    """Cosine similarity ``x1 . x2 / max(|x1| |x2|, eps)`` along ``axis`` (the similarity
    itself, as the reference returns it, not one minus it)."""
    dot = mx.sum(x1 * x2, axis=axis)
    norm1 = mx.sqrt(mx.sum(mx.square(x1), axis=axis))
    norm2 = mx.sqrt(mx.sum(mx.square(x2), axis=axis))
    loss = dot / mx.maximum(norm1 * norm2, eps)
    return _reduce(loss, reduction, "cosine_similarity_loss")


def margin_ranking_loss(
    inputs1: mx.array,
    inputs2: mx.array,
    targets: mx.array,
    margin: float = 0.0,
    reduction: Reduction = "none",
) -> mx.array:
    """Margin ranking loss ``max(-targets * (inputs1 - inputs2) + margin, 0)``, where
    ``targets`` (1 or -1) says which input should rank higher; the three arrays have the
    same shape."""
    if not (inputs1.shape == inputs2.shape == targets.shape):
        raise ValueError(
            "[margin_ranking_loss] The shapes of the arguments do not match. The provided "
            f"shapes are inputs1.shape={inputs1.shape}, inputs2.shape={inputs2.shape}, "
            f"and targets.shape={targets.shape}."
        )
    loss = mx.maximum(-targets * (inputs1 - inputs2) + margin, 0)
    return _reduce(loss, reduction, "margin_ranking_loss")
