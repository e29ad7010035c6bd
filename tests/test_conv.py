"""conv1d/2d/3d, conv_general and convolve: forward against a float64 NumPy direct
convolution and PyTorch, over dtypes, strides, dilations, groups, padding (asymmetric,
negative), input dilation, flip, empty and non-contiguous inputs; gradients by finite
differences and against torch autograd; jvp; vmap against a loop; bad inputs."""
import numpy as np
import pytest

import mlx.core as mx
from conv_oracle import np_conv_general, torch, torch_conv
from helpers import check_grad, to_np

TOL = {"float32": (2e-5, 2e-5), "float64": (1e-12, 1e-12), "float16": (5e-3, 5e-3), "bfloat16": (3e-2, 3e-2)}


def rnd(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def close(got, want, dtype="float32", scale=None):
    r, a = TOL[dtype]
    want = np.asarray(want, np.float64)
    a = a * max(1.0, float(np.abs(want).max()) if want.size else 1.0) if scale is None else a * scale
    assert tuple(got.shape) == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(to_np(got).astype(np.float64), want, rtol=r, atol=a)


def as_mx(a, dtype="float32"):
    if dtype == "float64":
        return mx.array(np.asarray(a, np.float64), dtype=mx.float64)
    return mx.array(np.asarray(a, np.float32)).astype(getattr(mx, dtype))


def m64(a):
    return as_mx(a, "float64")


def rounded(a, dtype):
    """The values a takes once stored in dtype (so the oracle sees the same inputs)."""
    return to_np(as_mx(a, dtype)).astype(np.float64)


CASES_2D = [
    # x shape, w shape, stride, padding, dilation, groups
    ((2, 9, 8, 4), (6, 3, 3, 4), 1, 0, 1, 1),
    ((2, 9, 8, 4), (6, 3, 3, 4), 1, 1, 1, 1),
    ((1, 11, 10, 6), (4, 3, 2, 3), (2, 3), (1, 2), (2, 1), 2),
    ((3, 7, 7, 8), (8, 3, 3, 1), 1, 1, 1, 8),  # depthwise
    ((2, 9, 9, 4), (8, 3, 3, 1), 2, 1, 1, 4),  # depthwise, channel multiplier 2
    ((2, 6, 5, 5), (7, 1, 1, 5), 1, 0, 1, 1),  # 1x1
    ((2, 6, 5, 6), (4, 1, 1, 3), 1, 0, 1, 2),  # grouped 1x1
    ((1, 8, 8, 3), (5, 5, 5, 3), 2, 2, 1, 1),
    ((2, 4, 4, 1), (1, 4, 4, 1), 1, 0, 1, 1),  # kernel covers the input
    # Many output channels (the 64-byte kernel where the CPU has AVX-512, remainder panels).
    ((2, 9, 7, 8), (40, 3, 3, 8), 1, 1, 1, 1),
    ((1, 7, 9, 6), (48, 2, 3, 3), 2, (0, 2), (2, 1), 2),
    ((1, 13, 11, 5), (17, 1, 4, 5), (1, 2), (0, 3), 1, 1),
    # One output channel per group (dot-product path).
    ((2, 7, 6, 5), (1, 3, 2, 5), 1, 1, 1, 1),
    ((2, 6, 6, 6), (3, 2, 2, 2), 1, 0, 1, 3),
]


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_conv2d_matches_numpy(case, dtype):
    xs, ws, stride, padding, dilation, groups = case
    x, w = rounded(rnd(xs, 1), dtype), rounded(rnd(ws, 2), dtype)
    got = mx.conv2d(as_mx(x, dtype), as_mx(w, dtype), stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert got.dtype == getattr(mx, dtype)
    want = np_conv_general(x, w, stride=list(np.broadcast_to(stride, 2)), padding=list(np.broadcast_to(padding, 2)),
                           kernel_dilation=list(np.broadcast_to(dilation, 2)), groups=groups)
    close(got, want, dtype)


@pytest.mark.parametrize("case", [
    ((2, 10, 4), (6, 3, 4), 1, 0, 1, 1),
    ((2, 10, 4), (6, 3, 4), 2, 1, 1, 1),
    ((1, 17, 6), (6, 3, 2), 3, 2, 3, 3),
    ((2, 12, 5), (5, 4, 1), 1, 2, 2, 5),
    ((1, 30, 8), (16, 3, 8), 2, 1, 1, 1),
])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_conv1d_matches_numpy(case, dtype):
    xs, ws, stride, padding, dilation, groups = case
    x, w = rounded(rnd(xs, 3), dtype), rounded(rnd(ws, 4), dtype)
    got = mx.conv1d(as_mx(x, dtype), as_mx(w, dtype), stride, padding, dilation, groups)
    close(got, np_conv_general(x, w, stride, padding, dilation, groups=groups), dtype)


@pytest.mark.parametrize("case", [
    ((2, 5, 6, 4, 3), (4, 2, 3, 2, 3), 1, 0, 1, 1),
    ((1, 6, 5, 7, 4), (6, 3, 3, 3, 2), (2, 1, 2), (1, 0, 1), (1, 2, 1), 2),
    ((1, 5, 5, 5, 3), (3, 3, 3, 3, 1), 1, 1, 1, 3),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv3d_matches_numpy(case, dtype):
    xs, ws, stride, padding, dilation, groups = case
    x, w = rnd(xs, 5), rnd(ws, 6)
    got = mx.conv3d(as_mx(x, dtype), as_mx(w, dtype), stride=stride, padding=padding, dilation=dilation, groups=groups)
    want = np_conv_general(x, w, stride=list(np.broadcast_to(stride, 3)), padding=list(np.broadcast_to(padding, 3)),
                           kernel_dilation=list(np.broadcast_to(dilation, 3)), groups=groups)
    close(got, want, dtype)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("nsp", [1, 2, 3])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv_matches_torch(nsp, groups):
    xs = (2,) + (7, 6, 5)[:nsp] + (4,)
    ws = (6,) + (3, 2, 3)[:nsp] + (4 // groups,)
    x, w = rnd(xs, 7), rnd(ws, 8)
    f = {1: mx.conv1d, 2: mx.conv2d, 3: mx.conv3d}[nsp]
    got = f(mx.array(x, mx.float32), mx.array(w, mx.float32), stride=2, padding=1, dilation=1, groups=groups)
    close(got, torch_conv(x, w, stride=2, padding=1, dilation=1, groups=groups))


GENERAL = [
    # x shape, w shape, kwargs
    ((2, 7, 3), (4, 3, 3), dict(padding=([2], [0]))),
    ((2, 7, 3), (4, 3, 3), dict(padding=([0], [3]), stride=2)),
    ((2, 7, 3), (4, 3, 3), dict(padding=([-1], [2]))),
    ((2, 7, 3), (4, 3, 3), dict(input_dilation=2)),
    ((2, 7, 3), (4, 3, 3), dict(input_dilation=3, padding=([2], [1]), stride=2, kernel_dilation=2)),
    ((2, 7, 3), (4, 3, 3), dict(flip=True)),
    ((2, 7, 4), (4, 3, 2), dict(flip=True, groups=2, input_dilation=2, padding=1)),
    ((1, 6, 5, 2), (3, 2, 3, 2), dict(stride=[2, 1], padding=([0, 1], [1, 0]), kernel_dilation=[1, 2], input_dilation=[2, 1])),
    ((1, 6, 5, 2), (3, 2, 3, 2), dict(flip=True, padding=[1, 2])),
    ((1, 6, 5, 4), (4, 3, 3, 1), dict(flip=True, groups=4, input_dilation=2, padding=([1, 0], [2, 2]))),
    ((1, 4, 5, 3, 2), (2, 2, 2, 2, 2), dict(input_dilation=[1, 2, 3], padding=([1, 0, 2], [0, 1, 1]), flip=True)),
    ((1, 6, 6, 2), (3, 3, 3, 2), dict(padding=([-1, -2], [-1, 0]))),
]


@pytest.mark.parametrize("case", GENERAL)
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_conv_general_matches_numpy(case, dtype):
    xs, ws, kw = case
    x, w = rounded(rnd(xs, 9), dtype), rounded(rnd(ws, 10), dtype)
    got = mx.conv_general(as_mx(x, dtype), as_mx(w, dtype), **kw)
    assert got.dtype == getattr(mx, dtype)
    close(got, np_conv_general(x, w, **kw), dtype)


def test_conv_general_single_value_applies_to_every_axis():
    x, w = rnd((1, 6, 5, 2), 1), rnd((3, 2, 2, 2), 2)
    for kw in [dict(padding=[1]), dict(stride=[2]), dict(kernel_dilation=[2]), dict(input_dilation=[2]),
               dict(padding=([1], [2]))]:
        got = mx.conv_general(mx.array(x, mx.float32), mx.array(w, mx.float32), **kw)
        close(got, np_conv_general(x, w, **kw))


def test_mixed_dtypes_promote():
    x, w = rnd((1, 5, 2), 1), rnd((3, 2, 2), 2)
    assert mx.conv1d(mx.array(x, mx.float16), mx.array(w, mx.float32)).dtype == mx.float32
    assert mx.conv1d(mx.array(x, mx.float16), mx.array(w, mx.bfloat16)).dtype == mx.float32
    assert mx.conv1d(mx.array(x, mx.float32), mx.array(w, mx.float64)).dtype == mx.float64
    # An integer weight takes the input's floating type (as the reference).
    got = mx.conv1d(mx.array(x, mx.float16), mx.array(np.round(w).astype(np.int32)))
    assert got.dtype == mx.float16
    close(got, np_conv_general(rounded(x, "float16"), np.round(w)), "float16")


def test_empty_batch_and_non_contiguous():
    w = rnd((5, 3, 3, 4), 2)
    out = mx.conv2d(mx.zeros((0, 8, 8, 4)), mx.array(w, mx.float32), padding=1)
    assert out.shape == (0, 8, 8, 5)
    mx.eval(out)
    # Non-contiguous input (a transposed view) and weight (a strided slice).
    xb = rnd((2, 4, 9, 8), 3)
    x = mx.array(xb, mx.float32).transpose(0, 2, 3, 1)  # (2, 9, 8, 4), channels not innermost in memory
    wb = rnd((5, 3, 3, 8), 4)
    wm = mx.array(wb, mx.float32)[..., ::2]
    got = mx.conv2d(x, wm, padding=1)
    close(got, np_conv_general(np.transpose(xb, (0, 2, 3, 1)), wb[..., ::2], padding=1))
    # Broadcast (stride-0) input.
    xb1 = rnd((1, 1, 1, 4), 5)
    got = mx.conv2d(mx.broadcast_to(mx.array(xb1, mx.float32), (2, 6, 6, 4)), mx.array(w, mx.float32))
    close(got, np_conv_general(np.broadcast_to(xb1, (2, 6, 6, 4)), w))


def test_zero_input_channels_gives_zeros():
    out = mx.conv1d(mx.zeros((2, 5, 0)), mx.zeros((3, 2, 0)))
    assert out.shape == (2, 4, 3)
    assert not np.any(to_np(out))
    assert mx.conv1d(mx.zeros((2, 5, 3)), mx.zeros((0, 2, 3))).shape == (2, 4, 0)


def test_large_blocked_case_matches_numpy():
    # More output rows than one im2col block, several groups, odd sizes.
    x, w = rnd((3, 41, 37, 6), 11), rnd((9, 3, 3, 2), 12)
    got = mx.conv2d(mx.array(x, mx.float32), mx.array(w, mx.float32), padding=(1, 2), groups=3)
    close(got, np_conv_general(x, w, padding=[1, 2], groups=3))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("lens", [(7, 3), (3, 7), (5, 5), (6, 4), (4, 6), (1, 5), (8, 1)])
def test_convolve_matches_numpy(mode, lens):
    a, v = rnd(lens[0], 1), rnd(lens[1], 2)
    got = mx.convolve(mx.array(a, mx.float32), mx.array(v, mx.float32), mode=mode)
    close(got, np.convolve(a, v, mode=mode))
    got64 = mx.convolve(m64(a), m64(v), mode)
    close(got64, np.convolve(a, v, mode=mode), "float64")


def test_convolve_dtypes_and_errors():
    assert mx.convolve(mx.arange(3.0).astype(mx.float16), mx.arange(5.0)).dtype == mx.float32
    for a, v, msg in [
        (mx.ones((2, 2)), mx.ones(3), "must be 1D"),
        (mx.array(3.0), mx.ones(3), "must be 1D"),
        (mx.ones((0,)), mx.ones(3), "cannot be empty"),
    ]:
        with pytest.raises(ValueError, match=msg):
            mx.convolve(a, v)
    with pytest.raises(ValueError, match="Invalid mode"):
        mx.convolve(mx.ones(5), mx.ones(3), mode="foo")
    with pytest.raises(ValueError, match="floating point"):
        mx.convolve(mx.arange(5), mx.arange(3))


# ---------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------

GRAD_CASES = [
    ((2, 6, 3), (4, 3, 3), dict(stride=2, padding=1)),
    ((1, 7, 4), (4, 2, 2), dict(groups=2, kernel_dilation=2, padding=([2], [0]))),
    ((1, 5, 2), (3, 3, 2), dict(input_dilation=2, padding=([1], [2]), flip=True)),
    ((1, 6, 3), (3, 3, 1), dict(groups=3, stride=2, padding=([-1], [1]), flip=True)),
    ((1, 4, 5, 2), (3, 2, 3, 2), dict(stride=[2, 1], padding=([1, 0], [0, 2]), input_dilation=[1, 2], kernel_dilation=[2, 1])),
    ((1, 3, 3, 3, 2), (2, 2, 2, 2, 2), dict(padding=1, stride=2, flip=True)),
]


@pytest.mark.parametrize("case", GRAD_CASES)
@pytest.mark.parametrize("argnum", [0, 1])
def test_conv_grad_finite_differences(case, argnum):
    xs, ws, kw = case
    x, w = rnd(xs, 1), rnd(ws, 2)
    cot = rnd(np_conv_general(x, w, **kw).shape, 3)
    check_grad(lambda a, b: mx.sum(mx.conv_general(a, b, **kw) * m64(cot)),
               lambda a, b: float(np.sum(np_conv_general(a, b, **kw) * cot)),
               x, w, argnum=argnum, rtol=1e-6, atol=1e-8)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("nsp,groups,stride,padding,dilation", [
    (1, 1, 1, 0, 1), (1, 2, 2, 1, 2), (2, 1, 2, 1, 1), (2, 4, 1, 1, 1), (2, 2, (2, 1), (0, 1), (1, 2)), (3, 1, 2, 1, 1),
])
def test_conv_grad_matches_torch_autograd(nsp, groups, stride, padding, dilation):
    xs = (2,) + (9, 8, 6)[:nsp] + (4,)
    ws = (8,) + (3, 3, 2)[:nsp] + (4 // groups,)
    x, w = rnd(xs, 4), rnd(ws, 5)
    f = {1: mx.conv1d, 2: mx.conv2d, 3: mx.conv3d}[nsp]
    out = f(mx.array(x, mx.float32), mx.array(w, mx.float32), stride, padding, dilation, groups)
    cot = rnd(out.shape, 6)
    gx, gw = mx.grad(lambda a, b: mx.sum(f(a, b, stride, padding, dilation, groups) * mx.array(cot, mx.float32)),
                     argnums=(0, 1))(mx.array(x, mx.float32), mx.array(w, mx.float32))
    perm = (0, nsp + 1) + tuple(range(1, nsp + 1))
    tx = torch.tensor(np.transpose(x, perm), requires_grad=True)
    tw = torch.tensor(np.transpose(w, perm), requires_grad=True)
    tf = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}[nsp]
    ty = tf(tx, tw, stride=stride, padding=padding, dilation=dilation, groups=groups)
    (ty * torch.tensor(np.transpose(cot, perm))).sum().backward()
    back = (0,) + tuple(range(2, nsp + 2)) + (1,)
    close(gx, np.transpose(tx.grad.numpy(), back))
    close(gw, np.transpose(tw.grad.numpy(), back))


def test_grad_dtype_half():
    x = mx.array(rnd((1, 6, 6, 4), 1), mx.bfloat16)
    w = mx.array(rnd((4, 3, 3, 4), 2), mx.bfloat16)
    gx, gw = mx.grad(lambda a, b: mx.sum(mx.conv2d(a, b, padding=1)), argnums=(0, 1))(x, w)
    assert gx.dtype == mx.bfloat16 and gw.dtype == mx.bfloat16
    assert gx.shape == x.shape and gw.shape == w.shape


def test_second_derivative():
    # conv is bilinear: d/dw of <grad_x, v> is a conv too; compare with finite differences.
    x, w, v = rnd((1, 5, 2), 1), rnd((3, 2, 2), 2), rnd((1, 5, 2), 3)

    def inner(b):
        gx = mx.grad(lambda a: mx.sum(mx.conv1d(a, b, padding=1) ** 2))(m64(x))
        return mx.sum(gx * m64(v))

    def inner_np(b):
        # d/dx sum(conv(x, b)^2) = 2 conv^T(conv(x, b)); <., v> = 2 <conv(x, b), conv(v, b)>
        return float(2 * np.sum(np_conv_general(x, b, padding=1) * np_conv_general(v, b, padding=1)))

    check_grad(inner, inner_np, w, rtol=1e-6, atol=1e-8)


def test_jvp_matches_bilinear_rule():
    x, w, tx, tw = rnd((2, 6, 5, 3), 1), rnd((4, 3, 2, 3), 2), rnd((2, 6, 5, 3), 3), rnd((4, 3, 2, 3), 4)
    kw = dict(stride=[1, 2], padding=([1, 0], [0, 1]), flip=True)
    _, (t,) = mx.jvp(lambda a, b: mx.conv_general(a, b, **kw), [m64(x), m64(w)], [m64(tx), m64(tw)])
    close(t, np_conv_general(tx, w, **kw) + np_conv_general(x, tw, **kw), "float64")


# ---------------------------------------------------------------------------
# vmap
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (2, 1)])
@pytest.mark.parametrize("groups", [1, 2])
def test_vmap_matches_loop(in_axes, groups):
    B = 3
    xs, ws = (2, 7, 6, 4), (6, 3, 2, 4 // groups)
    x = rnd((B,) + xs, 1) if in_axes[0] is not None else rnd(xs, 1)
    w = rnd((B,) + ws, 2) if in_axes[1] is not None else rnd(ws, 2)
    if in_axes[0] not in (None, 0):
        x = np.moveaxis(x, 0, in_axes[0])
    if in_axes[1] not in (None, 0):
        w = np.moveaxis(w, 0, in_axes[1])
    kw = dict(stride=[2, 1], padding=([1, 0], [0, 1]), groups=groups)
    got = mx.vmap(lambda a, b: mx.conv_general(a, b, **kw), in_axes=in_axes)(m64(x), m64(w))
    xl = [np.take(x, i, axis=in_axes[0]) if in_axes[0] is not None else x for i in range(B)]
    wl = [np.take(w, i, axis=in_axes[1]) if in_axes[1] is not None else w for i in range(B)]
    want = np.stack([np_conv_general(a, b, **kw) for a, b in zip(xl, wl)])
    close(got, want, "float64")


def test_grad_of_vmap():
    x, w = rnd((3, 1, 6, 2), 1), rnd((4, 3, 2), 2)

    def f(b):
        return mx.sum(mx.vmap(lambda a: mx.conv1d(a, b, padding=1))(m64(x)) ** 2)

    check_grad(f, lambda b: float(sum(np.sum(np_conv_general(a, b, padding=1) ** 2) for a in x)), w,
               rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------
# bad inputs (types and messages as the reference's)
# ---------------------------------------------------------------------------

def test_bad_dtypes():
    x, w = mx.ones((2, 10, 4)), mx.ones((6, 3, 4))
    for dt in [mx.int32, mx.bool_, mx.complex64, mx.uint8]:
        with pytest.raises(ValueError, match=r"\[conv\] Invalid input array with type .*floating point"):
            mx.conv1d(x.astype(dt), w)
    with pytest.raises(ValueError, match=r"\[conv\] Invalid weight array with type complex64"):
        mx.conv1d(x, w.astype(mx.complex64))


@pytest.mark.parametrize("call,msg", [
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((6, 3, 5))),
     r"Expect the input channels in the input and weight array to match but got shapes - input: \(2,10,4\) and weight: \(6,3,5\)"),
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((6, 3, 2)), groups=3),
     r"input channels must be divisible by the number of groups. Got input with shape \(2,10,4\) and 3 groups"),
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((5, 3, 2)), groups=2),
     r"output channels must be divisible by the number of groups. Got 5 output channels and 2 groups"),
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), groups=0), r"groups must be positive"),
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), stride=0), r"Stride sizes must be positive. Got strides \(0\)"),
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), dilation=0), r"Kernel dilation sizes must be positive"),
    (lambda: mx.conv_general(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), input_dilation=0), r"Input dilation sizes must be positive"),
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((6, 11, 4))),
     r"cannot be smaller than weight spatial dimensions. Got error at axis 1 for input with shape \(2,10,4\), "
     r"padding low \(0\), padding high \(0\), and weight of shape \(6,11,4\)"),
    (lambda: mx.conv1d(mx.ones((2, 0, 4)), mx.ones((6, 1, 4))), r"cannot be smaller than weight"),
    (lambda: mx.conv1d(mx.ones((10, 4)), mx.ones((6, 3, 4))), r"Only works for inputs with 1-3 spatial dimensions"),
    (lambda: mx.conv_general(mx.ones((1, 3, 3, 3, 3, 2)), mx.ones((1, 1, 1, 1, 1, 2))), r"1-3 spatial dimensions"),
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((6, 4))),
     r"Invalid weight array with 2 dimensions for 1D convolution. Expected an array with 3 dimensions"),
    (lambda: mx.conv2d(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), stride=(1, 1)), r"Invalid strides \(1,1\) for 1D convolution"),
    (lambda: mx.conv_general(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), padding=([1, 2], [2])),
     r"Invalid padding \(1,2\) \| \(2\) for 1D convolution"),
    (lambda: mx.conv_general(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), kernel_dilation=[1, 2]),
     r"Invalid kernel dilation \(1,2\) for 1D convolution"),
    (lambda: mx.conv_general(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), input_dilation=[1, 2]),
     r"Invalid input dilation \(1,2\) for 1D convolution"),
    (lambda: mx.conv1d(mx.ones((2, 10, 4)), mx.ones((6, 0, 4))), r"Weight spatial dimensions must be positive"),
])
def test_bad_shapes_and_parameters(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_bad_parameter_types():
    x, w = mx.ones((1, 5, 5, 2)), mx.ones((1, 2, 2, 2))
    with pytest.raises(TypeError):
        mx.conv1d(mx.ones((1, 5, 2)), mx.ones((1, 2, 2)), stride=1.5)
    with pytest.raises(TypeError, match="stride"):
        mx.conv2d(x, w, stride="a")
    with pytest.raises(TypeError, match="padding"):
        mx.conv2d(x, w, padding=[1.5, 1])
    with pytest.raises(TypeError):
        mx.conv1d([[[1.0]]], mx.ones((1, 1, 1)))


def test_negative_padding_crops():
    # The reference accepts negative padding (it crops the input).
    x, w = rnd((2, 10, 4), 1), rnd((6, 3, 4), 2)
    got = mx.conv1d(mx.array(x, mx.float32), mx.array(w, mx.float32), padding=-1)
    assert got.shape == (2, 6, 6)
    close(got, np_conv_general(x, w, padding=-1))


def test_signatures():
    assert mx.conv2d.__doc__.split("\n")[0].startswith("conv2d(input: array, weight: array, /, stride")
    assert "*, stream" in mx.conv_general.__doc__.split("\n")[0]
    assert mx.convolve.__doc__.split("\n")[0].startswith("convolve(a: array, v: array, /, mode: str = 'full', *")


def test_grad_empty_batch_and_mixed_dtypes():
    gx, gw = mx.grad(lambda a, b: mx.sum(mx.conv2d(a, b, padding=1)), argnums=(0, 1))(
        mx.zeros((0, 8, 8, 4)), mx.ones((5, 3, 3, 4)))
    assert gx.shape == (0, 8, 8, 4) and gw.shape == (5, 3, 3, 4)
    assert not np.any(to_np(gw))
    # float16 input, float32 weight: each gradient in its input's dtype.
    x, w = rnd((1, 6, 6, 4), 1), rnd((5, 3, 3, 4), 2)
    gx, gw = mx.grad(lambda a, b: mx.sum(mx.conv2d(a, b, padding=1)), argnums=(0, 1))(
        mx.array(x, mx.float16), mx.array(w, mx.float32))
    assert gx.dtype == mx.float16 and gw.dtype == mx.float32
    ones = np.ones(np_conv_general(x, w, padding=1).shape)
    want_gw = np.stack([np_conv_general(rounded(x, "float16")[..., c:c + 1], ones[..., o:o + 1].transpose(3, 1, 2, 0),
                                        padding=1)[0, ..., 0] for o in range(5) for c in range(4)])
    close(gw, np.transpose(want_gw.reshape(5, 4, 3, 3), (0, 2, 3, 1)), "float32", scale=100)


def test_empty_spatial_input_with_padding():
    # Only padding is convolved: zeros out, zero gradients of the input's shape.
    x, w = mx.zeros((1, 0, 4)), mx.array(rnd((3, 3, 4), 1), mx.float32)
    out = mx.conv1d(x, w, padding=2)
    assert out.shape == (1, 2, 3) and not np.any(to_np(out))
    gx, gw = mx.grad(lambda a, b: mx.sum(mx.conv1d(a, b, padding=2)), argnums=(0, 1))(x, w)
    assert gx.shape == (1, 0, 4) and gw.shape == (3, 3, 4) and not np.any(to_np(gw))


def test_stream_keyword():
    x, w = rnd((1, 6, 6, 4), 1), rnd((5, 3, 3, 4), 2)
    s = mx.new_stream(mx.cpu)
    got = mx.conv2d(mx.array(x, mx.float32), mx.array(w, mx.float32), padding=1, stream=s)
    close(got, np_conv_general(x, w, padding=1))
    with pytest.raises(TypeError):
        mx.conv2d(mx.array(x, mx.float32), mx.array(w, mx.float32), 1, 1, 1, 1, s)
