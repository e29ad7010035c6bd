// AVX-512 decode of packed weights for the vector product (see quantize_x86.h).
//
// 4 bits (affine codes or E2M1 values): 16 packed bytes hold 32 codes; their low nibbles are the even elements and their
// high nibbles the odd ones. Rather than interleaving the decoded codes, x is rearranged
// once per product (qmv_prepare_x) so that each 16-lane half lines up with its nibbles:
// per 32 codes one byte-to-int32 widening, one shift, two table lookups (vpermps, which
// reads only the low 4 bits of each lane: no masks, no int-to-float conversion), two FMAs.
// 8 bits: 16 bytes widen straight into 16 lanes. Four rows of w share each load of x; the
// scale multiplies a group's partial sum once, the bias is b * sum(x over the group).
#include "mlx_core/backend/cpu/quantize_x86.h"

#include <cstring>

#include "mlx_core/backend/cpu/simd_dispatch.h"

#if defined(MLX_X86_DISPATCH)
#include <immintrin.h>
#endif

namespace mlx::core::cpu {

bool qmv_avx512_covers(int bits, int group_size) {
#if defined(MLX_X86_DISPATCH)
  return simd_isa() == SimdIsa::avx512 && (bits == 4 || bits == 8) && group_size % 32 == 0;
#else
  (void)bits, (void)group_size;
  return false;
#endif
}

void qmv_prepare_x(int bits, const float* x, int64_t K, float* xp) {
  if (bits != 4) {
    std::memcpy(xp, x, static_cast<size_t>(K) * sizeof(float));
    return;
  }
  for (int64_t c = 0; c + 32 <= K; c += 32) {
    for (int j = 0; j < 16; ++j) {
      xp[c + j] = x[c + 2 * j];
      xp[c + 16 + j] = x[c + 2 * j + 1];
    }
  }
}

#if defined(MLX_X86_DISPATCH)
namespace {

#define MLX_QX MLX_TARGET_AVX512 inline __attribute__((always_inline))

// Decoders of 32 codes starting at column c of a packed row into two vectors of floats.
struct Decode4 {  // 4-bit codes through a 16-entry table (0..15, or E2M1 values for mxfp4)
  __m512 lut;
  static constexpr int64_t bytes_per_row(int64_t K) { return K / 2; }
  MLX_QX void operator()(const uint8_t* row, int64_t c, __m512& lo, __m512& hi) const {
    __m512i d = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + c / 2)));
    lo = _mm512_permutexvar_ps(d, lut);
    hi = _mm512_permutexvar_ps(_mm512_srli_epi32(d, 4), lut);
  }
};
struct Decode8 {  // 8-bit codes
  static constexpr int64_t bytes_per_row(int64_t K) { return K; }
  MLX_QX void operator()(const uint8_t* row, int64_t c, __m512& lo, __m512& hi) const {
    __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + c));
    __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + c + 16));
    lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(v0));
    hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(v1));
  }
};

// Rows n0..n0+R of the product: per group, sum(code * x) scaled once, plus bias * sum(x).
template <int R, typename Decode>
MLX_QX void rows(const uint8_t* w, const float* s, const float* b, int64_t K, int gs, const float* xp,
                 const float* xsum, int64_t n0, float* out, Decode decode) {
  const int64_t G = K / gs, rb = Decode::bytes_per_row(K);
  __m512 acc[R];
  float bias[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps(), bias[r] = 0.0f;
  const uint8_t* row[R];
  for (int r = 0; r < R; ++r) row[r] = w + (n0 + r) * rb;
  for (int64_t g = 0; g < G; ++g) {
    __m512 p0[R], p1[R];
    for (int r = 0; r < R; ++r) p0[r] = _mm512_setzero_ps(), p1[r] = _mm512_setzero_ps();
    for (int64_t c = g * gs; c < (g + 1) * gs; c += 32) {
      __m512 x0 = _mm512_loadu_ps(xp + c), x1 = _mm512_loadu_ps(xp + c + 16);
      for (int r = 0; r < R; ++r) {
        __m512 lo, hi;
        decode(row[r], c, lo, hi);
        p0[r] = _mm512_fmadd_ps(lo, x0, p0[r]);
        p1[r] = _mm512_fmadd_ps(hi, x1, p1[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      int64_t i = (n0 + r) * G + g;
      acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(s[i]), _mm512_add_ps(p0[r], p1[r]), acc[r]);
      if (b) bias[r] += b[i] * xsum[g];
    }
  }
  for (int r = 0; r < R; ++r) out[n0 + r] = _mm512_reduce_add_ps(acc[r]) + bias[r];
}

MLX_TARGET_AVX512 void qmv_impl(const uint8_t* w, const float* s, const float* b, int64_t K, int gs, int bits,
                                bool fp4, const float* xp, const float* xsum, int64_t n0, int64_t n1, float* out) {
  int64_t n = n0;
  if (bits == 4) {
    // Codes to floats by a 16-entry table: vpermps reads only the low 4 bits of each index.
    const __m512 lut = fp4 ? _mm512_setr_ps(0, 0.5f, 1, 1.5f, 2, 3, 4, 6, -0.0f, -0.5f, -1, -1.5f, -2, -3, -4, -6)
                           : _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; n + 4 <= n1; n += 4) rows<4>(w, s, b, K, gs, xp, xsum, n, out, Decode4{lut});
    for (; n < n1; ++n) rows<1>(w, s, b, K, gs, xp, xsum, n, out, Decode4{lut});
  } else {
    for (; n + 4 <= n1; n += 4) rows<4>(w, s, b, K, gs, xp, xsum, n, out, Decode8{});
    for (; n < n1; ++n) rows<1>(w, s, b, K, gs, xp, xsum, n, out, Decode8{});
  }
}

// MB rows of x times NB rows of w (16-lane partial sums in registers; kb a multiple of 16).
template <int MB, int NB>
MLX_QX void tile(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t kb, float* out, int64_t ldo) {
  __m512 acc[MB][NB];
  for (int m = 0; m < MB; ++m)
    for (int n = 0; n < NB; ++n) acc[m][n] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kb; k += 16) {
    __m512 wv[NB];
    for (int n = 0; n < NB; ++n) wv[n] = _mm512_loadu_ps(w + n * ldw + k);
    for (int m = 0; m < MB; ++m) {
      __m512 xv = _mm512_loadu_ps(x + m * ldx + k);
      for (int n = 0; n < NB; ++n) acc[m][n] = _mm512_fmadd_ps(xv, wv[n], acc[m][n]);
    }
  }
  for (int m = 0; m < MB; ++m)
    for (int n = 0; n < NB; ++n) out[m * ldo + n] += _mm512_reduce_add_ps(acc[m][n]);
}

template <int MB>
MLX_QX void tile_rows(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t nw, int64_t kb, float* out,
                      int64_t ldo) {
  int64_t n = 0;
  for (; n + 4 <= nw; n += 4) tile<MB, 4>(x, ldx, w + n * ldw, ldw, kb, out + n, ldo);
  switch (nw - n) {
    case 3: tile<MB, 3>(x, ldx, w + n * ldw, ldw, kb, out + n, ldo); break;
    case 2: tile<MB, 2>(x, ldx, w + n * ldw, ldw, kb, out + n, ldo); break;
    case 1: tile<MB, 1>(x, ldx, w + n * ldw, ldw, kb, out + n, ldo); break;
    default: break;
  }
}

MLX_TARGET_AVX512 void qgemm_impl(const float* x, int64_t ldx, int64_t M, const float* w, int64_t ldw, int64_t nw,
                                  int64_t kb, float* out, int64_t ldo) {
  int64_t m = 0;
  for (; m + 4 <= M; m += 4) tile_rows<4>(x + m * ldx, ldx, w, ldw, nw, kb, out + m * ldo, ldo);
  switch (M - m) {
    case 3: tile_rows<3>(x + m * ldx, ldx, w, ldw, nw, kb, out + m * ldo, ldo); break;
    case 2: tile_rows<2>(x + m * ldx, ldx, w, ldw, nw, kb, out + m * ldo, ldo); break;
    case 1: tile_rows<1>(x + m * ldx, ldx, w, ldw, nw, kb, out + m * ldo, ldo); break;
    default: break;
  }
}

} // namespace
#endif

bool qgemm_avx512_available() {
#if defined(MLX_X86_DISPATCH)
  return simd_isa() == SimdIsa::avx512;
#else
  return false;
#endif
}

void qgemm_tile_avx512(const float* x, int64_t ldx, int64_t M, const float* w, int64_t ldw, int64_t nw, int64_t kb,
                       float* out, int64_t ldo) {
#if defined(MLX_X86_DISPATCH)
  qgemm_impl(x, ldx, M, w, ldw, nw, kb, out, ldo);
#else
  (void)x, (void)ldx, (void)M, (void)w, (void)ldw, (void)nw, (void)kb, (void)out, (void)ldo;
#endif
}

void qmv_avx512(const uint8_t* w, const float* s, const float* b, int64_t K, int gs, int bits, bool fp4,
                const float* xp, const float* xsum, int64_t n0, int64_t n1, float* out) {
#if defined(MLX_X86_DISPATCH)
  qmv_impl(w, s, b, K, gs, bits, fp4, xp, xsum, n0, n1, out);
#else
  (void)w, (void)s, (void)b, (void)K, (void)gs, (void)bits, (void)fp4, (void)xp, (void)xsum, (void)n0, (void)n1,
      (void)out;
#endif
}

} // namespace mlx::core::cpu
