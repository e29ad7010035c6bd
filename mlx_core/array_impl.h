// Template definitions for array.h.
#pragma once
#include <complex>
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
  } else if constexpr (std::is_same_v<From, bfloat16_t>) {
    return static_cast<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bfloat16_t>) {
    return bfloat16_t(static_cast<float>(v));
  } else {
    return static_cast<To>(v);
  }
}

template <typename T>
array::array(T val, Dtype dtype) : desc_(std::make_shared<ArrayDesc>(Shape{}, dtype)) {
  init_scalar(&val, dtype_of<T>);
}

} // namespace mlx::core
