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

// The mean and the mean square about it of x[0, n), reading x once: chunks small enough to
// stay in L1 get their exact mean and centered sum of squares, merged with Chan's formula
// (accurate however far the values sit from zero).
MLX_SIMD_CLONES static inline void row_mean_var(const float* x, int64_t n, float* mean, float* var) {
  constexpr int64_t kChunk = 1024;
  constexpr int L = 16;
  double mu = 0, m2 = 0;
  int64_t count = 0;
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const float* xc = x + c0;
    int64_t len = n - c0 < kChunk ? n - c0 : kChunk;
    float a[L] = {}, q[L] = {};
    int64_t i = 0;
    for (; i + L <= len; i += L) {
#pragma omp simd
      for (int j = 0; j < L; ++j) a[j] += xc[i + j];
    }
    float s = 0;
    for (int j = 0; j < L; ++j) s += a[j];
    for (; i < len; ++i) s += xc[i];
    float cm = s / float(len);
    for (i = 0; i + L <= len; i += L) {
#pragma omp simd
      for (int j = 0; j < L; ++j) q[j] += (xc[i + j] - cm) * (xc[i + j] - cm);
    }
    float cq = 0;
    for (int j = 0; j < L; ++j) cq += q[j];
    for (; i < len; ++i) cq += (xc[i] - cm) * (xc[i] - cm);
    double delta = double(cm) - mu;
    int64_t total = count + len;
    mu += delta * double(len) / double(total);
    m2 += double(cq) + delta * delta * double(count) * double(len) / double(total);
    count = total;
  }
  *mean = static_cast<float>(mu);
  *var = static_cast<float>(m2 / double(n));
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
