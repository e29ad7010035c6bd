// Kernel of ScaledDotProductAttention: blocked online softmax (flash attention). A work item
// is (batch, key/value head, block of query rows, piece of the keys); its query rows are
// those of every query head that shares the key/value head, so grouped-query attention
// reads each key once per block. The scores of a block of keys against the block of rows
// are formed transposed (keys x queries) by a register-tiled small GEMM that reads the key
// rows in place (or, for up to 8 rows, by dot products), are masked (a mask array 16 x 16
// at a time through a register transpose on AVX-512, element-wise otherwise), are folded into
// running (max, sum) pairs column by column (vectorized across the queries); the
// probabilities then multiply the value block in a second small GEMM. The GEMM and softmax
// steps are compiled for AVX-512, AVX2 and the baseline and picked at run time (a local
// dispatch: swap for the project-wide one when it lands). float16 / bfloat16 are widened
// to float32 block by block. When there are too few items for the threads (decoding: one
// query, a long key cache), the keys are split into pieces whose partial softmaxes are
// merged at the end.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/primitives/fast_attention.h"
#ifdef MLX_X86_DISPATCH
#include <immintrin.h>
#endif

namespace mlx::core {

namespace {

// Query rows and keys per block.
constexpr int kBQ = 64;
constexpr int kBK = 128;

// A small GEMM C[M x N] (+)= A[M x K] B[K x N]. A is read one element at a time (broadcast),
// so it takes any layout: element (r, p) at a[r * ars + p * acs]. B and C are row-major.
template <typename A>
struct GemmArgs {
  int M, N, K;
  const A* a;
  int64_t ars, acs;
  const A* b;
  int64_t ldb;
  A* c;
  int64_t ldc;
  bool accumulate; // false: C = A B
};

// One R x W tile of C, its accumulators in registers.
template <typename A, int R, int W>
__attribute__((always_inline)) inline void gemm_tile(const GemmArgs<A>& g, int i, int j) {
  A acc[R][W];
  A* c = g.c + i * g.ldc + j;
  for (int r = 0; r < R; ++r)
    for (int jj = 0; jj < W; ++jj) acc[r][jj] = g.accumulate ? c[r * g.ldc + jj] : A(0);
  const A* a = g.a + i * g.ars;
  const A* b = g.b + j;
  for (int p = 0; p < g.K; ++p) {
    const A* bp = b + p * g.ldb;
    for (int r = 0; r < R; ++r) {
      A ar = a[r * g.ars + p * g.acs];
#pragma omp simd
      for (int jj = 0; jj < W; ++jj) acc[r][jj] += ar * bp[jj];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int jj = 0; jj < W; ++jj) c[r * g.ldc + jj] = acc[r][jj];
}

// Tiles of R x W over columns [j0, j1) of C (a multiple of W wide), then the rows left over.
template <typename A, int R, int W>
__attribute__((always_inline)) inline void gemm_rows(const GemmArgs<A>& g, int j0, int j1) {
  int i = 0;
  for (; i + R <= g.M; i += R)
    for (int j = j0; j < j1; j += W) gemm_tile<A, R, W>(g, i, j);
  for (; i + 4 <= g.M && R > 4; i += 4)
    for (int j = j0; j < j1; j += W) gemm_tile<A, 4, W>(g, i, j);
  for (; i + 2 <= g.M && R > 2; i += 2)
    for (int j = j0; j < j1; j += W) gemm_tile<A, 2, W>(g, i, j);
  for (; i < g.M; ++i)
    for (int j = j0; j < j1; j += W) gemm_tile<A, 1, W>(g, i, j);
}

// C in R x W tiles, a last column strip W / 2 wide if one fits, then the columns left over.
template <typename A, int R, int W>
__attribute__((always_inline)) inline void gemm_tiles(const GemmArgs<A>& g) {
  int nfull = g.N / W * W;
  gemm_rows<A, R, W>(g, 0, nfull);
  if (g.N - nfull >= W / 2) {
    gemm_rows<A, R, W / 2>(g, nfull, nfull + W / 2);
    nfull += W / 2;
  }
  // Columns left over (head sizes that are not a multiple of W).
  for (int r = 0; r < g.M && nfull < g.N; ++r) {
    A* c = g.c + r * g.ldc;
    if (!g.accumulate)
      for (int j = nfull; j < g.N; ++j) c[j] = 0;
    for (int p = 0; p < g.K; ++p) {
      A ar = g.a[r * g.ars + p * g.acs];
      for (int j = nfull; j < g.N; ++j) c[j] += ar * g.b[p * g.ldb + j];
    }
  }
}

// The widest vector ISA present picks the tile: AVX-512 (32 registers: 4 rows of four
// 16-float vectors), AVX2 (16 registers: 4 rows of two 8-float vectors), or the baseline.
// The choice is made once, at the first call.
#ifdef MLX_X86_DISPATCH
template <typename A>
MLX_TARGET_AVX512 void gemm_avx512(const GemmArgs<A>& g) {
  gemm_tiles<A, 6, 256 / sizeof(A)>(g);
}
template <typename A>
MLX_TARGET_AVX2 void gemm_avx2(const GemmArgs<A>& g) {
  gemm_tiles<A, 4, 64 / sizeof(A)>(g);
}
#endif
template <typename A>
void gemm_base(const GemmArgs<A>& g) {
#if defined(__aarch64__)
  gemm_tiles<A, 6, 64 / sizeof(A)>(g); // NEON: 32 registers of 4 floats
#else
  gemm_tiles<A, 4, 32 / sizeof(A)>(g);
#endif
}

// The variant for the widest vector ISA this CPU has (AVX-512, AVX2, baseline).
template <typename Fn>
Fn pick_isa([[maybe_unused]] Fn avx512, [[maybe_unused]] Fn avx2, Fn base) {
  switch (cpu::simd_isa()) {
    case cpu::SimdIsa::avx512: return avx512;
    case cpu::SimdIsa::avx2: return avx2;
    default: return base;
  }
}

template <typename A>
void small_gemm(const GemmArgs<A>& g) {
  using Fn = void (*)(const GemmArgs<A>&);
#ifdef MLX_X86_DISPATCH
  static const Fn fn = pick_isa<Fn>(&gemm_avx512<A>, &gemm_avx2<A>, &gemm_base<A>);
#else
  static const Fn fn = &gemm_base<A>;
#endif
  fn(g);
}

// Columns of padding the score blocks get (the widest tile strip).
template <typename A>
constexpr int kW = 128 / sizeof(A);

// s[j * lds] = dot(q, k + j * ldk) over D, for j < nk (few query rows: no GEMM).
template <typename A>
MLX_SIMD_CLONES void row_dots(int nk, int D, const A* q, const A* k, int64_t ldk, A* s, int64_t lds) {
  for (int j = 0; j < nk; ++j) {
    const A* kj = k + j * ldk;
    A acc = 0;
#pragma omp simd reduction(+ : acc)
    for (int d = 0; d < D; ++d) acc += q[d] * kj[d];
    s[j * lds] = acc;
  }
}

// y[i] = exp(y[i] - m) over n, returning the sum.
template <typename A>
MLX_SIMD_CLONES A exp_shift(A* y, int n, A m) {
  A s = 0;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) {
    A e;
    if constexpr (std::is_same_v<A, float>) e = cpu::fast_expf(y[i] - m);
    else e = std::exp(y[i] - m);
    y[i] = e;
    s += e;
  }
  return s;
}

template <typename A>
MLX_SIMD_CLONES void scale_row(A* y, int n, A k) {
#pragma omp simd
  for (int i = 0; i < n; ++i) y[i] *= k;
}

template <typename A>
MLX_SIMD_CLONES void widen(const void* src, A* dst, int n, int kind) {
  // kind 0: same type (copy), 1: float16, 2: bfloat16
  if (kind == 1) {
    auto s = static_cast<const float16_t*>(src);
#pragma omp simd
    for (int i = 0; i < n; ++i) dst[i] = static_cast<A>(static_cast<float>(s[i]));
  } else if (kind == 2) {
    auto s = static_cast<const uint16_t*>(src);
#pragma omp simd
    for (int i = 0; i < n; ++i) {
      uint32_t bits = uint32_t(s[i]) << 16;
      float f;
      __builtin_memcpy(&f, &bits, 4);
      dst[i] = static_cast<A>(f);
    }
  } else {
    auto s = static_cast<const A*>(src);
    for (int i = 0; i < n; ++i) dst[i] = s[i];
  }
}

// dst[i] = src[i] rounded to T (vectorized conversions for the half types).
template <typename T, typename A>
MLX_SIMD_CLONES void narrow(const A* src, T* dst, int n, A k) {
#pragma omp simd
  for (int i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, A>) dst[i] = src[i] * k;
    else dst[i] = static_cast<T>(static_cast<float>(src[i] * k));
  }
}

// dst[d * ldd + j] = src[j * lds + d]: a block of rows transposed.
template <typename A>
MLX_SIMD_CLONES void transpose_block(const A* src, int64_t lds, int rows, int cols, A* dst, int64_t ldd) {
  for (int j = 0; j < rows; ++j)
    for (int d = 0; d < cols; ++d) dst[d * ldd + j] = src[j * lds + d];
}

// col[j * ldc] = keep[j * ms] ? col[j * ldc] : masked, for j < nk, selecting bits (a
// random mask would defeat the branch predictor).
template <typename A>
inline void mask_keep(A* col, int64_t ldc, const uint8_t* keep, int64_t ms, int nk, A masked) {
  using U = std::conditional_t<sizeof(A) == 4, uint32_t, uint64_t>;
  U mbits;
  __builtin_memcpy(&mbits, &masked, sizeof(A));
  for (int j = 0; j < nk; ++j) {
    U sel = U(0) - U(keep[j * ms] != 0);
    U bits;
    __builtin_memcpy(&bits, col + j * ldc, sizeof(A));
    bits = (bits & sel) | (mbits & ~sel);
    __builtin_memcpy(col + j * ldc, &bits, sizeof(A));
  }
}

// dst[i] = keep[i] ? 1 : 0, for i < n.
MLX_SIMD_CLONES inline void widen_bool(const uint8_t* keep, float* dst, int n) {
#pragma omp simd
  for (int i = 0; i < n; ++i) dst[i] = keep[i] ? 1.0f : 0.0f;
}

// col[j * ldc] += add[j * ms], for j < nk.
template <typename A, typename T>
inline void mask_add(A* col, int64_t ldc, const T* add, int64_t ms, int nk) {
  if (ms == 1) {
    for (int j = 0; j < nk; ++j) col[j * ldc] += static_cast<A>(add[j]);
  } else {
    for (int j = 0; j < nk; ++j) col[j * ldc] += static_cast<A>(add[j * ms]);
  }
}

#ifdef MLX_X86_DISPATCH
// The low / high 64-bit pairs of a and b interleaved, per 128-bit lane.
MLX_TARGET_AVX512 inline __m512 unpack_lo64(__m512 a, __m512 b) {
  return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
}
MLX_TARGET_AVX512 inline __m512 unpack_hi64(__m512 a, __m512 b) {
  return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
}

// The 16 x 16 block of mask values of query rows rows[0..16) and keys [jc, jc + nc)
// transposed in registers, then added to (or, when `keep`, selecting between the score and
// `masked` in) the transposed scores st[(jc + j) * ldst + i]: each score row is read and
// written as one vector instead of sixteen strided elements.
MLX_TARGET_AVX512 void mask_block16(float* st, int64_t ldst, const float* const* rows, int jc, int nc, bool keep,
                                    float masked) {
  const __mmask16 km = nc >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nc) - 1);
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_maskz_loadu_ps(km, rows[i] + jc);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = unpack_lo64(t[i], t[i + 2]);
    r[i + 1] = unpack_hi64(t[i], t[i + 2]);
    r[i + 2] = unpack_lo64(t[i + 1], t[i + 3]);
    r[i + 3] = unpack_hi64(t[i + 1], t[i + 3]);
  }
  // r[4g + c] holds, in each 128-bit lane L, rows 4g..4g+3 at key 4L + c.
  for (int g = 0; g < 2; ++g) {
    for (int c = 0; c < 4; ++c) {
      t[8 * g + c] = _mm512_shuffle_f32x4(r[8 * g + c], r[8 * g + 4 + c], 0x88);
      t[8 * g + 4 + c] = _mm512_shuffle_f32x4(r[8 * g + c], r[8 * g + 4 + c], 0xdd);
    }
  }
  for (int c = 0; c < 8; ++c) {
    r[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xdd);
  }
  // r[k]: key jc + k against the 16 rows.
  const __m512 vm = _mm512_set1_ps(masked), zero = _mm512_setzero_ps();
  for (int k = 0; k < nc; ++k) {
    float* s = st + (jc + k) * ldst;
    __m512 v = _mm512_loadu_ps(s);
    if (keep) v = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(r[k], zero, _CMP_NEQ_UQ), vm, v);
    else v = _mm512_add_ps(v, r[k]);
    _mm512_storeu_ps(s, v);
  }
}
#endif

// Everything a work item needs to know about the problem.
template <typename T>
struct Problem {
  using A = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const T *q, *k, *v, *sinks;
  const void* mask; // nullptr, bool or T
  bool mask_bool, causal;
  int B, H, Hkv, G, Lq, Lk, D, Dv;
  int64_t qs[3], ks[3], vs[3], ms[4]; // element strides of batch, head, row (mask: and key)
  A scale;
  int nqb, splits, piece; // query blocks per head group, key pieces, keys per piece
};

template <typename T>
constexpr int widen_kind() {
  if constexpr (std::is_same_v<T, float16_t>) return 1;
  else if constexpr (std::is_same_v<T, bfloat16_t>) return 2;
  else return 0;
}

// exp(x) is subnormal (or 0) below this.
template <typename A>
constexpr A kFlush = std::is_same_v<A, float> ? A(-87.3) : A(-708.3);

// Column-wise online-softmax step over a block of transposed scores st [nk x kBQ] (row j:
// key j against every query): folds the block into the running maxima m and sums l,
// leaves exp(score - max) in st, and the factors that rescale earlier outputs in alpha.
template <typename A>
__attribute__((always_inline)) inline void softmax_block_impl(A* st, int nk, int nq, A* m, A* l, A* alpha) {
  constexpr A kNegInf = -std::numeric_limits<A>::infinity();
  A bmax[kBQ], shift[kBQ], sum[kBQ];
  int bad[kBQ];
  for (int r = 0; r < nq; ++r) bmax[r] = kNegInf, bad[r] = 0, sum[r] = 0;
  for (int j = 0; j < nk; ++j) {
    const A* row = st + j * kBQ;
#pragma omp simd
    for (int r = 0; r < nq; ++r) {
      A v = row[r];
      bmax[r] = v > bmax[r] ? v : bmax[r];
      bad[r] |= v != v;
    }
  }
  for (int r = 0; r < nq; ++r) {
    A m_new = bad[r] ? std::numeric_limits<A>::quiet_NaN() : std::max(m[r], bmax[r]);
    // A row still at -inf adds nothing (exp(-inf - 0) = 0) instead of exp(-inf + inf).
    shift[r] = m_new == kNegInf ? A(0) : m_new;
    alpha[r] = m[r] == kNegInf ? A(0) : std::exp(m[r] - shift[r]);
    m[r] = m_new;
  }
  for (int j = 0; j < nk; ++j) {
    A* row = st + j * kBQ;
#pragma omp simd
    for (int r = 0; r < nq; ++r) {
      A x = row[r] - shift[r];
      A e;
      if constexpr (std::is_same_v<A, float>) e = cpu::fast_expf(x);
      else e = std::exp(x);
      // Below the smallest normal result exp is flushed to 0: masked scores would otherwise
      // leave subnormal probabilities, which slow every later multiply by orders of magnitude.
      e = x < kFlush<A> ? A(0) : e;
      row[r] = e;
      sum[r] += e;
    }
  }
  for (int r = 0; r < nq; ++r) l[r] = l[r] * alpha[r] + sum[r];
}

#ifdef MLX_X86_DISPATCH
template <typename A>
MLX_TARGET_AVX512 void softmax_block_avx512(A* st, int nk, int nq, A* m, A* l, A* alpha) {
  softmax_block_impl<A>(st, nk, nq, m, l, alpha);
}
template <typename A>
MLX_TARGET_AVX2 void softmax_block_avx2(A* st, int nk, int nq, A* m, A* l, A* alpha) {
  softmax_block_impl<A>(st, nk, nq, m, l, alpha);
}
#endif
template <typename A>
void softmax_block_base(A* st, int nk, int nq, A* m, A* l, A* alpha) {
  softmax_block_impl<A>(st, nk, nq, m, l, alpha);
}

template <typename A>
void softmax_block(A* st, int nk, int nq, A* m, A* l, A* alpha) {
  using Fn = void (*)(A*, int, int, A*, A*, A*);
#ifdef MLX_X86_DISPATCH
  static const Fn fn = pick_isa<Fn>(&softmax_block_avx512<A>, &softmax_block_avx2<A>, &softmax_block_base<A>);
#else
  static const Fn fn = &softmax_block_base<A>;
#endif
  fn(st, nk, nq, m, l, alpha);
}

// One work item: rows [r0, r0 + nq) of group (b, hk) against keys [j_begin, j_end). Leaves
// unnormalized outputs o [nq x Dv], row maxima m and sums l.
template <typename T>
void attend(const Problem<T>& P, int b, int hk, int r0, int nq, int j_begin, int j_end, bool first_piece,
            typename Problem<T>::A* o, typename Problem<T>::A* m, typename Problem<T>::A* l,
            std::vector<typename Problem<T>::A>& ws) {
  using A = typename Problem<T>::A;
  constexpr int W = kW<A>;
  constexpr A kNegInf = -std::numeric_limits<A>::infinity();
  constexpr A kMasked = std::numeric_limits<A>::lowest();
  constexpr int kind = widen_kind<T>();
  const int D = P.D, Dv = P.Dv;
  const int BK = kBK;
  bool few = nq <= 8; // decoding: dot products straight against the key rows
  // The vectorized mask path (AVX-512, float32 compute, mask contiguous along the keys, more
  // rows than a decoding step has: a 16-row tile would mostly transpose padding).
  bool mask_tiles = false;
#ifdef MLX_X86_DISPATCH
  if constexpr (std::is_same_v<A, float>)
    mask_tiles = P.mask && P.ms[3] == 1 && nq > 8 && cpu::simd_isa() == cpu::SimdIsa::avx512;
#endif
  size_t need = size_t(kBQ) * D * 2 + size_t(BK) * std::max(D, Dv) + size_t(kBQ) * BK +
                (mask_tiles ? size_t(kBQ + 1) * BK : 0);
  if (ws.size() < need) ws.resize(need);
  A* qb = ws.data();                  // [nq x D] scaled queries
  A* qt = qb + size_t(kBQ) * D;       // [D x kBQ] the same transposed, zero-padded
  A* kv = qt + size_t(kBQ) * D;       // [BK x max(D, Dv)] widened key or value rows
  A* st = kv + size_t(BK) * std::max(D, Dv); // [BK x kBQ] scores, then probabilities (transposed)
  [[maybe_unused]] A* mrows = st + size_t(kBQ) * BK; // [kBQ x BK] mask rows widened to float, then BK zeros
  A alpha[kBQ];

  // Head, query index and causal limit (last visible key) of each row.
  int head[kBQ], qi[kBQ];
  int64_t limit[kBQ];
  int64_t min_limit = INT64_MAX, max_limit = INT64_MIN;
  for (int r = 0; r < nq; ++r) {
    int gr = r0 + r;
    head[r] = hk * P.G + gr / P.Lq;
    qi[r] = gr % P.Lq;
    limit[r] = int64_t(qi[r]) + P.Lk - P.Lq;
    min_limit = std::min(min_limit, limit[r]);
    max_limit = std::max(max_limit, limit[r]);
  }
  for (int r = 0; r < nq; ++r) {
    const T* src = P.q + b * P.qs[0] + head[r] * P.qs[1] + qi[r] * P.qs[2];
    widen<A>(src, qb + r * D, D, kind);
    scale_row<A>(qb + r * D, D, P.scale);
    if (first_piece && P.sinks) {
      m[r] = static_cast<A>(P.sinks[head[r]]);
      l[r] = 1;
    } else {
      m[r] = kNegInf;
      l[r] = 0;
    }
  }
  int nqpad = std::min(kBQ, (nq + W - 1) / W * W);
  if (!few) {
    std::fill(qt, qt + size_t(D) * kBQ, A(0));
    transpose_block<A>(qb, D, nq, D, qt, kBQ);
  }
  std::fill(o, o + size_t(nq) * Dv, A(0));
  // A causal row with no visible key scores every key kMasked (as the reference does), so
  // its blocks cannot be skipped.
  bool skip_ok = P.causal && min_limit >= 0;
  const T* kbase = P.k + b * P.ks[0] + hk * P.ks[1];
  const T* vbase = P.v + b * P.vs[0] + hk * P.vs[1];
  for (int j0 = j_begin; j0 < j_end; j0 += BK) {
    int nk = std::min(BK, j_end - j0);
    if (skip_ok && j0 > max_limit) break;
    if (P.mask && P.ms[3] == 1) { // the rows' mask segments lie far apart: fetch them during the GEMM
      size_t esize = P.mask_bool ? 1 : sizeof(T);
      for (int r = 0; r < nq; ++r) {
        const char* seg = static_cast<const char*>(P.mask) +
                          (b * P.ms[0] + head[r] * P.ms[1] + qi[r] * P.ms[2] + j0) * int64_t(esize);
        for (size_t off = 0; off < nk * esize; off += 64) __builtin_prefetch(seg + off);
      }
    }
    // Scores st = K Q^T: dot products for a few rows, else a GEMM with the key rows read in place.
    const A* krows;
    int64_t ldk;
    if constexpr (kind == 0) {
      krows = reinterpret_cast<const A*>(kbase + j0 * P.ks[2]);
      ldk = P.ks[2];
    } else {
      for (int j = 0; j < nk; ++j) widen<A>(kbase + (j0 + j) * P.ks[2], kv + size_t(j) * D, D, kind);
      krows = kv;
      ldk = D;
    }
    if (few) {
      for (int r = 0; r < nq; ++r) row_dots<A>(nk, D, qb + r * D, krows, ldk, st + r, kBQ);
    } else {
      small_gemm<A>({nk, nqpad, D, krows, ldk, 1, qt, kBQ, st, kBQ, false});
    }
    // Masks, 16 keys at a time so that the rows of st being written stay in L1.
#ifdef MLX_X86_DISPATCH
    if constexpr (std::is_same_v<A, float>) {
      if (mask_tiles) {
        // Each row's mask segment as float32 (read in place when it already is), rows past
        // nq padded with zeros, then added / selected 16 x 16 at a time through a transpose.
        const float* rp[kBQ];
        const float* zeros = mrows + size_t(kBQ) * BK;
        if (j0 == j_begin) std::fill(mrows + size_t(kBQ) * BK, mrows + size_t(kBQ + 1) * BK, 0.0f);
        int nq16 = (nq + 15) / 16 * 16;
        for (int r = 0; r < nq16; ++r) {
          if (r >= nq) {
            rp[r] = zeros;
            continue;
          }
          int64_t mo = b * P.ms[0] + head[r] * P.ms[1] + qi[r] * P.ms[2] + j0;
          float* dst = mrows + size_t(r) * BK;
          if (P.mask_bool) {
            widen_bool(static_cast<const uint8_t*>(P.mask) + mo, dst, nk);
            rp[r] = dst;
          } else if constexpr (kind == 0) {
            rp[r] = static_cast<const float*>(P.mask) + mo;
          } else {
            widen<A>(static_cast<const T*>(P.mask) + mo, dst, nk, kind);
            rp[r] = dst;
          }
        }
        for (int r = 0; r < nq; r += 16)
          for (int jc = 0; jc < nk; jc += 16)
            mask_block16(st + r, kBQ, rp + r, jc, std::min(16, nk - jc), P.mask_bool, kMasked);
      }
    }
#endif
    if (P.mask && !mask_tiles) {
      for (int jc = 0; jc < nk; jc += 16) {
        int nc = std::min(16, nk - jc);
        for (int r = 0; r < nq; ++r) {
          int64_t mo = b * P.ms[0] + head[r] * P.ms[1] + qi[r] * P.ms[2] + (j0 + jc) * P.ms[3];
          A* sr = st + jc * kBQ + r;
          if (P.mask_bool) mask_keep<A>(sr, kBQ, static_cast<const uint8_t*>(P.mask) + mo, P.ms[3], nc, kMasked);
          else mask_add<A, T>(sr, kBQ, static_cast<const T*>(P.mask) + mo, P.ms[3], nc);
        }
      }
    }
    if (P.causal && j0 + nk - 1 > min_limit) {
      for (int r = 0; r < nq; ++r) {
        for (int64_t j = std::max<int64_t>(0, limit[r] + 1 - j0); j < nk; ++j) st[j * kBQ + r] = kMasked;
      }
    }
    softmax_block<A>(st, nk, nq, m, l, alpha);
    for (int r = 0; r < nq; ++r)
      if (alpha[r] != A(1)) scale_row<A>(o + size_t(r) * Dv, Dv, alpha[r]);
    // o += p v.
    const A* vrows;
    int64_t ldv;
    if constexpr (kind == 0) {
      vrows = reinterpret_cast<const A*>(vbase + j0 * P.vs[2]);
      ldv = P.vs[2];
    } else {
      for (int j = 0; j < nk; ++j) widen<A>(vbase + (j0 + j) * P.vs[2], kv + size_t(j) * Dv, Dv, kind);
      vrows = kv;
      ldv = Dv;
    }
    small_gemm<A>({nq, Dv, nk, st, 1, kBQ, vrows, ldv, o, Dv, true});
  }
}

template <typename T>
void attention_kernel(Problem<T>& P, T* out) {
  using A = typename Problem<T>::A;
  const int rows = P.G * P.Lq; // query rows per key/value head
  P.nqb = (rows + kBQ - 1) / kBQ;
  int64_t base = int64_t(P.B) * P.Hkv * P.nqb;
  int threads = cpu::worker_count();
  // Split the keys when there are too few items to keep the threads busy.
  int64_t splits = 1;
  if (base < 2 * threads && P.Lk >= 512) {
    splits = std::min<int64_t>((4 * threads + base - 1) / base, P.Lk / 256);
  }
  P.splits = static_cast<int>(std::max<int64_t>(splits, 1));
  P.piece = ((P.Lk + P.splits - 1) / P.splits + kBK - 1) / kBK * kBK;
  P.splits = std::max(1, (P.Lk + P.piece - 1) / P.piece);
  const int Dv = P.Dv;
  std::vector<A> part_o, part_m, part_l; // per (item, split) when the keys are split
  if (P.splits > 1) {
    part_o.resize(size_t(base) * P.splits * kBQ * Dv);
    part_m.resize(size_t(base) * P.splits * kBQ);
    part_l.resize(size_t(base) * P.splits * kBQ);
  }
  // Writes normalized rows of an item to the output.
  auto store = [&](int b, int hk, int r0, int nq, const A* o, const A* l) {
    for (int r = 0; r < nq; ++r) {
      int gr = r0 + r;
      int h = hk * P.G + gr / P.Lq, i = gr % P.Lq;
      T* dst = out + ((int64_t(b) * P.H + h) * P.Lq + i) * Dv;
      narrow<T, A>(o + size_t(r) * Dv, dst, Dv, A(1) / l[r]);
    }
  };
  cpu::parallel_for(base * P.splits, [&](int64_t lo, int64_t hi) {
    std::vector<A> ws, o(size_t(kBQ) * Dv), m(kBQ), l(kBQ);
    for (int64_t it = lo; it < hi; ++it) {
      int64_t item = it / P.splits;
      int sp = static_cast<int>(it % P.splits);
      int qbk = static_cast<int>(item % P.nqb);
      int hk = static_cast<int>((item / P.nqb) % P.Hkv);
      int b = static_cast<int>(item / P.nqb / P.Hkv);
      int r0 = qbk * kBQ, nq = std::min(kBQ, rows - r0);
      int j0 = sp * P.piece, j1 = std::min(P.Lk, j0 + P.piece);
      if (P.splits == 1) {
        attend<T>(P, b, hk, r0, nq, j0, j1, true, o.data(), m.data(), l.data(), ws);
        store(b, hk, r0, nq, o.data(), l.data());
      } else {
        size_t slot = size_t(item) * P.splits + sp;
        attend<T>(P, b, hk, r0, nq, j0, j1, sp == 0, part_o.data() + slot * kBQ * Dv, part_m.data() + slot * kBQ,
                  part_l.data() + slot * kBQ, ws);
      }
    }
  }, 1);
  if (P.splits == 1) return;
  // Merge the pieces' partial softmaxes.
  cpu::parallel_for(base, [&](int64_t lo, int64_t hi) {
    std::vector<A> o(size_t(kBQ) * Dv), l(kBQ);
    for (int64_t item = lo; item < hi; ++item) {
      int qbk = static_cast<int>(item % P.nqb);
      int hk = static_cast<int>((item / P.nqb) % P.Hkv);
      int b = static_cast<int>(item / P.nqb / P.Hkv);
      int r0 = qbk * kBQ, nq = std::min(kBQ, rows - r0);
      for (int r = 0; r < nq; ++r) {
        A mt = -std::numeric_limits<A>::infinity();
        bool nan = false;
        for (int sp = 0; sp < P.splits; ++sp) {
          A ms = part_m[(size_t(item) * P.splits + sp) * kBQ + r];
          nan |= ms != ms;
          mt = std::max(mt, ms);
        }
        if (nan) mt = std::numeric_limits<A>::quiet_NaN();
        A shift = mt == -std::numeric_limits<A>::infinity() ? A(0) : mt;
        A lt = 0;
        A* orow = o.data() + size_t(r) * Dv;
        std::fill(orow, orow + Dv, A(0));
        for (int sp = 0; sp < P.splits; ++sp) {
          size_t slot = size_t(item) * P.splits + sp;
          A ms = part_m[slot * kBQ + r];
          A w = ms == -std::numeric_limits<A>::infinity() ? A(0) : std::exp(ms - shift);
          lt += w * part_l[slot * kBQ + r];
          const A* po = part_o.data() + slot * kBQ * Dv + size_t(r) * Dv;
          for (int d = 0; d < Dv; ++d) orow[d] += w * po[d];
        }
        l[r] = lt;
      }
      store(b, hk, r0, nq, o.data(), l.data());
    }
  }, 1);
}

constexpr uint32_t kFloating = (1u << static_cast<int>(Dtype::Val::float16)) |
                               (1u << static_cast<int>(Dtype::Val::bfloat16)) |
                               (1u << static_cast<int>(Dtype::Val::float32)) |
                               (1u << static_cast<int>(Dtype::Val::float64));

// The array itself when its last axis is contiguous (or has one element), else a copy.
array last_axis_contiguous(const array& a) {
  if (a.ndim() == 0 || a.shape().back() <= 1 || a.strides().back() == 1) return a;
  return cpu::contiguous_copy(a, a.dtype());
}

} // namespace

void ScaledDotProductAttention::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch(
      [inputs, out, scale = scale_, causal = causal_, has_mask = has_mask_, has_sinks = has_sinks_]() mutable {
        if (out.size() == 0) return;
        array q = last_axis_contiguous(inputs[0]), k = last_axis_contiguous(inputs[1]),
              v = last_axis_contiguous(inputs[2]);
        std::optional<array> mask, sinks;
        if (has_mask) mask = inputs[3];
        if (has_sinks) sinks = cpu::contiguous_copy(inputs[has_mask ? 4 : 3], inputs[has_mask ? 4 : 3].dtype());
        cpu::dispatch_dtype_in<kFloating>(out.dtype(), "scaled_dot_product_attention", [&]<typename T>(T) {
          T* o = out.data<T>();
          if (k.shape(2) == 0) { // no keys: zeros, as the reference gives
            std::fill(o, o + out.size(), T(0));
            return;
          }
          Problem<T> P{};
          P.q = q.data<T>();
          P.k = k.data<T>();
          P.v = v.data<T>();
          P.sinks = sinks ? sinks->data<T>() : nullptr;
          P.mask = mask ? static_cast<const void*>(mask->data<uint8_t>()) : nullptr;
          P.mask_bool = mask && mask->dtype() == bool_;
          P.causal = causal;
          P.B = q.shape(0);
          P.H = q.shape(1);
          P.Hkv = k.shape(1);
          P.G = P.H / P.Hkv;
          P.Lq = q.shape(2);
          P.Lk = k.shape(2);
          P.D = q.shape(3);
          P.Dv = v.shape(3);
          for (int d = 0; d < 3; ++d) {
            P.qs[d] = q.strides()[d];
            P.ks[d] = k.strides()[d];
            P.vs[d] = v.strides()[d];
          }
          if (mask)
            for (int d = 0; d < 4; ++d) P.ms[d] = mask->strides()[d];
          P.scale = static_cast<typename Problem<T>::A>(scale);
          attention_kernel<T>(P, o);
        });
      });
}

} // namespace mlx::core
