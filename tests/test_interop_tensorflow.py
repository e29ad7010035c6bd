"""TensorFlow interop: the page's example as written (memoryview into
tf.constant, and mx.array of a TF tensor)."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import mlx.core as mx

tf = pytest.importorskip("tensorflow")


def test_page_example():
    a = mx.arange(3)
    b = tf.constant(memoryview(a))
    c = mx.array(b)
    assert b.dtype == tf.int32
    assert b.numpy().tolist() == [0, 1, 2]
    assert c.dtype == mx.int32
    assert c.tolist() == [0, 1, 2]


def test_float_memoryview():
    # (TensorFlow reads only 1-d memoryviews)
    a = mx.arange(6, dtype=mx.float32) * 0.5
    b = tf.constant(memoryview(a))
    assert b.dtype == tf.float32 and tuple(b.shape) == (6,)
    np.testing.assert_array_equal(b.numpy(), np.array(a))
    c = mx.array(b)
    assert c.dtype == mx.float32 and c.tolist() == a.tolist()


def test_multi_dim_tensor_to_mx():
    t = tf.reshape(tf.range(6, dtype=tf.float32), (2, 3))
    c = mx.array(t)
    assert c.shape == (2, 3) and c.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_mx_array_of_tf_tensor_dtypes():
    for tdt, mdt in [(tf.float32, mx.float32), (tf.int32, mx.int32), (tf.int64, mx.int64),
                     (tf.float16, mx.float16), (tf.bool, mx.bool_), (tf.uint8, mx.uint8)]:
        t = tf.cast(tf.constant([[0, 1], [1, 0]]), tdt)
        m = mx.array(t)
        assert m.dtype == mdt, (tdt, m.dtype)
        assert m.tolist() == [[0, 1], [1, 0]]


def test_tf_results_match_mx():
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    r_tf = tf.reduce_max(tf.sigmoid(tf.constant(x)), axis=0)
    r_mx = mx.max(mx.sigmoid(mx.array(x)), axis=0)
    np.testing.assert_allclose(np.array(r_mx), r_tf.numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.array(mx.array(r_tf)), r_tf.numpy())
