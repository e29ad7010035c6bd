"""Buffer donation in element-wise kernels: an op writes its output into an input's buffer
when nothing else can see that input (no other handle, view or export, memory from our
allocator, not a tracer), so that `mx.exp(mx.random.uniform(shape) * 2 + 1)` and
`mx.load(f) * s` need one buffer, not two. Everything that can still see an input keeps
its values."""

import gc

import numpy as np
import pytest

import mlx.core as mx

N = 1 << 20  # 4 MiB of float32: far above the allocator's small-block rounding


def key(i=0):
    return mx.random.key(1234 + i)


def unif(dtype=mx.float32, i=0, lo=0.0, hi=1.0, n=N):
    """A fresh temporary (no Python handle is kept by the caller)."""
    return mx.random.uniform(lo, hi, shape=(n,), key=key(i)).astype(dtype)


def ref(dtype=mx.float32, i=0, lo=0.0, hi=1.0, n=N):
    """The same values as unif(...), through NumPy."""
    return np.array(unif(dtype, i, lo, hi, n))


def peak_of(fn):
    """Peak bytes above the starting active memory while fn's result is evaluated, and the
    result as NumPy."""
    gc.collect()
    mx.clear_cache()
    base = mx.get_active_memory()
    mx.reset_peak_memory()
    r = fn()
    mx.eval(r)
    peak = mx.get_peak_memory() - base
    out = [np.array(v) for v in r] if isinstance(r, (tuple, list)) else np.array(r)
    del r
    return peak, out


def one(dtype=mx.float32, n=N):
    """Bytes of one buffer of n elements of dtype."""
    return n * mx.zeros(1, dtype).itemsize


def extra_peak(make, op):
    """Peak memory that op needs beyond its evaluated input make(), whose only handle is
    the graph's (0 when op writes into the input's buffer, one buffer when it does not),
    and the result as NumPy."""
    t = make()
    mx.eval(t)
    gc.collect()
    mx.clear_cache()
    base = mx.get_active_memory()
    mx.reset_peak_memory()
    r = op(t)
    del t
    mx.eval(r)
    peak = mx.get_peak_memory() - base
    out = [np.array(v) for v in r] if isinstance(r, (tuple, list)) else np.array(r)
    del r
    return peak, out


# ---- peak memory: chains that need one buffer -------------------------------------------


def test_chain_of_unary_and_binary_ops_needs_one_buffer():
    peak, out = peak_of(lambda: mx.exp(unif() * 2 + 1))
    assert peak < 1.5 * one(), peak / one()
    np.testing.assert_allclose(out, np.exp(ref() * np.float32(2) + np.float32(1)), rtol=1e-6)


def test_uniform_times_scalar_needs_one_buffer():
    peak, out = peak_of(lambda: mx.random.uniform(shape=(N,), key=key()) * 3)
    assert peak < 1.5 * one(), peak / one()
    np.testing.assert_array_equal(out, ref() * np.float32(3))


@pytest.mark.parametrize("suffix", [".npy", ".safetensors"])
def test_load_times_scalar_needs_one_buffer(tmp_path, suffix):
    x = np.random.default_rng(0).standard_normal(N).astype(np.float32)
    f = str(tmp_path / ("a" + suffix))
    if suffix == ".npy":
        np.save(f, x)
        load = lambda: mx.load(f)  # noqa: E731
    else:
        mx.save_safetensors(f, {"w": mx.array(x)})
        load = lambda: mx.load(f)["w"]  # noqa: E731
    peak, out = peak_of(lambda: load() * 0.5)
    assert peak < 1.5 * one(), peak / one()
    np.testing.assert_array_equal(out, x * np.float32(0.5))


def test_fortran_order_inputs_lend_their_buffer(tmp_path):
    # A dense input in another axis order donates when the other operands are scalars or
    # share its layout; the output takes that layout.
    x = np.asfortranarray(np.random.default_rng(1).standard_normal((1024, 1024)).astype(np.float32))
    y = np.asfortranarray(np.random.default_rng(2).standard_normal((1024, 1024)).astype(np.float32))
    fx, fy = str(tmp_path / "x.npy"), str(tmp_path / "y.npy")
    np.save(fx, x)
    np.save(fy, y)
    nb = x.nbytes
    cases = [
        (lambda t: t * 0.5, lambda: x * np.float32(0.5)),
        (mx.exp, lambda: np.exp(x)),
        (lambda t: t.astype(mx.int32), lambda: x.astype(np.int32)),
        (lambda t: mx.where(t > 0, t, 0.0), lambda: np.where(x > 0, x, np.float32(0))),
        (lambda t: (t * 2).T + 1, lambda: (x * 2).T + 1),
    ]
    for op, want in cases:
        extra, out = extra_peak(lambda: mx.load(fx), op)
        np.testing.assert_allclose(out, want(), rtol=1e-6)
    extra, out = extra_peak(lambda: mx.load(fx), lambda t: t * 0.5)
    assert extra < 0.5 * nb, extra / nb
    extra, out = extra_peak(lambda: mx.load(fx), mx.exp)
    assert extra < 0.5 * nb, extra / nb
    # Both operands in one axis order: the first lends its buffer.
    extra, out = extra_peak(lambda: (mx.load(fx), mx.load(fy)), lambda ab: ab[0] * ab[1] + 1)
    assert extra < 0.5 * nb, extra / nb
    np.testing.assert_allclose(out, x * y + 1, rtol=1e-6)
    # Mixed axis orders: a fresh row-major output, right values.
    c = mx.array(np.ascontiguousarray(y))
    extra, out = extra_peak(lambda: mx.load(fx), lambda t: t - c)
    np.testing.assert_array_equal(out, x - y)


UNARY = [
    # name, NumPy function, input range, dtypes
    ("abs", np.abs, (-2, 2), [mx.float32, mx.int32, mx.float16]),
    ("negative", np.negative, (-2, 2), [mx.float32, mx.int32, mx.int8, mx.float16]),
    ("sign", np.sign, (-2, 2), [mx.float32, mx.int32]),
    ("square", np.square, (-2, 2), [mx.float32, mx.int32, mx.bfloat16]),
    ("exp", np.exp, (-2, 2), [mx.float32, mx.float16]),
    ("log", np.log, (0.1, 2), [mx.float32]),
    ("sqrt", np.sqrt, (0, 2), [mx.float32]),
    ("sin", np.sin, (-2, 2), [mx.float32]),
    ("cos", np.cos, (-2, 2), [mx.float32]),
    ("tanh", np.tanh, (-2, 2), [mx.float32]),
    ("sigmoid", lambda v: 1 / (1 + np.exp(-v)), (-2, 2), [mx.float32]),
    ("tan", np.tan, (-1, 1), [mx.float32]),
    ("arcsin", np.arcsin, (-0.9, 0.9), [mx.float32]),
    ("arccos", np.arccos, (-0.9, 0.9), [mx.float32]),
    ("arctan", np.arctan, (-2, 2), [mx.float32]),
    ("sinh", np.sinh, (-2, 2), [mx.float32]),
    ("cosh", np.cosh, (-2, 2), [mx.float32]),
    ("arcsinh", np.arcsinh, (-2, 2), [mx.float32]),
    ("arccosh", np.arccosh, (1.1, 3), [mx.float32]),
    ("arctanh", np.arctanh, (-0.9, 0.9), [mx.float32]),
    ("expm1", np.expm1, (-2, 2), [mx.float32]),
    ("log1p", np.log1p, (0, 2), [mx.float32]),
    ("log2", np.log2, (0.1, 2), [mx.float32]),
    ("log10", np.log10, (0.1, 2), [mx.float32]),
    ("rsqrt", lambda v: 1 / np.sqrt(v), (0.1, 2), [mx.float32]),
    ("floor", np.floor, (-5, 5), [mx.float32]),
    ("ceil", np.ceil, (-5, 5), [mx.float32]),
    ("round", np.round, (-5, 5), [mx.float32]),
    ("bitwise_invert", np.invert, (-100, 100), [mx.int32, mx.uint8]),
]


@pytest.mark.parametrize("name,npf,rng,dtypes", UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops_write_into_their_input(name, npf, rng, dtypes):
    f = getattr(mx, name)
    for dt in dtypes:
        extra, out = extra_peak(lambda: unif(dt, 1, *rng), f)
        assert extra < 0.5 * one(dt), (name, dt, extra / one(dt))
        x = ref(dt, 1, *rng)
        want = npf(x.astype(np.float32) if dt in (mx.float16, mx.bfloat16) else x)
        tol = 1e-2 if dt in (mx.float16, mx.bfloat16) else 2e-6
        np.testing.assert_allclose(out.astype(np.float64), want.astype(np.float64), rtol=tol, atol=1e-6)


def test_unary_ops_with_another_element_size_allocate():
    # isnan gives bool (1 byte) from float32 (4 bytes): a fresh buffer, right values.
    _, out = peak_of(lambda: mx.isnan(unif()))
    assert not out.any() and out.dtype == np.bool_
    extra, out = extra_peak(lambda: unif() > 0.5, mx.logical_not)
    assert extra < 0.5 * one(mx.bool_), extra / one(mx.bool_)
    np.testing.assert_array_equal(out, ~(ref() > 0.5))


BINARY = [
    ("add", np.add, [mx.float32, mx.int32, mx.int8]),
    ("subtract", np.subtract, [mx.float32, mx.int64]),
    ("multiply", np.multiply, [mx.float32, mx.uint16, mx.float16]),
    ("divide", np.divide, [mx.float32]),
    ("floor_divide", np.floor_divide, [mx.int32, mx.float32]),
    ("remainder", np.remainder, [mx.int32, mx.float32]),
    ("power", np.power, [mx.float32]),
    ("maximum", np.maximum, [mx.float32, mx.int32]),
    ("minimum", np.minimum, [mx.float32, mx.uint8]),
    ("logaddexp", np.logaddexp, [mx.float32]),
    ("arctan2", np.arctan2, [mx.float32]),
    ("equal", np.equal, [mx.int8, mx.uint8]),  # bool output, one byte like the input
    ("less", np.less, [mx.int8]),
    ("greater_equal", np.greater_equal, [mx.uint8]),
    ("bitwise_and", np.bitwise_and, [mx.int32]),
    ("bitwise_xor", np.bitwise_xor, [mx.uint32]),
    ("left_shift", np.left_shift, [mx.int32]),
    ("right_shift", np.right_shift, [mx.uint32]),
]


@pytest.mark.parametrize("name,npf,dtypes", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("donor", ["left", "right", "scalar"])
def test_binary_ops_write_into_an_input(name, npf, dtypes, donor):
    f = getattr(mx, name)
    for dt in dtypes:
        integer = "int" in str(dt)
        lo, hi = (1, 20) if integer else (0.5, 2.0)
        lo2, hi2 = (1, 5) if name.endswith("shift") else (lo, hi)
        x = ref(dt, 3, lo, hi)
        other = ref(dt, 2, lo2, hi2)
        o = mx.array(other)
        mx.eval(o)  # alive before and after: not part of the peak
        s = 3 if integer else 1.5
        make = lambda: unif(dt, 3, lo, hi)  # noqa: E731
        if donor == "left":
            extra, out = extra_peak(make, lambda t: f(t, o))
            want = npf(x, other)
        elif donor == "right":
            extra, out = extra_peak(make, lambda t: f(o, t))
            want = npf(other, x)
        else:
            extra, out = extra_peak(make, lambda t: f(t, s))
            want = npf(x, np.array(s, x.dtype))
        assert extra < 0.5 * one(dt), (name, dt, donor, extra / one(dt))
        tol = 2e-3 if dt == mx.float16 else 2e-6
        np.testing.assert_allclose(out.astype(np.float64), want.astype(np.float64), rtol=tol, atol=1e-6)


def test_logical_ops_on_bool_write_into_an_input():
    b = mx.array(ref(i=4) > 0.25)
    mx.eval(b)
    extra, out = extra_peak(lambda: unif() > 0.5, lambda t: mx.logical_and(t, b))
    assert extra < 0.5 * one(mx.bool_), extra / one(mx.bool_)
    np.testing.assert_array_equal(out, (ref() > 0.5) & (ref(i=4) > 0.25))
    extra, out = extra_peak(lambda: unif() > 0.5, lambda t: mx.logical_or(t, True))
    assert extra < 0.5 * one(mx.bool_) and out.all()


def test_divmod_of_temporaries():
    # Each output of a multi-output node holds its inputs: nothing is donated, values hold.
    a = ref(mx.int32, 5, -50, 50)
    b = ref(mx.int32, 6, 1, 9)
    q, r = mx.divmod(unif(mx.int32, 5, -50, 50), unif(mx.int32, 6, 1, 9))
    np.testing.assert_array_equal(np.array(q), a // b)
    np.testing.assert_array_equal(np.array(r), a % b)
    af, bf = ref(mx.float32, 5, -5, 5), ref(mx.float32, 6, 0.5, 2)
    q, r = mx.divmod(unif(mx.float32, 5, -5, 5), unif(mx.float32, 6, 0.5, 2))
    np.testing.assert_allclose(np.array(q), np.floor_divide(af, bf))
    np.testing.assert_allclose(np.array(r), np.remainder(af, bf), rtol=1e-5, atol=1e-6)


def test_where_writes_into_an_input():
    c = ref() > 0.5
    x = ref(i=1)
    cm = mx.array(c)
    mx.eval(cm)
    make = lambda: unif(i=1)  # noqa: E731
    extra, out = extra_peak(make, lambda t: mx.where(cm, t, 0.0))
    assert extra < 0.5 * one(), extra / one()
    np.testing.assert_array_equal(out, np.where(c, x, np.float32(0)))
    extra, out = extra_peak(make, lambda t: mx.where(cm, -1.0, t))
    assert extra < 0.5 * one(), extra / one()
    np.testing.assert_array_equal(out, np.where(c, np.float32(-1), x))
    # A bool output may take the condition's buffer.
    extra, out = extra_peak(lambda: unif() > 0.5, lambda t: mx.where(t, False, True))
    assert extra < 0.5 * one(mx.bool_), extra / one(mx.bool_)
    np.testing.assert_array_equal(out, ~c)


CASTS = [(mx.float32, mx.int32), (mx.float32, mx.uint32), (mx.int32, mx.float32), (mx.float16, mx.bfloat16),
         (mx.uint8, mx.bool_), (mx.int8, mx.uint8), (mx.int64, mx.float64)]


@pytest.mark.parametrize("src,dst", CASTS, ids=[f"{a}-{b}" for a, b in CASTS])
def test_casts_of_one_element_size_convert_in_place(src, dst):
    make = lambda: unif(src, 7, 0, 100)  # noqa: E731
    x = ref(src, 7, 0, 100)
    extra, out = extra_peak(make, lambda t: t.astype(dst))
    assert extra < 0.5 * one(dst), extra / one(dst)
    if dst == mx.bfloat16:
        np.testing.assert_allclose(out.astype(np.float32), x.astype(np.float32), rtol=1e-2)
    elif dst == mx.bool_:
        np.testing.assert_array_equal(out, x != 0)
    else:
        np.testing.assert_array_equal(out, x.astype(out.dtype))


def test_copies_take_the_buffer():
    make = lambda: unif(i=9) * 1  # noqa: E731
    extra, out = extra_peak(make, lambda t: mx.array(t) + 0)
    assert extra < 0.5 * one(), extra / one()
    np.testing.assert_array_equal(out, ref(i=9))


# ---- everything that can still see an input keeps its values ----------------------------


def test_another_handle_keeps_its_values():
    x = unif()
    mx.eval(x)
    before = np.array(x)
    y = mx.exp(x * 2)
    z = x + 1
    mx.eval(y, z)
    np.testing.assert_array_equal(np.array(x), before)
    np.testing.assert_array_equal(np.array(z), before + np.float32(1))
    # A lazy input that two ops read.
    t = unif(i=1) * 1
    u = mx.sin(t)
    v = mx.cos(t)
    del t
    mx.eval(u, v)
    np.testing.assert_allclose(np.array(u), np.sin(ref(i=1)), rtol=1e-6)
    np.testing.assert_allclose(np.array(v), np.cos(ref(i=1)), rtol=1e-6)


def test_views_and_slices_keep_their_values():
    t = unif() * 1
    mx.eval(t)
    v = t[2:5]
    w = t.reshape(2, -1)[1]
    s = t[::2]
    b = mx.broadcast_to(t[:1], (4,))
    mx.eval(v, w, s, b)
    y = mx.exp(t)
    del t
    mx.eval(y)
    r = ref()
    np.testing.assert_array_equal(np.array(v), r[2:5])
    np.testing.assert_array_equal(np.array(w), r.reshape(2, -1)[1])
    np.testing.assert_array_equal(np.array(s), r[::2])
    np.testing.assert_array_equal(np.array(b), np.repeat(r[:1], 4))
    np.testing.assert_allclose(np.array(y), np.exp(r), rtol=1e-6)


def test_same_input_twice():
    _, out = peak_of(lambda: (lambda x: x * x)(unif()))
    np.testing.assert_array_equal(out, ref() * ref())
    _, out = peak_of(lambda: (lambda x: mx.where(x > 0.5, x, -x))(unif()))
    np.testing.assert_array_equal(out, np.where(ref() > 0.5, ref(), -ref()))
    _, out = peak_of(lambda: (lambda x: x + x[::-1])(unif()))
    np.testing.assert_array_equal(out, ref() + ref()[::-1])
    _, out = peak_of(lambda: (lambda x: x - x.reshape(2, -1).reshape(-1))(unif()))
    assert not out.any()
    q = unif(mx.int32, 1, 1, 50)
    d = mx.divmod(q, q)
    del q
    np.testing.assert_array_equal(np.array(d[0]), np.ones(N, np.int32))
    np.testing.assert_array_equal(np.array(d[1]), np.zeros(N, np.int32))


def test_numpy_and_read_only_memory_is_never_written():
    x = np.arange(1000, dtype=np.float32)
    y = mx.exp(mx.asarray(x) * 0 + mx.asarray(x))
    mx.eval(y)
    y = mx.negative(mx.asarray(x))
    z = mx.asarray(x).astype(mx.int32)
    w = mx.where(mx.asarray(x) > 3, mx.asarray(x), 0.0)
    mx.eval(y, z, w)
    np.testing.assert_array_equal(x, np.arange(1000, dtype=np.float32))
    np.testing.assert_array_equal(np.array(y), -x)
    ro = np.arange(1000, dtype=np.float32)
    ro.flags.writeable = False
    y = mx.sqrt(mx.asarray(ro))
    mx.eval(y)
    np.testing.assert_array_equal(ro, np.arange(1000, dtype=np.float32))
    np.testing.assert_allclose(np.array(y), np.sqrt(ro), rtol=1e-6)
    # DLPack imports too.
    d = np.arange(1000, dtype=np.int32)
    y = mx.from_dlpack(d) * 3
    mx.eval(y)
    np.testing.assert_array_equal(d, np.arange(1000, dtype=np.int32))
    np.testing.assert_array_equal(np.array(y), d * 3)


def test_exports_keep_their_values():
    t = unif() * 1
    mx.eval(t)
    m = memoryview(t)
    n = np.asarray(t)  # buffer protocol, no copy
    y = mx.exp(t)
    del t
    mx.eval(y)
    np.testing.assert_array_equal(np.frombuffer(m, np.float32), ref())
    np.testing.assert_array_equal(n, ref())
    t = unif(i=1) * 1
    mx.eval(t)
    d = np.from_dlpack(t)
    y = mx.sin(t)
    del t
    mx.eval(y)
    np.testing.assert_array_equal(d, ref(i=1))


def test_gradients_read_the_inputs_they_need():
    xn = np.linspace(-2, 2, 4096, dtype=np.float32)

    def f(x):
        return mx.sum(mx.sin(x * 1.5) * mx.exp(x + 0.5))

    want = 1.5 * np.cos(1.5 * xn) * np.exp(xn + 0.5) + np.sin(1.5 * xn) * np.exp(xn + 0.5)
    grads = [mx.grad(f), lambda x: mx.value_and_grad(f)(x)[1], lambda x: mx.vjp(f, [x], [mx.array(1.0)])[1][0],
             mx.grad(mx.checkpoint(f))]
    for g in grads:
        np.testing.assert_allclose(np.array(g(mx.array(xn))), want, rtol=1e-4, atol=1e-5)

    # Evaluated in the middle of the transform, on the default stream and on another (whose
    # worker thread runs the kernel).
    s = mx.new_stream(mx.cpu)
    for stream in [None, s]:
        def h(x):
            u = mx.sin(x * 1.5, stream=stream)
            mx.eval(u)
            return mx.sum(u)

        for _ in range(3):
            got = np.array(mx.grad(h)(mx.array(xn)))
            np.testing.assert_allclose(got, 1.5 * np.cos(1.5 * xn), rtol=1e-5, atol=1e-6)

    (tan,) = mx.jvp(lambda x: mx.exp(x * 2), [mx.array(xn)], [mx.ones(4096)])[1]
    np.testing.assert_allclose(np.array(tan), 2 * np.exp(2 * xn), rtol=1e-5)
    v = mx.vmap(lambda r: mx.sqrt(mx.abs(r * 3) + 1))(mx.array(xn.reshape(64, 64)))
    np.testing.assert_allclose(np.array(v), np.sqrt(np.abs(xn * 3) + 1).reshape(64, 64), rtol=1e-6)


def test_updates_on_a_stream_inside_a_transform_keep_the_old_values():
    # A tracer evaluated on a stream's worker thread is still a tracer there: the scatter
    # must not write into its destination, which the backward pass reads.
    s = mx.new_stream(mx.cpu)

    def f(x):
        with mx.stream(s):
            y = (x * 1.0).at[mx.array([0, 1])].maximum(x[2])
        mx.eval(y)
        return (y * x).sum()

    x = mx.array([4.0, 2.0, 3.0])
    for _ in range(3):
        np.testing.assert_allclose(np.array(mx.grad(f)(x)), [8.0, 3.0, 8.0])


def test_failing_kernel_does_not_corrupt_its_input():
    a = mx.array([-(2**31), 4, 7], mx.int32)
    b = mx.array([-1, 2, 3], mx.int32)
    y = (a + 0) // (b + 0)
    for _ in range(2):
        with pytest.raises(ValueError, match="floor_divide"):
            mx.eval(y)
    q = mx.divmod(a + 0, b + 0)
    for _ in range(2):
        with pytest.raises(ValueError, match="divmod"):
            mx.eval(q[1])


def test_long_loop_memory_stays_flat():
    n = 1 << 16
    x = mx.random.uniform(shape=(n,), key=key())
    xn = np.array(x)
    for i in range(3000):
        x = mx.tanh(x * 0.5 + 0.25)
        xn = np.tanh(xn * np.float32(0.5) + np.float32(0.25))
        mx.eval(x)
        if i == 100:
            gc.collect()
            base = mx.get_active_memory()
            mx.reset_peak_memory()
    gc.collect()
    assert mx.get_active_memory() - base < 64 * 1024
    # Each step writes into the previous x (a copy per step would need a second buffer).
    assert mx.get_peak_memory() - base < 0.5 * 4 * n
    np.testing.assert_allclose(np.array(x), xn, rtol=1e-5)
