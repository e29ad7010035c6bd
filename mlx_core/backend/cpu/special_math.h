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

// M. Giles' single-precision approximation of erfinv(|y|) / |y| in w = -log(1 - y^2)
// ("Approximating the erfinv function", 2010), evaluated in double: the start of the
// float64 iteration where w lies beyond erfinv_ratio's range.
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

// The polynomial c[0] x^14 + c[1] x^13 + ... + c[14] by Estrin's scheme: a dependency chain
// of 5 multiply-adds instead of Horner's 14, so that vectorized loops are not latency-bound.
inline double estrin15(const double* c, double x) {
  double x2 = x * x, x3 = x2 * x, x4 = x2 * x2;
  auto pair = [&](int i) { return c[i] * x + c[i + 1]; }; // c[i] x + c[i + 1]
  double a = pair(0) * x2 + pair(2), b = pair(4) * x2 + pair(6);
  double d = pair(8) * x2 + pair(10), e = (c[12] * x + c[13]) * x + c[14];
  return ((a * x4 + b) * x4 + d) * x3 + e; // a holds x^14..x^11, b x^10..x^7, d x^6..x^3
}

// erfinv(y) / y as a function of w = -log(1 - y^2), for w in [0, 16.5] (every float32 |y| < 1
// lies below w = 16): two polynomials fitted to erfinv by least squares in relative error,
// one in w on [0, 5] and one in sqrt(w) on [5, 16.5], each in a variable mapped to [-1, 1].
// Relative error below 2e-11, so float32 results are correctly rounded but for rare ties.
// Both are evaluated and one is selected, which keeps loops over it branch-free.
inline double erfinv_ratio(double w) {
  static constexpr double small[] = {
      1.7508184743704802e-07, -4.4973065834263548e-08, -1.8344317723410163e-06, 3.0782034398174371e-06,
      8.6575068827475285e-06, -4.1585433209514725e-05, 2.0458955499727913e-05, 0.00029224749912044217,
      -0.00083412904730007615, -0.00048790927756137191, 0.0085253996855799204, -0.019573560142026627,
      -0.026108235693549482, 0.61660069183819077, 1.5014093511099269};
  static constexpr double tail[] = {
      -9.4428574559399624e-08, -1.1482397881415498e-06, 3.848905548675701e-06, 8.91216645807097e-07,
      -2.3862619751790651e-05, 5.4549917105866763e-05, -2.9459693662710202e-05, -0.00018172685199545281,
      0.00069719570528044847, -0.0014855192653968105, 0.0024332476197199632, -0.0037671258734896266,
      0.0055665556387256921, 0.91667190207936233, 2.9824571527625996};
  double u = (w - 2.5) * 0.4;
  double v = (std::sqrt(w) - 3.149043589908885) * (1.0 / 0.9129756124090953);
  return w < 5.0 ? estrin15(small, u) : estrin15(tail, v);
}

// erfinv of a float32 (or half) value, branch-free so that loops over it vectorize (8 lanes
// for most of the work): erfinv(y) / y as a polynomial of degree 10 in w = -log(1 - y^2) or in
// sqrt(w) (as erfinv_ratio, fitted again at that degree), the high-order terms in float, the
// last two and the product with y in double. Within 2 ulp of the exact value, and correctly
// rounded for more than 80% of inputs.
inline float erfinv_float(float y) {
  static constexpr float small_hi[] = {2.75797993e-06f, -3.38115206e-05f, 2.84500711e-05f,
                                       0.000285054586f, -0.000839177577f, -0.000485020137f,
                                       0.00852683652f, -0.0195740275f, -0.0261083841f};
  static constexpr float tail_hi[] = {-1.28352413e-05f, 5.18061897e-05f, -4.17158844e-05f,
                                      -0.000177542315f, 0.000703547674f, -0.0014875608f,
                                      0.0024317475f, -0.00376675534f, 0.00556668639f};
  float ay = std::abs(y);
  float w = -std::log((1.0f - ay) * (1.0f + ay)); // 1 - |y| is exact where it matters
  bool tail = w >= 5.0f;
  float us = w * 0.4f - 1.0f;                       // [0, 5] onto [-1, 1]
  float ut = std::sqrt(w) * 1.09531951f - 3.44920888f; // sqrt(w) in [sqrt(5), sqrt(16.5)]
  float qs = small_hi[0], qt = tail_hi[0];
  for (int i = 1; i < 9; ++i) {
    qs = qs * us + small_hi[i];
    qt = qt * ut + tail_hi[i];
  }
  double u = tail ? ut : us;
  double q = tail ? qt : qs;
  double c1 = tail ? 0.91667188413562339 : 0.61660071242685566;
  double c0 = tail ? 2.9824571508985946 : 1.5014093536175104;
  double x = ((q * u + c1) * u + c0) * y;
  x = ay == 1.0f ? std::copysign(std::numeric_limits<double>::infinity(), static_cast<double>(y)) : x;
  x = ay > 1.0f ? std::numeric_limits<double>::quiet_NaN() : x;
  return static_cast<float>(x); // NaN stays NaN
}

// The inverse error function in double precision (about 1 ulp): a starting value refined by
// Halley steps on erf(x) - y; beyond |y| = 0.5 the residual is taken as (1 - |y|) - erfc(x),
// which is exact to the last bit where erf(x) - y would cancel.
inline double erfinv_double(double y) {
  if (!(std::abs(y) < 1.0)) {
    if (std::abs(y) == 1.0) return std::copysign(std::numeric_limits<double>::infinity(), y);
    return std::numeric_limits<double>::quiet_NaN(); // |y| > 1 or NaN
  }
  if (y == 0.0) return y; // keeps the sign of zero
  double ay = std::abs(y);
  double w = -std::log((1.0 - ay) * (1.0 + ay));
  double x = (w <= 16.5 ? erfinv_ratio(w) : erfinv_start(w)) * ay;
  const double two_over_sqrt_pi = 1.1283791670955126;
  double tail = 1.0 - ay; // exact for ay >= 0.5
  // The start is good to 2e-11 up to w = 16.5, which one Halley step makes exact; nearer
  // |y| = 1 it lies outside that range and needs a few more steps. Halley's cubic
  // convergence makes the step after one below 1e-7 * x negligible.
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
