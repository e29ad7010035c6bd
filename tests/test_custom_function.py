"""mx.custom_function (user vjp/jvp/vmap rules) and mx.checkpoint, against the reference's
behaviour (argument conventions read from it) and finite differences."""
import gc

import numpy as np
import pytest

import mlx.core as mx


def fd_grad(f, x, eps=1e-3):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def test_custom_vjp_replaces_the_gradient():
    @mx.custom_function
    def f(x, y):
        return mx.sin(x) * y

    calls = []

    @f.vjp
    def f_vjp(primals, cotangent, output):
        calls.append((type(primals), len(primals)))
        x, y = primals
        assert np.allclose(np.array(output), np.sin(1.0) * 2.0)
        return cotangent * 10, cotangent * 20

    gx, gy = mx.grad(f, argnums=(0, 1))(mx.array(1.0), mx.array(2.0))
    assert (gx.item(), gy.item()) == (10.0, 20.0)
    assert calls == [(tuple, 2)]
    # Called directly, it is the function.
    assert np.isclose(f(mx.array(1.0), mx.array(2.0)).item(), np.sin(1.0) * 2)


def test_decorators_return_a_custom_function_and_set_the_rule():
    @mx.custom_function
    def f(x):
        return x * 2

    r = f.vjp(lambda p, c, o: c * 5)
    assert isinstance(r, mx.custom_function) and r is not f
    assert mx.grad(f)(mx.array(1.0)).item() == 5.0
    assert mx.grad(r)(mx.array(1.0)).item() == 5.0


def test_tree_arguments_outputs_and_kwargs():
    @mx.custom_function
    def g(d, scale=1.0):
        return {"a": d["x"] * 2 * scale, "b": d["x"] * 3 * scale}

    seen = {}

    @g.vjp
    def gv(primals, cot, out, **kw):
        seen.update(kw)
        assert set(cot) == {"a", "b"} and set(out) == {"a", "b"}
        return ({"x": cot["a"] * 2 + cot["b"] * 3},)

    loss = lambda d: mx.sum(g(d, scale=4.0)["a"] + g(d, scale=4.0)["b"])
    grad = mx.grad(loss)({"x": mx.array([1.0, 2.0])})
    assert grad["x"].tolist() == [5.0, 5.0]   # "a" of one call (2) plus "b" of the other (3)
    assert seen == {"scale": 4.0}


def test_missing_cotangents_are_zeros_and_multiple_outputs():
    @mx.custom_function
    def m(x, y):
        return x * y, x + y

    @m.vjp
    def mv(primals, cot, out):
        assert isinstance(cot, tuple) and cot[1].item() == 0.0
        return cot[0] * 3

    gx, gy = mx.grad(lambda x, y: m(x, y)[0].sum(), argnums=(0, 1))(mx.array(1.0), mx.array(2.0))
    assert (gx.item(), gy.item()) == (3.0, 0.0)


def test_custom_jvp_and_vmap():
    @mx.custom_function
    def h(x):
        return x * x

    @h.jvp
    def hj(primals, tangents):
        return 10 * tangents

    @h.vmap
    def hv(inputs, axes):
        return inputs * 100, axes

    out, tan = mx.jvp(h, [mx.array(3.0)], [mx.array(1.0)])
    assert out[0].item() == 9.0 and tan[0].item() == 10.0
    assert mx.vmap(h)(mx.array([1.0, 2.0])).tolist() == [100.0, 200.0]

    @mx.custom_function
    def h2(x, y):
        return x * y

    @h2.vmap
    def h2v(inputs, axes):
        assert axes == (0, None)
        return inputs[0] * inputs[1] * 100, axes[0]

    assert mx.vmap(h2, in_axes=(0, None))(mx.array([1.0, 2.0]), mx.array(3.0)).tolist() == [300.0, 600.0]


def test_without_rules_the_transforms_of_the_function_apply():
    @mx.custom_function
    def n(x):
        return mx.sin(x) * x

    x = mx.array([0.3, -1.2, 2.0])
    xn = np.array(x, dtype=np.float64)
    g = mx.grad(lambda v: n(v).sum())(x)
    assert np.allclose(np.array(g), np.cos(xn) * xn + np.sin(xn), atol=1e-5)
    _, t = mx.jvp(n, [x], [mx.ones_like(x)])
    assert np.allclose(np.array(t[0]), np.cos(xn) * xn + np.sin(xn), atol=1e-5)
    assert np.allclose(np.array(mx.vmap(n)(x)), np.sin(xn) * xn, atol=1e-6)


def test_captured_arrays_are_constants():
    def g(x, y):
        @mx.custom_function
        def f(x):
            return x * y

        @f.vjp
        def f_vjp(x, dx, fx):
            raise ValueError("Abort!")

        return f(x)

    x, y = mx.array(2.0), mx.array(3.0)
    assert g(x, y).item() == 6.0
    with pytest.raises(ValueError, match="Abort"):
        mx.grad(g)(x, y)
    assert mx.grad(g, argnums=1)(x, y).item() == 0.0


def test_non_array_leaves_pass_through():
    @mx.custom_function
    def f(x, k):
        return [x * k, k]

    out = f(mx.array(2.0), 3)
    assert out[0].item() == 6.0 and out[1] == 3
    assert mx.grad(lambda v: f(v, 3)[0])(mx.array(1.0)).item() == 3.0


def test_bad_rules_raise():
    @mx.custom_function
    def f(x):
        return x * 2

    @f.vjp
    def bad(p, c, o):
        return mx.ones((3,))

    with pytest.raises(ValueError, match="custom_function"):
        mx.grad(f)(mx.array(1.0))

    @f.vmap
    def bad_vmap(inputs, axes):
        return inputs

    with pytest.raises(ValueError, match="custom_function"):
        mx.vmap(f)(mx.array([1.0, 2.0]))
    with pytest.raises(TypeError):
        mx.custom_function(3)


def test_checkpoint_gradient_matches_finite_differences():
    w = mx.array(np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32))
    layer = mx.checkpoint(lambda x: mx.tanh(x @ w) * x)
    loss = lambda x: mx.sum(layer(layer(x)))
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    g = np.array(mx.grad(loss)(mx.array(x)))
    wn = np.array(w, dtype=np.float64)

    def lf(v):
        f = lambda z: np.tanh(z @ wn) * z
        return f(f(v)).sum()

    assert np.allclose(g, fd_grad(lf, x), atol=1e-3)
    # Second order: the gradient of the checkpointed gradient.
    gg = mx.grad(lambda v: mx.grad(lambda u: mx.sum(mx.checkpoint(mx.sin)(u)))(v).sum())(mx.array(0.5))
    assert np.isclose(gg.item(), -np.sin(0.5), atol=1e-6)


def test_custom_node_dropped_on_a_stream_worker():
    # The node (and the Python rules it holds) may be freed on a worker thread.
    s = mx.new_stream(mx.cpu)

    @mx.custom_function
    def f(x):
        return x + 1

    f.vjp(lambda p, c, o: c)
    with mx.stream(s):
        y = f(mx.arange(10.0))
    mx.eval(y)
    del f
    gc.collect()
    assert y.tolist() == [float(i + 1) for i in range(10)]
    mx.synchronize(s)


def test_training_loop_with_checkpoint_memory_is_flat():
    w = mx.ones((64, 64)) * 0.01
    layer = mx.checkpoint(lambda x, w: mx.tanh(x @ w))

    @mx.custom_function
    def act(x):
        return mx.maximum(x, 0)

    act.vjp(lambda p, c, o: c * (p > 0))
    step = lambda w: w - 0.01 * mx.grad(lambda w: mx.sum(act(layer(mx.ones((8, 64)), w)) ** 2))(w)
    for _ in range(300):
        w = step(w)
        mx.eval(w)
    gc.collect()
    base = mx.get_active_memory()
    for _ in range(3000):
        w = step(w)
        mx.eval(w)
    gc.collect()
    assert mx.get_active_memory() <= base + 64 * 1024
