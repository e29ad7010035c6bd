"""mx.array of a (nested) list holding arrays is a graph op (a stack of the pieces): grad,
jvp and vmap see through it. Dtypes and promotion of mixed lists as the reference gives them."""
import numpy as np
import pytest

import mlx.core as mx

from helpers import check_grad


def test_grad_of_duplicated_element():
    x = mx.array(1.0)
    g = mx.grad(lambda x: mx.array([x, x]).sum())(x)
    assert g.item() == 2.0 and g.dtype == mx.float32


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
def test_finite_differences(dtype):
    w = np.array([0.5, -1.5, 2.0])

    def f_mx(x):
        v = mx.array([x * x, mx.sin(x), 1.0]) * mx.array(w)
        return mx.real(v.sum()) if dtype == "complex64" else v.sum()

    def f_np(x):
        return float(np.real(np.sum(np.array([x * x, np.sin(x), 1.0]) * w)))

    if dtype == "float32":
        check_grad(f_mx, f_np, np.array(0.7), dtype="float32", rtol=1e-4, atol=1e-5)
    else:
        z = 0.3 + 0.4j
        g = mx.grad(f_mx)(mx.array(z, mx.complex64)).item()
        # d/dz of Re(sum(w * [z^2, sin z, 1])) in the reference's convention: conj(f'(z)).
        want = np.conj(w[0] * 2 * z + w[1] * np.cos(z))
        assert abs(g - want) < 1e-5


def test_nested_and_mixed_scalars():
    def f(x):
        return (mx.array([[x, 1], [2, 3 * x]]) * mx.array([[1.0, 10], [100, 1000]])).sum()

    assert mx.grad(f)(mx.array(2.0)).item() == 3001.0


def test_list_of_arrays_with_shapes():
    a = mx.array([1.0, 2.0])
    g = mx.grad(lambda a: (mx.array([a, 2 * a, [5.0, 6.0]]) ** 2).sum())(a)
    np.testing.assert_allclose(np.array(g), 2 * np.array([1.0, 2.0]) + 8 * np.array([1.0, 2.0]))


def test_jvp():
    _, (t,) = mx.jvp(lambda x: mx.array([x, 3 * x, 1.0]), [mx.array(2.0)], [mx.array(1.0)])
    assert t.tolist() == [1.0, 3.0, 0.0]


def test_dtype_argument_casts_in_the_graph():
    g = mx.grad(lambda x: mx.array([x, x], dtype=mx.float16).astype(mx.float32).sum())(mx.array(1.0))
    assert g.item() == 2.0


def test_vmap_rows_are_their_own():
    xs = mx.array([1.0, 2.0, 3.0])
    out = mx.vmap(lambda x: mx.array([x, 2 * x]))(xs)
    assert out.tolist() == [[1, 2], [2, 4], [3, 6]]
    out = mx.vmap(lambda x: mx.array([[x, 1], [2, x]]))(xs)
    np.testing.assert_array_equal(np.array(out), [[[v, 1], [2, v]] for v in [1, 2, 3]])


# (list, dtype, values) as the reference gives them.
PROMOTION = [
    (lambda: [mx.array(1), 2.5], mx.float32, [1.0, 2.5]),
    (lambda: [mx.array(1, mx.float16), 2.5], mx.float32, [1.0, 2.5]),
    (lambda: [mx.array(1, mx.float16), 2], mx.float16, [1.0, 2.0]),
    (lambda: [mx.array(1, mx.int8), 2], mx.int32, [1, 2]),
    (lambda: [mx.array(1, mx.int8), 2 ** 40], mx.int64, [1, 2 ** 40]),
    (lambda: [mx.array(1, mx.uint8), -3], mx.int32, [1, -3]),
    (lambda: [mx.array(True), 3], mx.int32, [1, 3]),
    (lambda: [mx.array(True), False], mx.bool_, [True, False]),
    (lambda: [mx.array(1.0), 1j], mx.complex64, [1 + 0j, 1j]),
    (lambda: [mx.array(1, mx.bfloat16), mx.array(1, mx.float16)], mx.float32, [1.0, 1.0]),
    (lambda: [[mx.array(1.0), 2], [3, mx.array(4, mx.int32)]], mx.float32, [[1.0, 2.0], [3.0, 4.0]]),
    (lambda: [mx.array([1, 2], mx.int16), [3, 4]], mx.int32, [[1, 2], [3, 4]]),
    (lambda: [mx.array([1, 2], mx.int16), [3, 4.5]], mx.float32, [[1, 2], [3, 4.5]]),
    (lambda: [mx.array(1, mx.int8), np.float64(2.5)], mx.float32, [1.0, 2.5]),
    (lambda: [mx.array(1, mx.uint32), 5], mx.int64, [1, 5]),
    (lambda: [mx.array(1, mx.int64), 2.5], mx.float32, [1.0, 2.5]),
    (lambda: (mx.array(1.0), mx.array(2.0)), mx.float32, [1.0, 2.0]),
]


@pytest.mark.parametrize("make,dtype,values", PROMOTION)
def test_promotion_as_reference(make, dtype, values):
    a = mx.array(make())
    assert a.dtype == dtype
    assert a.tolist() == values


def test_explicit_dtype_and_empty():
    assert mx.array([mx.array(1.5), 2], dtype=mx.int32).tolist() == [1, 2]
    e = mx.array([mx.zeros((0,)), mx.zeros((0,))])
    assert e.shape == (2, 0) and e.dtype == mx.float32
    e = mx.array([[], mx.zeros((0,))])
    assert e.shape == (2, 0)


@pytest.mark.parametrize("make", [lambda: [mx.array([1, 2]), 3],
                                  lambda: [mx.array([1, 2]), mx.array([1, 2, 3])]])
def test_ragged_raises(make):
    with pytest.raises(ValueError, match="non-uniform"):
        mx.array(make())
