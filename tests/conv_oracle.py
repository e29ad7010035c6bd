"""Oracles for the convolution tests: a float64 NumPy direct convolution (every option of
conv_general) and PyTorch's convolutions with MLX's channels-last layout."""
import itertools

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    torch = None


def _per_axis(v, nsp):
    v = [v] if np.isscalar(v) else list(v)
    return v * nsp if len(v) == 1 else v


def np_conv_general(x, w, stride=1, padding=0, kernel_dilation=1, input_dilation=1, groups=1, flip=False):
    """conv_general in float64 NumPy: x (N, S..., C_in), w (C_out, K..., C_in/groups)."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    nsp = x.ndim - 2
    stride = _per_axis(stride, nsp)
    kd = _per_axis(kernel_dilation, nsp)
    idl = _per_axis(input_dilation, nsp)
    if isinstance(padding, tuple) and len(padding) == 2 and not np.isscalar(padding[0]):
        lo, hi = _per_axis(padding[0], nsp), _per_axis(padding[1], nsp)
    else:
        lo = hi = _per_axis(padding, nsp)
    # Input dilation: zeros between the elements.
    shape = [x.shape[0]] + [(s - 1) * d + 1 if s > 0 else 0 for s, d in zip(x.shape[1:-1], idl)] + [x.shape[-1]]
    xd = np.zeros(shape)
    xd[(slice(None),) + tuple(slice(None, None, d) for d in idl)] = x
    # Padding (negative values crop).
    for a in range(nsp):
        ax = a + 1
        if lo[a] < 0:
            xd = np.take(xd, range(-lo[a], xd.shape[ax]), axis=ax)
        if hi[a] < 0:
            xd = np.take(xd, range(0, xd.shape[ax] + hi[a]), axis=ax)
        widths = [(0, 0)] * xd.ndim
        widths[ax] = (max(lo[a], 0), max(hi[a], 0))
        xd = np.pad(xd, widths)
    if flip:
        w = np.flip(w, axis=tuple(range(1, nsp + 1)))
    ks = w.shape[1:-1]
    out_sp = [(xd.shape[a + 1] - (ks[a] - 1) * kd[a] - 1) // stride[a] + 1 for a in range(nsp)]
    cout, cig = w.shape[0], w.shape[-1]
    cog = cout // groups
    out = np.zeros([x.shape[0]] + out_sp + [cout])
    for kpos in itertools.product(*[range(k) for k in ks]):
        sl = tuple(slice(kpos[a] * kd[a], kpos[a] * kd[a] + (out_sp[a] - 1) * stride[a] + 1, stride[a]) for a in range(nsp))
        patch = xd[(slice(None),) + sl]
        wk = w[(slice(None),) + kpos]  # (C_out, C_in/groups)
        for g in range(groups):
            out[..., g * cog:(g + 1) * cog] += patch[..., g * cig:(g + 1) * cig] @ wk[g * cog:(g + 1) * cog].T
    return out


def _to_torch(x, w):
    nsp = x.ndim - 2
    perm_x = (0, nsp + 1) + tuple(range(1, nsp + 1))
    perm_w = (0, nsp + 1) + tuple(range(1, nsp + 1))
    return torch.from_numpy(np.ascontiguousarray(np.transpose(x, perm_x))), torch.from_numpy(
        np.ascontiguousarray(np.transpose(w, perm_w)))


def _from_torch(y):
    nsp = y.ndim - 2
    return np.transpose(y.detach().numpy(), (0,) + tuple(range(2, nsp + 2)) + (1,))


def torch_conv(x, w, stride=1, padding=0, dilation=1, groups=1):
    """MLX's conv{1,2,3}d computed by torch in float64 (channels-last in and out)."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    tx, tw = _to_torch(x, w)
    f = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[x.ndim - 2]
    return _from_torch(f(tx, tw, stride=stride, padding=padding, dilation=dilation, groups=groups))


def torch_conv_transpose(x, w, stride=1, padding=0, dilation=1, output_padding=0, groups=1):
    """MLX's conv_transpose{1,2,3}d by torch: MLX's weight (C_out, K..., C_in/groups) is
    torch's (C_in, C_out/groups, K...) regrouped."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    nsp = x.ndim - 2
    cout, cig = w.shape[0], w.shape[-1]
    cog = cout // groups
    # (G, Co, K..., Ci) -> (G, Ci, Co, K...) -> (G*Ci, Co, K...)
    wg = w.reshape((groups, cog) + w.shape[1:])
    wt = np.transpose(wg, (0, nsp + 2, 1) + tuple(range(2, nsp + 2))).reshape((groups * cig, cog) + w.shape[1:-1])
    tx = torch.from_numpy(np.ascontiguousarray(np.transpose(x, (0, nsp + 1) + tuple(range(1, nsp + 1)))))
    f = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nsp]
    y = f(tx, torch.from_numpy(np.ascontiguousarray(wt)), stride=stride, padding=padding,
          output_padding=output_padding, groups=groups, dilation=dilation)
    return _from_torch(y)
