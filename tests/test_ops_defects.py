# Op-level wrong answers and missing checks (issue 12): NumPy is the oracle where it has the
# op; the reference's rules (values, exception types) where the behaviour is its own.
import math

import numpy as np
import pytest

import mlx.core as mx

INF, NAN = math.inf, math.nan
SIGNED = [mx.int8, mx.int16, mx.int32, mx.int64]
UNSIGNED = [mx.uint8, mx.uint16, mx.uint32, mx.uint64]
NP = {mx.int8: np.int8, mx.int16: np.int16, mx.int32: np.int32, mx.int64: np.int64, mx.uint8: np.uint8,
      mx.uint16: np.uint16, mx.uint32: np.uint32, mx.uint64: np.uint64, mx.float16: np.float16,
      mx.float32: np.float32, mx.float64: np.float64, mx.complex64: np.complex64}


# ---- power with negative integer exponents -------------------------------------------------

def _ipow(b, e, dt):
    """The reference's rule: a negative exponent gives 0 for every signed base; otherwise
    repeated multiplication wrapping in the dtype."""
    out = []
    for x, y in zip(b.tolist(), e.tolist()):
        if y < 0:
            out.append(0)
        else:
            out.append(int(np.array(pow(x, y, 2 ** (8 * np.dtype(NP[dt]).itemsize))).astype(np.uint64).astype(NP[dt])))
    return out


@pytest.mark.parametrize("dt", SIGNED)
def test_power_negative_exponent_signed(dt):
    b = [1, -1, 2, -2, 0, 3, 1, -1, 0, 5, -3]
    e = [-9, -1, -1, -2, -1, 0, -2, -2, 0, 3, 3]
    r = mx.power(mx.array(b, dt), mx.array(e, dt))
    assert r.dtype == dt
    assert r.tolist() == _ipow(np.array(b), np.array(e), dt)
    # scalar forms
    assert (mx.array(b, dt) ** -1).tolist() == [0] * len(b)
    assert mx.power(mx.array(1, dt), -3).item() == 0
    assert mx.power(1, mx.array([-1, -2, 2], dt)).tolist() == [0, 0, 1]


@pytest.mark.parametrize("dt", UNSIGNED)
def test_power_unsigned_wraps(dt):
    b = np.array([1, 255, 2, 3, 0], NP[dt])
    e = np.array([247, 255, 3, 4, 0], NP[dt])
    assert mx.power(mx.array(b), mx.array(e)).tolist() == np.power(b, e).tolist()


# ---- arange ------------------------------------------------------------------------------

@pytest.mark.parametrize("args, dtype", [
    ((2 ** 40, 2 ** 40 + 3), mx.int64),
    ((2 ** 31 - 2, 2 ** 31 + 2), mx.int64),
    ((-2 ** 31 - 2, -2 ** 31 + 1), mx.int64),
    ((0, 2 ** 33, 2 ** 31), mx.int64),
    ((-5, 5, 2 ** 40), mx.int64),
    ((0, 10, 2 ** 31), mx.int64),
    ((2 ** 31 - 3, 2 ** 31 - 1), mx.int32),
    ((-2 ** 31, -2 ** 31 + 2), mx.int32),
    ((3, 0, -1), mx.int32),
    ((0.5, 3), mx.float32),
    ((2 ** 40, 2 ** 40 + 3, 1.0), mx.float32),
])
def test_arange_widens_to_int64(args, dtype):
    r = mx.arange(*args)
    assert r.dtype == dtype
    expect = np.arange(*args, dtype=NP[dtype])
    assert r.tolist() == expect.tolist()


@pytest.mark.parametrize("args", [(2 ** 62, 2 ** 62 + 2), (2 ** 63 - 3, 2 ** 63 - 1), (-2 ** 63, -2 ** 63 + 2),
                                  (2 ** 63 - 1, -2 ** 63, -2 ** 62), (-2 ** 63 + 1, 2 ** 63 - 1, 2 ** 62),
                                  (2 ** 53 + 1, 2 ** 53 + 4), (5, 2 ** 60, 2 ** 59)])
def test_arange_exact_int64(args):
    r = mx.arange(*args)
    assert r.dtype == mx.int64
    assert r.tolist() == np.arange(*args, dtype=np.int64).tolist()


def test_arange_beyond_int64_raises():
    # OverflowError (the reference's nanobind refuses the int with TypeError)
    for args in [(2 ** 63 - 3, 2 ** 63 + 1), (2 ** 64, 2 ** 64 + 3), (-2 ** 63 - 2, -2 ** 63 + 2),
                 (0, 2 ** 200, 2 ** 199)]:
        with pytest.raises(OverflowError):
            mx.arange(*args)
    with pytest.raises(ValueError):
        mx.arange(2 ** 64)  # Maximum size exceeded
    assert mx.arange(2 ** 63, 2 ** 63).tolist() == []
    assert mx.arange(2 ** 63 - 3, 2 ** 63).tolist() == [2 ** 63 - 3, 2 ** 63 - 2, 2 ** 63 - 1]
    assert mx.arange(-2 ** 63 + 1, -2 ** 63 - 1, -1).tolist() == [-2 ** 63 + 1, -2 ** 63]
    assert mx.arange(0, 10, 2 ** 70).tolist() == [0]
    assert mx.arange(-2 ** 63, 2 ** 63 - 1, 2 ** 63).tolist() == [-2 ** 63, 0]


def test_arange_explicit_dtype_wraps():
    assert mx.arange(2 ** 31 - 2, 2 ** 31 + 2, dtype=mx.int32).tolist() == [2 ** 31 - 2, 2 ** 31 - 1, -2 ** 31,
                                                                            -2 ** 31 + 1]
    assert mx.arange(2 ** 40, 2 ** 40 + 3, dtype=mx.uint32).tolist() == [0, 1, 2]


def test_arange_infinite_step():
    assert mx.arange(0, 10, INF).tolist() == [0.0]
    assert mx.arange(0, -10, -INF).tolist() == [0.0]
    assert mx.arange(5, 0, -INF).tolist() == [5.0]
    assert mx.arange(0, 10, -INF).tolist() == []
    assert mx.arange(0, -10, INF).tolist() == []
    assert mx.arange(0, 0, INF).tolist() == []
    assert mx.arange(0, 10, INF, dtype=mx.int32).tolist() == [0]


def test_arange_argument_forms():
    with pytest.raises(TypeError):
        mx.arange(start=1, step=2)
    with pytest.raises(TypeError):
        mx.arange(start=3)
    with pytest.raises(TypeError):
        mx.arange()
    with pytest.raises(TypeError):
        mx.arange(None)
    assert mx.arange(1, step=2).tolist() == [0]
    assert mx.arange(5, step=2).tolist() == [0, 2, 4]
    assert mx.arange(stop=5, step=2).tolist() == [0, 2, 4]
    assert mx.arange(stop=3).tolist() == [0, 1, 2]
    assert mx.arange(0, None, 2).tolist() == []
    assert mx.arange(3, 1, step=-1).tolist() == [3, 2]
    assert mx.arange(0, 10, 3, mx.int64).dtype == mx.int64
    assert mx.arange(2.5, dtype=mx.int64).tolist() == [0, 1, 2]
    for bad in [lambda: mx.arange(True), lambda: mx.arange(0, True), lambda: mx.arange(0, 3, True),
                lambda: mx.arange(3, dtype=mx.bool_)]:
        with pytest.raises(ValueError):
            bad()


@pytest.mark.parametrize("args", [(0, 1, 0.1), (1.0, 0, -0.3), (-3, 7, 0.7), (0, 5, 1.5), (10.0,)])
def test_arange_float_values(args):
    r = mx.arange(*args)
    assert r.dtype == mx.float32
    np.testing.assert_allclose(np.array(r), np.arange(*args), rtol=1e-6, atol=1e-6)
    assert r.size == np.arange(*args).size


# ---- linspace ----------------------------------------------------------------------------

def _linspace_ref(start, stop, num, work):
    t = np.arange(num, dtype=work) / work(num - 1)
    return (work(1) - t) * work(start) + t * work(stop)


def test_linspace_endpoints_exact():
    r = mx.linspace(-0.9623337984085083, 0.16954189538955688, 5)
    assert r[0].item() == np.float32(-0.9623337984085083)
    assert r[-1].item() == np.float32(0.16954189538955688)


@pytest.mark.parametrize("dt", [mx.float32, mx.float64, mx.float16, mx.bfloat16, mx.int32, mx.int8])
def test_linspace_bits(dt):
    rng = np.random.default_rng(7)
    for _ in range(60):
        a, b = rng.standard_normal(2) * (10.0 ** rng.integers(-2, 3))
        if dt in (mx.int32, mx.int8):
            a, b = a * 3, b * 3
        n = int(rng.integers(2, 30))
        work = np.float64 if dt == mx.float64 else np.float32
        e = _linspace_ref(a, b, n, work)
        r = mx.linspace(a, b, n, dtype=dt)
        got = np.array(r.astype(mx.float32) if dt == mx.bfloat16 else r)
        if dt == mx.bfloat16:
            want = np.array(mx.array(e).astype(mx.bfloat16).astype(mx.float32))
        else:
            want = e.astype(NP[dt])
        assert np.array_equal(got, want), (a, b, n)
        if dt in (mx.float32, mx.float64):
            assert got[0] == work(a) and got[-1] == work(b)
    assert mx.linspace(1, 0, 1).tolist() == [1.0]
    assert mx.linspace(1, 2, 0).tolist() == []


# ---- complex scatter: divide, maximum, minimum -------------------------------------------

def test_at_divide_complex_update():
    r = mx.array([6.0, 6.0]).at[0].divide(mx.array(-3 + 1j))
    assert r.dtype == mx.float32
    np.testing.assert_allclose(r.tolist(), [-1.8, 6.0], rtol=1e-6)
    r = mx.array([6.0, 6.0]).at[0].divide(-3 + 1j)
    np.testing.assert_allclose(r.tolist(), [-1.8, 6.0], rtol=1e-6)
    # into a complex array: the complex quotient
    r = mx.array([6.0 + 1j, 2.0]).at[mx.array([0, 0])].divide(mx.array([2 - 1j, 1 + 1j]))
    np.testing.assert_allclose(np.array(r), [(6 + 1j) / (2 - 1j) / (1 + 1j), 2.0], rtol=1e-6)


@pytest.mark.parametrize("meth", ["maximum", "minimum"])
def test_at_max_min_complex(meth):
    a = mx.array([6 + 1j, 2 - 1j, -3 + 0.5j, 1 + 1j], mx.complex64)
    idx = mx.array([0, 2, 2, 3, 0])
    u = mx.array([6 + 2j, 7 + 0j, -3 + 0.4j, complex(NAN, 0), 5 + 9j], mx.complex64)
    r = getattr(a.at[idx], meth)(u)
    # Folding the element-wise op in index order gives the same.
    exp = np.array(a).copy()
    op = getattr(mx, meth)
    for i, v in zip(idx.tolist(), np.array(u)):
        exp[i] = op(mx.array(exp[i]), mx.array(v)).item()
    got = np.array(r)
    assert np.array_equal(np.isnan(got), np.isnan(exp))
    m = ~np.isnan(got)
    assert np.array_equal(got[m], exp[m])


# ---- complex products through infinities ------------------------------------------------

@pytest.mark.parametrize("vals", [
    [2 + 1j, 3 + 1j, complex(-INF, 1)],
    [complex(INF, 1)],
    [complex(INF, 0), 1j],
    [1 + 1j, complex(INF, 2), 2 - 1j],
    [complex(0, INF), 2 + 0j],
])
def test_complex_prod_infinities(vals):
    x = np.array(vals, np.complex64)
    # Products run in element order from the first element, as the reference's and NumPy's
    # cumprod (NumPy's prod multiplies the identity in first: inf+nanj for [inf+1j]).
    with np.errstate(all="ignore"):
        ec = np.cumprod(x)
    ep = ec[-1]
    np.testing.assert_array_equal(np.array(mx.prod(mx.array(x))), ep)
    np.testing.assert_array_equal(np.array(mx.cumprod(mx.array(x))), ec)
    # along an axis of a 2-d array, both layouts
    x2 = np.stack([x, x])
    np.testing.assert_array_equal(np.array(mx.prod(mx.array(x2), axis=1)), np.stack([ep, ep]))
    np.testing.assert_array_equal(np.array(mx.prod(mx.array(x2.T.copy()), axis=0)), np.stack([ep, ep]))
    np.testing.assert_array_equal(np.array(mx.cumprod(mx.array(x2.T.copy()), axis=0)), np.stack([ec, ec]).T)


# ---- float16 / bfloat16 scans round each step --------------------------------------------

def _accumulate(vals, dt, step):
    cast = (lambda v: float(np.float16(v))) if dt == mx.float16 else \
        (lambda v: mx.array(v, mx.float32).astype(mx.bfloat16).astype(mx.float32).item())
    out, acc = [], None
    for v in vals:
        v = cast(v)
        acc = v if acc is None else cast(step(acc, v))
        out.append(acc)
    return out


@pytest.mark.parametrize("dt", [mx.float16, mx.bfloat16])
def test_half_scans_round_each_step(dt):
    assert mx.cumsum(mx.array([2048, 1, 1], mx.float16)).tolist() == [2048, 2048, 2048]
    assert mx.cumprod(mx.array([300, 300, 0.1], mx.float16)).tolist() == [300, INF, INF]
    rng = np.random.default_rng(3)
    vals = (rng.standard_normal(300) * 40).tolist()
    x = mx.array(vals, dt)
    xs = x.astype(mx.float32).tolist()
    assert mx.cumsum(x).astype(mx.float32).tolist() == _accumulate(xs, dt, lambda a, b: a + b)
    assert mx.cumsum(x, reverse=True).astype(mx.float32).tolist() == \
        _accumulate(xs[::-1], dt, lambda a, b: a + b)[::-1]
    small = mx.array((1 + rng.standard_normal(40) * 0.05).tolist(), dt)
    ss = small.astype(mx.float32).tolist()
    assert mx.cumprod(small).astype(mx.float32).tolist() == _accumulate(ss, dt, lambda a, b: a * b)
    lse = mx.logcumsumexp(x).astype(mx.float32).tolist()
    want = _accumulate(xs, dt, lambda a, b: max(a, b) + math.log1p(math.exp(-abs(a - b))))
    np.testing.assert_allclose(lse, want, rtol=2e-3)
    # along a non-last axis (the tiled kernel)
    x2 = mx.stack([x, x], axis=1)
    assert mx.cumsum(x2, axis=0)[:, 1].astype(mx.float32).tolist() == _accumulate(xs, dt, lambda a, b: a + b)
    # cummax / cummin need no rounding
    assert mx.cummax(x).tolist() == np.maximum.accumulate(np.array(x.astype(mx.float32))).tolist()


# ---- unique ------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", [mx.float32, mx.float16, mx.bfloat16, mx.float64])
def test_unique_collapses_nans(dt):
    x = mx.array([NAN, 1.0, NAN, -0.0, 0.0, NAN], dt)
    v, idx, inv, cnt = mx.unique(x, return_index=True, return_inverse=True, return_counts=True)
    ev, eidx, einv, ecnt = np.unique(np.array(x.astype(mx.float32)), return_index=True, return_inverse=True,
                                     return_counts=True)
    assert np.array_equal(np.array(v.astype(mx.float32)), ev, equal_nan=True)
    assert idx.tolist() == eidx.tolist()
    assert inv.tolist() == einv.tolist()
    assert cnt.tolist() == ecnt.tolist()
    assert mx.unique(x, size=4).shape == (4,)


def test_unique_fill_value_out_of_range():
    x = mx.array([3, 1, 3], mx.uint8)
    with pytest.raises(ValueError):
        mx.unique(x, size=4, fill_value=-1)
    with pytest.raises(ValueError):
        mx.unique(x, size=4, fill_value=256)
    with pytest.raises(ValueError):
        mx.unique(mx.array([1], mx.int8), size=3, fill_value=128)
    with pytest.raises(ValueError):
        mx.unique(mx.array([1], mx.int64), size=3, fill_value=2 ** 63)
    assert mx.unique(x, size=4, fill_value=255).tolist() == [1, 3, 255, 255]
    assert mx.unique(mx.array([1], mx.int64), size=2, fill_value=-2 ** 63).tolist() == [1, -2 ** 63]
    assert mx.unique(mx.array([1], mx.uint64), size=2, fill_value=2 ** 64 - 1).tolist() == [1, 2 ** 64 - 1]


# ---- put_along_axis ------------------------------------------------------------------------

def test_put_along_axis_duplicates_and_empty():
    a = np.zeros((3, 4), np.float32)
    idx = np.array([[0, 0, 2, 2], [0, 1, 1, 1]])
    vals = np.arange(8, dtype=np.float32).reshape(2, 4)
    r = mx.put_along_axis(mx.array(a), mx.array(idx), mx.array(vals), axis=0)
    e = a.copy()
    np.put_along_axis(e, idx, vals, axis=0)  # NumPy also keeps the last write
    assert np.array_equal(np.array(r), e)
    # indices broadcast with the values (the reference's rule): a repeated index, last wins
    r = mx.put_along_axis(mx.zeros((2, 3)), mx.array([[0], [1]]), mx.array([[1.0, 2, 3, 4], [5, 6, 7, 8]]), axis=1)
    assert r.tolist() == [[4.0, 0.0, 0.0], [0.0, 8.0, 0.0]]
    r = mx.put_along_axis(mx.zeros((2, 3)), mx.array([[0, 0, 1, 1, 2]]), mx.arange(10.0).reshape(2, 5), axis=1)
    assert r.tolist() == [[1.0, 3.0, 4.0], [6.0, 8.0, 9.0]]
    r = mx.put_along_axis(mx.zeros((3,)), mx.array([0, 0, 2]), mx.array([1.0, 2.0, 3.0]), axis=None)
    assert r.tolist() == [2.0, 0.0, 3.0]
    e0 = mx.zeros((0,), mx.int32)
    r = mx.put_along_axis(e0, e0, e0, axis=None)
    assert r.shape == (0,) and r.dtype == mx.int32
    r = mx.put_along_axis(mx.zeros((0,)), mx.zeros((0,), mx.int32), mx.array([1.0]), axis=0)
    assert r.shape == (0,)
    r = mx.put_along_axis(mx.zeros((0, 3)), mx.zeros((0, 3), mx.int32), mx.zeros((0, 3)), axis=0)
    assert r.shape == (0, 3)
    with pytest.raises(IndexError):
        mx.eval(mx.put_along_axis(mx.zeros((0,)), mx.zeros((1,), mx.int32), mx.array([1.0]), axis=0))


# ---- .at dtypes ----------------------------------------------------------------------------

ATDT = [mx.bool_, mx.uint8, mx.int32, mx.int64, mx.float16, mx.bfloat16, mx.float32, mx.complex64]
VALS = {mx.bool_: [True, False, True], mx.complex64: [6 + 1j, 2 - 1j, -3 + 0.5j]}


@pytest.mark.parametrize("da", ATDT)
@pytest.mark.parametrize("du", ATDT)
def test_at_methods_dtypes(da, du):
    a = mx.array(VALS.get(da, [6, 3, 5]), da)
    u = mx.array(VALS.get(du, [2, 7, 3]), du)[:2]
    idx = mx.array([0, 2])
    for meth in ["add", "multiply", "maximum", "minimum", "subtract", "divide"]:
        if meth == "subtract" and da == mx.bool_ and du == mx.bool_:
            with pytest.raises(ValueError):
                a.at[idx].subtract(u)
            continue
        r = getattr(a.at[idx], meth)(u)
        assert r.dtype == da, meth
        # one position at a time equals the element-wise op with the same casts
        t = mx.promote_types(da, du) if hasattr(mx, "promote_types") else None
        for pos, k in [(0, 0), (2, 1)]:
            x, v = a[pos], u[k]
            if meth in ("add", "multiply", "maximum", "minimum"):
                want = getattr(mx, meth)(x, v.astype(da)).astype(da)
            elif meth == "subtract":
                pt = (x + v).dtype
                want = mx.add(x, mx.negative(v.astype(pt)).astype(da)).astype(da)
            else:
                pt = (x + v).dtype
                if not mx.issubdtype(pt, mx.inexact):
                    pt = mx.float32
                want = mx.multiply(x, mx.reciprocal(v.astype(pt)).astype(da)).astype(da)
            got = r[pos]
            assert np.array_equal(np.array(got.astype(mx.complex64)), np.array(want.astype(mx.complex64)),
                                  equal_nan=True), (meth, pos)


def test_at_subtract_into_bool_promotes():
    a = mx.array([True, False, True])
    assert a.at[mx.array([0, 2])].subtract(mx.array([2, 7], mx.uint8)).tolist() == [True, False, True]
    assert mx.array([True, False]).at[0].subtract(1).tolist() == [True, False]
    # int32 - uint8: the negation runs in int32 (the reference's wraps in uint8, giving 260)
    assert mx.array([6, 3]).at[0].subtract(mx.array(2, mx.uint8)).tolist() == [4, 3]


# ---- nan_to_num of complex ---------------------------------------------------------------

def test_nan_to_num_complex():
    x = np.array([1 + 2j, 3 - 1j], np.complex64)
    assert np.array_equal(np.array(mx.nan_to_num(mx.array(x))), x)
    y = np.array([complex(NAN, INF), complex(-INF, NAN), 1 + 2j], np.complex64)
    np.testing.assert_array_equal(np.array(mx.nan_to_num(mx.array(y))), np.nan_to_num(y))
    np.testing.assert_array_equal(np.array(mx.nan_to_num(mx.array(y), nan=1.5, posinf=2.0, neginf=-3.0)),
                                  np.nan_to_num(y, nan=1.5, posinf=2.0, neginf=-3.0))
    assert mx.nan_to_num(mx.array(1 + 2j)).item() == 1 + 2j


# ---- reductions of empty arrays over axis=() ---------------------------------------------

def test_logsumexp_empty_raises():
    for x in [mx.array([]), mx.zeros((0, 3))]:
        for kw in [dict(axis=()), dict(axis=0), dict()]:
            with pytest.raises(ValueError, match="empty"):
                mx.logsumexp(x, **kw)
    with pytest.raises(ValueError):
        mx.logsumexp(mx.zeros((0, 3)), axis=1)
    assert mx.logsumexp(mx.array(1.0), axis=()).item() == 1.0
    assert mx.logsumexp(mx.array([1.0, 2.0]), axis=()).tolist() == [1.0, 2.0]
    # the other reductions over no axis return the (empty) input, as the reference
    for f in [mx.max, mx.min, mx.sum, mx.prod, mx.mean, mx.var, mx.std, mx.all, mx.any]:
        assert f(mx.zeros((0, 3)), axis=()).shape == (0, 3)


# ---- nonzero, isclose, kron, take, in-place division ---------------------------------------

def test_nonzero_0d_raises():
    with pytest.raises(ValueError):
        mx.nonzero(mx.array(1))
    with pytest.raises(ValueError):
        np.nonzero(np.array(1))
    assert [c.tolist() for c in mx.nonzero(mx.array([0, 3, 0, 4]))] == [[1, 3]]


@pytest.mark.parametrize("a, b", [
    (np.array(2 ** 64 - 1, np.uint64), np.array(INF, np.float16)),
    (np.array(2049, np.int32), np.array(2048, np.float16)),
    (np.array(2 ** 24 + 1, np.int32), np.array(2 ** 24, np.float32)),
    (np.array(2 ** 40 + 1, np.int64), np.array(2 ** 40, np.int64)),
    (np.array([2 ** 53, 3], np.int64), np.array([2 ** 53, 3], np.uint64)),
    (np.array([100, -3], np.int8), np.array([100.04, -3], np.float16)),
    (np.array([1.0, NAN], np.float32), np.array([1.0 + 1e-7, NAN], np.float32)),
])
def test_isclose_mixed_dtypes_numpy(a, b):
    for rtol, atol in [(1e-5, 1e-8), (0.0, 0.0)]:
        assert mx.isclose(mx.array(a), mx.array(b), rtol=rtol, atol=atol).tolist() == \
            np.isclose(a, b, rtol=rtol, atol=atol).tolist()
        assert mx.allclose(mx.array(a), mx.array(b), rtol=rtol, atol=atol).item() == \
            np.allclose(a, b, rtol=rtol, atol=atol)
    assert mx.array_equal(mx.array(a), mx.array(b)).item() == np.array_equal(a, b)


def test_kron_empty_raises():
    for a, b in [(mx.array([]), mx.array([1, 2])), (mx.zeros((0, 2)), mx.ones((2, 2))),
                 (mx.ones((2, 2)), mx.zeros((2, 0)))]:
        with pytest.raises(ValueError):
            mx.kron(a, b)


def test_take_from_empty_axis_raises():
    with pytest.raises(ValueError):
        mx.take(mx.zeros((0,)), mx.array([0]))
    with pytest.raises(ValueError):
        mx.take(mx.zeros((2, 0)), mx.array([0]), axis=1)
    with pytest.raises(ValueError):
        mx.take(mx.zeros((0, 3)), 0, axis=0)
    assert mx.take(mx.zeros((0,)), mx.array([], mx.int32)).shape == (0,)
    assert mx.take(mx.zeros((0, 3)), mx.array([1]), axis=1).shape == (0, 1)


def test_inplace_division_keeps_integer_dtype():
    for dt in [mx.int32, mx.uint8, mx.int64, mx.bool_]:
        a = mx.array([1, 0], dt)
        with pytest.raises(ValueError):
            a /= 1
        b = mx.array([1, 0], dt)
        with pytest.raises(ValueError):
            b /= mx.array([1.5, 2.0])
    a = mx.array([1.0], mx.float16)
    a /= mx.array([2.0])
    assert a.dtype == mx.float32 and a.tolist() == [0.5]  # the reference promotes here
    c = mx.array([1 + 1j])
    c /= 2
    assert c.tolist() == [0.5 + 0.5j]
    i = mx.array([5])
    i //= 2
    assert i.tolist() == [2]
    i += 1.5  # other in-place ops follow the reference, which promotes
    assert i.dtype == mx.float32


# ---- an out-of-range index with an empty selection ----------------------------------------

def test_empty_selection_checks_indices():
    a = mx.zeros((2, 3))
    with pytest.raises(IndexError):
        np.zeros((2, 3))[np.array([5]), 1:1] = 1
    b = mx.zeros((2, 3))
    with pytest.raises(IndexError):  # raised when evaluated, as every index check here
        b[mx.array([5]), 1:1] = 1
        mx.eval(b)
    with pytest.raises(IndexError):
        mx.eval(a.at[mx.array([5]), 1:1].add(1))
    with pytest.raises(IndexError):
        mx.eval(a[mx.array([5]), 1:1])
    with pytest.raises(IndexError):
        mx.eval(a[1:1, mx.array([-4])])
    # in-range indices with an empty selection are fine
    a[mx.array([1]), 1:1] = 1
    assert a[mx.array([1]), 1:1].shape == (1, 0)
    assert a[mx.array([], mx.int32), 1].shape == (0,)


# ---- boolean-mask assignment -------------------------------------------------------------

def test_mask_assign_0d_and_python_bool():
    for m in [mx.array(True), True]:
        a = mx.array([1.0, 2, 3])
        a[m] = 5.0
        assert a.tolist() == [5.0, 5.0, 5.0]
        b = mx.array([[1.0, 2], [3, 4]])
        b[m] = mx.array([4.0, 5])
        assert b.tolist() == [[4.0, 5.0], [4.0, 5.0]]
    for m in [mx.array(False), False]:
        a = mx.array([1.0, 2, 3])
        a[m] = 5.0
        assert a.tolist() == [1.0, 2.0, 3.0]
    # reading with a Python bool raises, as in the reference
    with pytest.raises(ValueError):
        mx.array([1.0, 2, 3])[True]


def test_mask_assign_consumes_source_in_order():
    for m in [[True, False, True], mx.array([True, False, True]), np.array([True, False, True])]:
        a = mx.array([1.0, 2, 3])
        a[m] = mx.array([5.0, 6, 7, 8])
        assert a.tolist() == [5.0, 2.0, 6.0]
    a = mx.array([[1.0, 2], [3, 4]])
    a[mx.array([[True, False], [False, True]])] = mx.array([5.0, 6, 7])
    assert a.tolist() == [[5.0, 2.0], [3.0, 6.0]]
    a = mx.array([1.0, 2, 3])
    a[mx.array([True, False, True])] = mx.array([5.0, 6])
    assert a.tolist() == [5.0, 2.0, 6.0]
    a[mx.array([True, False, True])] = mx.array([9.0])
    assert a.tolist() == [9.0, 2.0, 9.0]
    with pytest.raises(ValueError):
        a[mx.array([True, True, True])] = mx.array([1.0, 2.0])
    # a mask over leading axes broadcasts the value to the selected rows
    b = mx.array([[1.0, 2], [3, 4]])
    b[mx.array([True, False])] = mx.array([5.0, 6])
    assert b.tolist() == [[5.0, 6.0], [3.0, 4.0]]
    b[mx.array([True, True])] = mx.array([[7.0, 8], [9, 10]])
    assert b.tolist() == [[7.0, 8.0], [9.0, 10.0]]


def test_mask_assign_empty_is_noop():
    a = mx.array([1.0, 2, 3])
    a[mx.array([False, False, False])] = mx.array([])
    assert a.tolist() == [1.0, 2.0, 3.0]
    a[mx.array([False, False, False])] = mx.array([1.0, 2.0])
    assert a.tolist() == [1.0, 2.0, 3.0]
    e = mx.zeros((0,))
    e[mx.zeros((0,), mx.bool_)] = mx.array([])
    assert e.shape == (0,)


def test_mask_assign_in_vmap():
    def f(x):
        x[x < 0] = 0.0
        return x

    x = mx.array([[1.0, -2], [3, -4]])
    assert mx.vmap(f)(x).tolist() == [[1.0, 0.0], [3.0, 0.0]]

    def g(x, v):
        x[x < 0] = v
        return x

    assert mx.vmap(g)(x, mx.array([5.0, 6.0])).tolist() == [[1.0, 5.0], [3.0, 6.0]]

    def h(x):
        x[x < 0] = mx.array([7.0, 8.0])
        return x

    assert mx.vmap(h)(x).tolist() == [[1.0, 7.0], [3.0, 7.0]]

    def k(x):
        x[mx.array(True)] = 3.0
        return x

    assert mx.vmap(k)(x).tolist() == [[3.0, 3.0], [3.0, 3.0]]
