#include "mlx_core/dtype.h"

#include <array>

namespace mlx::core {

namespace {

constexpr Dtype all_dtypes[num_dtypes] = {
    bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
    float16, bfloat16, float32, float64, complex64};

// MLX's promotion table, indexed by Dtype::Val.
#define B Dtype::Val::bool_
#define U8 Dtype::Val::uint8
#define U16 Dtype::Val::uint16
#define U32 Dtype::Val::uint32
#define U64 Dtype::Val::uint64
#define I8 Dtype::Val::int8
#define I16 Dtype::Val::int16
#define I32 Dtype::Val::int32
#define I64 Dtype::Val::int64
#define F16 Dtype::Val::float16
#define BF16 Dtype::Val::bfloat16
#define F32 Dtype::Val::float32
#define F64 Dtype::Val::float64
#define C64 Dtype::Val::complex64
constexpr Dtype::Val promotion_table[num_dtypes][num_dtypes] = {
    // b    u8   u16  u32  u64  i8   i16  i32  i64  f16  bf16  f32  f64  c64
    {B, U8, U16, U32, U64, I8, I16, I32, I64, F16, BF16, F32, F64, C64},        // b
    {U8, U8, U16, U32, U64, I16, I16, I32, I64, F16, BF16, F32, F64, C64},      // u8
    {U16, U16, U16, U32, U64, I32, I32, I32, I64, F16, BF16, F32, F64, C64},    // u16
    {U32, U32, U32, U32, U64, I64, I64, I64, I64, F16, BF16, F32, F64, C64},    // u32
    {U64, U64, U64, U64, U64, F32, F32, F32, F32, F16, BF16, F32, F64, C64},    // u64
    {I8, I16, I32, I64, F32, I8, I16, I32, I64, F16, BF16, F32, F64, C64},      // i8
    {I16, I16, I32, I64, F32, I16, I16, I32, I64, F16, BF16, F32, F64, C64},    // i16
    {I32, I32, I32, I64, F32, I32, I32, I32, I64, F16, BF16, F32, F64, C64},    // i32
    {I64, I64, I64, I64, F32, I64, I64, I64, I64, F16, BF16, F32, F64, C64},    // i64
    {F16, F16, F16, F16, F16, F16, F16, F16, F16, F16, F32, F32, F64, C64},     // f16
    {BF16, BF16, BF16, BF16, BF16, BF16, BF16, BF16, BF16, F32, BF16, F32, F64, C64}, // bf16
    {F32, F32, F32, F32, F32, F32, F32, F32, F32, F32, F32, F32, F64, C64},     // f32
    {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, C64},     // f64
    {C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64},     // c64
};
#undef B
#undef U8
#undef U16
#undef U32
#undef U64
#undef I8
#undef I16
#undef I32
#undef I64
#undef F16
#undef BF16
#undef F32
#undef F64
#undef C64

} // namespace

Dtype dtype_from_val(Dtype::Val v) {
  return all_dtypes[static_cast<int>(v)];
}

Dtype promote_types(Dtype a, Dtype b) {
  return dtype_from_val(
      promotion_table[static_cast<int>(a.val)][static_cast<int>(b.val)]);
}

Dtype::Kind kind(Dtype d) {
  if (d == bool_) return Dtype::Kind::b;
  if (is_unsigned(d)) return Dtype::Kind::u;
  if (is_signed_integer(d)) return Dtype::Kind::i;
  if (d == bfloat16) return Dtype::Kind::V;
  if (is_floating_point(d)) return Dtype::Kind::f;
  return Dtype::Kind::c;
}

bool issubdtype(Dtype d, DtypeCategory c) {
  switch (c) {
    case DtypeCategory::complexfloating:
      return is_complex(d);
    case DtypeCategory::floating:
      return is_floating_point(d);
    case DtypeCategory::inexact:
      return is_inexact(d);
    case DtypeCategory::signedinteger:
      return is_signed_integer(d);
    case DtypeCategory::unsignedinteger:
      return is_unsigned(d);
    case DtypeCategory::integer:
      return is_integral(d);
    case DtypeCategory::number:
      return d != bool_;
    case DtypeCategory::generic:
      return true;
  }
  return false;
}

bool issubdtype(DtypeCategory a, DtypeCategory b) {
  if (a == b || b == DtypeCategory::generic) return true;
  switch (b) {
    case DtypeCategory::inexact:
      return a == DtypeCategory::floating || a == DtypeCategory::complexfloating;
    case DtypeCategory::integer:
      return a == DtypeCategory::signedinteger || a == DtypeCategory::unsignedinteger;
    case DtypeCategory::number:
      return a != DtypeCategory::generic;
    default:
      return false;
  }
}

std::string dtype_name(Dtype d) {
  static const char* names[num_dtypes] = {
      "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
      "int32", "int64", "float16", "bfloat16", "float32", "float64", "complex64"};
  return names[static_cast<int>(d.val)];
}

std::string category_name(DtypeCategory c) {
  switch (c) {
    case DtypeCategory::complexfloating: return "complexfloating";
    case DtypeCategory::floating: return "floating";
    case DtypeCategory::inexact: return "inexact";
    case DtypeCategory::signedinteger: return "signedinteger";
    case DtypeCategory::unsignedinteger: return "unsignedinteger";
    case DtypeCategory::integer: return "integer";
    case DtypeCategory::number: return "number";
    case DtypeCategory::generic: return "generic";
  }
  return "generic";
}

} // namespace mlx::core
