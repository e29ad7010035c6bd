"""Shared helpers for the openmlx test suite: dtype tables, NumPy conversion,
tolerance-aware comparisons and central finite differences.

NumPy is the oracle throughout.  bfloat16 is compared through float32 so the
helpers never depend on ml_dtypes being importable.
"""

import numpy as np

import mlx.core as mx

# ---------------------------------------------------------------------------
# dtype tables
# ---------------------------------------------------------------------------

# Every MLX dtype, in the order the reference's promotion table uses.
ALL_DTYPE_NAMES = [
    "bool_", "uint8", "uint16", "uint32", "uint64",
    "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64", "complex64",
]
ALL_DTYPES = [getattr(mx, n) for n in ALL_DTYPE_NAMES]

UNSIGNED = ["uint8", "uint16", "uint32", "uint64"]
SIGNED = ["int8", "int16", "int32", "int64"]
INTEGER = UNSIGNED + SIGNED
FLOATING = ["float16", "bfloat16", "float32", "float64"]
REAL_NUMERIC = INTEGER + FLOATING
NUMERIC = REAL_NUMERIC + ["complex64"]
INEXACT = FLOATING + ["complex64"]

# NumPy equivalents.  bfloat16 has none in plain NumPy: we compute in float32.
NP_DTYPE = {
    "bool_": np.bool_, "uint8": np.uint8, "uint16": np.uint16,
    "uint32": np.uint32, "uint64": np.uint64, "int8": np.int8,
    "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "float16": np.float16, "bfloat16": np.float32, "float32": np.float32,
    "float64": np.float64, "complex64": np.complex64,
}

# Relative/absolute tolerances per dtype for results of a single op.
TOL = {
    "float16": (2e-3, 2e-3),
    "bfloat16": (1.6e-2, 1.6e-2),
    "float32": (1e-5, 1e-6),
    # The reference computes float64 transcendental functions to about float32
    # accuracy on CPU; the tolerance accepts that.
    "float64": (1e-6, 1e-9),
    "complex64": (1e-5, 1e-6),
}


def mxdt(name):
    """mx.Dtype for a dtype name from the tables above."""
    return getattr(mx, name)


def dtype_name(dt):
    """Table name ("bool_", "float32", ...) of an mx.Dtype."""
    for n in ALL_DTYPE_NAMES:
        if getattr(mx, n) == dt:
            return n
    raise KeyError(dt)


# ---------------------------------------------------------------------------
# conversions and comparisons
# ---------------------------------------------------------------------------

def to_np(a):
    """NumPy copy of an mx.array; bfloat16 comes back as float32."""
    if isinstance(a, mx.array):
        if a.dtype == mx.bfloat16:
            a = a.astype(mx.float32)
        return np.array(a)
    return np.asarray(a)


def sample(shape, dtype_name, *, low=-4, high=4, seed=0, positive=False):
    """Deterministic NumPy data of the given shape, representable in dtype.

    Integer data stays small so that products/sums do not overflow; unsigned
    and positive data is >= 1 (safe for log/sqrt/division)."""
    rng = np.random.default_rng(seed)
    if dtype_name == "bool_":
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dtype_name in UNSIGNED or (positive and dtype_name in SIGNED):
        return rng.integers(1, 6, size=shape).astype(NP_DTYPE[dtype_name])
    if dtype_name in SIGNED:
        return rng.integers(low, high, size=shape).astype(NP_DTYPE[dtype_name])
    lo = 0.25 if positive else low
    x = rng.uniform(lo, high, size=shape)
    if dtype_name == "complex64":
        y = rng.uniform(lo, high, size=shape)
        return (x + 1j * y).astype(np.complex64)
    x = x.astype(np.float32 if dtype_name == "bfloat16" else NP_DTYPE[dtype_name])
    if dtype_name == "bfloat16":
        # Round to bfloat16-representable values so that mx and numpy start
        # from identical inputs.
        x = np.array(mx.array(x).astype(mx.bfloat16).astype(mx.float32))
    return x


def mx_from_np(x, dtype_name):
    """mx.array holding the NumPy data x with the requested mx dtype."""
    return mx.array(x, dtype=mxdt(dtype_name))


def assert_array_equal(a, expected, dtype=None):
    """Exact comparison of an mx.array with a NumPy array (shape + values),
    optionally checking the mx dtype."""
    assert isinstance(a, mx.array), type(a)
    if dtype is not None:
        assert a.dtype == dtype, f"dtype {a.dtype} != {dtype}"
    expected = np.asarray(expected)
    assert tuple(a.shape) == expected.shape, f"shape {a.shape} != {expected.shape}"
    np.testing.assert_array_equal(to_np(a), expected)


def assert_allclose(a, expected, dtype=None, rtol=None, atol=None, equal_nan=True):
    """Approximate comparison with tolerances chosen from the result dtype."""
    assert isinstance(a, mx.array), type(a)
    if dtype is not None:
        assert a.dtype == dtype, f"dtype {a.dtype} != {dtype}"
    expected = np.asarray(expected)
    assert tuple(a.shape) == expected.shape, f"shape {a.shape} != {expected.shape}"
    name = dtype_name(a.dtype)
    r, t = TOL.get(name, (0, 0))
    rtol = r if rtol is None else rtol
    atol = t if atol is None else atol
    got = to_np(a)
    if name in INTEGER or name == "bool_":
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got.astype(np.complex128 if name == "complex64" else np.float64),
                                   expected, rtol=rtol, atol=atol, equal_nan=equal_nan)


# ---------------------------------------------------------------------------
# finite differences
# ---------------------------------------------------------------------------

def numeric_grad(f, x, eps=1e-5):
    """Central finite-difference gradient of a scalar function f: ndarray ->
    float at the float64 NumPy point x."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    flat = x.reshape(-1)
    gflat = g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = float(f(x))
        flat[i] = old - eps
        fm = float(f(x))
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return g


def check_grad(fun_mx, fun_np, *args, argnum=0, eps=1e-6, rtol=1e-5, atol=1e-6,
               dtype="float64"):
    """Compare mx.grad(fun_mx) with central finite differences of the NumPy
    twin fun_np computed in float64 (NumPy is the oracle, so the differences
    are accurate however the engine rounds).

    fun_mx takes mx.arrays and returns a scalar mx.array; fun_np takes float64
    ndarrays and returns a float.  args are NumPy arrays."""
    mdt = getattr(mx, dtype)
    mx_args = [mx.array(np.asarray(a, dtype=np.float64), dtype=mdt) for a in args]
    g = mx.grad(fun_mx, argnums=argnum)(*mx_args)
    assert isinstance(g, mx.array)
    assert g.dtype == mdt, (g.dtype, mdt)
    assert tuple(g.shape) == np.shape(args[argnum])

    np_args = [np.asarray(a, dtype=np.float64) for a in args]

    def f(xv):
        call = list(np_args)
        call[argnum] = xv
        return fun_np(*call)

    expected = numeric_grad(f, np_args[argnum], eps=eps)
    np.testing.assert_allclose(to_np(g).astype(np.float64), expected, rtol=rtol, atol=atol)
    return g


# ---------------------------------------------------------------------------
# crash isolation
# ---------------------------------------------------------------------------

def run_isolated(code, timeout=120):
    """Run `code` in a fresh Python process (with mlx.core imported as mx and
    numpy as np).  Used for inputs that crash the reference (segfault / SIGFPE)
    so that a regression cannot take the whole test session down.  Returns the
    CompletedProcess; stdout carries whatever the snippet prints."""
    import subprocess
    import sys
    import textwrap
    prog = "import mlx.core as mx\nimport numpy as np\n" + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", prog], capture_output=True,
                          text=True, timeout=timeout)
