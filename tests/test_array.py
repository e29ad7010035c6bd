"""The array object: scalar conversion, tolist, len/iter, Python protocol
methods, repr/str in the reference's exact format (literal strings read off
Apple MLX 0.32), hash, and the shape/dtype properties."""

import copy

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES, mxdt

# (expression, exact repr) read off the reference.
REPRS = [
    ('mx.array([1, 2])',
     'array([1, 2], dtype=int32)'),
    ('mx.array(3.0)',
     'array(3, dtype=float32)'),
    ('mx.array(1.5)',
     'array(1.5, dtype=float32)'),
    ('mx.array(True)',
     'array(True, dtype=bool)'),
    ('mx.array([True, False])',
     'array([True, False], dtype=bool)'),
    ('mx.array([0.1, 1e-5, 123456.0])',
     'array([0.1, 1e-05, 123456], dtype=float32)'),
    ('mx.array([1e10, 1.0])',
     'array([1e+10, 1], dtype=float32)'),
    ('mx.array([1e-10, 1.0])',
     'array([1e-10, 1], dtype=float32)'),
    ('mx.array([1.123456789, 2])',
     'array([1.12346, 2], dtype=float32)'),
    ("mx.array([float('nan'), float('inf'), -float('inf')])",
     'array([nan, inf, -inf], dtype=float32)'),
    ('mx.array([[1, 2], [3, 4]])',
     'array([[1, 2],\n       [3, 4]], dtype=int32)'),
    ('mx.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])',
     'array([[[1, 2],\n        [3, 4]],\n       [[5, 6],\n        [7, 8]]], dtype=int32)'),
    ('mx.arange(12).reshape(2, 2, 3)',
     'array([[[0, 1, 2],\n        [3, 4, 5]],\n       [[6, 7, 8],\n        [9, 10, 11]]], dtype=int32)'),
    ('mx.arange(12).reshape(3, 4)',
     'array([[0, 1, 2, 3],\n       [4, 5, 6, 7],\n       [8, 9, 10, 11]], dtype=int32)'),
    ('mx.zeros((0, 3))',
     'array([], dtype=float32)'),
    ('mx.zeros((2, 0))',
     'array([[],\n       []], dtype=float32)'),
    ('mx.zeros((0,), mx.int32)',
     'array([], dtype=int32)'),
    ('mx.zeros((2, 0, 3))',
     'array([[],\n       []], dtype=float32)'),
    ('mx.array([1, 2], mx.float16)',
     'array([1, 2], dtype=float16)'),
    ('mx.array([1.5, 2], mx.bfloat16)',
     'array([1.5, 2], dtype=bfloat16)'),
    ('mx.array([1.5, 2], mx.float64)',
     'array([1.5, 2], dtype=float64)'),
    ('mx.array([1 + 2j, -1.5 - 0.5j])',
     'array([1+2j, -1.5-0.5j], dtype=complex64)'),
    ('mx.array(1j)',
     'array(0+1j, dtype=complex64)'),
    ('mx.array(1 + 0j)',
     'array(1+0j, dtype=complex64)'),
    ('mx.array([[1j]])',
     'array([[0+1j]], dtype=complex64)'),
    ('mx.array([1 / 3, 2 / 3j])',
     'array([0.333333+0j, 0-0.666667j], dtype=complex64)'),
    ('mx.array([-1.5, 2])',
     'array([-1.5, 2], dtype=float32)'),
    ('mx.array([1, -2], mx.uint8)',
     'array([1, 254], dtype=uint8)'),
    ('mx.array(0.1)',
     'array(0.1, dtype=float32)'),
    ('mx.array(1 / 3)',
     'array(0.333333, dtype=float32)'),
    ('mx.array([100000.5, 2])',
     'array([100000, 2], dtype=float32)'),
    ('mx.array([1234567.0])',
     'array([1.23457e+06], dtype=float32)'),
    ('mx.array([12345678.0])',
     'array([1.23457e+07], dtype=float32)'),
    ('mx.array([0.0001])',
     'array([0.0001], dtype=float32)'),
    ('mx.array([0.00001])',
     'array([1e-05], dtype=float32)'),
    ('mx.array(-2.5e-7)',
     'array(-2.5e-07, dtype=float32)'),
    ('mx.array([-0.0, 0.0])',
     'array([-0, 0], dtype=float32)'),
    ('mx.array([1e20, -1e-20])',
     'array([1e+20, -1e-20], dtype=float32)'),
    ('mx.array([0.5, 100.25, -3])',
     'array([0.5, 100.25, -3], dtype=float32)'),
    ('mx.array([1e5, 1e6])',
     'array([100000, 1e+06], dtype=float32)'),
    ('mx.array([123456789])',
     'array([123456789], dtype=int32)'),
    ('mx.array([-1, 2], mx.int8)',
     'array([-1, 2], dtype=int8)'),
    ('mx.array([2**63 - 1], mx.int64)',
     'array([9223372036854775807], dtype=int64)'),
    ('mx.array(2**40)',
     'array(1099511627776, dtype=int64)'),
    ('mx.array([1.0, 2.5], mx.float16) / 3',
     'array([0.333252, 0.833496], dtype=float16)'),
    ('mx.array([1.0, 2.5], mx.bfloat16) / 3',
     'array([0.333984, 0.832031], dtype=bfloat16)'),
    ('mx.array([1.0, 2.5], mx.float64) / 3',
     'array([0.333333, 0.833333], dtype=float64)'),
    ('mx.array([[0.123456789] * 3] * 2)',
     'array([[0.123457, 0.123457, 0.123457],\n       [0.123457, 0.123457, 0.123457]], dtype=float32)'),
    ('mx.arange(12).reshape(2, 3, 2).T',
     'array([[[0, 6],\n        [2, 8],\n        [4, 10]],\n       [[1, 7],\n        [3, 9],\n        [5, 11]]], dtype=int32)'),
    ('mx.arange(5)',
     'array([0, 1, 2, 3, 4], dtype=int32)'),
    ('mx.arange(6)',
     'array([0, 1, 2, 3, 4, 5], dtype=int32)'),
    ('mx.arange(7)',
     'array([0, 1, 2, ..., 4, 5, 6], dtype=int32)'),
    ('mx.arange(10)',
     'array([0, 1, 2, ..., 7, 8, 9], dtype=int32)'),
    ('mx.arange(2000)',
     'array([0, 1, 2, ..., 1997, 1998, 1999], dtype=int32)'),
    ('mx.arange(1000.0)',
     'array([0, 1, 2, ..., 997, 998, 999], dtype=float32)'),
    ('mx.arange(6).reshape(6, 1)',
     'array([[0],\n       [1],\n       [2],\n       [3],\n       [4],\n       [5]], dtype=int32)'),
    ('mx.arange(7).reshape(7, 1)',
     'array([[0],\n       [1],\n       [2],\n       ...,\n       [4],\n       [5],\n       [6]], dtype=int32)'),
    ('mx.arange(14).reshape(2, 7)',
     'array([[0, 1, 2, ..., 4, 5, 6],\n       [7, 8, 9, ..., 11, 12, 13]], dtype=int32)'),
    ('mx.arange(49).reshape(7, 7)',
     'array([[0, 1, 2, ..., 4, 5, 6],\n       [7, 8, 9, ..., 11, 12, 13],\n       [14, 15, 16, ..., 18, 19, 20],\n       ...,\n       [28, 29, 30, ..., 32, 33, 34],\n       [35, 36, 37, ..., 39, 40, 41],\n       [42, 43, 44, ..., 46, 47, 48]], dtype=int32)'),
    ('mx.arange(2000).reshape(40, 50)',
     'array([[0, 1, 2, ..., 47, 48, 49],\n       [50, 51, 52, ..., 97, 98, 99],\n       [100, 101, 102, ..., 147, 148, 149],\n       ...,\n       [1850, 1851, 1852, ..., 1897, 1898, 1899],\n       [1900, 1901, 1902, ..., 1947, 1948, 1949],\n       [1950, 1951, 1952, ..., 1997, 1998, 1999]], dtype=int32)'),
    ('mx.zeros((1001, 2))',
     'array([[0, 0],\n       [0, 0],\n       [0, 0],\n       ...,\n       [0, 0],\n       [0, 0],\n       [0, 0]], dtype=float32)'),
    ('mx.ones((3, 4, 1002))',
     'array([[[1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1]],\n       [[1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1]],\n       [[1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1],\n        [1, 1, 1, ..., 1, 1, 1]]], dtype=float32)'),
    ('mx.arange(7 * 7 * 7).reshape(7, 7, 7)',
     'array([[[0, 1, 2, ..., 4, 5, 6],\n        [7, 8, 9, ..., 11, 12, 13],\n        [14, 15, 16, ..., 18, 19, 20],\n        ...,\n        [28, 29, 30, ..., 32, 33, 34],\n        [35, 36, 37, ..., 39, 40, 41],\n        [42, 43, 44, ..., 46, 47, 48]],\n       [[49, 50, 51, ..., 53, 54, 55],\n        [56, 57, 58, ..., 60, 61, 62],\n        [63, 64, 65, ..., 67, 68, 69],\n        ...,\n        [77, 78, 79, ..., 81, 82, 83],\n        [84, 85, 86, ..., 88, 89, 90],\n        [91, 92, 93, ..., 95, 96, 97]],\n       [[98, 99, 100, ..., 102, 103, 104],\n        [105, 106, 107, ..., 109, 110, 111],\n        [112, 113, 114, ..., 116, 117, 118],\n        ...,\n        [126, 127, 128, ..., 130, 131, 132],\n        [133, 134, 135, ..., 137, 138, 139],\n        [140, 141, 142, ..., 144, 145, 146]],\n       ...,\n       [[196, 197, 198, ..., 200, 201, 202],\n        [203, 204, 205, ..., 207, 208, 209],\n        [210, 211, 212, ..., 214, 215, 216],\n        ...,\n        [224, 225, 226, ..., 228, 229, 230],\n        [231, 232, 233, ..., 235, 236, 237],\n        [238, 239, 240, ..., 242, 243, 244]],\n       [[245, 246, 247, ..., 249, 250, 251],\n        [252, 253, 254, ..., 256, 257, 258],\n        [259, 260, 261, ..., 263, 264, 265],\n        ...,\n        [273, 274, 275, ..., 277, 278, 279],\n        [280, 281, 282, ..., 284, 285, 286],\n        [287, 288, 289, ..., 291, 292, 293]],\n       [[294, 295, 296, ..., 298, 299, 300],\n        [301, 302, 303, ..., 305, 306, 307],\n        [308, 309, 310, ..., 312, 313, 314],\n        ...,\n        [322, 323, 324, ..., 326, 327, 328],\n        [329, 330, 331, ..., 333, 334, 335],\n        [336, 337, 338, ..., 340, 341, 342]]], dtype=int32)'),
    ('mx.arange(24000).reshape(2000, 3, 4)',
     'array([[[0, 1, 2, 3],\n        [4, 5, 6, 7],\n        [8, 9, 10, 11]],\n       [[12, 13, 14, 15],\n        [16, 17, 18, 19],\n        [20, 21, 22, 23]],\n       [[24, 25, 26, 27],\n        [28, 29, 30, 31],\n        [32, 33, 34, 35]],\n       ...,\n       [[23964, 23965, 23966, 23967],\n        [23968, 23969, 23970, 23971],\n        [23972, 23973, 23974, 23975]],\n       [[23976, 23977, 23978, 23979],\n        [23980, 23981, 23982, 23983],\n        [23984, 23985, 23986, 23987]],\n       [[23988, 23989, 23990, 23991],\n        [23992, 23993, 23994, 23995],\n        [23996, 23997, 23998, 23999]]], dtype=int32)'),
    ('mx.ones((8,), mx.bool_)',
     'array([True, True, True, ..., True, True, True], dtype=bool)'),
    ('mx.arange(10, dtype=mx.float16) / 4',
     'array([0, 0.25, 0.5, ..., 1.75, 2, 2.25], dtype=float16)'),
    ('mx.array([1, 2, 3]) + 1',
     'array([2, 3, 4], dtype=int32)'),
    ('mx.arange(10)[::-3]',
     'array([9, 6, 3, 0], dtype=int32)'),
    ('mx.arange(12).reshape(3, 4)[:, 1:3]',
     'array([[1, 2],\n       [5, 6],\n       [9, 10]], dtype=int32)'),
]


@pytest.mark.parametrize("expr, expected", REPRS, ids=[e for e, _ in REPRS])
def test_repr_exact(expr, expected):
    a = eval(expr, {"mx": mx})
    assert repr(a) == expected
    assert str(a) == expected


def test_repr_of_lazy_and_evaluated_arrays_match():
    a = mx.arange(10) * 2
    lazy = repr(a)
    mx.eval(a)
    assert repr(a) == lazy == "array([0, 2, 4, ..., 14, 16, 18], dtype=int32)"


def test_repr_non_contiguous():
    a = mx.arange(12).reshape(3, 4)
    assert repr(a.T) == ("array([[0, 4, 8],\n       [1, 5, 9],\n"
                         "       [2, 6, 10],\n       [3, 7, 11]], dtype=int32)")
    assert repr(mx.broadcast_to(mx.array([1, 2]), (2, 2))) == \
        "array([[1, 2],\n       [1, 2]], dtype=int32)"


def test_format():
    assert format(mx.array(3), ".2f") == "3.00"
    assert f"{mx.array(3.14159):.2f}" == "3.14"
    assert format(mx.array([1, 2])) == "array([1, 2], dtype=int32)"
    with pytest.raises(TypeError):
        f"{mx.array([1.0]):.2f}"


# ---------------------------------------------------------------------------
# item / tolist
# ---------------------------------------------------------------------------

def test_item():
    assert mx.array(5).item() == 5
    assert type(mx.array(5).item()) is int
    assert mx.array(2.5).item() == 2.5
    assert type(mx.array(2.5).item()) is float
    assert mx.array([2.5]).item() == 2.5
    assert mx.array([[7]]).item() == 7
    assert mx.array(True).item() is True
    assert mx.array(1j).item() == 1j
    assert type(mx.array(3, mx.uint8).item()) is int
    assert mx.array(1.5, mx.float16).item() == 1.5
    v = mx.array(1.5, mx.bfloat16).item()
    assert v == 1.5 and type(v) is float
    assert mx.array(0.1).item() == float(np.float32(0.1))
    assert mx.array(0.1, mx.float64).item() == 0.1
    assert mx.array(2**62, mx.int64).item() == 2**62


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_item_every_dtype(name):
    v = mx.array(1, mxdt(name)).item()
    expected_type = {"bool_": bool, "complex64": complex}.get(name, float if name in (
        "float16", "bfloat16", "float32", "float64") else int)
    assert type(v) is expected_type
    assert v == 1


def test_item_requires_one_element():
    with pytest.raises(ValueError):
        mx.array([1, 2]).item()
    with pytest.raises(ValueError):
        mx.array([]).item()


def test_tolist():
    assert mx.array([1, 2]).tolist() == [1, 2]
    assert mx.array([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert mx.array([[True]]).tolist() == [[True]]
    assert mx.array(5).tolist() == 5
    assert mx.zeros((2, 0)).tolist() == [[], []]
    assert mx.array([0.1]).tolist() == [float(np.float32(0.1))]
    assert mx.array([1.5], mx.float16).tolist() == [1.5]
    assert mx.array([1.5], mx.bfloat16).tolist() == [1.5]
    assert mx.array([1 + 1j]).tolist() == [1 + 1j]
    assert mx.arange(6).reshape(2, 3).T.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert mx.arange(6)[::-2].tolist() == [5, 3, 1]
    r = mx.array([1, 2], mx.uint8).tolist()
    assert all(type(v) is int for v in r)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_tolist_every_dtype(name):
    a = mx.array([[0, 1], [1, 0]], mxdt(name))
    out = a.tolist()
    assert out == [[0, 1], [1, 0]]


# ---------------------------------------------------------------------------
# Python protocols
# ---------------------------------------------------------------------------

def test_len():
    assert len(mx.zeros((3, 2))) == 3
    assert len(mx.zeros((0, 2))) == 0
    with pytest.raises(TypeError):
        len(mx.array(1))


def test_iter():
    items = list(mx.arange(3))
    assert len(items) == 3
    assert all(isinstance(i, mx.array) and i.shape == () for i in items)
    assert [i.item() for i in items] == [0, 1, 2]
    rows = list(mx.arange(6).reshape(3, 2))
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    assert list(mx.zeros((0, 3))) == []
    a, b = mx.array([4, 5])
    assert a.item() == 4 and b.item() == 5
    with pytest.raises(TypeError):
        list(mx.array(3))


def test_bool():
    assert bool(mx.array([0])) is False
    assert bool(mx.array(2)) is True
    assert bool(mx.zeros((1, 1))) is False
    assert bool(mx.array(1.5) == 1.5) is True
    with pytest.raises(ValueError):
        bool(mx.array([1, 2]))
    with pytest.raises(ValueError):
        bool(mx.array([]))
    with pytest.raises(ValueError):
        if mx.array([1, 2]) and mx.array([1]):
            pass


def test_float_int():
    assert float(mx.array(3)) == 3.0
    assert int(mx.array([2.7])) == 2
    assert int(mx.array(-3.9)) == -3
    assert int(mx.array([[7]])) == 7
    with pytest.raises(ValueError):
        float(mx.array([1, 2]))
    with pytest.raises(TypeError):
        float(mx.array(1j))


def test_index():
    assert [1, 2, 3][mx.array(1)] == 2
    assert range(10)[mx.array(3)] == 3
    assert mx.array(2, mx.uint8).__index__() == 2
    with pytest.raises(TypeError):
        [1, 2, 3][mx.array(1.0)]
    with pytest.raises(TypeError):
        mx.array([1, 2]).__index__()
    with pytest.raises(TypeError):
        mx.array(True).__index__()


def test_hash_is_identity():
    a = mx.array(1)
    b = mx.array(1)
    assert hash(a) == hash(a)
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"
    assert a in {a}
    assert mx.array(1) not in {mx.array(1)}


def test_copy():
    a = mx.array([1, 2])
    b = copy.copy(a)
    c = copy.deepcopy(a)
    assert b.tolist() == [1, 2] and c.tolist() == [1, 2]
    assert b.dtype == a.dtype


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------

SIZES = {"bool_": 1, "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8,
         "int8": 1, "int16": 2, "int32": 4, "int64": 8, "float16": 2,
         "bfloat16": 2, "float32": 4, "float64": 8, "complex64": 8}


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_properties(name):
    a = mx.zeros((2, 3, 4), mxdt(name))
    assert a.shape == (2, 3, 4)
    assert isinstance(a.shape, tuple)
    assert a.ndim == 3
    assert a.size == 24
    assert a.dtype == mxdt(name)
    assert a.itemsize == SIZES[name]
    assert a.nbytes == 24 * SIZES[name]


def test_properties_of_views_and_scalars():
    a = mx.arange(24).reshape(2, 3, 4)
    v = a[:, ::2].T
    assert v.shape == (4, 2, 2) and v.size == 16 and v.nbytes == 64 and v.ndim == 3
    s = mx.array(3.0)
    assert s.shape == () and s.ndim == 0 and s.size == 1 and s.nbytes == 4
    e = mx.zeros((0, 5))
    assert e.size == 0 and e.nbytes == 0
    assert mx.array([1, 2]).itemsize == 4 and mx.array([1, 2]).nbytes == 8


def test_properties_are_available_without_evaluation():
    a = mx.ones((1000, 1000)) @ mx.ones((1000, 3))
    assert a.shape == (1000, 3)
    assert a.dtype == mx.float32
    assert a.size == 3000
