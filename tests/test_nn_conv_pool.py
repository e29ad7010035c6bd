"""Conv1d/2d/3d, ConvTranspose1d/2d/3d and Max/AvgPool1d/2d/3d against PyTorch (weights
copied across, layouts transposed): outputs and gradients w.r.t. input and parameters.
Parameter keys, shapes, reprs and error types were read off the reference (MLX 0.32)."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
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

RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# --------------------------------------------------------------------- parameters, repr
PARAMS = [
    (lambda: nn.Conv1d(4, 6, 3), [("weight", (6, 3, 4)), ("bias", (6,))]),
    (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, bias=False),
     [("weight", (6, 3, 3, 2))]),
    (lambda: nn.Conv3d(4, 6, (1, 2, 3)), [("weight", (6, 1, 2, 3, 4)), ("bias", (6,))]),
    (lambda: nn.ConvTranspose1d(4, 6, 3), [("weight", (6, 3, 4)), ("bias", (6,))]),
    (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1),
     [("weight", (6, 3, 3, 4)), ("bias", (6,))]),
    (lambda: nn.ConvTranspose3d(4, 6, 2), [("weight", (6, 2, 2, 2, 4)), ("bias", (6,))]),
    (lambda: nn.MaxPool2d(3, stride=1, padding=1), []),
    (lambda: nn.AvgPool3d(2), []),
]


@pytest.mark.parametrize("make, expected", PARAMS)
def test_parameter_keys_and_shapes(make, expected):
    m = make()
    assert param_shapes(m) == expected
    assert [k for k, _ in param_shapes(m)] == list(m.trainable_parameters().keys())


REPRS = [
    (lambda: nn.Conv1d(4, 6, 3),
     "Conv1d(4, 6, kernel_size=3, stride=1, padding=0, dilation=1, groups=1, bias=True)"),
    (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, bias=False),
     "Conv2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=2, groups=2, "
     "bias=False)"),
    (lambda: nn.Conv3d(4, 6, (1, 2, 3)),
     "Conv3d(4, 6, kernel_size=(1, 2, 3), stride=(1, 1, 1), padding=(0, 0, 0), dilation=1, "
     "bias=True)"),
    (lambda: nn.ConvTranspose1d(4, 6, 3),
     "ConvTranspose1d(4, 6, kernel_size=3, stride=1, padding=0, dilation=1, output_padding=0, "
     "bias=True)"),
    (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1),
     "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=1, "
     "output_padding=(1, 1), bias=True)"),
    (lambda: nn.ConvTranspose3d(4, 6, 2),
     "ConvTranspose3d(4, 6, kernel_size=(2, 2, 2), stride=(1, 1, 1), padding=(0, 0, 0), "
     "dilation=1, output_padding=(0, 0, 0), bias=True)"),
    (lambda: nn.MaxPool1d(2), "MaxPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"),
    (lambda: nn.AvgPool2d((2, 3), (1, 2), (1, 0)),
     "AvgPool2d(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0))"),
    (lambda: nn.MaxPool3d(2, stride=1), "MaxPool3d(kernel_size=(2, 2, 2), stride=(1, 1, 1), "
     "padding=(0, 0, 0))"),
]


@pytest.mark.parametrize("make, expected", REPRS)
def test_repr(make, expected):
    assert repr(make()) == expected


@pytest.mark.parametrize(
    "make, fan_in",
    [
        (lambda: nn.Conv1d(8, 64, 3), 24),
        (lambda: nn.Conv2d(8, 64, 3, groups=2), 36),
        (lambda: nn.Conv3d(4, 32, (1, 2, 3)), 24),
        (lambda: nn.ConvTranspose1d(8, 64, 3), 24),
        (lambda: nn.ConvTranspose2d(4, 64, 3), 36),
        (lambda: nn.ConvTranspose3d(4, 32, 2), 32),
    ],
)
def test_init_is_uniform_with_fan_in_bound(make, fan_in):
    m = make()
    w = np.array(m.weight)
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.9 * bound
    # The uniform distribution's standard deviation is bound / sqrt(3).
    assert abs(w.std() - bound / math.sqrt(3)) < 0.15 * bound
    assert np.array_equal(np.array(m.bias), np.zeros(m.weight.shape[0]))
    assert m.weight.dtype == mx.float32


# --------------------------------------------------------------------- convolutions
def torch_conv_weight(w):
    """MLX ``(O, *k, I)`` -> PyTorch ``(O, I, *k)``."""
    return np.moveaxis(w, -1, 1)


def torch_conv_transpose_weight(w):
    """MLX ``(O, *k, I)`` -> PyTorch ``(I, O, *k)``."""
    w = np.moveaxis(w, -1, 0)
    return w


def check_conv_against_torch(m, x, y, xt, wt, bt, yt, weight_axis):
    """Compare output and gradients (input, weight, bias) with PyTorch's; PyTorch's
    weight gradient has its input-channel axis at ``weight_axis``."""
    np.testing.assert_allclose(to_np(y), channels_last(yt.detach().numpy()), rtol=1e-4, atol=1e-4)
    assert y.dtype == mx.float32
    cot = randn(*y.shape)
    _, gx, gp = mx_value_and_grads(m, mx.array(x), mx.array(cot))
    (yt * torch.tensor(channels_first(cot), dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(to_np(gx), channels_last(xt.grad.numpy()), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(to_np(gp["weight"]), np.moveaxis(wt.grad.numpy(), weight_axis, -1),
                               rtol=1e-4, atol=1e-4)
    assert sorted(gp) == (["bias", "weight"] if bt is not None else ["weight"])
    if bt is not None:
        np.testing.assert_allclose(to_np(gp["bias"]), bt.grad.numpy(), rtol=1e-4, atol=1e-4)


CONVS = [
    (nn.Conv1d, (4, 6, 3), {}, (2, 10, 4)),
    (nn.Conv1d, (4, 6, 3), dict(stride=2, padding=2, dilation=2), (2, 11, 4)),
    (nn.Conv1d, (4, 6, 2), dict(groups=2, bias=False), (3, 7, 4)),
    (nn.Conv1d, (6, 6, 4), dict(groups=6, padding=3), (2, 9, 6)),  # depthwise (Mamba's)
    (nn.Conv2d, (4, 6, (2, 3)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
     (2, 7, 8, 4)),
    (nn.Conv2d, (3, 5, 3), dict(padding=1), (2, 6, 5, 3)),
    (nn.Conv3d, (3, 4, 2), dict(stride=1, padding=1), (1, 4, 5, 3, 3)),
    (nn.Conv3d, (2, 3, (1, 2, 3)), dict(stride=(1, 2, 1), dilation=(2, 1, 1)), (2, 4, 5, 6, 2)),
]


@pytest.mark.parametrize("cls, args, kwargs, shape", CONVS)
def test_conv_matches_torch(cls, args, kwargs, shape):
    m = random_params(cls(*args, **kwargs), seed=3)
    ndim = len(shape) - 2
    x = randn(*shape)
    y = m(mx.array(x))
    w = np.array(m.weight)
    xt, wt = t(channels_first(x)), t(torch_conv_weight(w))
    bt = t(np.array(m.bias)) if "bias" in m else None
    conv = [F.conv1d, F.conv2d, F.conv3d][ndim - 1]
    yt = conv(xt, wt, bt, stride=m.stride, padding=m.padding, dilation=m.dilation,
              groups=getattr(m, "groups", 1))
    check_conv_against_torch(m, x, y, xt, wt, bt, yt, weight_axis=1)


CONV_TRANSPOSES = [
    (nn.ConvTranspose1d, (4, 6, 3), dict(stride=2, padding=1, output_padding=1), (2, 5, 4)),
    (nn.ConvTranspose1d, (3, 2, 4), dict(dilation=2, bias=False), (1, 6, 3)),
    (nn.ConvTranspose2d, (4, 6, (2, 3)), dict(stride=2, padding=(0, 1), dilation=2,
                                              output_padding=(1, 0)), (2, 5, 6, 4)),
    (nn.ConvTranspose3d, (3, 2, 2), dict(stride=2), (1, 3, 4, 2, 3)),
    (nn.ConvTranspose3d, (2, 3, 3), dict(stride=(1, 2, 2), padding=1, output_padding=(0, 1, 1)),
     (2, 3, 3, 4, 2)),
]


@pytest.mark.parametrize("cls, args, kwargs, shape", CONV_TRANSPOSES)
def test_conv_transpose_matches_torch(cls, args, kwargs, shape):
    m = random_params(cls(*args, **kwargs), seed=4)
    ndim = len(shape) - 2
    x = randn(*shape)
    y = m(mx.array(x))
    xt = t(channels_first(x))
    wt = t(torch_conv_transpose_weight(np.array(m.weight)))
    bt = t(np.array(m.bias)) if "bias" in m else None
    conv = [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][ndim - 1]
    yt = conv(xt, wt, bt, stride=m.stride, padding=m.padding, output_padding=m.output_padding,
              dilation=m.dilation)
    check_conv_against_torch(m, x, y, xt, wt, bt, yt, weight_axis=0)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
@pytest.mark.parametrize("cls, args, kwargs, shape",
                         [CONVS[0], CONVS[3], CONVS[5], CONV_TRANSPOSES[0], CONV_TRANSPOSES[2]])
def test_conv_half_precision_forward(dtype, cls, args, kwargs, shape):
    m = random_params(cls(*args, **kwargs), seed=5)
    x = mx.array(randn(*shape))
    expected = to_np(m(x))
    # Half inputs with float32 weights promote to float32 (as the reference).
    assert m(x.astype(dtype)).dtype == mx.float32
    m.set_dtype(dtype)
    y = m(x.astype(dtype))
    assert y.dtype == dtype
    tol = 2e-2 if dtype == mx.float16 else 8e-2
    np.testing.assert_allclose(to_np(y), expected, rtol=tol, atol=tol * np.abs(expected).max())


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: nn.Conv1d(4, 6, 3), (10, 4)),  # no batch axis
        (lambda: nn.Conv1d(4, 6, 3), (2, 10, 10, 4)),
        (lambda: nn.Conv1d(3, 6, 3), (2, 10, 4)),  # channels do not match
        (lambda: nn.Conv2d(4, 6, 3), (10, 10, 4)),
        (lambda: nn.Conv2d(4, 6, 30), (2, 10, 10, 4)),  # kernel larger than the input
        (lambda: nn.Conv3d(4, 6, 3), (5, 5, 5, 4)),
        (lambda: nn.ConvTranspose1d(4, 6, 3), (10, 4)),
        (lambda: nn.ConvTranspose2d(4, 6, 3), (2, 5, 4)),
    ],
)
def test_conv_bad_input_raises_value_error(make, shape):
    with pytest.raises(ValueError):
        make()(mx.ones(shape))


def test_conv_groups_must_divide_input_channels():
    with pytest.raises(ValueError, match=r"input channels \(4\).*groups \(3\)"):
        nn.Conv1d(4, 6, 3, groups=3)
    with pytest.raises(ValueError):
        nn.Conv2d(5, 6, 3, groups=2)


# --------------------------------------------------------------------- pooling
POOLS = [
    (nn.MaxPool1d, (2,), (2, 8, 3)),
    (nn.MaxPool1d, (3, 1), (2, 8, 3)),
    (nn.MaxPool1d, (3, 2, 1), (2, 9, 3)),
    (nn.MaxPool1d, (4, 3, 2), (1, 11, 2)),
    (nn.AvgPool1d, (2,), (2, 9, 3)),
    (nn.AvgPool1d, (3, 2, 1), (2, 8, 3)),
    (nn.AvgPool1d, (4, 3, 2), (1, 11, 2)),
    (nn.MaxPool2d, (2,), (2, 7, 8, 3)),
    (nn.MaxPool2d, ((2, 3), (1, 2), (1, 0)), (2, 7, 8, 3)),
    (nn.MaxPool2d, (3, 1, 1), (1, 5, 6, 2)),
    (nn.MaxPool2d, (9, 2, 1), (1, 12, 13, 2)),  # a window of 81: the as_strided form
    (nn.AvgPool2d, (2,), (2, 7, 8, 3)),
    (nn.AvgPool2d, ((2, 3), (1, 2), (1, 0)), (2, 7, 8, 3)),
    (nn.AvgPool2d, (3, 2, 1), (1, 6, 7, 2)),
    (nn.AvgPool2d, ((9, 8), 1), (1, 10, 11, 2)),
    (nn.MaxPool3d, (2,), (1, 4, 5, 6, 2)),
    (nn.MaxPool3d, (2, 1, 1), (1, 4, 5, 6, 2)),
    (nn.AvgPool3d, ((2, 3, 2),), (1, 4, 5, 6, 2)),
    (nn.AvgPool3d, (3, 2, 1), (2, 4, 5, 3, 2)),
]


def torch_pool(cls, x, m):
    ndim = x.ndim - 2
    name = ("max" if cls.__name__.startswith("Max") else "avg") + f"_pool{ndim}d"
    return getattr(F, name)(x, m._kernel_size, m._stride, m._padding)


@pytest.mark.parametrize("cls, args, shape", POOLS)
def test_pool_matches_torch(cls, args, shape):
    m = cls(*args)
    x = randn(*shape)
    y = m(mx.array(x))
    xt = t(channels_first(x))
    yt = torch_pool(cls, xt, m)
    np.testing.assert_allclose(to_np(y), channels_last(yt.detach().numpy()), rtol=1e-5, atol=1e-6)
    cot = randn(*y.shape)
    gx = mx.grad(lambda v: (m(v) * mx.array(cot)).sum())(mx.array(x))
    (yt * torch.tensor(channels_first(cot), dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(to_np(gx), channels_last(xt.grad.numpy()), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.int32, mx.uint8])
@pytest.mark.parametrize("cls, args, shape", [POOLS[2], POOLS[8], POOLS[11], POOLS[16]])
def test_pool_dtypes(dtype, cls, args, shape):
    m = cls(*args)
    x = mx.array(randn(*shape) * 20).astype(dtype)
    y = m(x)
    xt = torch.tensor(channels_first(to_np(x)))
    expected = channels_last(torch_pool(cls, xt, m).numpy())
    if cls.__name__.startswith("Avg"):
        # Means of integers are float32; float inputs keep their dtype.
        assert y.dtype == (dtype if mx.issubdtype(dtype, mx.floating) else mx.float32)
        tol = 1e-2 if dtype in (mx.float16, mx.bfloat16) else 1e-5
        np.testing.assert_allclose(to_np(y), expected, rtol=tol, atol=tol * 20)
    else:
        assert y.dtype == dtype
        np.testing.assert_array_equal(to_np(y), expected)


def test_max_pool_pads_with_lowest_value():
    x = -mx.arange(1, 7, dtype=mx.float32).reshape(1, 6, 1)
    assert nn.MaxPool1d(2, padding=1)(x).flatten().tolist() == [-1, -2, -4, -6]
    xi = mx.arange(1, 7, dtype=mx.int32).reshape(1, 6, 1)
    assert nn.MaxPool1d(2, padding=1)(xi).flatten().tolist() == [1, 3, 5, 6]
    # Average pooling counts the zero padding.
    xf = mx.arange(1, 7, dtype=mx.float32).reshape(1, 6, 1)
    assert nn.AvgPool1d(2, padding=1)(xf).flatten().tolist() == [0.5, 2.5, 4.5, 3.0]


def test_max_pool_ties_share_the_gradient():
    # As the reference: tied maxima of a window split its gradient equally.
    x = mx.array([1.0, 1, 1, 2, 2, 0]).reshape(1, 6, 1)
    cases = [
        (nn.MaxPool1d(2), [0.5, 0.5, 0, 1, 1, 0]),
        (nn.MaxPool1d(3, 1), [1 / 3, 1 / 3, 1 / 3, 2, 1, 0]),
        (nn.MaxPool1d(2, padding=1), [1, 0.5, 0.5, 0.5, 0.5, 1]),
        (nn.MaxPool1d(5, 1), [0, 0, 0, 1, 1, 0]),
    ]
    for m, expected in cases:
        g = mx.grad(lambda v: m(v).sum())(x)
        np.testing.assert_allclose(np.array(g).ravel(), expected, rtol=1e-6)


def test_pool_kernel_larger_than_input_gives_empty_output():
    assert nn.MaxPool2d(12)(mx.ones((2, 10, 10, 4))).shape == (2, 0, 0, 4)
    assert nn.AvgPool1d(5)(mx.ones((1, 3, 2))).shape == (1, 0, 2)


def test_pool_noncontiguous_input():
    x = mx.array(randn(2, 3, 9, 8)).transpose(0, 2, 3, 1)  # (2, 9, 8, 3), not contiguous
    y = nn.MaxPool2d(3, 2, 1)(x)
    xt = torch.tensor(channels_first(np.array(x)))
    np.testing.assert_allclose(np.array(y), channels_last(F.max_pool2d(xt, 3, 2, 1).numpy()))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.MaxPool2d((2, 2, 2)),
         r"\[MaxPool2d\] 'kernel_size' must be an integer or a tuple containing 2 integers"),
        (lambda: nn.MaxPool1d(2.0),
         r"\[MaxPool1d\] 'kernel_size' must be an integer or a tuple containing 1 integer"),
        (lambda: nn.MaxPool2d(0), r"'kernel_size' must be positive but got \(0, 0\)"),
        (lambda: nn.AvgPool2d(2, stride=0), r"'stride' must be positive but got \(0, 0\)"),
        (lambda: nn.MaxPool2d(2, padding=-1), r"'padding' must be non-negative but got \(-1, -1\)"),
        (lambda: nn.MaxPool2d(2, padding=None), r"'padding' must be an integer"),
    ],
)
def test_pool_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: nn.MaxPool1d(3), (10, 4)),
        (lambda: nn.MaxPool1d(3), (2, 10, 10, 4)),
        (lambda: nn.MaxPool2d(3), (10, 10, 4)),
        (lambda: nn.AvgPool2d(3), (2, 5, 5, 5, 4)),
        (lambda: nn.AvgPool3d(2), (2, 5, 5, 4)),
    ],
)
def test_pool_wrong_rank_raises_value_error(make, shape):
    with pytest.raises(ValueError):
        make()(mx.ones(shape))

