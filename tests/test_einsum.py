"""einsum against np.einsum (dtypes, ellipsis, diagonals, broadcasting, empty and
non-contiguous operands), its gradients, vmap and errors; einsum_path against paths and
reports recorded from the reference (NumPy's greedy order)."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import assert_allclose, check_grad, to_np

RNG = np.random.default_rng(0)

# (subscripts, operand shapes, path, report) as the reference's einsum_path returns them.
PATH_CASES = [
    ('ij,jk,kl->il', [(2, 3), (3, 4), (4, 5)], [(1, 2), (0, 1)], '  Complete contraction:  ij,jk,kl->il\n         Naive scaling:  4\n     Optimized scaling:  3\n      Naive FLOP count:  360\n  Optimized FLOP count:  180\n'),
    ('ea,fb,abcd,gc,hd->efgh', [(10, 10), (10, 10), (10, 10, 10, 10), (10, 10), (10, 10)], [(0, 2), (0, 3), (0, 2), (0, 1)], '  Complete contraction:  ea,fb,abcd,gc,hd->efgh\n         Naive scaling:  8\n     Optimized scaling:  5\n      Naive FLOP count:  500000000\n  Optimized FLOP count:  800000\n'),
    ('...ij,...jk->...ik', [(5, 2, 3), (3, 4)], [(0, 1)], '  Complete contraction:  ...ij,...jk->...ik\n         Naive scaling:  4\n     Optimized scaling:  4\n      Naive FLOP count:  240\n  Optimized FLOP count:  240\n'),
    ('ab,bc,cd,de->ae', [(20, 3), (3, 50), (50, 4), (4, 30)], [(1, 2), (1, 2), (0, 1)], '  Complete contraction:  ab,bc,cd,de->ae\n         Naive scaling:  5\n     Optimized scaling:  3\n      Naive FLOP count:  1440000\n  Optimized FLOP count:  5520\n'),
    ('i,i,i->', [(3,), (3,), (3,)], [(0, 1), (0, 1)], '  Complete contraction:  i,i,i->\n         Naive scaling:  1\n     Optimized scaling:  1\n      Naive FLOP count:  9\n  Optimized FLOP count:  9\n'),
    ('ii', [(3, 3)], [(0,)], '  Complete contraction:  ii\n         Naive scaling:  1\n     Optimized scaling:  1\n      Naive FLOP count:  6\n  Optimized FLOP count:  6\n'),
    ('i,j,k', [(2,), (3,), (4,)], [(0, 1), (0, 1)], '  Complete contraction:  i,j,k\n         Naive scaling:  3\n     Optimized scaling:  3\n      Naive FLOP count:  48\n  Optimized FLOP count:  30\n'),
    ('ij,k,jk->i', [(5, 6), (7,), (6, 7)], [(1, 2), (0, 1)], '  Complete contraction:  ij,k,jk->i\n         Naive scaling:  3\n     Optimized scaling:  2\n      Naive FLOP count:  630\n  Optimized FLOP count:  144\n'),
    ('abc,cd,ad->b', [(2, 3, 4), (4, 5), (2, 5)], [(1, 2), (0, 1)], '  Complete contraction:  abc,cd,ad->b\n         Naive scaling:  4\n     Optimized scaling:  3\n      Naive FLOP count:  360\n  Optimized FLOP count:  128\n'),
    ('ijk,jl,kl,lm->im', [(4, 5, 6), (5, 7), (6, 7), (7, 3)], [(1, 3), (1, 2), (0, 1)], '  Complete contraction:  ijk,jl,kl,lm->im\n         Naive scaling:  5\n     Optimized scaling:  4\n      Naive FLOP count:  10080\n  Optimized FLOP count:  2085\n'),
    ('a,b,ab,c->c', [(3,), (4,), (3, 4), (2,)], [(1, 2), (0, 2), (0, 1)], '  Complete contraction:  a,b,ab,c->c\n         Naive scaling:  3\n     Optimized scaling:  2\n      Naive FLOP count:  96\n  Optimized FLOP count:  32\n'),
    ('ij,jk,ki->', [(3, 4), (4, 5), (5, 3)], [(1, 2), (0, 1)], '  Complete contraction:  ij,jk,ki->\n         Naive scaling:  3\n     Optimized scaling:  3\n      Naive FLOP count:  180\n  Optimized FLOP count:  144\n'),
    ('i,ij->', [(3,), (1, 4)], [(0, 1)], '  Complete contraction:  i,ij->\n         Naive scaling:  2\n     Optimized scaling:  2\n      Naive FLOP count:  24\n  Optimized FLOP count:  24\n'),
    ('caf,fd,ce,cf,eda->ef', [(3, 6, 8), (8, 7), (3, 6), (3, 8), (6, 7, 6)], [(0, 3), (0, 1, 2, 3)], '  Complete contraction:  caf,fd,ce,cf,eda->ef\n         Naive scaling:  5\n     Optimized scaling:  5\n      Naive FLOP count:  30240\n  Optimized FLOP count:  24336\n'),
    ('g,c,fb,ec,a->af', [(6,), (6,), (2, 2), (5, 6), (8,)], [(1, 3), (0, 3), (0, 2), (0, 1)], '  Complete contraction:  g,c,fb,ec,a->af\n         Naive scaling:  6\n     Optimized scaling:  2\n      Naive FLOP count:  28800\n  Optimized FLOP count:  96\n'),
    ('c,g,ad,f,fcb->c', [(6,), (5,), (9, 4), (6,), (6, 6, 7)], [(3, 4), (0, 3), (1, 2), (0, 1)], '  Complete contraction:  c,g,ad,f,fcb->c\n         Naive scaling:  6\n     Optimized scaling:  3\n      Naive FLOP count:  226800\n  Optimized FLOP count:  1002\n'),
    ('e,ea,f,bcg,c->', [(5,), (5, 8), (8,), (3, 6, 2), (6,)], [(0, 1), (1, 2), (0, 2), (0, 1)], '  Complete contraction:  e,ea,f,bcg,c->\n         Naive scaling:  6\n     Optimized scaling:  3\n      Naive FLOP count:  57600\n  Optimized FLOP count:  169\n'),
    ('da,e,bc,g,a->ag', [(6, 5), (9,), (6, 6), (7,), (5,)], [(0, 4), (1, 3), (0, 2), (0, 1)], '  Complete contraction:  da,e,bc,g,a->ag\n         Naive scaling:  6\n     Optimized scaling:  3\n      Naive FLOP count:  340200\n  Optimized FLOP count:  545\n'),
]


@pytest.mark.parametrize("subscripts, shapes, path, report", PATH_CASES)
def test_einsum_path_matches_reference(subscripts, shapes, path, report):
    got_path, got_report = mx.einsum_path(subscripts, *[mx.ones(s) for s in shapes])
    assert [tuple(p) for p in got_path] == path
    assert got_report == report


@pytest.mark.parametrize("subscripts, shapes, path, report", PATH_CASES)
def test_einsum_matches_numpy_on_path_cases(subscripts, shapes, path, report):
    ops = [RNG.standard_normal(s) for s in shapes]
    r = mx.einsum(subscripts, *[mx.array(o, dtype=mx.float64) for o in ops])
    e = np.einsum(subscripts, *ops)
    assert r.shape == e.shape
    np.testing.assert_allclose(to_np(r), e, rtol=1e-10, atol=1e-10)


CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]), ("ji", [(2, 3)]), ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]), ("i,j", [(2,), (3,)]), ("i,i,i->", [(3,), (3,), (3,)]),
    ("ij,ij->ij", [(2, 1), (2, 3)]), ("iij,jk->ik", [(3, 3, 4), (4, 2)]), ("ijk,kji", [(2, 3, 4), (4, 3, 2)]),
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 5)]), ("i->", [(0,)]), ("ij,jk->ik", [(2, 0), (0, 3)]),
    ("ij,kl->ijkl", [(2, 3), (4, 5)]), ("abc,cd,ad->b", [(2, 3, 4), (4, 5), (2, 5)]), ("...,...", [(2, 3), (2, 3)]),
    ("i...->...", [(3, 4, 5)]), ("Ab,bA->", [(2, 3), (3, 2)]), ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("ea,fb,abcd,gc,hd->efgh", [(3, 2), (3, 3), (2, 3, 4, 2), (2, 4), (3, 2)]),
]


@pytest.mark.parametrize("subscripts, shapes", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32"])
def test_einsum_matches_numpy(subscripts, shapes, dtype):
    if dtype == "int32":
        ops = [RNG.integers(-5, 5, size=s).astype(np.int32) for s in shapes]
    else:
        ops = [RNG.uniform(-1, 1, size=s).astype(dtype) for s in shapes]
    r = mx.einsum(subscripts, *[mx.array(o, dtype=getattr(mx, dtype)) for o in ops])
    e = np.einsum(subscripts.replace(" ", ""), *[o.astype(np.float64) for o in ops])
    assert r.shape == e.shape
    if dtype == "int32":
        np.testing.assert_array_equal(to_np(r), e.astype(np.int64))
    else:
        tol = {"float16": 3e-2, "float32": 1e-5, "float64": 1e-12}[dtype]
        np.testing.assert_allclose(to_np(r).astype(np.float64), e, rtol=tol, atol=tol)


def test_einsum_non_contiguous_and_complex():
    a = RNG.standard_normal((6, 8)).astype(np.float32)
    b = RNG.standard_normal((9, 7)).astype(np.float32)
    r = mx.einsum("ij,jk->ik", mx.array(a)[::2, 1:], mx.array(b).T[:, 1:7])
    assert_allclose(r, np.einsum("ij,jk->ik", a[::2, 1:], b.T[:, 1:7]))
    z = (RNG.standard_normal((3, 4)) + 1j * RNG.standard_normal((3, 4))).astype(np.complex64)
    assert_allclose(mx.einsum("ij,kj->ik", mx.array(z), mx.array(z)), np.einsum("ij,kj->ik", z, z))


def test_einsum_grad_and_vmap():
    a, b, c = (RNG.standard_normal(s) for s in [(2, 3), (3, 4, 3), (4,)])
    f_mx = lambda a, b, c: (mx.einsum("ij,jkj,k->i", a, b, c) ** 2).sum()  # noqa: E731
    f_np = lambda a, b, c: (np.einsum("ij,jkj,k->i", a, b, c) ** 2).sum()  # noqa: E731
    for argnum in range(3):
        check_grad(f_mx, f_np, a, b, c, argnum=argnum)
    x, y = RNG.standard_normal((5, 2, 3)).astype(np.float32), RNG.standard_normal((5, 3, 4)).astype(np.float32)
    r = mx.vmap(lambda p, q: mx.einsum("ij,jk->ki", p, q))(mx.array(x), mx.array(y))
    assert_allclose(r, np.stack([np.einsum("ij,jk->ki", x[i], y[i]) for i in range(5)]))


def test_einsum_contracts_pairwise():
    """Each step contracts two operands (a product of all of them would be 8 x 10^8 here)."""
    ops = [mx.ones(s) for s in [(10, 10), (10, 10), (10, 10, 10, 10), (10, 10), (10, 10)]]
    r = mx.einsum("ea,fb,abcd,gc,hd->efgh", *ops)
    assert r.shape == (10, 10, 10, 10)
    assert float(r[0, 0, 0, 0]) == 10.0 ** 4
    q, k = mx.ones((2, 4, 64, 32)), mx.ones((2, 4, 48, 32))
    r = mx.einsum("bhqd,bhkd->bhqk", q, k)
    assert r.shape == (2, 4, 64, 48) and float(r[1, 3, 63, 47]) == 32.0


def test_einsum_errors():
    with pytest.raises(ValueError, match="Cannot broadcast dimension 0 of input 1"):
        mx.einsum("ij,jk", mx.ones((2, 3)), mx.ones((4, 2)))
    with pytest.raises(ValueError, match="Number of operands, 1, does not match number of input subscripts, 2"):
        mx.einsum("ij,jk->ik", mx.ones((2, 3)))
    with pytest.raises(ValueError, match="Number of operands"):
        mx.einsum_path("ij,jk->ik", mx.ones((2, 3)))
    with pytest.raises(ValueError, match="Repeat indices not allowed in output"):
        mx.einsum("ij->ii", mx.ones((2, 3)))
    with pytest.raises(ValueError, match="Invalid number of subscripts 2 for input 0 with 3 dimensions"):
        mx.einsum("ij", mx.ones((2, 3, 3)))
    with pytest.raises(ValueError):
        mx.einsum("ij->ik", mx.ones((2, 3)))
    with pytest.raises(ValueError):
        mx.einsum("i1", mx.ones((2, 3)))
    with pytest.raises(ValueError, match="At least one operand is required"):
        mx.einsum("ij,jk")
    with pytest.raises(ValueError, match="At least one operand is required"):
        mx.einsum_path("ij,jk")
