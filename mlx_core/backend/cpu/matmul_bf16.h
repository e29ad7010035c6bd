// bfloat16 GEMM on x86-64 CPUs with AVX512-BF16 (vdpbf16ps): products of bf16 pairs
// accumulated in float32, one rounding to bfloat16 per output element.
#pragma once
#include <cstdint>

namespace mlx::core::cpu {

// C (m x n, row stride ldc) = op(A) op(B) for bfloat16 bit patterns, where op(A) is m x k
// (A stored m x k with row stride lda, or k x m when ta) and op(B) k x n (B stored k x n,
// or n x k when tb). Splits over the thread pool (inline when called from a pool task).
// Only call when has_avx512_bf16() (simd_dispatch.h); k >= 1.
void bf16_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const uint16_t* a, int64_t lda,
               const uint16_t* b, int64_t ldb, uint16_t* c, int64_t ldc);

} // namespace mlx::core::cpu
