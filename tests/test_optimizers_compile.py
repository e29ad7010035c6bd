"""Optimizers inside mx.compile: a training step compiled with
``inputs=state, outputs=state`` (state = [model.state, optimizer.state]) gives the eager
results, traces once the state is laid out, resumes from a saved state, and keeps memory
flat over 2,000 steps."""

from functools import partial

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten, tree_unflatten

from test_optimizers import _MLP
from test_optimizers import _regression_data as _data


def _loss(model, x, y):
    return mx.mean(mx.square(model(x) - y))


def _make_step(model, opt, compiled, calls=None):
    loss_and_grad = nn.value_and_grad(model, _loss)

    def step(x, y):
        if calls is not None:
            calls.append(1)
        loss, grads = loss_and_grad(model, x, y)
        opt.update(model, grads)
        return loss

    if not compiled:
        return step
    state = [model.state, opt.state]
    return partial(mx.compile, inputs=state, outputs=state)(step)


MAKERS = {
    "SGD": lambda: optim.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
    "RMSprop": lambda: optim.RMSprop(0.003),
    "Adagrad": lambda: optim.Adagrad(0.05),
    "AdaDelta": lambda: optim.AdaDelta(1.0),
    "Adam": lambda: optim.Adam(optim.cosine_decay(0.01, 12), bias_correction=True),
    "AdamW": lambda: optim.AdamW(optim.join_schedules(
        [optim.linear_schedule(0.0, 0.01, 3), optim.exponential_decay(0.01, 0.9)], [3])),
    "Adamax": lambda: optim.Adamax(0.02),
    "Lion": lambda: optim.Lion(0.003, weight_decay=0.1),
    "Adafactor": lambda: optim.Adafactor(beta_1=0.9),
    "Muon": lambda: optim.Muon(0.02),
    "Multi": lambda: optim.MultiOptimizer([optim.Adam(0.01), optim.SGD(0.05, momentum=0.9)],
                                          [lambda path, g: g.ndim == 1]),
}


def _run(make, compiled, steps=12):
    mx.random.seed(0)
    model = _MLP()
    opt = make()
    calls = []
    step = _make_step(model, opt, compiled, calls)
    x, y = _data()
    losses = []
    for _ in range(steps):
        loss = step(x, y)
        mx.eval(loss, model.parameters(), opt.state)
        losses.append(loss.item())
    return losses, model, opt, len(calls)


@pytest.mark.parametrize("name", list(MAKERS))
def test_compiled_step_matches_eager(name):
    """Same losses, parameters and optimizer state as the eager loop; the step body is
    traced twice (state empty, then laid out by the first update) and then reused."""
    eager_losses, eager_model, eager_opt, _ = _run(MAKERS[name], False)
    losses, model, opt, traces = _run(MAKERS[name], True)
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-5, atol=1e-7)
    assert losses[-1] < losses[0]
    for (k, a), (_, b) in zip(tree_flatten(model.parameters()), tree_flatten(eager_model.parameters())):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-5, atol=1e-6, err_msg=k)
    want = dict(tree_flatten(eager_opt.state))
    got = dict(tree_flatten(opt.state))
    assert set(got) == set(want)
    for k, v in want.items():
        assert got[k].dtype == v.dtype, k
        np.testing.assert_allclose(np.array(got[k]), np.array(v), rtol=1e-5, atol=1e-6, err_msg=k)
    steps = opt.optimizers[0].step if name == "Multi" else opt.step
    assert steps.item() == 12 and steps.dtype == mx.uint64
    assert traces == 2


def test_initialized_state_traces_once():
    """With opt.init(model.trainable_parameters()) before compiling, the layout never
    changes and the step is traced once."""
    mx.random.seed(0)
    model = _MLP()
    opt = optim.Adam(optim.cosine_decay(0.01, 10))
    opt.init(model.trainable_parameters())
    calls = []
    step = _make_step(model, opt, True, calls)
    x, y = _data()
    for i in range(5):
        mx.eval(step(x, y))
        assert opt.learning_rate.item() == pytest.approx(0.005 * (1 + np.cos(np.pi * i / 10)), rel=1e-5)
    assert len(calls) == 1 and opt.step.item() == 5


def test_compiled_resume_from_saved_state(tmp_path):
    """Save model and optimizer after 4 compiled steps, load both into fresh objects,
    compile again: the next 4 steps equal those of the uninterrupted loop."""
    x, y = _data()
    mx.random.seed(0)
    model = _MLP()
    opt = optim.AdamW(optim.cosine_decay(0.01, 8), bias_correction=True)
    step = _make_step(model, opt, True)
    for _ in range(4):
        mx.eval(step(x, y), model.parameters(), opt.state)
    model.save_weights(str(tmp_path / "model.safetensors"))
    mx.save_safetensors(str(tmp_path / "opt.safetensors"), dict(tree_flatten(opt.state)))
    want = []
    for _ in range(4):
        loss = step(x, y)
        mx.eval(loss, model.parameters(), opt.state)
        want.append(loss.item())

    mx.random.seed(1)  # different initial weights, replaced by the loaded ones
    fresh = _MLP()
    fresh.load_weights(str(tmp_path / "model.safetensors"))
    fresh_opt = optim.AdamW(optim.cosine_decay(0.01, 8), bias_correction=True)
    fresh_opt.state = tree_unflatten(list(mx.load(str(tmp_path / "opt.safetensors")).items()))
    calls = []
    fresh_step = _make_step(fresh, fresh_opt, True, calls)
    got = []
    for _ in range(4):
        loss = fresh_step(x, y)
        mx.eval(loss, fresh.parameters(), fresh_opt.state)
        got.append(loss.item())
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert fresh_opt.step.item() == 8 and len(calls) == 1
    for (k, a), (_, b) in zip(tree_flatten(fresh.parameters()), tree_flatten(model.parameters())):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-6, atol=1e-7, err_msg=k)


def test_compiled_loop_memory_flat_over_2000_steps():
    """Active memory over steps 1,900-2,000 of a compiled Adam loop (with gradient
    clipping and a schedule) is that of steps 100-200."""
    mx.random.seed(0)
    model = _MLP()
    opt = optim.Adam(optim.cosine_decay(1e-3, 2000), bias_correction=True)
    loss_and_grad = nn.value_and_grad(model, _loss)
    state = [model.state, opt.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def step(x, y):
        loss, grads = loss_and_grad(model, x, y)
        grads, _ = optim.clip_grad_norm(grads, 1.0)
        opt.update(model, grads)
        return loss

    x, y = _data()
    early, late = [], []
    for i in range(1, 2001):
        loss = step(x, y)
        mx.eval(loss, model.parameters(), opt.state)
        del loss
        if 100 <= i <= 200:
            early.append(mx.get_active_memory())
        elif i >= 1900:
            late.append(mx.get_active_memory())
    assert max(late) <= max(early) + 4096, (max(early), max(late))
    assert opt.step.item() == 2000
