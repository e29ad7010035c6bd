"""Cases for tests/test_grad_complex.py: every differentiable op that takes complex64, each
with a NumPy twin evaluated in complex128 (the finite-difference oracle).

Kept free of pytest so that tests/data/gen_grad_complex_ref.py can run the same cases under
the reference to record its vjp/jvp values (tests/data/grad_complex_ref.json)."""
import zlib

import numpy as np

import mlx.core as mx

# (name, mx function, NumPy twin, input specs). A spec is ("c", shape): a complex64 input
# away from every branch cut (0.3 <= |z| <= 0.9, |Im z| >= 0.15); ("f", shape): a float32
# input; ("p", shape): complex with positive real part (for power's base).
CASES = []


def case(name, mx_fn, np_fn, *specs, zero=False):
    CASES.append(dict(name=name, mx=mx_fn, np=np_fn, specs=specs, zero=zero))


def _unary(name, np_fn, shape=(2, 3), zero=False):
    case(name, getattr(mx, name), np_fn, ("c", shape), zero=zero)


for _n, _f in [
    ("exp", np.exp), ("log", np.log), ("log1p", np.log1p), ("log2", np.log2),
    ("log10", np.log10), ("square", np.square), ("sqrt", np.sqrt),
    ("rsqrt", lambda z: 1 / np.sqrt(z)), ("reciprocal", lambda z: 1 / z),
    ("sin", np.sin), ("cos", np.cos), ("tan", np.tan), ("sinh", np.sinh),
    ("cosh", np.cosh), ("tanh", np.tanh), ("arcsin", np.arcsin), ("arccos", np.arccos),
    ("arctan", np.arctan), ("arcsinh", np.arcsinh), ("arccosh", np.arccosh),
    ("arctanh", np.arctanh), ("abs", np.abs), ("real", np.real), ("imag", np.imag),
    ("conj", np.conj), ("conjugate", np.conj), ("negative", np.negative),
    ("degrees", lambda z: z * (180 / np.pi)), ("radians", lambda z: z * (np.pi / 180)),
]:
    _unary(_n, _f)
for _n in ["sign", "round", "stop_gradient"]:
    _unary(_n, None, zero=True)

_C23 = ("c", (2, 3))
for _n, _f in [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
               ("divide", np.divide), ("maximum", np.maximum), ("minimum", np.minimum)]:
    case(_n, getattr(mx, _n), _f, _C23, _C23)
    case(_n + "_broadcast", getattr(mx, _n), _f, _C23, ("c", (3,)))
    case(_n + "_real_rhs", getattr(mx, _n), _f, _C23, ("f", (2, 3)))
case("power", mx.power, np.power, ("p", (2, 3)), _C23)
case("power_real_exp", mx.power, np.power, ("p", (2, 3)), ("f", (2, 3)))
case("logaddexp", mx.logaddexp, lambda a, b: np.log(np.exp(a) + np.exp(b)), _C23, _C23)
case("floor_divide", mx.floor_divide, None, _C23, _C23, zero=True)
case("where", lambda a, b: mx.where(mx.array([True, False, True]), a, b),
     lambda a, b: np.where(np.array([True, False, True]), a, b), _C23, _C23)
case("operators", lambda a, b: (a * b - a / b) ** 2 + 1j * a,
     lambda a, b: (a * b - a / b) ** 2 + 1j * a, _C23, _C23)

# Reductions and scans.
_C34 = ("c", (3, 4))
for _n, _f in [("sum", np.sum), ("prod", np.prod), ("mean", np.mean), ("max", np.max),
               ("min", np.min)]:
    case(_n, getattr(mx, _n), _f, _C34)
    case(_n + "_axis", lambda z, n=_n: getattr(mx, n)(z, axis=1), lambda z, f=_f: f(z, axis=1), _C34)
    case(_n + "_keepdims", lambda z, n=_n: getattr(mx, n)(z, axis=0, keepdims=True),
         lambda z, f=_f: f(z, axis=0, keepdims=True), _C34)
case("prod_zero", lambda z: mx.prod(z * mx.array([1, 0, 1, 1]), axis=1),
     lambda z: np.prod(z * np.array([1, 0, 1, 1]), axis=1), _C34)
case("logsumexp", mx.logsumexp, lambda z: np.log(np.sum(np.exp(z))), _C34)
case("logsumexp_axis", lambda z: mx.logsumexp(z, axis=1),
     lambda z: np.log(np.sum(np.exp(z), axis=1)), _C34)
case("softmax", lambda z: mx.softmax(z, axis=-1),
     lambda z: np.exp(z) / np.sum(np.exp(z), axis=-1, keepdims=True), _C34)
case("softmax_axis0", lambda z: mx.softmax(z, axis=0),
     lambda z: np.exp(z) / np.sum(np.exp(z), axis=0, keepdims=True), _C34)
for _n, _f in [("cumsum", np.cumsum), ("cumprod", np.cumprod),
               ("cummax", np.maximum.accumulate), ("cummin", np.minimum.accumulate)]:
    case(_n, lambda z, n=_n: getattr(mx, n)(z, axis=1), lambda z, f=_f: f(z, axis=1), _C34)
    case(_n + "_reverse", lambda z, n=_n: getattr(mx, n)(z, axis=1, reverse=True),
         lambda z, f=_f: f(z[:, ::-1], axis=1)[:, ::-1], _C34)
case("cumprod_exclusive", lambda z: mx.cumprod(z, axis=1, inclusive=False),
     lambda z: np.concatenate([np.ones((3, 1)), np.cumprod(z, axis=1)[:, :-1]], axis=1), _C34)
case("cumprod_zero", lambda z: mx.cumprod(z * mx.array([1, 0, 1, 1]), axis=1),
     lambda z: np.cumprod(z * np.array([1, 0, 1, 1]), axis=1), _C34)
case("logcumsumexp", lambda z: mx.logcumsumexp(z, axis=1),
     lambda z: np.log(np.cumsum(np.exp(z), axis=1)), _C34)
case("var", lambda z: mx.var(z, axis=1), lambda z: np.var(z, axis=1), _C34)
case("std", lambda z: mx.std(z, axis=0), lambda z: np.std(z, axis=0), _C34)
case("sort", lambda z: mx.sort(z, axis=1), lambda z: np.sort(z, axis=1), _C34)
case("topk", lambda z: mx.sort(mx.topk(z, 2, axis=1), axis=1), lambda z: np.sort(z, axis=1)[:, -2:], _C34)
case("partition", lambda z: mx.partition(z, 1, axis=1)[:, 1],
     lambda z: np.sort(z, axis=1)[:, 1], _C34)
case("clip", lambda z: mx.clip(z, -0.2, 0.4), lambda z: _np_clip_complex(z, -0.2, 0.4), _C34)

# Linear algebra.
case("matmul", mx.matmul, np.matmul, ("c", (2, 3)), ("c", (3, 4)))
case("matmul_batched", mx.matmul, np.matmul, ("c", (2, 2, 3)), ("c", (3, 2)))
case("matmul_vec", mx.matmul, np.matmul, ("c", (3,)), ("c", (3, 2)))
case("matmul_real_rhs", mx.matmul, np.matmul, ("c", (2, 3)), ("f", (3, 2)))
case("inner", mx.inner, np.inner, ("c", (2, 3)), ("c", (4, 3)))
case("outer", mx.outer, np.outer, ("c", (3,)), ("c", (2,)))
case("kron", mx.kron, np.kron, ("c", (2, 2)), ("c", (2, 3)))
case("trace", mx.trace, np.trace, ("c", (3, 3)))
case("diagonal", mx.diagonal, np.diagonal, ("c", (3, 4)))
case("diag", mx.diag, np.diag, ("c", (3,)))
case("tril", mx.tril, np.tril, ("c", (3, 3)))
case("triu", mx.triu, np.triu, ("c", (3, 3)))

# Shape ops and indexing.
_IDX = np.array([2, 0, 2])
case("reshape", lambda z: mx.reshape(z, (4, 3)), lambda z: np.reshape(z, (4, 3)), _C34)
case("transpose", mx.transpose, np.transpose, _C34)
case("swapaxes", lambda z: mx.swapaxes(z, 0, 1), lambda z: np.swapaxes(z, 0, 1), _C34)
case("moveaxis", lambda z: mx.moveaxis(z, 0, 1), lambda z: np.moveaxis(z, 0, 1), _C34)
case("flatten", mx.flatten, np.ravel, _C34)
case("squeeze", mx.squeeze, np.squeeze, ("c", (3, 1)))
case("expand_dims", lambda z: mx.expand_dims(z, 1), lambda z: np.expand_dims(z, 1), _C34)
case("broadcast_to", lambda z: mx.broadcast_to(z, (2, 3, 4)),
     lambda z: np.broadcast_to(z, (2, 3, 4)), _C34)
case("concatenate", lambda a, b: mx.concatenate([a, b], axis=1),
     lambda a, b: np.concatenate([a, b], axis=1), _C34, ("c", (3, 2)))
case("stack", lambda a, b: mx.stack([a, b]), lambda a, b: np.stack([a, b]), _C34, _C34)
case("split", lambda z: mx.split(z, 2, axis=1)[1], lambda z: np.split(z, 2, axis=1)[1], _C34)
case("pad", lambda z: mx.pad(z, 1), lambda z: np.pad(z, 1), _C34)
case("pad_edge", lambda z: mx.pad(z, 1, mode="edge"), lambda z: np.pad(z, 1, mode="edge"), _C34)
case("tile", lambda z: mx.tile(z, (2, 1)), lambda z: np.tile(z, (2, 1)), _C34)
case("repeat", lambda z: mx.repeat(z, 2, axis=1), lambda z: np.repeat(z, 2, axis=1), _C34)
case("roll", lambda z: mx.roll(z, 1, axis=1), lambda z: np.roll(z, 1, axis=1), _C34)
case("flip", lambda z: mx.flip(z, axis=1), lambda z: np.flip(z, axis=1), _C34)
case("unflatten", lambda z: mx.unflatten(z, 1, (2, 2)), lambda z: z.reshape(3, 2, 2), _C34)
case("diff", lambda z: mx.diff(z, axis=1), lambda z: np.diff(z, axis=1), _C34)
case("as_strided", lambda z: mx.as_strided(z, (3, 2), (4, 1), 1),
     lambda z: np.lib.stride_tricks.as_strided(z.ravel()[1:], (3, 2), (64, 16)), _C34)
case("atleast_2d", mx.atleast_2d, np.atleast_2d, ("c", (3,)))
case("slice", lambda z: z[1:, ::2], lambda z: z[1:, ::2], _C34)
case("index_array", lambda z: z[mx.array(_IDX)], lambda z: z[_IDX], _C34)
case("take", lambda z: mx.take(z, mx.array(_IDX), axis=1), lambda z: np.take(z, _IDX, axis=1), _C34)
case("take_along_axis", lambda z: mx.take_along_axis(z, mx.array([[1], [0], [3]]), axis=1),
     lambda z: np.take_along_axis(z, np.array([[1], [0], [3]]), axis=1), _C34)
case("at_add", lambda z, u: z.at[mx.array(_IDX)].add(u),
     lambda z, u: _np_at(np.add, z, _IDX, u), _C34, _C34)
case("at_multiply", lambda z, u: z.at[mx.array(_IDX)].multiply(u),
     lambda z, u: _np_at(np.multiply, z, _IDX, u), _C34, _C34)
case("at_divide", lambda z, u: z.at[mx.array(_IDX)].divide(u),
     lambda z, u: _np_at(np.divide, z, _IDX, u), _C34, _C34)
case("at_multiply_slice", lambda z, u: z.at[1:3].multiply(u),
     lambda z, u: _np_slice_mul(z, u), _C34, ("c", (2, 4)))
case("put_along_axis", lambda z, u: mx.put_along_axis(z, mx.array([[1], [0], [3]]), u, axis=1),
     lambda z, u: _np_put(z, u), _C34, ("c", (3, 1)))
case("slice_update", lambda z, u: _mx_setitem(z, u), lambda z, u: _np_setitem(z, u), _C34, ("c", (2, 4)))
case("astype_float", lambda z: z.astype(mx.float32), np.real, _C34)
case("astype_complex", lambda x: x.astype(mx.complex64), lambda x: x.astype(np.complex128), ("f", (3, 4)))
case("list_constructor", lambda a, b: mx.array([a, b, a * b]),
     lambda a, b: np.stack([a, b, a * b]), ("c", (3,)), ("c", (3,)))


def _np_at(ufunc, z, idx, u):
    out = z.copy()
    ufunc.at(out, idx, u)
    return out


def _np_put(z, u):
    out = z.copy()
    np.put_along_axis(out, np.array([[1], [0], [3]]), u, axis=1)
    return out


def _np_clip_complex(z, lo, hi):
    # Complex numbers order lexicographically (real part first), as maximum/minimum do.
    return np.minimum(np.maximum(z, lo), hi)


def _np_slice_mul(z, u):
    out = z.copy()
    out[1:3] *= u
    return out


def _mx_setitem(z, u):
    z = z * 1
    z[1:] = u
    return z


def _np_setitem(z, u):
    z = z.copy()
    z[1:] = u
    return z


def case_inputs(c):
    """The case's inputs as NumPy arrays (complex128 or float64), the same on every run."""
    rng = np.random.default_rng(zlib.crc32(c["name"].encode()))
    out = []
    for kind, shape in c["specs"]:
        n = int(np.prod(shape))
        if kind == "f":
            x = rng.uniform(-1, 1, n)
        else:
            r = rng.uniform(0.3, 0.9, n)
            if kind == "p":
                th = rng.uniform(-1.2, 1.2, n)
            else:
                th = rng.uniform(0.2, np.pi - 0.2, n) * rng.choice([-1, 1], n)
            x = r * np.exp(1j * th)
        x = x.reshape(shape)
        # Round to the dtype the engine gets, so that both sides see the same point.
        out.append(x.astype(np.float32).astype(np.float64) if kind == "f"
                   else x.astype(np.complex64).astype(np.complex128))
    return out


def case_directions(c, outputs):
    """A cotangent per output (complex, or real for a real output: `outputs` gives their
    shapes and dtypes) and a tangent per input, as NumPy arrays."""
    rng = np.random.default_rng(zlib.crc32(c["name"].encode()) + 1)

    def draw(shape, cplx):
        v = rng.uniform(-1, 1, shape)
        if cplx:
            v = v + 1j * rng.uniform(-1, 1, shape)
        return v.astype(np.complex64 if cplx else np.float32)

    cots = [draw(tuple(o.shape), o.dtype == mx.complex64) for o in outputs]
    tans = [draw(x.shape, np.iscomplexobj(x)) for x in case_inputs(c)]
    return cots, tans


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def run_case(c, mode):
    """This engine's (or the reference's) vjps ("vjp": one per input) or jvps ("jvp": one
    per output) of the case, as NumPy arrays."""
    xs = mx_inputs(c)
    outs = as_list(c["mx"](*xs))
    cots, tans = case_directions(c, outs)
    if mode == "vjp":
        _, r = mx.vjp(c["mx"], xs, [mx.array(v) for v in cots])
    else:
        _, r = mx.jvp(c["mx"], xs, [mx.array(t) for t in tans])
    return [np.array(v) for v in as_list(r)]


def mx_inputs(c):
    return [mx.array(x.astype(np.complex64) if np.iscomplexobj(x) else x.astype(np.float32))
            for x in case_inputs(c)]
