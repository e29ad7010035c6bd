"""mx.fast.cross_entropy and gated_delta_update (against NumPy float64 formulas, with
gradients, vmap and bad inputs), and the GPU-kernel entry points of a build without a GPU."""

import numpy as np
import pytest

import mlx.core as mx


def A(a):
    """A float64 mlx array of a (mx.array alone would make float64 NumPy data float32)."""
    return mx.array(np.asarray(a, np.float64), dtype=mx.float64)

FLOATS = ["float16", "bfloat16", "float32", "float64"]


def to64(a):
    return np.array(a.astype(mx.float32) if a.dtype == mx.bfloat16 else a).astype(np.float64)


def np_ce(logits, targets):
    l = logits.astype(np.float64)
    m = l.max(-1, keepdims=True)
    lse = (m + np.log(np.exp(l - m).sum(-1, keepdims=True)))[..., 0]
    return lse - np.take_along_axis(l, targets[..., None].astype(np.int64) % l.shape[-1], -1)[..., 0]


# ---- cross_entropy --------------------------------------------------------------------------

@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("shape", [(2, 3), (4, 5, 100), (7,), (3, 50000)])
def test_cross_entropy_matches_numpy(dt, shape):
    rng = np.random.default_rng(0)
    lm = mx.array(rng.standard_normal(shape).astype(np.float32) * 4).astype(getattr(mx, dt))
    t = rng.integers(0, shape[-1], shape[:-1])
    for tdt in (mx.int32, mx.uint8 if shape[-1] < 256 else mx.int64):
        y = mx.fast.cross_entropy(lm, mx.array(t).astype(tdt))
        assert y.dtype == mx.float32 and y.shape == shape[:-1]
        tol = 1e-5 if dt in ("float32", "float64") else 1e-4  # float32 accumulation for halves too
        np.testing.assert_allclose(np.array(y), np_ce(to64(lm), t), rtol=tol, atol=tol)


def test_cross_entropy_negative_targets_noncontiguous_and_empty():
    rng = np.random.default_rng(1)
    l = rng.standard_normal((6, 4)).astype(np.float32)
    lm = mx.array(l).T  # (4, 6) strided
    t = np.array([0, -1, 5, -6])
    np.testing.assert_allclose(np.array(mx.fast.cross_entropy(lm, mx.array(t))), np_ce(l.T, t), rtol=1e-6, atol=1e-6)
    assert mx.fast.cross_entropy(mx.zeros((0, 4)), mx.zeros((0,), dtype=mx.int32)).shape == (0,)
    assert mx.fast.cross_entropy(mx.zeros((2, 0, 3)), mx.zeros((2, 0), dtype=mx.int32)).shape == (2, 0)


def test_cross_entropy_special_values():
    l = mx.array([[1.0, np.inf, 3.0], [0.0, np.nan, 5.0], [-np.inf, 0.0, 0.0]])
    y = np.array(mx.fast.cross_entropy(l, mx.array([1, 0, 0])))
    assert np.isnan(y[0]) and np.isnan(y[1]) and y[2] == np.inf


def test_cross_entropy_out_of_range_target_raises():
    with pytest.raises(IndexError, match="out of range"):
        mx.eval(mx.fast.cross_entropy(mx.zeros((2, 3)), mx.array([0, 3])))
    with pytest.raises(IndexError, match="out of range"):
        mx.eval(mx.fast.cross_entropy(mx.zeros((2, 3)), mx.array([-4, 0])))


def test_cross_entropy_grad_jvp_vmap():
    rng = np.random.default_rng(2)
    l = rng.standard_normal((3, 5))
    t = mx.array([0, 4, -2])
    c = A(rng.standard_normal(3))
    f = lambda l: (mx.fast.cross_entropy(l, t) * c).sum()
    g = mx.grad(f)(A(l))
    p = np.exp(l - l.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    onehot = np.eye(5)[np.array(t) % 5]
    np.testing.assert_allclose(np.array(g), (p - onehot) * np.array(c)[:, None], rtol=1e-6, atol=1e-7)
    tl = A(rng.standard_normal((3, 5)))
    _, (jt,) = mx.jvp(lambda l: mx.fast.cross_entropy(l, t), [A(l)], [tl])
    np.testing.assert_allclose(np.array(jt), ((p - onehot) * np.array(tl)).sum(-1), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="targets"):
        mx.grad(lambda t: mx.fast.cross_entropy(A(l), t).sum())(t)
    # Gradient dtype follows the logits.
    assert mx.grad(lambda l: mx.fast.cross_entropy(l, t).sum())(mx.array(l).astype(mx.float16)).dtype == mx.float16
    L = mx.array(rng.standard_normal((4, 2, 6)).astype(np.float32))
    T = mx.array(rng.integers(0, 6, (4, 2)))
    got = mx.vmap(mx.fast.cross_entropy)(L, T)
    loop = mx.stack([mx.fast.cross_entropy(L[i], T[i]) for i in range(4)])
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6)
    got = mx.vmap(lambda t: mx.fast.cross_entropy(L[0], t))(T)
    loop = mx.stack([mx.fast.cross_entropy(L[0], T[i]) for i in range(4)])
    np.testing.assert_allclose(np.array(got), np.array(loop), rtol=1e-6)


def test_cross_entropy_bad_inputs():
    l = mx.zeros((2, 3))
    cases = [
        (lambda: mx.fast.cross_entropy(l, mx.array([0.0, 2.0])), ValueError, "integer class indices but got float32"),
        (lambda: mx.fast.cross_entropy(l, mx.array([True, False])), ValueError, "integer class indices but got bool"),
        (lambda: mx.fast.cross_entropy(l, mx.array([0, 2, 1])), ValueError, r"targets shape \(3\) does not match"),
        (lambda: mx.fast.cross_entropy(l, mx.array(0)), ValueError, "does not match"),
        (lambda: mx.fast.cross_entropy(mx.array(1.0), mx.array(0)), ValueError, "at least 1 dimension"),
        (lambda: mx.fast.cross_entropy(l.astype(mx.int32), mx.array([0, 2])), ValueError, "unsupported logits type int32"),
        (lambda: mx.fast.cross_entropy(mx.zeros((2, 0)), mx.array([0, 0])), ValueError, "empty last axis"),
        (lambda: mx.fast.cross_entropy(l, [0, 1]), TypeError, ""),
    ]
    for f, exc, text in cases:
        with pytest.raises(exc, match=text or None):
            mx.eval(f())


# ---- gated_delta_update ----------------------------------------------------------------------

def np_gdu(q, k, v, g, beta, s0=None, mask=None):
    q, k, v, g, beta = (np.asarray(a, np.float64) for a in (q, k, v, g, beta))
    B, T, Hk, Dk = q.shape
    Hv, Dv = v.shape[2], v.shape[3]
    S = np.zeros((B, Hv, Dv, Dk)) if s0 is None else np.array(s0, np.float64).copy()
    out = np.zeros((B, T, Hv, Dv))
    r = Hv // Hk
    for b in range(B):
        for t in range(T):
            if mask is not None and not mask[b, t]:
                continue
            for h in range(Hv):
                kk, qq = k[b, t, h // r], q[b, t, h // r]
                A = S[b, h] * g[b, t, h]  # scalar or per-key-feature (broadcast over rows)
                d = (v[b, t, h] - A @ kk) * beta[b, t, h]
                S[b, h] = A + np.outer(d, kk)
                out[b, t, h] = S[b, h] @ qq
    return out, S


def gdu_inputs(B=2, T=5, Hk=2, Hv=4, Dk=8, Dv=6, per_dim=False, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((B, T, Hk, Dk)) * 0.5
    k = rng.standard_normal((B, T, Hk, Dk)) * 0.5
    v = rng.standard_normal((B, T, Hv, Dv))
    g = rng.random((B, T, Hv, Dk) if per_dim else (B, T, Hv)) * 0.5 + 0.5
    beta = rng.random((B, T, Hv))
    return q, k, v, g, beta


@pytest.mark.parametrize("per_dim", [False, True])
def test_gated_delta_matches_numpy(per_dim):
    q, k, v, g, beta = gdu_inputs(per_dim=per_dim)
    args = [mx.array(a.astype(np.float32)) for a in (q, k, v, g, beta)]
    out, st = mx.fast.gated_delta_update(*args)
    eo, es = np_gdu(q, k, v, g, beta)
    assert out.dtype == mx.float32 and st.dtype == mx.float32 and st.shape == (2, 4, 6, 8)
    np.testing.assert_allclose(np.array(out), eo, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.array(st), es, rtol=1e-4, atol=1e-5)
    rng = np.random.default_rng(1)
    s0 = rng.standard_normal((2, 4, 6, 8))
    mask = rng.random((2, 5)) > 0.3
    out, st = mx.fast.gated_delta_update(*args, mx.array(s0.astype(np.float32)), mx.array(mask))
    eo, es = np_gdu(q, k, v, g, beta, s0, mask)
    np.testing.assert_allclose(np.array(out), eo, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.array(st), es, rtol=1e-4, atol=1e-5)
    # A float mask counts its nonzero entries; a broadcastable state is broadcast.
    out2, _ = mx.fast.gated_delta_update(*args, mx.array(s0[:1].astype(np.float32)), mx.array(mask.astype(np.float32)))
    eo2, _ = np_gdu(q, k, v, g, beta, np.broadcast_to(s0[:1], s0.shape), mask)
    np.testing.assert_allclose(np.array(out2), eo2, rtol=1e-4, atol=1e-5)


def test_gated_delta_dtypes():
    q, k, v, g, beta = gdu_inputs(seed=2)
    for dt, out_dt, st_dt in [(mx.float16, mx.float16, mx.float32), (mx.bfloat16, mx.bfloat16, mx.float32),
                              (mx.float64, mx.float64, mx.float64), (mx.float32, mx.float32, mx.float32)]:
        args = [mx.array(a.astype(np.float32)).astype(dt) for a in (q, k, v, g, beta)]
        out, st = mx.fast.gated_delta_update(*args)
        assert out.dtype == out_dt and st.dtype == st_dt
        eo, _ = np_gdu(*[to64(a) for a in args])
        tol = {mx.float16: 1e-2, mx.bfloat16: 5e-2}.get(dt, 1e-4)
        np.testing.assert_allclose(to64(out), eo, rtol=tol, atol=tol)
    ints = [mx.array((a * 4).astype(np.int32)) for a in (q, k, v, g, beta)]
    out, st = mx.fast.gated_delta_update(*ints)
    assert out.dtype == mx.float32 and st.dtype == mx.float32
    # Empty sequence: zero outputs, the initial state unchanged.
    e = [np.zeros((2, 0) + a.shape[2:], np.float32) for a in (q, k, v, g, beta)]
    out, st = mx.fast.gated_delta_update(*[mx.array(a) for a in e], mx.ones((2, 4, 6, 8)))
    assert out.shape == (2, 0, 4, 6) and np.all(np.array(st) == 1)


def test_gated_delta_grads_by_finite_differences():
    q, k, v, g, beta = gdu_inputs(B=1, T=3, Hk=1, Hv=2, Dk=3, Dv=2, seed=3)
    s0 = np.random.default_rng(4).standard_normal((1, 2, 2, 3))
    base = [q, k, v, g, beta, s0]
    rng = np.random.default_rng(5)
    co, cs = A(rng.standard_normal((1, 3, 2, 2))), A(rng.standard_normal((1, 2, 2, 3)))

    def loss(*a):
        out, st = mx.fast.gated_delta_update(*a)
        return (out * co).sum() + (st * cs).sum()

    grads = mx.grad(loss, argnums=tuple(range(6)))(*[A(a) for a in base])
    for i, x in enumerate(base):
        fd = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[idx] += 1e-6
            xm[idx] -= 1e-6
            ap = [A(a) for a in base]
            am = [A(a) for a in base]
            ap[i], am[i] = A(xp), A(xm)
            fd[idx] = (loss(*ap).item() - loss(*am).item()) / 2e-6
        np.testing.assert_allclose(np.array(grads[i]), fd, rtol=1e-5, atol=1e-6)
    t = [A(rng.standard_normal(a.shape)) for a in base]
    _, (jo, js) = mx.jvp(lambda *a: mx.fast.gated_delta_update(*a), [A(a) for a in base], t)
    ep = [A(a) + 1e-6 * d for a, d in zip(base, t)]
    em = [A(a) - 1e-6 * d for a, d in zip(base, t)]
    fo = (mx.fast.gated_delta_update(*ep)[0] - mx.fast.gated_delta_update(*em)[0]) / 2e-6
    np.testing.assert_allclose(np.array(jo), np.array(fo), rtol=1e-5, atol=1e-6)


def test_gated_delta_vmap_matches_loop():
    q, k, v, g, beta = gdu_inputs(B=1, T=4, seed=6)
    Q = mx.array(np.stack([q, q * 2, -q]).astype(np.float32))
    rest = [mx.array(a.astype(np.float32)) for a in (k, v, g, beta)]
    got = mx.vmap(lambda q: mx.fast.gated_delta_update(q, *rest))(Q)
    for j in range(2):
        loop = mx.stack([mx.fast.gated_delta_update(Q[i], *rest)[j] for i in range(3)])
        np.testing.assert_allclose(np.array(got[j]), np.array(loop), rtol=1e-6, atol=1e-6)


def test_gated_delta_bad_inputs():
    q, k, v, g, beta = (mx.array(a.astype(np.float32)) for a in gdu_inputs())
    cases = [
        (lambda: mx.fast.gated_delta_update(q[0], k, v, g, beta), "q must have shape"),
        (lambda: mx.fast.gated_delta_update(q, k[..., :7], v, g, beta), "k must have the shape of q"),
        (lambda: mx.fast.gated_delta_update(q, k, v[:, :4], g, beta), "v must have shape"),
        (lambda: mx.fast.gated_delta_update(q, k, v[:, :, :3], g[..., :3], beta[..., :3]), "multiple of the key heads"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g[..., None] * mx.ones(5), beta), "gamma must have shape"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g[..., :2], beta), "gamma must have shape"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g, beta[..., :2]), "beta must have shape"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g, beta, mx.zeros((2, 4, 8, 6))), "initial_state must have shape"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g, beta, None, mx.ones((2, 5, 4))), "mask must have shape"),
        (lambda: mx.fast.gated_delta_update(q, k, v, g, beta, None, mx.ones((3,))), "mask must have shape"),
        (lambda: mx.fast.gated_delta_update(q.astype(mx.complex64), k, v, g, beta), "complex"),
    ]
    for f, text in cases:
        with pytest.raises(ValueError, match=text):
            mx.eval(f())


# ---- GPU kernel entry points -------------------------------------------------------------------

def test_gpu_kernels_raise_without_gpu():
    assert mx.metal.is_available() is False
    k = mx.fast.metal_kernel("k", ["a"], ["b"], "b[0] = a[0];")
    assert callable(k)
    with pytest.raises(RuntimeError, match=r"\[metal_kernel\] No Metal back-end"):
        k(inputs=[mx.zeros(3)], output_shapes=[(3,)], output_dtypes=[mx.float32], grid=(1, 1, 1),
          threadgroup=(1, 1, 1))
    with pytest.raises(TypeError):
        k()
    with pytest.raises(RuntimeError, match=r"\[cuda_kernel\] No CUDA back-end"):
        mx.fast.cuda_kernel("k", ["a"], ["b"], "x", header="", ensure_row_contiguous=True, shared_memory=0)
    with pytest.raises(RuntimeError, match=r"\[cuda_kernel\] No CUDA back-end"):
        mx.fast.precompiled_cuda_kernel(name="k", compiled_source=b"", inputs=[], output_shapes=[(1,)],
                                        output_dtypes=[mx.float32], scalars=[], grid=(1, 1, 1),
                                        threadgroup=(1, 1, 1))
    with pytest.raises(TypeError):
        mx.fast.precompiled_cuda_kernel("k", b"")  # keyword-only


def test_fast_module_names():
    for n in ["rms_norm", "layer_norm", "rope", "cross_entropy", "gated_delta_update", "metal_kernel",
              "cuda_kernel", "precompiled_cuda_kernel"]:
        assert callable(getattr(mx.fast, n))
    assert mx.fast.__name__ == "mlx.core.fast"
