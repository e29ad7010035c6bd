"""JAX interop: the page's example as written, plus DLPack both ways."""

import numpy as np
import pytest

import mlx.core as mx

jnp = pytest.importorskip("jax.numpy")
jax = pytest.importorskip("jax")


def test_page_example():
    a = mx.arange(3)
    b = jnp.array(a)
    c = mx.array(b)
    assert b.dtype == jnp.int32
    assert b.tolist() == [0, 1, 2]
    assert c.dtype == mx.int32
    assert c.tolist() == [0, 1, 2]


def test_float_and_multi_dim():
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3) / 2
    b = jnp.array(a)
    assert b.dtype == jnp.float32 and b.shape == (2, 3)
    np.testing.assert_array_equal(np.asarray(b), np.array(a))
    c = mx.array(b)
    assert c.dtype == mx.float32 and c.tolist() == a.tolist()
    # a non-contiguous mx view
    t = jnp.array(a.T)
    np.testing.assert_array_equal(np.asarray(t), np.array(a).T)


def test_jnp_from_dlpack():
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3)
    b = jnp.from_dlpack(a)
    assert b.dtype == jnp.float32 and b.shape == (2, 3)
    np.testing.assert_array_equal(np.asarray(b), np.arange(6, dtype=np.float32).reshape(2, 3))


@pytest.mark.parametrize("name", ["bool_", "uint8", "int8", "int32", "float16", "bfloat16", "float32"])
def test_jnp_from_dlpack_dtypes(name):
    a = mx.array([[0, 1], [1, 0]], getattr(mx, name))
    b = jnp.from_dlpack(a)
    assert str(b.dtype) == ("bool" if name == "bool_" else name)
    np.testing.assert_array_equal(np.asarray(b).astype(np.float32), [[0, 1], [1, 0]])


def test_mx_from_jax():
    b = jnp.arange(4, dtype=jnp.float32) * 1.5
    c = mx.from_dlpack(b)
    assert c.dtype == mx.float32 and c.tolist() == [0.0, 1.5, 3.0, 4.5]
    d = mx.asarray(b)
    assert d.tolist() == [0.0, 1.5, 3.0, 4.5]
    e = mx.array(jnp.ones((2, 2), dtype=jnp.bfloat16))
    assert e.dtype == mx.bfloat16 and e.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_jax_results_match_mx():
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    r_mx = mx.sum(mx.exp(mx.array(x)), axis=1)
    r_jax = jnp.sum(jnp.exp(jnp.array(x)), axis=1)
    np.testing.assert_allclose(np.array(r_mx), np.asarray(r_jax), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(jnp.array(r_mx)), np.asarray(r_jax), rtol=1e-5)
