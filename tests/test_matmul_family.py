"""matmul (integer/bool dtypes, broadcast batches, vectors), addmm, tensordot, vecdot,
gather_mm, segmented_mm, block_masked_mm and hadamard_transform against NumPy, with
gradients by finite differences, vmap against a loop and the reference's errors."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import assert_allclose, check_grad, to_np

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    return RNG.uniform(-1, 1, size=shape).astype(dtype)


# ---------------------------------------------------------------- matmul, integer and bool

INT_DTYPES = ["bool_", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]


@pytest.mark.parametrize("name", INT_DTYPES)
@pytest.mark.parametrize("sa, sb", [
    ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((5,), (5,)),
    ((4, 1, 2, 3), (5, 3, 6)), ((2, 0), (0, 3)), ((0, 3), (3, 2)), ((7, 33), (33, 65)),
])
def test_matmul_integer_matches_numpy(name, sa, sb):
    npdt = np.bool_ if name == "bool_" else getattr(np, name)
    x = RNG.integers(0, 2 if name == "bool_" else 100, size=sa).astype(npdt)
    y = RNG.integers(0, 2 if name == "bool_" else 100, size=sb).astype(npdt)
    r = mx.matmul(mx.array(x), mx.array(y))
    e = np.matmul(x, y)
    assert r.dtype == getattr(mx, name)
    assert r.shape == e.shape
    np.testing.assert_array_equal(to_np(r), e)


def test_matmul_integer_wraps_and_mixes():
    x = np.full((2, 3), 100, np.int8)
    r = mx.array(x) @ mx.array(x.T)
    np.testing.assert_array_equal(to_np(r), x @ x.T)  # wraps in int8 as NumPy does
    a = mx.array(np.arange(6, dtype=np.int32).reshape(2, 3))
    b = mx.array(np.arange(6, dtype=np.uint8).reshape(3, 2))
    r = a @ b
    assert r.dtype == mx.int32
    np.testing.assert_array_equal(to_np(r), np.arange(6).reshape(2, 3) @ np.arange(6).reshape(3, 2))
    # A non-contiguous (transposed, sliced) integer operand.
    big = np.arange(48, dtype=np.int64).reshape(6, 8)
    r = mx.array(big).T[::2] @ mx.array(big)[:, 1:4]
    np.testing.assert_array_equal(to_np(r), big.T[::2] @ big[:, 1:4])


def test_matmul_float_broadcast_vectors_and_grad():
    for sa, sb in [((3,), (2, 3, 4)), ((2, 1, 5, 3), (3, 4)), ((5, 3), (3,)), ((1, 2, 3), (6, 3, 2))]:
        x, y = rand(*sa, dtype=np.float64), rand(*sb, dtype=np.float64)
        assert_allclose(mx.array(x) @ mx.array(y), x @ y)
        check_grad(lambda a, b: (mx.matmul(a, b) ** 2).sum(), lambda a, b: ((a @ b) ** 2).sum(), x, y, argnum=0)
        check_grad(lambda a, b: (mx.matmul(a, b) ** 2).sum(), lambda a, b: ((a @ b) ** 2).sum(), x, y, argnum=1)


# ---------------------------------------------------------------- addmm

def test_addmm_matches_numpy_and_grad():
    c, a, b = rand(2, 4), rand(2, 3), rand(3, 4)
    r = mx.addmm(mx.array(c), mx.array(a), mx.array(b), 2.0, 0.5)
    assert_allclose(r, 2.0 * (a @ b) + 0.5 * c)
    r = mx.addmm(mx.array(c[0]), mx.array(a), mx.array(b), alpha=-1.0, beta=3.0)
    assert_allclose(r, -(a @ b) + 3.0 * c[0])
    r = mx.addmm(mx.ones((2,)), mx.ones((3,)), mx.ones((3, 2)))
    assert r.shape == (2,) and r.tolist() == [4.0, 4.0]
    assert mx.addmm(mx.ones((2, 2), mx.int32), mx.ones((2, 3)), mx.ones((3, 2))).dtype == mx.float32
    assert mx.addmm(mx.ones((2, 2), mx.int32), mx.ones((2, 3), mx.int32), mx.ones((3, 2), mx.int32)).dtype == mx.float32
    c64, a64, b64 = (x.astype(np.float64) for x in (c, a, b))
    for argnum in range(3):
        check_grad(lambda c, a, b: (mx.addmm(c, a, b, 1.5, 0.25) ** 2).sum(),
                   lambda c, a, b: ((1.5 * (a @ b) + 0.25 * c) ** 2).sum(), c64, a64, b64, argnum=argnum)
    with pytest.raises(ValueError):
        mx.addmm(mx.ones((3, 3)), mx.ones((2, 3)), mx.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\[addmm\] Last dimension of first input"):
        mx.addmm(mx.ones((2, 2)), mx.ones((2, 3)), mx.ones((4, 2)))


# ---------------------------------------------------------------- tensordot

@pytest.mark.parametrize("sa, sb, axes", [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 5), 1), ((2, 3), (4, 5), 0),
    ((2, 3, 4), (4, 3, 5), [[1, 2], [1, 0]]), ((2, 3, 4), (4, 3, 5), [[-1], [0]]),
    ((2, 3, 4), (4, 3, 5), (2, 0)), ((3, 0, 2), (0, 2, 4), 2),
])
def test_tensordot_matches_numpy(sa, sb, axes):
    x, y = rand(*sa), rand(*sb)
    r = mx.tensordot(mx.array(x), mx.array(y), axes)
    e = np.tensordot(x, y, axes)
    assert r.shape == e.shape
    assert_allclose(r, e)


def test_tensordot_integer_grad_and_errors():
    x = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    y = np.arange(60, dtype=np.int32).reshape(3, 4, 5)
    np.testing.assert_array_equal(to_np(mx.tensordot(mx.array(x), mx.array(y))), np.tensordot(x, y))
    a, b = rand(2, 3, 4, dtype=np.float64), rand(4, 3, 2, dtype=np.float64)
    check_grad(lambda a, b: mx.tensordot(a, b, [[1, 2], [1, 0]]).sum() ** 2,
               lambda a, b: np.tensordot(a, b, [[1, 2], [1, 0]]).sum() ** 2, a, b, argnum=1)
    with pytest.raises(ValueError, match="greater or equal to 0"):
        mx.tensordot(mx.ones((2, 3)), mx.ones((3, 2)), -1)
    with pytest.raises(ValueError, match="less than the number of dimensions"):
        mx.tensordot(mx.ones((2, 3)), mx.ones((3, 2)), 3)
    with pytest.raises(ValueError, match="same shape on the contracted axes"):
        mx.tensordot(mx.ones((2, 3, 4)), mx.ones((3, 4, 5)), 1)
    with pytest.raises(TypeError):
        mx.tensordot(mx.ones((2, 3)), mx.ones((3, 2)), "x")
    with pytest.raises(ValueError, match="axes must have the same size"):
        mx.tensordot(mx.ones((2, 3)), mx.ones((3, 2)), [[0, 1], [1]])
    with pytest.raises(IndexError):
        mx.tensordot(mx.ones((2, 3)), mx.ones((3, 2)), [[1], [5]])


# ---------------------------------------------------------------- vecdot

def test_vecdot_matches_numpy():
    for sa, sb, axis in [((2, 3), (2, 3), -1), ((4, 2, 3), (2, 3), -1), ((2, 3), (3,), -1),
                         ((2, 3), (2, 3), 0), ((2, 3), (1, 3), 1), ((0, 3), (0, 3), -1)]:
        x, y = rand(*sa), rand(*sb)
        r = mx.vecdot(mx.array(x), mx.array(y), axis=axis)
        e = np.sum(x * y, axis=axis if axis >= 0 else axis) if x.ndim == y.ndim else np.vecdot(x, y, axis=axis)
        assert r.shape == e.shape
        assert_allclose(r, e)
    z1 = np.array([1 + 2j, 3j], np.complex64)
    z2 = np.array([1 + 1j, 2], np.complex64)
    assert_allclose(mx.vecdot(mx.array(z1), mx.array(z2)), np.vecdot(z1, z2))
    xi = np.arange(6, dtype=np.int32).reshape(2, 3)
    r = mx.vecdot(mx.array(xi), mx.array(xi))
    assert r.dtype == mx.int32
    np.testing.assert_array_equal(to_np(r), np.vecdot(xi, xi))
    a, b = rand(3, 4, dtype=np.float64), rand(3, 4, dtype=np.float64)
    check_grad(lambda a, b: (mx.vecdot(a, b) ** 2).sum(), lambda a, b: (np.vecdot(a, b) ** 2).sum(), a, b)


def test_vecdot_errors():
    with pytest.raises(ValueError, match="same size along axis"):
        mx.vecdot(mx.ones((2, 3)), mx.ones((2, 4)))
    with pytest.raises(IndexError, match="out of bounds"):
        mx.vecdot(mx.ones((2, 3)), mx.ones((2, 3)), axis=-3)
    with pytest.raises(ValueError, match="at least 1D"):
        mx.vecdot(mx.array(2.0), mx.array(3.0))


# ---------------------------------------------------------------- gather_mm

def _np_gather_mm(a, b, li, ri):
    af = a.reshape(-1, *a.shape[-2:])
    bf = b.reshape(-1, *b.shape[-2:])
    li = np.arange(af.shape[0]).reshape(a.shape[:-2]) if li is None else li
    ri = np.arange(bf.shape[0]).reshape(b.shape[:-2]) if ri is None else ri
    return af[li] @ bf[ri]


@pytest.mark.parametrize("sa, sb, li, ri", [
    ((3, 2, 4), (5, 4, 6), [0, 2], [4, 1]),
    ((3, 2, 4), (5, 4, 6), [[0], [1]], None),
    ((2, 4), (5, 4, 6), None, [1, 2, 3]),
    ((7, 3, 2, 4), (5, 4, 6), None, [1, 2, 3]),
    ((3, 1, 4), (2, 5, 4, 6), [[0, 1, 2], [2, 2, 0]], [[9, 0, 3], [1, 1, 1]]),
])
def test_gather_mm_matches_numpy(sa, sb, li, ri):
    a, b = rand(*sa), rand(*sb)
    lia = None if li is None else np.array(li, np.uint32)
    ria = None if ri is None else np.array(ri, np.int32)
    r = mx.gather_mm(mx.array(a), mx.array(b), None if li is None else mx.array(lia),
                     None if ri is None else mx.array(ria))
    e = _np_gather_mm(a, b, lia, ria)
    assert r.shape == e.shape
    assert_allclose(r, e)


def test_gather_mm_vector_grad_and_errors():
    a, b = rand(4), rand(5, 4, 6)
    r = mx.gather_mm(mx.array(a), mx.array(b), None, mx.array([1, 2, 3]))
    assert r.shape == (3, 6)
    assert_allclose(r, a @ b[[1, 2, 3]])
    a64, b64 = rand(2, 1, 3, dtype=np.float64), rand(3, 3, 2, dtype=np.float64)
    li, ri = np.array([0, 0, 1]), np.array([2, 2, 0])
    for argnum in (0, 1):
        check_grad(lambda a, b: (mx.gather_mm(a, b, mx.array(li), mx.array(ri)) ** 2).sum(),
                   lambda a, b: (_np_gather_mm(a, b, li, ri) ** 2).sum(), a64, b64, argnum=argnum)
    with pytest.raises(ValueError, match="integral"):
        mx.gather_mm(mx.ones((3, 2, 4)), mx.ones((5, 4, 6)), mx.array([0.0]), None)
    with pytest.raises(ValueError, match="real floating point"):
        mx.gather_mm(mx.ones((3, 2, 4), mx.int32), mx.ones((5, 4, 6), mx.int32), None, mx.array([1]))
    with pytest.raises(ValueError, match="Last dimension"):
        mx.gather_mm(mx.ones((3, 2, 4)), mx.ones((5, 3, 6)), None, mx.array([1]))
    with pytest.raises(ValueError):
        mx.gather_mm(mx.ones((3, 2, 4)), mx.ones((5, 4, 6)))  # batches 3 and 5 do not broadcast


# ---------------------------------------------------------------- segmented_mm

def _np_segmented(a, b, seg):
    flat = seg.reshape(-1, 2)
    out = np.stack([a[:, s:e] @ b[s:e, :] for s, e in flat]) if len(flat) else np.zeros((0, a.shape[0], b.shape[1]))
    return out.reshape(*seg.shape[:-1], a.shape[0], b.shape[1])


def test_segmented_mm_matches_numpy_and_grad():
    a, b = rand(3, 8), rand(8, 5)
    for seg in [[[0, 2], [2, 8], [1, 1]], [[[0, 3], [3, 8]]], [0, 8], [[5, 2]], [[2, 6]]]:
        s = np.array(seg, np.int32)
        r = mx.segmented_mm(mx.array(a), mx.array(b), mx.array(s))
        e = _np_segmented(a, b, s)
        assert r.shape == e.shape
        assert_allclose(r, e)
    s = np.array([[0, 3], [3, 6]])
    a64, b64 = rand(2, 6, dtype=np.float64), rand(6, 2, dtype=np.float64)
    check_grad(lambda a, b: (mx.segmented_mm(a, b, mx.array(s)) ** 2).sum(),
               lambda a, b: (_np_segmented(a, b, s) ** 2).sum(), a64, b64)
    with pytest.raises(ValueError, match="integral"):
        mx.segmented_mm(mx.ones((2, 6)), mx.ones((6, 3)), mx.array([[0.0, 2.0]]))
    with pytest.raises(ValueError, match="real floating point"):
        mx.segmented_mm(mx.ones((2, 6), mx.int32), mx.ones((6, 3), mx.int32), mx.array([[0, 2]]))


# ---------------------------------------------------------------- block_masked_mm

def _np_block_masked(a, b, bs, mo, ml, mr):
    def expand(m, rows, cols):
        return np.repeat(np.repeat(m, bs, -2), bs, -1)[..., :rows, :cols].astype(a.dtype)
    M, K = a.shape[-2:]
    N = b.shape[-1]
    if ml is not None:
        a = a * expand(ml, M, K)
    if mr is not None:
        b = b * expand(mr, K, N)
    out = a @ b
    return out if mo is None else out * expand(mo, M, N)


@pytest.mark.parametrize("shape", [(64, 64, 64), (60, 70, 40), (2, 40, 96, 33)])
@pytest.mark.parametrize("bs", [32, 64])
def test_block_masked_mm_matches_numpy(shape, bs):
    *batch, M, K = shape[:-1]
    N = shape[-1]
    a, b = rand(*batch, M, K), rand(K, N)
    t = lambda n: -(-n // bs)  # noqa: E731
    mo = RNG.random((*batch, t(M), t(N))) > 0.4
    ml = RNG.random((t(M), t(K))) > 0.3
    mr = RNG.uniform(0, 2, (t(K), t(N))).astype(np.float32)
    for args in [(None, None, None), (mo, None, None), (None, ml, mr), (mo, ml, mr)]:
        r = mx.block_masked_mm(mx.array(a), mx.array(b), bs, *(None if m is None else mx.array(m) for m in args))
        assert_allclose(r, _np_block_masked(a, b, bs, *args), rtol=1e-4, atol=1e-4)


def test_block_masked_mm_grad_and_errors():
    a, b = rand(40, 40, dtype=np.float64), rand(40, 40, dtype=np.float64)
    mo = np.array([[True, False], [False, True]])
    check_grad(lambda a, b: (mx.block_masked_mm(a, b, 32, mx.array(mo)) ** 2).sum(),
               lambda a, b: (_np_block_masked(a, b, 32, mo, None, None) ** 2).sum(), a, b, argnum=0,
               rtol=1e-4)
    with pytest.raises(ValueError, match="block_sizes 32, 64"):
        mx.block_masked_mm(mx.ones((64, 64)), mx.ones((64, 64)), 16)
    with pytest.raises(ValueError):
        mx.block_masked_mm(mx.ones((3, 64, 64)), mx.ones((64, 64)), 32, mx.ones((2, 2, 2), mx.bool_))
    assert mx.block_masked_mm(mx.ones((4,)), mx.ones((4,)), 32).item() == 4.0


# ---------------------------------------------------------------- hadamard_transform

def _np_hadamard(m):
    """The m x m matrix the transform right-multiplies by, from the transform itself of the
    identity, checked to be a Hadamard matrix (H H^T = m I, entries +-1)."""
    h = to_np(mx.hadamard_transform(mx.eye(m), scale=1.0)).astype(np.float64)
    assert set(np.unique(h)) <= {-1.0, 1.0}
    np.testing.assert_allclose(h @ h.T, m * np.eye(m))
    return h


@pytest.mark.parametrize("n", [1, 2, 4, 8, 64, 256, 1024, 12, 24, 20, 40, 28, 112])
def test_hadamard_transform_is_orthogonal_and_kronecker(n):
    x = rand(3, n)
    r = to_np(mx.hadamard_transform(mx.array(x)))
    m = next((m for m in (12, 20, 28) if n % m == 0 and (n // m) & (n // m - 1) == 0), 1)
    if m == 1:
        # Sylvester's matrix: H[i, j] = (-1)^popcount(i & j).
        i = np.arange(n)
        h = np.where(np.vectorize(lambda v: bin(v).count("1") % 2)(i[:, None] & i[None, :]), -1.0, 1.0)
    else:
        h = np.kron(_np_hadamard(m), _np_hadamard(n // m) if n // m > 1 else np.ones((1, 1)))
    np.testing.assert_allclose(r, x @ h / np.sqrt(n), rtol=1e-4, atol=1e-4)


def test_hadamard_transform_dtypes_grad_and_errors():
    assert mx.hadamard_transform(mx.ones((2, 4), mx.int32)).dtype == mx.float32
    assert mx.hadamard_transform(mx.ones((2, 4), mx.float16)).dtype == mx.float16
    assert mx.hadamard_transform(mx.ones((4,)), 2.0).tolist() == [8.0, 0.0, 0.0, 0.0]
    assert mx.hadamard_transform(mx.array(1.0)).item() == 1.0
    x = rand(2, 8, dtype=np.float64)
    r = mx.hadamard_transform(mx.array(x, dtype=mx.float64))
    assert r.dtype == mx.float64
    np.testing.assert_allclose(to_np(mx.hadamard_transform(r)), x, atol=1e-12)  # an involution
    w = rand(2, 8, dtype=np.float64)
    i = np.arange(8)
    h = np.where(np.vectorize(lambda v: bin(v).count("1") % 2)(i[:, None] & i[None, :]), -1.0, 1.0) / np.sqrt(8)
    check_grad(lambda x: (mx.hadamard_transform(x) * mx.array(w)).sum() ** 2,
               lambda x: ((x @ h) * w).sum() ** 2, x)
    for n in (3, 7, 36, 44):
        with pytest.raises(ValueError, match=r"m\*2\^k"):
            mx.hadamard_transform(mx.ones((2, n)))
    with pytest.raises(ValueError):
        mx.hadamard_transform(mx.ones((4,), mx.complex64))


# ---------------------------------------------------------------- vmap against a loop

def test_vmap_matches_loop():
    a, b = rand(4, 3, 5), rand(4, 5, 2)
    cases = [
        (lambda x, y: mx.tensordot(x, y, 1), (0, 0)),
        (lambda x, y: mx.addmm(mx.ones((3, 2)), x, y), (0, 0)),
        (lambda x, y: mx.vecdot(x, x), (0, 0)),
        (lambda x, y: mx.gather_mm(x[None], y[None], mx.array([0, 0]), mx.array([0, 0])), (0, 0)),
        (lambda x, y: mx.hadamard_transform(mx.pad(x, [(0, 0), (0, 3)])), (0, 0)),
    ]
    for f, axes in cases:
        r = mx.vmap(f, in_axes=axes)(mx.array(a), mx.array(b))
        e = np.stack([to_np(f(mx.array(a[i]), mx.array(b[i]))) for i in range(4)])
        assert_allclose(r, e, rtol=1e-5, atol=1e-5)


def test_gather_mm_indices_dtypes_vmap_and_jvp():
    a, b = rand(3, 2, 4), rand(5, 4, 6)
    # Negative indices count from the end; an index out of range raises instead of reading
    # outside the operand.
    r = mx.gather_mm(mx.array(a), mx.array(b), mx.array([-1, 0]), mx.array([-5, 4]))
    assert_allclose(r, _np_gather_mm(a, b, np.array([2, 0]), np.array([0, 4])))
    with pytest.raises(IndexError):
        mx.eval(mx.gather_mm(mx.array(a), mx.array(b), mx.array([0, 3]), mx.array([0, 1])))
    with pytest.raises(IndexError):
        mx.eval(mx.gather_mm(mx.array(a), mx.array(b), None, mx.array([5])))
    r = mx.gather_mm(mx.array(a, dtype=mx.float16), mx.array(b, dtype=mx.float16), mx.array([1]), mx.array([2]))
    assert r.dtype == mx.float16
    assert_allclose(r, a[[1]] @ b[[2]], rtol=2e-2, atol=2e-2)
    # vmap over batched operands and indices against a loop.
    av, bv = rand(4, 3, 2, 4), rand(4, 5, 4, 6)
    li = np.array([[0, 2], [1, 1], [2, 0], [0, 0]], np.int32)
    ri = np.array([[4, 1], [0, 0], [3, 2], [1, 4]], np.int32)
    f = lambda x, y, i, j: mx.gather_mm(x, y, i, j)  # noqa: E731
    r = mx.vmap(f)(mx.array(av), mx.array(bv), mx.array(li), mx.array(ri))
    e = np.stack([_np_gather_mm(av[v], bv[v], li[v], ri[v]) for v in range(4)])
    assert_allclose(r, e)
    r = mx.vmap(f, in_axes=(0, None, 0, None))(mx.array(av), mx.array(b), mx.array(li), mx.array(ri[0]))
    e = np.stack([_np_gather_mm(av[v], b, li[v], ri[0]) for v in range(4)])
    assert_allclose(r, e)
    # jvp: linear in each operand.
    ta, tb = rand(3, 2, 4), rand(5, 4, 6)
    i, j = mx.array([0, 2, 2]), mx.array([1, 1, 4])
    _, (d,) = mx.jvp(lambda x, y: mx.gather_mm(x, y, i, j), [mx.array(a), mx.array(b)], [mx.array(ta), mx.array(tb)])
    e = _np_gather_mm(ta, b, np.array(i), np.array(j)) + _np_gather_mm(a, tb, np.array(i), np.array(j))
    assert_allclose(d, e)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batched_matmul_strided_runs(dtype):
    """Runs of equally strided products (one batched BLAS call each): contiguous,
    broadcast (stride 0), transposed and sliced batches."""
    tol = 1e-4 if dtype == np.float32 else 1e-12
    mdt = mx.float32 if dtype == np.float32 else mx.float64
    x = rand(6, 5, 7, 3, dtype=dtype)
    y = rand(5, 3, 4, dtype=dtype)
    for a, b in [(x, y), (x, y[:1]), (x[:, :, :, :], y.transpose(0, 2, 1).transpose(0, 2, 1).copy()),
                 (x[::2], y), (x.transpose(1, 0, 2, 3), y[:, None])]:
        am, bm = mx.array(a, dtype=mdt), mx.array(b, dtype=mdt)
        assert_allclose(am @ bm, a @ b, rtol=tol, atol=tol)
    xm = mx.array(x, dtype=mdt)
    # Transposed views of the matrices themselves, batched.
    assert_allclose(xm.swapaxes(-1, -2) @ xm, x.swapaxes(-1, -2) @ x, rtol=tol, atol=tol)
    assert_allclose(xm[:, ::2] @ mx.array(y[:3], dtype=mdt).swapaxes(-1, -2).swapaxes(-1, -2), x[:, ::2] @ y[:3], rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matrix_vector_products_through_gemv(dtype):
    """Products with one row or one column (matrix-vector BLAS), from every layout of the
    operands: transposed, strided rows and columns, batched and broadcast."""
    tol = 1e-4 if dtype == np.float32 else 1e-12
    mdt = mx.float32 if dtype == np.float32 else mx.float64
    w = rand(40, 30, dtype=dtype)
    v = rand(30, 40, dtype=dtype)
    wm, vm = mx.array(w, dtype=mdt), mx.array(v, dtype=mdt)
    cases = [
        (wm[:1], vm, w[:1], v),                      # 1 x k @ k x n
        (wm[:1], wm.T, w[:1], w.T),                  # B transposed
        (vm.T[:1], vm, v.T[:1], v),                  # the row a strided view (a column of v)
        (wm, vm[:, :1], w, v[:, :1]),                # m x k @ k x 1
        (wm.T[:, :40].T, wm.T[:, 3:4], w, w.T[:, 3:4]),  # A transposed, b a strided column
        (vm[:, 5], wm.T, v[:, 5], w.T),              # 1-d vectors
        (wm, vm[:, 7], w, v[:, 7]),
        (vm[:, 5], vm[:, 6], v[:, 5], v[:, 6]),     # a dot product
    ]
    for a, b, x, y in cases:
        assert_allclose(a @ b, x @ y, rtol=tol, atol=tol)
    xb = rand(3, 4, 1, 30, dtype=dtype)
    r = mx.array(xb, dtype=mdt) @ wm.T
    assert_allclose(r, xb @ w.T, rtol=tol, atol=tol)
    r = wm @ mx.array(xb, dtype=mdt).swapaxes(-1, -2)
    assert_allclose(r, w @ xb.swapaxes(-1, -2), rtol=tol, atol=tol)
    g = mx.grad(lambda q: (q @ wm.T).sum())(mx.array(xb, dtype=mdt))
    assert_allclose(g, np.broadcast_to(w.sum(0), xb.shape), rtol=tol, atol=tol)
