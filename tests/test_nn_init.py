"""mlx.nn.init: shapes, dtypes, the distributions' statistics (against the formulas and
against torch.nn.init's samples), orthogonality, sparsity, errors."""

import inspect
import math

import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn

torch = pytest.importorskip("torch")
init = nn.init


def _np(a):
    return np.array(a.astype(mx.float32)).astype(np.float64)


def test_constant():
    out = init.constant(0.5)(mx.zeros((3, 4)))
    assert out.dtype == mx.float32 and out.shape == (3, 4)
    assert np.all(_np(out) == 0.5)
    out = init.constant(2, dtype=mx.float16)(mx.zeros((2, 2), dtype=mx.int32))
    assert out.dtype == mx.float16 and np.all(_np(out) == 2)
    # The array's dtype never matters: the initializer's does.
    assert init.constant(7, dtype=mx.int32)(mx.zeros((5,))).tolist() == [7] * 5


def test_normal_and_uniform_statistics():
    mx.random.seed(0)
    n = (400, 500)
    w = _np(init.normal(mean=2.0, std=3.0)(mx.zeros(n)))
    assert w.shape == n
    assert abs(w.mean() - 2.0) < 0.03 and abs(w.std() - 3.0) < 0.03
    w = init.normal(dtype=mx.bfloat16)(mx.zeros((10, 10), dtype=mx.float16))
    assert w.dtype == mx.bfloat16
    assert init.normal()(mx.zeros((2,), dtype=mx.int32)).dtype == mx.float32
    w = _np(init.uniform(low=-2.0, high=3.0)(mx.zeros(n)))
    assert w.min() >= -2.0 and w.max() < 3.0
    assert abs(w.mean() - 0.5) < 0.02 and abs(w.std() - 5 / math.sqrt(12)) < 0.02
    u = init.uniform()(mx.zeros((1000,)))
    assert float(u.min()) >= 0 and float(u.max()) < 1 and u.dtype == mx.float32
    assert init.uniform(dtype=mx.float16)(mx.zeros((3,))).dtype == mx.float16


def test_seed_reproducibility():
    for make in (init.normal(), init.uniform(), init.glorot_normal(), init.he_uniform(),
                 init.orthogonal(), init.sparse(0.5)):
        mx.random.seed(42)
        a = make(mx.zeros((6, 4)))
        mx.random.seed(42)
        b = make(mx.zeros((6, 4)))
        c = make(mx.zeros((6, 4)))
        assert np.array_equal(np.array(a), np.array(b))
        assert not np.array_equal(np.array(a), np.array(c))


def test_identity():
    out = init.identity()(mx.zeros((3, 3)))
    assert out.dtype == mx.float32 and np.array_equal(np.array(out), np.eye(3))
    assert init.identity(dtype=mx.float16)(mx.zeros((2, 2))).dtype == mx.float16
    for shape in ((3, 4), (3,), (2, 3, 3), ()):
        with pytest.raises(ValueError):
            init.identity()(mx.zeros(shape))


# shape in MLX's layout (out, *kernel, in) -> the same weight in torch's (out, in, *kernel)
SHAPES = [(300, 200), (64, 3, 3, 32), (50, 7, 20)]


def _torch_shape(shape):
    return (shape[0], shape[-1], *shape[1:-1])


def _fans(shape):
    receptive = math.prod(shape[1:-1])
    return shape[-1] * receptive, shape[0] * receptive


@pytest.mark.parametrize("shape", SHAPES)
def test_glorot(shape):
    mx.random.seed(1)
    fan_in, fan_out = _fans(shape)
    for gain in (1.0, 0.5):
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        w = _np(init.glorot_normal()(mx.zeros(shape), gain=gain) if gain != 1.0
                else init.glorot_normal()(mx.zeros(shape)))
        t = torch.nn.init.xavier_normal_(torch.empty(_torch_shape(shape)), gain=gain)
        assert w.shape == shape
        assert abs(w.std() / std - 1) < 0.03 and abs(w.mean()) < 3 * std / math.sqrt(w.size)
        assert abs(w.std() / t.std().item() - 1) < 0.05

        limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
        w = _np(init.glorot_uniform()(mx.zeros(shape), gain))
        t = torch.nn.init.xavier_uniform_(torch.empty(_torch_shape(shape)), gain=gain)
        assert w.min() >= -limit and w.max() <= limit
        assert w.max() > 0.98 * limit and w.min() < -0.98 * limit
        assert abs(w.std() / (limit / math.sqrt(3)) - 1) < 0.03
        assert abs(w.std() / t.std().item() - 1) < 0.05


@pytest.mark.parametrize("shape", SHAPES)
def test_he(shape):
    mx.random.seed(2)
    fan_in, fan_out = _fans(shape)
    for mode, fan in (("fan_in", fan_in), ("fan_out", fan_out)):
        for gain in (1.0, 2.0):
            w = _np(init.he_normal()(mx.zeros(shape), mode=mode, gain=gain))
            t = torch.nn.init.kaiming_normal_(torch.empty(_torch_shape(shape)), mode=mode,
                                              nonlinearity="linear") * gain
            assert abs(w.std() / (gain / math.sqrt(fan)) - 1) < 0.03
            assert abs(w.std() / t.std().item() - 1) < 0.05
            limit = gain * math.sqrt(3.0 / fan)
            w = _np(init.he_uniform()(mx.zeros(shape), mode, gain))
            t = torch.nn.init.kaiming_uniform_(torch.empty(_torch_shape(shape)), mode=mode,
                                               nonlinearity="linear") * gain
            assert w.min() >= -limit and w.max() <= limit and w.max() > 0.98 * limit
            assert abs(w.std() / t.std().item() - 1) < 0.05
    # The default mode is fan_in.
    w = _np(init.he_normal()(mx.zeros(shape)))
    assert abs(w.std() * math.sqrt(fan_in) - 1) < 0.03


def test_fan_errors_and_dtypes():
    for make in (init.glorot_normal, init.glorot_uniform, init.he_normal, init.he_uniform):
        for shape in ((5,), ()):
            with pytest.raises(ValueError):
                make()(mx.zeros(shape))
        assert make(dtype=mx.float16)(mx.zeros((4, 3))).dtype == mx.float16
        assert make()(mx.zeros((4, 3), dtype=mx.bfloat16)).dtype == mx.float32
    for make in (init.he_normal, init.he_uniform):
        with pytest.raises(ValueError):
            make()(mx.zeros((4, 3)), mode="fan_avg")


def test_initializer_signatures():
    assert list(inspect.signature(init.glorot_normal()).parameters) == ["a", "gain"]
    assert list(inspect.signature(init.he_uniform()).parameters) == ["a", "mode", "gain"]
    assert inspect.signature(init.he_normal()).parameters["mode"].default == "fan_in"
    for make in (init.constant(1.0), init.normal(), init.uniform(), init.orthogonal(),
                 init.sparse(0.1)):
        assert list(inspect.signature(make).parameters) == ["a"]
    assert list(inspect.signature(init.identity()).parameters) == ["arr"]


@pytest.mark.parametrize("shape", [(5, 5), (3, 8), (8, 3), (64, 64), (1, 6)])
def test_orthogonal(shape):
    rows, cols = shape
    for gain in (1.0, 2.5):
        w = _np(init.orthogonal(gain=gain)(mx.zeros(shape)))
        assert w.shape == shape
        gram = w @ w.T if rows <= cols else w.T @ w
        np.testing.assert_allclose(gram, gain**2 * np.eye(min(shape)), atol=2e-5 * gain**2)
    w = init.orthogonal(dtype=mx.float16)(mx.zeros(shape))
    assert w.dtype == mx.float16


def test_orthogonal_is_uniformly_distributed():
    # Haar-distributed orthogonal matrices: the entries have mean 0 and variance 1 / n, and
    # the sign of R's diagonal is fixed, so no bias towards the identity. Compared with
    # torch.nn.init.orthogonal_'s samples.
    mx.random.seed(3)
    n, reps = 16, 200
    ours = np.stack([_np(init.orthogonal()(mx.zeros((n, n)))) for _ in range(reps)])
    torch.manual_seed(3)
    theirs = np.stack([torch.nn.init.orthogonal_(torch.empty(n, n)).numpy()
                       for _ in range(reps)])
    assert abs(ours.mean()) < 0.01 and abs(ours.var() * n - 1) < 0.02
    # The mean diagonal entry is 0 for Haar matrices; 1 / n-ish bias would show up here.
    assert abs(np.einsum("rii->", ours) / (reps * n)) < 0.03
    assert abs(np.einsum("rii->", theirs) / (reps * n)) < 0.03
    assert abs(ours.std() - theirs.std()) < 0.01


def test_orthogonal_errors():
    for shape in ((4,), (2, 3, 4), ()):
        with pytest.raises(ValueError):
            init.orthogonal()(mx.zeros(shape))


def test_sparse():
    mx.random.seed(4)
    shape = (2000, 100)
    for sparsity in (0.1, 0.5, 0.9):
        w = _np(init.sparse(sparsity)(mx.zeros(shape)))
        zeros = (w == 0).mean()
        assert abs(zeros - sparsity) < 0.01
        # Every column is sparse, not just the matrix as a whole.
        per_column = (w == 0).mean(axis=0)
        assert np.all(np.abs(per_column - sparsity) < 0.06)
        nonzero = w[w != 0]
        assert abs(nonzero.mean()) < 0.03 and abs(nonzero.std() - 1) < 0.03
    w = _np(init.sparse(0.3, mean=5.0, std=0.1)(mx.zeros(shape)))
    nonzero = w[w != 0]
    assert abs(nonzero.mean() - 5.0) < 0.01 and abs(nonzero.std() - 0.1) < 0.005
    assert np.all(_np(init.sparse(0.0)(mx.zeros((50, 7)))) != 0)
    assert np.all(_np(init.sparse(1.0)(mx.zeros((50, 7)))) == 0)
    out = init.sparse(0.5, dtype=mx.bfloat16)(mx.zeros((4, 4)))
    assert out.dtype == mx.bfloat16 and out.shape == (4, 4)
    for shape in ((4,), (2, 3, 4)):
        with pytest.raises(ValueError):
            init.sparse(0.5)(mx.zeros(shape))


def test_every_name_exists():
    names = ("Callable Literal constant glorot_normal glorot_uniform he_normal he_uniform "
             "identity normal orthogonal sparse uniform").split()
    for name in names:
        assert hasattr(init, name), name


def test_use_on_a_layer():
    layer = nn.Linear(16, 8)
    layer.weight = init.orthogonal()(layer.weight)
    layer.bias = init.constant(0.1)(layer.bias)
    np.testing.assert_allclose(_np(layer.weight @ layer.weight.T), np.eye(8), atol=2e-5)
    assert layer(mx.zeros((2, 16))).tolist() == [[pytest.approx(0.1)] * 8] * 2
