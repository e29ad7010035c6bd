// Kernels of LogSumExp and Softmax: rows of the last axis, split over the thread pool.
// float16 / bfloat16 rows are widened to float32 for the arithmetic; float32 rows use the
// vectorized exp of math_ops.h (compiled for AVX2 too).
#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/row_kernels.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/primitives/softmax.h"

namespace mlx::core {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Largest element (NaNs skipped) of x[0, n), and whether a NaN was seen.
MLX_SIMD_CLONES float row_max(const float* x, int64_t n, bool* nan) {
  constexpr int W = 16;
  float m[W];
  int bad[W];
  for (int j = 0; j < W; ++j) m[j] = kNegInf, bad[j] = 0;
  int64_t i = 0;
  for (; i + W <= n; i += W) {
#pragma omp simd
    for (int j = 0; j < W; ++j) {
      float v = x[i + j];
      m[j] = v > m[j] ? v : m[j];
      bad[j] |= v != v;
    }
  }
  for (int j = 0; i + j < n; ++j) {
    float v = x[i + j];
    m[j] = v > m[j] ? v : m[j];
    bad[j] |= v != v;
  }
  float r = kNegInf;
  int b = 0;
  for (int j = 0; j < W; ++j) r = m[j] > r ? m[j] : r, b |= bad[j];
  *nan = b != 0;
  return r;
}

// sum(exp(x - m)).
MLX_SIMD_CLONES float row_sum_exp(const float* x, int64_t n, float m) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += cpu::fast_expf(x[i] - m);
  return s;
}

// cpu::fast_expf(d) for d in [-inf, 0] (no NaN), bit for bit, with the branches for
// large and NaN arguments left out: the exponent of softmax, x - max(x).
inline float exp_nonpositive(float d) {
  float out = cpu::expf_in_range(d < -103.9f ? -103.9f : d);
  return d < -103.9f ? 0.0f : out;
}

// y = exp(x - m) for a finite m and a row without NaN, returning the sum.
MLX_SIMD_CLONES float row_exp_store(const float* x, float* y, int64_t n, float m) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) {
    float e = exp_nonpositive(x[i] - m);
    y[i] = e;
    s += e;
  }
  return s;
}

MLX_SIMD_CLONES void row_scale(float* y, int64_t n, float k) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] *= k;
}

// A running (max, sum of exp(x - max)) pair of one piece of a row.
template <typename C>
struct LseAcc {
  C m;
  C s;
  bool nan;
};

// The pair of x[0, n) for the element types without a vectorized path (double, complex):
// the shift is the largest real part.
template <typename C>
LseAcc<C> lse_generic(const C* x, int64_t n) {
  using R = decltype(std::real(C{}));
  R m = -std::numeric_limits<R>::infinity();
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    R v = std::real(x[i]);
    if (cpu::is_nan_value(x[i])) nan = true;
    else if (v > m) m = v;
  }
  C s = C(0);
  if (std::isfinite(m)) {
    for (int64_t i = 0; i < n; ++i) s += std::exp(x[i] - C(m));
  }
  return {C(m), s, nan};
}

LseAcc<float> lse_float(const float* x, int64_t n) {
  bool nan;
  float m = row_max(x, n, &nan);
  float s = std::isfinite(m) ? row_sum_exp(x, n, m) : 0.0f;
  return {m, s, nan};
}

// Combines the pairs of the pieces of a row into log(sum(exp(x))).
template <typename C>
C lse_combine(const LseAcc<C>* p, int64_t k) {
  using R = decltype(std::real(C{}));
  R m = -std::numeric_limits<R>::infinity();
  bool nan = false;
  for (int64_t i = 0; i < k; ++i) {
    nan |= p[i].nan;
    if (std::real(p[i].m) > m) m = std::real(p[i].m);
  }
  if (nan) return C(std::numeric_limits<R>::quiet_NaN());
  if (!std::isfinite(m)) return C(m); // all -inf, or an inf: the sum is exp(m)
  C s = C(0);
  for (int64_t i = 0; i < k; ++i) {
    if (std::isfinite(std::real(p[i].m))) s += p[i].s * std::exp(p[i].m - C(m));
  }
  return C(m) + std::log(s);
}

// Elements per piece of a long row: fixed, so results do not depend on the thread count.
constexpr int64_t piece_elems = int64_t(1) << 15;

template <typename T>
void logsumexp_kernel(const T* in, T* out, int64_t rows, int64_t n) {
  using C = std::conditional_t<is_half_v<T>, float, T>;
  int64_t pieces = (n + piece_elems - 1) / piece_elems;
  auto parts = std::make_unique<LseAcc<C>[]>(static_cast<size_t>(rows * pieces));
  cpu::parallel_for(rows * pieces, [&](int64_t lo, int64_t hi) {
    std::vector<float> buf;
    for (int64_t k = lo; k < hi; ++k) {
      int64_t r = k / pieces, b = (k % pieces) * piece_elems, len = std::min(piece_elems, n - b);
      const T* x = in + r * n + b;
      if constexpr (std::is_same_v<T, float>) {
        parts[k] = lse_float(x, len);
      } else if constexpr (is_half_v<T>) {
        buf.resize(len);
        for (int64_t i = 0; i < len; ++i) buf[i] = static_cast<float>(x[i]);
        parts[k] = lse_float(buf.data(), len);
      } else {
        parts[k] = lse_generic(x, len);
      }
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::min(n, piece_elems)));
  for (int64_t r = 0; r < rows; ++r) out[r] = static_cast<T>(lse_combine(parts.get() + r * pieces, pieces));
}

template <typename T>
void softmax_kernel(const T* in, T* out, int64_t rows, int64_t n) {
  cpu::parallel_for(rows, [&](int64_t lo, int64_t hi) {
    std::vector<float> buf;
    for (int64_t r = lo; r < hi; ++r) {
      const T* x = in + r * n;
      T* y = out + r * n;
      if constexpr (std::is_same_v<T, float> || is_half_v<T>) {
        const float* xf;
        float* yf;
        if constexpr (std::is_same_v<T, float>) {
          xf = x;
          yf = y;
        } else {
          buf.resize(n);
          for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<float>(x[i]);
          xf = yf = buf.data();
        }
        bool nan;
        float m = row_max(xf, n, &nan);
        if (nan || !std::isfinite(m)) {
          // A NaN, an infinite maximum (inf - inf) or a row of -inf (-inf + inf) makes the
          // sum NaN and so every element, as exp(x) / sum(exp(x)) would.
          for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(std::numeric_limits<float>::quiet_NaN());
          continue;
        }
        float s = row_exp_store(xf, yf, n, m);
        row_scale(yf, n, 1.0f / s);
        if constexpr (is_half_v<T>) {
          for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(yf[i]);
        }
      } else {
        using R = decltype(std::real(T{}));
        R m = -std::numeric_limits<R>::infinity();
        for (int64_t i = 0; i < n; ++i) {
          R v = std::real(x[i]);
          m = v > m ? v : m;
        }
        T s = T(0);
        for (int64_t i = 0; i < n; ++i) {
          y[i] = std::exp(x[i] - T(m));
          s += y[i];
        }
        T k = T(1) / s;
        for (int64_t i = 0; i < n; ++i) y[i] *= k;
      }
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 4 / std::max<int64_t>(n, 1)));
}

// The input itself when row-contiguous, else a row-contiguous copy.
array contiguous_input(const array& in) {
  return in.flags().row_contiguous ? in : cpu::contiguous_copy(in, in.dtype());
}

constexpr uint32_t kInexact = (1u << static_cast<int>(Dtype::Val::float16)) |
                              (1u << static_cast<int>(Dtype::Val::bfloat16)) |
                              (1u << static_cast<int>(Dtype::Val::float32)) |
                              (1u << static_cast<int>(Dtype::Val::float64)) |
                              (1u << static_cast<int>(Dtype::Val::complex64));

} // namespace

void LogSumExp::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out]() mutable {
    array x = contiguous_input(in);
    int64_t n = x.shape().back();
    int64_t rows = static_cast<int64_t>(x.size()) / n;
    cpu::dispatch_dtype_in<kInexact>(x.dtype(), "logsumexp", [&]<typename T>(T) {
      logsumexp_kernel<T>(x.data<T>(), out.data<T>(), rows, n);
    });
  });
}

void Softmax::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out]() mutable {
    array x = contiguous_input(in);
    int64_t n = x.shape().back();
    int64_t rows = static_cast<int64_t>(x.size()) / n;
    cpu::dispatch_dtype_in<kInexact>(x.dtype(), "softmax", [&]<typename T>(T) {
      softmax_kernel<T>(x.data<T>(), out.data<T>(), rows, n);
    });
  });
}

std::vector<Shape> LogSumExp::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs[0].shape();
  s.back() = 1;
  return {s};
}

} // namespace mlx::core

namespace mlx::core::cpu {

void softmax_rows(Dtype dtype, const void* in, void* out, int64_t rows, int64_t n) {
  dispatch_dtype_in<kInexact>(dtype, "softmax", [&]<typename T>(T) {
    softmax_kernel<T>(static_cast<const T*>(in), static_cast<T*>(out), rows, n);
  });
}

void logsumexp_rows(Dtype dtype, const void* in, void* out, int64_t rows, int64_t n) {
  dispatch_dtype_in<kInexact>(dtype, "logsumexp", [&]<typename T>(T) {
    logsumexp_kernel<T>(static_cast<const T*>(in), static_cast<T*>(out), rows, n);
  });
}

} // namespace mlx::core::cpu
