"""NumPy float64 implementations of the optimizer updates (test oracles).

Each ``*_step(p, g, state, t, **hyper)`` takes a parameter, its gradient, a dict of
state arrays (filled in place) and the 1-based step number, and returns the new
parameter. Written from the algorithms' definitions.
"""

import numpy as np


def sgd_step(p, g, s, t, lr, momentum=0.0, weight_decay=0.0, dampening=0.0, nesterov=False):
    if weight_decay:
        g = g + weight_decay * p
    if momentum <= 0:
        return p - lr * g
    v = momentum * s.get("v", 0.0) + (1 - dampening) * g
    s["v"] = v
    return p - lr * (g + momentum * v if nesterov else v)


def rmsprop_step(p, g, s, t, lr, alpha=0.99, eps=1e-8):
    v = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
    s["v"] = v
    return p - lr * g / (np.sqrt(v) + eps)


def adagrad_step(p, g, s, t, lr, eps=1e-8):
    v = s.get("v", 0.0) + g * g
    s["v"] = v
    return p - lr * g / (np.sqrt(v) + eps)


def adadelta_step(p, g, s, t, lr, rho=0.9, eps=1e-6):
    v = rho * s.get("v", 0.0) + (1 - rho) * g * g
    d = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(v + eps) * g
    s["v"] = v
    s["u"] = rho * s.get("u", 0.0) + (1 - rho) * d * d
    return p - lr * d


def adam_step(p, g, s, t, lr, betas=(0.9, 0.999), eps=1e-8, bias_correction=False):
    b1, b2 = betas
    m = b1 * s.get("m", 0.0) + (1 - b1) * g
    v = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    s["m"], s["v"] = m, v
    if bias_correction:
        return p - lr / (1 - b1**t) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)
    return p - lr * m / (np.sqrt(v) + eps)


def adamw_step(p, g, s, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, bias_correction=False):
    p = p * (1 - lr * weight_decay)
    return adam_step(p, g, s, t, lr, betas, eps, bias_correction)


def adamax_step(p, g, s, t, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    m = b1 * s.get("m", 0.0) + (1 - b1) * g
    v = np.maximum(b2 * s.get("v", 0.0), np.abs(g))
    s["m"], s["v"] = m, v
    return p - lr * m / (v + eps)


def lion_step(p, g, s, t, lr, betas=(0.9, 0.99), weight_decay=0.0):
    b1, b2 = betas
    m = s.get("m", 0.0)
    c = b1 * m + (1 - b1) * g
    s["m"] = b2 * m + (1 - b2) * g
    if weight_decay > 0:
        p = p * (1 - lr * weight_decay)
    return p - lr * np.sign(c)


def _rms(x):
    return np.sqrt(np.mean(np.square(x)))


def adafactor_step(p, g, s, t, lr=None, eps=(1e-30, 1e-3), clip_threshold=1.0, decay_rate=-0.8,
                   beta_1=None, weight_decay=0.0, scale_parameter=True, relative_step=True,
                   warmup_init=False):
    if relative_step:
        rel = min(1e-6 * t if warmup_init else 1e-2, 1 / np.sqrt(t))
    else:
        rel = lr
    step_lr = rel * (max(eps[1], _rms(p)) if scale_parameter else 1.0)
    beta2 = 1.0 - t**decay_rate
    u = g * g + eps[0]
    if p.ndim >= 2:
        row = beta2 * s.get("exp_avg_sq_row", 0.0) + (1 - beta2) * u.mean(-1)
        col = beta2 * s.get("exp_avg_sq_col", 0.0) + (1 - beta2) * u.mean(-2)
        s["exp_avg_sq_row"], s["exp_avg_sq_col"] = row, col
        r = 1 / np.sqrt(row / row.mean(-1, keepdims=True))
        c = 1 / np.sqrt(col)
        u = r[..., :, None] * c[..., None, :] * g
    else:
        v = beta2 * s.get("exp_avg_sq", 0.0) + (1 - beta2) * u
        s["exp_avg_sq"] = v
        u = g / np.sqrt(v)
    u = u / max(1.0, _rms(u) / clip_threshold)
    u = step_lr * u
    if beta_1 is not None:
        u = beta_1 * s.get("exp_avg", 0.0) + (1 - beta_1) * u
        s["exp_avg"] = u
    if weight_decay != 0:
        p = p - weight_decay * step_lr * p
    return p - u


def newton_schulz(x, steps):
    """Quintic Newton-Schulz orthogonalization of a 2-d matrix."""
    a, b, c = 3.4445, -4.7750, 2.0315
    transpose = x.shape[0] > x.shape[1]
    if transpose:
        x = x.T
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if transpose else x


def muon_step(p, g, s, t, lr, momentum=0.95, weight_decay=0.01, nesterov=True, ns_steps=5):
    if weight_decay != 0:
        g = g + weight_decay * p
    v = momentum * s.get("v", 0.0) + (1 - momentum) * g
    s["v"] = v
    u = momentum * v + (1 - momentum) * g if nesterov else v
    if u.ndim >= 2:
        shape = u.shape
        u = newton_schulz(u.reshape(shape[0], -1), ns_steps).reshape(shape)
        u = u * np.sqrt(max(1.0, shape[-2] / shape[-1]))
    return p - lr * u
