"""Gradients and integer indices: asking for the gradient of an index raises ValueError
(use stop_gradient), as in the reference, never a silent zero; the multiplying and dividing
scatters (.at[...].multiply / .divide) differentiate (zero-safe, repeated indices included)."""
import numpy as np
import pytest

import mlx.core as mx

X = mx.array([1.0, 3.0, 2.0, 5.0])
I = mx.array([0, 2, 2])
U = mx.array([1.0, 1.0, 1.0])

INDEX_FUNCTIONS = {
    "getitem": lambda i: X[i],
    "getitem_2d": lambda i: mx.ones((4, 2))[i, 1],
    "take": lambda i: mx.take(X, i),
    "take_axis": lambda i: mx.take(X, i, axis=0),
    "take_along_axis": lambda i: mx.take_along_axis(X, i, axis=0),
    "at_add": lambda i: X.at[i].add(1.0),
    "at_subtract": lambda i: X.at[i].subtract(1.0),
    "at_multiply": lambda i: X.at[i].multiply(2.0),
    "at_maximum": lambda i: X.at[i].maximum(2.0),
    "setitem": lambda i: _setitem(X, i),
    "put_along_axis": lambda i: mx.put_along_axis(X, i, U, axis=0),
    "index_from_argmax": lambda i: X[mx.argmax(X * i[0])],
}


def _setitem(x, i):
    y = x * 1
    y[i] = 2.0
    return y


@pytest.mark.parametrize("name", sorted(INDEX_FUNCTIONS))
def test_vjp_wrt_indices_raises(name):
    f = INDEX_FUNCTIONS[name]
    with pytest.raises(ValueError, match="stop_gradient"):
        mx.grad(lambda i: f(i).sum())(I)
    with pytest.raises(ValueError, match="stop_gradient"):
        mx.vjp(f, [I], [mx.ones(f(I).shape)])


@pytest.mark.parametrize("name", ["getitem", "take", "take_along_axis", "at_add", "setitem", "put_along_axis"])
def test_jvp_wrt_indices_raises(name):
    f = INDEX_FUNCTIONS[name]
    with pytest.raises(ValueError, match="stop_gradient"):
        mx.jvp(f, [I], [mx.ones_like(I)])


def test_index_computed_from_the_differentiated_value_raises():
    with pytest.raises(ValueError, match="stop_gradient"):
        mx.grad(lambda x: x[mx.argmax(x)])(X)
    with pytest.raises(ValueError, match="stop_gradient"):
        mx.grad(lambda x: x[x.astype(mx.int32) % 4].sum())(X)


def test_stop_gradient_on_indices():
    gx, gi = mx.grad(lambda x, i: x[mx.stop_gradient(i)].sum(), argnums=(0, 1))(X, I)
    assert gx.tolist() == [1, 0, 2, 0]
    assert gi.tolist() == [0, 0, 0] and gi.dtype == I.dtype
    g = mx.grad(lambda x: x[mx.stop_gradient(mx.argmax(x))])(X)
    assert g.tolist() == [0, 0, 0, 1]


def test_derived_ops_keep_their_gradients():
    # Rules that gather by positions computed from x (cummax's, unique's values) mark them
    # as constants: first and second derivatives work.
    x = mx.array([1.0, 3.0, 2.0, 5.0])
    g = mx.grad(lambda x: (mx.cummax(x) ** 2).sum())(x)
    np.testing.assert_allclose(np.array(g), [2, 12, 0, 10])
    gg = mx.grad(lambda x: mx.grad(lambda x: (mx.cummax(x) ** 3).sum())(x).sum())(x)
    np.testing.assert_allclose(np.array(gg), [6, 36, 0, 30])
    gu = mx.grad(lambda x: mx.unique(x * x, size=2).sum())(mx.array([1.0, 2.0, 1.0]))
    np.testing.assert_allclose(np.array(gu), [2, 4, 0])


# ---- .at[...].multiply / .divide -------------------------------------------------------

def _np_at(op, x, idx, u):
    out = x.copy()
    op.at(out, idx, u)
    return out


def _fd(f, xs, k, cot, h=1e-6):
    """The vjp of input k of f (NumPy, complex128) by central differences (the reference's
    convention for complex: dL/dx + i dL/dy of L = Re(sum(conj(cot) f)))."""
    def loss(args):
        return float(np.sum(np.real(np.conj(cot) * f(*args))))

    x = xs[k]
    g = np.zeros(x.shape, x.dtype)
    for e in range(x.size):
        for s in ([1.0, 1j] if np.iscomplexobj(x) else [1.0]):
            d = np.zeros(x.shape, x.dtype)
            d.flat[e] = h * s
            p, m = list(xs), list(xs)
            p[k], m[k] = x + d, x - d
            g.flat[e] += s * (loss(p) - loss(m)) / (2 * h)
    return g


IDX = np.array([1, 1, 3, 1, 0])


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
@pytest.mark.parametrize("op", ["multiply", "divide"])
@pytest.mark.parametrize("zeros", [0, 1, 2])
def test_at_multiply_divide_vjp_jvp(dtype, op, zeros):
    rng = np.random.default_rng(zeros)
    cplx = dtype == "complex64"

    def draw(n):
        v = rng.uniform(0.5, 1.5, n) * rng.choice([-1, 1], n)
        if cplx:
            v = v + 1j * rng.uniform(-1, 1, n)
        return v.astype(np.complex64 if cplx else np.float32).astype(np.complex128 if cplx else np.float64)

    x, u = draw(5), draw(5)
    if op == "multiply":
        # Zeros among the updates of the repeated target 1 (positions 0, 1, 3 of IDX).
        u[[0, 3][:zeros]] = 0
    np_op = np.multiply if op == "multiply" else np.divide
    f_np = lambda x, u: _np_at(np_op, x, IDX, u)  # noqa: E731
    f_mx = lambda x, u: getattr(x.at[mx.array(IDX)], op)(u)  # noqa: E731
    mdt = getattr(mx, dtype)
    xs = [mx.array(x, mdt), mx.array(u, mdt)]
    cot = draw(5)
    out, (gx, gu) = mx.vjp(f_mx, xs, [mx.array(cot, mdt)])
    np.testing.assert_allclose(np.array(out[0]), f_np(x, u), rtol=1e-5, atol=1e-6)
    for k, g in enumerate([gx, gu]):
        assert g.dtype == mdt
        np.testing.assert_allclose(np.array(g), _fd(f_np, [x, u], k, cot), rtol=1e-4, atol=1e-4)
    # jvp: the directional derivative.
    tx, tu = draw(5), draw(5)
    _, (t,) = mx.jvp(f_mx, xs, [mx.array(tx, mdt), mx.array(tu, mdt)])
    h = 1e-6
    want = (f_np(x + h * tx, u + h * tu) - f_np(x - h * tx, u - h * tu)) / (2 * h)
    np.testing.assert_allclose(np.array(t), want, rtol=1e-4, atol=1e-4)


def test_at_multiply_matches_reference_where_it_computes():
    # The reference differentiates scalar and slice positions (and raises for index arrays).
    x = mx.array([1.0, 3.0, 2.0, 5.0])
    assert mx.grad(lambda x: x.at[0].multiply(2.0).sum())(x).tolist() == [2, 1, 1, 1]
    assert mx.grad(lambda u: x.at[0].multiply(u).sum())(mx.array(2.0)).item() == 1.0
    assert mx.grad(lambda x: x.at[1:3].multiply(2.0).sum())(x).tolist() == [1, 2, 2, 1]
    assert mx.grad(lambda u: x.at[1:3].multiply(u).sum())(mx.array([2.0, 3.0])).tolist() == [3, 2]
    np.testing.assert_allclose(
        np.array(mx.grad(lambda u: x.at[1:3].divide(u).sum())(mx.array([2.0, 3.0]))), [-0.75, -2 / 9], rtol=1e-6)
    assert mx.grad(lambda x: x.at[0].divide(2.0).sum())(x).tolist() == [0.5, 1, 1, 1]
    x2 = mx.array([[1.0, 2.0], [3.0, 4.0]])
    assert mx.grad(lambda x: x.at[0].multiply(2.0).sum())(x2).tolist() == [[2, 2], [1, 1]]
    assert mx.grad(lambda u: x2.at[0].multiply(u).sum())(mx.array([2.0, 3.0])).tolist() == [1, 2]


# ---- other integer inputs --------------------------------------------------------------

def test_dynamic_slice_start_gradient_raises():
    x = mx.array([1.0, 3.0, 2.0, 5.0])
    with pytest.raises(ValueError):
        mx.grad(lambda i: mx.slice(x, i, axes=(0,), slice_size=(2,)).sum())(mx.array([1]))
    with pytest.raises(ValueError):
        mx.grad(lambda i: mx.slice_update(x, mx.array([9.0]), i, axes=(0,)).sum())(mx.array([1]))
    assert mx.grad(lambda x: mx.slice(x, mx.array([1]), axes=(0,), slice_size=(2,)).sum())(x).tolist() == [0, 1, 1, 0]
    assert mx.grad(lambda u: mx.slice_update(x, u, mx.array([1]), axes=(0,)).sum())(mx.array([9.0])).tolist() == [1]


def test_random_key_gradient_raises():
    k = mx.random.key(0)
    with pytest.raises(ValueError):
        mx.grad(lambda k: mx.random.uniform(key=k, shape=(2,)).sum())(k)
    with pytest.raises(ValueError):
        mx.jvp(lambda k: mx.random.uniform(key=k, shape=(2,)), [k], [k])
    # A constant key is fine.
    g = mx.grad(lambda x: (x * mx.random.normal(key=mx.random.key(1), shape=(2,))).sum())(mx.ones(2))
    assert g.shape == (2,)
