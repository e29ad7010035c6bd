// Functors of arctan2 and logaddexp (shared by binary_math.cpp and the fused interpreter).
#pragma once
#include "mlx_core/backend/cpu/math_ops.h"

namespace mlx::core::cpu {

// atan2 and log(exp(a) + exp(b)) (computed as max + log1p(exp(-|a - b|))).
struct ArcTan2Op {
  template <typename T>
  T operator()(T a, T b) const {
    using C = compute_t<T>;
    return static_cast<T>(std::atan2(static_cast<C>(a), static_cast<C>(b)));
  }
};
struct LogAddExpOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_cplx<T>) {
      // The operand with the larger real part factors out.
      T hi = a.real() >= b.real() ? a : b, lo = a.real() >= b.real() ? b : a;
      if (std::isinf(hi.real()) && hi.real() < 0) return hi;
      T r = hi + std::log(T(1) + std::exp(lo - hi));
      // The principal value: the imaginary part in [-pi, pi].
      return T(r.real(), std::remainder(r.imag(), 6.28318530717958648f));
    } else {
      using C = compute_t<T>;
      C x = static_cast<C>(a), y = static_cast<C>(b);
      C hi = x > y ? x : y, lo = x > y ? y : x;
      C e;
      if constexpr (std::is_same_v<C, float>) e = fast_expf(lo - hi);
      else e = std::exp(lo - hi);
      C r = hi + std::log1p(e);
      // Equal infinities: lo - hi is NaN, the answer is the infinity itself.
      return static_cast<T>(x == y ? x + C(0.6931471805599453) : r);
    }
  }
};

template <typename T>
inline constexpr bool simd_gain<ArcTan2Op, T> = libm_simd<T>;
template <typename T>
inline constexpr bool simd_gain<LogAddExpOp, T> = libm_simd<T>;

} // namespace mlx::core::cpu
