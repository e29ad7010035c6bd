// Data types, their categories and MLX's type promotion.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

#include "mlx_core/types/half_types.h"

namespace mlx::core {

struct Dtype {
  enum class Val : uint8_t {
    bool_,
    uint8,
    uint16,
    uint32,
    uint64,
    int8,
    int16,
    int32,
    int64,
    float16,
    bfloat16,
    float32,
    float64,
    complex64,
  };
  // NumPy-style kind character: b (bool), u, i, f, V (bfloat16), c.
  enum class Kind : char { b = 'b', u = 'u', i = 'i', f = 'f', V = 'V', c = 'c' };

  Val val;
  uint8_t size;

  constexpr Dtype(Val v, uint8_t s) : val(v), size(s) {}
  constexpr bool operator==(const Dtype& o) const { return val == o.val; }
  constexpr bool operator!=(const Dtype& o) const { return val != o.val; }
};

inline constexpr Dtype bool_{Dtype::Val::bool_, 1};
inline constexpr Dtype uint8{Dtype::Val::uint8, 1};
inline constexpr Dtype uint16{Dtype::Val::uint16, 2};
inline constexpr Dtype uint32{Dtype::Val::uint32, 4};
inline constexpr Dtype uint64{Dtype::Val::uint64, 8};
inline constexpr Dtype int8{Dtype::Val::int8, 1};
inline constexpr Dtype int16{Dtype::Val::int16, 2};
inline constexpr Dtype int32{Dtype::Val::int32, 4};
inline constexpr Dtype int64{Dtype::Val::int64, 8};
inline constexpr Dtype float16{Dtype::Val::float16, 2};
inline constexpr Dtype bfloat16{Dtype::Val::bfloat16, 2};
inline constexpr Dtype float32{Dtype::Val::float32, 4};
inline constexpr Dtype float64{Dtype::Val::float64, 8};
inline constexpr Dtype complex64{Dtype::Val::complex64, 8};

inline constexpr int num_dtypes = 14;

// The abstract categories of the type hierarchy (as in NumPy).
enum class DtypeCategory {
  complexfloating,
  floating,
  inexact,
  signedinteger,
  unsignedinteger,
  integer,
  number,
  generic,
};

// The dtype with the given enum value.
Dtype dtype_from_val(Dtype::Val v);

// Result type of a binary operation between arrays of types a and b.
Dtype promote_types(Dtype a, Dtype b);

Dtype::Kind kind(Dtype d);
inline size_t size_of(Dtype d) { return d.size; }

inline bool is_unsigned(Dtype d) {
  return d.val >= Dtype::Val::uint8 && d.val <= Dtype::Val::uint64;
}
inline bool is_signed_integer(Dtype d) {
  return d.val >= Dtype::Val::int8 && d.val <= Dtype::Val::int64;
}
// True for the integer types (bool is not one).
inline bool is_integral(Dtype d) { return is_unsigned(d) || is_signed_integer(d); }
// True for the real floating types (float16, bfloat16, float32, float64).
inline bool is_floating_point(Dtype d) {
  return d.val >= Dtype::Val::float16 && d.val <= Dtype::Val::float64;
}
inline bool is_complex(Dtype d) { return d == complex64; }
// True for floating and complex types.
inline bool is_inexact(Dtype d) { return is_floating_point(d) || is_complex(d); }
// The one "integer and bool inputs compute in float32" rule: the dtype a floating-point op
// computes in for an input of dtype d (d itself when inexact, float32 otherwise).
inline Dtype inexact_dtype(Dtype d) { return is_inexact(d) ? d : float32; }

// True when d belongs to the category.
bool issubdtype(Dtype d, DtypeCategory c);
bool issubdtype(DtypeCategory a, DtypeCategory b);
inline bool issubdtype(Dtype a, Dtype b) { return a == b; }
inline bool issubdtype(DtypeCategory, Dtype) { return false; }

// "float32", "bool", ...
std::string dtype_name(Dtype d);
std::string category_name(DtypeCategory c);

// The C++ storage type of a dtype and back.
template <typename T>
struct TypeToDtype;
template <> struct TypeToDtype<bool> { static constexpr Dtype value = bool_; };
template <> struct TypeToDtype<uint8_t> { static constexpr Dtype value = uint8; };
template <> struct TypeToDtype<uint16_t> { static constexpr Dtype value = uint16; };
template <> struct TypeToDtype<uint32_t> { static constexpr Dtype value = uint32; };
template <> struct TypeToDtype<uint64_t> { static constexpr Dtype value = uint64; };
template <> struct TypeToDtype<int8_t> { static constexpr Dtype value = int8; };
template <> struct TypeToDtype<int16_t> { static constexpr Dtype value = int16; };
template <> struct TypeToDtype<int32_t> { static constexpr Dtype value = int32; };
template <> struct TypeToDtype<int64_t> { static constexpr Dtype value = int64; };
template <> struct TypeToDtype<float16_t> { static constexpr Dtype value = float16; };
template <> struct TypeToDtype<bfloat16_t> { static constexpr Dtype value = bfloat16; };
template <> struct TypeToDtype<float> { static constexpr Dtype value = float32; };
template <> struct TypeToDtype<double> { static constexpr Dtype value = float64; };
template <> struct TypeToDtype<complex64_t> { static constexpr Dtype value = complex64; };

template <typename T>
inline constexpr Dtype dtype_of = TypeToDtype<T>::value;

// The C++ types a 0-d array can be made from: built-in arithmetic types and our half and
// complex types (not, e.g., std::nullopt, which an unconstrained template would accept).
template <typename T>
concept ScalarType = std::is_arithmetic_v<T> || std::is_same_v<T, float16_t> ||
    std::is_same_v<T, bfloat16_t> || std::is_same_v<T, complex64_t>;

} // namespace mlx::core
