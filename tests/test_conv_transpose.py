"""conv_transpose1d/2d/3d: forward against PyTorch's conv_transpose (weights regrouped to
its layout) and a float64 NumPy oracle (the adjoint of a convolution), over dtypes,
strides, padding, dilation, output_padding and groups; gradients; vmap; bad inputs."""
import numpy as np
import pytest

import mlx.core as mx
from conv_oracle import np_conv_general, torch, torch_conv_transpose
from helpers import check_grad, to_np
from test_conv import as_mx, close, m64, rnd, rounded


def np_conv_transpose(x, w, stride=1, padding=0, dilation=1, output_padding=0, groups=1):
    """Transposed convolution in float64 NumPy: scatter every input element times the kernel."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    nsp = x.ndim - 2
    bc = lambda v: list(np.broadcast_to(v, nsp))
    s, p, d, op = bc(stride), bc(padding), bc(dilation), bc(output_padding)
    ks = w.shape[1:-1]
    cout, cig = w.shape[0], w.shape[-1]
    cog = cout // groups
    full = [(x.shape[a + 1] - 1) * s[a] + (ks[a] - 1) * d[a] + 1 + op[a] for a in range(nsp)]
    out = np.zeros([x.shape[0]] + full + [cout])
    for idx in np.ndindex(*x.shape[1:-1]):
        for kpos in np.ndindex(*ks):
            pos = tuple(idx[a] * s[a] + kpos[a] * d[a] for a in range(nsp))
            for g in range(groups):
                # out[o] += x[i, ci] * w[o, k, ci] for o in group g
                xv = x[(slice(None),) + idx + (slice(g * cig, (g + 1) * cig),)]
                wv = w[(slice(g * cog, (g + 1) * cog),) + kpos]
                out[(slice(None),) + pos + (slice(g * cog, (g + 1) * cog),)] += xv @ wv.T
    crop = tuple(slice(p[a], full[a] - p[a]) for a in range(nsp))
    return out[(slice(None),) + crop]


CASES = [
    # x shape, w shape, stride, padding, dilation, output_padding, groups
    ((2, 6, 4), (5, 3, 4), 1, 0, 1, 0, 1),
    ((2, 6, 4), (5, 3, 4), 2, 1, 1, 1, 1),
    ((1, 7, 6), (4, 4, 3), 3, 2, 2, 2, 2),
    ((2, 5, 5, 3), (4, 3, 3, 3), 2, 1, 1, 1, 1),
    ((1, 4, 6, 4), (6, 2, 3, 2), (2, 1), (0, 1), (1, 2), (1, 0), 2),
    ((1, 5, 5, 4), (4, 3, 3, 1), 2, 1, 1, 0, 4),
    ((1, 3, 4, 3, 2), (3, 2, 3, 2, 2), 2, (1, 0, 1), 1, (1, 1, 0), 1),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_conv_transpose_matches_numpy(case, dtype):
    xs, ws, s, p, d, op, g = case
    x, w = rounded(rnd(xs, 1), dtype), rounded(rnd(ws, 2), dtype)
    f = {1: mx.conv_transpose1d, 2: mx.conv_transpose2d, 3: mx.conv_transpose3d}[len(xs) - 2]
    got = f(as_mx(x, dtype), as_mx(w, dtype), s, p, d, op, g)
    assert got.dtype == getattr(mx, dtype)
    close(got, np_conv_transpose(x, w, s, p, d, op, g), dtype)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("case", CASES)
def test_conv_transpose_matches_torch(case):
    xs, ws, s, p, d, op, g = case
    x, w = rnd(xs, 3), rnd(ws, 4)
    f = {1: mx.conv_transpose1d, 2: mx.conv_transpose2d, 3: mx.conv_transpose3d}[len(xs) - 2]
    got = f(mx.array(x, mx.float32), mx.array(w, mx.float32), stride=s, padding=p, dilation=d, output_padding=op, groups=g)
    close(got, torch_conv_transpose(x, w, s, p, d, op, g))


def test_conv_transpose_is_adjoint_of_conv():
    # <conv(x, w), y> == <x, conv_transpose(y, w')> with w' the channel-swapped weight.
    x, w = rnd((2, 9, 8, 3), 1), rnd((5, 3, 3, 3), 2)
    y = rnd(np_conv_general(x, w, stride=2, padding=1).shape, 3)
    wt = np.transpose(w, (3, 1, 2, 0))
    ct = mx.conv_transpose2d(m64(y), m64(wt), stride=2, padding=1, output_padding=(0, 1))
    lhs = np.sum(np_conv_general(x, w, stride=2, padding=1) * y)
    rhs = np.sum(x * to_np(ct))
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_output_padding_at_least_stride_is_accepted():
    # The reference accepts it (PyTorch does not): the extra positions see no input.
    x, w = rnd((2, 10, 4), 1), rnd((6, 3, 4), 2)
    got = mx.conv_transpose1d(m64(x), m64(w), stride=2, output_padding=2)
    assert got.shape == (2, 23, 6)
    close(got, np_conv_transpose(x, w, stride=2, output_padding=2), "float64")


def test_large_padding_crops():
    x, w = rnd((2, 10, 4), 1), rnd((6, 3, 4), 2)
    got = mx.conv_transpose1d(m64(x), m64(w), padding=5)
    assert got.shape == (2, 2, 6)
    close(got, np_conv_transpose(x, w, padding=5), "float64")


@pytest.mark.parametrize("argnum", [0, 1])
def test_conv_transpose_grad_finite_differences(argnum):
    x, w = rnd((1, 4, 5, 2), 1), rnd((4, 2, 3, 1), 2)
    kw = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), output_padding=(1, 0), groups=2)
    cot = rnd(np_conv_transpose(x, w, **kw).shape, 3)
    check_grad(lambda a, b: mx.sum(mx.conv_transpose2d(a, b, **kw) * m64(cot)),
               lambda a, b: float(np.sum(np_conv_transpose(a, b, **kw) * cot)), x, w, argnum=argnum,
               rtol=1e-6, atol=1e-8)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_conv_transpose_grad_matches_torch():
    x, w = rnd((2, 5, 6, 4), 1), rnd((6, 3, 3, 2), 2)
    kw = dict(stride=2, padding=1, dilation=1, output_padding=1, groups=2)
    out = mx.conv_transpose2d(mx.array(x, mx.float32), mx.array(w, mx.float32), **kw)
    cot = rnd(out.shape, 3)
    gx, gw = mx.grad(lambda a, b: mx.sum(mx.conv_transpose2d(a, b, **kw) * mx.array(cot, mx.float32)),
                     argnums=(0, 1))(mx.array(x, mx.float32), mx.array(w, mx.float32))
    tx = torch.tensor(np.transpose(x, (0, 3, 1, 2)), requires_grad=True)
    wg = w.reshape(2, 3, 3, 3, 2).transpose(0, 4, 1, 2, 3).reshape(4, 3, 3, 3)
    tw = torch.tensor(wg, requires_grad=True)
    ty = torch.nn.functional.conv_transpose2d(tx, tw, **kw)
    (ty * torch.tensor(np.transpose(cot, (0, 3, 1, 2)))).sum().backward()
    close(gx, np.transpose(tx.grad.numpy(), (0, 2, 3, 1)))
    twg = tw.grad.numpy().reshape(2, 2, 3, 3, 3).transpose(0, 2, 3, 4, 1).reshape(6, 3, 3, 2)
    close(gw, twg)


def test_conv_transpose_vmap():
    x, w = rnd((3, 2, 5, 4), 1), rnd((6, 3, 4), 2)
    got = mx.vmap(lambda a: mx.conv_transpose1d(a, m64(w), stride=2, padding=1))(m64(x))
    want = np.stack([np_conv_transpose(a, w, stride=2, padding=1) for a in x])
    close(got, want, "float64")


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: mx.conv_transpose1d(mx.ones((2, 10, 4)).astype(mx.int32), mx.ones((6, 3, 4))), ValueError, "floating point"),
    (lambda: mx.conv_transpose1d(mx.ones((2, 10, 4)), mx.ones((6, 3, 5))), ValueError, "input channels"),
    (lambda: mx.conv_transpose2d(mx.ones((2, 10, 4)), mx.ones((6, 3, 4))), ValueError, "1D convolution"),
    (lambda: mx.conv_transpose1d(mx.ones((10, 4)), mx.ones((6, 3, 4))), ValueError, "1-3 spatial"),
    (lambda: mx.conv_transpose1d(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), dilation=0), ValueError, "dilation"),
    (lambda: mx.conv_transpose1d(mx.ones((2, 10, 4)), mx.ones((6, 3, 4)), stride=0), ValueError, "Input dilation sizes must be positive"),
    (lambda: mx.conv_transpose2d(mx.ones((1, 3, 3, 2)), mx.ones((1, 2, 2, 2)), stride="x"), TypeError, "stride"),
])
def test_conv_transpose_bad_inputs(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()
