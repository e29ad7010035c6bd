"""erf and erfinv against float64 oracles: dtypes, accuracy in ulps, edge values,
gradients by finite differences, vmap and bad inputs."""

import math

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, INTEGER, check_grad, mxdt, sample, to_np

np_erf = np.vectorize(math.erf, otypes=[np.float64])


def np_erfinv(y):
    """float64 erfinv by bisection on math.erf / math.erfc (slow, independent)."""
    y = np.asarray(y, dtype=np.float64)
    out = np.empty_like(y)
    for i, v in np.ndenumerate(y):
        if np.isnan(v) or abs(v) > 1:
            out[i] = np.nan
            continue
        if abs(v) == 1:
            out[i] = math.copysign(math.inf, v)
            continue
        # Bisection over the bit patterns of non-negative doubles: exact to the last bit.
        a, lo, hi = abs(v), 0, int(np.float64(10.0).view(np.int64))
        while hi - lo > 1:
            mid = (lo + hi) // 2
            m = float(np.int64(mid).view(np.float64))
            # erfc for the tail keeps the comparison exact near 1.
            below = math.erf(m) < a if a < 0.5 else math.erfc(m) > 1 - a
            lo, hi = (mid, hi) if below else (lo, mid)
        lo = float(np.int64(lo).view(np.float64))
        out[i] = math.copysign(lo, v)
    return out


def ulp_diff(got, want):
    """Distance in float32 ulps between float32 arrays."""
    g = np.asarray(got, np.float32).view(np.int32).astype(np.int64)
    w = np.asarray(want, np.float32).view(np.int32).astype(np.int64)
    g = np.where(g < 0, -(g & 0x7FFFFFFF), g)
    w = np.where(w < 0, -(w & 0x7FFFFFFF), w)
    return np.abs(g - w)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", ["erf", "erfinv"])
def test_dtypes(op, name):
    fn = getattr(mx, op)
    x = sample((3, 4), name, low=-1, high=1) if name != "complex64" else np.ones((2,), np.complex64)
    if name in INTEGER or name == "bool_":
        x = np.clip(x, 0, 1)  # values in erfinv's domain
    a = mx.array(x, dtype=mxdt(name))
    if name == "complex64":
        with pytest.raises(ValueError):
            fn(a)
        return
    out = fn(a)
    expect_dt = name if name in ("float16", "bfloat16", "float32", "float64") else "float32"
    assert out.dtype == mxdt(expect_dt)
    ref = (np_erf if op == "erf" else np_erfinv)(to_np(a).astype(np.float64))
    tol = {"float16": 2e-3, "bfloat16": 1.6e-2}.get(expect_dt, 1e-6)
    np.testing.assert_allclose(to_np(out).astype(np.float64), ref, rtol=tol, atol=tol)


def test_erf_float64_accuracy():
    x = np.concatenate([np.linspace(-6, 6, 2001), [1e-300, -1e-20, 0.0, 30.0]])
    out = to_np(mx.erf(mx.array(x, mx.float64)))
    np.testing.assert_allclose(out, np_erf(x), rtol=1e-15, atol=0)


def test_erf_float32_ulps():
    x = np.linspace(-5, 5, 20001, dtype=np.float32)
    out = to_np(mx.erf(mx.array(x)))
    want = np_erf(x.astype(np.float64)).astype(np.float32)
    assert ulp_diff(out, want).max() <= 2


def test_erfinv_float32_ulps():
    # erfinv feeds the normal sampler: within 2 ulp everywhere, tails included (float32
    # values next to +-1), and correctly rounded for most inputs.
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.uniform(-1, 1, 4000), 1 - np.logspace(-7.2, -0.3, 500),
                        np.logspace(-38, -1, 200)]).astype(np.float32)
    y = np.concatenate([y, -y, np.nextafter(np.float32([1, -1]), np.float32(0))])
    out = to_np(mx.erfinv(mx.array(y)))
    want = np_erfinv(y.astype(np.float64)).astype(np.float32)
    d = ulp_diff(out, want)
    assert d.max() <= 2
    assert (d == 0).mean() > 0.75


def test_erfinv_float64_roundtrip():
    y = np.concatenate([np.linspace(-0.999, 0.999, 999), 1 - np.logspace(-15, -1, 50), [1e-300, 0.5]])
    x = to_np(mx.erfinv(mx.array(y, mx.float64)))
    np.testing.assert_allclose(x, np_erfinv(y), rtol=2e-15, atol=0)
    assert abs(x[-1] - 0.47693627620446987) < 1e-16


def test_edge_values():
    y = mx.array([-1.0, 1.0, 1.5, -2.0, 0.0, -0.0, float("nan")])
    out = to_np(mx.erfinv(y))
    assert out[0] == -np.inf and out[1] == np.inf
    assert np.isnan(out[2]) and np.isnan(out[3]) and np.isnan(out[6])
    assert out[4] == 0 and not np.signbit(out[4]) and np.signbit(out[5])
    e = to_np(mx.erf(mx.array([-np.inf, np.inf, 0.0, np.nan, 10.0])))
    assert e[0] == -1 and e[1] == 1 and e[2] == 0 and np.isnan(e[3]) and e[4] == 1


def test_shapes_and_layouts():
    x = sample((4, 6), "float32", low=-0.9, high=0.9)
    a = mx.array(x)
    for op, ref in (("erf", np_erf), ("erfinv", np_erfinv)):
        fn = getattr(mx, op)
        assert fn(mx.zeros((0, 3))).shape == (0, 3)
        np.testing.assert_allclose(to_np(fn(a.T)), ref(x.T.astype(np.float64)), rtol=1e-5)
        np.testing.assert_allclose(to_np(fn(a[::2, 1::3])), ref(x[::2, 1::3].astype(np.float64)), rtol=1e-5)
        np.testing.assert_allclose(to_np(fn(mx.broadcast_to(a[0], (3, 6)))),
                                   ref(np.broadcast_to(x[0], (3, 6)).astype(np.float64)), rtol=1e-5)
        assert fn(mx.array(0.25)).shape == ()
        assert fn(0.25).item() == pytest.approx(ref(np.float64(0.25)).item(), rel=1e-6)


def test_gradients():
    x = np.array([-0.7, -0.1, 0.3, 0.9])
    check_grad(lambda a: mx.sum(mx.erf(a)), lambda a: np_erf(a).sum(), x)
    check_grad(lambda a: mx.sum(mx.erfinv(a)), lambda a: np_erfinv(a).sum(), x, rtol=1e-6)
    # Second derivative of erf: -2x * erf'(x).
    g2 = mx.grad(mx.grad(mx.erf))(mx.array(0.5, mx.float64)).item()
    assert g2 == pytest.approx(-2 * 0.5 * 2 / math.sqrt(math.pi) * math.exp(-0.25), rel=1e-12)
    t = mx.array([1.0, 2.0])
    p = mx.array([0.25, -0.5])
    _, (jt,) = mx.jvp(mx.erfinv, [p], [t])
    np.testing.assert_allclose(to_np(jt), np.array([1, 2]) * math.sqrt(math.pi) / 2 * np.exp(np_erfinv([0.25, -0.5]) ** 2),
                               rtol=1e-5)


def test_vmap():
    x = mx.array(sample((3, 5), "float32", low=-0.9, high=0.9))
    for fn in (mx.erf, mx.erfinv):
        out = mx.vmap(fn, in_axes=1)(x)
        expected = np.stack([to_np(fn(x[:, i])) for i in range(5)])
        # Strided columns and contiguous runs may take libm's scalar and vector variants.
        np.testing.assert_allclose(to_np(out), expected, rtol=5e-7, atol=1e-7)


def test_bad_inputs():
    with pytest.raises(ValueError):
        mx.erf(mx.array([1j]))
    with pytest.raises(ValueError):
        mx.erfinv("x")  # as the reference
