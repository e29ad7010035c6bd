// Contiguous inner loops of the element-wise kernels. On x86-64 each is compiled twice,
// for the baseline and for x86-64-v3 (AVX2, FMA, F16C), and the CPU picks at load time.
#pragma once
#include <cstdint>

#include "mlx_core/array.h"

// OPENMLX_NO_SIMD_CLONES (set by the sanitizer build) compiles the baseline loop only.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(OPENMLX_NO_SIMD_CLONES)
#define MLX_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MLX_SIMD_CLONES
#endif

namespace mlx::core::cpu {

template <typename T, typename U, typename Op>
MLX_SIMD_CLONES void map_contiguous(const T* src, U* dst, int64_t n, Op op) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = op(src[i]);
}

template <typename T, typename U, typename Op>
MLX_SIMD_CLONES void zip_contiguous(const T* a, const T* b, U* dst, int64_t n, Op op) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = op(a[i], b[i]);
}

template <typename T, typename U, typename Op>
MLX_SIMD_CLONES void zip_scalar_left(T a, const T* b, U* dst, int64_t n, Op op) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = op(a, b[i]);
}

template <typename T, typename U, typename Op>
MLX_SIMD_CLONES void zip_scalar_right(const T* a, T b, U* dst, int64_t n, Op op) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = op(a[i], b);
}

template <typename T>
MLX_SIMD_CLONES T sum_contiguous(const T* src, int64_t n) {
  T acc = 0;
#pragma omp simd reduction(+ : acc)
  for (int64_t i = 0; i < n; ++i) acc += src[i];
  return acc;
}

template <typename In, typename Out>
MLX_SIMD_CLONES void cast_contiguous(const In* src, Out* dst, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = cast_value<Out>(src[i]);
}

} // namespace mlx::core::cpu
