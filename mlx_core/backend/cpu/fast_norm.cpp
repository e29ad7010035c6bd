// Kernels of RMSNorm and LayerNorm: one read of each row from memory (the second sweep
// finds it in cache), one write; rows split over the thread pool. float16 / bfloat16 rows
// are widened to float32; float64 rows compute in double. Outputs past the caches are
// written with streaming stores while the next row is prefetched, so that the statistics
// sweep of every row but the first reads from L2 and memory reads overlap the writes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include "mlx_core/backend/cpu/simd_dispatch.h"
#ifdef MLX_X86_DISPATCH
#include <immintrin.h>
#endif
#include <optional>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/fast_rows.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/primitives/fast.h"

namespace mlx::core {

namespace {

using cpu::row_sum;

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

#ifdef MLX_X86_DISPATCH
bool cpu_has_avx2() { return cpu::simd_isa() != cpu::SimdIsa::baseline; }

// row_affine with non-temporal stores (AVX2), prefetching the next row as
// the AVX-512 norm kernels once did.
MLX_TARGET_AVX2 void row_affine_stream(const float* x, const float* w, const float* b, float* y, int64_t n, float m,
                                       float r, const float* next) {
  int64_t i = 0;
  auto one = [&](int64_t k) { y[k] = (x[k] - m) * r * (w ? w[k] : 1.0f) + (b ? b[k] : 0.0f); };
  for (; i < n && (reinterpret_cast<uintptr_t>(y + i) & 31) != 0; ++i) one(i);
  __m256 vm = _mm256_set1_ps(m), vr = _mm256_set1_ps(r);
  for (; i + 8 <= n; i += 8) {
    if (next && (i & 15) == 0) _mm_prefetch(reinterpret_cast<const char*>(next + i), _MM_HINT_T1);
    __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vr);
    if (w) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
    if (b) v = _mm256_add_ps(v, _mm256_loadu_ps(b + i));
    _mm256_stream_ps(y + i, v);
  }
  for (; i < n; ++i) one(i);
}


void stream_fence() { _mm_sfence(); }
#else
bool cpu_has_avx2() { return false; }
void row_affine_stream(const float*, const float*, const float*, float*, int64_t, float, float, const float*) {}
void stream_fence() {}
#endif

// One row: the mean (layer_norm) and the rsqrt factor, then the affine map.
// The mean (0 unless `center`) and the mean square about it, of one row.
template <typename C>
void moments(const C* x, int64_t n, bool center, C* mean, C* var) {
  if constexpr (std::is_same_v<C, float>) {
    if (center) {
      cpu::row_mean_var(x, n, mean, var);
      return;
    }
  }
  *mean = center ? row_sum(x, n, C(0), false) / C(n) : C(0);
  *var = row_sum(x, n, *mean, true) / C(n);
}

template <typename C>
void norm_row(const C* x, const C* w, const C* b, C* y, int64_t n, C eps, bool center) {
  C m, var;
  moments(x, n, center, &m, &var);
  row_affine(x, w, b, y, n, m, C(1) / std::sqrt(var + eps));
}

template <typename T>
void norm_kernel(const T* x, const T* w, const T* b, T* y, int64_t rows, int64_t n, float eps, bool center) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  if constexpr (std::is_same_v<T, C>) {
    // Outputs larger than the caches are written with streaming stores (no read for
    // ownership, no eviction of the rows still to read).
    bool stream = std::is_same_v<C, float> && rows * n * int64_t(sizeof(float)) >= (int64_t(8) << 20) &&
                  cpu_has_avx2();
    cpu::parallel_for(rows, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        if constexpr (std::is_same_v<C, float>) {
          if (stream) {
            float m, var;
            moments(x + r * n, n, center, &m, &var);
            // The next row is prefetched while this one is written. (AVX-512 variants of the
            // statistics and of this write measured slower on one thread: 1.03-1.1x a copy
            // for rms_norm against 0.75-0.9x here.)
            const float* next = r + 1 < hi ? x + (r + 1) * n : nullptr;
            row_affine_stream(x + r * n, w, b, y + r * n, n, m, 1.0f / std::sqrt(var + eps), next);
            continue;
          }
        }
        norm_row<C>(x + r * n, w, b, y + r * n, n, C(eps), center);
      }
      if (stream) stream_fence();
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
