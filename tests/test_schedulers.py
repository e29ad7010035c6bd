"""mlx.optimizers.schedulers against their closed forms, for int and array steps, and
as learning rates of every optimizer."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.optimizers as optim
from mlx.optimizers import schedulers

STEPS = [0, 1, 3, 9, 10, 11, 25, 100]


def _close(value, expected):
    return np.allclose(np.array(value, dtype=np.float64), expected, rtol=1e-6, atol=1e-8)


def test_module_path():
    assert schedulers.cosine_decay is optim.cosine_decay
    for name in ("step_decay", "exponential_decay", "cosine_decay", "linear_schedule", "join_schedules"):
        assert getattr(optim, name) is getattr(schedulers, name)


@pytest.mark.parametrize("as_array", [None, mx.int32, mx.uint64, mx.float32])
def test_closed_forms(as_array):
    def wrap(s):
        return s if as_array is None else mx.array(s, as_array)

    for s in STEPS:
        assert _close(optim.exponential_decay(0.1, 0.9)(wrap(s)), 0.1 * 0.9**s)
        assert _close(optim.step_decay(0.1, 0.9, 10)(wrap(s)), 0.1 * 0.9 ** (s // 10))
        c = min(s, 10)
        assert _close(optim.cosine_decay(0.1, 10)(wrap(s)), 0.05 * (1 + math.cos(math.pi * c / 10)))
        assert _close(optim.cosine_decay(0.1, 10, 0.01)(wrap(s)),
                      0.01 + 0.045 * (1 + math.cos(math.pi * c / 10)))
        assert _close(optim.linear_schedule(0.0, 0.1, 10)(wrap(s)), 0.01 * c)
        assert _close(optim.linear_schedule(1.0, 0.5, 4)(wrap(s)), 1.0 - 0.125 * min(s, 4))


def test_result_types():
    """Python steps give Python numbers where the formula is plain arithmetic
    (step_decay, exponential_decay), arrays otherwise; array steps give float32."""
    assert isinstance(optim.step_decay(0.1, 0.9, 10)(25), float)
    assert isinstance(optim.exponential_decay(0.1, 0.9)(3), float)
    for s in (optim.cosine_decay(0.1, 10), optim.linear_schedule(0.0, 1.0, 10)):
        assert s(3).dtype == mx.float32 and s(mx.array(3, mx.uint64)).dtype == mx.float32
    for s in (optim.step_decay(0.1, 0.9, 10), optim.exponential_decay(0.1, 0.9)):
        assert s(mx.array(25, mx.uint64)).dtype == mx.float32
    assert optim.exponential_decay(1, 2)(mx.array(3)).dtype == mx.int32
    # a schedule maps over a vector of steps
    np.testing.assert_allclose(np.array(optim.cosine_decay(1.0, 4)(mx.array([1, 2, 3, 8]))),
                               [0.853553, 0.5, 0.146447, 0.0], rtol=1e-5)
    assert optim.linear_schedule(1.0, 0.0, 4)(mx.array(2**40, mx.uint64)).item() == 0.0


def test_join_schedules():
    warm = optim.join_schedules([optim.linear_schedule(0, 0.1, 10), optim.cosine_decay(0.1, 20)], [10])
    for s in range(0, 40, 3):
        want = 0.01 * s if s < 10 else 0.05 * (1 + math.cos(math.pi * min(s - 10, 20) / 20))
        assert _close(warm(s), want) and _close(warm(mx.array(s, mx.uint64)), want)
        assert warm(s).dtype == mx.float32
    three = optim.join_schedules(
        [optim.exponential_decay(1.0, 0.5), optim.exponential_decay(2.0, 0.5),
         optim.exponential_decay(3.0, 0.5)], [3, 6])
    assert [three(s).item() for s in range(9)] == [1, 0.5, 0.25, 2, 1, 0.5, 3, 1.5, 0.75]
    # boundaries are applied in order, each counting from its own start
    odd = optim.join_schedules(
        [optim.exponential_decay(1.0, 0.5), optim.exponential_decay(2.0, 0.5),
         optim.exponential_decay(3.0, 0.5)], [5, 2])
    assert [odd(s).item() for s in range(4)] == [1, 0.5, 3, 1.5]
    single = optim.join_schedules([optim.linear_schedule(0.0, 1.0, 4)], [])
    assert single(2).item() == 0.5


def test_bad_arguments():
    with pytest.raises(ValueError, match="steps must be greater than 0, but got 0"):
        optim.linear_schedule(0.0, 0.1, 0)
    with pytest.raises(ValueError, match="but got -1"):
        optim.linear_schedule(0.0, 0.1, -1)
    with pytest.raises(ValueError, match="decay_steps must be greater than 0"):
        optim.cosine_decay(0.1, 0)
    with pytest.raises(ValueError, match="step_size must be greater than 0"):
        optim.step_decay(0.1, 0.9, 0)
    with pytest.raises(ValueError, match="at least 1 schedule"):
        optim.join_schedules([], [])
    with pytest.raises(ValueError, match="Received 1 boundaries but expected 0"):
        optim.join_schedules([optim.linear_schedule(0, 0.1, 10)], [10])
    with pytest.raises(ValueError, match="Received 1 boundaries but expected 2"):
        optim.join_schedules([optim.linear_schedule(0, 0.1, 10)] * 3, [10])


MAKERS = [
    lambda lr: optim.SGD(lr, momentum=0.9), lambda lr: optim.RMSprop(lr), lambda lr: optim.Adagrad(lr),
    lambda lr: optim.AdaDelta(lr), lambda lr: optim.Adam(lr), lambda lr: optim.AdamW(lr),
    lambda lr: optim.Adamax(lr), lambda lr: optim.Lion(lr), lambda lr: optim.Muon(lr),
    lambda lr: optim.Adafactor(lr, relative_step=False),
]


@pytest.mark.parametrize("make", MAKERS)
def test_schedule_as_learning_rate(make):
    """A schedule anywhere a learning rate goes: the state's learning_rate follows it
    (evaluated at the step count before each update), and the update equals one
    made with that constant learning rate."""
    sched = optim.join_schedules([optim.linear_schedule(0.0, 0.1, 3), optim.exponential_decay(0.1, 0.5)], [3])
    scheduled = make(sched)
    assert scheduled.learning_rate.item() == 0.0 and scheduled.step.item() == 0
    rng = np.random.default_rng(0)
    p_sched = {"w": mx.array(rng.normal(size=(3, 2)).astype(np.float32))}
    p_const = dict(p_sched)
    constant = None
    for t in range(6):
        g = {"w": mx.array(rng.normal(size=(3, 2)).astype(np.float32))}
        p_sched = scheduled.apply_gradients(g, p_sched)
        want = float(np.array(sched(t)))
        assert scheduled.learning_rate.item() == pytest.approx(want, rel=1e-6)
        # the same step with the learning rate fixed at that value
        if constant is None:
            constant = make(want)
        constant.learning_rate = want
        p_const = constant.apply_gradients(g, p_const)
        np.testing.assert_allclose(np.array(p_sched["w"]), np.array(p_const["w"]), rtol=1e-6, atol=1e-7)
    assert scheduled.step.item() == 6
