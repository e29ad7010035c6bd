"""mlx.nn activations (functions and modules) against PyTorch in float64: values, gradients,
dtypes, module reprs and parameters."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

torch = pytest.importorskip("torch")
F = torch.nn.functional

# Points away from every kink (0, +-lambd, +-1, -3, 3, 6) so that gradients are defined.
_X = np.array(
    [-9.3, -6.2, -3.4, -2.7, -1.3, -0.8, -0.35, -0.1, 0.07, 0.3, 0.65, 0.9, 1.4, 2.2,
     3.3, 5.1, 6.6, 12.5],
    dtype=np.float64,
)
_W = np.linspace(-1.0, 2.0, _X.size)  # cotangent weights: grad of sum(w * f(x))

# name -> (mlx function, torch function of a float64 tensor, keyword arguments for mlx)
CASES = {
    "celu": (nn.celu, lambda t: F.celu(t, alpha=1.0), {}),
    "celu_alpha": (lambda x: nn.celu(x, alpha=2.5), lambda t: F.celu(t, alpha=2.5), {}),
    "elu": (nn.elu, F.elu, {}),
    "elu_alpha": (lambda x: nn.elu(x, alpha=0.3), lambda t: F.elu(t, alpha=0.3), {}),
    "gelu": (nn.gelu, F.gelu, {}),
    "gelu_approx": (nn.gelu_approx, lambda t: F.gelu(t, approximate="tanh"), {}),
    "gelu_fast_approx": (nn.gelu_fast_approx, lambda t: t * torch.sigmoid(1.702 * t), {}),
    "hard_shrink": (nn.hard_shrink, F.hardshrink, {}),
    "hard_shrink_l": (lambda x: nn.hard_shrink(x, 1.0 + 1e-3),
                      lambda t: F.hardshrink(t, 1.0 + 1e-3), {}),
    "hard_tanh": (nn.hard_tanh, F.hardtanh, {}),
    "hard_tanh_bounds": (lambda x: nn.hard_tanh(x, -2.0, 4.0),
                         lambda t: F.hardtanh(t, -2.0, 4.0), {}),
    "hardswish": (nn.hardswish, F.hardswish, {}),
    "leaky_relu": (nn.leaky_relu, F.leaky_relu, {}),
    "leaky_relu_slope": (lambda x: nn.leaky_relu(x, 0.2), lambda t: F.leaky_relu(t, 0.2), {}),
    "log_sigmoid": (nn.log_sigmoid, F.logsigmoid, {}),
    "mish": (nn.mish, F.mish, {}),
    "relu": (nn.relu, F.relu, {}),
    "relu2": (nn.relu2, lambda t: F.relu(t) ** 2, {}),
    "relu6": (nn.relu6, F.relu6, {}),
    "selu": (nn.selu, F.selu, {}),
    "sigmoid": (nn.sigmoid, torch.sigmoid, {}),
    "silu": (nn.silu, F.silu, {}),
    "softplus": (nn.softplus, F.softplus, {}),
    "softshrink": (nn.softshrink, F.softshrink, {}),
    "softshrink_l": (lambda x: nn.softshrink(x, 1.2), lambda t: F.softshrink(t, 1.2), {}),
    "softsign": (nn.softsign, F.softsign, {}),
    "tanh": (nn.tanh, torch.tanh, {}),
    "softmax": (nn.softmax, lambda t: F.softmax(t, dim=-1), {}),
    "softmin": (nn.softmin, lambda t: F.softmin(t, dim=-1), {}),
    "log_softmax": (nn.log_softmax, lambda t: F.log_softmax(t, dim=-1), {}),
    "glu": (nn.glu, lambda t: F.glu(t, dim=-1), {}),
    "prelu": (lambda x: nn.prelu(x, mx.array([0.3], dtype=x.dtype)),
              lambda t: F.prelu(t, torch.tensor([0.3], dtype=t.dtype)), {}),
}


def _torch_value_and_grad(fn, x, w):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(t)
    (y * torch.tensor(w[: y.shape[-1]], dtype=torch.float64)).sum().backward()
    return y.detach().numpy(), t.grad.numpy()


def _mlx_value_and_grad(fn, x, w, dtype=mx.float32):
    xm = mx.array(x).astype(dtype)
    wm = mx.array(w)

    def objective(v):
        y = fn(v)
        return (y.astype(mx.float32) * wm[: y.shape[-1]]).sum()

    y = fn(xm)
    g = mx.grad(objective)(xm)
    return y, g


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_grad_float32(name):
    fn, tfn, _ = CASES[name]
    x = np.stack([_X, _X[::-1] * 0.7])
    w = _W
    y_ref, g_ref = _torch_value_and_grad(tfn, x, w)
    y, g = _mlx_value_and_grad(fn, x, w)
    assert y.dtype == mx.float32 and y.shape == tuple(y_ref.shape)
    np.testing.assert_allclose(np.array(y), y_ref, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(np.array(g), g_ref, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
@pytest.mark.parametrize("name", sorted(CASES))
def test_half_precision_keeps_dtype(name, dtype):
    fn, tfn, _ = CASES[name]
    x = np.stack([_X, _X[::-1] * 0.7]) / 3  # keep exp() of the inputs within float16
    xm = mx.array(x).astype(dtype)
    # The oracle sees the inputs rounded to the low precision, as the function does.
    x_rounded = np.array(xm.astype(mx.float32)).astype(np.float64)
    y_ref, _ = _torch_value_and_grad(tfn, x_rounded, _W)
    y = fn(xm)
    assert y.dtype == dtype
    tol = 1e-2 if dtype == mx.float16 else 4e-2
    np.testing.assert_allclose(np.array(y.astype(mx.float32)), y_ref, rtol=tol, atol=tol)
    g = mx.grad(lambda v: fn(v).astype(mx.float32).sum())(xm)
    assert g.dtype == dtype and bool(mx.all(mx.isfinite(g)))


def test_step():
    x = mx.array([-2.0, -0.5, 0.0, 0.49, 0.5, 0.51, 3.0])
    y = nn.step(x)
    assert y.dtype == mx.int32
    assert y.tolist() == [0, 0, 1, 1, 1, 1, 1]
    assert nn.step(x, 0.5).tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert nn.Step(0.5)(x).tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert nn.step(x.astype(mx.float16)).dtype == mx.int32


def test_integer_inputs_follow_promotion():
    xi = mx.array([-3, -1, 0, 2, 7])
    # Piecewise-linear activations keep integers; the rest become float32.
    for fn in (nn.relu, nn.relu2, nn.hard_shrink):
        assert fn(xi).dtype == mx.int32
    assert nn.relu(xi).tolist() == [0, 0, 0, 2, 7]
    assert nn.relu2(xi).tolist() == [0, 0, 0, 4, 49]
    assert nn.hard_shrink(xi).tolist() == [-3, -1, 0, 2, 7]
    for fn in (nn.sigmoid, nn.relu6, nn.leaky_relu, nn.elu, nn.celu, nn.gelu, nn.silu,
               nn.softplus, nn.softsign, nn.softshrink, nn.hardswish, nn.softmax,
               nn.log_softmax, nn.mish, nn.selu, nn.log_sigmoid):
        assert fn(xi).dtype == mx.float32, fn
    assert nn.relu6(xi).tolist() == [0, 0, 0, 2, 6]


def test_kinks_and_extremes():
    # Gradient at 0 of ELU-like functions is the left derivative exp(0) * alpha (as the
    # reference's and PyTorch's); large inputs give finite gradients.
    x = mx.array([0.0, 100.0, -100.0])
    g = mx.grad(lambda v: nn.elu(v, alpha=2.0).sum())(x)
    assert g.tolist() == [2.0, 1.0, 0.0]
    g = mx.grad(lambda v: nn.selu(v).sum())(x)
    assert bool(mx.all(mx.isfinite(g)))
    assert g[0].item() == pytest.approx(1.0507009873554805 * 1.6732632423543772, rel=1e-6)
    assert mx.grad(lambda v: nn.celu(v).sum())(x).tolist() == [1.0, 1.0, 0.0]
    for fn in (nn.softplus, nn.log_sigmoid, nn.mish, nn.silu, nn.sigmoid):
        y = fn(mx.array([-1000.0, 1000.0]))
        assert bool(mx.all(mx.isfinite(y))), fn
    assert nn.softplus(mx.array([1000.0])).item() == 1000.0
    assert nn.log_sigmoid(mx.array([-1000.0])).item() == -1000.0
    assert nn.relu(mx.array([0.0])).item() == 0.0
    assert mx.grad(lambda v: nn.relu(v).sum())(mx.array([0.0])).item() == 0.0


def test_softmax_family_axis():
    x = np.random.default_rng(0).normal(size=(3, 4, 5))
    for axis in (0, 1, -1):
        t = torch.tensor(x)
        np.testing.assert_allclose(
            np.array(nn.softmax(mx.array(x, dtype=mx.float32), axis=axis)),
            F.softmax(t, dim=axis).numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(
            np.array(nn.softmin(mx.array(x, dtype=mx.float32), axis=axis)),
            F.softmin(t, dim=axis).numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(
            np.array(nn.log_softmax(mx.array(x, dtype=mx.float32), axis=axis)),
            F.log_softmax(t, dim=axis).numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(
            np.array(nn.glu(mx.array(x[:2, :4, :4], dtype=mx.float32), axis=axis)),
            F.glu(t[:2, :4, :4], dim=axis).numpy(), rtol=1e-5, atol=1e-7)
    # log_softmax stays finite where softmax underflows.
    y = nn.log_softmax(mx.array([0.0, -1000.0]))
    assert y.tolist() == [0.0, -1000.0]


def test_glu_needs_even_split():
    with pytest.raises(ValueError):
        nn.glu(mx.zeros((2, 3)))
    with pytest.raises(ValueError):
        nn.GLU(axis=0)(mx.zeros((3, 2)))
    assert nn.GLU(axis=0)(mx.zeros((4, 3))).shape == (2, 3)


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------

# class -> (constructor kwargs, equivalent function call)
MODULES = {
    "CELU": ({"alpha": 1.7}, lambda x: nn.celu(x, 1.7)),
    "ELU": ({"alpha": 0.4}, lambda x: nn.elu(x, 0.4)),
    "GELU": ({}, nn.gelu),
    "GLU": ({"axis": 0}, lambda x: nn.glu(x, 0)),
    "HardShrink": ({"lambd": 0.9}, lambda x: nn.hard_shrink(x, 0.9)),
    "HardTanh": ({}, nn.hard_tanh),
    "Hardswish": ({}, nn.hardswish),
    "LeakyReLU": ({"negative_slope": 0.3}, lambda x: nn.leaky_relu(x, 0.3)),
    "LogSigmoid": ({}, nn.log_sigmoid),
    "LogSoftmax": ({}, nn.log_softmax),
    "Mish": ({}, nn.mish),
    "PReLU": ({}, lambda x: nn.prelu(x, mx.array([0.25]))),
    "ReLU": ({}, nn.relu),
    "ReLU2": ({}, nn.relu2),
    "ReLU6": ({}, nn.relu6),
    "SELU": ({}, nn.selu),
    "SiLU": ({}, nn.silu),
    "Sigmoid": ({}, nn.sigmoid),
    "Softmax": ({}, nn.softmax),
    "Softmin": ({}, nn.softmin),
    "Softplus": ({}, nn.softplus),
    "Softshrink": ({"lambd": 0.2}, lambda x: nn.softshrink(x, 0.2)),
    "Softsign": ({}, nn.softsign),
    "Step": ({"threshold": 0.3}, lambda x: nn.step(x, 0.3)),
    "Tanh": ({}, nn.tanh),
}


@pytest.mark.parametrize("cls", sorted(MODULES))
def test_module_matches_function(cls):
    kwargs, fn = MODULES[cls]
    x = mx.array(np.stack([_X[:16], _X[2:]]).astype(np.float32))
    module = getattr(nn, cls)(**kwargs)
    assert isinstance(module, nn.Module)
    assert np.array_equal(np.array(module(x)), np.array(fn(x)))
    # Every activation prints as its bare class name, with or without arguments.
    assert repr(module) == f"{cls}()" and str(getattr(nn, cls)()) == f"{cls}()"
    if cls != "PReLU":
        assert module.parameters() == {}


def test_gelu_approximations():
    x = mx.array(_X.astype(np.float32))
    assert np.array_equal(np.array(nn.GELU()(x)), np.array(nn.gelu(x)))
    assert np.array_equal(np.array(nn.GELU(approx="none")(x)), np.array(nn.gelu(x)))
    for approx in ("precise", "tanh"):
        assert np.array_equal(np.array(nn.GELU(approx=approx)(x)), np.array(nn.gelu_approx(x)))
    assert np.array_equal(np.array(nn.GELU(approx="fast")(x)), np.array(nn.gelu_fast_approx(x)))
    with pytest.raises(ValueError):
        nn.GELU(approx="erf")


def test_prelu_parameters_and_gradient():
    m = nn.PReLU(4, init=0.5)
    params = m.parameters()
    assert list(params) == ["weight"] and params["weight"].shape == (4,)
    assert params["weight"].dtype == mx.float32 and params["weight"].tolist() == [0.5] * 4
    assert nn.PReLU().weight.tolist() == [0.25]
    x = np.random.default_rng(1).normal(size=(3, 4))
    w = np.array([0.1, -0.2, 0.5, 2.0])

    def loss(params, xm):
        m.update(params)
        return (m(xm) ** 2).sum()

    m.update({"weight": mx.array(w, dtype=mx.float32)})
    grads = mx.grad(loss)(m.trainable_parameters(), mx.array(x, dtype=mx.float32))
    # torch's PReLU puts channels on axis 1; for 2-D inputs that is the last axis as here.
    tw = torch.tensor(w, requires_grad=True)
    tx = torch.tensor(x)
    (F.prelu(tx, tw) ** 2).sum().backward()
    np.testing.assert_allclose(np.array(grads["weight"]), tw.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(np.array(m(mx.array(x, dtype=mx.float32))),
                               F.prelu(tx, tw).detach().numpy(), rtol=1e-6, atol=1e-7)


def test_every_activation_is_exported():
    names = (
        "celu elu gelu gelu_approx gelu_fast_approx glu hard_shrink hard_tanh hardswish "
        "leaky_relu log_sigmoid log_softmax mish prelu relu relu2 relu6 selu sigmoid silu "
        "softmax softmin softplus softshrink softsign step tanh"
    ).split() + sorted(MODULES)
    import mlx.nn.layers.activations as activations

    for name in names:
        assert name in activations.__all__, name
        assert getattr(nn, name) is getattr(activations, name)
