# Autodiff traces its inputs without copying them: the tracers share the primals' memory.
import gc

import numpy as np

import mlx.core as mx

MB = 1 << 20


def _peak_of(fn):
    gc.collect()
    mx.clear_cache()
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    out = fn()
    mx.eval(out)
    return mx.get_peak_memory() - base, out


def test_value_and_grad_does_not_copy_a_large_parameter():
    n = 256 * MB // 4
    w = mx.ones((n,), mx.float32)
    mx.eval(w)
    # The gradient of a sum is a broadcast of the cotangent: it needs no memory of its
    # own, so a copy of the traced parameter (256 MB) is all that could show up.
    loss_peak, _ = _peak_of(lambda: mx.sum(w))
    grad_peak, (v, g) = _peak_of(lambda: mx.value_and_grad(mx.sum)(w))
    assert v.item() == float(n)
    assert g.shape == w.shape and g.dtype == mx.float32 and g[::1 << 20].tolist() == [1.0] * 64
    assert grad_peak - loss_peak < 16 * MB
    del v, g
    # A loss that needs a temporary of the parameter's size: value_and_grad adds the
    # gradient (one parameter's worth) and nothing near another copy.
    loss = lambda w: mx.sum(w * w)
    loss_peak, _ = _peak_of(lambda: loss(w))
    grad_peak, (v, g) = _peak_of(lambda: mx.value_and_grad(loss)(w))
    assert g[::1 << 20].tolist() == [2.0] * 64
    assert grad_peak - loss_peak < 256 * MB + 16 * MB
    del v, g
    mx.clear_cache()


def test_tracer_shares_memory_of_the_parameter():
    n = 64 * MB // 4
    w = mx.ones((n,), mx.float32)
    mx.eval(w)
    seen = []

    def loss(x):
        seen.append(np.array(x, copy=False).ctypes.data)
        return mx.sum(x)

    mx.value_and_grad(loss)(w)
    assert seen[0] == np.array(w, copy=False).ctypes.data


def test_grad_loop_memory_stays_flat():
    w = mx.random.normal((64, 64))
    x = mx.random.normal((16, 64))
    mx.eval(w, x)
    step = mx.value_and_grad(lambda w: mx.mean(mx.tanh(x @ w) ** 2))
    lr = 0.01
    for _ in range(50):
        v, g = step(w)
        w = w - lr * g
        mx.eval(w)
    gc.collect()
    mx.clear_cache()
    base = mx.get_active_memory()
    for _ in range(2000):
        v, g = step(w)
        w = w - lr * g
        mx.eval(w, v)
    del v, g
    gc.collect()
    assert mx.get_active_memory() - base <= 64 * 64 * 4 * 2


def test_gradient_caveat_reaches_callers_array_as_in_the_reference():
    def f(x):
        x_view = np.array(x, copy=False)
        x_view[:] *= x_view
        return x.sum()

    x = mx.array([3.0])
    y, df = mx.value_and_grad(f)(x)
    assert (y.item(), df.item(), x.item()) == (9.0, 1.0, 9.0)
    # A lazy primal: the write reaches the evaluated primal, not its own inputs.
    a = mx.array([3.0])
    z = a * 2
    y, df = mx.value_and_grad(f)(z)
    assert (y.item(), df.item(), z.item(), a.item()) == (36.0, 1.0, 36.0, 3.0)


def test_writes_inside_grad_and_jvp_match_the_reference():
    def g(x):
        np.array(x, copy=False)[0] = 10.0
        return (x * x).sum()

    x = mx.array([2.0, 3.0])
    assert mx.grad(g)(x).tolist() == [20.0, 6.0]
    assert x.tolist() == [10.0, 3.0]

    def h(a):
        np.array(a, copy=False)[0] = 7.0
        return [a * a]

    x = mx.array([2.0, 3.0])
    out, tan = mx.jvp(h, [x], [mx.ones(2)])
    assert out[0].tolist() == [49.0, 9.0] and tan[0].tolist() == [14.0, 6.0]
    assert x.tolist() == [7.0, 3.0]


def test_tracers_of_views_and_nested_transforms():
    base = mx.arange(12, dtype=mx.float32).reshape(3, 4)
    v = base.T[1:]  # a non-contiguous view
    g = mx.grad(lambda t: (t * t).sum())(v)
    np.testing.assert_allclose(np.array(g), 2 * np.array(v))
    # Second derivative through nested tracers (aliases of aliases).
    f = lambda x: (x ** 3).sum()
    x = mx.array([1.0, 2.0, -1.5])
    d2 = mx.grad(lambda x: mx.grad(f)(x).sum())(x)
    np.testing.assert_allclose(np.array(d2), 6 * np.array(x))
    # vmap of grad and grad of vmap.
    xs = mx.array([[1.0, 2.0], [3.0, 4.0]])
    vg = mx.vmap(mx.grad(lambda r: (r * r).sum()))(xs)
    np.testing.assert_allclose(np.array(vg), 2 * np.array(xs))
    # The primal is not changed by an in-place update of the traced value.
    y = mx.array([1.0, 2.0])

    def upd(t):
        t[0] = 5.0
        return (t * t).sum()

    gy = mx.grad(upd)(y)
    assert y.tolist() == [1.0, 2.0]
    assert gy.tolist() == [0.0, 4.0]
