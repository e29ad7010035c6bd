"""mx.compile's fusion of element-wise chains: fused results equal the unfused ops (bit for
bit where the same loops run), over dtypes, broadcasts, scalars, 0-d, empty and strided
inputs; a chain runs as one kernel; transforms of fused nodes."""
import numpy as np
import pytest

import mlx.core as mx


def fused_runs():
    return mx._compile_stats()["fused_kernels"]


def same(a, b, exact=True):
    a, b = np.array(a), np.array(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    if exact:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7)


def rand(shape, dtype, seed=0):
    r = np.random.RandomState(seed)
    if dtype == mx.bool_:
        return mx.array(r.rand(*shape) > 0.5)
    if dtype in (mx.int32, mx.int64, mx.uint8, mx.uint32):
        return mx.array(r.randint(1, 50, size=shape)).astype(dtype)
    if dtype == mx.complex64:
        return mx.array(np.asarray(r.randn(*shape) + 1j * r.randn(*shape), dtype=np.complex64))
    return mx.array(np.asarray(r.randn(*shape), dtype=np.float32)).astype(dtype)


ARITH_DTYPES = [mx.float32, mx.float16, mx.bfloat16, mx.float64, mx.int32, mx.int64, mx.uint8, mx.complex64]


@pytest.mark.parametrize("dtype", ARITH_DTYPES)
def test_arith_chain_all_dtypes(dtype):
    def f(x, y):
        return (x * y + x) * x - y

    x, y = rand((33, 17), dtype, 0), rand((33, 17), dtype, 1)
    before = fused_runs()
    same(mx.compile(f)(x, y), f(x, y))
    assert fused_runs() == before + 1


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16, mx.float64])
def test_float_chains(dtype):
    chains = [
        lambda x, y: mx.maximum(x * 2 + 1, 0) - x,
        lambda x, y: mx.exp(x) * mx.sigmoid(y) + mx.abs(x - y),
        lambda x, y: mx.where(x > y, x * y, -y) / (mx.abs(y) + 1),
        lambda x, y: mx.tanh(x) + mx.log(mx.abs(y) + 1) - mx.sqrt(mx.square(x) + 1),
        lambda x, y: mx.minimum(mx.floor(x * 3), mx.ceil(y)) + mx.sin(x) * mx.cos(y),
        lambda x, y: (x.astype(mx.float32) * 2).astype(x.dtype) + y,
        lambda x, y: mx.logaddexp(x, y) - mx.arctan2(x, y + 3),
    ]
    x, y = rand((7, 129), dtype, 2), rand((7, 129), dtype, 3)
    for f in chains:
        same(mx.compile(f)(x, y), f(x, y))


def test_int_and_bool_chains():
    a, b = rand((50,), mx.int32, 4), rand((50,), mx.int32, 5)
    for f in [
        lambda a, b: (a * b + 3) // (b + 1) - a % 7,
        lambda a, b: (a & b) | (a ^ 5) << 1,
        lambda a, b: mx.where((a > b) & (a != 3), a, b * 2),
        lambda a, b: ((a > 10) | (b < 20)) & mx.logical_not(a == b),
        lambda a, b: (a.astype(mx.float32) / 3 + b).astype(mx.int32),
    ]:
        same(mx.compile(f)(a, b), f(a, b))
    p, q = rand((40,), mx.bool_, 6), rand((40,), mx.bool_, 7)
    g = lambda p, q: mx.logical_or(mx.logical_and(p, q), mx.logical_not(p)) == q
    same(mx.compile(g)(p, q), g(p, q))


def test_complex_chain():
    z, w = rand((20,), mx.complex64, 8), rand((20,), mx.complex64, 9)
    f = lambda z, w: mx.exp(z) * w + mx.conjugate(z) - z * z
    same(mx.compile(f)(z, w), f(z, w), exact=False)
    g = lambda z, w: mx.abs(z * w) + mx.real(z) - mx.imag(w)
    same(mx.compile(g)(z, w), g(z, w), exact=False)


def test_broadcasts_scalars_0d_empty():
    f = lambda x, b, c: mx.maximum(x * b + c, 0.5) - 1
    cases = [
        ((4, 5), (5,), ()),
        ((4, 5), (4, 1), (1, 5)),
        ((3, 1, 6), (1, 4, 1), (6,)),
        ((), (), ()),
        ((0, 3), (3,), ()),
        ((2, 3, 4, 5), (1, 3, 1, 5), (4, 1)),
    ]
    for sx, sb, sc in cases:
        x, b, c = rand(sx, mx.float32, 1), rand(sb, mx.float32, 2), rand(sc, mx.float32, 3)
        same(mx.compile(f)(x, b, c), f(x, b, c))


def test_noncontiguous_inputs():
    base = rand((16, 24), mx.float32, 4)
    f = lambda x, y: (x * 3 - y) * (x + 1)
    for x, y in [
        (base.T, base[:, :16].T[:24] if False else base.T),
        (base[::2, 1::3], base[1::2, ::3]),
        (base[:, ::-1], base),
        (mx.broadcast_to(base[:1], (16, 24)), base),
    ]:
        same(mx.compile(f)(x, y), f(x, y))
    # transcendental ops over strided inputs: vector and scalar libm may differ by an ulp
    g = lambda x: mx.sin(x) * mx.exp(x * 0.5)
    same(mx.compile(g)(base.T), g(base.T), exact=False)


def test_large_input_threads():
    x = rand((300_001,), mx.float32, 5)
    f = lambda x: mx.maximum(x * 2 + 1, 0) - x
    same(mx.compile(f)(x), f(x))
    h = lambda x, r: x * r + 1
    r = rand((1, 3001), mx.float32, 6)
    xx = rand((100, 3001), mx.float32, 7)
    same(mx.compile(h)(xx, r), h(xx, r))


def test_chain_is_one_kernel():
    x = rand((1000,), mx.float32, 0)
    cf = mx.compile(lambda x: mx.maximum(x * 2 + 1, 0) - x)
    mx.eval(cf(x))
    before = fused_runs()
    for _ in range(3):
        mx.eval(cf(x))
    assert fused_runs() == before + 3


def test_shared_intermediate_is_kept():
    # y is returned and used by the chain: both come out right
    def f(x):
        y = x * 2 + 1
        return y, mx.exp(y) - y * 3

    x = rand((64,), mx.float32, 1)
    a, b = mx.compile(f)(x)
    ea, eb = f(x)
    same(a, ea)
    same(b, eb)


def test_fused_multiple_groups_and_nonfusable_between():
    def f(x, w):
        h = mx.maximum(x * 2 + 1, 0)
        z = h @ w
        return mx.tanh(z) * 0.5 + z

    x, w = rand((8, 16), mx.float32, 1), rand((16, 4), mx.float32, 2)
    same(mx.compile(f)(x, w), f(x, w))


def test_shapeless_fused():
    f = lambda x, b: mx.maximum(x * 2 + b, 0) - x
    cf = mx.compile(f, shapeless=True)
    for n in [5, 9, 2]:
        x, b = rand((n, 3), mx.float32, n), rand((3,), mx.float32, 1)
        same(cf(x, b), f(x, b))


def test_grad_jvp_vmap_through_fused():
    f = lambda x, y: (mx.maximum(x * y + 1, 0) * mx.exp(x)).sum()
    x, y = rand((5, 3), mx.float32, 1), rand((3,), mx.float32, 2)
    cf = mx.compile(f)
    for got, exp in zip(mx.grad(cf, argnums=(0, 1))(x, y), mx.grad(f, argnums=(0, 1))(x, y)):
        same(got, exp, exact=False)
    g = lambda x: mx.sin(x) * x + 1
    _, t = mx.jvp(mx.compile(g), [x], [mx.ones_like(x)])
    _, te = mx.jvp(g, [x], [mx.ones_like(x)])
    same(t[0], te[0], exact=False)
    h = lambda a, b: mx.maximum(a * 2 + b, 0) - a
    a, b = rand((6, 4), mx.float32, 3), rand((6,), mx.float32, 4)
    same(mx.vmap(mx.compile(h), in_axes=(1, None))(a, b), mx.vmap(h, in_axes=(1, None))(a, b))
    same(mx.vmap(mx.compile(h), in_axes=(0, 0))(a, a), h(a, a))
    same(mx.vmap(mx.compile(h), in_axes=(0, None))(a.T, b), mx.vmap(h, in_axes=(0, None))(a.T, b))
    # second derivative through a fused node
    s = lambda x: (mx.exp(x) * x * x).sum()
    d2 = mx.grad(lambda x: mx.grad(mx.compile(s))(x).sum())(x)
    d2e = mx.grad(lambda x: mx.grad(s)(x).sum())(x)
    same(d2, d2e, exact=False)


@pytest.mark.parametrize(
    "f",
    [
        lambda x, b: (x * b + 1).sum(-1),
        lambda x, b: mx.maximum(x * 2 + b, 0).max(-1, keepdims=True),
        lambda x, b: mx.minimum(x, b).min(-1),
        lambda x, b: (x * x).mean(-1),
        lambda x, b: mx.softmax(x * 0.5 + b, axis=-1),
        lambda x, b: mx.softmax(x * 2, axis=-1, precise=True),
        lambda x, b: mx.logsumexp(x - b, axis=-1),
        lambda x, b: (x > b).sum(-1),
        lambda x, b: (x * b).astype(mx.float16).sum(-1),
        lambda x, b: mx.exp(x).prod(-1),
    ],
)
def test_chain_with_final_reduction_or_softmax_is_one_kernel(f):
    x, b = rand((37, 300), mx.float32, 1), rand((300,), mx.float32, 2)
    before = fused_runs()
    got = mx.compile(f)(x, b)
    mx.eval(got)
    assert fused_runs() == before + 1
    same(got, f(x, b))  # the same row kernels run: bit for bit


def test_epilogue_half_and_long_rows():
    x = rand((3, 20000), mx.bfloat16, 3)
    f = lambda x: mx.softmax(x * 3 - 1, axis=-1)
    same(mx.compile(f)(x), f(x))
    y = rand((2, 70000), mx.float32, 4)
    g = lambda y: (y * y + 1).sum(-1)
    same(mx.compile(g)(y), g(y))


def test_epilogue_transforms():
    x, b = rand((6, 40), mx.float32, 1), rand((40,), mx.float32, 2)
    f = lambda x, b: mx.softmax(x * b, axis=-1)
    loss = lambda x, b: (f(x, b) * mx.arange(40)).sum()
    for got, exp in zip(mx.grad(mx.compile(loss), argnums=(0, 1))(x, b), mx.grad(loss, argnums=(0, 1))(x, b)):
        same(got, exp, exact=False)
    r = lambda x, b: (x * b + 1).sum(-1)
    same(mx.vmap(mx.compile(r), in_axes=(1, None))(x.T, b), r(x, b))
    cs = mx.compile(r, shapeless=True)
    for n in [3, 9]:
        xx = rand((n, 40), mx.float32, n)
        same(cs(xx, b), r(xx, b))


def test_random_dags_match_uncompiled():
    # Random element-wise DAGs with shared intermediates, several outputs, broadcasts and
    # scalars: the fusion pass must keep every value that is used outside a group.
    rng = np.random.RandomState(0)
    unary = [mx.abs, mx.negative, mx.square, mx.tanh, lambda v: v * 0.5, mx.sigmoid, mx.floor]
    binary = [mx.add, mx.subtract, mx.multiply, mx.maximum, mx.minimum,
              lambda a, b: mx.where(a > b, a, b * 2)]
    for trial in range(25):
        plan = []
        for _ in range(rng.randint(3, 12)):
            if rng.rand() < 0.4:
                plan.append(("u", rng.randint(len(unary)), rng.randint(1 << 30)))
            else:
                plan.append(("b", rng.randint(len(binary)), rng.randint(1 << 30), rng.randint(1 << 30)))
        n_out = rng.randint(1, 4)

        def f(x, r, s):
            vals = [x, r, s]
            for step in plan:
                if step[0] == "u":
                    vals.append(unary[step[1]](vals[step[2] % len(vals)]))
                else:
                    vals.append(binary[step[1]](vals[step[2] % len(vals)], vals[step[3] % len(vals)]))
            return vals[-n_out:]

        x = rand((6, 5), mx.float32, trial)
        r = rand((5,), mx.float32, trial + 100)
        s = mx.array(1.5)
        for got, exp in zip(mx.compile(f)(x, r, s), f(x, r, s)):
            same(got, exp)


def test_results_inside_a_chain_are_extra_outputs_of_one_kernel():
    # An Adam-like update: the new moments are results and feed the parameter update.
    def update(p, m, v, g):
        m2 = 0.9 * m + 0.1 * g
        v2 = 0.999 * v + 0.001 * g * g
        p2 = p - 0.01 * m2 / (mx.sqrt(v2) + 1e-8)
        return p2, m2, v2

    p, m, g = (rand((33, 65), mx.float32, k) for k in range(3))
    v = mx.abs(rand((33, 65), mx.float32, 3))
    cf = mx.compile(update)
    mx.eval(cf(p, m, v, g))
    before = fused_runs()
    got = cf(p, m, v, g)
    mx.eval(got)
    assert fused_runs() == before + 1
    for a, e in zip(got, update(p, m, v, g)):
        same(a, e)
    # gradients and vmap through a node with several outputs
    loss = lambda p, m, v, g: sum((o * o).sum() for o in update(p, m, v, g))
    for a, e in zip(mx.grad(mx.compile(loss), argnums=(0, 1, 2, 3))(p, m, v, g),
                    mx.grad(loss, argnums=(0, 1, 2, 3))(p, m, v, g)):
        same(a, e, exact=False)
    for a, e in zip(mx.vmap(mx.compile(update))(p, m, v, g), update(p, m, v, g)):
        same(a, e)
