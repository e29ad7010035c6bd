// Kernels of the samplers' private primitives (SamplerMath, RandIntBits, CategoricalCdf): the
// float arithmetic of the reference's samplers, step for step, so that a key gives its bits.
// This file is built with -ffp-contract=off (CMakeLists.txt): a multiply-add is fused only
// where std::fma is written, as in the reference.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/primitives/random.h"

namespace mlx::core {

namespace {

using random::detail::SamplerFn;

// Inlined into the loops' clones, so that their fma is one instruction (not a libm call).
#if defined(__GNUC__)
#define MLX_SAMPLER_INLINE [[gnu::always_inline]] inline
#else
#define MLX_SAMPLER_INLINE inline
#endif

// erfinv of a float: N. Juffa's single-precision approximation (two minimax polynomials in
// t = log(1 - a^2), split at |t| = 6.125), the one the reference evaluates.
MLX_SAMPLER_INLINE float erfinv_f(float a) {
  float t = std::log(std::fma(a, 0.0f - a, 1.0f));
  float p;
  if (std::fabs(t) > 6.125f) {
    p = 3.03697567e-10f;
    p = std::fma(p, t, 2.93243101e-8f);
    p = std::fma(p, t, 1.22150334e-6f);
    p = std::fma(p, t, 2.84108955e-5f);
    p = std::fma(p, t, 3.93552968e-4f);
    p = std::fma(p, t, 3.02698812e-3f);
    p = std::fma(p, t, 4.83185798e-3f);
    p = std::fma(p, t, -2.64646143e-1f);
    p = std::fma(p, t, 8.40016484e-1f);
  } else {
    p = 5.43877832e-9f;
    p = std::fma(p, t, 1.43285448e-7f);
    p = std::fma(p, t, 1.22774793e-6f);
    p = std::fma(p, t, 1.12963626e-7f);
    p = std::fma(p, t, -5.61530760e-5f);
    p = std::fma(p, t, -1.47697632e-4f);
    p = std::fma(p, t, 2.31468678e-3f);
    p = std::fma(p, t, 1.15392581e-2f);
    p = std::fma(p, t, -2.32015476e-1f);
    p = std::fma(p, t, 8.86226892e-1f);
  }
  return a * p;
}

// exp of a float as the reference computes it: 2^(x log2 e) split into a rounded integer part
// (put into the exponent bits) and a fraction in [-1/2, 1/2] (a degree-6 polynomial);
// 0 below -88, inf above 88.
MLX_SAMPLER_INLINE float exp_f(float x) {
  if (std::isnan(x)) return x;
  if (x > 88.0f) return std::numeric_limits<float>::infinity();
  if (x < -88.0f) return 0.0f;
  float y = x * 1.442695f;
  float ipart = std::floor(y + 0.5f);
  float f = y - ipart;
  float p = 1.535336188319500e-4f;
  p = std::fma(p, f, 1.339887440266574e-3f);
  p = std::fma(p, f, 9.618437357674640e-3f);
  p = std::fma(p, f, 5.550332471162809e-2f);
  p = std::fma(p, f, 2.402264791363012e-1f);
  p = std::fma(p, f, 6.931472028550421e-1f);
  p = std::fma(p, f, 1.0f);
  int32_t e = (static_cast<int32_t>(ipart) + 127) << 23;
  float scale;
  std::memcpy(&scale, &e, 4);
  return scale * p;
}

// erf of a float as the reference computes it: Abramowitz and Stegun 7.1.26 with exp_f.
MLX_SAMPLER_INLINE float erf_f(float v) {
  float t = 1.0f / std::fma(0.3275911f, std::fabs(v), 1.0f);
  float r = std::fma(1.061405429f, t, -1.453152027f);
  r = std::fma(r, t, 1.421413741f);
  r = std::fma(r, t, -0.284496736f);
  r = std::fma(r, t, 0.254829592f);
  float e = -exp_f(-v * v);
  float res = std::fma(e * t, r, 1.0f);
  return v > 0 ? res : -res;
}

// y = f(x) over [b, e) in float32, rounded to T (the clones put the fma in one instruction).
template <typename T, typename F>
MLX_SIMD_CLONES_AVX2 void map_chunk(const T* x, T* y, int64_t b, int64_t e, F f) {
  for (int64_t i = b; i < e; ++i) y[i] = T(f(static_cast<float>(x[i])));
}

template <typename T, typename F>
void map_values(const T* x, T* y, int64_t n, F f) {
  cpu::parallel_for(n, [&](int64_t b, int64_t e) { map_chunk(x, y, b, e, f); }, 1 << 13);
}

// The functions as inlinable function objects (T: the dtype each step rounds to).
struct ErfinvOp {
  MLX_SAMPLER_INLINE float operator()(float v) const { return erfinv_f(v); }
};
struct ErfOp {
  MLX_SAMPLER_INLINE float operator()(float v) const { return erf_f(v); }
};
template <typename T>
struct GumbelOp {
  MLX_SAMPLER_INLINE float operator()(float v) const { return -std::log(static_cast<float>(T(-std::log(v)))); }
};
// u in [0, 1) to (-1, 1) as the reference's uniform(above -1, 1) maps it (no fused multiply-add).
MLX_SAMPLER_INLINE float open_interval(float u) {
  constexpr float a = -0x1.fffffep-1f;
  constexpr float range = 1.0f - a;
  return range * u + a;
}
struct ErfinvOpenOp {
  MLX_SAMPLER_INLINE float operator()(float u) const { return erfinv_f(open_interval(u)); }
};
struct LaplaceOpenOp {
  MLX_SAMPLER_INLINE float operator()(float u) const {
    float v = open_interval(u);
    float m = std::log1p(-std::fabs(v));
    return v > 0 ? m : v < 0 ? -m : 0.0f * m;
  }
};

template <typename T>
void sampler_math(SamplerFn fn, const T* x, T* y, int64_t n) {
  switch (fn) {
    case SamplerFn::Erfinv: return map_values(x, y, n, ErfinvOp{});
    case SamplerFn::Erf: return map_values(x, y, n, ErfOp{});
    case SamplerFn::Gumbel: return map_values(x, y, n, GumbelOp<T>{});
    case SamplerFn::ErfinvOpen: return map_values(x, y, n, ErfinvOpenOp{});
    case SamplerFn::LaplaceOpen: return map_values(x, y, n, LaplaceOpenOp{});
  }
}

// ---- randint ----

using i128 = __int128;

// A bound as the kernel reads it (int64, uint64 or double storage).
template <typename B>
struct Bounds {
  const B* lo;
  const B* hi;
  const B* hm1;
  bool lo_scalar, hi_scalar, hm1_scalar;
};

MLX_SAMPLER_INLINE float unit_float(uint32_t w) {
  float u = static_cast<float>(w) / 4294967295.0f;
  return u < 0x1.fffffep-1f ? u : 0x1.fffffep-1f;
}

// Whether an integral value lies in [lo, hi].
inline bool within(i128 v, i128 lo, i128 hi) { return v >= lo && v <= hi; }

// An integer bound's exact value; a float bound's value rounded toward -inf / +inf or cut
// toward zero (as astype does), clamped to +-2^100 (beyond every dtype).
inline i128 as_int(int64_t v, int) { return v; }
inline i128 as_int(uint64_t v, int) { return static_cast<i128>(v); }
inline i128 as_int(double v, int mode) {
  constexpr double big = 0x1p100;
  if (std::isnan(v)) return 0;
  double r = mode < 0 ? std::floor(v) : mode > 0 ? std::ceil(v) : std::trunc(v);
  r = std::clamp(r, -big, big);
  return static_cast<i128>(r);
}

using u128 = unsigned __int128;

// How one pair of bounds is sampled: the reference's float32 formula, exactly from one word
// or from two (more than 2**32 integers), or an empty range (low).
struct RandIntPlan {
  enum Kind { Reference, Word, TwoWords, Empty } kind;
  float lf, range;     // Reference: low and high - low in float32
  int64_t lo, top;     // Reference: the clamp, low and high - 1 in the dtype
  uint64_t first;      // Word, TwoWords, Empty: the first integer (two's complement bits)
  u128 count;          // Word, TwoWords: how many integers
};

template <typename T, typename B>
RandIntPlan make_plan(B lo, B hi, B hm1) {
  constexpr bool is_bool = std::is_same_v<T, bool>;
  const i128 tmin = is_bool ? 0 : static_cast<i128>(std::numeric_limits<T>::min());
  const i128 tmax = is_bool ? 1 : static_cast<i128>(std::numeric_limits<T>::max());
  constexpr i128 small = i128(1) << 24;
  RandIntPlan p{};
  i128 lo_t = as_int(lo, 0), hm1_t = as_int(hm1, 0);
  bool finite = std::is_integral_v<B> || (std::isfinite(double(lo)) && std::isfinite(double(hi)));
  if (finite && as_int(lo, -1) >= -small && as_int(hi, 1) <= small && as_int(lo, 1) <= small &&
      as_int(hi, -1) >= -small && within(lo_t, tmin, tmax) && within(hm1_t, tmin, tmax)) {
    // The reference's arithmetic: a float32 uniform between the bounds, its floor, clamped to
    // [low, high - 1] as integers of the dtype.
    p.kind = RandIntPlan::Reference;
    p.lf = static_cast<float>(lo);
    p.range = static_cast<float>(hi) - p.lf;
    p.lo = static_cast<int64_t>(lo_t);
    p.top = static_cast<int64_t>(hm1_t);
    return p;
  }
  // Exactly: the integers of [low, high) within the dtype's range.
  i128 first = std::clamp(as_int(lo, 1), tmin, tmax);
  i128 last = std::clamp(std::is_integral_v<B> ? as_int(hi, 0) - 1 : as_int(hi, 1) - 1, tmin, tmax);
  if (std::is_floating_point_v<B> && (std::isnan(double(lo)) || std::isnan(double(hi)))) last = first - 1;
  p.first = static_cast<uint64_t>(first);
  if (last < first) {
    p.kind = RandIntPlan::Empty;
    return p;
  }
  p.count = static_cast<u128>(last - first) + 1;
  p.kind = p.count <= (u128(1) << 32) ? RandIntPlan::Word : RandIntPlan::TwoWords;
  return p;
}

MLX_SAMPLER_INLINE int64_t reference_sample(float lf, float range, int64_t lo, int64_t top, uint32_t w) {
  int64_t v = static_cast<int64_t>(std::floor(range * unit_float(w) + lf));
  v = v < top ? v : top;
  return v > lo ? v : lo;
}

template <typename T>
inline T to_out(uint64_t v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else {
    return static_cast<T>(v);
  }
}

// One sample by plan (w2: the second words, or null when the dtype has 32 bits or fewer).
template <typename T>
inline T sample(const RandIntPlan& p, const uint32_t* w, const uint32_t* w2, int64_t i) {
  switch (p.kind) {
    case RandIntPlan::Reference:
      return to_out<T>(static_cast<uint64_t>(reference_sample(p.lf, p.range, p.lo, p.top, w[i])));
    case RandIntPlan::Word:
      return to_out<T>(p.first + static_cast<uint64_t>((p.count * w[i]) >> 32));
    case RandIntPlan::TwoWords: {
      // 64 random bits, the second word on top of the first.
      u128 x = w2 ? (static_cast<u128>(w2[i]) << 32) | w[i] : static_cast<u128>(w[i]) << 32;
      return to_out<T>(p.first + static_cast<uint64_t>((p.count * x) >> 64));
    }
    case RandIntPlan::Empty: return to_out<T>(p.first);
  }
  return T{};
}

// The common case, one pair of bounds for all: the plan's loop over [b, e).
template <typename T>
MLX_SIMD_CLONES_AVX2 void reference_run(float lf, float range, int64_t lo, int64_t top, const uint32_t* w, T* out,
                                   int64_t b, int64_t e) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) out[i] = to_out<T>(static_cast<uint64_t>(reference_sample(lf, range, lo, top, w[i])));
}
template <typename T>
MLX_SIMD_CLONES_AVX2 void word_run(uint64_t first, uint64_t count, const uint32_t* w, T* out, int64_t b, int64_t e) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) out[i] = to_out<T>(first + ((count * w[i]) >> 32));
}

template <typename T, typename B>
void randint_kernel(const uint32_t* w, const uint32_t* w2, const Bounds<B>& bd, T* out, int64_t n) {
  if (bd.lo_scalar && bd.hi_scalar && bd.hm1_scalar) {
    RandIntPlan p = make_plan<T>(bd.lo[0], bd.hi[0], bd.hm1[0]);
    cpu::parallel_for(n, [&](int64_t b, int64_t e) {
      if (p.kind == RandIntPlan::Reference) {
        reference_run(p.lf, p.range, p.lo, p.top, w, out, b, e);
      } else if (p.kind == RandIntPlan::Word) {
        word_run(p.first, static_cast<uint64_t>(p.count), w, out, b, e);
      } else {
        for (int64_t i = b; i < e; ++i) out[i] = sample<T>(p, w, w2, i);
      }
    }, 1 << 14);
    return;
  }
  cpu::parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      RandIntPlan p = make_plan<T>(bd.lo[bd.lo_scalar ? 0 : i], bd.hi[bd.hi_scalar ? 0 : i],
                                   bd.hm1[bd.hm1_scalar ? 0 : i]);
      out[i] = sample<T>(p, w, w2, i);
    }
  }, 1 << 13);
}

// ---- categorical ----

// The exclusive running sum of exp(x - max(x)) and its total, in float32 and in order, as
// the reference computes them (it compares u * total with the running sum, unnormalized).
float exp_cdf(const float* x, int64_t c, std::vector<float>& cdf) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < c; ++j) m = std::max(m, x[j]);
  cdf.resize(c);
  float acc = 0.0f;
  for (int64_t j = 0; j < c; ++j) {
    float e = exp_f(x[j] - m);
    cdf[j] = acc;
    acc += e;
  }
  return acc;
}

} // namespace

void SamplerMath::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  if (out.size() == 0) return;
  const array& in0 = inputs[0];
  array x = in0.flags().row_contiguous ? in0 : cpu::contiguous_copy(in0, in0.dtype());
  cpu::get_command_encoder(stream()).dispatch([x, out, fn = fn_]() mutable {
    int64_t n = static_cast<int64_t>(out.size());
    switch (out.dtype().val) {
      case Dtype::Val::float32: return sampler_math(fn, x.data<float>(), out.data<float>(), n);
      case Dtype::Val::float16: return sampler_math(fn, x.data<float16_t>(), out.data<float16_t>(), n);
      case Dtype::Val::bfloat16: return sampler_math(fn, x.data<bfloat16_t>(), out.data<bfloat16_t>(), n);
      default: throw std::invalid_argument("[SamplerMath] Expected a real floating point input.");
    }
  });
}

void RandIntBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  if (out.size() == 0) return;
  auto contiguous = [](const array& a) {
    return a.flags().row_contiguous ? a : cpu::contiguous_copy(a, a.dtype());
  };
  array w = contiguous(inputs[0]), lo = contiguous(inputs[1]), hi = contiguous(inputs[2]),
        hm1 = contiguous(inputs[3]);
  array w2 = inputs.size() > 4 ? contiguous(inputs[4]) : w;
  bool has_w2 = inputs.size() > 4;
  cpu::get_command_encoder(stream()).dispatch([w, w2, has_w2, lo, hi, hm1, out]() mutable {
    int64_t n = static_cast<int64_t>(out.size());
    cpu::dispatch_dtype(lo.dtype(), [&]<typename B>(B) {
      if constexpr (std::is_same_v<B, int64_t> || std::is_same_v<B, uint64_t> || std::is_same_v<B, double>) {
        Bounds<B> bd{lo.data<B>(), hi.data<B>(), hm1.data<B>(), lo.size() == 1, hi.size() == 1, hm1.size() == 1};
        cpu::dispatch_dtype(out.dtype(), [&]<typename T>(T) {
          if constexpr (std::is_integral_v<T>) {
            randint_kernel<T, B>(w.data<uint32_t>(), has_w2 ? w2.data<uint32_t>() : nullptr, bd, out.data<T>(), n);
          } else {
            throw std::invalid_argument("[randint] Expected an integer output dtype.");
          }
        });
      } else {
        throw std::invalid_argument("[randint] Expected int64, uint64 or float64 bounds.");
      }
    });
  });
}

void CategoricalCdf::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  if (out.size() == 0) return;
  auto contiguous = [](const array& a) {
    return a.flags().row_contiguous ? a : cpu::contiguous_copy(a, a.dtype());
  };
  array logits = contiguous(inputs[0]), u = contiguous(inputs[1]);
  cpu::get_command_encoder(stream()).dispatch([logits, u, out]() mutable {
    int64_t rows = logits.shape(0), c = logits.shape(1), m = u.shape(1);
    const float* x = logits.data<float>();
    cpu::parallel_for(rows, [&](int64_t b, int64_t e) {
      std::vector<float> cdf;
      for (int64_t r = b; r < e; ++r) {
        float total = exp_cdf(x + r * c, c, cdf);
        const float* ur = u.data<float>() + r * m;
        uint32_t* o = out.data<uint32_t>() + r * m;
        for (int64_t i = 0; i < m; ++i) {
          // The last category whose running sum is <= u * total.
          int64_t k = (std::upper_bound(cdf.begin(), cdf.end(), ur[i] * total) - cdf.begin()) - 1;
          o[i] = static_cast<uint32_t>(k < 0 ? 0 : k);
        }
      }
    }, 1);
  });
}

} // namespace mlx::core
