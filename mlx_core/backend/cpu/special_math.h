// erf and erfinv for the element-wise kernels (included by unary_special.cpp alone, so
// that changing them rebuilds one kernel file).
#pragma once
#include <cmath>
#include <limits>

#include "mlx_core/backend/cpu/math_ops.h"

#ifdef OPENMLX_VECTOR_MATH
extern "C" {
__attribute__((simd("notinbranch"))) double erfc(double) noexcept;
}
#endif

namespace mlx::core::cpu {

// The inverse error function in double precision (about 1 ulp). A starting value from a
// low-degree approximation in w = -log(1 - y^2) (M. Giles, "Approximating the erfinv
// function", 2010, single-precision coefficients) is refined by Halley steps on
// erf(x) - y; beyond |y| = 0.5 the residual is taken as (1 - |y|) - erfc(x), which is exact
// to the last bit where erf(x) - y would cancel.
// M. Giles' single-precision approximation of erfinv(|y|) / |y| in w = -log(1 - y^2),
// evaluated in double (relative error about 4e-7 over float32's range).
inline double erfinv_start(double w) {
  double wc = w - 2.5;
  double p = 2.81022636e-08;
  p = 3.43273939e-07 + p * wc;
  p = -3.5233877e-06 + p * wc;
  p = -4.39150654e-06 + p * wc;
  p = 0.00021858087 + p * wc;
  p = -0.00125372503 + p * wc;
  p = -0.00417768164 + p * wc;
  p = 0.246640727 + p * wc;
  p = 1.50140941 + p * wc;
  double wt = std::sqrt(w) - 3.0;
  double q = -0.000200214257;
  q = 0.000100950558 + q * wt;
  q = 0.00134934322 + q * wt;
  q = -0.00367342844 + q * wt;
  q = 0.00573950773 + q * wt;
  q = -0.0076224613 + q * wt;
  q = 0.00943887047 + q * wt;
  q = 1.00167406 + q * wt;
  q = 2.83297682 + q * wt;
  return w < 5.0 ? p : q;
}

// erfinv of a float32 (or half) value, branch-free so that loops over it vectorize: from
// the starting value, one Halley step in double leaves a relative error far below float32's
// rounding (the residual uses erfc beyond |y| = 0.5, where erf(x) - y would cancel).
inline float erfinv_float(float yf) {
  double y = yf;
  double ay = std::abs(y);
  double tail = 1.0 - ay; // exact
  double w = -std::log(tail * (1.0 + ay));
  double x = erfinv_start(w) * ay;
  double f = ay < 0.5 ? std::erf(x) - ay : tail - std::erfc(x);
  double u = f / (1.1283791670955126 * std::exp(-x * x));
  x -= u / (1.0 + x * u);
  x = ay == 1.0 ? std::numeric_limits<double>::infinity() : x;
  x = ay == 0.0 ? 0.0 : x;
  return static_cast<float>(std::copysign(x, y)); // NaN stays NaN (|y| > 1 gives NaN from log)
}

inline double erfinv_double(double y) {
  if (!(std::abs(y) < 1.0)) {
    if (std::abs(y) == 1.0) return std::copysign(std::numeric_limits<double>::infinity(), y);
    return std::numeric_limits<double>::quiet_NaN(); // |y| > 1 or NaN
  }
  if (y == 0.0) return y; // keeps the sign of zero
  double ay = std::abs(y);
  double p = erfinv_start(-std::log((1.0 - ay) * (1.0 + ay)));
  double x = p * ay;
  const double two_over_sqrt_pi = 1.1283791670955126;
  double tail = 1.0 - ay; // exact for ay >= 0.5
  // Near |y| = 1 in double precision the start lies outside the approximation's range and
  // needs a few more steps; Halley's cubic convergence makes the step after one below
  // 1e-7 * x negligible.
  for (int it = 0; it < 12; ++it) {
    double f = ay < 0.5 ? std::erf(x) - ay : tail - std::erfc(x);
    double d = two_over_sqrt_pi * std::exp(-x * x);
    if (!(d > 0.0)) break;
    double u = f / d;
    double step = u / (1.0 + x * u); // Halley: f'' / f' = -2x
    x -= step;
    if (std::abs(step) <= 1e-7 * x) break;
  }
  return std::copysign(x, y);
}

// erf: float32 and the half types through erff (a few ulp), float64 through erf.
struct ErfOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, double>) return std::erf(x);
    else return static_cast<T>(std::erf(static_cast<float>(x)));
  }
};
// erfinv: float32 and half types through erfinv_float (vectorizable), float64 iterated.
struct ErfInvOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, double>) return erfinv_double(x);
    else return static_cast<T>(erfinv_float(static_cast<float>(x)));
  }
};
template <typename T>
inline constexpr bool simd_gain<ErfOp, T> = libm_simd<T>;
template <typename T>
inline constexpr bool simd_gain<ErfInvOp, T> = libm_simd<T> && !std::is_same_v<T, double>;

} // namespace mlx::core::cpu
