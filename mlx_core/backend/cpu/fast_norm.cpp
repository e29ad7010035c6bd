// Kernels of RMSNorm and LayerNorm: one read of each row from memory (the second sweep
// finds it in cache), one write; rows split over the thread pool. float16 / bfloat16 rows
// are widened to float32; float64 rows compute in double.
#include <cmath>
#include <optional>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/primitives/fast.h"

namespace mlx::core {

namespace {

MLX_SIMD_CLONES float row_sum(const float* x, int64_t n, float shift, bool square) {
  float s = 0;
  if (square) {
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += (x[i] - shift) * (x[i] - shift);
  } else {
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += x[i];
  }
  return s;
}

// y = (x - m) * r * w + b (w, b optional).
MLX_SIMD_CLONES void row_affine(const float* x, const float* w, const float* b, float* y, int64_t n, float m,
                                float r) {
  if (w && b) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * r * w[i] + b[i];
  } else if (w) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * r * w[i];
  } else if (b) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * r + b[i];
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * r;
  }
}

double row_sum(const double* x, int64_t n, double shift, bool square) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += square ? (x[i] - shift) * (x[i] - shift) : x[i];
  return s;
}

void row_affine(const double* x, const double* w, const double* b, double* y, int64_t n, double m, double r) {
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * r * (w ? w[i] : 1.0) + (b ? b[i] : 0.0);
}

// One row: the mean (layer_norm) and the rsqrt factor, then the affine map.
template <typename C>
void norm_row(const C* x, const C* w, const C* b, C* y, int64_t n, C eps, bool center) {
  C m = center ? row_sum(x, n, C(0), false) / C(n) : C(0);
  C var = row_sum(x, n, m, true) / C(n);
  row_affine(x, w, b, y, n, m, C(1) / std::sqrt(var + eps));
}

template <typename T>
void norm_kernel(const T* x, const T* w, const T* b, T* y, int64_t rows, int64_t n, float eps, bool center) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  if constexpr (std::is_same_v<T, C>) {
    cpu::parallel_for(rows, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) norm_row<C>(x + r * n, w, b, y + r * n, n, C(eps), center);
    }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(n, 1)));
  } else {
    // Halves: the parameters once in float32, each row through a float32 buffer.
    std::vector<float> wf(w ? n : 0), bf(b ? n : 0);
    for (int64_t i = 0; w && i < n; ++i) wf[i] = static_cast<float>(w[i]);
    for (int64_t i = 0; b && i < n; ++i) bf[i] = static_cast<float>(b[i]);
    cpu::parallel_for(rows, [&](int64_t lo, int64_t hi) {
      std::vector<float> buf(n);
      for (int64_t r = lo; r < hi; ++r) {
        const T* xr = x + r * n;
        T* yr = y + r * n;
        for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<float>(xr[i]);
        norm_row<float>(buf.data(), w ? wf.data() : nullptr, b ? bf.data() : nullptr, buf.data(), n, eps, center);
        for (int64_t i = 0; i < n; ++i) yr[i] = static_cast<T>(buf[i]);
      }
    }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(n, 1)));
  }
}

constexpr uint32_t kFloating = (1u << static_cast<int>(Dtype::Val::float16)) |
                               (1u << static_cast<int>(Dtype::Val::bfloat16)) |
                               (1u << static_cast<int>(Dtype::Val::float32)) |
                               (1u << static_cast<int>(Dtype::Val::float64));

array contiguous_input(const array& in) {
  return in.flags().row_contiguous ? in : cpu::contiguous_copy(in, in.dtype());
}

// Evaluates a norm; inputs x, then the weight and bias that are present.
void eval_norm(const std::vector<array>& inputs, array& out, float eps, bool center, bool has_w, bool has_b,
               const Stream& s, const char* op) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(s).dispatch([inputs, out, eps, center, has_w, has_b, op]() mutable {
    std::vector<array> in;
    for (const array& a : inputs) in.push_back(contiguous_input(a));
    int64_t n = in[0].ndim() ? in[0].shape(-1) : 1;
    int64_t rows = n ? static_cast<int64_t>(in[0].size()) / n : 0;
    if (rows == 0 || n == 0) return;
    cpu::dispatch_dtype_in<kFloating>(out.dtype(), op, [&]<typename T>(T) {
      const T* w = has_w ? in[1].data<T>() : nullptr;
      const T* b = has_b ? in[has_w ? 2 : 1].data<T>() : nullptr;
      norm_kernel<T>(in[0].data<T>(), w, b, out.data<T>(), rows, n, eps, center);
    });
  });
}

} // namespace

void RMSNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  eval_norm(inputs, out, eps_, false, has_weight_, false, stream(), "rms_norm");
}

void LayerNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  eval_norm(inputs, out, eps_, true, has_weight_, has_bias_, stream(), "layer_norm");
}

} // namespace mlx::core
