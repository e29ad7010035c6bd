// Kernels of quantization: packing (Quantize), unpacking (Dequantize) and the products
// that compute from packed weights (QuantizedMatmul, GatherQMM).
//
// Layout (the reference's, byte for byte): each row of w is a little-endian bit stream of
// `bits`-bit codes, element 0 in the lowest bits, stored in uint32 words; a group of
// `group_size` consecutive elements of a row shares a scale (and a bias for affine). Every
// group starts on a byte boundary, and 8 codes fill exactly `bits` bytes, which is how the
// unpacking below reads them (3, 5 and 6-bit codes cross word boundaries).
//
// The products never dequantize the whole matrix: a few rows (vector-matrix) go through a
// fused unpack-and-dot per group; more rows dequantize a panel of 16 output columns at a
// time (K x 16 floats per thread) and run a register-blocked kernel over it. Both run on
// the thread pool only (OpenBLAS's own threads thrash against it on a loaded machine).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/quantize_x86.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/errors.h"
#include "mlx_core/primitives/quantize.h"

namespace mlx::core {

namespace {

// Helpers inlined into the ISA-specific clones of the kernels that call them (a clone per
// call would cost an indirect call per group).
#define MLX_QI inline __attribute__((always_inline))

// ---- Element and scale codes ----------------------------------------------------------

// nvfp4's global scale is the tensor's absolute maximum; the block scales are stored
// relative to it, so that the largest block scale uses E4M3's range (448) times fp4's (6).
constexpr float kNvGlobalRange = 448.0f * 6.0f;

// E2M1 code of v (bit 3 the sign). Halfway values round towards zero, as the reference's
// comparisons do.
inline uint8_t fp4_code(float v) {
  float a = std::fabs(v);
  uint8_t c = (a > 0.25f) + (a > 0.75f) + (a > 1.25f) + (a > 1.75f) + (a > 2.5f) + (a > 3.5f) + (a > 5.0f);
  // A value that rounds to zero is +0, as in the reference.
  return static_cast<uint8_t>(c | (c != 0 && std::signbit(v) ? 8 : 0));
}

inline float e4m3_value(int c) {
  int e = (c >> 3) & 15, m = c & 7;
  if ((c & 127) == 127) return std::nanf("");
  float v = e == 0 ? std::ldexp(float(m), -9) : std::ldexp(1.0f + float(m) / 8.0f, e - 7);
  return (c & 128) ? -v : v;
}

// E4M3 code of v: nearest value, ties to even, saturating at +-448 (NaN too).
inline uint8_t e4m3_code(float v) {
  uint8_t sign = std::signbit(v) && !std::isnan(v) ? 0x80 : 0;
  float a = std::fabs(v);
  if (!(a < 448.0f)) return sign | 0x7e;
  int code;
  if (a < 0.015625f) { // subnormal: multiples of 2^-9
    code = static_cast<int>(std::nearbyint(a * 512.0f));
  } else {
    int ex;
    float f = std::frexp(a, &ex); // a = f * 2^ex, f in [0.5, 1)
    int m = static_cast<int>(std::nearbyint((f * 2.0f - 1.0f) * 8.0f));
    int e = ex - 1 + 7;
    if (m == 8) m = 0, ++e;
    code = (e << 3) | m;
  }
  return static_cast<uint8_t>(sign | std::min(code, 0x7e));
}

// Exponent code (E8M0, bias 127) of the smallest power of two s with amax / s <= maxval.
inline uint8_t e8m0_code(float amax, float maxval) {
  if (!(amax > 0.0f)) return 127;
  if (std::isinf(amax)) return 254;
  float r = amax / maxval;
  if (r == 0.0f) return 0;
  int ex;
  float f = std::frexp(r, &ex);
  int e = f == 0.5f ? ex - 1 : ex;
  return static_cast<uint8_t>(std::clamp(e + 127, 0, 254));
}

// 2^(c - 127) from its bits (code 0 is the subnormal 2^-127; 255 is NaN).
inline float e8m0_value(uint8_t c) {
  uint32_t bits = c == 255 ? 0x7fc00000u : (c == 0 ? 0x00400000u : uint32_t(c) << 23);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// ---- Unpacking ------------------------------------------------------------------------

// The B (<= 8) little-endian bytes at src as an integer, assembled in registers (a
// memcpy of 3, 5 or 6 bytes into a variable that is then reloaded whole stalls on store
// forwarding).
template <int B, typename U>
MLX_QI U load_bytes(const uint8_t* src) {
  if constexpr (B == 4 && sizeof(U) >= 4) {
    uint32_t v;
    std::memcpy(&v, src, 4);
    return v;
  } else if constexpr (B == 8) {
    uint64_t v;
    std::memcpy(&v, src, 8);
    return static_cast<U>(v);
  } else {
    U v = 0;
    for (int j = 0; j < B; ++j) v |= static_cast<U>(src[j]) << (8 * j);
    return v;
  }
}

// The n (a multiple of 8) B-bit codes starting at src as floats.
template <int B>
MLX_QI void unpack_codes(const uint8_t* src, int64_t n, float* dst) {
  if constexpr (B == 4 || B == 8 || B == 2 || B == 1) {
    // Codes never cross a word: decode each 32-bit word's codes with vector shifts.
    constexpr int per = 32 / B;
    constexpr uint32_t mask = (1u << B) - 1;
    if (n % per == 0) {
      const int64_t words = n / per;
      for (int64_t w = 0; w < words; ++w) {
        uint32_t v;
        std::memcpy(&v, src + 4 * w, 4);
#pragma omp simd
        for (int i = 0; i < per; ++i) dst[w * per + i] = static_cast<float>((v >> (B * i)) & mask);
      }
      return;
    }
  }
  // 8 codes fill exactly B bytes; the two halves of 4 codes (4B <= 24 bits each) are
  // decoded as 32-bit lanes with per-lane shifts.
  constexpr uint32_t mask = (1u << B) - 1;
  for (int64_t c = 0; c < n / 8; ++c) {
    uint64_t v = load_bytes<B, uint64_t>(src + B * c);
    uint32_t lo = static_cast<uint32_t>(v & ((uint64_t(1) << (4 * B)) - 1));
    uint32_t hi = static_cast<uint32_t>(v >> (4 * B));
    uint32_t part[8] = {lo, lo, lo, lo, hi, hi, hi, hi};
#pragma omp simd
    for (int i = 0; i < 8; ++i) {
      dst[c * 8 + i] = static_cast<float>(static_cast<int32_t>((part[i] >> (B * (i & 3))) & mask));
    }
  }
}

// E2M1 codes (4 bits) as floats, built from their bits: exponent field e, mantissa m;
// e == 0 is 0 or 0.5.
inline float fp4_from_bits(uint32_t c) {
  uint32_t e = (c >> 1) & 3, m = c & 1;
  uint32_t mag = e == 0 ? (m ? 0x3f000000u : 0u) : (((e + 126) << 23) | (m << 22));
  uint32_t bits = mag | ((c & 8) << 28);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// E4M3 codes as floats, from their bits (0x7f / 0xff are NaN).
inline float fp8_from_bits(uint32_t c) {
  uint32_t e = (c >> 3) & 15, m = c & 7;
  uint32_t nbits = ((e + 120) << 23) | (m << 20);
  float normal;
  std::memcpy(&normal, &nbits, 4);
  float mag = e == 0 ? static_cast<float>(static_cast<int32_t>(m)) * 0.001953125f : normal;
  mag = (c & 127) == 127 ? std::numeric_limits<float>::quiet_NaN() : mag;
  return (c & 128) ? -mag : mag;
}

MLX_QI void unpack_fp4(const uint8_t* src, int64_t n, float* dst) {
  for (int64_t w = 0; w < n / 8; ++w) {
    uint32_t v;
    std::memcpy(&v, src + 4 * w, 4);
#pragma omp simd
    for (int i = 0; i < 8; ++i) dst[8 * w + i] = fp4_from_bits((v >> (4 * i)) & 15u);
  }
}

MLX_QI void unpack_fp8(const uint8_t* src, int64_t n, float* dst) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = fp8_from_bits(src[i]);
}

// The decoder of one packed matrix: rows of `cols` elements.
struct Packed {
  const uint8_t* w;    // packed rows, row_bytes apart
  const float* s;      // affine: float32 scales, one row of cols / gs per matrix row
  const float* b;      // affine: float32 biases
  const uint8_t* s8;   // fp modes: uint8 scale codes
  int64_t cols;
  int gs;
  int bits;
  QuantizationMode mode;
  float global = 1.0f; // nvfp4 global factor (gs / (448 * 6)), 1 when absent

  int64_t row_bytes() const { return cols * bits / 8; }
  int64_t groups() const { return cols / gs; }

  // The raw values (affine codes, or fp element values) of group g of row r.
  MLX_QI void values(int64_t r, int64_t g, float* dst) const {
    const uint8_t* src = w + r * row_bytes() + g * gs * bits / 8;
    if (mode == QuantizationMode::Affine) {
      switch (bits) {
        case 1: unpack_codes<1>(src, gs, dst); break;
        case 2: unpack_codes<2>(src, gs, dst); break;
        case 3: unpack_codes<3>(src, gs, dst); break;
        case 4: unpack_codes<4>(src, gs, dst); break;
        case 5: unpack_codes<5>(src, gs, dst); break;
        case 6: unpack_codes<6>(src, gs, dst); break;
        default: unpack_codes<8>(src, gs, dst); break;
      }
    } else if (bits == 4) {
      unpack_fp4(src, gs, dst);
    } else {
      unpack_fp8(src, gs, dst);
    }
  }
  // Scale and bias of group g of row r.
  MLX_QI void scale_bias(int64_t r, int64_t g, float& sc, float& bi) const {
    int64_t i = r * groups() + g;
    if (mode == QuantizationMode::Affine) {
      sc = s[i];
      bi = b[i];
    } else if (mode == QuantizationMode::Nvfp4) {
      sc = fp8_from_bits(s8[i]) * global;
      bi = 0.0f;
    } else {
      sc = e8m0_value(s8[i]);
      bi = 0.0f;
    }
  }
  // Row r dequantized into dst (cols floats). With `round` (dequantize's exact mode) the
  // product and the sum are each rounded to the scales' type (float16 / bfloat16) or, for
  // float32, not fused, as the reference computes them.
  MLX_QI void dequant_row(int64_t r, float* dst, Dtype round = float32) const {
    for (int64_t g = 0; g < groups(); ++g) {
      float sc, bi;
      scale_bias(r, g, sc, bi);
      float* d = dst + g * gs;
      values(r, g, d);
      if (round == float16) {
        scale_add_rounded<float16_t>(d, gs, sc, bi);
      } else if (round == bfloat16) {
        scale_add_rounded<bfloat16_t>(d, gs, sc, bi);
      } else {
        scale_add(d, gs, sc, bi);
      }
    }
  }
  static MLX_QI void scale_add(float* d, int64_t n, float sc, float bi) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) d[i] = d[i] * sc;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) d[i] = d[i] + bi;
  }
  template <typename T>
  static void scale_add_rounded(float* d, int64_t n, float sc, float bi) {
    for (int64_t i = 0; i < n; ++i) {
      float p = static_cast<float>(static_cast<T>(d[i] * sc));
      d[i] = static_cast<float>(static_cast<T>(p + bi));
    }
  }
};

MLX_QI float dot(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

MLX_QI float sum_of(const float* a, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i];
  return s;
}

// lanes[i] += sc * a[i] * b[i].
MLX_QI void axpy_prod(float* lanes, float sc, const float* a, const float* b, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) lanes[i] += sc * (a[i] * b[i]);
}

// Rows of x up to which x @ W.T runs as fused group products straight from the packed
// words; more rows dequantize panels of W and run a register-blocked product.
constexpr int64_t kSmallM = 4;

// out (M x N, ld N) = x (M x K) @ W.T, W (N x K) packed, for a few rows of x: each group is
// unpacked once and dotted with every row of x (4-bit affine with one row: fused, 4 rows
// of W at a time).
// 8 consecutive elements (codes of B bits, 8 * B bits from src) as floats: KIND 0 affine
// codes, 1 E2M1 (B = 4), 2 E4M3 (B = 8). The two halves (4 codes each, at most 32 bits)
// are decoded as 32-bit lanes.
template <int B, int KIND>
MLX_QI void decode8(const uint8_t* src, float* q) {
  constexpr uint32_t mask = B == 8 ? 0xffu : (1u << B) - 1;
  auto convert = [](uint32_t c) {
    if constexpr (KIND == 0) return static_cast<float>(static_cast<int32_t>(c));
    else if constexpr (KIND == 1) return fp4_from_bits(c);
    else return fp8_from_bits(c);
  };
  if constexpr (8 * B <= 32) {
    // One word: broadcast and shift per lane.
    uint32_t v = load_bytes<B, uint32_t>(src);
#pragma omp simd
    for (int i = 0; i < 8; ++i) q[i] = convert((v >> (B * i)) & mask);
  } else {
    uint64_t v = load_bytes<B, uint64_t>(src);
    uint32_t lo = static_cast<uint32_t>(v), hi = static_cast<uint32_t>(v >> (4 * B));
    uint32_t part[8] = {lo, lo, lo, lo, hi, hi, hi, hi};
#pragma omp simd
    for (int i = 0; i < 8; ++i) q[i] = convert((part[i] >> (B * (i & 3))) & mask);
  }
}

// Rows n0..n0+R of W times one row of x, fused: codes are decoded in registers and
// accumulated per group in 8 lanes, scaled once per group; biases use x's group sums.
constexpr int kRowBlock = 4;
template <int B, int KIND>
MLX_SIMD_CLONES void fused_rows(const Packed& W, const float* x, const float* xsum, int64_t n0, float* out) {
  constexpr int R = kRowBlock;
  int64_t G = W.groups(), gs = W.gs;
  float lanes[R][8] = {};
  float bias[R] = {};
  for (int64_t g = 0; g < G; ++g) {
    const uint8_t* src[R];
    float sc[R];
    for (int r = 0; r < R; ++r) {
      float bi;
      W.scale_bias(n0 + r, g, sc[r], bi);
      bias[r] += bi * xsum[g];
      src[r] = W.w + (n0 + r) * W.row_bytes() + g * gs * B / 8;
    }
    float part[R][8] = {};
    const float* xg = x + g * gs;
    for (int64_t c = 0; c < gs / 8; ++c) {
      for (int r = 0; r < R; ++r) {
        float q[8];
        decode8<B, KIND>(src[r] + c * B, q);
#pragma omp simd
        for (int i = 0; i < 8; ++i) part[r][i] += xg[8 * c + i] * q[i];
      }
    }
    for (int r = 0; r < R; ++r) {
#pragma omp simd
      for (int i = 0; i < 8; ++i) lanes[r][i] += sc[r] * part[r][i];
    }
  }
  for (int r = 0; r < R; ++r) out[n0 + r] = sum_of(lanes[r], 8) + bias[r];
}

using FusedRows = void (*)(const Packed&, const float*, const float*, int64_t, float*);
FusedRows fused_rows_for(const Packed& W) {
  switch (W.mode) {
    case QuantizationMode::Mxfp8: return fused_rows<8, 2>;
    case QuantizationMode::Mxfp4:
    case QuantizationMode::Nvfp4: return fused_rows<4, 1>;
    default: break;
  }
  switch (W.bits) {
    case 1: return fused_rows<1, 0>;
    case 2: return fused_rows<2, 0>;
    case 3: return fused_rows<3, 0>;
    case 4: return fused_rows<4, 0>;
    case 5: return fused_rows<5, 0>;
    case 6: return fused_rows<6, 0>;
    default: return fused_rows<8, 0>;
  }
}

// Row n of W times the M rows of x: per row of x, gs lanes accumulate over the groups and
// are summed once at the end. buf: gs floats, lanes: M * gs, acc: M.
MLX_SIMD_CLONES void generic_row(const Packed& W, const float* x, const float* xsum, int64_t n, int64_t M,
                                 int64_t N, int64_t K, float* buf, float* lanes, float* acc, float* out) {
  int64_t G = W.groups(), gs = W.gs;
  std::fill(lanes, lanes + M * gs, 0.0f);
  std::fill(acc, acc + M, 0.0f);
  for (int64_t g = 0; g < G; ++g) {
    float sc, bi;
    W.scale_bias(n, g, sc, bi);
    W.values(n, g, buf);
    for (int64_t m = 0; m < M; ++m) {
      axpy_prod(lanes + m * gs, sc, buf, x + m * K + g * gs, gs);
      acc[m] += bi * xsum[m * G + g];
    }
  }
  for (int64_t m = 0; m < M; ++m) out[m * N + n] = acc[m] + sum_of(lanes + m * gs, gs);
}

// out (M x N, ld N) = x (M x K) @ W.T, W (N x K) packed, for a few rows of x: each group is
// unpacked once and used for every row of x (one row: fused, 4 rows of W at a time).
void qmm_t_direct(const float* x, const Packed& W, float* out, int64_t M, int64_t N, int64_t K) {
  int64_t G = W.groups(), gs = W.gs;
  std::vector<float> xsum(static_cast<size_t>(M * G));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t g = 0; g < G; ++g) xsum[m * G + g] = sum_of(x + m * K + g * gs, gs);
  constexpr int R = kRowBlock;
  bool aff = W.mode == QuantizationMode::Affine;
  bool fp4 = W.mode == QuantizationMode::Mxfp4 || W.mode == QuantizationMode::Nvfp4;
  if ((aff || fp4) && cpu::qmv_avx512_covers(W.bits, W.gs)) {
    // AVX-512 decode; with a few rows of x, each block of 16 rows of W is reused from L1.
    // mxfp4: the block's scale codes decoded to floats first (no biases). (nvfp4's groups
    // of 16 take the path below.)
    std::vector<float> xp(static_cast<size_t>(M * K));
    for (int64_t m = 0; m < M; ++m) cpu::qmv_prepare_x(W.bits, x + m * K, K, xp.data() + m * K);
    {
      cpu::parallel_for((N + 15) / 16, [&](int64_t lo, int64_t hi) {
        std::vector<float> sb(aff ? 0 : static_cast<size_t>(16 * G));
        for (int64_t blk = lo; blk < hi; ++blk) {
          int64_t n0 = blk * 16, nr = std::min<int64_t>(N - n0, 16);
          const uint8_t* w = W.w + n0 * W.row_bytes();
          const float* s = aff ? W.s + n0 * G : sb.data();
          const float* b = aff ? W.b + n0 * G : nullptr;
          if (!aff) {
            for (int64_t j = 0; j < nr; ++j)
              for (int64_t g = 0; g < G; ++g) {
                float bi;
                W.scale_bias(n0 + j, g, sb[j * G + g], bi);
              }
          }
          for (int64_t m = 0; m < M; ++m) {
            cpu::qmv_avx512(w, s, b, K, W.gs, W.bits, fp4, xp.data() + m * K, xsum.data() + m * G, 0, nr,
                            out + m * N + n0);
          }
        }
      }, std::max<int64_t>(1, 512 / std::max<int64_t>(K, 1)));
      return;
    }
  }
  FusedRows fused = M == 1 ? fused_rows_for(W) : nullptr;
  cpu::parallel_for((N + R - 1) / R, [&](int64_t lo, int64_t hi) {
    std::vector<float> buf(static_cast<size_t>(gs));
    std::vector<float> acc(static_cast<size_t>(M));
    std::vector<float> lanes(static_cast<size_t>(M * gs));
    for (int64_t blk = lo; blk < hi; ++blk) {
      int64_t n0 = blk * R;
      if (fused && n0 + R <= N) {
        fused(W, x, xsum.data(), n0, out);
        continue;
      }
      for (int64_t n = n0; n < std::min(N, n0 + R); ++n) {
        generic_row(W, x, xsum.data(), n, M, N, K, buf.data(), lanes.data(), acc.data(), out);
      }
    }
  }, std::max<int64_t>(1, 2048 / std::max<int64_t>(K, 1)));
}

// Columns c0..c0+cw (whole groups) of out (M x N) = x (M x K) @ W, W (K x N) packed:
// row by row of W, each chunk of a row dequantized once into buf and added into every
// row of out.
MLX_SIMD_CLONES void qmm_n_chunk(const Packed& W, const float* x, int64_t M, int64_t K, int64_t N, int64_t c0,
                                 int64_t cw, float* out, float* buf) {
  for (int64_t m = 0; m < M; ++m) std::fill(out + m * N + c0, out + m * N + c0 + cw, 0.0f);
  int64_t g0 = c0 / W.gs, g1 = (c0 + cw) / W.gs;
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t g = g0; g < g1; ++g) {
      float sc, bi;
      W.scale_bias(k, g, sc, bi);
      float* d = buf + (g - g0) * W.gs;
      W.values(k, g, d);
      Packed::scale_add(d, W.gs, sc, bi);
    }
    for (int64_t m = 0; m < M; ++m) {
      float xv = x[m * K + k];
      float* o = out + m * N + c0;
#pragma omp simd
      for (int64_t j = 0; j < cw; ++j) o[j] += xv * buf[j];
    }
  }
}

// out (M x N) = x (M x K) @ W for a few rows of x, in column chunks over the pool.
void qmm_n_direct(const float* x, const Packed& W, float* out, int64_t M, int64_t N, int64_t K) {
  int64_t cw = W.gs * std::max<int64_t>(1, 256 / W.gs);
  int64_t chunks = (N + cw - 1) / cw;
  cpu::parallel_for(chunks, [&](int64_t lo, int64_t hi) {
    std::vector<float> buf(static_cast<size_t>(cw));
    for (int64_t c = lo; c < hi; ++c) {
      int64_t c0 = c * cw;
      qmm_n_chunk(W, x, M, K, N, c0, std::min(cw, N - c0), out, buf.data());
    }
  }, 1);
}

MLX_SIMD_CLONES void dequant_rows(const Packed& W, int64_t r0, int64_t r1, float* buf, Dtype round) {
  for (int64_t r = r0; r < r1; ++r) W.dequant_row(r, buf + (r - r0) * W.cols, round);
}

// Rows of W dequantized into buf (rows r0..r1, each `cols` floats), split over the pool.
void dequant_tile(const Packed& W, int64_t r0, int64_t r1, float* buf, Dtype round = float32) {
  cpu::parallel_for(r1 - r0, [&](int64_t lo, int64_t hi) {
    dequant_rows(W, r0 + lo, r0 + hi, buf + lo * W.cols, round);
  }, std::max<int64_t>(1, 8192 / std::max<int64_t>(W.cols, 1)));
}

// Output columns per panel: a panel holds 16 dequantized columns of the product's right
// operand, k-major (panel[k * 16 + j]).
constexpr int kPanel = 16;

// out[m, 0:16] (ld ldo, `cols` of them valid) = x[m, :] @ panel for MB rows of x: MB x 16
// accumulators stay in registers while k runs.
template <int MB>
MLX_SIMD_CLONES void panel_kernel(const float* x, int64_t ldx, const float* panel, int64_t K, float* out, int64_t ldo,
                                  int cols) {
  float acc[MB][kPanel];
  for (int m = 0; m < MB; ++m)
    for (int j = 0; j < kPanel; ++j) acc[m][j] = 0.0f;
  for (int64_t k = 0; k < K; ++k) {
    const float* p = panel + k * kPanel;
    for (int m = 0; m < MB; ++m) {
      float xv = x[m * ldx + k];
#pragma omp simd
      for (int j = 0; j < kPanel; ++j) acc[m][j] += xv * p[j];
    }
  }
  for (int m = 0; m < MB; ++m)
    for (int j = 0; j < cols; ++j) out[m * ldo + j] = acc[m][j];
}

void panel_rows(const float* x, int64_t ldx, const float* panel, int64_t K, float* out, int64_t ldo, int cols,
                int64_t M) {
  constexpr int MB = 6;
  int64_t m = 0;
  for (; m + MB <= M; m += MB) panel_kernel<MB>(x + m * ldx, ldx, panel, K, out + m * ldo, ldo, cols);
  switch (M - m) {
    case 5: panel_kernel<5>(x + m * ldx, ldx, panel, K, out + m * ldo, ldo, cols); break;
    case 4: panel_kernel<4>(x + m * ldx, ldx, panel, K, out + m * ldo, ldo, cols); break;
    case 3: panel_kernel<3>(x + m * ldx, ldx, panel, K, out + m * ldo, ldo, cols); break;
    case 2: panel_kernel<2>(x + m * ldx, ldx, panel, K, out + m * ldo, ldo, cols); break;
    case 1: panel_kernel<1>(x + m * ldx, ldx, panel, K, out + m * ldo, ldo, cols); break;
    default: break;
  }
}

// Dequantizes output columns n0..n0+cols of the right operand into a k-major panel: for
// transpose, rows n0.. of W (each along k); otherwise columns n0.. of every row k of W.
MLX_SIMD_CLONES void fill_panel(const Packed& W, bool transpose, int64_t n0, int cols, int64_t K, float* panel, float* tmp) {
  if (transpose) {
    if (cols < kPanel) std::fill(panel, panel + K * kPanel, 0.0f);
    for (int j = 0; j < cols; ++j) {
      W.dequant_row(n0 + j, tmp);
      for (int64_t k = 0; k < K; ++k) panel[k * kPanel + j] = tmp[k];
    }
    return;
  }
  // Groups run along n; 16 columns sit inside one group (group sizes are multiples of 16).
  int64_t g = n0 / W.gs, off = (n0 % W.gs) * W.bits / 8;
  int gs = W.gs;
  for (int64_t k = 0; k < K; ++k) {
    float sc, bi;
    W.scale_bias(k, g, sc, bi);
    Packed one = W;
    one.gs = kPanel;
    one.cols = kPanel;
    // values() of a 16-wide "group" whose bytes start inside row k's group g.
    const uint8_t* src = W.w + k * W.row_bytes() + g * gs * W.bits / 8 + off;
    one.w = src;
    one.values(0, 0, panel + k * kPanel);
    Packed::scale_add(panel + k * kPanel, kPanel, sc, bi);
  }
}

// Rows r0..r0+nr of W, groups g0..g1, dequantized into dst (row j at dst + j * ld).
MLX_SIMD_CLONES void dequant_block(const Packed& W, int64_t r0, int64_t nr, int64_t g0, int64_t g1, float* dst,
                                   int64_t ld) {
  for (int64_t j = 0; j < nr; ++j) {
    for (int64_t g = g0; g < g1; ++g) {
      float sc, bi;
      W.scale_bias(r0 + j, g, sc, bi);
      float* d = dst + j * ld + (g - g0) * W.gs;
      W.values(r0 + j, g, d);
      Packed::scale_add(d, W.gs, sc, bi);
    }
  }
}

// out (M x N) = x (M x K) @ W.T for many rows of x (AVX-512): per task 16 rows of W,
// dequantized a block of k at a time (16 x 1024 floats, cache-resident) and multiplied by
// every row of x in 4 x 4 register tiles.
void qmm_t_tiled(const float* x, const Packed& W, float* out, int64_t M, int64_t N, int64_t K) {
  constexpr int64_t NB = 16;
  int64_t kb = std::max<int64_t>(W.gs, 1024 / W.gs * W.gs);
  for (int64_t m = 0; m < M; ++m) std::fill(out + m * N, out + (m + 1) * N, 0.0f);
  cpu::parallel_for((N + NB - 1) / NB, [&](int64_t lo, int64_t hi) {
    std::vector<float> buf(static_cast<size_t>(NB * kb));
    for (int64_t blk = lo; blk < hi; ++blk) {
      int64_t n0 = blk * NB, nr = std::min(NB, N - n0);
      for (int64_t k0 = 0; k0 < K; k0 += kb) {
        int64_t kn = std::min(kb, K - k0);
        dequant_block(W, n0, nr, k0 / W.gs, (k0 + kn) / W.gs, buf.data(), kb);
        cpu::qgemm_tile_avx512(x + k0, K, M, buf.data(), kb, nr, kn, out + n0, N);
      }
    }
  }, 1);
}

// out (M x N) = x (M x K) @ W.T (transpose) or x @ W, W packed; never more than a panel of
// W dequantized per thread.
void qmm_2d(const float* x, const Packed& W, float* out, int64_t M, int64_t N, int64_t K, bool transpose) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    std::fill(out, out + M * N, 0.0f);
    return;
  }
  if (M <= kSmallM) {
    if (transpose) qmm_t_direct(x, W, out, M, N, K);
    else qmm_n_direct(x, W, out, M, N, K);
    return;
  }
  if (transpose && cpu::qgemm_avx512_available() && K % 16 == 0) {
    qmm_t_tiled(x, W, out, M, N, K);
    return;
  }
  int64_t panels = (N + kPanel - 1) / kPanel;
  cpu::parallel_for(panels, [&](int64_t lo, int64_t hi) {
    std::vector<float> panel(static_cast<size_t>(K * kPanel));
    std::vector<float> tmp(static_cast<size_t>(transpose ? K : 0));
    for (int64_t p = lo; p < hi; ++p) {
      int64_t n0 = p * kPanel;
      int cols = static_cast<int>(std::min<int64_t>(kPanel, N - n0));
      fill_panel(W, transpose, n0, cols, K, panel.data(), tmp.data());
      panel_rows(x, K, panel.data(), K, out + n0, N, cols, M);
    }
  }, 1);
}

// a itself when row-contiguous with dtype d, else a row-contiguous copy cast to d.
array dense(const array& a, Dtype d) {
  return a.flags().row_contiguous && a.dtype() == d ? a : cpu::contiguous_copy(a, d);
}

// Offset (elements) of batch position i of `a` over the batch shape `batch` (a's leading
// axes, which it shares with batch, possibly broadcast).
int64_t batch_offset(const array& a, int64_t i, const Shape& batch) {
  int64_t off = 0;
  for (int d = static_cast<int>(batch.size()) - 1; d >= 0; --d) {
    off += (i % batch[d]) * a.strides()[d];
    i /= batch[d];
  }
  return off;
}

// The last two axes of a are a dense row-major matrix.
bool inner_dense(const array& a) {
  int nd = a.ndim();
  return a.strides()[nd - 1] == 1 && (a.shape()[nd - 2] <= 1 || a.strides()[nd - 2] == a.shape()[nd - 1]);
}

// The packed weight, scales and biases, laid out for Packed.
struct PackedInputs {
  array w, s, b;
  bool has_b;
};
PackedInputs packed_inputs(const std::vector<array>& inputs, const QuantParams& p, bool has_b) {
  auto fix = [](const array& a, Dtype d) {
    if (a.dtype() == d && (a.ndim() < 2 || inner_dense(a))) return a;
    return cpu::contiguous_copy(a, d);
  };
  bool aff = p.mode == QuantizationMode::Affine;
  array w = fix(inputs[1], uint32);
  array s = fix(inputs[2], aff ? float32 : uint8);
  array b = has_b ? fix(inputs[3], float32) : s;
  return {w, s, b, has_b};
}

Packed make_packed(const PackedInputs& in, const QuantParams& p, int64_t cols, int64_t ow, int64_t os, int64_t ob) {
  Packed P{};
  P.w = reinterpret_cast<const uint8_t*>(in.w.data<uint32_t>() + ow);
  bool aff = p.mode == QuantizationMode::Affine;
  if (aff) {
    P.s = in.s.data<float>() + os;
    P.b = in.b.data<float>() + ob;
  } else {
    P.s8 = in.s.data<uint8_t>() + os;
  }
  P.cols = cols;
  P.gs = p.group_size;
  P.bits = p.bits;
  P.mode = p.mode;
  return P;
}

// Runs f(float32 buffer) and stores the buffer into out (casting when out is not float32).
template <typename F>
void with_f32_out(array& out, F&& f) {
  if (out.dtype() == float32) {
    f(out.data<float>());
    return;
  }
  array tmp(out.shape(), float32, nullptr, {});
  cpu::allocate_output(tmp);
  f(tmp.data<float>());
  cpu::copy_strided(tmp, out.raw_data(), out.dtype(), out.strides());
}

// ---- Quantizing -----------------------------------------------------------------------

// Writes the n codes (each < 2^bits) as a bit stream at dst (n * bits / 8 bytes).
MLX_QI void pack_codes(const uint8_t* q, int64_t n, int bits, uint8_t* dst) {
  if (bits == 4) {
#pragma omp simd
    for (int64_t i = 0; i < n / 2; ++i) dst[i] = static_cast<uint8_t>(q[2 * i] | (q[2 * i + 1] << 4));
    return;
  }
  if (bits == 8) {
    std::memcpy(dst, q, static_cast<size_t>(n));
    return;
  }
  for (int64_t c = 0; c < n / 8; ++c) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(q[c * 8 + i]) << (bits * i);
    std::memcpy(dst + c * bits, &v, bits);
  }
}

// Minimum and maximum of w[0..n) as std::min / std::max fold them from w[0] (a NaN w[0]
// stays; later NaNs are skipped), in 16 independent lanes so that the loop vectorizes.
MLX_QI void min_max(const float* w, int n, float& mn, float& mxv) {
  constexpr int L = 16;
  if (n % L != 0) {
    mn = mxv = w[0];
    for (int i = 1; i < n; ++i) mn = std::min(mn, w[i]), mxv = std::max(mxv, w[i]);
    return;
  }
  float lo[L], hi[L];
  for (int j = 0; j < L; ++j) lo[j] = hi[j] = w[0];
  for (int i = 0; i < n; i += L) {
#pragma omp simd
    for (int j = 0; j < L; ++j) {
      lo[j] = w[i + j] < lo[j] ? w[i + j] : lo[j];
      hi[j] = hi[j] < w[i + j] ? w[i + j] : hi[j];
    }
  }
  mn = lo[0], mxv = hi[0];
  for (int j = 1; j < L; ++j) mn = std::min(mn, lo[j]), mxv = std::max(mxv, hi[j]);
}

// Affine quantization of one group: codes, scale and bias (float32 arithmetic, as the
// reference). The scale is chosen so that zero is exactly representable: the extreme of
// larger magnitude maps exactly onto a code.
MLX_QI void quantize_affine_group(const float* w, int gs, int bits, uint8_t* q, float& scale, float& bias) {
  float mn, mxv;
  min_max(w, gs, mn, mxv);
  float n_bins = static_cast<float>((1 << bits) - 1);
  float s = std::max((mxv - mn) / n_bins, 1e-7f);
  float b;
  if (bits == 1) {
    b = mn;
  } else {
    bool side = std::fabs(mn) > std::fabs(mxv);
    s = side ? s : -s;
    float edge = side ? mn : mxv;
    float q0 = std::nearbyint(edge / s);
    if (q0 != 0.0f) {
      s = edge / q0;
      b = edge;
    } else {
      b = 0.0f;
    }
  }
#pragma omp simd
  for (int i = 0; i < gs; ++i) {
    float v = std::nearbyint((w[i] - b) / s);
    v = v >= 0.0f ? v : 0.0f; // NaN -> 0
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(v < n_bins ? v : n_bins));
  }
  scale = s;
  bias = b;
}

// fp quantization of one group: element codes and the scale code.
MLX_QI void quantize_fp_group(const float* w, int gs, QuantizationMode mode, const float* global, uint8_t* q, uint8_t& sc) {
  float amax = 0.0f;
  for (int i = 0; i < gs; ++i) amax = std::max(amax, std::fabs(w[i]));
  // The elements are divided by the decoded scale (a power of two for the mx modes).
  float d;
  if (mode == QuantizationMode::Nvfp4) {
    float s = amax / 6.0f;
    if (global) s = s * (kNvGlobalRange / *global);
    sc = e4m3_code(s);
    d = e4m3_value(sc);
    if (global) d = d * (*global / kNvGlobalRange);
  } else {
    sc = e8m0_code(amax, mode == QuantizationMode::Mxfp4 ? 6.0f : 448.0f);
    d = std::ldexp(1.0f, int(sc) - 127);
  }
  for (int i = 0; i < gs; ++i) {
    float v = d == 0.0f ? 0.0f : w[i] / d;
    q[i] = mode == QuantizationMode::Mxfp8 ? e4m3_code(v) : fp4_code(v);
  }
}

// Groups lo..hi (row-major over rows x G) of w quantized: codes packed into wq, scales and
// biases (affine) or scale codes s8 (fp modes).
template <typename T>
MLX_SIMD_CLONES void quantize_groups(const T* w, int64_t lo, int64_t hi, int64_t k, const QuantParams& p,
                                     const float* global, uint8_t* wq, T* scales, T* biases, uint8_t* s8,
                                     float* buf, uint8_t* q) {
  int gs = p.group_size;
  int64_t G = k / gs, row_bytes = k * p.bits / 8;
  for (int64_t i = lo; i < hi; ++i) {
    int64_t r = i / G, g = i % G;
    const T* src = w + r * k + g * gs;
#pragma omp simd
    for (int j = 0; j < gs; ++j) buf[j] = static_cast<float>(src[j]);
    uint8_t* dst = wq + r * row_bytes + g * gs * p.bits / 8;
    if (p.mode == QuantizationMode::Affine) {
      float sc, bi;
      quantize_affine_group(buf, gs, p.bits, q, sc, bi);
      scales[i] = static_cast<T>(sc);
      biases[i] = static_cast<T>(bi);
    } else {
      quantize_fp_group(buf, gs, p.mode, global, q, s8[i]);
    }
    pack_codes(q, gs, p.bits, dst);
  }
}

template <typename T>
void quantize_kernel(const T* w, int64_t rows, int64_t k, const QuantParams& p, const float* global, uint8_t* wq,
                     T* scales, T* biases, uint8_t* s8) {
  int gs = p.group_size;
  int64_t G = k / gs;
  cpu::parallel_for(rows * G, [&](int64_t lo, int64_t hi) {
    std::vector<float> buf(gs);
    std::vector<uint8_t> q(gs);
    quantize_groups<T>(w, lo, hi, k, p, global, wq, scales, biases, s8, buf.data(), q.data());
  }, std::max<int64_t>(1, 16384 / gs));
}

constexpr uint32_t kRealFloat = (1u << static_cast<int>(Dtype::Val::float16)) |
                                (1u << static_cast<int>(Dtype::Val::bfloat16)) |
                                (1u << static_cast<int>(Dtype::Val::float32)) |
                                (1u << static_cast<int>(Dtype::Val::float64));

float global_factor(const std::vector<array>& inputs, size_t i) {
  if (inputs.size() <= i) return 1.0f;
  array g = dense(inputs[i], float32);
  return g.data<float>()[0] / kNvGlobalRange;
}

} // namespace

void Quantize::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (auto& o : outputs) cpu::allocate_output(o);
  cpu::get_command_encoder(stream()).dispatch([inputs, outputs, p = p_]() mutable {
    array w = dense(inputs[0], inputs[0].dtype());
    int64_t k = w.shape().back();
    int64_t rows = k == 0 ? 0 : static_cast<int64_t>(w.size()) / k;
    std::optional<float> g;
    if (inputs.size() > 1) g = dense(inputs[1], float32).data<float>()[0];
    uint8_t* wq = reinterpret_cast<uint8_t*>(outputs[0].data<uint32_t>());
    cpu::dispatch_dtype_in<kRealFloat>(w.dtype(), "quantize", [&]<typename T>(T) {
      bool aff = p.mode == QuantizationMode::Affine;
      quantize_kernel<T>(w.data<T>(), rows, k, p, g ? &*g : nullptr, wq, aff ? outputs[1].data<T>() : nullptr,
                         aff ? outputs[2].data<T>() : nullptr, aff ? nullptr : outputs[1].data<uint8_t>());
    });
  });
}

void Dequantize::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([inputs, out, p = p_, has_b = has_biases_, has_g = has_global_]() mutable {
    bool aff = p.mode == QuantizationMode::Affine;
    array w = dense(inputs[0], uint32);
    array s = dense(inputs[1], aff ? float32 : uint8);
    array b = has_b ? dense(inputs[2], float32) : s;
    int64_t cols = out.shape().back();
    int64_t rows = cols == 0 ? 0 : static_cast<int64_t>(out.size()) / cols;
    Packed P{};
    P.w = reinterpret_cast<const uint8_t*>(w.data<uint32_t>());
    if (aff) P.s = s.data<float>(), P.b = b.data<float>();
    else P.s8 = s.data<uint8_t>();
    P.cols = cols, P.gs = p.group_size, P.bits = p.bits, P.mode = p.mode;
    if (has_g) P.global = global_factor(inputs, inputs.size() - 1);
    Dtype round = aff ? (has_b ? promote_types(inputs[1].dtype(), inputs[2].dtype()) : inputs[1].dtype()) : float32;
    with_f32_out(out, [&](float* dst) { dequant_tile(P, 0, rows, dst, round); });
  });
}

void QuantizedMatmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([inputs, out, p = p_, tr = transpose_, has_b = has_biases_]() mutable {
    array x = dense(inputs[0], float32);
    auto pin = packed_inputs(inputs, p, has_b);
    const array& w = pin.w;
    int nd = out.ndim();
    int64_t N = out.shape()[nd - 1], K = x.shape()[nd - 1];
    int64_t wr = w.shape()[w.ndim() - 2], wc = w.shape().back() * 32 / p.bits;
    with_f32_out(out, [&](float* o) {
      if (w.ndim() == 2) {
        int64_t M = K == 0 ? static_cast<int64_t>(out.size()) / std::max<int64_t>(N, 1)
                           : static_cast<int64_t>(x.size()) / K;
        qmm_2d(x.data<float>(), make_packed(pin, p, wc, 0, 0, 0), o, M, N, K, tr);
        return;
      }
      Shape batch(out.shape().begin(), out.shape().end() - 2);
      int64_t nb = 1;
      for (auto d : batch) nb *= d;
      int64_t M = out.shape()[nd - 2];
      (void)wr;
      for (int64_t i = 0; i < nb; ++i) {
        Packed P = make_packed(pin, p, wc, batch_offset(w, i, batch), batch_offset(pin.s, i, batch),
                               has_b ? batch_offset(pin.b, i, batch) : 0);
        qmm_2d(x.data<float>() + i * M * K, P, o + i * M * N, M, N, K, tr);
      }
    });
  });
}

void GatherQMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([inputs, out, p = p_, tr = transpose_, has_b = has_biases_]() mutable {
    size_t ni = inputs.size();
    array x = dense(inputs[0], float32);
    auto pin = packed_inputs(inputs, p, has_b);
    array w = dense(pin.w, uint32), s = dense(pin.s, pin.s.dtype());
    array b = has_b ? dense(pin.b, float32) : s;
    pin = {w, s, b, has_b};
    array li = dense(inputs[ni - 2], uint32), ri = dense(inputs[ni - 1], uint32);
    int nd = x.ndim();
    int64_t M = x.shape()[nd - 2], K = x.shape()[nd - 1];
    int64_t N = out.shape().back();
    int64_t xcount = M * K == 0 ? 1 : static_cast<int64_t>(x.size()) / (M * K);
    if (M * K == 0) {
      xcount = 1;
      for (int d = 0; d < nd - 2; ++d) xcount *= x.shape()[d];
    }
    int64_t wcount = 1;
    for (int d = 0; d < w.ndim() - 2; ++d) wcount *= w.shape()[d];
    int64_t wr = w.shape()[w.ndim() - 2], wc = w.shape().back() * 32 / p.bits;
    int64_t wsize = wr * w.shape().back(), ssize = wr * s.shape().back();
    const uint32_t* lp = li.data<uint32_t>();
    const uint32_t* rp = ri.data<uint32_t>();
    int64_t cnt = li.size();
    for (int64_t i = 0; i < cnt; ++i) {
      if (lp[i] >= xcount || rp[i] >= wcount) {
        throw std::out_of_range(msg("[gather_qmm] Index ", lp[i] >= xcount ? lp[i] : rp[i],
                                    " is out of bounds for ", lp[i] >= xcount ? "x" : "w", " with ",
                                    lp[i] >= xcount ? xcount : wcount, " matrices."));
      }
    }
    with_f32_out(out, [&](float* o) {
      for (int64_t i = 0; i < cnt; ++i) {
        Packed P = make_packed(pin, p, wc, rp[i] * wsize, rp[i] * ssize, rp[i] * ssize);
        qmm_2d(x.data<float>() + lp[i] * M * K, P, o + i * M * N, M, N, K, tr);
      }
    });
  });
}

} // namespace mlx::core
