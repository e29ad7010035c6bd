"""LayerNorm, RMSNorm, GroupNorm, InstanceNorm and BatchNorm against PyTorch: outputs and
gradients w.r.t. input and parameters, running statistics, train/eval behaviour, dtypes.
Keys, reprs, result dtypes and error types were read off the reference (MLX 0.32)."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten
from nn_layer_oracle import (
    channels_first,
    channels_last,
    mx_value_and_grads,
    param_shapes,
    random_params,
    to_np,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(99)


def randn(*shape, scale=2.0, shift=1.0):
    return (RNG.standard_normal(shape) * scale + shift).astype(np.float32)


def t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def keys(tree):
    return [k for k, _ in tree_flatten(tree)]


# --------------------------------------------------------------------- structure
STRUCTURE = [
    (lambda: nn.LayerNorm(5), [("weight", (5,)), ("bias", (5,))], ["weight", "bias"]),
    (lambda: nn.LayerNorm(5, affine=False), [], []),
    (lambda: nn.LayerNorm(5, bias=False), [("weight", (5,))], ["weight"]),
    (lambda: nn.RMSNorm(5), [("weight", (5,))], ["weight"]),
    (lambda: nn.GroupNorm(2, 6), [("bias", (6,)), ("weight", (6,))], ["bias", "weight"]),
    (lambda: nn.GroupNorm(2, 6, affine=False, pytorch_compatible=True), [], []),
    (lambda: nn.InstanceNorm(6), [], []),
    (lambda: nn.InstanceNorm(6, affine=True), [("weight", (6,)), ("bias", (6,))],
     ["weight", "bias"]),
    (lambda: nn.BatchNorm(5),
     [("weight", (5,)), ("bias", (5,)), ("running_mean", (5,)), ("running_var", (5,))],
     ["weight", "bias"]),
    (lambda: nn.BatchNorm(5, affine=False), [("running_mean", (5,)), ("running_var", (5,))], []),
    (lambda: nn.BatchNorm(5, track_running_stats=False), [("weight", (5,)), ("bias", (5,))],
     ["weight", "bias"]),
]


@pytest.mark.parametrize("make, params, trainable", STRUCTURE)
def test_parameter_keys_shapes_and_trainable(make, params, trainable):
    m = make()
    assert param_shapes(m) == params
    assert keys(m.trainable_parameters()) == trainable
    assert keys(m.state) == [k for k, _ in params]


def test_initial_values():
    bn = nn.BatchNorm(3)
    for name, value in [("weight", 1), ("bias", 0), ("running_mean", 0), ("running_var", 1)]:
        assert bn[name].tolist() == [value] * 3 and bn[name].dtype == mx.float32
    assert nn.LayerNorm(4).weight.tolist() == [1] * 4 and nn.LayerNorm(4).bias.tolist() == [0] * 4
    assert nn.RMSNorm(4).weight.tolist() == [1] * 4
    gn = nn.GroupNorm(2, 4)
    assert gn.weight.tolist() == [1] * 4 and gn.bias.tolist() == [0] * 4


def test_batch_norm_running_stats_stay_frozen():
    bn = nn.BatchNorm(3)
    bn.unfreeze()
    assert keys(bn.trainable_parameters()) == ["weight", "bias"]
    bn.freeze()
    assert keys(bn.trainable_parameters()) == []
    bn.unfreeze(keys=["weight"])
    assert keys(bn.trainable_parameters()) == ["weight"]
    bn.unfreeze(keys=["running_mean"])
    assert keys(bn.trainable_parameters()) == ["weight"]
    # As in the reference, unfreezing a containing model reaches the statistics
    # (Module.unfreeze recurses without calling the sub-module's unfreeze).
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm(3))
    assert keys(model.trainable_parameters()) == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    model.freeze()
    model.unfreeze()
    assert keys(model.trainable_parameters()) == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "layers.1.running_mean", "layers.1.running_var"]


REPRS = [
    (lambda: nn.LayerNorm(5), "LayerNorm(5, eps=1e-05, affine=True)"),
    (lambda: nn.LayerNorm(3, bias=False, eps=0.1), "LayerNorm(3, eps=0.1, affine=True)"),
    (lambda: nn.LayerNorm(4, affine=False), "LayerNorm(4, eps=1e-05, affine=False)"),
    (lambda: nn.RMSNorm(3, eps=1e-3), "RMSNorm(3, eps=0.001)"),
    (lambda: nn.GroupNorm(2, 4), "GroupNorm(2, 4, eps=1e-05, affine=True, pytorch_compatible=False)"),
    (lambda: nn.InstanceNorm(4), "InstanceNorm(4, eps=1e-05, affine=False)"),
    (lambda: nn.BatchNorm(3, momentum=0.2, eps=1e-3),
     "BatchNorm(3, eps=0.001, momentum=0.2, affine=True, track_running_stats=True)"),
]


@pytest.mark.parametrize("make, expected", REPRS)
def test_repr(make, expected):
    assert repr(make()) == expected


# --------------------------------------------------------------------- against torch
def torch_layer_norm(m, x):
    w = t(np.array(m.weight)) if "weight" in m else None
    b = t(np.array(m.bias)) if "bias" in m else None
    return F.layer_norm(x, (x.shape[-1],), w, b, m.eps), {"weight": w, "bias": b}


def torch_rms_norm(m, x):
    w = t(np.array(m.weight))
    return F.rms_norm(x, (x.shape[-1],), w, m.eps), {"weight": w}


def group_order(channels, groups, pytorch_compatible):
    """Channel permutation that makes the layer's groups contiguous blocks."""
    if pytorch_compatible:
        return np.arange(channels)
    return np.array([c for g in range(groups) for c in range(g, channels, groups)])


def torch_group_norm(m, x):
    c = x.shape[-1]
    order = group_order(c, m.num_groups, m.pytorch_compatible)
    inverse = np.argsort(order)
    w = t(np.array(m.weight)) if "weight" in m else None
    b = t(np.array(m.bias)) if "bias" in m else None
    xc = torch.movedim(x[..., order], -1, 1)
    y = F.group_norm(xc, m.num_groups, None if w is None else w[order],
                     None if b is None else b[order], m.eps)
    return torch.movedim(y, 1, -1)[..., inverse], {"weight": w, "bias": b}


def torch_instance_norm(m, x):
    w = t(np.array(m.weight)) if "weight" in m else None
    b = t(np.array(m.bias)) if "bias" in m else None
    y = F.instance_norm(torch.movedim(x, -1, 1), weight=w, bias=b, eps=m.eps)
    return torch.movedim(y, 1, -1), {"weight": w, "bias": b}


def torch_batch_norm(m, x, running=None, training=True):
    w = t(np.array(m.weight)) if "weight" in m else None
    b = t(np.array(m.bias)) if "bias" in m else None
    rm, rv = running if running is not None else (None, None)
    y = F.batch_norm(torch.movedim(x, -1, 1), rm, rv, w, b, training=training,
                     momentum=m.momentum, eps=m.eps)
    return torch.movedim(y, 1, -1), {"weight": w, "bias": b}


CASES = [
    (lambda: nn.LayerNorm(6), torch_layer_norm, (4, 5, 6)),
    (lambda: nn.LayerNorm(6, bias=False, eps=1e-3), torch_layer_norm, (3, 6)),
    (lambda: nn.LayerNorm(6, affine=False), torch_layer_norm, (2, 3, 4, 6)),
    (lambda: nn.RMSNorm(6, eps=1e-3), torch_rms_norm, (4, 5, 6)),
    (lambda: nn.GroupNorm(3, 6), torch_group_norm, (4, 5, 6)),
    (lambda: nn.GroupNorm(2, 8), torch_group_norm, (2, 3, 4, 8)),
    (lambda: nn.GroupNorm(3, 6, pytorch_compatible=True), torch_group_norm, (4, 5, 6)),
    (lambda: nn.GroupNorm(2, 6, affine=False), torch_group_norm, (2, 6)),
    (lambda: nn.InstanceNorm(6), torch_instance_norm, (4, 5, 6)),
    (lambda: nn.InstanceNorm(4, affine=True, eps=1e-3), torch_instance_norm, (2, 3, 5, 4)),
    (lambda: nn.BatchNorm(6), torch_batch_norm, (8, 6)),
    (lambda: nn.BatchNorm(6), torch_batch_norm, (4, 5, 6)),
    (lambda: nn.BatchNorm(4, affine=False, eps=1e-3), torch_batch_norm, (2, 3, 5, 4)),
    (lambda: nn.BatchNorm(4, track_running_stats=False), torch_batch_norm, (2, 3, 5, 4)),
]


@pytest.mark.parametrize("make, oracle, shape", CASES)
def test_forward_and_gradients_match_torch(make, oracle, shape):
    m = random_params(make(), seed=7)
    if isinstance(m, nn.BatchNorm) and m.track_running_stats:
        m.running_mean = mx.zeros_like(m.running_mean)
        m.running_var = mx.ones_like(m.running_var)
    x = randn(*shape)
    xt = t(x)
    yt, tparams = oracle(m, xt)
    cot = randn(*shape, scale=1.0, shift=0.0)
    value, gx, gp = mx_value_and_grads(m, mx.array(x), mx.array(cot))
    y = m(mx.array(x))
    np.testing.assert_allclose(to_np(y), yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    (yt * torch.tensor(cot, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(float(value), float((yt * torch.tensor(cot)).sum().detach()), rtol=1e-4,
                               atol=1e-3)
    np.testing.assert_allclose(to_np(gx), xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    assert sorted(gp) == sorted(k for k, v in tparams.items() if v is not None)
    for k, g in gp.items():
        np.testing.assert_allclose(to_np(g), tparams[k].grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", [(16, 3), (4, 5, 3), (2, 3, 4, 3)])
def test_batch_norm_running_statistics_and_eval(shape):
    bn = random_params(nn.BatchNorm(3, momentum=0.3), seed=1)
    bn.running_mean = mx.zeros((3,))
    bn.running_var = mx.ones((3,))
    rm, rv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for step in range(3):
        x = randn(*shape)
        y = bn(mx.array(x))
        yt, _ = torch_batch_norm(bn, torch.tensor(x, dtype=torch.float64), (rm, rv))
        np.testing.assert_allclose(to_np(y), yt.detach().numpy(), rtol=1e-4, atol=1e-4)
        # The running variance moves towards the unbiased batch variance, as PyTorch.
        np.testing.assert_allclose(to_np(bn.running_mean), rm.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(to_np(bn.running_var), rv.numpy(), rtol=1e-5, atol=1e-6)
    bn.eval()
    x = randn(*shape)
    y = bn(mx.array(x))
    yt, _ = torch_batch_norm(bn, torch.tensor(x, dtype=torch.float64), (rm, rv), training=False)
    np.testing.assert_allclose(to_np(y), yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    before = np.array(bn.running_mean)
    bn(mx.array(x))
    assert np.array_equal(np.array(bn.running_mean), before)  # eval leaves them alone


def test_batch_norm_without_running_stats_uses_batch_statistics_in_eval():
    bn = nn.BatchNorm(3, track_running_stats=False)
    x = mx.array(randn(6, 3))
    train_out = np.array(bn(x))
    bn.eval()
    np.testing.assert_allclose(np.array(bn(x)), train_out, rtol=1e-6)
    assert "running_mean" not in bn


def test_batch_norm_gradient_excludes_running_stats_and_updates_them():
    bn = nn.BatchNorm(4)
    x = mx.array(randn(5, 4))
    loss_and_grad = nn.value_and_grad(bn, lambda inp: (bn(inp) ** 2).sum())
    _, grads = loss_and_grad(x)
    assert keys(grads) == ["weight", "bias"]
    expected = 0.9 + 0.1 * np.array(x).var(axis=0, ddof=1)
    np.testing.assert_allclose(np.array(bn.running_var), expected, rtol=1e-5)


# --------------------------------------------------------------------- dtypes
# (layer, input dtype) -> output dtype, as the reference gives them.
DTYPES = [
    (lambda: nn.LayerNorm(6), mx.float16, mx.float32),
    (lambda: nn.LayerNorm(6, affine=False), mx.bfloat16, mx.bfloat16),
    (lambda: nn.RMSNorm(6), mx.bfloat16, mx.float32),
    (lambda: nn.GroupNorm(2, 6), mx.float16, mx.float32),
    (lambda: nn.GroupNorm(2, 6, affine=False), mx.bfloat16, mx.bfloat16),
    (lambda: nn.InstanceNorm(6), mx.float16, mx.float16),
    (lambda: nn.InstanceNorm(6, affine=True), mx.bfloat16, mx.float32),
    (lambda: nn.BatchNorm(6), mx.float16, mx.float32),
    (lambda: nn.BatchNorm(6, affine=False), mx.float16, mx.float16),
]


@pytest.mark.parametrize("make, in_dtype, out_dtype", DTYPES)
def test_half_precision_forward(make, in_dtype, out_dtype):
    m = random_params(make(), seed=3)
    if "running_var" in m:
        m.running_var = mx.ones((6,))
    x = mx.array(randn(4, 5, 6))
    expected = to_np(m(x))
    if "running_var" in m:
        m.running_mean, m.running_var = mx.zeros((6,)), mx.ones((6,))
    y = m(x.astype(in_dtype))
    assert y.dtype == out_dtype
    tol = 2e-2 if mx.float16 in (in_dtype, out_dtype) else 6e-2
    np.testing.assert_allclose(to_np(y), expected, rtol=tol, atol=tol * 2)
    if isinstance(m, nn.BatchNorm):
        assert m.running_mean.dtype == mx.float32
        m.eval()
        assert m(x.astype(in_dtype)).dtype == mx.float32


# --------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: nn.BatchNorm(3), (3,)),
        (lambda: nn.BatchNorm(3), (2, 2, 5, 5, 3)),
        (lambda: nn.BatchNorm(3), (2, 5, 4)),
        (lambda: nn.LayerNorm(3), (2, 4)),
        (lambda: nn.RMSNorm(3), (2, 4)),
        (lambda: nn.GroupNorm(2, 4), (2, 5, 6)),
        (lambda: nn.InstanceNorm(4), (5, 4)),
        (lambda: nn.InstanceNorm(4), (4,)),
        (lambda: nn.InstanceNorm(4, affine=True), (2, 5, 6)),
    ],
)
def test_bad_input_raises_value_error(make, shape):
    with pytest.raises(ValueError):
        make()(mx.ones(shape))


def test_integer_inputs_give_float32():
    x = mx.array([[1, 2], [3, 5], [4, 4]])
    for m in (nn.LayerNorm(2), nn.BatchNorm(2), nn.GroupNorm(1, 2), nn.GroupNorm(1, 2, affine=False),
              nn.BatchNorm(2, affine=False)):
        y = m(x)
        assert y.dtype == mx.float32
        np.testing.assert_allclose(np.array(y), np.array(m(x.astype(mx.float32))), rtol=1e-6)
    # InstanceNorm refuses integers, as the reference (whose kernel does).
    with pytest.raises(ValueError, match="unsupported type"):
        nn.InstanceNorm(2)(x.reshape(1, 3, 2))


def test_batch_norm_needs_more_than_one_value_per_channel_in_training():
    for kwargs in ({}, dict(track_running_stats=False), dict(affine=False)):
        with pytest.raises(ValueError, match="more than one value per channel"):
            nn.BatchNorm(3, **kwargs)(mx.ones((1, 3)))
    with pytest.raises(ValueError, match="more than one value per channel"):
        nn.BatchNorm(3)(mx.ones((1, 1, 1, 3)))
    bn = nn.BatchNorm(3)
    bn.eval()
    np.testing.assert_allclose(np.array(bn(mx.ones((1, 3)))), [[0.999995] * 3], rtol=1e-6)
    bn = nn.BatchNorm(3, track_running_stats=False)
    bn.eval()
    assert bn(mx.ones((1, 3))).tolist() == [[0, 0, 0]]


def test_messages():
    with pytest.raises(ValueError, match="2, 3 or 4 dimensions, but got 5"):
        nn.BatchNorm(3)(mx.ones((2, 2, 2, 2, 3)))
    with pytest.raises(ValueError, match=r"features \(4\) must be evenly divisible .* \(3\)"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        nn.InstanceNorm(3)(mx.ones((5, 3)))
