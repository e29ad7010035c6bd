"""nn.Module tree semantics, Linear/Bilinear/Embedding/Sequential/Identity and
nn.value_and_grad. Expected keys, orders and messages were read off the reference."""

import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten, tree_map


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = mx.zeros((2,))
        self.l = [nn.Linear(2, 3), {"x": mx.ones(1), "y": 3}]
        self.c = nn.Linear(3, 1, bias=False)
        self.name = "hi"
        self.t = (mx.ones(2), nn.Linear(1, 1))
        self._p = mx.ones(1)


def keys(tree):
    return [k for k, _ in tree_flatten(tree)]


def test_attributes_become_items():
    b = Block()
    assert "w" in b and "l" in b and "c" in b and "t" in b and "_p" in b
    assert "name" not in b and b.name == "hi"
    assert b.w is b["w"]
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'nosuch'"):
        b.nosuch
    b.w2 = mx.ones(1)
    assert "w2" in b
    b.w2 = 5  # a non-array value leaves the dict
    assert "w2" not in b and b.w2 == 5
    del b.w
    assert "w" not in b


def test_parameters_children_modules():
    b = Block()
    # tuples and underscored keys are not parameters
    assert keys(b.parameters()) == ["w", "l.0.weight", "l.0.bias", "l.1.x", "c.weight"]
    assert list(b.children().keys()) == ["l", "c"]
    assert [k for k, _ in tree_flatten(b.children(), is_leaf=nn.Module.is_module)] == ["l.0", "c"]
    leaves = b.leaf_modules()
    assert isinstance(leaves["l"][0], nn.Linear) and leaves["l"][1] == {"x": {}, "y": {}}
    assert [k for k, _ in b.named_modules()] == ["", "c", "l.0"]
    assert b.modules()[0] is b and len(b.modules()) == 3
    assert repr(b) == (
        "Block(\n"
        "  (l.0): Linear(input_dims=2, output_dims=3, bias=True)\n"
        "  (c): Linear(input_dims=3, output_dims=1, bias=False)\n"
        ")"
    )
    assert repr(nn.Module()) == "Module()"
    assert repr(nn.Sequential(nn.Linear(2, 3), nn.Identity())) == (
        "Sequential(\n"
        "  (layers.0): Linear(input_dims=2, output_dims=3, bias=True)\n"
        "  (layers.1): Identity()\n"
        ")"
    )
    assert nn.Module.is_module(b) and not nn.Module.is_module({})
    assert nn.Module.valid_child_filter(b, "x", b)
    assert not nn.Module.valid_parameter_filter(b, "_x", mx.ones(1))
    assert b.state is b


def test_freeze_unfreeze():
    b = Block()
    b.freeze(keys=["w"])
    assert keys(b.trainable_parameters()) == ["l.0.weight", "l.0.bias", "l.1.x", "c.weight"]
    b.unfreeze()
    b.c.freeze()
    assert b.c._no_grad == {"weight"}
    assert keys(b.trainable_parameters()) == ["w", "l.0.weight", "l.0.bias", "l.1.x"]
    b.freeze(keys=["zz"])  # not strict: accepted
    with pytest.raises(KeyError, match="Module doesn't contain member zz."):
        b.freeze(keys=["zz"], strict=True)
    lin = nn.Linear(2, 2)
    lin.freeze(keys="bias")
    assert lin._no_grad == {"bias"} and keys(lin.trainable_parameters()) == ["weight"]
    lin.unfreeze(keys=["bias"])
    assert lin._no_grad == set()
    s = nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1))
    s.freeze(recurse=False)
    assert len(keys(s.trainable_parameters())) == 4
    s.freeze()
    s.unfreeze(recurse=False)
    assert keys(s.trainable_parameters()) == []
    # frozen parameters get no gradient
    s.unfreeze()
    s.layers[0].freeze()
    _, g = nn.value_and_grad(s, lambda x: s(x).sum())(mx.ones((2, 1)))
    assert keys(g) == ["layers.1.weight", "layers.1.bias"]


def test_update_and_errors():
    b = Block()
    with pytest.raises(ValueError, match='Module does not have parameter named "zz".'):
        b.update({"zz": mx.ones(1)})
    with pytest.raises(ValueError, match="Received invalid type: int."):
        b.update({"w": 3})
    b.update({"zz": mx.ones(1)}, strict=False)
    assert "zz" not in b
    new_w = mx.full((3, 2), 7.0)
    b.update({"l": [{"weight": new_w}]})
    assert b.l[0].weight is new_w
    with pytest.raises(ValueError, match="Received invalid type: int."):
        b.update_modules({"c": 3})
    with pytest.raises(ValueError, match='Module does not have sub-module named "q".'):
        b.update_modules({"q": nn.Linear(1, 1)})
    replacement = nn.Linear(3, 1)
    b.update_modules({"c": replacement, "l": [nn.Linear(2, 3)]})
    assert b.c is replacement
    m = nn.Linear(2, 2)
    m.update({"weight": mx.zeros((5, 5))})  # shapes are not checked by update
    assert m.weight.shape == (5, 5)
    with pytest.raises(ValueError, match="Received invalid type: dict."):
        nn.Linear(2, 2).update({"weight": {"x": mx.ones(1)}})


def test_train_eval_apply_set_dtype():
    b = Block()
    assert b.training and b.eval() is b and not b.training and not b.c.training
    assert b.train().c.training
    lin = nn.Linear(2, 2)
    w = np.array(lin.weight)
    assert lin.apply(lambda x: x * 2) is lin
    np.testing.assert_allclose(np.array(lin.weight), 2 * w)
    seen = []
    lin.apply_to_modules(lambda k, m: seen.append((k, type(m).__name__)))
    assert seen == [("", "Linear")]
    lin.set_dtype(mx.float16)
    assert lin.weight.dtype == mx.float16
    y = nn.Linear(2, 2)
    y.weight = y.weight.astype(mx.int32)
    y.set_dtype(mx.float16)  # only floating parameters by default
    assert y.weight.dtype == mx.int32 and y.bias.dtype == mx.float16
    y.set_dtype(mx.float32, lambda d: True)
    assert y.weight.dtype == mx.float32


def test_load_save_weights(tmp_path):
    lin = nn.Linear(2, 3)
    with pytest.raises(ValueError, match="Missing 1 parameters: \nbias."):
        lin.load_weights([("weight", mx.ones((3, 2)))])
    with pytest.raises(ValueError, match="Received 1 parameters not in model: \nx."):
        lin.load_weights([("weight", mx.ones((3, 2))), ("bias", mx.ones(3)), ("x", mx.ones(1))])
    with pytest.raises(ValueError, match=r"Expected shape \(3, 2\) but received shape \(2, 2\) for parameter weight"):
        lin.load_weights([("weight", mx.ones((2, 2))), ("bias", mx.ones(3))])
    lin.load_weights([("weight", mx.ones((3, 2)))], strict=False)
    assert lin.weight.tolist() == [[1.0, 1.0]] * 3
    with pytest.raises(ValueError, match="Unsupported file extension"):
        lin.save_weights(str(tmp_path / "x.bin"))
    for ext in ("npz", "safetensors"):
        src = nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 2))
        dst = nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 2))
        path = str(tmp_path / f"w.{ext}")
        src.save_weights(path)
        dst.load_weights(path)
        for (k1, a), (k2, c) in zip(tree_flatten(src.parameters()), tree_flatten(dst.parameters())):
            assert k1 == k2 and np.array_equal(np.array(a), np.array(c))
    # dtype of the loaded weights is kept
    lin.load_weights([("weight", mx.ones((3, 2), dtype=mx.float16)), ("bias", mx.ones(3))])
    assert lin.weight.dtype == mx.float16


def test_linear_bilinear_embedding_against_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 5, 6)).astype(np.float32)
    lin = nn.Linear(6, 3)
    t_lin = torch.nn.Linear(6, 3)
    with torch.no_grad():
        t_lin.weight.copy_(torch.tensor(np.array(lin.weight)))
        t_lin.bias.copy_(torch.tensor(np.array(lin.bias)))
    np.testing.assert_allclose(np.array(lin(mx.array(x))), t_lin(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    # gradients with respect to the parameters
    _, g = nn.value_and_grad(lin, lambda a: (lin(a) ** 2).sum())(mx.array(x))
    (t_lin(torch.tensor(x)) ** 2).sum().backward()
    np.testing.assert_allclose(np.array(g["weight"]), t_lin.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.array(g["bias"]), t_lin.bias.grad.numpy(), rtol=1e-4, atol=1e-4)
    nb = nn.Linear(6, 3, bias=False)
    np.testing.assert_allclose(np.array(nb(mx.array(x))), x @ np.array(nb.weight).T, rtol=1e-5, atol=1e-5)

    bil = nn.Bilinear(6, 4, 3)
    x2 = np.random.default_rng(1).standard_normal((4, 5, 4)).astype(np.float32)
    t_bil = torch.nn.Bilinear(6, 4, 3)
    with torch.no_grad():
        t_bil.weight.copy_(torch.tensor(np.array(bil.weight)).transpose(1, 2))
        t_bil.bias.copy_(torch.tensor(np.array(bil.bias)))
    np.testing.assert_allclose(
        np.array(bil(mx.array(x), mx.array(x2))),
        t_bil(torch.tensor(x), torch.tensor(x2)).detach().numpy(),
        rtol=1e-4, atol=1e-4,
    )
    assert repr(bil) == "Bilinear(input1_dims=6, input2_dims=4, output_dims=3, bias=True)"

    emb = nn.Embedding(10, 4)
    idx = mx.array([[1, 2], [9, 0]])
    np.testing.assert_array_equal(np.array(emb(idx)), np.array(emb.weight)[np.array(idx)])
    np.testing.assert_allclose(np.array(emb.as_linear(mx.ones((2, 4)))), np.ones((2, 4)) @ np.array(emb.weight).T, rtol=1e-5)
    assert repr(emb) == "Embedding(10, 4)"


def test_initial_distributions():
    lin = nn.Linear(1000, 100)
    bound = math.sqrt(1 / 1000)
    w = np.array(lin.weight)
    assert w.shape == (100, 1000) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(np.array(lin.bias)).max() <= bound
    e = np.array(nn.Embedding(1000, 100).weight)
    assert abs(e.std() - 0.1) < 0.005
    assert nn.Bilinear(100, 30, 4).weight.shape == (4, 30, 100)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"\[addmm\]"):
        nn.Linear(2, 3)(mx.ones((4, 5)))
    with pytest.raises(ValueError, match="Quantized activations are only supported"):
        nn.Linear(64, 8).to_quantized(quantize_input=True)
    with pytest.raises(ValueError, match="Quantized input is not supported."):
        nn.Embedding(4, 64).to_quantized(quantize_input=True)
    assert nn.Identity(1, a=2)(5) == 5
    assert nn.Sequential()(5) == 5


def test_value_and_grad_training_loop_memory_flat():
    model = nn.Sequential(nn.Linear(8, 16), nn.Linear(16, 1))
    x = mx.array(np.random.default_rng(0).standard_normal((32, 8)).astype(np.float32))
    y = x.sum(axis=1, keepdims=True)

    def loss_fn(a, b):
        return ((model(a) - b) ** 2).mean()

    step = nn.value_and_grad(model, loss_fn)
    losses = []
    baseline = None
    for i in range(2000):
        loss, grads = step(x, y)
        model.update(tree_map(lambda p, g: p - 0.01 * g, model.trainable_parameters(), grads))
        mx.eval(model.parameters(), loss)
        losses.append(loss.item())
        if i == 100:
            baseline = mx.get_active_memory()
    assert losses[-1] < 0.05 * losses[0]
    assert mx.get_active_memory() - baseline < 64 * 1024


def test_checkpoint_and_clip_grad_norm_sharded():
    from mlx.nn.utils import checkpoint, clip_grad_norm_sharded

    model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 1))
    x = mx.array(np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32))
    plain = nn.value_and_grad(model, lambda a: model(a).sum())(x)
    weights = model.parameters()
    ck = checkpoint(model)
    assert np.allclose(np.array(ck(x)), np.array(model(x)))
    assert model.parameters()["layers"][0]["weight"] is weights["layers"][0]["weight"]
    loss, grads = nn.value_and_grad(model, lambda a: ck(a).sum())(x)
    assert np.allclose(loss.item(), plain[0].item())
    for (k1, g1), (k2, g2) in zip(tree_flatten(grads), tree_flatten(plain[1])):
        assert k1 == k2 and np.allclose(np.array(g1), np.array(g2), atol=1e-6)
    # with a function and keyword arguments (as the reference)
    f = checkpoint(model, lambda a, scale=None: model(a).sum() * (1 if scale is None else scale))
    assert np.allclose(f(x, scale=2.0).item(), 2 * model(x).sum().item(), rtol=1e-6)

    g = {"a": mx.array([3.0, 4.0]), "b": [mx.array([[12.0]], dtype=mx.float16)]}
    clipped, norm = clip_grad_norm_sharded(g, 1.0)
    assert norm.item() == 13.0
    np.testing.assert_allclose(np.array(clipped["a"]), [3 / 13, 4 / 13], rtol=1e-5)
    assert clipped["b"][0].dtype == mx.float32  # as the reference: the float32 scale promotes
    unclipped, _ = clip_grad_norm_sharded(g, 100.0)
    assert unclipped["a"].tolist() == [3.0, 4.0]
