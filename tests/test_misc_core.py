"""Odds and ends of mlx.core: print options, finfo/iinfo, dtype predicates and promotion
helpers, constants, ArrayLike and the Array API standard's namespace, device and mT."""

import math

import numpy as np
import pytest

import mlx.core as mx

FLOATS = {mx.float16: np.float16, mx.float32: np.float32, mx.float64: np.float64}
INTS = {mx.uint8: np.uint8, mx.uint16: np.uint16, mx.uint32: np.uint32, mx.uint64: np.uint64,
        mx.int8: np.int8, mx.int16: np.int16, mx.int32: np.int32, mx.int64: np.int64}


@pytest.fixture(autouse=True)
def restore_printoptions():
    yield
    mx.set_printoptions()


def test_default_print_format():
    assert mx.get_printoptions().precision == -1
    x = mx.array([1.0, 2.123456789, 1e-5])
    assert repr(x) == "array([1, 2.12346, 1e-05], dtype=float32)"


def test_set_printoptions_precision():
    x = mx.array([1.0, 2.123456789, 1e-5])
    mx.set_printoptions(precision=3)
    assert mx.get_printoptions().precision == 3
    assert repr(x) == "array([1.000, 2.123, 0.000], dtype=float32)"
    assert repr(mx.array([1 + 2.123456j])) == "array([1.000+2.123j], dtype=complex64)"
    assert repr(mx.array(0.5, mx.float64)) == "array(0.500, dtype=float64)"
    # Integers are unaffected.
    assert repr(mx.array([1, 2])) == "array([1, 2], dtype=int32)"
    mx.set_printoptions(precision=0)
    assert repr(mx.array([1.0, 2.6])) == "array([1, 3], dtype=float32)"
    mx.set_printoptions()
    assert repr(x) == "array([1, 2.12346, 1e-05], dtype=float32)"


def test_large_precision_and_magnitude():
    mx.set_printoptions(precision=30)
    s = repr(mx.array([1e308], mx.float64))
    assert s.startswith("array([1") and s.endswith(".000000000000000000000000000000], dtype=float64)")
    assert len(s) > 330


def test_printoptions_context_restores():
    x = mx.array([3.14159])
    mx.set_printoptions(precision=4)
    with mx.printoptions(precision=1) as ctx:
        assert isinstance(ctx, mx._PrintOptionsContext)
        assert mx.get_printoptions().precision == 1
        assert str(x) == "array([3.1], dtype=float32)"
    assert mx.get_printoptions().precision == 4
    with pytest.raises(RuntimeError):
        with mx.printoptions(precision=2):
            raise RuntimeError("boom")
    assert mx.get_printoptions().precision == 4


def test_print_options_object():
    po = mx.PrintOptions()
    assert po.precision == -1
    assert mx.PrintOptions(precision=3).precision == 3
    got = mx.get_printoptions()
    got.precision = 7  # a copy: the global options do not change
    assert mx.get_printoptions().precision == -1


@pytest.mark.parametrize("dt", list(FLOATS), ids=str)
def test_finfo_matches_numpy(dt):
    f, n = mx.finfo(dt), np.finfo(FLOATS[dt])
    assert f.min == float(n.min) and f.max == float(n.max)
    assert f.eps == float(n.eps)
    assert f.smallest_normal == float(n.smallest_normal) == f.tiny
    assert f.bits == n.bits and f.dtype == dt
    assert isinstance(f.max, float)


def test_finfo_bfloat16_and_complex():
    f = mx.finfo(mx.bfloat16)
    assert f.max == 3.3895313892515355e38 and f.min == -f.max
    assert f.eps == 2.0**-7 and f.smallest_normal == 2.0**-126 and f.bits == 16
    # The largest bfloat16 is representable and the next step overflows.
    assert mx.array(f.max, mx.bfloat16).item() == f.max
    c = mx.finfo(mx.complex64)
    assert c.dtype == mx.float32 and c.max == float(np.finfo(np.float32).max) and c.bits == 32
    assert repr(mx.finfo(mx.float16)) == "finfo(min=-65504, max=65504, dtype=float16)"


@pytest.mark.parametrize("dt", [mx.int32, mx.uint8, mx.bool_], ids=str)
def test_finfo_rejects_non_inexact(dt):
    with pytest.raises(ValueError, match="finfo"):
        mx.finfo(dt)


@pytest.mark.parametrize("dt", list(INTS), ids=str)
def test_iinfo_matches_numpy(dt):
    i, n = mx.iinfo(dt), np.iinfo(INTS[dt])
    assert (i.min, i.max, i.bits) == (int(n.min), int(n.max), n.bits)
    assert i.dtype == dt and isinstance(i.max, int)


def test_iinfo_rejects_non_integers():
    for dt in (mx.float32, mx.bool_, mx.complex64):
        with pytest.raises(ValueError, match="iinfo"):
            mx.iinfo(dt)
    assert repr(mx.iinfo(mx.int8)) == "iinfo(min=-128, max=127, dtype=int8)"


def test_dtype_categories_complete():
    names = ["complexfloating", "floating", "inexact", "signedinteger", "unsignedinteger",
             "integer", "number", "generic"]
    for n in names:
        assert getattr(mx, n) == getattr(mx.DtypeCategory, n)
    assert mx.issubdtype(mx.float32, mx.inexact) and mx.issubdtype(mx.floating, mx.inexact)
    assert mx.issubdtype(mx.bfloat16, mx.floating)
    assert mx.issubdtype(mx.uint8, mx.integer) and not mx.issubdtype(mx.uint8, mx.signedinteger)
    assert mx.issubdtype(mx.complex64, mx.number) and not mx.issubdtype(mx.bool_, mx.number)
    assert mx.issubdtype(mx.bool_, mx.generic)


def test_isdtype():
    assert mx.isdtype(mx.bfloat16, "real floating")
    assert not mx.isdtype(mx.bool_, "numeric")
    assert mx.isdtype(mx.complex64, "numeric") and mx.isdtype(mx.complex64, "complex floating")
    assert mx.isdtype(mx.int8, ("bool", mx.int8))
    assert mx.isdtype(mx.uint16, "integral") and mx.isdtype(mx.uint16, "unsigned integer")
    assert not mx.isdtype(mx.uint16, "signed integer")
    assert mx.isdtype(mx.bool_, "bool") and mx.isdtype(mx.float32, mx.float32)
    with pytest.raises(ValueError, match="Unknown data type kind"):
        mx.isdtype(mx.int8, "nope")
    with pytest.raises(ValueError):
        mx.isdtype(mx.int8, 3)


def test_can_cast_and_result_type():
    assert mx.can_cast(mx.int8, mx.int16) and not mx.can_cast(mx.int16, mx.int8)
    assert not mx.can_cast(mx.array([1.0]), mx.float16)
    assert mx.can_cast(mx.float32, mx.complex64)
    assert mx.result_type(mx.int8, mx.uint8) == mx.int16
    assert mx.result_type(mx.array([1], mx.int8), mx.float16) == mx.float16
    assert mx.result_type(mx.int32) == mx.int32
    # Agrees with the promotion of an actual operation.
    for a, b in [(mx.uint32, mx.int8), (mx.bfloat16, mx.float16), (mx.int64, mx.float32)]:
        assert mx.result_type(a, b) == (mx.zeros(1, a) + mx.zeros(1, b)).dtype
    with pytest.raises(ValueError, match="At least one"):
        mx.result_type()
    with pytest.raises(ValueError, match="arrays or dtypes"):
        mx.result_type(mx.int8, 2.0)


def test_constants():
    assert mx.pi == math.pi and mx.e == math.e
    assert mx.inf == math.inf and math.isnan(mx.nan)
    assert mx.euler_gamma == pytest.approx(0.5772156649015329, abs=0)
    assert mx.newaxis is None
    assert mx.zeros((2,))[mx.newaxis].shape == (1, 2)


def test_array_like():
    class Wrapper:
        def __init__(self, v):
            self.v = v

        def __mlx_array__(self):
            return mx.array(self.v)

    assert mx.array(Wrapper([1, 2])).tolist() == [1, 2]
    al = mx.ArrayLike([1.5])
    assert mx.array(al).tolist() == [1.5]
    assert mx.array(Wrapper([1, 2]), mx.float32).dtype == mx.float32


def test_array_api_namespace():
    a = mx.array([[1.0, 2.0], [3.0, 4.0]])
    ns = a.__array_namespace__()
    assert ns is mx
    info = ns.__array_namespace_info__()
    assert mx.Device(mx.cpu, 0) in info.devices()
    assert info.default_device() == mx.default_device()
    dd = info.default_dtypes()
    assert dd["real floating"] == mx.float32 and dd["integral"] == mx.int32
    assert dd["complex floating"] == mx.complex64 and dd["indexing"] == mx.int32
    assert set(info.dtypes(kind="integral").values()) == set(INTS)
    assert info.dtypes()["bool"] == mx.bool_
    assert set(info.capabilities()) >= {"boolean indexing", "data-dependent shapes"}
    with pytest.raises(ValueError):
        info.dtypes(device="nope")


def test_device_and_mT():
    a = mx.arange(24).reshape(2, 3, 4)
    assert a.device == mx.Device(mx.cpu, 0)
    assert (a + 1).device == mx.default_device()
    assert a.mT.shape == (2, 4, 3)
    assert np.array_equal(np.array(a.mT), np.swapaxes(np.arange(24).reshape(2, 3, 4), -1, -2))
    with pytest.raises(ValueError):
        mx.array([1, 2]).mT
    assert a.to_device(mx.cpu) is a
