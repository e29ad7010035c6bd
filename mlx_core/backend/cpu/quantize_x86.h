// AVX-512 kernels of the quantized vector product (affine 4 and 8 bits, mxfp4 and nvfp4)
// and of the product with many rows, picked at run time
// by quantize.cpp through cpu::simd_isa().
#pragma once
#include <cstdint>

namespace mlx::core::cpu {

// Whether qmv_avx512 runs this case here (an AVX-512 CPU, allowed by OPENMLX_SIMD_ISA,
// bits 4 or 8, group size a multiple of 32).
bool qmv_avx512_covers(int bits, int group_size);

// x (K floats) rearranged for the kernel (K floats into xp): for 4 bits, each block of 32
// elements becomes its even elements then its odd ones (the order the low and high nibbles
// of 16 packed bytes decode in); for 8 bits a plain copy.
void qmv_prepare_x(int bits, const float* x, int64_t K, float* xp);

// out[n] = sum_k x[k] * (s[n, g] * q[n, k] + b[n, g]) for rows n0..n1 of the packed matrix w
// (rows of K * bits / 8 bytes; float32 scales and biases, K / gs per row; b null: no
// biases). q: the codes, or with fp4 (bits 4) the E2M1 values of the codes. xp from
// qmv_prepare_x, xsum the sums of x over each group.
void qmv_avx512(const uint8_t* w, const float* s, const float* b, int64_t K, int gs, int bits, bool fp4,
                const float* xp, const float* xsum, int64_t n0, int64_t n1, float* out);

} // namespace mlx::core::cpu

namespace mlx::core::cpu {

// Whether qgemm_tile_avx512 runs here (an AVX-512 CPU, allowed by OPENMLX_SIMD_ISA).
bool qgemm_avx512_available();

// out[m * ldo + n] += sum_{k < kb} x[m * ldx + k] * w[n * ldw + k] for m < M, n < nw: the
// product of M rows of x with nw dequantized rows of W (each along k), in 4 x 4 register
// tiles of 16-lane partial sums reduced once per call.
void qgemm_tile_avx512(const float* x, int64_t ldx, int64_t M, const float* w, int64_t ldw, int64_t nw, int64_t kb,
                       float* out, int64_t ldo);

} // namespace mlx::core::cpu
