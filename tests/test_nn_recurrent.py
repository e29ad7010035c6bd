"""RNN, GRU and LSTM against torch.nn with the weights copied across: outputs and
gradients (input, initial state, every parameter). Parameter keys, reprs and errors were
read off the reference (Apple MLX 0.32)."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

torch = pytest.importorskip("torch")

D, H = 3, 5


def keys_shapes(module):
    return [(k, tuple(v.shape)) for k, v in tree_flatten(module.parameters())]


def t(a):
    return torch.tensor(np.array(a), dtype=torch.float64, requires_grad=True)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.array(a), b.detach().numpy(), rtol=tol, atol=tol)


def torch_layer(kind, bias):
    cls = {"RNN": torch.nn.RNN, "GRU": torch.nn.GRU, "LSTM": torch.nn.LSTM}[kind]
    return cls(D, H, bias=bias, batch_first=True).double()


def copy_to_torch(kind, ours, theirs):
    """Put our parameters in a torch layer; returns {our key: torch tensor holding it}."""
    p = dict(tree_flatten(ours.parameters()))
    sd = {}
    if kind == "RNN":
        sd["weight_ih_l0"], sd["weight_hh_l0"] = p["Wxh"], p["Whh"]
        if "bias" in p:
            sd["bias_ih_l0"], sd["bias_hh_l0"] = p["bias"], mx.zeros((H,))
    elif kind == "GRU":
        sd["weight_ih_l0"], sd["weight_hh_l0"] = p["Wx"], p["Wh"]
        if "b" in p:
            # torch's b_hh for (r, z) adds to b_ih; its b_hn is our bhn (inside r * (.)).
            sd["bias_ih_l0"] = p["b"]
            sd["bias_hh_l0"] = mx.concatenate([mx.zeros((2 * H,)), p["bhn"]])
    else:
        sd["weight_ih_l0"], sd["weight_hh_l0"] = p["Wx"], p["Wh"]
        if "bias" in p:
            sd["bias_ih_l0"], sd["bias_hh_l0"] = p["bias"], mx.zeros((4 * H,))
    theirs.load_state_dict({k: torch.tensor(np.array(v), dtype=torch.float64) for k, v in sd.items()})
    names = {"Wxh": "weight_ih_l0", "Whh": "weight_hh_l0", "bias": "bias_ih_l0",
             "Wx": "weight_ih_l0", "Wh": "weight_hh_l0", "b": "bias_ih_l0"}
    tp = dict(theirs.named_parameters())
    out = {k: tp[names[k]] for k in p if k in names}
    if "bhn" in p:
        out["bhn"] = ("slice", tp["bias_hh_l0"])
    return out


def torch_grad(kind, our_key, tensor):
    if isinstance(tensor, tuple):  # GRU's bhn is the last third of torch's b_hh
        return tensor[1].grad[2 * H :]
    return tensor.grad


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_torch_outputs_and_gradients(kind, bias, with_state):
    mx.random.seed(3)
    ours = getattr(nn, kind)(D, H, bias=bias)
    theirs = torch_layer(kind, bias)
    tparams = copy_to_torch(kind, ours, theirs)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, D)).astype(np.float32)
    h0 = rng.standard_normal((2, H)).astype(np.float32)
    c0 = rng.standard_normal((2, H)).astype(np.float32)
    cot = rng.standard_normal((2, 6, H)).astype(np.float32)
    cot_c = rng.standard_normal((2, 6, H)).astype(np.float32)

    def loss(params, x, h, c):
        ours.update(params)
        if kind == "LSTM":
            hs, cs = ours(x, h, c)
            return (hs * mx.array(cot)).sum() + (cs * mx.array(cot_c)).sum()
        return (ours(x, h) * mx.array(cot)).sum()

    args = (mx.array(x), mx.array(h0) if with_state else None,
            mx.array(c0) if with_state else None)
    value, grads = mx.value_and_grad(loss, argnums=(0, 1))(ours.trainable_parameters(), *args)

    tx = t(x)
    th, tc = t(h0[None]), t(c0[None])
    if kind == "LSTM":
        hs, _ = theirs(tx, (th, tc) if with_state else None)
        # torch returns only the last cell; rebuild all cells step by step for the oracle.
        cells, state = [], (th, tc) if with_state else None
        for step in range(x.shape[1]):
            _, state = theirs(tx[:, step : step + 1], state)
            cells.append(state[1][0])
        cs = torch.stack(cells, 1)
        tvalue = (hs * torch.tensor(cot, dtype=torch.float64)).sum() + (
            cs * torch.tensor(cot_c, dtype=torch.float64)
        ).sum()
    else:
        hs, _ = theirs(tx, th if with_state else None)
        tvalue = (hs * torch.tensor(cot, dtype=torch.float64)).sum()
    tvalue.backward()

    close(value, tvalue, 1e-4)
    param_grads, x_grad = grads
    close(x_grad, tx.grad, 1e-4)
    for key, g in tree_flatten(param_grads):
        close(g, torch_grad(kind, key, tparams[key]), 1e-4)
    if with_state:
        h_grad = mx.grad(lambda h: loss(ours.trainable_parameters(), args[0], h, args[2]))(args[1])
        close(h_grad, th.grad[0], 1e-4)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_unbatched_and_extra_batch_axes(kind):
    mx.random.seed(1)
    layer = getattr(nn, kind)(D, H)
    x = mx.random.normal((2, 4, 6, D))
    out = layer(x)
    out_u = layer(x[1, 2])  # (L, D): one unbatched sequence
    if kind == "LSTM":
        assert isinstance(out, tuple) and len(out) == 2
        assert out[0].shape == out[1].shape == (2, 4, 6, H)
        out, out_u = out[0], out_u[0]
    assert out.shape == (2, 4, 6, H) and out_u.shape == (6, H)
    np.testing.assert_allclose(np.array(out[1, 2]), np.array(out_u), rtol=1e-5, atol=1e-6)


def test_rnn_nonlinearity_and_lstm_cell_state():
    mx.random.seed(2)
    relu_rnn = nn.RNN(D, H, nonlinearity=lambda v: mx.maximum(v, 0))
    x = mx.random.normal((3, 4, D))
    h = relu_rnn(x)
    # By hand: h_t = relu(x_t Wxh^T + b + h_{t-1} Whh^T)
    p = {k: np.array(v, dtype=np.float64) for k, v in tree_flatten(relu_rnn.parameters())}
    xs = np.array(x, dtype=np.float64)
    state = np.zeros((3, H))
    for step in range(4):
        state = np.maximum(xs[:, step] @ p["Wxh"].T + p["bias"] + state @ p["Whh"].T, 0)
        np.testing.assert_allclose(np.array(h[:, step]), state, rtol=1e-5, atol=1e-6)

    lstm = nn.LSTM(D, H)
    c0 = mx.random.normal((3, H))
    hs, cs = lstm(x, None, c0)  # a cell state without a hidden state
    hs2, cs2 = lstm(x[:, 1:], hs[:, 0], cs[:, 0])
    np.testing.assert_allclose(np.array(hs[:, 1:]), np.array(hs2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.array(cs[:, 1:]), np.array(cs2), rtol=1e-5, atol=1e-6)


def test_keys_shapes_and_init():
    assert keys_shapes(nn.RNN(D, H)) == [("Wxh", (H, D)), ("Whh", (H, H)), ("bias", (H,))]
    assert keys_shapes(nn.GRU(D, H)) == [
        ("Wx", (3 * H, D)), ("Wh", (3 * H, H)), ("b", (3 * H,)), ("bhn", (H,))]
    assert keys_shapes(nn.LSTM(D, H)) == [("Wx", (4 * H, D)), ("Wh", (4 * H, H)), ("bias", (4 * H,))]
    assert keys_shapes(nn.RNN(D, H, bias=False)) == [("Wxh", (H, D)), ("Whh", (H, H))]
    assert keys_shapes(nn.GRU(D, H, bias=False)) == [("Wx", (3 * H, D)), ("Wh", (3 * H, H))]
    assert keys_shapes(nn.LSTM(D, H, bias=False)) == [("Wx", (4 * H, D)), ("Wh", (4 * H, H))]
    # Everything uniform in [-1/sqrt(hidden), 1/sqrt(hidden)].
    for layer in (nn.RNN(10, 100), nn.GRU(10, 100), nn.LSTM(10, 100)):
        for _, v in tree_flatten(layer.parameters()):
            v = np.array(v)
            assert v.dtype == np.float32
            assert np.abs(v).max() <= 0.1 and np.abs(v).max() > 0.09
            if v.size > 1000:
                assert abs(v.std() - 0.1 / np.sqrt(3)) < 0.005


def test_reprs():
    assert repr(nn.GRU(3, 4)) == "GRU(input_dims=3, hidden_size=4, bias=True)"
    assert repr(nn.LSTM(3, 4, bias=False)) == "LSTM(input_dims=3, hidden_size=4, bias=False)"
    r = repr(nn.RNN(3, 4))
    assert r.startswith("RNN(input_dims=3, hidden_size=4, nonlinearity=") and r.endswith(", bias=True)")


def test_bad_inputs():
    with pytest.raises(ValueError, match="Nonlinearity must be callable. Current value: 3."):
        nn.RNN(3, 4, nonlinearity=3)
    for layer in (nn.RNN(D, H), nn.GRU(D, H), nn.LSTM(D, H)):
        with pytest.raises(ValueError):
            mx.eval(layer(mx.ones((2, 5, D + 1))))  # wrong feature size
        with pytest.raises(IndexError, match="with a time axis"):
            mx.eval(layer(mx.ones((D,))))  # no time axis
        with pytest.raises(ValueError):
            mx.eval(layer(mx.ones((D + 2,))))  # no time axis, wrong size: the product fails first
        with pytest.raises(ValueError):
            mx.eval(layer(mx.ones((2, 0, D))))  # no time steps: nothing to stack
    with pytest.raises(ValueError):
        mx.eval(nn.RNN(D, H)(mx.ones((2, 5, D)), mx.ones((3, H))))  # state batch mismatch
