"""export_function / import_function round trips: the imported function must compute what the
traced one computes, for many kinds of ops, with constants, keyword inputs and shapeless traces."""
import numpy as np
import pytest

import mlx.core as mx


def assert_same(outs, expected):
    if isinstance(expected, mx.array):
        expected = [expected]
    assert isinstance(outs, tuple)
    assert len(outs) == len(expected)
    for o, e in zip(outs, expected):
        assert o.shape == e.shape and o.dtype == e.dtype
        np.testing.assert_allclose(np.array(o.astype(mx.float32) if o.dtype == mx.bfloat16 else o),
                                   np.array(e.astype(mx.float32) if e.dtype == mx.bfloat16 else e),
                                   rtol=1e-6, atol=1e-6)


def roundtrip(tmp_path, fun, *args, shapeless=False, **kwargs):
    path = str(tmp_path / "fun.mlxfn")
    mx.export_function(path, fun, *args, shapeless=shapeless, **kwargs)
    imported = mx.import_function(path)
    assert_same(imported(*args, **kwargs), fun(*args, **kwargs))
    return imported


rng = np.random.default_rng(0)


def rand(*shape, dtype=mx.float32):
    return mx.array(rng.standard_normal(shape).astype(np.float32)).astype(dtype)


CASES = {
    "elementwise": (lambda x, y: mx.maximum(x * 2 + 1, y) - mx.exp(x) / (1 + mx.abs(y)) + mx.sin(y) ** 2,
                    (rand(3, 4), rand(3, 4))),
    "compare_where": (lambda x, y: mx.where((x > y) & (x > 0), x, -y) + mx.logical_not(x < 0).astype(mx.float32),
                      (rand(5), rand(5))),
    "integer_ops": (lambda a, b: (a // b, a % b, a << 1, a ^ b, mx.divmod(a, b)[1]),
                    (mx.array([7, -9, 12, 5]), mx.array([2, 4, -5, 3]))),
    "casts_halfs": (lambda x: (x.astype(mx.float16) * 3, x.astype(mx.bfloat16) + 1, x.astype(mx.int32)),
                    (rand(6),)),
    "reductions": (lambda x: (x.sum(), x.mean(axis=0), x.max(axis=1), mx.argmax(x, axis=1), mx.logsumexp(x, axis=-1),
                              x.var(axis=0), mx.cumsum(x, axis=1), mx.prod(x, axis=1), mx.min(x)),
                   (rand(4, 5),)),
    "sort": (lambda x: (mx.sort(x, axis=-1), mx.argsort(x, axis=0), mx.partition(x, 2, axis=1), mx.topk(x, 2)),
             (rand(4, 6),)),
    "matmul": (lambda a, b, c: (a @ b, mx.addmm(c, a, b), mx.matmul(a[None], b[None])), (rand(3, 4), rand(4, 5), rand(3, 5))),
    "indexing": (lambda x, i: (x[i], mx.take(x, i, axis=1), x[1:3, ::2], x[..., -1], mx.take_along_axis(x, mx.argsort(x, axis=1), axis=1)),
                 (rand(4, 5), mx.array([3, 0, 2]))),
    "scatter": (lambda x, i, u: (x.at[i].add(u), x.at[i].multiply(2.0), mx.put_along_axis(x, mx.zeros((4, 1), mx.int32), mx.ones((4, 1)), axis=1)),
                (rand(4, 5), mx.array([1, 3]), rand(2, 5))),
    "layout": (lambda x: (x.reshape(2, 10), x.T, mx.broadcast_to(x[:, :1], (4, 5)), mx.concatenate([x, x], axis=0),
                          mx.pad(x, [(1, 0), (0, 2)], constant_values=3.0), mx.repeat(x, 2, axis=1), mx.stack([x, x]),
                          mx.split(x, 2, axis=0)[1], mx.swapaxes(x[None], 0, 2), mx.roll(x, 2, axis=1),
                          mx.flatten(x), mx.diagonal(x), mx.tile(x, (1, 2)), mx.pad(x, [(2, 2), (1, 1)], mode="edge")),
               (rand(4, 5),)),
    "conv": (lambda x, w1, w2: (mx.conv1d(x, w1, stride=2, padding=1), mx.conv2d(x[:, None], w2, padding=1)),
             (rand(2, 9, 3), rand(4, 3, 3), rand(5, 3, 3, 3))),
    "softmax_norms": (lambda x, w, b: (mx.softmax(x, axis=-1), mx.fast.rms_norm(x, w, 1e-5), mx.fast.layer_norm(x, w, b, 1e-5),
                                       mx.fast.layer_norm(x, None, None, 1e-4)),
                      (rand(3, 8), rand(8), rand(8))),
    "rope_sdpa": (lambda q, k, v: (mx.fast.rope(q, 8, traditional=False, base=10000.0, scale=1.0, offset=3),
                                   mx.fast.scaled_dot_product_attention(q, k, v, scale=0.3, mask="causal"),
                                   mx.fast.scaled_dot_product_attention(q, k, v, scale=0.3, mask=mx.zeros((1, 1, 5, 5)))),
                  (rand(1, 2, 5, 8), rand(1, 2, 5, 8), rand(1, 2, 5, 8))),
    "unary_math": (lambda x: (mx.tanh(x), mx.sigmoid(x), mx.log1p(mx.abs(x)), mx.erf(x), mx.arctan2(x, x + 2), mx.floor(x * 3),
                              mx.logaddexp(x, -x), mx.sqrt(mx.abs(x)), mx.isnan(x / x)), (rand(7),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_roundtrip_ops(tmp_path, name):
    fun, args = CASES[name]
    roundtrip(tmp_path, fun, *args)


def test_quantized_matmul(tmp_path):
    w = rand(32, 64)
    wq, scales, biases = mx.quantize(w, group_size=32, bits=4)
    x = rand(3, 64)
    # As inputs and as captured constants.
    roundtrip(tmp_path, lambda x, wq, s, b: mx.quantized_matmul(x, wq, s, b, transpose=True, group_size=32, bits=4),
              x, wq, scales, biases)
    roundtrip(tmp_path, lambda x: mx.quantized_matmul(x, wq, scales, biases, group_size=32, bits=4), x)
    roundtrip(tmp_path, lambda x: mx.dequantize(wq, scales, biases, group_size=32, bits=4) * x[0, :1], x)


def test_random_with_key(tmp_path):
    fun = lambda key, x: (mx.random.normal((3, 4), key=key) + x, mx.random.uniform(shape=(5,), key=key),
                          mx.random.randint(0, 10, (4,), key=key), mx.random.bernoulli(0.3, (6,), key=key))
    g = roundtrip(tmp_path, fun, mx.random.key(1), mx.zeros((3, 4)))
    # Another key gives other numbers, as the traced function would.
    assert_same(g(mx.random.key(7), mx.zeros((3, 4))), fun(mx.random.key(7), mx.zeros((3, 4))))


def test_constants_are_captured(tmp_path):
    w = rand(4, 4)
    b = mx.arange(4).astype(mx.float32)
    lazy = mx.ones((4,)) * 3  # unevaluated when traced
    path = str(tmp_path / "c.mlxfn")
    mx.export_function(path, lambda x: x @ w + b + lazy, rand(2, 4))
    expected = lambda x: x @ w + b + lazy
    x = rand(2, 4)
    want = expected(x)
    del w, b, lazy  # the file holds the values
    assert_same(mx.import_function(path)(x), want)


def test_kwargs_and_call_forms(tmp_path):
    fun = lambda x, y, *, scale: (x * scale + y, x - y)
    x, y, s = rand(3), rand(3), mx.array(2.0)
    path = str(tmp_path / "kw.mlxfn")
    mx.export_function(path, fun, x, y, scale=s)
    g = mx.import_function(path)
    want = fun(x, y, scale=s)
    assert_same(g(x, y, scale=s), want)
    assert_same(g((x, y), {"scale": s}), want)
    assert_same(g([x, y], {"scale": s}), want)
    # The same export through a tuple and a dict.
    mx.export_function(path, fun, (x, y), {"scale": s})
    assert_same(mx.import_function(path)(x, y, scale=s), want)


def test_outputs_forms(tmp_path):
    x = rand(3)
    g = roundtrip(tmp_path, lambda x: x * 2, x)
    assert isinstance(g(x), tuple) and len(g(x)) == 1
    roundtrip(tmp_path, lambda x: [x, x + 1], x)
    roundtrip(tmp_path, lambda x: x, x)  # an input returned as it is
    roundtrip(tmp_path, lambda x: (x, mx.array([1.0, 2.0])), x)  # an output that is a constant
    roundtrip(tmp_path, lambda: mx.arange(3))  # no inputs at all


def test_metadata(tmp_path):
    path = str(tmp_path / "m.mlxfn")
    mx.export_function(path, lambda x: x + 1, rand(2), metadata='{"layers": 2}')
    fn, meta = mx.import_function(path, return_metadata=True)
    assert meta == '{"layers": 2}'
    assert_same(fn(mx.ones(2)), mx.ones(2) + 1)
    mx.export_function(path, lambda x: x + 1, rand(2))
    assert mx.import_function(path, return_metadata=True)[1] == ""


def test_transforms_of_imported_function(tmp_path):
    path = str(tmp_path / "t.mlxfn")
    f = lambda x: mx.sin(x) * x
    mx.export_function(path, f, rand(4))
    g = mx.import_function(path)
    x = rand(4)
    np.testing.assert_allclose(mx.grad(lambda a: g(a)[0].sum())(x), mx.grad(lambda a: f(a).sum())(x), rtol=1e-6)
    np.testing.assert_allclose(mx.vmap(lambda a: g(a)[0])(rand(3, 4) * 0 + x), mx.broadcast_to(f(x), (3, 4)), rtol=1e-6)


def test_custom_function_exports_forward(tmp_path):
    @mx.custom_function
    def f(x):
        return mx.exp(x) * 2

    @f.vjp
    def f_vjp(primals, cotangent, output):
        return cotangent

    roundtrip(tmp_path, lambda x: f(x) + 1, rand(3))


# ---- shapeless -----------------------------------------------------------------------------


def test_shapeless_elementwise_and_broadcast(tmp_path):
    path = str(tmp_path / "s.mlxfn")
    fun = lambda a, b: mx.maximum(a * 2 + 1, 0) + b
    mx.export_function(path, fun, rand(2, 3), rand(3), shapeless=True)
    g = mx.import_function(path)
    for sa, sb in [((2, 3), (3,)), ((4, 5), (5,)), ((1, 7), (7,)), ((6, 2), (1,))]:
        a, b = rand(*sa), rand(*sb)
        assert_same(g(a, b), fun(a, b))


def test_shapeless_reductions_matmul_softmax(tmp_path):
    cases = [
        (lambda a: a.sum(axis=1), (rand(2, 3),), [(rand(4, 5),)]),
        (lambda a, b: a @ b, (rand(2, 3), rand(3, 4)), [(rand(5, 6), rand(6, 7))]),
        (lambda a: mx.softmax(a, axis=-1) * mx.exp(a), (rand(2, 3),), [(rand(3, 9),)]),
        (lambda a: mx.fast.rms_norm(a, None, 1e-5), (rand(2, 8),), [(rand(5, 16),)]),
    ]
    for i, (fun, example, others) in enumerate(cases):
        path = str(tmp_path / f"s{i}.mlxfn")
        mx.export_function(path, fun, *example, shapeless=True)
        g = mx.import_function(path)
        for args in others:
            assert_same(g(*args), fun(*args))


def test_shapeless_still_checks_ndim_and_dtype(tmp_path):
    path = str(tmp_path / "s.mlxfn")
    mx.export_function(path, lambda a: mx.exp(a), rand(3), shapeless=True)
    g = mx.import_function(path)
    a = rand(9)
    assert_same(g(a), mx.exp(a))
    with pytest.raises(ValueError, match="No imported function found"):
        g(rand(2, 2))
    with pytest.raises(ValueError, match="No imported function found"):
        g(mx.ones((3,), dtype=mx.float16))


def test_fixed_shapes_not_shapeless(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda a: a * 2, rand(3))
    with pytest.raises(ValueError, match="No imported function found"):
        mx.import_function(path)(rand(4))


def test_shapeless_reshapes(tmp_path):
    # Reshapes that merge, split or squeeze dims follow the new shapes (as reshape(-1) does).
    flat = lambda a: a.reshape(-1)
    split = lambda a: a.reshape(a.shape[0], -1, 2).swapaxes(1, 2)
    cases = [
        (flat, flat, (2, 3), (4, 5)),
        (lambda a: a.reshape(6), flat, (2, 3), (3, 3)),
        (lambda a: a.reshape(2, 3, 4).sum(axis=-1), lambda a: a.reshape(a.shape[0], -1, 4).sum(axis=-1), (2, 12), (5, 12)),
        (lambda a: a[:, None, :].squeeze(1).T, lambda a: a.T, (2, 3), (4, 7)),
        (split, split, (3, 8), (5, 8)),
    ]
    for i, (fun, expected, shape, other) in enumerate(cases):
        path = str(tmp_path / f"r{i}.mlxfn")
        mx.export_function(path, fun, rand(*shape), shapeless=True)
        x = rand(*other)
        assert_same(mx.import_function(path)(x), expected(x))
    # A reshape that mixes dims keeps its traced shape, which cannot hold other sizes.
    path = str(tmp_path / "fixed.mlxfn")
    mx.export_function(path, lambda a: a.reshape(3, 2), rand(2, 3), shapeless=True)
    with pytest.raises(ValueError):
        mx.eval(mx.import_function(path)(rand(3, 3)))


MORE_CASES = {
    "scans_views": (lambda x: (mx.cumprod(x, axis=0), mx.cummax(x, axis=1, reverse=True), mx.logcumsumexp(x, axis=1),
                               x.view(mx.int32), mx.as_strided(x, (3, 2), (1, 2), 1), mx.contiguous(x.T)),
                    (rand(4, 5),)),
    "linalg_random": (lambda x, key: (mx.linalg.norm(x, ord=2), mx.random.categorical(x, key=key),
                                      mx.random.gumbel((3,), key=key), mx.random.truncated_normal(-1, 1, (4,), key=key),
                                      mx.random.multivariate_normal(mx.zeros((2,)), mx.eye(2), (3,), key=key)),
                      (rand(3, 4), mx.random.key(3))),
    "gathers": (lambda a, b, w: (mx.gather_mm(a, b, mx.array([0, 1, 1]), mx.array([1, 0, 1])),
                                 mx.quantize(w, group_size=32, bits=8)[0]),
                (rand(2, 3, 4), rand(2, 4, 5), rand(8, 64))),
    "gradients": (lambda x, w, k: mx.grad(lambda x, w, k: (mx.conv1d(x, w, padding=1) ** 2).sum() + mx.sort(k, axis=-1)[..., 0].sum()
                                          + mx.as_strided(k, (2, 2), (1, 1)).sum() + (k[mx.array([0, 2])] ** 2).sum(),
                                          argnums=(0, 1, 2))(x, w, k),
                  (rand(2, 6, 3), rand(4, 3, 3), rand(3, 4))),
}


@pytest.mark.parametrize("name", sorted(MORE_CASES))
def test_roundtrip_more_ops(tmp_path, name):
    fun, args = MORE_CASES[name]
    roundtrip(tmp_path, fun, *args)


def test_gather_qmm_roundtrip(tmp_path):
    w = rand(3, 32, 64)
    wq, scales, biases = mx.quantize(w, group_size=32, bits=4)
    fun = lambda x, i: mx.gather_qmm(x, wq, scales, biases, rhs_indices=i, transpose=True, group_size=32, bits=4)
    roundtrip(tmp_path, fun, rand(2, 1, 64), mx.array([2, 0], dtype=mx.uint32))


def test_shapeless_mean_var_count_new_shapes(tmp_path):
    # The counts that mean and var divide by are taken from the shapes the import runs on.
    fun = lambda a: (a.mean(axis=-1), a.var(axis=0, ddof=1), mx.mean(a), a.std(axis=-1, keepdims=True))
    path = str(tmp_path / "m.mlxfn")
    mx.export_function(path, fun, rand(2, 3), shapeless=True)
    x = rand(4, 7)
    assert_same(mx.import_function(path)(x), fun(x))
    # The counts' vmap rule: an imported shapeless function mapped over rows and columns.
    path = str(tmp_path / "v.mlxfn")
    mx.export_function(path, lambda r: (r.mean(), r.var(ddof=1)), rand(3), shapeless=True)
    g = mx.import_function(path)
    rows, cols = mx.vmap(lambda r: g(r))(x), mx.vmap(lambda c: g(c), in_axes=1)(x)
    np.testing.assert_allclose(rows[0], np.array(x).mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(cols[1], np.array(x).var(axis=0, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(mx.grad(lambda v: g(v)[0] * 2)(mx.ones(6)), np.full(6, 2 / 6), rtol=1e-6)


def test_shapeless_slice_of_a_changed_shape_raises(tmp_path):
    path = str(tmp_path / "s.mlxfn")
    mx.export_function(path, lambda x, y: (x[:, 1:] * 2, y), rand(2, 3), rand(2), shapeless=True)
    g = mx.import_function(path)
    x, y = rand(2, 3), rand(5)
    assert_same(g(x, y), (x[:, 1:] * 2, y))  # the sliced input kept its shape
    with pytest.raises(ValueError, match="cannot infer output shapes"):
        g(rand(4, 5), rand(2))


def test_imported_function_called_twice_and_exported_again(tmp_path):
    # The graphs of several calls share the imported primitives; they evaluate independently,
    # differentiate, and export again.
    path = str(tmp_path / "two.mlxfn")
    fun = lambda a: (mx.exp(a) * 2, *mx.divmod(a, 2.0))
    x = mx.array([1.0, 3.0])
    mx.export_function(path, fun, x)
    g = mx.import_function(path)
    a, b = g(x), g(x + 1)
    assert_same(a, fun(x))
    assert_same(b, fun(x + 1))
    np.testing.assert_allclose(mx.grad(lambda v: (g(v)[0] + g(v * 3)[0]).sum())(x),
                               2 * mx.exp(x) + 6 * mx.exp(3 * x), rtol=1e-5)
    nested = str(tmp_path / "nested.mlxfn")
    mx.export_function(nested, lambda v: g(v)[0] + g(v * 2)[0], x)
    assert_same(mx.import_function(nested)(x), mx.exp(x) * 2 + mx.exp(2 * x) * 2)
