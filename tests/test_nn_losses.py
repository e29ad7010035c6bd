"""mlx.nn.losses against PyTorch (or NumPy float64 where PyTorch has no such loss): values for
every reduction, gradients for every differentiable argument, dtypes and bad arguments."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

torch = pytest.importorskip("torch")
F = torch.nn.functional
losses = nn.losses

RNG = np.random.default_rng(1234)
REDUCTIONS = ("none", "mean", "sum")


def _np_reduce(x, reduction):
    return {"none": lambda v: v, "mean": np.mean, "sum": np.sum}[reduction](x)


def _probs(shape, axis=-1):
    e = np.exp(RNG.normal(size=shape))
    return e / e.sum(axis=axis, keepdims=True)


# Each case: (float arrays as numpy float64, integer arrays, mlx call, oracle call).
# The mlx call gets mx arrays, the oracle torch float64 tensors (integers as int64);
# both take the reduction as their last argument. Gradients are checked for the float
# arrays listed in "grad".
def _cases():
    x = RNG.normal(size=(4, 5))
    y = RNG.normal(size=(4, 5))
    logits = RNG.normal(size=(6, 5)) * 2
    classes = RNG.integers(0, 5, size=(6,))
    sample_w = RNG.uniform(0.5, 2.0, size=(6,))
    probs = _probs((6, 5))
    bits = (RNG.uniform(size=(4, 5)) > 0.5).astype(np.float64)
    p = RNG.uniform(0.05, 0.95, size=(4, 5))
    w = RNG.uniform(0.5, 2.0, size=(4, 5))
    logp = np.log(_probs((4, 5)))
    logq = np.log(_probs((4, 5)))
    var = RNG.uniform(0.2, 2.0, size=(4, 5))
    sign = np.where(RNG.uniform(size=(4, 5)) > 0.5, 1.0, -1.0)
    a, pos, neg = (RNG.normal(size=(5, 3)) for _ in range(3))
    return {
        "cross_entropy": (
            [logits], [classes], lambda l, c, r: losses.cross_entropy(l, c, reduction=r),
            lambda l, c, r: F.cross_entropy(l, c, reduction=r)),
        "cross_entropy_smoothing": (
            [logits], [classes],
            lambda l, c, r: losses.cross_entropy(l, c, label_smoothing=0.15, reduction=r),
            lambda l, c, r: F.cross_entropy(l, c, label_smoothing=0.15, reduction=r)),
        "cross_entropy_weights": (
            [logits, sample_w], [classes],
            lambda l, sw, c, r: losses.cross_entropy(l, c, weights=sw, reduction=r),
            lambda l, sw, c, r: _t_reduce(F.cross_entropy(l, c, reduction="none") * sw, r)),
        "cross_entropy_probs": (
            [logits, probs], [],
            lambda l, t, r: losses.cross_entropy(l, t, reduction=r),
            lambda l, t, r: F.cross_entropy(l, t, reduction=r)),
        "cross_entropy_probs_smoothing": (
            [logits, probs], [],
            lambda l, t, r: losses.cross_entropy(l, t, label_smoothing=0.3, reduction=r),
            lambda l, t, r: F.cross_entropy(l, t, label_smoothing=0.3, reduction=r)),
        "cross_entropy_axis0": (
            [logits.T.copy()], [classes],
            lambda l, c, r: losses.cross_entropy(l, c, axis=0, reduction=r),
            lambda l, c, r: F.cross_entropy(l.T, c, reduction=r)),
        "binary_cross_entropy_logits": (
            [x, bits], [], lambda v, t, r: losses.binary_cross_entropy(v, t, reduction=r),
            lambda v, t, r: F.binary_cross_entropy_with_logits(v, t, reduction=r)),
        "binary_cross_entropy_logits_soft": (
            [x, p, w], [],
            lambda v, t, ww, r: losses.binary_cross_entropy(v, t, weights=ww, reduction=r),
            lambda v, t, ww, r: F.binary_cross_entropy_with_logits(v, t, weight=ww,
                                                                   reduction=r)),
        "binary_cross_entropy_probs": (
            [p, bits, w], [],
            lambda v, t, ww, r: losses.binary_cross_entropy(
                v, t, weights=ww, with_logits=False, reduction=r),
            lambda v, t, ww, r: F.binary_cross_entropy(v, t, weight=ww, reduction=r)),
        "l1_loss": ([x, y], [], lambda u, v, r: losses.l1_loss(u, v, reduction=r),
                    lambda u, v, r: F.l1_loss(u, v, reduction=r)),
        "mse_loss": ([x, y], [], lambda u, v, r: losses.mse_loss(u, v, reduction=r),
                     lambda u, v, r: F.mse_loss(u, v, reduction=r)),
        "nll_loss": (
            [np.log(probs)], [classes], lambda l, c, r: losses.nll_loss(l, c, reduction=r),
            lambda l, c, r: F.nll_loss(l, c, reduction=r)),
        "nll_loss_axis0": (
            [np.log(probs).T.copy()], [classes],
            lambda l, c, r: losses.nll_loss(l, c, axis=0, reduction=r),
            lambda l, c, r: F.nll_loss(l.T, c, reduction=r)),
        "gaussian_nll_loss": (
            [x, y, var], [],
            lambda u, v, s, r: losses.gaussian_nll_loss(u, v, s, reduction=r),
            lambda u, v, s, r: F.gaussian_nll_loss(u, v, s, reduction=r)),
        "gaussian_nll_loss_full": (
            [x, y, var], [],
            lambda u, v, s, r: losses.gaussian_nll_loss(u, v, s, full=True, reduction=r),
            lambda u, v, s, r: F.gaussian_nll_loss(u, v, s, full=True, reduction=r)),
        "kl_div_loss": (
            [logp, logq], [], lambda u, v, r: losses.kl_div_loss(u, v, reduction=r),
            lambda u, v, r: _t_reduce(
                F.kl_div(u, v, reduction="none", log_target=True).sum(-1), r)),
        "kl_div_loss_axis0": (
            [logp, logq], [], lambda u, v, r: losses.kl_div_loss(u, v, axis=0, reduction=r),
            lambda u, v, r: _t_reduce(
                F.kl_div(u, v, reduction="none", log_target=True).sum(0), r)),
        "smooth_l1_loss": (
            [x, y], [], lambda u, v, r: losses.smooth_l1_loss(u, v, reduction=r),
            lambda u, v, r: F.smooth_l1_loss(u, v, reduction=r)),
        "smooth_l1_loss_beta": (
            [x, y], [], lambda u, v, r: losses.smooth_l1_loss(u, v, beta=0.4, reduction=r),
            lambda u, v, r: F.smooth_l1_loss(u, v, beta=0.4, reduction=r)),
        "smooth_l1_loss_beta0": (
            [x, y], [], lambda u, v, r: losses.smooth_l1_loss(u, v, beta=0.0, reduction=r),
            lambda u, v, r: F.smooth_l1_loss(u, v, beta=0.0, reduction=r)),
        "huber_loss": (
            [x * 2, y], [], lambda u, v, r: losses.huber_loss(u, v, reduction=r),
            lambda u, v, r: F.huber_loss(u, v, reduction=r)),
        "huber_loss_delta": (
            [x * 2, y], [], lambda u, v, r: losses.huber_loss(u, v, delta=0.6, reduction=r),
            lambda u, v, r: F.huber_loss(u, v, delta=0.6, reduction=r)),
        "triplet_loss": (
            [a, pos, neg], [],
            lambda u, v, n, r: losses.triplet_loss(u, v, n, eps=0.0, margin=1.5, reduction=r),
            lambda u, v, n, r: F.triplet_margin_loss(u, v, n, margin=1.5, eps=0.0,
                                                     reduction=r)),
        "triplet_loss_p1": (
            [a, pos, neg], [],
            lambda u, v, n, r: losses.triplet_loss(u, v, n, p=1, eps=0.0, reduction=r),
            lambda u, v, n, r: F.triplet_margin_loss(u, v, n, p=1, eps=0.0, reduction=r)),
        "triplet_loss_p3_axis0": (
            [a, pos, neg], [],
            lambda u, v, n, r: losses.triplet_loss(u, v, n, axis=0, p=3, eps=0.0,
                                                   margin=0.8, reduction=r),
            lambda u, v, n, r: F.triplet_margin_loss(u.T, v.T, n.T, p=3, eps=0.0,
                                                     margin=0.8, reduction=r)),
        "hinge_loss": (
            [x, sign], [], lambda u, v, r: losses.hinge_loss(u, v, reduction=r),
            lambda u, v, r: _t_reduce(torch.clamp(1 - u * v, min=0), r)),
        "log_cosh_loss": (
            [x * 3, y], [], lambda u, v, r: losses.log_cosh_loss(u, v, reduction=r),
            lambda u, v, r: _t_reduce(torch.log(torch.cosh(u - v)), r)),
        "cosine_similarity_loss": (
            [x, y], [], lambda u, v, r: losses.cosine_similarity_loss(u, v, reduction=r),
            lambda u, v, r: _t_reduce(F.cosine_similarity(u, v, dim=1), r)),
        "cosine_similarity_loss_axis0": (
            [x, y], [],
            lambda u, v, r: losses.cosine_similarity_loss(u, v, axis=0, reduction=r),
            lambda u, v, r: _t_reduce(F.cosine_similarity(u, v, dim=0), r)),
        "margin_ranking_loss": (
            [x, y, sign], [],
            lambda u, v, s, r: losses.margin_ranking_loss(u, v, s, margin=0.3, reduction=r),
            lambda u, v, s, r: F.margin_ranking_loss(u, v, s, margin=0.3, reduction=r)),
    }


def _t_reduce(t, reduction):
    return {"none": lambda v: v, "mean": torch.mean, "sum": torch.sum}[reduction](t)


CASES = _cases()
# Arguments that are labels rather than things to differentiate.
NO_GRAD = {"binary_cross_entropy_logits": {1}, "binary_cross_entropy_probs": {1, 2},
           "binary_cross_entropy_logits_soft": {2}, "cross_entropy_weights": {1},
           "cross_entropy_probs": {1}, "cross_entropy_probs_smoothing": {1},
           "hinge_loss": {1}, "margin_ranking_loss": {2}}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name, reduction):
    floats, ints, fn, oracle = CASES[name]
    mx_ints = [mx.array(i.astype(np.int32)) for i in ints]
    t_ints = [torch.tensor(i, dtype=torch.int64) for i in ints]
    no_grad = NO_GRAD.get(name, set())
    t_floats = [torch.tensor(f, requires_grad=i not in no_grad) for i, f in enumerate(floats)]
    expected = oracle(*t_floats, *t_ints, reduction)
    mx_floats = [mx.array(f, dtype=mx.float32) for f in floats]
    out = fn(*mx_floats, *mx_ints, reduction)
    assert out.dtype == mx.float32
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(np.array(out), expected.detach().numpy(), rtol=1e-5, atol=1e-6)

    # Gradients of sum(out * cotangent) for every differentiable argument.
    cot = RNG.uniform(0.5, 1.5, size=tuple(expected.shape))
    (expected * torch.tensor(cot)).sum().backward()
    argnums = [i for i in range(len(floats)) if i not in no_grad]

    def objective(*args):
        return (fn(*args, *mx_ints, reduction) * mx.array(cot, dtype=mx.float32)).sum()

    grads = mx.grad(objective, argnums=argnums)(*mx_floats)
    if len(argnums) == 1:  # a single argnum gives the gradient itself, not a tuple
        grads = (grads,)
    for i, g in zip(argnums, grads):
        np.testing.assert_allclose(np.array(g), t_floats[i].grad.numpy(), rtol=1e-4,
                                   atol=1e-6, err_msg=f"gradient of argument {i}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_reduction(name):
    floats, ints, fn, _ = CASES[name]
    args = [mx.array(f, dtype=mx.float32) for f in floats] + [mx.array(i) for i in ints]
    with pytest.raises(ValueError):
        fn(*args, "average")


def test_default_reductions():
    x, y = mx.array([[1.0, -2.0], [0.5, 3.0]]), mx.array([[0.0, 1.0], [1.0, 1.0]])
    c = mx.array([1, 0])
    scalar = [
        losses.binary_cross_entropy(x, y), losses.l1_loss(x, y), losses.mse_loss(x, y),
        losses.smooth_l1_loss(x, y), losses.gaussian_nll_loss(x, y, mx.ones((2, 2))),
    ]
    assert all(v.shape == () for v in scalar)
    per_sample = [
        losses.cross_entropy(x, c), losses.nll_loss(x, c), losses.kl_div_loss(x, y),
        losses.triplet_loss(x, y, x), losses.cosine_similarity_loss(x, y),
    ]
    assert all(v.shape == (2,) for v in per_sample)
    elementwise = [losses.hinge_loss(x, y), losses.huber_loss(x, y),
                   losses.log_cosh_loss(x, y), losses.margin_ranking_loss(x, y, y)]
    assert all(v.shape == (2, 2) for v in elementwise)


def test_typing_exports():
    assert losses.get_args(losses.Reduction) == ("none", "mean", "sum")
    assert losses.Optional is not None and losses.Literal is not None


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
def test_half_precision(dtype):
    logits = RNG.normal(size=(8, 10)) * 3
    classes = RNG.integers(0, 10, size=(8,))
    lm = mx.array(logits).astype(dtype)
    rounded = torch.tensor(np.array(lm.astype(mx.float32)), dtype=torch.float64)
    tol = 2e-3 if dtype == mx.float16 else 1.6e-2
    ce = losses.cross_entropy(lm, mx.array(classes))
    assert ce.dtype == dtype
    expected = F.cross_entropy(rounded, torch.tensor(classes), reduction="none").numpy()
    # One rounding of the result: within half an ulp-scale tolerance of the exact value.
    np.testing.assert_allclose(np.array(ce.astype(mx.float32)), expected, rtol=tol, atol=tol)
    # The loss is rounded to the low precision once: here it is the float16/bfloat16
    # number nearest to the exact loss (subtracting two rounded numbers would be one off).
    small = mx.array([[2.0, -1.0, 0.5]], dtype=dtype)
    exact = math.log(math.exp(2) + math.exp(-1) + math.exp(0.5)) - 2
    nearest = mx.array([exact], dtype=dtype).item()
    assert losses.cross_entropy(small, mx.array([0])).item() == nearest
    mean = losses.cross_entropy(lm, mx.array(classes), label_smoothing=0.1, reduction="mean")
    assert mean.dtype == dtype and mean.shape == ()
    g = mx.grad(lambda v: losses.cross_entropy(v, mx.array(classes), reduction="mean"))(lm)
    assert g.dtype == dtype
    x = mx.array(RNG.normal(size=(5,))).astype(dtype)
    for out in (losses.mse_loss(x, x * 0), losses.l1_loss(x, x * 0),
                losses.binary_cross_entropy(x, mx.zeros((5,), dtype=dtype)),
                losses.smooth_l1_loss(x, x * 0), losses.huber_loss(x, x * 0),
                losses.log_cosh_loss(x, x * 0), losses.hinge_loss(x, x),
                losses.kl_div_loss(x, x)):
        assert out.dtype == dtype
    # Mixed precision promotes as the arithmetic does.
    assert losses.mse_loss(x, mx.zeros((5,))).dtype == mx.float32


def test_integer_inputs():
    a, b = mx.array([1, 2]), mx.array([0, 0])
    assert losses.mse_loss(a, b, "none").dtype == mx.int32
    assert losses.mse_loss(a, b, "sum").item() == 5
    assert losses.mse_loss(a, b).item() == 2.5
    assert losses.hinge_loss(a, mx.array([1, -1])).tolist() == [0, 3]
    assert losses.cross_entropy(mx.array([[1, 2]]), mx.array([0])).dtype == mx.float32


def test_cross_entropy_checks():
    logits = mx.zeros((2, 3))
    for bad in (-0.1, 1.0, 2):
        with pytest.raises(ValueError):
            losses.cross_entropy(logits, mx.array([0, 1]), label_smoothing=bad)
    for targets in (mx.array([0, 1, 2]), mx.array([[0, 1]]), mx.zeros((2, 2)),
                    mx.array(0), mx.zeros((2, 3, 1))):
        with pytest.raises(ValueError):
            losses.cross_entropy(logits, targets)
    for axis in (2, -3):
        with pytest.raises(IndexError):
            losses.cross_entropy(logits, mx.array([0, 1]), axis=axis)
        with pytest.raises(IndexError):
            losses.cross_entropy(logits, mx.zeros((2, 3)), axis=axis)
    for weights in (mx.array(2.0), mx.array([2.0]), mx.ones((2, 1)), mx.ones((3,))):
        with pytest.raises(ValueError):
            losses.cross_entropy(logits, mx.array([0, 1]), weights=weights)
    # Out-of-range class indices are an error here (the reference reads out of bounds).
    with pytest.raises(IndexError):
        mx.eval(losses.cross_entropy(logits, mx.array([0, 3])))
    with pytest.raises(ValueError):
        losses.cross_entropy(logits, mx.array([0.0, 1.0]))
    # Uniform logits: the loss is log(classes) whatever the smoothing.
    out = losses.cross_entropy(logits, mx.array([0, 2]), label_smoothing=0.5)
    np.testing.assert_allclose(np.array(out), [math.log(3)] * 2, rtol=1e-6)


def test_extreme_values_stay_finite():
    big = mx.array([[1000.0, -1000.0, 0.0]])
    assert losses.cross_entropy(big, mx.array([0])).item() == 0.0
    assert losses.cross_entropy(big, mx.array([1])).item() == 2000.0
    # Probabilities of exactly 0 and 1 give 100, as log is clamped at -100.
    out = losses.binary_cross_entropy(mx.array([0.0, 1.0]), mx.array([1.0, 0.0]),
                                      with_logits=False, reduction="none")
    assert out.tolist() == [100.0, 100.0]
    out = losses.binary_cross_entropy(mx.array([1000.0, -1000.0]), mx.array([0.0, 1.0]),
                                      reduction="none")
    assert out.tolist() == [1000.0, 1000.0]
    out = losses.log_cosh_loss(mx.array([100.0, -100.0]), mx.array([0.0, 0.0]))
    np.testing.assert_allclose(np.array(out), [100 - math.log(2)] * 2, rtol=1e-6)
    g = mx.grad(lambda v: losses.log_cosh_loss(v, mx.zeros(2), "sum"))(mx.array([100.0, -100.]))
    assert g.tolist() == [1.0, -1.0]
    # Variances below eps are clamped to eps.
    out = losses.gaussian_nll_loss(mx.array([1.0, 1.0]), mx.array([0.0, 0.0]),
                                   mx.array([0.0, -1.0]), reduction="none")
    expected = 0.5 * (math.log(1e-6) + 1e6)
    np.testing.assert_allclose(np.array(out), [expected] * 2, rtol=1e-5)
    # smooth_l1 with beta = 0 is L1, with finite gradients (the reference gives NaN).
    g = mx.grad(lambda v: losses.smooth_l1_loss(v, mx.zeros(3), beta=0.0))(
        mx.array([0.0, 1.0, -2.0]))
    assert g.tolist() == pytest.approx([0.0, 1 / 3, -1 / 3])


def test_shape_checks():
    a, b = mx.zeros((3,)), mx.zeros((2,))
    for fn in (losses.l1_loss, losses.mse_loss, losses.smooth_l1_loss,
               losses.binary_cross_entropy):
        with pytest.raises(ValueError):
            fn(a, b)
        with pytest.raises(ValueError):
            fn(a, mx.zeros((1,)))  # no broadcasting either
    with pytest.raises(ValueError):
        losses.binary_cross_entropy(a, a, weights=b)
    with pytest.raises(ValueError):
        losses.gaussian_nll_loss(a, b, a)
    with pytest.raises(ValueError):
        losses.gaussian_nll_loss(a, a, mx.zeros((1,)))
    with pytest.raises(ValueError):
        losses.margin_ranking_loss(a, b, a)
    with pytest.raises(ValueError):
        losses.margin_ranking_loss(a, a, b)
    with pytest.raises(ValueError):
        losses.nll_loss(mx.zeros((2, 3)), mx.array([0, 1, 2]))
    with pytest.raises(ValueError):
        losses.cosine_similarity_loss(mx.zeros((1, 2)), mx.zeros((1, 3)))
    with pytest.raises(IndexError):
        losses.cosine_similarity_loss(mx.zeros((2,)), mx.zeros((2,)))
    # The losses without a shape check broadcast.
    assert losses.hinge_loss(mx.zeros((2, 3)), mx.ones((3,))).shape == (2, 3)
    assert losses.huber_loss(mx.zeros((2, 3)), mx.ones((3,))).shape == (2, 3)
    assert losses.kl_div_loss(mx.zeros((2, 3)), mx.zeros((3,))).shape == (2,)


def test_triplet_and_cosine_eps():
    # eps is added inside the p-th root: (sum |d|^p + eps) ** (1 / p).
    z = mx.zeros((1, 1))
    out = losses.triplet_loss(z, z, mx.array([[10.0]]), margin=20.0, eps=1.0)
    assert out.item() == pytest.approx(1.0 - math.sqrt(101.0) + 20.0, rel=1e-6)
    out = losses.triplet_loss(mx.array([[1.0, -2.0]]), mx.zeros((1, 2)),
                              mx.array([[-1.0, 3.0]]), p=3, margin=5.0, eps=1.0)
    assert out.item() == pytest.approx(10 ** (1 / 3) - 134 ** (1 / 3) + 5, rel=1e-6)
    # Cosine similarity divides by max(|x1| |x2|, eps); a zero vector gives 0.
    tiny = mx.array([[1e-5, 0.0]])
    assert losses.cosine_similarity_loss(tiny, tiny).item() == pytest.approx(0.01, rel=1e-4)
    assert losses.cosine_similarity_loss(tiny, mx.array([[1.0, 0.0]])).item() == \
        pytest.approx(1.0, rel=1e-5)
    assert losses.cosine_similarity_loss(tiny, mx.zeros((1, 2))).item() == 0.0
    out = losses.cosine_similarity_loss(mx.array([[1e-3, 0.0]]), mx.array([[1.0, 0.0]]),
                                        eps=1e-2)
    assert out.item() == pytest.approx(0.1, rel=1e-5)


def test_every_name_exists():
    names = ("Literal Optional Reduction binary_cross_entropy cosine_similarity_loss "
             "cross_entropy gaussian_nll_loss get_args hinge_loss huber_loss kl_div_loss "
             "l1_loss log_cosh_loss margin_ranking_loss mse_loss nll_loss smooth_l1_loss "
             "triplet_loss").split()
    for name in names:
        assert hasattr(losses, name), name


def test_small_model_against_torch():
    # Activations and losses inside a model, differentiated with nn.value_and_grad, against
    # the same model in PyTorch (weights copied across).
    rng = np.random.default_rng(7)
    model = nn.Sequential(nn.Linear(6, 8), nn.GELU(approx="tanh"), nn.Linear(8, 8),
                          nn.PReLU(8), nn.Linear(8, 4))
    tmodel = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.GELU(approximate="tanh"),
                                 torch.nn.Linear(8, 8), torch.nn.PReLU(8),
                                 torch.nn.Linear(8, 4)).double()
    model.layers[3].weight = mx.array(rng.uniform(0.05, 0.4, size=8), dtype=mx.float32)
    with torch.no_grad():
        for i in (0, 2, 4):
            tmodel[i].weight.copy_(torch.tensor(np.array(model.layers[i].weight)))
            tmodel[i].bias.copy_(torch.tensor(np.array(model.layers[i].bias)))
        tmodel[3].weight.copy_(torch.tensor(np.array(model.layers[3].weight)))
    x = rng.normal(size=(16, 6))
    y = rng.integers(0, 4, size=16)

    def loss_fn(m, xb, yb):
        return losses.cross_entropy(m(xb), yb, label_smoothing=0.1, reduction="mean")

    loss, grads = nn.value_and_grad(model, loss_fn)(model, mx.array(x, dtype=mx.float32),
                                                    mx.array(y))
    tloss = F.cross_entropy(tmodel(torch.tensor(x)), torch.tensor(y), label_smoothing=0.1)
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-5)
    for i in (0, 2, 4):
        for key in ("weight", "bias"):
            np.testing.assert_allclose(np.array(grads["layers"][i][key]),
                                       getattr(tmodel[i], key).grad.numpy(),
                                       rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.array(grads["layers"][3]["weight"]),
                               tmodel[3].weight.grad.numpy(), rtol=1e-4, atol=1e-6)
