"""Dropout/Dropout2d/Dropout3d, Upsample (and upsample_nearest/linear/cubic), RoPE,
SinusoidalPositionalEncoding and ALiBi: against PyTorch (interpolate) or NumPy/torch
re-implementations, with gradients; values for non-integer scales, reprs, dtypes and
errors were read off the reference (MLX 0.32)."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.nn.layers.upsample import upsample_cubic, upsample_linear, upsample_nearest
from nn_layer_oracle import channels_first, channels_last, to_np

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(7)


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


# --------------------------------------------------------------------- dropout
@pytest.mark.parametrize("cls", [nn.Dropout, nn.Dropout2d, nn.Dropout3d])
@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_probability_must_be_in_range(cls, p):
    with pytest.raises(ValueError, match=rf"The dropout probability {p} is not in \[0, 1\)"):
        cls(p)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: nn.Dropout(), "Dropout(p=0.5)"),
        (lambda: nn.Dropout(0.3), "Dropout(p=0.30000000000000004)"),
        (lambda: nn.Dropout2d(0.2), "Dropout2d(p=0.19999999999999996)"),
        (lambda: nn.Dropout3d(0.25), "Dropout3d(p=0.25)"),
    ],
)
def test_dropout_repr_and_no_parameters(make, expected):
    m = make()
    assert repr(m) == expected
    assert m.parameters() == {}


def test_dropout_training_statistics_and_eval():
    mx.random.seed(3)
    d = nn.Dropout(0.3)
    y = np.array(d(mx.ones((40000,))))
    assert set(np.unique(y).tolist()) <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert abs(y.mean() - 1.0) < 0.02
    d.eval()
    x = mx.array(randn(5, 4))
    assert np.array_equal(np.array(d(x)), np.array(x))
    d.train()
    assert not np.array_equal(np.array(d(mx.ones((1000,)))), np.ones(1000))
    assert np.array_equal(np.array(nn.Dropout(0.0)(x)), np.array(x))


def test_dropout_gradient_is_the_scaled_mask():
    d = nn.Dropout(0.4)
    x = mx.array(randn(200))
    mx.random.seed(11)
    y = d(x)
    mx.random.seed(11)
    g = mx.grad(lambda v: d(v).sum())(x)
    mask = np.array(y) != 0
    np.testing.assert_allclose(np.array(g), mask / 0.6, rtol=1e-6)
    np.testing.assert_allclose(np.array(y), np.array(x) * mask / 0.6, rtol=1e-6)


@pytest.mark.parametrize(
    "cls, shape, spatial",
    [
        (nn.Dropout2d, (4, 5, 6, 16), (1, 2)),
        (nn.Dropout2d, (5, 6, 16), (0, 1)),
        (nn.Dropout3d, (2, 3, 4, 5, 16), (1, 2, 3)),
        (nn.Dropout3d, (3, 4, 5, 16), (0, 1, 2)),
    ],
)
def test_channel_dropout_zeroes_whole_channels(cls, shape, spatial):
    mx.random.seed(5)
    y = np.array(cls(0.5)(mx.ones(shape)))
    # Constant over the spatial axes, per sample and channel.
    assert np.all(y.std(axis=spatial) == 0)
    assert set(np.unique(y).tolist()) <= {0.0, 2.0}
    assert 0 < (y == 0).mean() < 1


@pytest.mark.parametrize(
    "cls, good, bad",
    [
        (nn.Dropout2d, [(5, 5, 8), (2, 5, 5, 8)], [(5, 8), (1, 2, 5, 5, 8)]),
        (nn.Dropout3d, [(2, 5, 5, 8), (2, 2, 5, 5, 8)], [(5, 5, 8), (1, 2, 2, 5, 5, 8)]),
    ],
)
def test_channel_dropout_input_rank(cls, good, bad):
    for shape in good:
        assert cls(0.5)(mx.ones(shape)).shape == shape
    for shape in bad:
        with pytest.raises(ValueError, match=f"Received input with {len(shape)} dimensions"):
            cls(0.5)(mx.ones(shape))


@pytest.mark.parametrize("cls", [nn.Dropout, nn.Dropout2d, nn.Dropout3d])
def test_dropout_dtypes(cls):
    shape = (2, 3, 4, 5)
    for dtype in (mx.float16, mx.bfloat16, mx.float32):
        assert cls(0.5)(mx.ones(shape, dtype)).dtype == dtype
    assert cls(0.5)(mx.ones(shape, mx.int32)).dtype == mx.float32


# --------------------------------------------------------------------- upsample vs torch
def torch_interpolate(x, scale, mode, align_corners, antialias=False):
    """PyTorch on a channels-last NumPy array; ``mode`` as MLX names it."""
    nd = x.ndim - 2
    tmode = {"nearest": "nearest", "linear": ["linear", "bilinear", "trilinear"][nd - 1],
             "cubic": "bicubic"}[mode]
    xt = torch.tensor(channels_first(x).astype(np.float64), requires_grad=True)
    kwargs = {} if mode == "nearest" else dict(align_corners=align_corners)
    if antialias:
        kwargs["antialias"] = True
    yt = F.interpolate(xt, scale_factor=scale, mode=tmode, **kwargs)
    return xt, yt


TORCH_CASES = [
    ((2, 5, 3), 2, "nearest", False),
    ((2, 6, 3), 0.5, "nearest", False),
    ((1, 4, 5, 2), (3, 2), "nearest", False),
    ((1, 3, 4, 3, 2), 2, "nearest", False),
    ((2, 5, 3), 2, "linear", False),
    ((2, 5, 3), 3, "linear", True),
    ((2, 8, 3), 0.5, "linear", False),
    ((1, 4, 5, 2), (2, 3), "linear", False),
    ((1, 4, 5, 2), 2, "linear", True),
    ((1, 3, 4, 3, 2), (2, 1, 3), "linear", False),
    ((1, 3, 4, 3, 2), 2, "linear", True),
    ((1, 4, 5, 2), 2, "cubic", False),
    ((1, 4, 5, 2), (3, 2), "cubic", True),
    ((2, 8, 6, 3), 0.5, "cubic", False),
]


@pytest.mark.parametrize("shape, scale, mode, align", TORCH_CASES)
def test_upsample_matches_torch(shape, scale, mode, align):
    x = randn(*shape)
    m = nn.Upsample(scale, mode=mode, align_corners=align)
    y = m(mx.array(x))
    xt, yt = torch_interpolate(x, scale, mode, align)
    np.testing.assert_allclose(to_np(y), channels_last(yt.detach().numpy()), rtol=1e-5, atol=1e-5)
    cot = randn(*y.shape)
    g = mx.grad(lambda v: (m(v) * mx.array(cot)).sum())(mx.array(x))
    (yt * torch.tensor(channels_first(cot), dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(to_np(g), channels_last(xt.grad.numpy()), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("scale", [0.5, 0.25, (0.5, 1), 2])
def test_antialias_matches_torch(mode, scale):
    x = randn(2, 8, 12, 3)
    m = nn.Upsample(scale, mode=mode, antialias=True)
    y = m(mx.array(x))
    xt, yt = torch_interpolate(x, scale, mode, False, antialias=True)
    np.testing.assert_allclose(to_np(y), channels_last(yt.detach().numpy()), rtol=1e-5, atol=1e-5)
    cot = randn(*y.shape)
    g = mx.grad(lambda v: (m(v) * mx.array(cot)).sum())(mx.array(x))
    (yt * torch.tensor(channels_first(cot), dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(to_np(g), channels_last(xt.grad.numpy()), rtol=1e-5, atol=1e-5)


# Non-integer factors centre the output grid on the input grid (the reference's rule,
# which PyTorch does not share); values read off the reference for x = [1, 3, 2, 5].
REFERENCE_1D = {
    ("nearest", False, 1.7): [1, 1, 3, 2, 2, 5],
    ("nearest", False, 0.6): [1, 2],
    ("nearest", False, 2.3): [1, 1, 3, 3, 2, 2, 2, 5, 5],
    ("linear", False, 1.7): [1.058823, 2.235294, 2.794118, 2.205882, 3.147059, 4.911766],
    ("linear", False, 0.6): [2.333333, 3.0],
    ("linear", False, 2.3): [1.0, 1.391304, 2.26087, 2.934783, 2.5, 2.065217, 3.108695,
                             4.413043, 5.0],
    ("linear", True, 1.7): [1.0, 2.2, 2.8, 2.2, 3.2, 5.0],
    ("linear", True, 0.6): [1.0, 5.0],
    ("linear", True, 2.3): [1.0, 1.75, 2.5, 2.875, 2.5, 2.125, 2.75, 3.875, 5.0],
    ("cubic", False, 1.7): [1.04602, 2.372476, 2.937179, 1.940203, 2.995988, 4.931284],
    ("cubic", False, 0.6): [2.481482, 2.833334],
    ("cubic", False, 2.3): [0.792344, 1.366501, 2.401423, 3.024574, 2.40625, 1.929705,
                            2.95295, 4.461795, 5.311483],
    ("cubic", True, 1.7): [1.0, 2.332, 2.943998, 1.936, 3.056002, 5.0],
    ("cubic", True, 2.3): [1.0, 1.786621, 2.652344, 3.008301, 2.40625, 1.909668, 2.574219,
                           3.853027, 5.0],
}


@pytest.mark.parametrize("key", sorted(REFERENCE_1D))
def test_upsample_non_integer_scales_match_reference(key):
    mode, align, scale = key
    x = mx.array([1.0, 3.0, 2.0, 5.0]).reshape(1, 4, 1)
    y = nn.Upsample(scale, mode=mode, align_corners=align)(x)
    np.testing.assert_allclose(np.array(y).ravel(), REFERENCE_1D[key], rtol=1e-5, atol=1e-5)


def test_nearest_index_rule_matches_reference():
    # Outputs of arange(N) read off the reference.
    cases = {
        (3, 1.5): [0, 1, 1, 2], (4, 1.3): [0, 1, 2, 2, 3], (4, 2.5): [0, 0, 0, 1, 1, 2, 2, 2, 3, 3],
        (5, 0.6): [0, 1, 3], (7, 0.75): [0, 1, 2, 4, 5], (7, 1.7): [0, 0, 1, 2, 2, 3, 4, 4, 5, 6, 6],
        (4, 0.75): [0, 1, 2], (5, 3.4): [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4],
    }
    for (n, s), expected in cases.items():
        x = mx.arange(n, dtype=mx.float32).reshape(1, n, 1)
        assert np.array(nn.Upsample(s)(x)).ravel().astype(int).tolist() == expected, (n, s)


def test_antialias_non_integer_scales_match_reference():
    x = (mx.arange(10, dtype=mx.float32) ** 2).reshape(1, 10, 1)
    expected = {
        ("linear", 0.6): [0.428571, 4.444445, 14.499998, 28.000002, 49.444443, 73.71428],
        ("cubic", 0.6): [0.16923, 3.999996, 13.536234, 28.275368, 49.507046, 74.79999],
        ("linear", 0.3): [3.525424, 22.07576, 57.677963],
        ("cubic", 0.3): [1.878197, 21.009417, 60.539173],
    }
    for (mode, s), values in expected.items():
        y = nn.Upsample(s, mode=mode, antialias=True)(x)
        np.testing.assert_allclose(np.array(y).ravel(), values, rtol=1e-5, atol=1e-4)
    y = nn.Upsample((2, 0.5), mode="cubic", antialias=True)(
        mx.arange(12, dtype=mx.float32).reshape(1, 2, 6, 1))
    np.testing.assert_allclose(
        np.array(y).reshape(4, 3),
        [[0.014521, 1.970588, 3.926655], [1.78679, 3.742857, 5.698924],
         [5.301076, 7.257143, 9.213211], [7.073344, 9.029411, 10.985478]], rtol=1e-5, atol=1e-5)


def test_upsample_any_number_of_spatial_axes():
    x = mx.array(randn(1, 2, 3, 2, 3, 2))
    for mode in ("nearest", "linear", "cubic"):
        assert nn.Upsample(2, mode=mode)(x).shape == (1, 4, 6, 4, 6, 2)
    # Multilinear with factor 1 on the other axes is the 1-d interpolation of each line.
    y = nn.Upsample((1, 2, 1, 1), mode="linear")(x)
    line = nn.Upsample(2, mode="linear")(x.transpose(0, 2, 1, 3, 4, 5).reshape(1, 3, -1))
    np.testing.assert_allclose(
        np.array(y), np.array(line.reshape(1, 6, 2, 2, 3, 2).transpose(0, 2, 1, 3, 4, 5)),
        rtol=1e-6)


def test_upsample_dtypes():
    x = mx.array(randn(1, 3, 3, 2))
    assert nn.Upsample(2)(x.astype(mx.float16)).dtype == mx.float16
    assert nn.Upsample(2)(x.astype(mx.int32)).dtype == mx.int32
    assert nn.Upsample(2, mode="linear")(x.astype(mx.int32)).dtype == mx.float32
    for mode in ("linear", "cubic"):
        for dtype in (mx.float16, mx.bfloat16):
            y = nn.Upsample(2, mode=mode)(x.astype(dtype))
            assert y.dtype == mx.float32
            expected = np.array(nn.Upsample(2, mode=mode)(x.astype(dtype).astype(mx.float32)))
            np.testing.assert_allclose(np.array(y), expected, rtol=1e-6, atol=1e-6)


def test_upsample_functions():
    x = mx.array(randn(1, 3, 4, 2))
    np.testing.assert_array_equal(np.array(upsample_nearest(x, (2, 2))),
                                  np.array(nn.Upsample(2)(x)))
    np.testing.assert_allclose(np.array(upsample_linear(x, (2, 3), align_corners=True)),
                               np.array(nn.Upsample((2, 3), "linear", True)(x)))
    np.testing.assert_allclose(np.array(upsample_cubic(x, (0.5, 1.5), antialias=True)),
                               np.array(nn.Upsample((0.5, 1.5), "cubic", antialias=True)(x)))
    assert upsample_linear(mx.ones((1, 3, 2)), (0.2,)).shape == (1, 0, 2)
    with pytest.raises(TypeError):
        upsample_nearest(x, 2)


def test_upsample_repr_and_attributes():
    assert repr(nn.Upsample(2)) == "Upsample(scale_factor=2.0, mode='nearest', align_corners=False)"
    assert (repr(nn.Upsample((2, 3), mode="linear", align_corners=True))
            == "Upsample(scale_factor=(2.0, 3.0), mode='linear', align_corners=True)")
    assert (repr(nn.Upsample(0.5, mode="linear", antialias=True))
            == "Upsample(scale_factor=0.5, mode='linear', align_corners=False, antialias=True)")
    assert nn.Upsample(2).parameters() == {}


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Upsample(2, mode="bilinear"), "unsupported upsampling algorithm: bilinear"),
        (lambda: nn.Upsample(0.5, antialias=True), "Antialiasing is not supported for nearest"),
        (lambda: nn.Upsample(0.5, "linear", True, True), "antialias=True with align_corners=True"),
        (lambda: nn.Upsample((2, 2))(mx.ones((1, 4, 1))), "One scale per spatial dimension"),
        (lambda: nn.Upsample(2)(mx.ones((4, 1))), "at least 3D but 2D was provided"),
    ],
)
def test_upsample_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --------------------------------------------------------------------- RoPE
def torch_rope(x, dims, traditional, base, scale, offset):
    """Rotary embedding in PyTorch (float64), the oracle for values and gradients."""
    L = x.shape[-2]
    pos = (torch.arange(L, dtype=torch.float64) + offset) * scale
    freqs = base ** (-torch.arange(0, dims, 2, dtype=torch.float64) / dims)
    theta = pos[:, None] * freqs[None, :]
    cos, sin = torch.cos(theta), torch.sin(theta)
    rot, rest = x[..., :dims], x[..., dims:]
    if traditional:
        a, b = rot[..., 0::2], rot[..., 1::2]
        out = torch.stack([a * cos - b * sin, a * sin + b * cos], dim=-1).flatten(-2)
    else:
        a, b = rot[..., : dims // 2], rot[..., dims // 2:]
        out = torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)
    return torch.cat([out, rest], dim=-1)


@pytest.mark.parametrize(
    "dims, kwargs, offset",
    [(8, {}, 0), (6, {}, 3), (8, dict(traditional=True), 2), (4, dict(base=100, scale=0.5), 1)],
)
def test_rope_matches_torch(dims, kwargs, offset):
    rope = nn.RoPE(dims, **kwargs)
    x = randn(2, 3, 5, 8)
    y = rope(mx.array(x), offset=offset)
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    yt = torch_rope(xt, dims, kwargs.get("traditional", False), kwargs.get("base", 10000),
                    kwargs.get("scale", 1.0), offset)
    np.testing.assert_allclose(to_np(y), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    cot = randn(*y.shape)
    g = mx.grad(lambda v: (rope(v, offset=offset) * mx.array(cot)).sum())(mx.array(x))
    (yt * torch.tensor(cot, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(to_np(g), xt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_rope_dtypes_repr_errors():
    rope = nn.RoPE(8)
    x = mx.array(randn(2, 3, 8))
    for dtype in (mx.float16, mx.bfloat16):
        y = rope(x.astype(dtype))
        assert y.dtype == dtype
        np.testing.assert_allclose(to_np(y), to_np(rope(x)), rtol=5e-2, atol=5e-2)
    np.testing.assert_allclose(np.array(rope(x, offset=mx.array(3))), np.array(rope(x, offset=3)),
                               rtol=1e-6)
    assert repr(nn.RoPE(4, base=100, scale=2.0)) == "RoPE(4, traditional=False)"
    assert repr(nn.RoPE(8, traditional=True)) == "RoPE(8, traditional=True)"
    with pytest.raises(ValueError):
        rope(mx.ones((3, 8)))
    with pytest.raises(ValueError):
        nn.RoPE(7)(x)
    with pytest.raises(ValueError):
        nn.RoPE(16)(x)


# --------------------------------------------------------------------- sinusoidal
def test_sinusoidal_values_from_reference():
    pe = nn.SinusoidalPositionalEncoding(8)
    np.testing.assert_allclose(np.array(pe._sigmas), [1, 0.0464159, 0.00215443, 0.0001], rtol=1e-5)
    assert pe.scale == 0.5
    y = pe(mx.arange(3))
    assert y.shape == (3, 8) and y.dtype == mx.float32
    np.testing.assert_allclose(np.array(y)[1, :3], [0.420735, 0.0231996, 0.00107722], rtol=1e-5)
    np.testing.assert_allclose(np.array(y)[1, 5:], [0.499462, 0.499999, 0.5], rtol=1e-5)
    turns = nn.SinusoidalPositionalEncoding(8, scale=2.0, full_turns=True)
    np.testing.assert_allclose(np.array(turns._sigmas), [6.28319, 0.29164, 0.0135367, 0.000628319],
                               rtol=1e-5)
    np.testing.assert_allclose(np.array(nn.SinusoidalPositionalEncoding(2)._sigmas), [1.0])
    assert repr(pe) == "SinusoidalPositionalEncoding()"
    assert pe.parameters() == {}


@pytest.mark.parametrize(
    "kwargs", [{}, dict(cos_first=True), dict(full_turns=True, scale=1.0),
               dict(min_freq=0.01, max_freq=10, scale=3.0)])
def test_sinusoidal_matches_torch(kwargs):
    dims = 10
    pe = nn.SinusoidalPositionalEncoding(dims, **kwargs)
    x = randn(2, 5) * 4
    y = pe(mx.array(x))
    assert y.shape == (2, 5, dims)
    lo, hi = math.log(kwargs.get("min_freq", 1e-4)), math.log(kwargs.get("max_freq", 1))
    frac = 1 - torch.arange(dims // 2, dtype=torch.float64) / (dims // 2 - 1)
    freqs = torch.exp(frac * (hi - lo) + lo) * (2 * math.pi if kwargs.get("full_turns") else 1)
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    arg = xt[..., None] * freqs
    parts = [torch.cos(arg), torch.sin(arg)] if kwargs.get("cos_first") else [
        torch.sin(arg), torch.cos(arg)]
    yt = torch.cat(parts, -1) * kwargs.get("scale", math.sqrt(2 / dims))
    np.testing.assert_allclose(to_np(y), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    cot = randn(*y.shape)
    g = mx.grad(lambda v: (pe(v) * mx.array(cot)).sum())(mx.array(x))
    (yt * torch.tensor(cot, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(to_np(g), xt.grad.numpy(), rtol=1e-3, atol=1e-4)


def test_sinusoidal_errors_and_dtypes():
    for dims in (0, 9, -2):
        with pytest.raises(ValueError, match="dims must be positive and even"):
            nn.SinusoidalPositionalEncoding(dims)
    pe = nn.SinusoidalPositionalEncoding(8)
    assert pe(mx.zeros((2, 3), mx.float16)).dtype == mx.float32
    assert pe(mx.zeros((2, 3), mx.int32)).shape == (2, 3, 8)


# --------------------------------------------------------------------- ALiBi
def test_alibi_slopes_and_matrix_from_reference():
    assert nn.ALiBi.create_alibi_slope(4).reshape(-1).tolist() == [0.25, 0.0625, 0.015625,
                                                                    0.00390625]
    assert nn.ALiBi.create_alibi_slope(6).reshape(-1).tolist() == [
        0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125]
    assert nn.ALiBi.create_alibi_slope(4).shape == (4, 1, 1)
    m = nn.ALiBi.create_alibi_matrix(2, 3, num_heads=2, offset=1)
    assert m.shape == (1, 2, 1, 3)
    assert m.tolist() == [[[[-0.0625, 0, -0.0625]], [[-0.00390625, 0, -0.00390625]]]]
    assert nn.ALiBi.create_alibi_matrix(2, 3, 2, dtype=mx.float16).dtype == mx.float16


def test_alibi_call():
    a = nn.ALiBi()
    y = a(mx.zeros((1, 2, 2, 3)), offset=1)
    assert y.tolist() == [[[[-0.0625, 0, -0.0625], [-0.125, -0.0625, 0]],
                           [[-0.00390625, 0, -0.00390625], [-0.0078125, -0.00390625, 0]]]]
    mask = mx.array([[0.0, -1, -2], [0, 0, 0]])
    y = a(mx.zeros((1, 2, 2, 3)), mask=mask)
    np.testing.assert_allclose(np.array(y)[0, 0], [[0, -1.0625, -2.125], [-0.0625, 0, -0.0625]])
    scores = mx.array(randn(2, 4, 3, 5))
    h = np.arange(1, 5)
    slopes = 2.0 ** (-2.0 * h)  # 4 heads: 2**(-8/4 * h)
    dist = np.abs(np.arange(3)[:, None] - np.arange(5)[None, :])
    np.testing.assert_allclose(np.array(a(scores)),
                               np.array(scores) - slopes[:, None, None] * dist, rtol=1e-6)
    assert a(scores.astype(mx.float16)).dtype == mx.float16
    g = mx.grad(lambda s: (a(s) * 2).sum())(scores)
    assert np.array_equal(np.array(g), np.full(scores.shape, 2.0, np.float32))
    with pytest.raises(ValueError):
        a(mx.zeros((4, 3, 5)))
    assert repr(a) == "ALiBi()"


# --------------------------------------------------------------------- under mx.compile
@pytest.mark.skipif(not hasattr(mx, "compile"), reason="this core was built without mx.compile")
def test_layers_in_a_compiled_training_step():
    from functools import partial

    mx.random.seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm(8), nn.MaxPool2d(2), nn.Dropout(0.2),
        nn.Upsample(2, mode="linear"), nn.GroupNorm(2, 8), nn.AvgPool2d(2),
    )
    x = mx.array(randn(4, 8, 8, 3))
    state = [model.state, mx.random.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def step(inp):
        loss, _ = nn.value_and_grad(model, lambda v: (model(v) ** 2).mean())(inp)
        return loss

    losses, means = [], []
    for _ in range(3):
        losses.append(float(step(x)))
        means.append(np.array(model.layers[1].running_mean))
    # The running statistics move every step and dropout draws a new mask each time.
    assert not np.array_equal(means[0], means[1]) and not np.array_equal(means[1], means[2])
    assert len(set(losses)) == 3
    model.eval()
    np.testing.assert_allclose(np.array(mx.compile(model)(x)), np.array(model(x)), rtol=1e-5,
                               atol=1e-6)
    rope, alibi = nn.RoPE(8), nn.ALiBi()
    q = mx.array(randn(2, 5, 8))
    np.testing.assert_allclose(np.array(mx.compile(rope)(q)), np.array(rope(q)), rtol=1e-6)
    s = mx.array(randn(1, 2, 3, 3))
    np.testing.assert_allclose(np.array(mx.compile(alibi)(s)), np.array(alibi(s)), rtol=1e-6)
