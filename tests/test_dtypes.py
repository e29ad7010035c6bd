"""Dtype objects, categories, issubdtype, and type promotion.

PROMOTION and SCALAR_PROMOTION are literal data read off the reference
(Apple MLX 0.32): the dtype of `array(dtype=row) + array(dtype=col)` and of
`array(dtype=row) + <Python scalar>`."""

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES

SHORT = ["b", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64",
         "f16", "bf16", "f32", "f64", "c64"]
NAME = dict(zip(SHORT, ALL_DTYPE_NAMES))

# row dtype (+) column dtype -> result, columns in SHORT order.
PROMOTION = {
    "b":    "b   u8  u16 u32 u64 i8  i16 i32 i64 f16 bf16 f32 f64 c64",
    "u8":   "u8  u8  u16 u32 u64 i16 i16 i32 i64 f16 bf16 f32 f64 c64",
    "u16":  "u16 u16 u16 u32 u64 i32 i32 i32 i64 f16 bf16 f32 f64 c64",
    "u32":  "u32 u32 u32 u32 u64 i64 i64 i64 i64 f16 bf16 f32 f64 c64",
    "u64":  "u64 u64 u64 u64 u64 f32 f32 f32 f32 f16 bf16 f32 f64 c64",
    "i8":   "i8  i16 i32 i64 f32 i8  i16 i32 i64 f16 bf16 f32 f64 c64",
    "i16":  "i16 i16 i32 i64 f32 i16 i16 i32 i64 f16 bf16 f32 f64 c64",
    "i32":  "i32 i32 i32 i64 f32 i32 i32 i32 i64 f16 bf16 f32 f64 c64",
    "i64":  "i64 i64 i64 i64 f32 i64 i64 i64 i64 f16 bf16 f32 f64 c64",
    "f16":  "f16 f16 f16 f16 f16 f16 f16 f16 f16 f16 f32  f32 f64 c64",
    "bf16": "bf16 bf16 bf16 bf16 bf16 bf16 bf16 bf16 bf16 f32 bf16 f32 f64 c64",
    "f32":  "f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32  f32 f64 c64",
    "f64":  "f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64  f64 f64 c64",
    "c64":  "c64 c64 c64 c64 c64 c64 c64 c64 c64 c64 c64  c64 c64 c64",
}

# array dtype (+) Python scalar -> result; scalars: True, 1, 1.5, 1j.
SCALARS = [True, 1, 1.5, 1j]
SCALAR_PROMOTION = {
    "b":    "b    i32  f32  c64",
    "u8":   "u8   u8   f32  c64",
    "u16":  "u16  u16  f32  c64",
    "u32":  "u32  u32  f32  c64",
    "u64":  "u64  u64  f32  c64",
    "i8":   "i8   i8   f32  c64",
    "i16":  "i16  i16  f32  c64",
    "i32":  "i32  i32  f32  c64",
    "i64":  "i64  i64  f32  c64",
    "f16":  "f16  f16  f16  c64",
    "bf16": "bf16 bf16 bf16 c64",
    "f32":  "f32  f32  f32  c64",
    "f64":  "f64  f64  f64  c64",
    "c64":  "c64  c64  c64  c64",
}

PAIRS = [(r, c, res) for r, row in PROMOTION.items()
         for c, res in zip(SHORT, row.split())]
SCALAR_CASES = [(r, s, res) for r, row in SCALAR_PROMOTION.items()
                for s, res in zip(SCALARS, row.split())]


def _dt(short):
    return getattr(mx, NAME[short])


def test_tables_are_complete():
    assert len(PAIRS) == 14 * 14
    assert len(SCALAR_CASES) == 14 * 4
    # the table is symmetric
    table = {(r, c): res for r, c, res in PAIRS}
    for (r, c), res in table.items():
        assert table[(c, r)] == res


@pytest.mark.parametrize("row, col, result", PAIRS, ids=[f"{r}+{c}" for r, c, _ in PAIRS])
def test_binary_promotion(row, col, result):
    a = mx.ones((2,), _dt(row))
    b = mx.ones((2,), _dt(col))
    assert (a + b).dtype == _dt(result)
    assert mx.add(a, b).dtype == _dt(result)
    # the rule is the same for other arithmetic and for 0-d arrays
    assert (a * b).dtype == _dt(result)
    assert (mx.ones((), _dt(row)) + b).dtype == _dt(result)


@pytest.mark.parametrize("row, scalar, result", SCALAR_CASES,
                         ids=[f"{r}+{s!r}" for r, s, _ in SCALAR_CASES])
def test_scalar_weak_promotion(row, scalar, result):
    a = mx.ones((2,), _dt(row))
    assert (a + scalar).dtype == _dt(result)
    assert (scalar + a).dtype == _dt(result)
    assert (a * scalar).dtype == _dt(result)


@pytest.mark.parametrize("expr, dtype, values", [
    (lambda: mx.array([1, 2], mx.int32) * 1.5, mx.float32, [1.5, 3.0]),
    (lambda: mx.array([1, 2], mx.float16) * 2.5, mx.float16, [2.5, 5.0]),
    (lambda: mx.array([1, 2], mx.uint8) + 255, mx.uint8, [0, 1]),
    (lambda: mx.array([1, 2], mx.uint8) - 1, mx.uint8, [0, 1]),
    (lambda: mx.array([True]) + True, mx.bool_, [True]),
    (lambda: mx.array([True]) + 1, mx.int32, [2]),
    (lambda: mx.array([1], mx.int64) + 2**40, mx.int64, [2**40 + 1]),
    (lambda: mx.array([1, 2], mx.int8) + np.int64(5), mx.int8, [6, 7]),
    (lambda: mx.array([1, 2]) + np.float64(1.5), mx.float32, [2.5, 3.5]),
    (lambda: mx.array([1, 2], mx.float16) + np.float64(1.5), mx.float16, [2.5, 3.5]),
    # 0-d arrays are not weak
    (lambda: mx.array([1, 2], mx.int8) + mx.array(5), mx.int32, [6, 7]),
    (lambda: mx.array([1, 2], mx.float16) + mx.array(1.5), mx.float32, [2.5, 3.5]),
])
def test_weak_typing_examples(expr, dtype, values):
    r = expr()
    assert r.dtype == dtype
    assert r.tolist() == values


@pytest.mark.parametrize("expr", [
    lambda: mx.array([1, 2], mx.uint8) + 300,
    lambda: mx.array([1, 2], mx.uint8) + (-1),
    lambda: mx.array([1, 2], mx.int8) + 200,
    lambda: mx.array([1], mx.int32) + 2**40,
    lambda: mx.array([1], mx.uint32) + 2**33,
    lambda: mx.where(mx.array([True, False]), mx.array([1], mx.uint8), 300),
])
def test_scalar_overflow_raises(expr):
    with pytest.raises(ValueError):
        expr()


# ---------------------------------------------------------------------------
# Dtype objects
# ---------------------------------------------------------------------------

SIZES = {"bool_": 1, "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8,
         "int8": 1, "int16": 2, "int32": 4, "int64": 8, "float16": 2,
         "bfloat16": 2, "float32": 4, "float64": 8, "complex64": 8}


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_dtype_object(name):
    dt = getattr(mx, name)
    assert isinstance(dt, mx.Dtype)
    assert dt.size == SIZES[name]
    shown = "bool" if name == "bool_" else name
    assert repr(dt) == f"mlx.core.{shown}"
    assert str(dt) == f"mlx.core.{shown}"
    assert dt == getattr(mx, name)
    assert hash(dt) == hash(getattr(mx, name))
    assert mx.ones((3,), dt).itemsize == SIZES[name]


def test_dtype_equality_and_hash():
    assert mx.float32 == mx.float32
    assert mx.float32 != mx.int32
    assert len({mx.float32, mx.float32, mx.int32}) == 2
    assert mx.array([1]).dtype == mx.int32
    assert mx.array([1]).dtype != mx.int64
    assert type(mx.float32) is mx.Dtype


def test_dtype_has_no_constructor_and_no_order():
    with pytest.raises(TypeError):
        mx.Dtype(4)
    with pytest.raises(TypeError):
        mx.int8 < mx.int16


def test_dtype_categories():
    names = ["complexfloating", "floating", "inexact", "signedinteger",
             "unsignedinteger", "integer", "number", "generic"]
    for n in names:
        cat = getattr(mx, n)
        assert cat == getattr(mx.DtypeCategory, n)
        assert repr(cat) == f"DtypeCategory.{n}"


CATEGORY_MEMBERS = {
    "bool_": {"generic"},
    "uint8": {"unsignedinteger", "integer", "number", "generic"},
    "uint16": {"unsignedinteger", "integer", "number", "generic"},
    "uint32": {"unsignedinteger", "integer", "number", "generic"},
    "uint64": {"unsignedinteger", "integer", "number", "generic"},
    "int8": {"signedinteger", "integer", "number", "generic"},
    "int16": {"signedinteger", "integer", "number", "generic"},
    "int32": {"signedinteger", "integer", "number", "generic"},
    "int64": {"signedinteger", "integer", "number", "generic"},
    "float16": {"floating", "inexact", "number", "generic"},
    "bfloat16": {"floating", "inexact", "number", "generic"},
    "float32": {"floating", "inexact", "number", "generic"},
    "float64": {"floating", "inexact", "number", "generic"},
    "complex64": {"complexfloating", "inexact", "number", "generic"},
}
CATEGORIES = ["complexfloating", "floating", "inexact", "signedinteger",
              "unsignedinteger", "integer", "number", "generic"]


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_issubdtype_dtype_in_category(name):
    dt = getattr(mx, name)
    for cat in CATEGORIES:
        assert mx.issubdtype(dt, getattr(mx, cat)) == (cat in CATEGORY_MEMBERS[name]), (name, cat)


def test_issubdtype_dtype_dtype_and_category_category():
    assert mx.issubdtype(mx.float32, mx.float32)
    assert not mx.issubdtype(mx.float32, mx.float64)
    assert mx.issubdtype(mx.floating, mx.inexact)
    assert mx.issubdtype(mx.complexfloating, mx.inexact)
    assert mx.issubdtype(mx.integer, mx.number)
    assert mx.issubdtype(mx.number, mx.generic)
    assert not mx.issubdtype(mx.number, mx.integer)
    assert not mx.issubdtype(mx.inexact, mx.floating)
