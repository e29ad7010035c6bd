"""mlx.nn.layers.distributed and mlx.nn.utils.average_gradients.

On one process (the real group) the sharded layers must be the layers they came from:
same parameter keys, shapes and values, same outputs and gradients, the reference's reprs
and errors. The slicing rules for larger groups are checked with a stand-in group object
(rank/size only) and, where a layer communicates, with the collectives replaced by what
a two-process run computes; the expected slices are those the reference produced when run
as two processes over its ring backend.
"""

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
from mlx.nn.layers import distributed as D
from mlx.nn.utils import average_gradients
from mlx.utils import tree_flatten


class FakeGroup:
    """A stand-in for rank `rank` of a group of `size` processes (only the shape of
    the group matters to the slicing code)."""

    def __init__(self, rank, size):
        self._rank, self._size = rank, size

    def rank(self):
        return self._rank

    def size(self):
        return self._size


def flat(tree):
    return [(k, v.shape, v.dtype) for k, v in tree_flatten(tree)]


def assert_same_tree(a, b):
    fa, fb = tree_flatten(a), tree_flatten(b)
    assert [k for k, _ in fa] == [k for k, _ in fb]
    for (k, x), (_, y) in zip(fa, fb):
        assert x.shape == y.shape and x.dtype == y.dtype, k
        np.testing.assert_allclose(np.array(x), np.array(y), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.fixture
def linear():
    mx.random.seed(3)
    return nn.Linear(8, 6)


def quantized_linear(real=False):
    """A quantized linear layer with a bias: nn.QuantizedLinear, or (real=False) one of the
    sharded layers on one process, which has the same parameters and attributes."""
    mx.random.seed(4)
    if real:
        if not hasattr(nn, "QuantizedLinear"):
            pytest.skip("nn.QuantizedLinear arrives with the quantized layers of issue 14")
        q = nn.QuantizedLinear(64, 32, group_size=32, bits=4)
    else:
        q = D.QuantizedAllToShardedLinear(64, 32, group_size=32, bits=4)
    q.bias = mx.random.normal((32,))
    return q


def quantized_reference(q, x):
    """x @ dequantized(q.weight).T + q.bias, computed without the layer."""
    w = mx.dequantize(q.weight, q.scales, q.get("biases"), group_size=q.group_size, bits=q.bits, mode=q.mode)
    return np.array(x) @ np.array(w).T + np.array(q.bias)


# ---- one process -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "sharding, cls", [("all-to-sharded", D.AllToShardedLinear), ("sharded-to-all", D.ShardedToAllLinear)]
)
def test_shard_linear_on_one_process_is_the_layer(linear, sharding, cls):
    m = D.shard_linear(linear, sharding)
    assert type(m) is cls
    assert repr(m) == f"{cls.__name__}(input_dims=8, output_dims=6, bias=True)"
    assert_same_tree(m.parameters(), linear.parameters())
    assert [k for k, _ in tree_flatten(m.trainable_parameters())] == ["weight", "bias"]
    assert list(m.keys()) == ["weight", "bias"]
    x = mx.random.normal((5, 8))
    np.testing.assert_allclose(np.array(m(x)), np.array(linear(x)), rtol=1e-5, atol=1e-6)
    # Gradients with respect to the input and the parameters are the linear layer's.
    gx = mx.grad(lambda x: (m(x) ** 2).sum())(x)
    gx_ref = mx.grad(lambda x: (linear(x) ** 2).sum())(x)
    np.testing.assert_allclose(np.array(gx), np.array(gx_ref), rtol=1e-5, atol=1e-5)
    _, gw = nn.value_and_grad(m, lambda x: (m(x) ** 2).sum())(x)
    _, gw_ref = nn.value_and_grad(linear, lambda x: (linear(x) ** 2).sum())(x)
    assert_same_tree(gw, gw_ref)
    # The original layer is left as it was.
    assert type(linear) is nn.Linear


@pytest.mark.parametrize("cls", [D.AllToShardedLinear, D.ShardedToAllLinear])
def test_sharded_linear_constructors(cls):
    m = cls(4, 6)
    assert flat(m.parameters()) == [("weight", (6, 4), mx.float32), ("bias", (6,), mx.float32)]
    assert repr(m) == f"{cls.__name__}(input_dims=4, output_dims=6, bias=True)"
    assert abs(np.array(m.weight)).max() <= 0.5  # uniform in +-1/sqrt(4)
    m = cls(4, 7, bias=False, group=mx.distributed.init())
    assert flat(m.parameters()) == [("weight", (7, 4), mx.float32)]
    assert repr(m).endswith("bias=False)")
    f = cls.from_linear(nn.Linear(4, 6, bias=False), segments=2)
    assert flat(f.parameters()) == [("weight", (6, 4), mx.float32)]


@pytest.mark.parametrize(
    "sharding, cls",
    [("all-to-sharded", D.QuantizedAllToShardedLinear), ("sharded-to-all", D.QuantizedShardedToAllLinear)],
)
@pytest.mark.parametrize("real", [False, True])
def test_shard_quantized_linear_on_one_process(sharding, cls, real):
    q = quantized_linear(real)
    m = D.shard_linear(q, sharding)
    assert type(m) is cls
    assert repr(m) == (
        f"{cls.__name__}(input_dims=64, output_dims=32, bias=True, group_size=32, bits=4, mode=affine)"
    )
    assert_same_tree(m.parameters(), q.parameters())
    assert tree_flatten(m.trainable_parameters()) == []
    m.unfreeze()
    assert tree_flatten(m.trainable_parameters()) == []
    x = mx.random.normal((3, 64))
    np.testing.assert_allclose(np.array(m(x)), np.array(q(x)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.array(m(x)), quantized_reference(q, x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cls", [D.QuantizedAllToShardedLinear, D.QuantizedShardedToAllLinear])
def test_quantized_sharded_constructors(cls):
    m = cls(128, 32, bits=8, group_size=32)
    assert flat(m.parameters()) == [
        ("weight", (32, 32), mx.uint32), ("scales", (32, 4), mx.float32),
        ("biases", (32, 4), mx.float32), ("bias", (32,), mx.float32),
    ]
    assert (m.group_size, m.bits, m.mode) == (32, 8, "affine")
    assert repr(m) == f"{cls.__name__}(input_dims=128, output_dims=32, bias=True, group_size=32, bits=8, mode=affine)"
    m = cls(64, 32, bias=False)
    assert flat(m.parameters()) == [
        ("weight", (32, 8), mx.uint32), ("scales", (32, 1), mx.float32), ("biases", (32, 1), mx.float32),
    ]
    m = cls(128, 32, group_size=32, mode="mxfp4")
    assert [k for k, _, _ in flat(m.parameters())] == ["weight", "scales", "bias"]
    assert m(mx.ones((2, 128))).shape == (2, 32)


def test_shard_linear_errors(linear):
    with pytest.raises(ValueError, match="foo"):
        D.shard_linear(linear, "foo")
    with pytest.raises(AttributeError):
        D.shard_linear(nn.ReLU(), "all-to-sharded")
    with pytest.raises(AttributeError):
        D.shard_linear(nn.Embedding(3, 4), "all-to-sharded")
    with pytest.raises(ValueError):
        D.shard_linear(linear, "all-to-sharded", segments=4)  # 6 rows do not split in 4
    with pytest.raises(ValueError, match="x"):
        D.shard_inplace(linear, "x")


@pytest.mark.parametrize(
    "sharding, segments",
    [("all-to-sharded", 1), ("all-to-sharded", 3), ("all-to-sharded", [2]), ("all-to-sharded", [1, 4]),
     ("sharded-to-all", 2), ("sharded-to-all", 4), ("sharded-to-all", [3, 5])],
)
def test_segments_on_one_process_keep_the_weight(linear, sharding, segments):
    assert_same_tree(D.shard_linear(linear, sharding, segments=segments).parameters(), linear.parameters())


def test_shard_inplace_on_one_process(linear):
    before = {k: np.array(v) for k, v in tree_flatten(linear.parameters())}
    D.shard_inplace(linear, "all-to-sharded")
    assert type(linear) is nn.Linear
    for k, v in tree_flatten(linear.parameters()):
        np.testing.assert_array_equal(np.array(v), before[k])
    seen = []
    model = nn.Sequential(nn.Linear(4, 6), nn.Linear(6, 2))
    D.shard_inplace(model, lambda path, w: seen.append((path, w.shape)))
    assert seen == [("layers.0.weight", (6, 4)), ("layers.0.bias", (6,)),
                    ("layers.1.weight", (2, 6)), ("layers.1.bias", (2,))]


def test_sum_gradients_on_one_process():
    f = D.sum_gradients(mx.distributed.init())
    x = mx.array([1.0, 2.0])
    assert f(x) is x
    np.testing.assert_allclose(np.array(mx.grad(lambda x: (f(x) * x).sum())(x)), [2.0, 4.0])
    with pytest.raises(AttributeError):
        D.sum_gradients(None)


def test_fully_shard_on_one_process():
    mx.random.seed(5)
    m = nn.Linear(4, 6)
    assert D.fully_shard(m) is m
    assert D.fully_shard(m, compute_dtype=mx.float16) is m
    fm = D.FullyShardedModule(nn.Linear(4, 6))
    assert repr(fm) == (
        "FullyShardedModule(num_sharded_params=2\n  (module): Linear(input_dims=4, output_dims=6, bias=True)\n)"
    )
    assert list(fm.keys()) == ["module"]
    assert flat(fm.parameters()) == [("module.weight", (6, 4), mx.float32), ("module.bias", (6,), mx.float32)]
    x = mx.random.normal((3, 4))
    np.testing.assert_allclose(np.array(fm(x)), np.array(fm.module(x)), rtol=1e-6)
    _, g = nn.value_and_grad(fm, lambda x: (fm(x) ** 2).sum())(x)
    _, g_ref = nn.value_and_grad(fm.module, lambda x: (fm.module(x) ** 2).sum())(x)
    assert_same_tree(g["module"], g_ref)
    half = D.FullyShardedModule(nn.Linear(4, 6), compute_dtype=mx.float16)
    assert half(x.astype(mx.float16)).dtype == mx.float16
    assert half.module.weight.dtype == mx.float32  # the stored parameters keep their dtype
    emb = D.FullyShardedModule(nn.Embedding(4, 6))
    assert emb.as_linear(mx.ones((1, 6))).shape == (1, 4)


def test_average_gradients_on_one_process():
    tree = {"a": mx.ones(2), "b": [mx.zeros((2, 2))]}
    assert average_gradients(tree) is tree
    assert average_gradients(tree, group=mx.distributed.init(), all_reduce_size=0) is tree


# ---- slicing for a larger group (stand-in groups) ---------------------------------------

def rows(a):
    return np.array(a)[:, 0].tolist()


def test_all_to_sharded_slices_the_outputs():
    w = mx.arange(6 * 4, dtype=mx.float32).reshape(6, 4)
    lin = nn.Linear(4, 6)
    lin.update({"weight": w, "bias": mx.arange(6, dtype=mx.float32)})
    expect = {1: {0: [0, 4, 8], 1: [12, 16, 20]},
              3: {0: [0, 8, 16], 1: [4, 12, 20]},
              (2,): {0: [0, 8, 12], 1: [4, 16, 20]}}
    for segments, by_rank in expect.items():
        seg = list(segments) if isinstance(segments, tuple) else segments
        for r in (0, 1):
            m = D.shard_linear(lin, "all-to-sharded", segments=seg, group=FakeGroup(r, 2))
            assert rows(m.weight) == by_rank[r]
            assert m.bias.tolist() == [v / 4 for v in by_rank[r]]
            assert repr(m) == "AllToShardedLinear(input_dims=4, output_dims=6, bias=True)"


def test_sharded_to_all_slices_the_inputs():
    lin = nn.Linear(4, 6)
    lin.update({"weight": mx.arange(24, dtype=mx.float32).reshape(6, 4)})
    for r in (0, 1):
        m = D.shard_linear(lin, "sharded-to-all", group=FakeGroup(r, 2))
        np.testing.assert_array_equal(np.array(m.weight), np.arange(24).reshape(6, 4)[:, 2 * r:2 * r + 2])
        assert m.bias.shape == (6,)  # the bias is added after the sum, whole
        assert repr(m) == "ShardedToAllLinear(input_dims=4, output_dims=6, bias=True)"


def test_sharded_layers_compose_to_the_full_layer(monkeypatch):
    # Two ranks' AllToSharded outputs concatenate to the full output; two ranks'
    # ShardedToAll partial products sum to it (all_sum replaced by the identity here, the
    # sum done by hand).
    monkeypatch.setattr(mx.distributed, "all_sum", lambda x, group=None, stream=None: x)
    mx.random.seed(6)
    lin = nn.Linear(8, 6)
    x = mx.random.normal((3, 8))
    full = np.array(lin(x))
    a = [D.shard_linear(lin, "all-to-sharded", group=FakeGroup(r, 2)) for r in (0, 1)]
    np.testing.assert_allclose(np.concatenate([np.array(m(x)) for m in a], axis=1), full, rtol=1e-5, atol=1e-6)
    s = [D.shard_linear(lin, "sharded-to-all", group=FakeGroup(r, 2)) for r in (0, 1)]
    parts = [np.array(m(x[:, 4 * r:4 * r + 4])) for r, m in enumerate(s)]
    np.testing.assert_allclose(parts[0] + parts[1] - np.array(lin.bias), full, rtol=1e-5, atol=1e-5)


def test_sum_gradients_sums_the_cotangent(monkeypatch):
    calls = []

    def fake_all_sum(x, group=None, stream=None):
        calls.append(group)
        return x * 2  # two processes with the same cotangent

    monkeypatch.setattr(mx.distributed, "all_sum", fake_all_sum)
    g2 = FakeGroup(0, 2)
    f = D.sum_gradients(g2)
    x = mx.array([1.0, 2.0])
    assert f(x).tolist() == [1.0, 2.0]
    assert mx.grad(lambda x: (f(x) * 3).sum())(x).tolist() == [6.0, 6.0]
    assert calls and calls[0] is g2


def test_sharded_constructors_check_divisibility():
    with pytest.raises(ValueError, match="Cannot shard the output of size 7 across 2 devices"):
        D.AllToShardedLinear(4, 7, group=FakeGroup(0, 2))
    with pytest.raises(ValueError, match="input of size 5 cannot be sharded across 2 devices"):
        D.ShardedToAllLinear(5, 6, group=FakeGroup(0, 2))
    with pytest.raises(ValueError):
        D.shard_linear(nn.Linear(4, 7), "all-to-sharded", group=FakeGroup(1, 2))
    m = D.AllToShardedLinear(4, 6, group=FakeGroup(1, 3))
    assert flat(m.parameters()) == [("weight", (2, 4), mx.float32), ("bias", (2,), mx.float32)]
    assert repr(m) == "AllToShardedLinear(input_dims=4, output_dims=6, bias=True)"
    m = D.ShardedToAllLinear(6, 4, group=FakeGroup(1, 3))
    assert flat(m.parameters()) == [("weight", (4, 2), mx.float32), ("bias", (4,), mx.float32)]
    assert repr(m) == "ShardedToAllLinear(input_dims=6, output_dims=4, bias=True)"


@pytest.mark.parametrize("real", [False, True])
def test_quantized_shards_for_two_processes(real, monkeypatch):
    q = quantized_linear(real)
    a = D.shard_linear(q, "all-to-sharded", group=FakeGroup(1, 2))
    assert flat(a.parameters()) == [
        ("weight", (16, 8), mx.uint32), ("scales", (16, 2), mx.float32),
        ("biases", (16, 2), mx.float32), ("bias", (16,), mx.float32),
    ]
    np.testing.assert_array_equal(np.array(a.weight), np.array(q.weight)[16:])
    s = D.shard_linear(q, "sharded-to-all", group=FakeGroup(1, 2))
    assert flat(s.parameters()) == [
        ("weight", (32, 4), mx.uint32), ("scales", (32, 1), mx.float32),
        ("biases", (32, 1), mx.float32), ("bias", (32,), mx.float32),
    ]
    np.testing.assert_array_equal(np.array(s.scales), np.array(q.scales)[:, 1:])
    for m in (a, s):
        assert repr(m).startswith(f"{type(m).__name__}(input_dims=64, output_dims=32, bias=True, group_size=32")
    # The two ranks' outputs make the full layer's: concatenated (outputs sharded) or
    # summed (inputs sharded; all_sum replaced by the identity, the sum done here).
    monkeypatch.setattr(mx.distributed, "all_sum", lambda x, group=None, stream=None: x)
    x = mx.random.normal((3, 64))
    full = quantized_reference(q, x)
    outs = [np.array(D.shard_linear(q, "all-to-sharded", group=FakeGroup(r, 2))(x)) for r in (0, 1)]
    np.testing.assert_allclose(np.concatenate(outs, axis=1), full, rtol=1e-4, atol=1e-4)
    parts = [np.array(D.shard_linear(q, "sharded-to-all", group=FakeGroup(r, 2))(x[:, 32 * r:32 * r + 32]))
             for r in (0, 1)]
    np.testing.assert_allclose(parts[0] + parts[1] - np.array(q.bias), full, rtol=1e-4, atol=1e-4)


class ExpertBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = mx.arange(4 * 6 * 8).reshape(4, 6, 8)
        self.bias = mx.arange(24).reshape(4, 6)
        self.scales = mx.arange(12).reshape(6, 2)
        self.biases = mx.arange(12).reshape(6, 2)
        self.other = mx.arange(6)


def test_shard_inplace_axes_for_two_processes():
    # Observed on the reference's two-process run: weights shard along -2 (outputs) or -1
    # (inputs); a "bias" along -1 or not at all; other 1-d arrays along -1.
    m = ExpertBlock()
    D.shard_inplace(m, "all-to-sharded", group=FakeGroup(1, 2))
    assert [(k, v.shape) for k, v in tree_flatten(m.parameters())] == [
        ("weight", (4, 3, 8)), ("bias", (4, 3)), ("scales", (3, 2)), ("biases", (3, 2)), ("other", (3,))]
    assert m.bias[0].tolist() == [3, 4, 5]
    assert m.weight[0, :, 0].tolist() == [24, 32, 40]
    m = ExpertBlock()
    D.shard_inplace(m, "sharded-to-all", group=FakeGroup(1, 2))
    assert [(k, v.shape) for k, v in tree_flatten(m.parameters())] == [
        ("weight", (4, 6, 4)), ("bias", (4, 6)), ("scales", (6, 1)), ("biases", (6, 1)), ("other", (3,))]
    assert m.scales[:, 0].tolist() == [1, 3, 5, 7, 9, 11]
    m = ExpertBlock()
    D.shard_inplace(m, lambda path, w: (0, 1) if w.ndim == 2 else None, group=FakeGroup(1, 2))
    assert m.bias.tolist() == [[12, 13, 14, 15, 16, 17], [18, 19, 20, 21, 22, 23]]
    assert m.other.shape == (6,) and m.weight.shape == (4, 6, 8)
    m = ExpertBlock()
    D.shard_inplace(m, lambda path, w: 0, segments=2, group=FakeGroup(1, 2))  # segments ignored
    assert m.weight[:, 0, 0].tolist() == [96, 144]
    with pytest.raises(ValueError):
        D.shard_inplace(ExpertBlock(), lambda path, w: (-1, [1]), group=FakeGroup(0, 2))


def test_fully_sharded_module_for_two_processes(monkeypatch):
    # all_gather of this rank's shard stands for both ranks holding the same shard; the
    # backward pass sums the cotangent blocks (sum_scatter of two processes with the same
    # cotangent gives twice this rank's block: here, each block is summed over the ranks).
    gathered = []

    def fake_all_gather(x, group=None, stream=None):
        gathered.append(x.shape)
        return mx.concatenate([x, x], axis=0)

    def fake_sum_scatter(x, group=None, stream=None):
        half = x.shape[0] // 2
        return x[:half] + x[half:]

    monkeypatch.setattr(mx.distributed, "all_gather", fake_all_gather)
    monkeypatch.setattr(mx.distributed, "sum_scatter", fake_sum_scatter)
    mx.random.seed(7)
    inner = nn.Linear(4, 6)
    w_full, b_full = np.array(inner.weight), np.array(inner.bias)
    fm = D.fully_shard(inner, group=FakeGroup(1, 2))
    assert type(fm) is D.FullyShardedModule
    assert flat(fm.parameters()) == [("module.weight", (3, 4), mx.float32), ("module.bias", (3,), mx.float32)]
    np.testing.assert_array_equal(np.array(fm.module.weight), w_full[3:])
    assert repr(fm) == "FullyShardedModule(num_sharded_params=2\n  (module): Linear(input_dims=4, output_dims=3, bias=True)\n)"
    x = mx.random.normal((2, 4))
    w2 = np.concatenate([w_full[3:]] * 2)
    b2 = np.concatenate([b_full[3:]] * 2)
    np.testing.assert_allclose(np.array(fm(x)), np.array(x) @ w2.T + b2, rtol=1e-5, atol=1e-6)
    assert sorted(gathered) == [(3,), (3, 4)]
    assert fm.module.weight.shape == (3, 4)  # the shards are back after the call
    _, g = nn.value_and_grad(fm, lambda x: fm(x).sum())(x)
    gw = np.ones((2, 6)).T @ np.array(x)  # d sum(x W^T + b) / dW for the gathered W
    np.testing.assert_allclose(np.array(g["module"]["weight"]), gw[:3] + gw[3:], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.array(g["module"]["bias"]), [4.0, 4.0, 4.0])
    with pytest.raises(ValueError, match=r"Cannot shard parameter 'weight' with shape \(5, 4\) across 2 devices"):
        D.FullyShardedModule(nn.Linear(4, 5), group=FakeGroup(0, 2))


def test_average_gradients_buckets(monkeypatch):
    calls = []

    def fake_all_sum(x, group=None, stream=None):
        calls.append((x.shape, x.dtype, stream))
        return x * 2  # two processes with the same gradients

    monkeypatch.setattr(mx.distributed, "all_sum", fake_all_sum)
    g2 = FakeGroup(0, 2)
    tree = {
        "a": mx.arange(12, dtype=mx.float32).reshape(3, 4),
        "b": [mx.ones(5, mx.float16), mx.arange(3)],
        "c": mx.full((2, 2), 3.0),
        "d": mx.zeros((0,)),
    }

    def check(out):
        assert [k for k, _ in tree_flatten(out)] == [k for k, _ in tree_flatten(tree)]
        for (k, x), (_, y) in zip(tree_flatten(tree), tree_flatten(out)):
            assert y.shape == x.shape, k
            assert y.dtype == (mx.float32 if x.dtype == mx.int32 else x.dtype), k
            np.testing.assert_array_equal(np.array(y.astype(mx.float32)), np.array(x.astype(mx.float32)))

    # One all_sum per dtype when everything fits (float32: a, c, d; float16: b0; int32: b1).
    check(average_gradients(tree, group=g2))
    assert sorted((s, str(d)) for s, d, _ in calls) == sorted(
        [((16,), "mlx.core.float32"), ((5,), "mlx.core.float16"), ((3,), "mlx.core.int32")])
    calls.clear()
    check(average_gradients(tree, group=g2, all_reduce_size=0, communication_stream=mx.cpu))
    assert len(calls) == 5 and all(s == mx.cpu for _, _, s in calls)
    calls.clear()
    check(average_gradients(tree, group=g2, all_reduce_size=48))  # a alone fills 48 bytes
    assert sorted(s for s, _, _ in calls) == [(3,), (3, 4), (4,), (5,)]


def test_all_to_sharded_sums_the_input_gradient(monkeypatch):
    # The input is replicated and every rank's output slice depends on it: its gradient is
    # the sum over the ranks (all_sum stands for two ranks with the same cotangent here).
    monkeypatch.setattr(mx.distributed, "all_sum", lambda x, group=None, stream=None: x * 2)
    mx.random.seed(8)
    lin = D.shard_linear(nn.Linear(8, 6), "all-to-sharded", group=FakeGroup(1, 2))
    x = mx.random.normal((3, 8))
    g = mx.grad(lambda v: lin(v).sum())(x)
    np.testing.assert_allclose(np.array(g), 2 * np.ones((3, 3)) @ np.array(lin.weight), rtol=1e-5, atol=1e-5)
    q = D.QuantizedAllToShardedLinear(64, 32, group_size=32, group=FakeGroup(0, 2))
    x = mx.random.normal((3, 64))
    g = mx.grad(lambda v: q(v).sum())(x)
    w = mx.dequantize(q.weight, q.scales, q.biases, group_size=32, bits=4)
    np.testing.assert_allclose(np.array(g), 2 * np.ones((3, 16)) @ np.array(w), rtol=1e-4, atol=1e-4)
