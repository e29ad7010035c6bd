"""MultiHeadAttention and the Transformer family against PyTorch with the weights copied
across (outputs and gradients); parameter keys, reprs and errors as the reference
(Apple MLX 0.32) has them."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten, tree_map

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = 2e-4
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor")


def keys(module):
    return [k for k, _ in tree_flatten(module.parameters())]


def randomize(module, seed=0):
    """Random parameters everywhere (layer norms included), so every weight matters."""
    mx.random.seed(seed)
    module.update(tree_map(lambda p: mx.random.normal(p.shape) * 0.5, module.parameters()))


def to_t(a, grad=False):
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=grad)


def close(a, b, tol=TOL):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(np.array(a, dtype=np.float64), b, rtol=tol, atol=tol)


# ------------------------------------------------------------------ weight mapping
_ATTN = {"attention": "self_attn", "self_attention": "self_attn", "cross_attention": "multihead_attn"}
_QKV = {"query_proj": 0, "key_proj": 1, "value_proj": 2}


def torch_key(key):
    """Our flattened key -> (torch key, chunk of in_proj_weight or None)."""
    parts = key.split(".")
    out, chunk = [], None
    i = 0
    while i < len(parts):
        p = parts[i]
        if p in _QKV:  # query/key/value projections are chunks of torch's in_proj
            out.append("in_proj_" + parts[i + 1])
            chunk = _QKV[p]
            i += 2
            continue
        if p in _ATTN:
            out.append(_ATTN[p])
        elif p.startswith("ln"):
            out.append("norm" + p[2:])
        else:
            out.append(p)
        i += 1
    return ".".join(out), chunk


def copy_to_torch(ours, theirs):
    """Load our parameters into ``theirs``; attention biases torch has and we do not
    are set to zero. Returns a function giving torch's gradient for one of our keys."""
    state = {k: v.detach().clone() for k, v in theirs.state_dict().items()}
    for k in state:
        if k.endswith("in_proj_bias") or k.endswith("out_proj.bias"):
            state[k].zero_()
    flat = dict(tree_flatten(ours.parameters()))
    for key, value in flat.items():
        tkey, chunk = torch_key(key)
        value = torch.tensor(np.array(value, dtype=np.float64))
        if chunk is None:
            state[tkey] = value
        else:
            rows = value.shape[0]
            state[tkey][chunk * rows : (chunk + 1) * rows] = value
    theirs.load_state_dict(state)
    params = dict(theirs.named_parameters())

    def grad_of(key):
        tkey, chunk = torch_key(key)
        g = params[tkey].grad
        if chunk is None:
            return g
        rows = flat[key].shape[0]
        return g[chunk * rows : (chunk + 1) * rows]

    return grad_of


def compare(ours, theirs, our_fn, their_fn, inputs, argnums):
    """Outputs, input gradients and parameter gradients of sum(out * cotangent)."""
    grad_of = copy_to_torch(ours, theirs)
    out = our_fn(*[mx.array(x) for x in inputs])
    cot = np.random.default_rng(7).standard_normal(out.shape)

    def loss(params, *xs):
        ours.update(params)
        return (our_fn(*xs) * mx.array(cot.astype(np.float32))).sum()

    t_inputs = [to_t(x, grad=True) for x in inputs]
    t_out = their_fn(*t_inputs)
    close(out, t_out)
    (t_out * torch.tensor(cot)).sum().backward()

    grads = mx.grad(loss, argnums=(0,) + tuple(a + 1 for a in argnums))(
        ours.trainable_parameters(), *[mx.array(x) for x in inputs]
    )
    for key, g in tree_flatten(grads[0]):
        close(g, grad_of(key))
    for a, g in zip(argnums, grads[1:]):
        close(g, t_inputs[a].grad)


def causal(n):
    return np.array(nn.MultiHeadAttention.create_additive_causal_mask(n))


# ------------------------------------------------------------------ MultiHeadAttention
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("mask", [None, "causal"])
def test_mha_matches_torch_module(bias, mask):
    dims, heads = 16, 4
    ours = nn.MultiHeadAttention(dims, heads, bias=bias)
    randomize(ours, 1)
    theirs = torch.nn.MultiheadAttention(dims, heads, bias=bias, batch_first=True).double()
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 5, dims)).astype(np.float32)
    kv = rng.standard_normal((2, 5, dims)).astype(np.float32)
    m = causal(5) if mask else None
    tm = torch.tensor(m, dtype=torch.float64) if mask else None
    compare(
        ours, theirs,
        lambda q, k, v: ours(q, k, v, mask=None if m is None else mx.array(m)),
        lambda q, k, v: theirs(q, k, v, attn_mask=tm, need_weights=False)[0],
        [q, kv, kv.copy()], argnums=(0, 1, 2),
    )


def test_mha_all_input_and_output_dims():
    """Separate query/key/value input sizes, value_dims and value_output_dims, a boolean
    mask; oracle written with torch ops."""
    ours = nn.MultiHeadAttention(8, 2, query_input_dims=3, key_input_dims=5,
                                 value_input_dims=6, value_dims=10, value_output_dims=7,
                                 bias=True)
    randomize(ours, 2)
    p = {k: to_t(v, grad=True) for k, v in tree_flatten(ours.parameters())}
    rng = np.random.default_rng(1)
    q = rng.standard_normal((2, 4, 3)).astype(np.float32)
    k = rng.standard_normal((2, 6, 5)).astype(np.float32)
    v = rng.standard_normal((2, 6, 6)).astype(np.float32)
    keep = rng.random((4, 6)) > 0.3
    keep[:, 0] = True

    def lin(x, name):
        return x @ p[name + ".weight"].T + p[name + ".bias"]

    def theirs(q, k, v):
        heads = lambda x: x.reshape(*x.shape[:2], 2, -1).transpose(1, 2)  # noqa: E731
        Q, K, V = heads(lin(q, "query_proj")), heads(lin(k, "key_proj")), heads(lin(v, "value_proj"))
        o = F.scaled_dot_product_attention(Q, K, V, attn_mask=torch.tensor(keep))
        return lin(o.transpose(1, 2).reshape(2, 4, -1), "out_proj")

    out = ours(mx.array(q), mx.array(k), mx.array(v), mask=mx.array(keep))
    assert out.shape == (2, 4, 7)
    tq, tk, tv = to_t(q, True), to_t(k, True), to_t(v, True)
    t_out = theirs(tq, tk, tv)
    close(out, t_out)
    t_out.sum().backward()

    def loss(params, q, k, v):
        ours.update(params)
        return ours(q, k, v, mask=mx.array(keep)).sum()

    grads = mx.grad(loss, argnums=(0, 1, 2, 3))(ours.parameters(), mx.array(q), mx.array(k), mx.array(v))
    for key, g in tree_flatten(grads[0]):
        close(g, p[key].grad)
    for g, t in zip(grads[1:], (tq, tk, tv)):
        close(g, t.grad)


def test_mha_keys_repr_and_init():
    m = nn.MultiHeadAttention(8, 2, query_input_dims=3, key_input_dims=5, value_input_dims=6,
                              value_dims=10, value_output_dims=7, bias=True)
    assert [(k, tuple(v.shape)) for k, v in tree_flatten(m.parameters())] == [
        ("query_proj.weight", (8, 3)), ("query_proj.bias", (8,)),
        ("key_proj.weight", (8, 5)), ("key_proj.bias", (8,)),
        ("value_proj.weight", (10, 6)), ("value_proj.bias", (10,)),
        ("out_proj.weight", (7, 10)), ("out_proj.bias", (7,)),
    ]
    assert keys(nn.MultiHeadAttention(8, 2)) == [
        "query_proj.weight", "key_proj.weight", "value_proj.weight", "out_proj.weight"]
    # value_input_dims defaults to key_input_dims
    assert nn.MultiHeadAttention(8, 2, key_input_dims=5).value_proj.weight.shape == (8, 5)
    assert nn.MultiHeadAttention(8, 2).num_heads == 2
    assert repr(nn.MultiHeadAttention(8, 2, value_dims=4)) == (
        "MultiHeadAttention(\n"
        "  (query_proj): Linear(input_dims=8, output_dims=8, bias=False)\n"
        "  (key_proj): Linear(input_dims=8, output_dims=8, bias=False)\n"
        "  (value_proj): Linear(input_dims=8, output_dims=4, bias=False)\n"
        "  (out_proj): Linear(input_dims=4, output_dims=8, bias=False)\n"
        ")"
    )
    w = np.array(nn.MultiHeadAttention(64, 4).query_proj.weight)
    assert 0.12 < np.abs(w).max() <= 0.125  # Linear's uniform(+-1/sqrt(64))


def test_causal_mask():
    m = nn.MultiHeadAttention.create_additive_causal_mask(4)
    assert m.dtype == mx.float32 and m.shape == (4, 4)
    expected = np.triu(np.full((4, 4), np.finfo(np.float32).min, np.float32), 1)
    np.testing.assert_array_equal(np.array(m), expected)
    assert np.signbit(np.array(m)[np.tril_indices(4)]).all()  # -0 where kept, as MLX
    m16 = nn.MultiHeadAttention.create_additive_causal_mask(3, mx.float16)
    assert m16.dtype == mx.float16 and np.array(m16)[0, 2] == -65504
    mbf = nn.MultiHeadAttention.create_additive_causal_mask(3, dtype=mx.bfloat16)
    assert mbf.dtype == mx.bfloat16 and mbf[0, 1].item() == pytest.approx(-3.38953e38, rel=1e-4)
    assert nn.MultiHeadAttention.create_additive_causal_mask(0).shape == (0, 0)


def test_mha_errors():
    with pytest.raises(ValueError, match=r"divisible by the number of heads \(8 % 3\) != 0"):
        nn.MultiHeadAttention(8, 3)
    m = nn.MultiHeadAttention(8, 2)
    x = mx.ones((2, 4, 8))
    with pytest.raises(ValueError):
        mx.eval(m(mx.ones((2, 4, 7)), x, x))  # wrong query features
    with pytest.raises(ValueError):
        mx.eval(m(x, x, mx.ones((2, 5, 8))))  # keys and values of different lengths
    with pytest.raises(ValueError):
        mx.eval(m(x, x, x, mask=mx.zeros((3, 3))))  # mask does not broadcast
    with pytest.raises(ValueError):
        mx.eval(m(mx.ones((4, 8)), mx.ones((4, 8)), mx.ones((4, 8))))  # no batch axis


# ------------------------------------------------------------------ Transformer layers
def silu_mx(x):
    return x * mx.sigmoid(x)


@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("act", ["relu", "silu"])
def test_encoder_layer_matches_torch(norm_first, act):
    ours = nn.TransformerEncoderLayer(8, 2, mlp_dims=12, norm_first=norm_first,
                                      **({"activation": silu_mx} if act == "silu" else {}))
    randomize(ours, 3)
    theirs = torch.nn.TransformerEncoderLayer(
        8, 2, dim_feedforward=12, dropout=0.0, batch_first=True, norm_first=norm_first,
        activation=F.silu if act == "silu" else "relu").double()
    x = np.random.default_rng(2).standard_normal((2, 5, 8)).astype(np.float32)
    m = causal(5)
    compare(ours, theirs, lambda x: ours(x, mx.array(m)),
            lambda x: theirs(x, src_mask=torch.tensor(m, dtype=torch.float64)), [x], (0,))


@pytest.mark.parametrize("norm_first", [True, False])
def test_decoder_layer_matches_torch(norm_first):
    ours = nn.TransformerDecoderLayer(8, 2, mlp_dims=12, norm_first=norm_first)
    randomize(ours, 4)
    theirs = torch.nn.TransformerDecoderLayer(
        8, 2, dim_feedforward=12, dropout=0.0, batch_first=True, norm_first=norm_first).double()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 8)).astype(np.float32)
    mem = rng.standard_normal((2, 6, 8)).astype(np.float32)
    m = causal(4)
    compare(ours, theirs, lambda x, mem: ours(x, mem, mx.array(m), None),
            lambda x, mem: theirs(x, mem, tgt_mask=torch.tensor(m, dtype=torch.float64)),
            [x, mem], (0, 1))


@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("checkpoint", [False, True])
def test_full_transformer_matches_torch(norm_first, checkpoint):
    ours = nn.Transformer(8, 2, 2, 2, mlp_dims=16, norm_first=norm_first, checkpoint=checkpoint)
    randomize(ours, 5)
    theirs = torch.nn.Transformer(8, 2, 2, 2, dim_feedforward=16, dropout=0.0,
                                  batch_first=True, norm_first=norm_first).double()
    rng = np.random.default_rng(4)
    src = rng.standard_normal((2, 6, 8)).astype(np.float32)
    tgt = rng.standard_normal((2, 4, 8)).astype(np.float32)
    m = causal(4)
    compare(ours, theirs, lambda s, t: ours(s, t, None, mx.array(m), None),
            lambda s, t: theirs(s, t, tgt_mask=torch.tensor(m, dtype=torch.float64)),
            [src, tgt], (0, 1))


def test_checkpoint_gives_the_same_gradients():
    mx.random.seed(6)
    plain = nn.TransformerEncoder(2, 8, 2, checkpoint=False)
    ckpt = nn.TransformerEncoder(2, 8, 2, checkpoint=True)
    ckpt.update(plain.parameters())
    x = mx.random.normal((2, 3, 8))
    m = nn.MultiHeadAttention.create_additive_causal_mask(3)
    v1, g1 = nn.value_and_grad(plain, lambda x: (plain(x, m) ** 2).sum())(x)
    v2, g2 = nn.value_and_grad(ckpt, lambda x: (ckpt(x, m) ** 2).sum())(x)
    close(v1, np.array(v2), 1e-6)
    for (k1, a), (k2, b) in zip(tree_flatten(g1), tree_flatten(g2)):
        assert k1 == k2
        close(a, np.array(b), 1e-5)
    # the parameters are left as they were (not replaced by values from inside the trace)
    for (_, a), (_, b) in zip(tree_flatten(plain.parameters()), tree_flatten(ckpt.parameters())):
        np.testing.assert_array_equal(np.array(a), np.array(b))


def test_dropout_only_in_training():
    mx.random.seed(7)
    layer = nn.TransformerEncoderLayer(8, 2, dropout=0.5)
    x = mx.random.normal((2, 5, 8))
    a, b = layer(x, None), layer(x, None)
    assert not np.allclose(np.array(a), np.array(b))  # two dropout draws
    layer.eval()
    c, d = layer(x, None), layer(x, None)
    np.testing.assert_array_equal(np.array(c), np.array(d))
    no_drop = nn.TransformerEncoderLayer(8, 2, dropout=0.0)
    no_drop.update(layer.parameters())
    close(c, np.array(no_drop(x, None)), 1e-6)


ENCODER_LAYER_KEYS = [
    "attention.query_proj.weight", "attention.key_proj.weight", "attention.value_proj.weight",
    "attention.out_proj.weight", "ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias",
    "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
]
DECODER_LAYER_KEYS = [
    "self_attention.query_proj.weight", "self_attention.key_proj.weight",
    "self_attention.value_proj.weight", "self_attention.out_proj.weight",
    "cross_attention.query_proj.weight", "cross_attention.key_proj.weight",
    "cross_attention.value_proj.weight", "cross_attention.out_proj.weight",
    "ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias", "ln3.weight", "ln3.bias",
    "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
]


def test_keys_and_structure_as_reference():
    assert keys(nn.TransformerEncoderLayer(8, 2)) == ENCODER_LAYER_KEYS
    assert keys(nn.TransformerDecoderLayer(8, 2, mlp_dims=16)) == DECODER_LAYER_KEYS
    enc = nn.TransformerEncoder(2, 8, 2)
    assert keys(enc) == [f"layers.{i}.{k}" for i in range(2) for k in ENCODER_LAYER_KEYS] + [
        "ln.weight", "ln.bias"]
    t = nn.Transformer(8, 2, 1, 1)
    assert keys(t) == (
        ["encoder.layers.0." + k for k in ENCODER_LAYER_KEYS] + ["encoder.ln.weight", "encoder.ln.bias"]
        + ["decoder.layers.0." + k for k in DECODER_LAYER_KEYS] + ["decoder.ln.weight", "decoder.ln.bias"]
    )
    shapes = dict((k, tuple(v.shape)) for k, v in tree_flatten(nn.TransformerEncoderLayer(8, 2).parameters()))
    assert shapes["linear1.weight"] == (32, 8) and shapes["linear2.weight"] == (8, 32)
    default = nn.Transformer()
    assert len(default.encoder.layers) == 6 and isinstance(default.encoder.layers, list)
    assert default.encoder.layers[0].linear1.weight.shape == (2048, 512)
    assert default.encoder.layers[0].norm_first is True and default.encoder.checkpoint is False
    enc = nn.TransformerEncoder(1, 8, 2)
    assert nn.Transformer(8, 2, 1, 1, custom_encoder=enc).encoder is enc
    assert isinstance(nn.Transformer(8, 2, 1, 1, custom_decoder=nn.Identity()).decoder, nn.Identity)
    assert repr(nn.TransformerEncoderLayer(8, 2)).startswith(
        "TransformerEncoderLayer(\n  (attention): MultiHeadAttention(\n")


def test_transformer_shapes_and_errors():
    mx.random.seed(8)
    t = nn.Transformer(8, 2, 1, 1)
    src, tgt = mx.random.normal((2, 6, 8)), mx.random.normal((2, 3, 8))
    assert t(src, tgt, None, None, None).shape == (2, 3, 8)
    with pytest.raises(TypeError):
        t(src, tgt)  # the masks are required arguments
    with pytest.raises(ValueError):
        mx.eval(t(mx.ones((2, 6, 5)), tgt, None, None, None))  # wrong feature size
    with pytest.raises(ValueError):
        nn.TransformerEncoder(1, 8, 3)
