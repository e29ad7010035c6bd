// Row reductions of the mx.fast kernels, on float32 with several independent accumulators
// (a single vector accumulator would make each row wait on the add latency).
#pragma once
#include <cstdint>
#include <limits>

#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/simd_loops.h"

namespace mlx::core::cpu {

inline constexpr int kRowLanes = 32;

// sum((x - shift)^2) when `square`, else sum(x).
MLX_SIMD_CLONES static inline float row_sum(const float* x, int64_t n, float shift, bool square) {
  float acc[kRowLanes] = {};
  int64_t i = 0;
  if (square) {
    for (; i + kRowLanes <= n; i += kRowLanes) {
#pragma omp simd
      for (int j = 0; j < kRowLanes; ++j) acc[j] += (x[i + j] - shift) * (x[i + j] - shift);
    }
    for (int j = 0; i + j < n; ++j) acc[j] += (x[i + j] - shift) * (x[i + j] - shift);
  } else {
    for (; i + kRowLanes <= n; i += kRowLanes) {
#pragma omp simd
      for (int j = 0; j < kRowLanes; ++j) acc[j] += x[i + j];
    }
    for (int j = 0; i + j < n; ++j) acc[j] += x[i + j];
  }
  float s = 0;
  for (int j = 0; j < kRowLanes; ++j) s += acc[j];
  return s;
}

// The mean and the mean square about it of x[0, n) in one sweep: sums of d = x - shift and
// d^2, with the shift the mean of a prefix of p >= n/64 elements. Then
// (shift - mean)^2 <= (n/p) var <= 64 var (Cauchy-Schwarz over the prefix), so
// var = E[d^2] - E[d]^2 loses at most about 6 bits to cancellation, however far the values
// sit from zero and wherever an outlier is.
MLX_SIMD_CLONES static inline void row_mean_var(const float* x, int64_t n, float* mean, float* var) {
  int64_t p = n / 64 > 64 ? n / 64 : (n < 64 ? n : 64);
  float pa[kRowLanes] = {};
  int64_t i = 0;
  for (; i + kRowLanes <= p; i += kRowLanes) {
#pragma omp simd
    for (int j = 0; j < kRowLanes; ++j) pa[j] += x[i + j];
  }
  for (int j = 0; i + j < p; ++j) pa[j] += x[i + j];
  float shift = 0;
  for (int j = 0; j < kRowLanes; ++j) shift += pa[j];
  shift /= float(p);
  float a[kRowLanes] = {}, q[kRowLanes] = {};
  for (i = 0; i + kRowLanes <= n; i += kRowLanes) {
#pragma omp simd
    for (int j = 0; j < kRowLanes; ++j) {
      float d = x[i + j] - shift;
      a[j] += d;
      q[j] += d * d;
    }
  }
  for (int j = 0; i + j < n; ++j) {
    float d = x[i + j] - shift;
    a[j] += d;
    q[j] += d * d;
  }
  float s1 = 0, s2 = 0;
  for (int j = 0; j < kRowLanes; ++j) s1 += a[j], s2 += q[j];
  float dm = s1 / float(n);
  *mean = shift + dm;
  float v = s2 / float(n) - dm * dm;
  *var = v > 0 ? v : 0.0f;
}

// The largest element of x (NaNs skipped; -inf for an empty row).
MLX_SIMD_CLONES static inline float row_max(const float* x, int64_t n) {
  float m[kRowLanes];
  for (int j = 0; j < kRowLanes; ++j) m[j] = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + kRowLanes <= n; i += kRowLanes) {
#pragma omp simd
    for (int j = 0; j < kRowLanes; ++j) m[j] = x[i + j] > m[j] ? x[i + j] : m[j];
  }
  for (int j = 0; i + j < n; ++j) m[j] = x[i + j] > m[j] ? x[i + j] : m[j];
  float r = m[0];
  for (int j = 1; j < kRowLanes; ++j) r = m[j] > r ? m[j] : r;
  return r;
}

// sum(exp(x - m)).
MLX_SIMD_CLONES static inline float row_sum_exp(const float* x, int64_t n, float m) {
  float acc[kRowLanes] = {};
  int64_t i = 0;
  for (; i + kRowLanes <= n; i += kRowLanes) {
#pragma omp simd
    for (int j = 0; j < kRowLanes; ++j) acc[j] += fast_expf(x[i + j] - m);
  }
  for (int j = 0; i + j < n; ++j) acc[j] += fast_expf(x[i + j] - m);
  float s = 0;
  for (int j = 0; j < kRowLanes; ++j) s += acc[j];
  return s;
}

} // namespace mlx::core::cpu
