"""mlx.optimizers: each update against a NumPy float64 implementation and against
torch.optim, state layout and dtypes, saving and restoring state, MultiOptimizer,
clip_grad_norm, training an nn model, bad input, and memory over a long loop."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten, tree_map, tree_unflatten

import optim_oracles as O

SHAPES = {"a": (5,), "b": (3, 4), "c": (2, 3, 4), "d": (6, 2), "e": (), "f": (1, 5)}

# (optimizer class, oracle, keyword arguments); "learning_rate" is passed to both.
CASES = [
    (optim.SGD, O.sgd_step, dict(learning_rate=0.1)),
    (optim.SGD, O.sgd_step, dict(learning_rate=0.1, weight_decay=0.1)),
    (optim.SGD, O.sgd_step, dict(learning_rate=0.1, momentum=0.9)),
    (optim.SGD, O.sgd_step, dict(learning_rate=0.1, momentum=0.9, weight_decay=0.1, dampening=0.2)),
    (optim.SGD, O.sgd_step, dict(learning_rate=0.1, momentum=0.9, weight_decay=0.1, nesterov=True)),
    (optim.RMSprop, O.rmsprop_step, dict(learning_rate=0.01)),
    (optim.RMSprop, O.rmsprop_step, dict(learning_rate=0.01, alpha=0.5, eps=1e-3)),
    (optim.Adagrad, O.adagrad_step, dict(learning_rate=0.1)),
    (optim.Adagrad, O.adagrad_step, dict(learning_rate=0.1, eps=1e-3)),
    (optim.AdaDelta, O.adadelta_step, dict(learning_rate=1.0)),
    (optim.AdaDelta, O.adadelta_step, dict(learning_rate=0.5, rho=0.7, eps=1e-3)),
    (optim.Adam, O.adam_step, dict(learning_rate=0.01)),
    (optim.Adam, O.adam_step, dict(learning_rate=0.01, betas=[0.8, 0.9], eps=1e-3, bias_correction=True)),
    (optim.AdamW, O.adamw_step, dict(learning_rate=0.01)),
    (optim.AdamW, O.adamw_step, dict(learning_rate=0.01, weight_decay=0.1, bias_correction=True)),
    (optim.Adamax, O.adamax_step, dict(learning_rate=0.01)),
    (optim.Adamax, O.adamax_step, dict(learning_rate=0.01, betas=[0.5, 0.6], eps=1e-2)),
    (optim.Lion, O.lion_step, dict(learning_rate=0.01)),
    (optim.Lion, O.lion_step, dict(learning_rate=0.01, betas=[0.5, 0.7], weight_decay=0.1)),
    (optim.Adafactor, O.adafactor_step, dict()),
    (optim.Adafactor, O.adafactor_step, dict(learning_rate=0.01, relative_step=False)),
    (optim.Adafactor, O.adafactor_step, dict(learning_rate=0.01, relative_step=False, scale_parameter=False,
                                             beta_1=0.9, weight_decay=0.1, clip_threshold=0.5)),
    (optim.Adafactor, O.adafactor_step, dict(warmup_init=True, decay_rate=-0.5, eps=(1e-20, 1e-2))),
    (optim.Muon, O.muon_step, dict(learning_rate=0.1)),
    (optim.Muon, O.muon_step, dict(learning_rate=0.1, momentum=0.5, weight_decay=0.0, nesterov=False, ns_steps=3)),
]


def _case_id(case):
    cls, _, kw = case
    return cls.__name__ + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def _oracle_kwargs(kw):
    kw = dict(kw)
    if "learning_rate" in kw:
        kw["lr"] = kw.pop("learning_rate")
    return kw


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_update_matches_numpy(case):
    """Six steps on a tree of 1-, 2- and 3-d parameters against float64 NumPy."""
    cls, oracle, kw = case
    rng = np.random.default_rng(7)
    ref = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    params = {"x": {k: mx.array(v.astype(np.float32)) for k, v in ref.items() if k != "d"},
              "l": [mx.array(ref["d"].astype(np.float32))]}
    opt = cls(**kw)
    states = {k: {} for k in ref}
    for t in range(1, 7):
        grads = {k: rng.normal(size=s) for k, s in SHAPES.items()}
        mgrads = {"x": {k: mx.array(v.astype(np.float32)) for k, v in grads.items() if k != "d"},
                  "l": [mx.array(grads["d"].astype(np.float32))]}
        params = opt.apply_gradients(mgrads, params)
        for k in ref:
            ref[k] = oracle(ref[k], grads[k], states[k], t, **_oracle_kwargs(kw))
        got = dict(params["x"], d=params["l"][0])
        for k in ref:
            np.testing.assert_allclose(np.array(got[k]), ref[k], rtol=2e-5, atol=2e-6, err_msg=f"{k} step {t}")
    # the optimizer's state holds the same statistics as the oracle's
    flat = dict(tree_flatten(opt.state))
    for k in ref:
        prefix = f"l.0" if k == "d" else f"x.{k}"
        for name, value in states[k].items():
            np.testing.assert_allclose(np.array(flat[f"{prefix}.{name}"]), value, rtol=2e-5, atol=1e-6)
    assert opt.step.item() == 6


# ---------------------------------------------------------------- torch.optim
def _torch_cases():
    lr = 0.01
    b1 = 0.8
    return [
        ("sgd", lambda: optim.SGD(0.1), lambda p, t: t.optim.SGD(p, lr=0.1)),
        ("sgd-momentum-wd", lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.05),
         lambda p, t: t.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.05)),
        ("sgd-nesterov", lambda: optim.SGD(0.1, momentum=0.8, nesterov=True, weight_decay=0.01),
         lambda p, t: t.optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01)),
        ("rmsprop", lambda: optim.RMSprop(lr, alpha=0.9, eps=1e-6),
         lambda p, t: t.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-6)),
        ("adagrad", lambda: optim.Adagrad(0.1, eps=1e-6), lambda p, t: t.optim.Adagrad(p, lr=0.1, eps=1e-6)),
        ("adadelta", lambda: optim.AdaDelta(1.0, rho=0.8, eps=1e-5),
         lambda p, t: t.optim.Adadelta(p, lr=1.0, rho=0.8, eps=1e-5)),
        ("adam", lambda: optim.Adam(lr, betas=[0.8, 0.95], eps=1e-6, bias_correction=True),
         lambda p, t: t.optim.Adam(p, lr=lr, betas=(0.8, 0.95), eps=1e-6)),
        ("adamw", lambda: optim.AdamW(lr, betas=[0.8, 0.95], eps=1e-6, weight_decay=0.1, bias_correction=True),
         lambda p, t: t.optim.AdamW(p, lr=lr, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
        # torch's Adamax divides by 1 - beta1**t and puts eps inside the max; with
        # eps = 0 and that factor as a schedule, the two are the same algorithm.
        ("adamax", lambda: optim.Adamax(lambda s: lr / (1 - b1 ** (s + 1)), betas=[b1, 0.9], eps=0.0),
         lambda p, t: t.optim.Adamax(p, lr=lr, betas=(b1, 0.9), eps=0.0)),
    ]


@pytest.mark.parametrize("case", _torch_cases(), ids=lambda c: c[0])
def test_update_matches_torch(case):
    """Eight steps of the same optimizer on the same gradients as torch.optim."""
    torch = pytest.importorskip("torch")
    _, make_ours, make_theirs = case
    rng = np.random.default_rng(3)
    init = {"w": rng.normal(size=(4, 3)), "b": rng.normal(size=(3,))}
    tparams = {k: torch.tensor(v, dtype=torch.float32, requires_grad=True) for k, v in init.items()}
    topt = make_theirs(list(tparams.values()), torch)
    params = {k: mx.array(v.astype(np.float32)) for k, v in init.items()}
    opt = make_ours()
    for step in range(8):
        grads = {k: rng.normal(size=v.shape).astype(np.float32) for k, v in init.items()}
        for k, p in tparams.items():
            p.grad = torch.tensor(grads[k])
        topt.step()
        params = opt.apply_gradients({k: mx.array(v) for k, v in grads.items()}, params)
        for k in init:
            np.testing.assert_allclose(np.array(params[k]), tparams[k].detach().numpy(),
                                       rtol=1e-5, atol=1e-6, err_msg=f"{k} step {step}")


# ----------------------------------------------------------------- state layout
STATE_KEYS = [
    (lambda: optim.SGD(0.1), ["v"]),
    (lambda: optim.SGD(0.1, momentum=0.9), ["v"]),
    (lambda: optim.RMSprop(0.1), ["v"]),
    (lambda: optim.Adagrad(0.1), ["v"]),
    (lambda: optim.AdaDelta(0.1), ["v", "u"]),
    (lambda: optim.Adam(0.1), ["m", "v"]),
    (lambda: optim.AdamW(0.1), ["m", "v"]),
    (lambda: optim.Adamax(0.1), ["m", "v"]),
    (lambda: optim.Lion(0.1), ["m"]),
    (lambda: optim.Muon(0.1), ["v"]),
]


@pytest.mark.parametrize("make,keys", STATE_KEYS)
@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])
def test_state_keys_and_dtypes(make, keys, dtype):
    """Per-parameter state under the reference's names, in the parameter's dtype;
    the step is uint64 and the learning rate float32; low precision stays low."""
    opt = make()
    assert set(opt.state) == {"step", "learning_rate"}
    assert opt.step.dtype == mx.uint64 and opt.step.item() == 0
    assert opt.learning_rate.dtype == mx.float32
    params = {"w": mx.ones((3, 4), dtype), "n": [mx.ones((4,), dtype)]}
    for _ in range(2):
        params = opt.apply_gradients(params, params)
    assert params["w"].dtype == dtype and params["n"][0].dtype == dtype
    assert list(opt.state["w"]) == keys
    assert list(opt.state["n"][0]) == keys
    for k in keys:
        assert opt.state["w"][k].dtype == dtype and opt.state["w"][k].shape == (3, 4)
    assert opt.step.dtype == mx.uint64 and opt.step.item() == 2


def test_adafactor_state_layout():
    """Factored statistics for matrices, full ones for vectors, exp_avg with beta_1,
    no learning_rate entry without one."""
    opt = optim.Adafactor()
    opt.init({"w": mx.zeros((3, 4)), "t": mx.zeros((2, 3, 5)), "b": mx.zeros((4,))})
    st = opt.state
    assert set(st) == {"step", "w", "t", "b"}
    assert st["w"]["exp_avg_sq_row"].shape == (3,) and st["w"]["exp_avg_sq_col"].shape == (4,)
    assert st["t"]["exp_avg_sq_row"].shape == (2, 3) and st["t"]["exp_avg_sq_col"].shape == (2, 5)
    assert list(st["b"]) == ["exp_avg_sq"]
    opt = optim.Adafactor(learning_rate=0.1, beta_1=0.9)
    opt.init({"w": mx.zeros((3, 4), mx.float16)})
    assert list(opt.state["w"]) == ["exp_avg_sq_row", "exp_avg_sq_col", "exp_avg"]
    assert all(v.dtype == mx.float16 for v in opt.state["w"].values())
    with pytest.raises(KeyError):
        optim.Adafactor().learning_rate


def test_hyperparameter_defaults():
    """The reference's defaults, kept as attributes."""
    assert optim.SGD(0.1).__dict__.items() >= dict(momentum=0.0, weight_decay=0.0, dampening=0.0,
                                                   nesterov=False).items()
    assert (optim.RMSprop(0.1).alpha, optim.RMSprop(0.1).eps) == (0.99, 1e-8)
    assert optim.Adagrad(0.1).eps == 1e-8
    assert (optim.AdaDelta(0.1).rho, optim.AdaDelta(0.1).eps) == (0.9, 1e-6)
    adam = optim.Adam(0.1)
    assert (adam.betas, adam.eps, adam.bias_correction) == ([0.9, 0.999], 1e-8, False)
    assert (optim.AdamW(0.1).weight_decay, optim.AdamW(0.1).bias_correction) == (0.01, False)
    assert (optim.Adamax(0.1).betas, optim.Adamax(0.1).eps) == ([0.9, 0.999], 1e-8)
    assert (optim.Lion(0.1).betas, optim.Lion(0.1).weight_decay) == ([0.9, 0.99], 0.0)
    muon = optim.Muon(0.1)
    assert (muon.momentum, muon.weight_decay, muon.nesterov, muon.ns_steps) == (0.95, 0.01, True, 5)
    af = optim.Adafactor()
    assert (af.eps, af.clip_threshold, af.decay_rate, af.beta_1, af.weight_decay) == ((1e-30, 1e-3), 1.0, -0.8, None, 0.0)
    assert (af.scale_parameter, af.relative_step, af.warmup_init) == (True, True, False)


def test_learning_rate_values_and_setter():
    """Python ints keep int32, arrays keep their dtype; the setter replaces the value,
    and a schedule still sets it at the next step."""
    assert optim.SGD(1).learning_rate.dtype == mx.int32
    assert optim.SGD(mx.array(0.5, mx.float16)).learning_rate.dtype == mx.float16
    opt = optim.SGD(optim.linear_schedule(1.0, 0.0, 10))
    p = {"a": mx.zeros(2)}
    opt.apply_gradients(p, p)
    opt.learning_rate = 0.5
    assert opt.learning_rate.item() == 0.5 and opt.learning_rate.dtype == mx.float32
    opt.apply_gradients(p, p)
    assert opt.learning_rate.item() == pytest.approx(0.9)
    with pytest.raises(ValueError):
        opt.learning_rate = lambda s: s
    with pytest.raises(AttributeError):
        opt.step = 3


def test_low_precision_updates_compute_in_gradient_dtype():
    """float16 parameters stay float16 (the learning rate is cast, not promoted),
    a float32 gradient on a float16 parameter gives float32 (as in the reference)."""
    opt = optim.SGD(0.1)
    p = {"a": mx.ones((2,), mx.float16)}
    out = opt.apply_gradients(p, p)
    assert out["a"].dtype == mx.float16 and out["a"].tolist() == pytest.approx([0.9, 0.9], abs=1e-3)
    out = optim.Adam(0.1).apply_gradients({"a": mx.ones((2,))}, {"a": mx.ones((2,), mx.float16)})
    assert out["a"].dtype == mx.float32


# ------------------------------------------------------------- saving the state
def _train(opt, params, grads_seq):
    for g in grads_seq:
        params = opt.apply_gradients(g, params)
    mx.eval(params, opt.state)
    return params


@pytest.mark.parametrize("make", [
    lambda: optim.Adam(optim.cosine_decay(0.1, 10), bias_correction=True),
    lambda: optim.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: optim.Adafactor(beta_1=0.9),
    lambda: optim.Muon(0.02),
    lambda: optim.MultiOptimizer([optim.AdamW(0.01), optim.SGD(0.1, momentum=0.5)],
                                 [lambda path, g: g.ndim == 1]),
])
def test_state_round_trip_through_safetensors(make, tmp_path):
    """Save after three steps, restore into a fresh optimizer: the next three steps
    are identical to continuing without the interruption."""
    rng = np.random.default_rng(0)
    params = {"w": mx.array(rng.normal(size=(4, 3)).astype(np.float32)),
              "layers": [{"b": mx.array(rng.normal(size=(3,)).astype(np.float32))}]}
    grads = [tree_map(lambda p: mx.array(rng.normal(size=p.shape).astype(np.float32)), params)
             for _ in range(6)]
    opt = make()
    params = _train(opt, params, grads[:3])
    path = str(tmp_path / "opt.safetensors")
    mx.save_safetensors(path, dict(tree_flatten(opt.state)))
    saved_params = dict(params)
    expected = _train(opt, params, grads[3:])

    fresh = make()
    fresh.state = tree_unflatten(list(mx.load(path).items()))
    got = _train(fresh, saved_params, grads[3:])
    for (k, a), (_, b) in zip(tree_flatten(expected), tree_flatten(got)):
        assert np.array_equal(np.array(a), np.array(b)), k
    want, have = dict(tree_flatten(opt.state)), dict(tree_flatten(fresh.state))
    assert set(want) == set(have)
    for k, a in want.items():
        assert a.dtype == have[k].dtype and np.array_equal(np.array(a), np.array(have[k])), k


def test_state_is_updated_in_place():
    """A reference to opt.state taken before the first step sees every update (what
    mx.compile's inputs/outputs capture relies on)."""
    opt = optim.Adam(0.1)
    captured = opt.state
    p = {"a": mx.ones((2,)), "l": [mx.ones((3,))]}
    opt.apply_gradients(p, p)
    assert captured is opt.state
    assert captured["step"].item() == 1 and set(captured["a"]) == {"m", "v"}
    assert set(captured["l"][0]) == {"m", "v"}


def test_init_keeps_loaded_state_and_fills_the_rest():
    opt = optim.Adam(0.1)
    opt.state = {"step": mx.array(5, mx.uint64), "learning_rate": mx.array(0.2),
                 "a": {"m": mx.ones(2), "v": mx.ones(2)}}
    out = opt.apply_gradients({"a": mx.ones(2), "b": mx.ones(2)}, {"a": mx.ones(2), "b": mx.ones(2)})
    assert opt.step.item() == 6 and opt.learning_rate.item() == pytest.approx(0.2)
    np.testing.assert_allclose(np.array(opt.state["a"]["m"]), [1, 1])  # kept, then updated
    np.testing.assert_allclose(np.array(out["a"]), [0.8, 0.8], rtol=1e-6)
    np.testing.assert_allclose(np.array(opt.state["b"]["m"]), [0.1, 0.1], rtol=1e-6)
    # init never resets what is there
    before = np.array(opt.state["a"]["m"])
    opt.init({"a": mx.zeros(2), "c": mx.zeros(3)})
    assert np.array_equal(np.array(opt.state["a"]["m"]), before) and set(opt.state["c"]) == {"m", "v"}
    assert opt.step.item() == 6


def test_custom_optimizer_through_the_hooks():
    """A subclass that only writes init_single/apply_single works like the built-ins."""

    class Accumulate(optim.Optimizer):
        def __init__(self, learning_rate):
            super().__init__()
            self._maybe_schedule("learning_rate", learning_rate)

        def init_single(self, parameter, state):
            state["acc"] = mx.zeros_like(parameter)

        def apply_single(self, gradient, parameter, state):
            state["acc"] = state["acc"] + gradient
            return parameter - self.learning_rate * state["acc"]

    opt = Accumulate(0.1)
    p = {"a": mx.ones(2)}
    for _ in range(2):
        p = opt.apply_gradients({"a": mx.ones(2)}, p)
    np.testing.assert_allclose(np.array(p["a"]), [0.7, 0.7], rtol=1e-6)
    np.testing.assert_allclose(np.array(opt.state["a"]["acc"]), [2, 2])
    with pytest.raises(NotImplementedError):
        optim.Optimizer().apply_gradients({"a": mx.ones(1)}, {"a": mx.ones(1)})


def test_extra_scheduled_state():
    """_maybe_schedule stores constants as arrays and re-evaluates callables each step
    at the step count before the increment."""
    opt = optim.SGD(0.1)
    opt._maybe_schedule("foo", 3)
    opt._maybe_schedule("bar", lambda s: s * 2)
    assert opt.state["foo"].dtype == mx.int32 and opt.state["bar"].item() == 0
    p = {"a": mx.ones(1)}
    for _ in range(3):
        opt.apply_gradients(p, p)
    assert opt.state["bar"].item() == 4 and opt.step.item() == 3


# ------------------------------------------------------------- MultiOptimizer
def test_multi_optimizer_splits_by_filter():
    rng = np.random.default_rng(1)
    params = {"w": mx.array(rng.normal(size=(3, 2)).astype(np.float32)),
              "b": mx.array(rng.normal(size=(2,)).astype(np.float32)),
              "l": [mx.array(rng.normal(size=(3,)).astype(np.float32)),
                    {"x": mx.array(rng.normal(size=(2, 2)).astype(np.float32))}]}
    seen = []

    def is_vector(path, g):
        seen.append(path)
        return g.ndim == 1

    multi = optim.MultiOptimizer([optim.Adam(0.1), optim.SGD(0.5, momentum=0.9)], [is_vector])
    adam, sgd = optim.Adam(0.1), optim.SGD(0.5, momentum=0.9)
    vec = {"b": params["b"], "l": [params["l"][0]]}
    mat = {"w": params["w"], "l": [{}, params["l"][1]]}
    p = params
    for _ in range(3):
        p = multi.apply_gradients(params, p)
        vec = adam.apply_gradients({"b": params["b"], "l": [params["l"][0]]}, vec)
        mat = sgd.apply_gradients({"w": params["w"], "l": [{}, params["l"][1]]}, mat)
    assert seen[:4] == ["w", "b", "l.0", "l.1.x"]
    for got, want in [(p["b"], vec["b"]), (p["l"][0], vec["l"][0]), (p["w"], mat["w"]),
                      (p["l"][1]["x"], mat["l"][1]["x"])]:
        assert np.array_equal(np.array(got), np.array(want))
    st = multi.state
    assert list(st) == ["states"] and len(st["states"]) == 2
    assert set(st["states"][0]) == {"step", "learning_rate", "b", "l"}
    assert set(st["states"][1]) == {"step", "learning_rate", "w", "l"}
    assert st["states"][1]["l"][0] == {}
    assert multi.learning_rate.item() == pytest.approx(0.1)
    multi.learning_rate = 0.3
    assert [o.learning_rate.item() for o in multi.optimizers] == pytest.approx([0.3, 0.3])
    assert multi.step.item() == 3


def test_multi_optimizer_filter_count():
    with pytest.raises(ValueError, match="Given 1 filters but 0 needed"):
        optim.MultiOptimizer([optim.SGD(0.1)], [lambda p, g: True])
    with pytest.raises(ValueError, match="Given 0 filters but 1 needed"):
        optim.MultiOptimizer([optim.SGD(0.1), optim.Adam(0.1)])
    multi = optim.MultiOptimizer([optim.SGD(0.1), optim.Adam(0.1)], [lambda p, g: True])
    for bad in ({}, {"states": [{}]}, {"states": [{}, {}, {}]}, [{}, {}]):
        with pytest.raises(ValueError, match="optimizer states"):
            multi.state = bad
    # one optimizer, no filter: everything goes to it
    multi = optim.MultiOptimizer([optim.SGD(0.5)])
    out = multi.apply_gradients({"a": mx.ones(2)}, {"a": mx.ones(2)})
    np.testing.assert_allclose(np.array(out["a"]), [0.5, 0.5])


# ---------------------------------------------------------------- clip_grad_norm
def test_clip_grad_norm_values():
    rng = np.random.default_rng(2)
    g = {"a": rng.normal(size=(3, 4)), "b": [rng.normal(size=(5,)), {"c": rng.normal(size=())}]}
    mg = tree_map(lambda x: mx.array(np.float32(x)), g)
    total = np.sqrt(sum(np.sum(x**2) for _, x in tree_flatten(g)))
    clipped, norm = optim.clip_grad_norm(mg, total / 2)
    assert norm.dtype == mx.float32
    np.testing.assert_allclose(norm.item(), total, rtol=1e-6)
    for (k, c), (_, x) in zip(tree_flatten(clipped), tree_flatten(g)):
        np.testing.assert_allclose(np.array(c), x * (total / 2) / (total + 1e-6), rtol=1e-5, err_msg=k)
    clipped_norm = np.sqrt(sum(np.sum(np.array(c, dtype=np.float64) ** 2) for _, c in tree_flatten(clipped)))
    np.testing.assert_allclose(clipped_norm, total / 2, rtol=1e-5)
    same, _ = optim.clip_grad_norm(mg, total * 2)
    for (_, a), (_, b) in zip(tree_flatten(same), tree_flatten(mg)):
        assert np.array_equal(np.array(a), np.array(b))


def test_clip_grad_norm_dtypes():
    """The norm is float32 even for float16 gradients (no overflow in the squares);
    floating gradients keep their dtype, integer ones become float32."""
    c, n = optim.clip_grad_norm({"a": mx.array([1e3, 1e3], mx.float16)}, 1.0)
    assert n.dtype == mx.float32 and n.item() == pytest.approx(1414.2136, rel=1e-5)
    assert c["a"].dtype == mx.float16
    np.testing.assert_allclose(np.array(c["a"]).astype(np.float32), [0.7071, 0.7071], rtol=1e-3)
    c, n = optim.clip_grad_norm({"a": mx.array([3.0, 4.0], mx.bfloat16), "b": mx.array([1.0])}, 1.0)
    assert c["a"].dtype == mx.bfloat16 and c["b"].dtype == mx.float32
    c, n = optim.clip_grad_norm({"a": mx.array([3, 4])}, 10.0)
    assert c["a"].dtype == mx.float32 and c["a"].tolist() == [3.0, 4.0]
    c, n = optim.clip_grad_norm({}, 1.0)
    assert c == {} and n.item() == 0.0
    c, n = optim.clip_grad_norm({"a": mx.zeros(3)}, 1.0)
    assert c["a"].tolist() == [0, 0, 0] and n.item() == 0


# ---------------------------------------------------------------- with nn.Module
class _MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(8, 16)
        self.l2 = nn.Linear(16, 1)

    def __call__(self, x):
        return self.l2(mx.maximum(self.l1(x), 0))


def _regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype(np.float32)
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2]).astype(np.float32)
    return mx.array(x), mx.array(y)


@pytest.mark.parametrize("make", [
    lambda: optim.SGD(0.05, momentum=0.9), lambda: optim.Adam(0.01), lambda: optim.AdamW(0.01),
    lambda: optim.RMSprop(0.003), lambda: optim.Adagrad(0.05), lambda: optim.Adamax(0.02),
    lambda: optim.Lion(0.003), lambda: optim.Adafactor(), lambda: optim.Muon(0.02),
    lambda: optim.AdaDelta(1.0),
])
def test_training_lowers_the_loss(make):
    mx.random.seed(0)
    model = _MLP()
    x, y = _regression_data()

    def loss_fn(m, x, y):
        return mx.mean(mx.square(m(x) - y))

    loss_and_grad = nn.value_and_grad(model, loss_fn)
    opt = make()
    first = loss_fn(model, x, y).item()
    for _ in range(60):
        loss, grads = loss_and_grad(model, x, y)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state)
    assert loss_fn(model, x, y).item() < 0.7 * first


def test_frozen_parameters_are_left_alone():
    mx.random.seed(1)
    model = _MLP()
    model.l1.freeze()
    frozen = {k: np.array(v) for k, v in tree_flatten(model.l1.parameters())}
    x, y = _regression_data()
    loss_and_grad = nn.value_and_grad(model, lambda m, x, y: mx.mean(mx.square(m(x) - y)))
    opt = optim.Adam(0.01)
    for _ in range(3):
        _, grads = loss_and_grad(model, x, y)
        opt.update(model, grads)
    # as in the reference, the frozen layer's empty gradient dict gets an empty state dict
    assert set(opt.state) == {"step", "learning_rate", "l1", "l2"} and opt.state["l1"] == {}
    for k, v in tree_flatten(model.l1.parameters()):
        assert np.array_equal(np.array(v), frozen[k])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("make", [lambda: optim.SGD(0.1), lambda: optim.Adam(0.1), lambda: optim.Adafactor()])
def test_not_a_tree(make):
    """An optimizer needs a dict of parameters: the reference's exception types, with
    a message that says so."""
    with pytest.raises(KeyError, match="dict of arrays"):
        make().apply_gradients(mx.ones(2), mx.ones(2))
    with pytest.raises(IndexError, match="dict of arrays"):
        make().apply_gradients([mx.ones(2)], [mx.ones(2)])
    with pytest.raises(AttributeError, match="dict of arrays"):
        make().apply_gradients(None, None)
    with pytest.raises(IndexError, match="dict of arrays"):
        make().init((mx.ones(2),))
    with pytest.raises(TypeError, match="'a' is a float"):
        make().apply_gradients({"a": 3.0}, {"a": 3.0})
    with pytest.raises(TypeError, match="'n' is a NoneType"):
        make().init({"w": mx.ones(2), "n": None})


@pytest.mark.parametrize("make", [lambda: optim.SGD(0.1, momentum=0.9), lambda: optim.Adam(0.1)])
def test_mismatched_trees(make):
    ones = mx.ones(2)
    with pytest.raises(KeyError, match="'b'"):
        make().apply_gradients({"a": ones, "b": ones}, {"a": ones})
    with pytest.raises(IndexError, match="'a' has 2 items"):
        make().apply_gradients({"a": [ones, ones]}, {"a": [ones]})
    with pytest.raises(KeyError, match="'a' is a list"):
        make().apply_gradients({"a": [ones]}, {"a": {"0": ones}})
    with pytest.raises(TypeError, match="'a' is a dict"):
        make().apply_gradients({"a": {"x": ones}}, {"a": [ones]})
    with pytest.raises(ValueError, match="'a' is an array"):
        make().apply_gradients({"a": ones}, {"a": {"x": ones}})
    with pytest.raises(ValueError, match="'a' is a dict"):
        make().apply_gradients({"a": {"x": ones}}, {"a": ones})
    with pytest.raises(ValueError):
        mx.eval(make().apply_gradients({"a": mx.ones(2)}, {"a": mx.ones(3)}))
    # extra parameters without gradients are fine and left out of the result
    out = make().apply_gradients({"a": ones}, {"a": ones, "b": ones})
    assert list(out) == ["a"]


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True)
    for cls in (optim.Adam, optim.AdamW, optim.Adamax, optim.Lion):
        for betas in ([1.0, 0.9], [-0.1, 0.9], [0.9, 1.0], [0.9, 1.5], [0.9]):
            with pytest.raises(ValueError):
                cls(0.1, betas=betas)
        cls(0.1, betas=[0.0, 0.0])
    for cls in (optim.RMSprop, optim.Adagrad, optim.AdaDelta):
        with pytest.raises(ValueError, match="eps"):
            cls(0.1, eps=0.0)
    optim.Adam(0.1, eps=0.0)
    with pytest.raises(ValueError, match="eps"):
        optim.Adam(0.1, eps=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        optim.RMSprop(0.1, alpha=-1)
    with pytest.raises(ValueError, match="rho"):
        optim.AdaDelta(0.1, rho=-1)
    with pytest.raises(ValueError, match="learning_rate"):
        optim.Adafactor(relative_step=False)
    with pytest.raises(ValueError):
        optim.SGD("fast")
    with pytest.raises(TypeError):
        optim.RMSprop()


# ---------------------------------------------------------------- memory
def test_memory_flat_over_2000_steps():
    """Active memory over steps 1,900-2,000 of an Adam loop is that of steps 100-200:
    a leak of even one 4-byte array per step (7 KB by then) would show."""
    mx.random.seed(0)
    model = _MLP()
    x, y = _regression_data()
    loss_and_grad = nn.value_and_grad(model, lambda m, x, y: mx.mean(mx.square(m(x) - y)))
    opt = optim.Adam(optim.cosine_decay(1e-3, 2000), bias_correction=True)
    early, late = [], []
    for step in range(1, 2001):
        loss, grads = loss_and_grad(model, x, y)
        grads, _ = optim.clip_grad_norm(grads, 1.0)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)
        del loss, grads
        if 100 <= step <= 200:
            early.append(mx.get_active_memory())
        elif step >= 1900:
            late.append(mx.get_active_memory())
    assert max(late) <= max(early) + 4096, (max(early), max(late))


def test_muon_low_precision():
    """float16/bfloat16 Muon updates are the float32 one rounded (the reference's
    float16 update is all zeros here: its squares overflow)."""
    g = np.random.default_rng(0).normal(size=(64, 64)) * 100
    want = None
    for dtype in (mx.float32, mx.float16, mx.bfloat16):
        opt = optim.Muon(0.1, weight_decay=0.0, momentum=0.0, nesterov=False)
        out = opt.apply_gradients({"w": mx.array(g).astype(dtype)}, {"w": mx.zeros((64, 64), dtype)})["w"]
        assert out.dtype == dtype
        got = np.array(out.astype(mx.float32))
        if want is None:
            want = got
        np.testing.assert_allclose(got, want, atol=2e-3 if dtype == mx.bfloat16 else 2e-4)
    assert np.abs(want).max() > 0.01


def test_update_through_sequential_lists():
    """Parameters inside a list of layers (nn.Sequential): update() walks the list,
    the state mirrors it, and a MultiOptimizer splits inside it."""
    mx.random.seed(2)
    model = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 1))
    x, y = _regression_data()

    def loss_fn(m, x, y):
        return mx.mean(mx.square(m(x) - y))

    loss_and_grad = nn.value_and_grad(model, loss_fn)
    opt = optim.MultiOptimizer([optim.Adam(0.01), optim.SGD(0.01, momentum=0.9)],
                               [lambda path, g: path.endswith("bias")])
    first = loss_fn(model, x, y).item()
    for _ in range(30):
        _, grads = loss_and_grad(model, x, y)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state)
    assert loss_fn(model, x, y).item() < first
    adam_state, sgd_state = opt.state["states"]
    assert [set(layer) for layer in adam_state["layers"]] == [{"bias"}, {"bias"}]
    assert [set(layer) for layer in sgd_state["layers"]] == [{"weight"}, {"weight"}]
    assert set(adam_state["layers"][1]["bias"]) == {"m", "v"}


def test_state_layout_stable_after_first_step():
    """After the first update the state's keys and containers stay the same objects,
    only the arrays in them change: a compiled step captures it once."""

    def containers(tree, out):
        if isinstance(tree, (dict, list)):
            out.append(id(tree))
            for v in tree.values() if isinstance(tree, dict) else tree:
                containers(v, out)
        return out

    for opt in (optim.Adam(optim.cosine_decay(0.1, 5)), optim.Adafactor(beta_1=0.9), optim.SGD(0.1, momentum=0.9)):
        p = {"w": mx.ones((3, 2)), "layers": [{"b": mx.ones((2,))}, {}]}
        g = {"w": mx.ones((3, 2)), "layers": [{"b": mx.ones((2,))}, {}]}
        p = opt.apply_gradients(g, p)
        keys, ids = [k for k, _ in tree_flatten(opt.state)], containers(opt.state, [])
        before = {k: v for k, v in tree_flatten(opt.state)}
        for _ in range(3):
            p = opt.apply_gradients(g, p)
        assert [k for k, _ in tree_flatten(opt.state)] == keys
        assert containers(opt.state, []) == ids
        changed = {k for k, v in tree_flatten(opt.state) if v is not before[k]}
        fixed = set() if "learning_rate" in opt._schedulers else {"learning_rate"}
        assert changed == set(keys) - fixed
