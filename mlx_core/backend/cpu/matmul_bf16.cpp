// bfloat16 GEMM with AVX512-BF16: A and B are packed into k-pairs (two bf16 in one 32-bit
// lane, the operand layout of vdpbf16ps), a 12x32 register-tiled micro-kernel accumulates
// in float32 over cache blocks of k, and tiles of C are split over the thread pool. A
// vector operand takes a GEMV path that streams the matrix once, without packing.
#include "mlx_core/backend/cpu/matmul_bf16.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_dispatch.h"
#include "mlx_core/types/half_types.h"

#if defined(MLX_X86_DISPATCH)
#include <immintrin.h>
#endif

namespace mlx::core::cpu {

#if defined(MLX_X86_DISPATCH)

namespace {

#define MLX_TARGET_BF16 __attribute__((target("arch=x86-64-v4,avx512bf16")))

constexpr int MR = 12;        // rows of C per micro-kernel
constexpr int NR = 32;        // columns of C per micro-kernel (two zmm)
constexpr int64_t KPC = 256;  // k-pairs per cache block (the B panel, KPC x NR pairs, is 32 KB)
constexpr int64_t MC = 96;    // rows of C per task (8 micro-kernel rows)
constexpr int64_t NC = 256;   // columns of C per task (8 micro-kernel columns)

inline uint32_t pair(uint16_t lo, uint16_t hi) { return uint32_t(lo) | (uint32_t(hi) << 16); }

inline uint16_t to_bf16(float f) { return bfloat16_t(f).bits; }

// Element (i, kk) of op(X) for X stored rows x cols (row stride ld), transposed when t.
// Packs rows [i0, i0 + R) of op(A) (m x k) as kp k-pairs of R lanes: out[p * R + r] holds
// (A[i0 + r][2p], A[i0 + r][2p + 1]); lanes past m and the odd k's partner are zero.
template <int R>
void pack_rows(bool t, const uint16_t* a, int64_t ld, int64_t m, int64_t k, int64_t i0, uint32_t* out) {
  int64_t kp = (k + 1) / 2, rows = std::min<int64_t>(R, m - i0);
  if (!t) {
    // Rows contiguous along k: a pair is two adjacent elements.
    for (int64_t r = 0; r < rows; ++r) {
      const uint16_t* src = a + (i0 + r) * ld;
      for (int64_t p = 0; p < k / 2; ++p) {
        uint32_t v;
        std::memcpy(&v, src + 2 * p, 4);
        out[p * R + r] = v;
      }
      if (k % 2) out[(kp - 1) * R + r] = src[k - 1];
    }
    for (int64_t r = rows; r < R; ++r) {
      for (int64_t p = 0; p < kp; ++p) out[p * R + r] = 0;
    }
  } else {
    // Stored k x m: the pair comes from two consecutive stored rows.
    for (int64_t p = 0; p < kp; ++p) {
      const uint16_t* s0 = a + 2 * p * ld + i0;
      const uint16_t* s1 = 2 * p + 1 < k ? s0 + ld : nullptr;
      uint32_t* o = out + p * R;
      if (s1) {
        for (int64_t r = 0; r < rows; ++r) o[r] = pair(s0[r], s1[r]);
      } else {
        for (int64_t r = 0; r < rows; ++r) o[r] = s0[r];
      }
      for (int64_t r = rows; r < R; ++r) o[r] = 0;
    }
  }
}

// C[0:MR, 0:NR] (row stride ldc, float32) = (accumulate ? C : 0) + sum over kp pairs.
MLX_TARGET_BF16 void micro_kernel(int64_t kp, const uint32_t* pa, const uint32_t* pb, float* c, int64_t ldc,
                                  bool accumulate) {
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = accumulate ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps();
    acc[r][1] = accumulate ? _mm512_loadu_ps(c + r * ldc + 16) : _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kp; ++p) {
    __m512bh b0 = (__m512bh)_mm512_loadu_si512(pb);
    __m512bh b1 = (__m512bh)_mm512_loadu_si512(pb + 16);
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      __m512bh av = (__m512bh)_mm512_set1_epi32(static_cast<int>(pa[r]));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
    }
    pa += MR;
    pb += NR;
  }
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r) {
    _mm512_storeu_ps(c + r * ldc, acc[r][0]);
    _mm512_storeu_ps(c + r * ldc + 16, acc[r][1]);
  }
}

void gemm_blocked(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const uint16_t* a, int64_t lda,
                  const uint16_t* b, int64_t ldb, uint16_t* c, int64_t ldc) {
  int64_t kp = (k + 1) / 2;
  int64_t ms = (m + MR - 1) / MR, ns = (n + NR - 1) / NR;
  std::vector<uint32_t> packed_a(ms * kp * MR), packed_b(ns * kp * NR);
  // B's columns are A's rows of B^T: op(B)^T is n x k, stored transposed unless tb.
  parallel_for(ms + ns, [&](int64_t lo, int64_t hi) {
    for (int64_t s = lo; s < hi; ++s) {
      if (s < ms) pack_rows<MR>(ta, a, lda, m, k, s * MR, packed_a.data() + s * kp * MR);
      else pack_rows<NR>(!tb, b, ldb, n, k, (s - ms) * NR, packed_b.data() + (s - ms) * kp * NR);
    }
  }, std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(kp, 1)));
  // Tasks: tiles of C, smaller when the big ones would leave threads idle.
  int64_t mc = MC, nc = NC;
  int64_t want = 2 * int64_t(thread_count());
  if ((m + mc - 1) / mc * ((n + nc - 1) / nc) < want) {
    mc = 2 * MR;
    nc = 2 * NR;
  }
  int64_t tm = (m + mc - 1) / mc, tn = (n + nc - 1) / nc;
  // Work per task is mc * nc * k multiply-adds: enough to share from a few tasks up.
  int64_t grain = std::max<int64_t>(1, (int64_t(1) << 20) / std::max<int64_t>(mc * nc * k, 1));
  parallel_for(tm * tn, [&](int64_t lo, int64_t hi) {
    std::vector<float> tile(mc * nc);
    for (int64_t t = lo; t < hi; ++t) {
      int64_t i0 = (t / tn) * mc, j0 = (t % tn) * nc;
      int64_t rows = std::min(mc, m - i0), cols = std::min(nc, n - j0);
      int64_t slices = (rows + MR - 1) / MR, panels = (cols + NR - 1) / NR;
      for (int64_t p0 = 0; p0 < kp; p0 += KPC) {
        int64_t pc = std::min(KPC, kp - p0);
        for (int64_t q = 0; q < panels; ++q) {
          const uint32_t* pb = packed_b.data() + ((j0 / NR) + q) * kp * NR + p0 * NR;
          for (int64_t s = 0; s < slices; ++s) {
            const uint32_t* pa = packed_a.data() + ((i0 / MR) + s) * kp * MR + p0 * MR;
            micro_kernel(pc, pa, pb, tile.data() + s * MR * nc + q * NR, nc, p0 > 0);
          }
        }
      }
      for (int64_t i = 0; i < rows; ++i) {
        const float* src = tile.data() + i * nc;
        uint16_t* dst = c + (i0 + i) * ldc + j0;
        for (int64_t j = 0; j < cols; ++j) dst[j] = to_bf16(src[j]);
      }
    }
  }, grain);
}

// Sum of a 16-lane float32 vector.
// (Through memory: GCC 12's shuffle intrinsics warn under -Wall; this runs once per row.)
MLX_TARGET_BF16 inline float hsum(__m512 v) {
  alignas(64) float buf[16];
  _mm512_store_ps(buf, v);
  float s = 0.0f;
  for (int i = 0; i < 16; i += 2) s += buf[i] + buf[i + 1];
  return s;
}

// y[i * incy] = sum_kk M[i][kk] x[kk] for rows contiguous along k (row stride ld); x has
// kp pairs (zero-padded to an even length).
// Rows [lo, hi) of it.
MLX_TARGET_BF16 void gemv_dot_rows(int64_t lo, int64_t hi, int64_t k, const uint16_t* mat, int64_t ld,
                                   const uint16_t* x, uint16_t* y, int64_t incy) {
  int64_t full = k / 32 * 32;
  __mmask32 tail = k % 32 ? (__mmask32)((uint64_t(1) << (k % 32)) - 1) : 0;
  {
    int64_t i = lo;
    for (; i + 4 <= hi; i += 4) {
      __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
      const uint16_t* r0 = mat + i * ld;
      for (int64_t kk = 0; kk < full; kk += 32) {
        __m512bh xv = (__m512bh)_mm512_loadu_si512(x + kk);
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q) {
          acc[q] = _mm512_dpbf16_ps(acc[q], (__m512bh)_mm512_loadu_si512(r0 + q * ld + kk), xv);
        }
      }
      if (tail) {
        __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(tail, x + full);
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q) {
          acc[q] = _mm512_dpbf16_ps(acc[q], (__m512bh)_mm512_maskz_loadu_epi16(tail, r0 + q * ld + full), xv);
        }
      }
      for (int q = 0; q < 4; ++q) y[(i + q) * incy] = to_bf16(hsum(acc[q]));
    }
    for (; i < hi; ++i) {
      __m512 acc = _mm512_setzero_ps();
      const uint16_t* r0 = mat + i * ld;
      for (int64_t kk = 0; kk < full; kk += 32) {
        acc = _mm512_dpbf16_ps(acc, (__m512bh)_mm512_loadu_si512(r0 + kk), (__m512bh)_mm512_loadu_si512(x + kk));
      }
      if (tail) {
        acc = _mm512_dpbf16_ps(acc, (__m512bh)_mm512_maskz_loadu_epi16(tail, r0 + full),
                               (__m512bh)_mm512_maskz_loadu_epi16(tail, x + full));
      }
      y[i * incy] = to_bf16(hsum(acc));
    }
  }
}

void gemv_dot(int64_t rows, int64_t k, const uint16_t* mat, int64_t ld, const uint16_t* x, uint16_t* y,
              int64_t incy) {
  parallel_for(rows, [&](int64_t lo, int64_t hi) { gemv_dot_rows(lo, hi, k, mat, ld, x, y, incy); },
               std::max<int64_t>(4, (int64_t(1) << 15) / std::max<int64_t>(k, 1)));
}

// y[j * incy] = sum_kk M[kk][j] x[kk] for M stored k x cols, rows contiguous along j (row
// stride ld). Rows 2p and 2p + 1 are interleaved into pairs in registers (unpack within
// 128-bit lanes), and the column order is restored when the sums are stored.
// Stores the sums of columns j0.. (at most 32, up to cols) from the unpacked accumulators:
// lane 4l + q of lo holds column 8l + q, of hi column 8l + 4 + q.
MLX_TARGET_BF16 void store_unpacked(__m512 lo, __m512 hi, int64_t j0, int64_t cols, uint16_t* y, int64_t incy) {
  const __m512i lo_idx = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const __m512i hi_idx = _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  alignas(64) float buf[32];
  _mm512_store_ps(buf, _mm512_permutex2var_ps(lo, lo_idx, hi));
  _mm512_store_ps(buf + 16, _mm512_permutex2var_ps(lo, hi_idx, hi));
  int64_t w = std::min<int64_t>(32, cols - j0);
  for (int64_t j = 0; j < w; ++j) y[(j0 + j) * incy] = to_bf16(buf[j]);
}

// Blocks [lo, hi) of 32 columns of it.
MLX_TARGET_BF16 void gemv_axpy_blocks(int64_t lo, int64_t hi, int64_t cols, int64_t k, const uint16_t* mat,
                                      int64_t ld, const uint16_t* x, uint16_t* y, int64_t incy) {
  constexpr int NB = 4;  // blocks of 32 columns per pass over k
  int64_t kp = (k + 1) / 2;
  {
    int64_t bl = lo;
    for (; bl + NB <= hi && (bl + NB) * 32 <= cols; bl += NB) {
      __m512 accl[NB], acch[NB];
      for (int q = 0; q < NB; ++q) accl[q] = acch[q] = _mm512_setzero_ps();
      const uint16_t* base = mat + bl * 32;
      for (int64_t p = 0; p < kp; ++p) {
        const uint16_t* r0 = base + 2 * p * ld;
        bool two = 2 * p + 1 < k;
        __m512bh xv = (__m512bh)_mm512_set1_epi32(static_cast<int>(pair(x[2 * p], two ? x[2 * p + 1] : 0)));
#pragma GCC unroll 4
        for (int q = 0; q < NB; ++q) {
          __m512i v0 = _mm512_loadu_si512(r0 + q * 32);
          __m512i v1 = two ? _mm512_loadu_si512(r0 + ld + q * 32) : _mm512_setzero_si512();
          accl[q] = _mm512_dpbf16_ps(accl[q], (__m512bh)_mm512_unpacklo_epi16(v0, v1), xv);
          acch[q] = _mm512_dpbf16_ps(acch[q], (__m512bh)_mm512_unpackhi_epi16(v0, v1), xv);
        }
      }
      for (int q = 0; q < NB; ++q) store_unpacked(accl[q], acch[q], (bl + q) * 32, cols, y, incy);
    }
    for (; bl < hi; ++bl) {
      int64_t j0 = bl * 32;
      __mmask32 mk = cols - j0 >= 32 ? ~__mmask32(0) : (__mmask32)((uint64_t(1) << (cols - j0)) - 1);
      __m512 accl = _mm512_setzero_ps(), acch = _mm512_setzero_ps();
      for (int64_t p = 0; p < kp; ++p) {
        const uint16_t* r0 = mat + 2 * p * ld + j0;
        bool two = 2 * p + 1 < k;
        __m512bh xv = (__m512bh)_mm512_set1_epi32(static_cast<int>(pair(x[2 * p], two ? x[2 * p + 1] : 0)));
        __m512i v0 = _mm512_maskz_loadu_epi16(mk, r0);
        __m512i v1 = two ? _mm512_maskz_loadu_epi16(mk, r0 + ld) : _mm512_setzero_si512();
        accl = _mm512_dpbf16_ps(accl, (__m512bh)_mm512_unpacklo_epi16(v0, v1), xv);
        acch = _mm512_dpbf16_ps(acch, (__m512bh)_mm512_unpackhi_epi16(v0, v1), xv);
      }
      store_unpacked(accl, acch, j0, cols, y, incy);
    }
  }
}

void gemv_axpy(int64_t cols, int64_t k, const uint16_t* mat, int64_t ld, const uint16_t* x, uint16_t* y,
               int64_t incy) {
  parallel_for((cols + 31) / 32,
               [&](int64_t lo, int64_t hi) { gemv_axpy_blocks(lo, hi, cols, k, mat, ld, x, y, incy); },
               std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(32 * k, 1)));
}

// m == 1 or n == 1: one matrix against one vector.
void gemv(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const uint16_t* a, int64_t lda, const uint16_t* b,
          int64_t ldb, uint16_t* c, int64_t ldc) {
  std::vector<uint16_t> x(k + 32, 0);
  if (m == 1) {
    // c[j] = sum a[kk] op(B)[kk][j].
    int64_t incx = ta ? lda : 1;
    for (int64_t kk = 0; kk < k; ++kk) x[kk] = a[kk * incx];
    if (tb) gemv_dot(n, k, b, ldb, x.data(), c, 1);
    else gemv_axpy(n, k, b, ldb, x.data(), c, 1);
  } else {
    // c[i] = sum op(A)[i][kk] b[kk].
    int64_t incx = tb ? 1 : ldb;
    for (int64_t kk = 0; kk < k; ++kk) x[kk] = b[kk * incx];
    if (!ta) gemv_dot(m, k, a, lda, x.data(), c, ldc);
    else gemv_axpy(m, k, a, lda, x.data(), c, ldc);
  }
}

} // namespace

void bf16_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const uint16_t* a, int64_t lda,
               const uint16_t* b, int64_t ldb, uint16_t* c, int64_t ldc) {
  if (m == 1 || n == 1) gemv(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
  else gemm_blocked(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
}

#else

void bf16_gemm(bool, bool, int64_t, int64_t, int64_t, const uint16_t*, int64_t, const uint16_t*, int64_t, uint16_t*,
               int64_t) {}

#endif

} // namespace mlx::core::cpu
