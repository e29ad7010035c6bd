// The identities of max and min for each dtype: the lowest and the highest value (infinities
// for the floating types, real infinities for complex).
#pragma once
#include <limits>
#include <type_traits>

#include "mlx_core/backend/cpu/math_ops.h"

namespace mlx::core::cpu {

template <typename T>
T lowest_value() {
  if constexpr (std::is_same_v<T, bool>) return false;
  else if constexpr (is_cplx<T>) return T(-std::numeric_limits<float>::infinity(), 0.0f);
  else if constexpr (is_half_v<T>) return T(-std::numeric_limits<float>::infinity());
  else if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::lowest();
}

template <typename T>
T highest_value() {
  if constexpr (std::is_same_v<T, bool>) return true;
  else if constexpr (is_cplx<T>) return T(std::numeric_limits<float>::infinity(), 0.0f);
  else if constexpr (is_half_v<T>) return T(std::numeric_limits<float>::infinity());
  else if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::max();
}

} // namespace mlx::core::cpu
