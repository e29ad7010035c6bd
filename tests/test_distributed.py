"""mx.distributed on one process: init, is_available, Group, and every collective.

The expected behaviour is the reference's with a group of size 1 (Apple's MLX 0.32 run
through shared/tools/mlx-ref): every collective returns its input (same shape, dtype and
values), send/recv raise ValueError, Group.split raises RuntimeError, init(strict=True)
raises RuntimeError when no multi-process backend can start. NumPy is the oracle for the
values.
"""

import numpy as np
import pytest

import mlx.core as mx

D = mx.distributed
COLLECTIVES = ["all_sum", "all_gather", "all_max", "all_min", "sum_scatter"]
DTYPES = [
    mx.bool_, mx.uint8, mx.uint16, mx.uint32, mx.uint64, mx.int8, mx.int16, mx.int32,
    mx.int64, mx.float16, mx.bfloat16, mx.float32, mx.float64, mx.complex64,
]


def as_np(a):
    if a.dtype == mx.bfloat16:
        a = a.astype(mx.float32)
    return np.array(a)


def sample(shape, dtype):
    x = mx.arange(int(np.prod(shape)) if shape else 1).reshape(shape) - 3
    if dtype == mx.complex64:
        return (x + 1j * x).astype(dtype)
    if dtype in (mx.uint8, mx.uint16, mx.uint32, mx.uint64):
        return (x + 3).astype(dtype)
    return x.astype(dtype)


# ---- the module and the group --------------------------------------------------------

def test_module_surface():
    names = {n for n in dir(D) if not n.startswith("_")}
    assert names == {"Group", "init", "is_available", "recv", "recv_like", "send", *COLLECTIVES}
    assert D.__name__ == "mlx.core.distributed"


def test_init_gives_a_group_of_one():
    g = D.init()
    assert isinstance(g, D.Group)
    assert (g.rank(), g.size()) == (0, 1)
    g2 = D.init(strict=False, backend="any")
    assert (g2.rank(), g2.size()) == (0, 1)
    for backend in ("ring", "mpi", "nccl", "jaccl"):
        assert D.init(backend=backend).size() == 1


@pytest.mark.parametrize("backend", ["any", "ring", "mpi", "nccl", "jaccl"])
def test_init_strict_without_backend_raises(backend):
    with pytest.raises(RuntimeError):
        D.init(strict=True, backend=backend)


@pytest.mark.parametrize("strict", [False, True])
def test_init_unknown_backend(strict):
    with pytest.raises(ValueError, match="bogus"):
        D.init(strict=strict, backend="bogus")


def test_init_all_gather_factory():
    # Only the jaccl backend uses it; it is accepted as the reference accepts it.
    assert D.init(all_gather_factory=lambda rank, size: (lambda b, n: b)).size() == 1
    assert D.init(all_gather_factory=None).size() == 1
    with pytest.raises(TypeError):
        D.init(all_gather_factory=3)
    with pytest.raises(TypeError):
        D.init(False, "any", None)  # keyword-only


def test_is_available():
    # No multi-process backend in this build (see docs/differences.md).
    for backend in ("any", "ring", "mpi", "nccl", "jaccl", "bogus"):
        assert D.is_available(backend) is False
    assert D.is_available() is False
    assert D.is_available(backend="any") is False


def test_group_has_no_constructor():
    with pytest.raises(TypeError):
        D.Group()


def test_group_split_of_one_process():
    g = D.init()
    for args, kwargs in [((0,), {}), ((1, 5), {}), ((), {"color": 0, "key": 1}), ((-1,), {})]:
        with pytest.raises(RuntimeError):
            g.split(*args, **kwargs)
    with pytest.raises(TypeError):
        g.split("a")


# ---- the collectives -----------------------------------------------------------------

@pytest.mark.parametrize("op", COLLECTIVES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_collective_is_identity_over_dtypes(op, dtype):
    x = sample((2, 3), dtype)
    y = getattr(D, op)(x)
    assert y.dtype == dtype and y.shape == (2, 3)
    np.testing.assert_array_equal(as_np(y), as_np(x))


@pytest.mark.parametrize("op", COLLECTIVES)
@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (5,), (2, 3, 4), (1, 1, 1, 7)])
def test_collective_shapes(op, shape):
    x = sample(shape, mx.float32)
    y = getattr(D, op)(x, group=D.init(), stream=mx.cpu)
    assert y.shape == shape
    np.testing.assert_array_equal(np.array(y), np.array(x))


@pytest.mark.parametrize("op", COLLECTIVES)
def test_collective_non_contiguous_inputs(op):
    base = mx.arange(24, dtype=mx.float32).reshape(4, 6)
    for x in (base.T, base[::2, 1::2], mx.broadcast_to(mx.array([1.0, 2.0]), (3, 2)), base[1:3]):
        y = getattr(D, op)(x)
        np.testing.assert_array_equal(np.array(y), np.array(x))


@pytest.mark.parametrize("op", COLLECTIVES)
def test_collective_large(op):
    x = mx.random.normal((1000, 1000))
    np.testing.assert_array_equal(np.array(getattr(D, op)(x)), np.array(x))
    # A temporary that nothing else holds (its buffer may be reused in place).
    y = getattr(D, op)(x * 2)
    np.testing.assert_array_equal(np.array(y), np.array(x) * 2)


@pytest.mark.parametrize("op", COLLECTIVES)
def test_collective_python_scalars(op):
    f = getattr(D, op)
    for value, dtype in [(3.0, mx.float32), (3, mx.int32), (True, mx.bool_), (1 + 2j, mx.complex64)]:
        y = f(value)
        assert y.shape == () and y.dtype == dtype and y.item() == value
    y = f(np.array([1, 2], dtype=np.int64))
    assert y.dtype == mx.int64 and y.tolist() == [1, 2]


@pytest.mark.parametrize("op", COLLECTIVES)
def test_collective_bad_arguments(op):
    f = getattr(D, op)
    x = mx.ones(3)
    with pytest.raises(ValueError):
        f([1, 2])
    with pytest.raises(ValueError):
        f((1, 2))
    with pytest.raises(TypeError):
        f(x, group=3)
    with pytest.raises(TypeError):
        f(x, D.init())  # group is keyword-only
    with pytest.raises(TypeError):
        f(x, stream="cpu")


@pytest.mark.parametrize("op", ["all_max", "all_min", "all_sum"])
def test_reductions_keep_nan_and_inf(op):
    x = mx.array([np.nan, np.inf, -np.inf, 0.0, -0.0])
    np.testing.assert_array_equal(np.array(getattr(D, op)(x)), np.array(x))


def test_collectives_are_lazy_values():
    # The result is a value of x at the time of the call, computed when needed.
    x = mx.array([1.0, 2.0, 3.0])
    ys = [getattr(D, op)(x) for op in COLLECTIVES]
    x[0] = 100.0
    for y in ys:
        assert y.tolist() == [1.0, 2.0, 3.0]
    chain = D.all_sum(D.all_gather(D.sum_scatter(D.all_max(D.all_min(x)))))
    assert chain.tolist() == [100.0, 2.0, 3.0]


def test_collectives_under_compile():
    @mx.compile
    def f(x):
        return D.all_sum(x * 2) + D.all_gather(x) + D.sum_scatter(x) - D.all_max(x) + D.all_min(x)

    x = mx.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(np.array(f(x)), np.array(x) * 4)
    # Inside a fusable element-wise chain, differentiated, and shapeless.
    chain = mx.compile(lambda x: mx.maximum(D.all_sum(x * 2 + 1), 0) - x)
    np.testing.assert_allclose(np.array(chain(x)), np.maximum(np.array(x) * 2 + 1, 0) - np.array(x))
    g = mx.compile(mx.grad(lambda x: (D.all_max(x) * D.all_gather(x)).sum()))
    np.testing.assert_allclose(np.array(g(x)), 2 * np.array(x))
    shapeless = mx.compile(lambda x: D.sum_scatter(x) + 1, shapeless=True)
    assert shapeless(x).tolist() == [2.0, -1.0, 4.0]
    assert shapeless(mx.zeros((2, 2))).tolist() == [[1.0, 1.0], [1.0, 1.0]]


# ---- send / recv ---------------------------------------------------------------------

def test_send_recv_on_a_group_of_one():
    x = mx.ones((2, 3))
    for dst in (0, 1, -1):
        with pytest.raises(ValueError, match="singleton"):
            D.send(x, dst)
    with pytest.raises(ValueError):
        D.send(x, dst=0, group=D.init(), stream=mx.cpu)
    for src in (0, 1):
        with pytest.raises(ValueError, match="singleton"):
            D.recv((2, 3), mx.float32, src)
        with pytest.raises(ValueError, match="singleton"):
            D.recv_like(x, src)
    with pytest.raises(ValueError):
        D.recv(shape=(2,), dtype=mx.float32, src=0)
    with pytest.raises(ValueError):
        D.recv_like(3.0, src=0)


def test_send_recv_bad_argument_types():
    x = mx.ones(2)
    with pytest.raises(TypeError):
        D.send(x, "a")
    with pytest.raises(TypeError):
        D.recv((2,), "float32", 0)
    with pytest.raises(TypeError):
        D.recv_like(x, 1.5)
    with pytest.raises(TypeError):
        D.send(x, 0, D.init())  # group is keyword-only


# ---- transforms ----------------------------------------------------------------------

@pytest.mark.parametrize("op", COLLECTIVES)
def test_grad_through_collective(op):
    f = getattr(D, op)
    x = mx.array([1.0, 2.0, 3.0])
    # d/dx sum(f(x) * x) = 2x with one process (the reference gives [2, 4, 6] too).
    g = mx.grad(lambda x: (f(x) * x).sum())(x)
    np.testing.assert_allclose(np.array(g), [2.0, 4.0, 6.0])
    # Second derivative: d/dx of the gradient's sum is 2 everywhere.
    gg = mx.grad(lambda x: mx.grad(lambda x: (f(x) * x).sum())(x).sum())(x)
    np.testing.assert_allclose(np.array(gg), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("op", COLLECTIVES)
def test_grad_of_scalar_and_matrix(op):
    f = getattr(D, op)
    g = mx.grad(lambda s: f(s * s))(mx.array(3.0))
    assert g.shape == () and g.item() == 6.0
    w = mx.random.normal((3, 4))
    g = mx.grad(lambda w: (f(mx.sin(w)) ** 2).sum())(w)
    np.testing.assert_allclose(np.array(g), 2 * np.sin(np.array(w)) * np.cos(np.array(w)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", COLLECTIVES)
def test_jvp_through_collective(op):
    f = getattr(D, op)
    x = mx.array([1.0, 2.0, 3.0])
    t = mx.array([0.5, -1.0, 2.0])
    (out,), (tan,) = mx.jvp(lambda x: f(x * x), [x], [t])
    np.testing.assert_allclose(np.array(out), [1.0, 4.0, 9.0])
    np.testing.assert_allclose(np.array(tan), 2 * np.array(x) * np.array(t))


@pytest.mark.parametrize("op", COLLECTIVES)
@pytest.mark.parametrize("in_axes", [0, 1, 2])
def test_vmap_collective(op, in_axes):
    f = getattr(D, op)
    x = mx.arange(24, dtype=mx.float32).reshape(2, 3, 4)
    y = mx.vmap(lambda v: f(v) * 2, in_axes=in_axes)(x)
    expected = np.moveaxis(np.array(x), in_axes, 0) * 2
    np.testing.assert_array_equal(np.array(y), expected)


@pytest.mark.parametrize("op", COLLECTIVES)
def test_vmap_of_scalars_and_of_grad(op):
    f = getattr(D, op)
    x = mx.array([1.0, 2.0, 3.0])
    assert mx.vmap(f)(x).tolist() == [1.0, 2.0, 3.0]  # each example is a scalar
    g = mx.vmap(mx.grad(lambda s: f(s) ** 3))(x)
    np.testing.assert_allclose(np.array(g), 3 * np.array(x) ** 2)


def test_all_max_gradient_on_nan():
    # NaN results: the cotangent still reaches the input (one process holds them all).
    x = mx.array([np.nan, 1.0])
    g = mx.grad(lambda x: D.all_max(x).sum())(x)
    assert g.tolist() == [1.0, 1.0]

