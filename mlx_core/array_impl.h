// Template definitions for array.h.
#pragma once
#include <complex>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace mlx::core {

namespace detail {
template <typename T>
struct is_complex_t : std::false_type {};
template <>
struct is_complex_t<complex64_t> : std::true_type {};
} // namespace detail

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

namespace detail {

// x86-64's truncating conversion to a signed integer (cvttss2si/cvttsd2si): NaN and values
// outside the range give the minimum value. C is float or double.
template <typename I, typename C>
inline I truncate_to_signed(C v) {
  constexpr C lim = -static_cast<C>(std::numeric_limits<I>::min()); // 2^31 or 2^63, exact
  return (v >= -lim && v < lim) ? static_cast<I>(v) : std::numeric_limits<I>::min();
}

// Float to integer as NumPy converts (its scalar path) on x86-64, defined for every input:
// int32 and int64 get the minimum value (0x80...) for NaN, inf and out-of-range values;
// int8, int16, uint8 and uint16 are the low bits of the int32 conversion, uint32 those of
// the int64 conversion; uint64 converts values from 2^63 on as v - 2^63 with the top bit
// set, the others as int64.
template <typename To, typename From>
inline To float_to_int(From f) {
  using C = std::conditional_t<std::is_same_v<From, double>, double, float>;
  C v = static_cast<C>(f);
  if constexpr (sizeof(To) < 4) {
    return static_cast<To>(truncate_to_signed<int32_t>(v));
  } else if constexpr (std::is_same_v<To, uint32_t>) {
    return static_cast<To>(truncate_to_signed<int64_t>(v));
  } else if constexpr (std::is_signed_v<To>) {
    return truncate_to_signed<To>(v);
  } else {
    using S = std::make_signed_t<To>;
    constexpr C half = -static_cast<C>(std::numeric_limits<S>::min());
    constexpr To top = To(1) << (sizeof(To) * 8 - 1);
    return v >= half ? static_cast<To>(static_cast<To>(truncate_to_signed<S>(v - half)) ^ top)
                     : static_cast<To>(truncate_to_signed<S>(v));
  }
}

} // namespace detail

template <typename To, typename From>
inline To cast_value(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (detail::is_complex_t<From>::value) {
    if constexpr (std::is_same_v<To, bool>) {
      return v.real() != 0.0f || v.imag() != 0.0f;
    } else {
      return cast_value<To>(v.real());
    }
  } else if constexpr (detail::is_complex_t<To>::value) {
    return complex64_t(static_cast<float>(v), 0.0f);
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (is_half_v<From>) {
      return static_cast<float>(v) != 0.0f;
    } else {
      return v != From(0);
    }
  } else if constexpr (std::is_integral_v<To> && !std::is_integral_v<From>) {
    return detail::float_to_int<To>(v);
  } else if constexpr (std::is_same_v<From, bfloat16_t>) {
    return static_cast<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bfloat16_t> || std::is_same_v<To, float16_t>) {
    return To(static_cast<float>(v));
  } else {
    return static_cast<To>(v);
  }
}

template <ScalarType T>
array::array(T val, Dtype dtype) : desc_(std::make_shared<ArrayDesc>(Shape{}, dtype)) {
  init_scalar(&val, dtype_of<T>);
}

} // namespace mlx::core
