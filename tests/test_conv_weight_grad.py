"""The convolution weight gradient (the ConvWeightGrad kernel: a blocked GEMM of the
cotangent and im2col row blocks of the input): against a float64 NumPy oracle over ranks,
strides, dilations, input dilation, flip, asymmetric and negative padding, groups, odd
channel counts (tile and panel tails), several row blocks, dtypes and non-contiguous
inputs; its own vjp (second derivatives), jvp and vmap rules."""
import numpy as np
import pytest

import mlx.core as mx
from conv_oracle import np_conv_general
from helpers import check_grad, to_np

TOL = {"float32": 2e-5, "float64": 1e-12, "float16": 5e-3, "bfloat16": 3e-2}


def rnd(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def np_weight_grad(x, w_shape, cot, **kw):
    """d/dw sum(conv_general(x, w) * cot) in float64 (conv is linear in w: one oracle call
    per weight entry)."""
    flat = np.zeros(int(np.prod(w_shape)))
    for j in range(flat.size):
        e = np.zeros(flat.size)
        e[j] = 1.0
        flat[j] = np.sum(np_conv_general(x, e.reshape(w_shape), **kw) * cot)
    return flat.reshape(w_shape)


def as_mx(a, dtype):
    if dtype == "float64":
        return mx.array(np.asarray(a, np.float64), dtype=mx.float64)
    return mx.array(np.asarray(a, np.float32)).astype(getattr(mx, dtype))


def rounded(a, dtype):
    return to_np(as_mx(a, dtype)).astype(np.float64)


def mx_weight_grad(x, w, cot, dtype="float32", **kw):
    c = as_mx(cot, dtype)
    return mx.grad(lambda b: mx.sum(mx.conv_general(as_mx(x, dtype), b, **kw) * c))(as_mx(w, dtype))


def check(got, want, dtype):
    tol = TOL[dtype] * max(1.0, float(np.abs(want).max()))
    assert tuple(got.shape) == want.shape
    np.testing.assert_allclose(to_np(got).astype(np.float64), want, rtol=TOL[dtype], atol=tol)


CASES = [
    # x shape, w shape, conv_general keywords
    ((2, 9, 5), (7, 3, 5), dict(padding=1)),
    ((1, 30, 8), (13, 3, 8), dict(padding=1, stride=2)),
    ((2, 9, 11, 3), (32, 3, 3, 3), dict(stride=2, padding=1)),  # 3-channel first layer
    ((2, 10, 11, 6), (8, 3, 2, 3), dict(stride=[2, 1], padding=([1, 0], [0, 2]), kernel_dilation=[1, 2], groups=2)),
    ((1, 8, 7, 6), (9, 2, 3, 2), dict(padding=1, groups=3)),
    ((2, 6, 7, 4), (5, 3, 3, 4), dict(padding=([2, -1], [0, 1]))),  # negative padding crops
    ((1, 5, 6, 3), (4, 3, 2, 3), dict(input_dilation=[2, 3], padding=1)),
    ((1, 6, 6, 3), (5, 3, 3, 3), dict(padding=1, stride=2, flip=True)),
    ((2, 5, 6, 7, 4), (13, 3, 3, 3, 4), dict(padding=1)),
    ((1, 4, 5, 6, 2), (3, 2, 3, 2, 2), dict(stride=[1, 2, 1], kernel_dilation=[2, 1, 2], padding=1)),
    ((2, 6, 5, 40), (3, 1, 1, 40), dict()),  # few output channels, long rows (several panels)
    ((1, 7, 6, 5), (2, 2, 2, 5), dict(padding=1, groups=1, kernel_dilation=2)),
]


@pytest.mark.parametrize("case", CASES)
def test_weight_grad_matches_numpy(case):
    xs, ws, kw = case
    x, w = rnd(xs, 1), rnd(ws, 2)
    cot = rnd(np_conv_general(x, w, **kw).shape, 3)
    for dtype in ("float32", "float64"):
        xr, wr, cr = rounded(x, dtype), rounded(w, dtype), rounded(cot, dtype)
        check(mx_weight_grad(xr, wr, cr, dtype, **kw), np_weight_grad(xr, ws, cr, **kw), dtype)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_weight_grad_half_types(dtype):
    xs, ws, kw = (2, 7, 8, 3), (10, 3, 3, 3), dict(padding=1, stride=[1, 2])
    x, w = rounded(rnd(xs, 1) * 0.5, dtype), rounded(rnd(ws, 2), dtype)
    cot = rounded(rnd(np_conv_general(x, w, **kw).shape, 3) * 0.5, dtype)
    got = mx_weight_grad(x, w, cot, dtype, **kw)
    assert got.dtype == getattr(mx, dtype)
    check(got, np_weight_grad(x, ws, cot, **kw), dtype)


def test_weight_grad_many_rows_and_threads():
    # Rows beyond one block (512) and one part per thread, a padded panel (45 columns) and a
    # tail tile of output channels (33 = 5 x 6 + 3); the oracle is the float64 kernel.
    x, w = rnd((3, 40, 30, 5), 1), rnd((33, 3, 3, 5), 2)
    kw = dict(padding=1, stride=[1, 2])
    out_shape = mx.conv_general(as_mx(x, "float64"), as_mx(w, "float64"), **kw).shape
    cot = rnd(tuple(out_shape), 3)
    want = to_np(mx_weight_grad(x, w, cot, "float64", **kw))
    # The float64 kernel itself against an independent contraction (einsum over patches).
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    patches = np.stack([xp[:, i:i + 40, j:j + 30:2] for i in range(3) for j in range(3)], axis=3)
    ref = np.einsum("nhwo,nhwkc->okc", cot, patches).reshape(33, 3, 3, 5)
    np.testing.assert_allclose(want, ref, rtol=1e-10, atol=1e-10)
    check(mx_weight_grad(x, w, cot, "float32", **kw), ref, "float32")


def test_weight_grad_non_contiguous_inputs():
    x = rnd((2, 9, 8, 4), 1)
    w = rnd((6, 3, 3, 4), 2)
    cot = rnd((2, 9, 8, 6), 3)
    xt = mx.transpose(mx.array(np.ascontiguousarray(np.transpose(x, (0, 2, 1, 3))), mx.float32), (0, 2, 1, 3))
    ct = mx.array(cot[:, :, ::-1].copy(), mx.float32)[:, :, ::-1]
    g = mx.grad(lambda b: mx.sum(mx.conv2d(xt, b, padding=1) * ct))(mx.array(w, mx.float32))
    check(g, np_weight_grad(x, w.shape, cot, padding=1), "float32")


def test_weight_grad_empty_batch():
    x = mx.zeros((0, 5, 3))
    w = mx.array(rnd((4, 3, 3), 1), mx.float32)
    g = mx.grad(lambda b: mx.sum(mx.conv1d(x, b, padding=1)))(w)
    assert g.shape == w.shape and not np.any(np.array(g))


def test_second_derivatives_through_weight_grad():
    # f(x) = <grad_w sum(conv(x, w) * cot), V> is linear in x and in cot: its gradients are
    # the weight gradient's vjp (a transposed convolution and a convolution).
    x, w, cot, v = rnd((1, 6, 5, 3), 1), rnd((4, 3, 2, 3), 2), rnd((1, 3, 4, 4), 3), rnd((4, 3, 2, 3), 4)
    kw = dict(stride=[2, 1], padding=([1, 0], [1, 0]))

    def gw_mx(a, c):
        return mx.grad(lambda b: mx.sum(mx.conv_general(a, b, **kw) * c))(as_mx(w, "float64"))

    def gw_np(a, c):
        return np_weight_grad(a, w.shape, c, **kw)

    check_grad(lambda a, c: mx.sum(gw_mx(a, c) * as_mx(v, "float64")),
               lambda a, c: float(np.sum(gw_np(a, c) * v)), x, cot, argnum=0, rtol=1e-6, atol=1e-8)
    check_grad(lambda a, c: mx.sum(gw_mx(a, c) * as_mx(v, "float64")),
               lambda a, c: float(np.sum(gw_np(a, c) * v)), x, cot, argnum=1, rtol=1e-6, atol=1e-8)


def test_jvp_of_weight_grad():
    x, w, cot, dx, dc = rnd((2, 7, 4), 1), rnd((5, 3, 4), 2), rnd((2, 7, 5), 3), rnd((2, 7, 4), 4), rnd((2, 7, 5), 5)

    def gw(a, c):
        return mx.grad(lambda b: mx.sum(mx.conv1d(a, b, padding=1) * c))(as_mx(w, "float64"))

    _, (t,) = mx.jvp(gw, [as_mx(x, "float64"), as_mx(cot, "float64")], [as_mx(dx, "float64"), as_mx(dc, "float64")])
    want = np_weight_grad(dx, w.shape, cot, padding=1) + np_weight_grad(x, w.shape, dc, padding=1)
    check(t, want, "float64")


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (1, 2)])
@pytest.mark.parametrize("groups", [1, 2])
def test_vmap_of_weight_grad(in_axes, groups):
    B = 3
    xs, cs, ws = (2, 7, 4), (2, 4, 6), (6, 3, 4 // groups)
    kw = dict(stride=2, padding=1, groups=groups)
    x = rnd((B,) + xs, 1) if in_axes[0] is not None else rnd(xs, 1)
    c = rnd((B,) + cs, 2) if in_axes[1] is not None else rnd(cs, 2)
    if in_axes[0] not in (None, 0):
        x = np.moveaxis(x, 0, in_axes[0])
    if in_axes[1] not in (None, 0):
        c = np.moveaxis(c, 0, in_axes[1])
    w = as_mx(rnd(ws, 3), "float64")

    def gw(a, cot):
        return mx.grad(lambda b: mx.sum(mx.conv1d(a, b, **kw) * cot))(w)

    got = mx.vmap(gw, in_axes=in_axes)(as_mx(x, "float64"), as_mx(c, "float64"))
    xl = [np.take(x, i, axis=in_axes[0]) if in_axes[0] is not None else x for i in range(B)]
    cl = [np.take(c, i, axis=in_axes[1]) if in_axes[1] is not None else c for i in range(B)]
    want = np.stack([np_weight_grad(a, ws, cc, **kw) for a, cc in zip(xl, cl)])
    check(got, want, "float64")
