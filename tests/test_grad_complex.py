"""Gradients of complex functions: every differentiable op that takes complex64, its vjp and
jvp against central finite differences of a complex128 NumPy twin, and against the values the
reference recorded (tests/data/grad_complex_ref.json).

The convention (the reference's): for a cotangent c of an output f(z), the vjp is the gradient
dL/dx + i dL/dy of L = Re(sum(conj(c) * f)), z = x + iy; for a holomorphic f that is
c * conj(f'(z)). Non-holomorphic ops (abs, real, imag, conj) follow the same rule. The jvp is
the directional derivative (f(z + h t) - f(z - h t)) / 2h."""
import json
import os

import numpy as np
import pytest

import mlx.core as mx

import grad_complex_cases as gc

H = 1e-6
_REF = json.load(open(os.path.join(os.path.dirname(__file__), "data", "grad_complex_ref.json")))


def _outs(fn, args):
    return [np.asarray(o) for o in gc.as_list(fn(*args))]


def fd_vjp(np_fn, xs, cots):
    """The vjp of each input by central differences of L = Re(sum(conj(c) * f))."""
    def loss(args):
        return sum(float(np.sum(np.real(np.conj(c.astype(np.complex128)) * o)))
                   for c, o in zip(cots, _outs(np_fn, args)))

    grads = []
    for k, x in enumerate(xs):
        g = np.zeros(x.shape, np.complex128 if np.iscomplexobj(x) else np.float64)
        steps = [1.0, 1j] if np.iscomplexobj(x) else [1.0]
        for e in range(x.size):
            for s in steps:
                d = np.zeros(x.shape, x.dtype)
                d.flat[e] = H * s
                plus, minus = list(xs), list(xs)
                plus[k], minus[k] = x + d, x - d
                g.flat[e] += s * (loss(plus) - loss(minus)) / (2 * H)
        grads.append(g)
    return grads


def fd_jvp(np_fn, xs, tans):
    plus = [x + H * t.astype(x.dtype if np.iscomplexobj(x) else np.float64) for x, t in zip(xs, tans)]
    minus = [x - H * t.astype(x.dtype if np.iscomplexobj(x) else np.float64) for x, t in zip(xs, tans)]
    return [(p - m) / (2 * H) for p, m in zip(_outs(np_fn, plus), _outs(np_fn, minus))]


def close(got, want, what):
    want = np.asarray(want)
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=3e-4, atol=3e-4 * scale, err_msg=what)


def expected(c, mode):
    xs = gc.case_inputs(c)
    outs = gc.as_list(c["mx"](*gc.mx_inputs(c)))
    cots, tans = gc.case_directions(c, outs)
    if c["zero"]:
        shapes = [x.shape for x in xs] if mode == "vjp" else [tuple(o.shape) for o in outs]
        return [np.zeros(s) for s in shapes]
    return fd_vjp(c["np"], xs, cots) if mode == "vjp" else fd_jvp(c["np"], xs, tans)


IDS = [c["name"] for c in gc.CASES]


@pytest.mark.parametrize("mode", ["vjp", "jvp"])
@pytest.mark.parametrize("c", gc.CASES, ids=IDS)
def test_finite_differences(c, mode):
    got = gc.run_case(c, mode)
    want = expected(c, mode)
    assert len(got) == len(want)
    xs = gc.case_inputs(c)
    for i, (g, w) in enumerate(zip(got, want)):
        if mode == "vjp":
            # A gradient has its input's dtype.
            assert g.dtype == (np.complex64 if np.iscomplexobj(xs[i]) else np.float32), (c["name"], g.dtype)
        close(g, w, f"{c['name']} {mode} {i}")


# Where the reference's own values miss the finite differences (it leaves out the conjugate
# for these complex rules): ours follow the finite differences. docs/differences.md.
REFERENCE_WRONG = {
    ("power", "vjp"), ("power_real_exp", "vjp"), ("operators", "vjp"), ("cumprod", "vjp"),
    ("cumprod_reverse", "vjp"), ("cumprod_exclusive", "vjp"), ("logcumsumexp", "vjp"),
    ("at_multiply_slice", "vjp"),
}


def _matches(got, want):
    try:
        close(got, want, "")
        return True
    except AssertionError:
        return False


@pytest.mark.parametrize("mode", ["vjp", "jvp"])
@pytest.mark.parametrize("c", gc.CASES, ids=IDS)
def test_reference_values(c, mode):
    ref = _REF[c["name"]]
    if mode not in ref:
        # The reference raises here (it has no such rule); the finite differences above
        # are the check. Listed in docs/differences.md.
        assert mode + "_error" in ref
        return
    got = gc.run_case(c, mode)
    want = expected(c, mode)
    refs = [np.array([complex(a, b) for a, b in r]).reshape(g.shape) for g, r in zip(got, ref[mode])]
    refs = [r if np.iscomplexobj(g) else r.real for g, r in zip(got, refs)]
    ref_right = all(_matches(r, w) for r, w in zip(refs, want))
    # The list of the reference's mistakes is exact: a case leaves it when the data shows
    # the reference right.
    assert ref_right == ((c["name"], mode) not in REFERENCE_WRONG), (c["name"], mode)
    if ref_right:
        for i, (g, r) in enumerate(zip(got, refs)):
            close(g, r, f"{c['name']} {mode} {i} vs reference")


SECOND = [
    ("exp", mx.exp, np.exp),
    ("sin", mx.sin, lambda z: -np.sin(z)),
    ("square", mx.square, lambda z: 2 + 0 * z),
    ("log", mx.log, lambda z: -1 / z ** 2),
    ("tanh", mx.tanh, lambda z: -2 * np.tanh(z) / np.cosh(z) ** 2),
    ("cube", lambda z: z ** 3, lambda z: 6 * z),
    ("reciprocal", lambda z: 1 / z, lambda z: 2 / z ** 3),
]


@pytest.mark.parametrize("name,f,d2", SECOND, ids=[s[0] for s in SECOND])
def test_second_derivative(name, f, d2):
    # The gradient of Re(f) is conj(f'); the gradient of its real part, conj(f'').
    z = np.array([0.3 + 0.7j, -0.2 + 0.4j, 0.5 - 0.6j], np.complex64)
    g2 = mx.grad(lambda z: mx.real(mx.grad(lambda z: mx.real(f(z)).sum())(z)).sum())(mx.array(z))
    close(np.array(g2), np.conj(d2(z.astype(np.complex128))), "second derivative")


def test_abs_at_zero():
    # As in the reference: zero vjp and jvp at z = 0 (sign(0) = 0).
    z = mx.array([0j, 3 + 4j], mx.complex64)
    (g,) = mx.vjp(mx.abs, [z], [mx.array([1.0, 1.0])])[1]
    np.testing.assert_allclose(np.array(g), [0, 0.6 + 0.8j], atol=1e-7)
    (t,) = mx.jvp(mx.abs, [z], [mx.array([1 + 1j, 1 + 1j], mx.complex64)])[1]
    assert t.dtype == mx.float32
    np.testing.assert_allclose(np.array(t), [0, 1.4], atol=1e-6)
