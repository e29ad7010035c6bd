"""QuantizedLinear, QuantizedEmbedding, QQLinear and nn.quantize: results against the
float computation with dequantized weights (NumPy float64) and against mx.quantized_matmul
/ mx.qqmm; parameter keys, freezing, reprs and errors as the reference (Apple MLX 0.32)
has them, recorded here as literals."""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

MODES = ["affine", "mxfp4", "mxfp8", "nvfp4"]
DEFAULTS = {"affine": (64, 4), "mxfp4": (32, 4), "mxfp8": (32, 8), "nvfp4": (16, 4)}


def keys(tree):
    return [k for k, _ in tree_flatten(tree)]


def described(module):
    return [(k, tuple(v.shape), v.dtype) for k, v in tree_flatten(module.parameters())]


def f64(a):
    return np.array(a.astype(mx.float32), dtype=np.float64)


def dequantized(layer):
    """The layer's weight as float64, unpacked."""
    w = mx.dequantize(layer.weight, scales=layer.scales, biases=layer.get("biases"),
                      group_size=layer.group_size, bits=layer.bits, mode=layer.mode)
    return f64(w)


def close(a, b, tol=1e-4):
    a = f64(a) if isinstance(a, mx.array) else a
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# ------------------------------------------------------------------ QuantizedLinear
@pytest.mark.parametrize("mode", MODES)
def test_quantized_linear_layout_and_freezing(mode):
    q = nn.QuantizedLinear(64, 32, mode=mode)
    g, b = DEFAULTS[mode]
    assert (q.group_size, q.bits, q.mode) == (g, b, mode)
    expected = [("weight", (32, 64 * b // 32), mx.uint32)]
    if mode == "affine":
        expected += [("scales", (32, 64 // g), mx.float32), ("biases", (32, 64 // g), mx.float32)]
    else:
        expected += [("scales", (32, 64 // g), mx.uint8)]
        assert q.biases is None
    expected += [("bias", (32,), mx.float32)]
    assert described(q) == expected
    assert repr(q) == (f"QuantizedLinear(input_dims=64, output_dims=32, bias=True, "
                       f"group_size={g}, bits={b}, mode={mode})")
    assert keys(q.trainable_parameters()) == []  # built frozen, bias included
    q.unfreeze()
    assert keys(q.trainable_parameters()) == [k for k, *_ in expected]


def test_quantized_linear_init():
    mx.random.seed(0)
    q = nn.QuantizedLinear(256, 512)
    w = dequantized(q)
    assert 0.06 < np.abs(w).max() <= 0.0625 + 1e-6  # uniform(+-1/sqrt(256)) before packing
    np.testing.assert_array_equal(np.array(q.bias), np.zeros(512, np.float32))
    q = nn.QuantizedLinear(64, 32, bias=False, group_size=32, bits=8)
    assert described(q) == [("weight", (32, 16), mx.uint32), ("scales", (32, 2), mx.float32),
                            ("biases", (32, 2), mx.float32)]
    assert repr(q) == ("QuantizedLinear(input_dims=64, output_dims=32, bias=False, "
                       "group_size=32, bits=8, mode=affine)")


@pytest.mark.parametrize("mode", MODES)
def test_quantized_linear_forward(mode):
    mx.random.seed(1)
    q = nn.QuantizedLinear(64, 24, mode=mode)
    q.bias = mx.random.normal((24,))
    x = mx.random.normal((2, 3, 64))
    y = q(x)
    assert y.shape == (2, 3, 24) and y.dtype == mx.float32
    close(y, f64(x) @ dequantized(q).T + f64(q.bias))
    direct = mx.quantized_matmul(x, q.weight, q.scales, q.biases, transpose=True,
                                 group_size=q.group_size, bits=q.bits, mode=mode) + q.bias
    np.testing.assert_array_equal(np.array(y), np.array(direct))


@pytest.mark.parametrize("mode", MODES)
def test_from_linear(mode):
    mx.random.seed(2)
    lin = nn.Linear(64, 16)
    q = nn.QuantizedLinear.from_linear(lin, mode=mode)
    packed = mx.quantize(lin.weight, mode=mode)
    np.testing.assert_array_equal(np.array(q.weight), np.array(packed[0]))
    np.testing.assert_array_equal(np.array(q.scales), np.array(packed[1]))
    assert q.bias is lin.bias
    # the packed weight is frozen, the carried-over bias is not (as the reference)
    assert keys(q.trainable_parameters()) == ["bias"]
    x = mx.random.normal((5, 64))
    close(q(x), f64(x) @ dequantized(q).T + f64(lin.bias))
    # and it is near the float layer (8-bit affine is tight, fp4 looser)
    tol = {"affine": 0.15, "mxfp4": 0.5, "mxfp8": 0.15, "nvfp4": 0.3}[mode]
    assert np.abs(f64(q(x)) - f64(lin(x))).max() < tol * np.abs(f64(lin(x))).max()


def test_from_linear_options_and_dtypes():
    lin = nn.Linear(64, 32, bias=False)
    q = nn.QuantizedLinear.from_linear(lin, 32, 8)
    assert repr(q) == ("QuantizedLinear(input_dims=64, output_dims=32, bias=False, "
                       "group_size=32, bits=8, mode=affine)")
    assert keys(q.parameters()) == ["weight", "scales", "biases"]
    half = nn.Linear(64, 32)
    half.set_dtype(mx.float16)
    q = nn.QuantizedLinear.from_linear(half)
    assert [(k, v.dtype) for k, v in tree_flatten(q.parameters())] == [
        ("weight", mx.uint32), ("scales", mx.float16), ("biases", mx.float16), ("bias", mx.float16)]
    assert q(mx.ones((2, 64), mx.float16)).dtype == mx.float16
    assert q(mx.ones((2, 64))).dtype == mx.float32
    # the hooks on Linear / Embedding go through from_linear / from_embedding
    assert isinstance(nn.Linear(64, 8).to_quantized(), nn.QuantizedLinear)
    qe = nn.Embedding(10, 64).to_quantized(group_size=32, bits=8)
    assert repr(qe) == "QuantizedEmbedding(10, 64, group_size=32, bits=8, mode=affine)"


def test_quantized_linear_gradients():
    """Input gradient through the packed weight; the bias of a from_linear layer trains."""
    mx.random.seed(3)
    lin = nn.Linear(64, 8)
    q = nn.QuantizedLinear.from_linear(lin, 32, 8)
    x = mx.random.normal((4, 64))
    cot = mx.random.normal((4, 8))
    gx = mx.grad(lambda x: (q(x) * cot).sum())(x)
    close(gx, f64(cot) @ dequantized(q))
    _, grads = nn.value_and_grad(q, lambda x: (q(x) * cot).sum())(x)
    assert keys(grads) == ["bias"]
    close(grads["bias"], f64(cot).sum(0))


# ------------------------------------------------------------------ QuantizedEmbedding
@pytest.mark.parametrize("mode", MODES)
def test_quantized_embedding(mode):
    mx.random.seed(4)
    emb = nn.Embedding(10, 64)
    qe = nn.QuantizedEmbedding.from_embedding(emb, mode=mode)
    g, b = DEFAULTS[mode]
    assert repr(qe) == f"QuantizedEmbedding(10, 64, group_size={g}, bits={b}, mode={mode})"
    assert keys(qe.parameters()) == (["weight", "scales", "biases"] if mode == "affine"
                                     else ["weight", "scales"])
    assert keys(qe.trainable_parameters()) == []
    table = dequantized(qe)
    idx = mx.array([[1, 2, 9], [3, 3, 0]])
    out = qe(idx)
    assert out.shape == (2, 3, 64)
    # affine keeps the table's dtype; the fp modes dequantize to bfloat16 (as the reference)
    assert out.dtype == (mx.float32 if mode == "affine" else mx.bfloat16)
    np.testing.assert_array_equal(f64(out), table[np.array(idx)])
    # quantization error against the float table stays small
    assert np.abs(table - f64(emb.weight)).max() < 0.3 * np.abs(f64(emb.weight)).max()
    x = mx.random.normal((2, 64))
    lin = qe.as_linear(x)
    assert lin.shape == (2, 10) and lin.dtype == mx.float32
    close(lin, f64(x) @ table.T)


def test_quantized_embedding_init_and_dtypes():
    mx.random.seed(5)
    qe = nn.QuantizedEmbedding(1000, 64)
    assert qe.num_embeddings == 1000 and qe.dims == 64
    assert abs(dequantized(qe).std() - 1 / 8) < 0.01  # normal(0, 1/sqrt(dims)) before packing
    half = nn.Embedding(10, 64)
    half.set_dtype(mx.float16)
    qe = nn.QuantizedEmbedding.from_embedding(half)
    assert [(k, v.dtype) for k, v in tree_flatten(qe.parameters())] == [
        ("weight", mx.uint32), ("scales", mx.float16), ("biases", mx.float16)]
    assert qe(mx.array([1])).dtype == mx.float16
    with pytest.raises(ValueError):
        mx.eval(qe(mx.array([1.5])))  # indices must be integers


# ------------------------------------------------------------------ QQLinear
def fake_quant(a, mode):
    return f64(mx.dequantize(*mx.quantize(a, mode=mode)[:2], mode=mode))


@pytest.mark.parametrize("mode", ["nvfp4", "mxfp8"])
def test_qqlinear_train_and_eval(mode):
    mx.random.seed(6)
    qq = nn.QQLinear(64, 32, mode=mode)
    g, b = DEFAULTS[mode]
    assert repr(qq) == f"QQLinear(input_dims=64, output_dims=32, group_size={g}, bits={b}, mode={mode})"
    assert described(qq) == [("weight", (32, 64), mx.float32)]
    assert keys(qq.trainable_parameters()) == ["weight"] and qq._quantized is False
    w = qq.weight
    x = mx.random.normal((3, 64))
    y = qq(x)
    assert y.shape == (3, 32) and y.dtype == mx.float32
    # both operands are quantized: the product of the two fake-quantized matrices
    close(y, fake_quant(x, mode) @ fake_quant(w, mode).T)
    np.testing.assert_array_equal(np.array(y), np.array(mx.qqmm(x, w, mode=mode)))

    # gradients pass straight through the rounding of both operands
    cot = mx.random.normal((3, 32))
    _, grads = nn.value_and_grad(qq, lambda x: (qq(x) * cot).sum())(x)
    close(grads["weight"], f64(cot).T @ fake_quant(x, mode))

    # eval() packs the weight once (through a parent too); train() unpacks it to bfloat16
    parent = nn.Sequential(qq)
    parent.eval()
    assert qq._quantized and not qq.training
    assert described(qq) == [("weight", (32, 64 * b // 32), mx.uint32), ("scales", (32, 64 // g), mx.uint8)]
    assert keys(qq.trainable_parameters()) == ["weight", "scales"]
    assert repr(qq) == f"QQLinear(input_dims=64, output_dims=32, group_size={g}, bits={b}, mode={mode})"
    np.testing.assert_array_equal(np.array(qq(x)), np.array(y))
    qq.eval()  # already packed: no change
    assert qq.weight.dtype == mx.uint32
    parent.train()
    assert not qq._quantized and described(qq) == [("weight", (32, 64), mx.bfloat16)]
    np.testing.assert_array_equal(f64(qq.weight), fake_quant(w, mode))


def test_qqlinear_from_linear_and_errors():
    lin = nn.Linear(64, 32, bias=False)
    qq = nn.QQLinear.from_linear(lin)
    assert qq.weight is lin.weight and qq.training and not qq._quantized
    lin.eval()
    qq = nn.QQLinear.from_linear(lin)
    assert qq._quantized and not qq.training and keys(qq.parameters()) == ["weight", "scales"]
    with pytest.raises(NotImplementedError, match="QQLinear does not support bias yet."):
        nn.QQLinear.from_linear(nn.Linear(64, 32))
    assert isinstance(nn.Linear(64, 32, bias=False).to_quantized(mode="nvfp4", quantize_input=True),
                      nn.QQLinear)
    with pytest.raises(ValueError, match="Invalid quantization mode 'bogus'"):
        nn.QQLinear(64, 32, mode="bogus")


# ------------------------------------------------------------------ nn.quantize
class Scale(nn.Module):
    """A leaf module with a parameter and no ``to_quantized``."""

    def __init__(self, dims):
        super().__init__()
        self.weight = mx.ones((dims,))

    def __call__(self, x):
        return x * self.weight


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 64)
        self.l1 = nn.Linear(64, 64)
        self.l2 = nn.Linear(64, 32, bias=False)
        self.odd = nn.Linear(60, 8)
        self.ln = Scale(64)
        self.seq = [nn.Linear(64, 64), {"a": nn.Linear(64, 64)}]


def test_quantize_default_and_predicate_paths():
    m = Model()
    with pytest.raises(ValueError):
        nn.quantize(m)  # "odd" has 60 inputs: not a multiple of the group size 64
    m = Model()
    seen = []

    def pred(path, module):
        seen.append((path, type(module).__name__))
        return path not in ("odd", "ln")

    assert nn.quantize(m, class_predicate=pred) is None
    assert [p for p, _ in seen] == ["emb", "l1", "l2", "odd", "ln", "seq.0", "seq.1.a"]
    assert keys(m.parameters()) == [
        "emb.weight", "emb.scales", "emb.biases", "l1.weight", "l1.scales", "l1.biases",
        "l1.bias", "l2.weight", "l2.scales", "l2.biases", "odd.weight", "odd.bias",
        "ln.weight", "seq.0.weight", "seq.0.scales", "seq.0.biases", "seq.0.bias",
        "seq.1.a.weight", "seq.1.a.scales", "seq.1.a.biases", "seq.1.a.bias"]
    # quantized weights are frozen; biases and untouched layers still train
    assert keys(m.trainable_parameters()) == [
        "l1.bias", "odd.weight", "odd.bias", "ln.weight", "seq.0.bias", "seq.1.a.bias"]
    assert isinstance(m.emb, nn.QuantizedEmbedding) and isinstance(m.seq[1]["a"], nn.QuantizedLinear)
    assert isinstance(m.odd, nn.Linear)


def test_quantize_with_parameter_dicts():
    m = Model()

    def pred(path, module):
        if path == "l1":
            return {"group_size": 32, "bits": 8}
        if path == "l2":
            return {"mode": "mxfp4"}  # a dict replaces the call's arguments entirely
        if path == "emb":
            return True
        if path == "seq.0":
            return {}  # an empty dict leaves the module alone
        return False

    nn.quantize(m, 64, 4, class_predicate=pred)
    assert repr(m.l1) == ("QuantizedLinear(input_dims=64, output_dims=64, bias=True, "
                          "group_size=32, bits=8, mode=affine)")
    assert repr(m.l2) == ("QuantizedLinear(input_dims=64, output_dims=32, bias=False, "
                          "group_size=32, bits=4, mode=mxfp4)")
    assert repr(m.emb) == "QuantizedEmbedding(10, 64, group_size=64, bits=4, mode=affine)"
    assert isinstance(m.seq[0], nn.Linear) and isinstance(m.seq[1]["a"], nn.Linear)

    m = Model()
    nn.quantize(m, 32, 8, class_predicate=lambda p, _: p == "l1" and {"bits": 4})
    assert (m.l1.group_size, m.l1.bits) == (64, 4)
    m = Model()
    nn.quantize(m, mode="mxfp8", class_predicate=lambda p, _: p in ("l1", "l2"))
    assert (m.l1.mode, m.l1.group_size, m.l1.bits) == ("mxfp8", 32, 8)
    assert keys(m.l2.parameters()) == ["weight", "scales"]


def test_quantize_input_and_errors():
    m = Model()
    nn.quantize(m, mode="nvfp4", quantize_input=True, class_predicate=lambda p, _: p == "l2")
    assert isinstance(m.l2, nn.QQLinear)
    with pytest.raises(NotImplementedError, match="QQLinear does not support bias yet."):
        nn.quantize(Model(), mode="nvfp4", quantize_input=True, class_predicate=lambda p, _: p == "l1")
    with pytest.raises(ValueError, match="Quantized input is not supported."):
        nn.quantize(Model(), mode="nvfp4", quantize_input=True, class_predicate=lambda p, _: p == "emb")
    with pytest.raises(ValueError, match="only supported for 'nvfp4' and 'mxfp8'"):
        nn.quantize(Model(), quantize_input=True, class_predicate=lambda p, _: p == "l2")
    with pytest.raises(ValueError, match="``class_predicate`` must return a bool or a dict"):
        nn.quantize(Model(), class_predicate=lambda p, _: 1 if p == "l1" else 0)
    with pytest.raises(ValueError, match="Unable to quantize model of type <class"):
        nn.quantize(nn.Sequential(nn.Linear(64, 64), Scale(64)), class_predicate=lambda p, m: True)
    with pytest.raises(TypeError):
        nn.quantize(Model(), class_predicate=lambda p, _: p == "l1" and {"foo": 4})
    with pytest.raises(ValueError, match="Invalid quantization mode 'bogus'. Valid modes are: "
                                         "affine, mxfp4, nvfp4, mxfp8."):
        nn.quantize(nn.Sequential(nn.Linear(64, 32)), mode="bogus")
    with pytest.raises(ValueError):
        nn.QuantizedLinear(64, 32, mode="mxfp8", group_size=64)
    with pytest.raises(ValueError):
        nn.QuantizedLinear(60, 32)  # not a multiple of the group size
    with pytest.raises(ValueError):
        mx.eval(nn.QuantizedLinear(64, 32)(mx.ones((3, 60))))  # wrong input size
    # a bare leaf module has nothing to replace inside it
    lin = nn.Linear(64, 64)
    nn.quantize(lin)
    assert type(lin) is nn.Linear


def test_quantized_model_matches_float_model():
    """An 8-bit quantized MLP gives what the float MLP gives, up to quantization error,
    and exactly what the float MLP with the dequantized weights gives."""
    mx.random.seed(7)
    model = nn.Sequential(nn.Linear(64, 128), nn.Linear(128, 16))
    x = mx.random.normal((8, 64))
    ref = f64(model(x))
    nn.quantize(model, 64, 8)
    assert all(isinstance(layer, nn.QuantizedLinear) for layer in model.layers)
    y = f64(model(x))
    assert np.abs(y - ref).max() < 0.02 * np.abs(ref).max()
    h = f64(x) @ dequantized(model.layers[0]).T + f64(model.layers[0].bias)
    close(y, h @ dequantized(model.layers[1]).T + f64(model.layers[1].bias), 2e-4)
