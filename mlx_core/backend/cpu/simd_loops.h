// Contiguous inner loops of the element-wise kernels, compiled per vector ISA and picked at
// run time (backend/cpu/simd_dispatch.h says which variants exist).
#pragma once
#include <cstdint>

#include "mlx_core/array.h"
#include "mlx_core/backend/cpu/simd_dispatch.h"

namespace mlx::core::cpu {

// The contiguous loops of the element-wise kernels, defined twice: map_contiguous etc. with
// the clones, for the operations that vectorize, and map_plain etc. without, for those that
// do not (integer division, scalar libm calls, complex arithmetic), where a second copy
// would cost only build time. The kernels pick one with cpu::simd_gain (math_ops.h).
#define MLX_ELEMENTWISE_LOOPS(SUFFIX, ATTR)                                          \
  template <typename T, typename U, typename Op>                                     \
  ATTR void map_##SUFFIX(const T* src, U* dst, int64_t n, Op op) {                   \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) dst[i] = op(src[i]);         \
  }                                                                                  \
  template <typename T, typename U, typename Op>                                     \
  ATTR void zip_##SUFFIX(const T* a, const T* b, U* dst, int64_t n, Op op) {         \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) dst[i] = op(a[i], b[i]);     \
  }                                                                                  \
  template <typename T, typename U, typename Op>                                     \
  ATTR void zip_scalar_left_##SUFFIX(T a, const T* b, U* dst, int64_t n, Op op) {    \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) dst[i] = op(a, b[i]);        \
  }                                                                                  \
  template <typename T, typename U, typename Op>                                     \
  ATTR void zip_scalar_right_##SUFFIX(const T* a, T b, U* dst, int64_t n, Op op) {   \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) dst[i] = op(a[i], b);        \
  }
MLX_ELEMENTWISE_LOOPS(contiguous, MLX_SIMD_CLONES_AVX2)
MLX_ELEMENTWISE_LOOPS(plain, )
#undef MLX_ELEMENTWISE_LOOPS

// Several independent partial sums keep more than one vector add in flight (and add
// accuracy); they are combined pairwise.
template <typename T>
MLX_SIMD_CLONES T sum_contiguous(const T* src, int64_t n) {
  constexpr int W = 128 / sizeof(T);
  T acc[W] = {};
  int64_t i = 0;
  for (; i + W <= n; i += W) {
#pragma omp simd
    for (int j = 0; j < W; ++j) acc[j] += src[i + j];
  }
  for (int j = 0; i + j < n; ++j) acc[j] += src[i + j];
  for (int w = W / 2; w > 0; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
  }
  return acc[0];
}

template <typename In, typename Out>
MLX_SIMD_CLONES_AVX2 void cast_contiguous(const In* src, Out* dst, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = cast_value<Out>(src[i]);
}

} // namespace mlx::core::cpu
