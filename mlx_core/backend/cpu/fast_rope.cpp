// Kernel of RoPE. The cos/sin of every (position, frequency) pair are tabulated once per
// distinct offset (angles reduced in double, then float sin/cos vectorized), then each row
// of D features is rotated in one pass; rows are split over the thread pool. x is read
// through its strides when its last axis is dense (a transposed (B, T, H, D) view needs no
// copy).
#include <cmath>
#include <vector>

#include "mlx_core/backend/cpu/vector_math.h"

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/primitives/fast.h"

namespace mlx::core {

namespace {

// cos and sin of theta[i] (float, already reduced to [-pi, pi]).
MLX_SIMD_CLONES void sincos_rows(const float* theta, float* c, float* s, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    c[i] = cosf(theta[i]);
    s[i] = sinf(theta[i]);
  }
}

// Rotates one row of float32 (the common case gets its own vectorized clones).
MLX_SIMD_CLONES void rotate_f32(const float* x, float* y, const float* c, const float* s, int64_t half,
                                bool traditional) {
  if (traditional) {
#pragma omp simd
    for (int64_t i = 0; i < half; ++i) {
      float x1 = x[2 * i], x2 = x[2 * i + 1];
      y[2 * i] = x1 * c[i] - x2 * s[i];
      y[2 * i + 1] = x1 * s[i] + x2 * c[i];
    }
  } else {
#pragma omp simd
    for (int64_t i = 0; i < half; ++i) {
      float x1 = x[i], x2 = x[i + half];
      y[i] = x1 * c[i] - x2 * s[i];
      y[i + half] = x1 * s[i] + x2 * c[i];
    }
  }
}

template <typename T>
void rotate(const T* x, T* y, const float* c, const float* s, int64_t half, bool traditional) {
  if constexpr (std::is_same_v<T, float>) {
    rotate_f32(x, y, c, s, half, traditional);
  } else {
    using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
    for (int64_t i = 0; i < half; ++i) {
      int64_t i1 = traditional ? 2 * i : i, i2 = traditional ? 2 * i + 1 : i + half;
      C x1 = static_cast<C>(x[i1]), x2 = static_cast<C>(x[i2]);
      y[i1] = static_cast<T>(x1 * C(c[i]) - x2 * C(s[i]));
      y[i2] = static_cast<T>(x1 * C(s[i]) + x2 * C(c[i]));
    }
  }
}

struct RopeParams {
  int dims;
  bool traditional;
  float scale;
  std::vector<double> inv_freq; // dims / 2
};

// cos / sin of (offset + t) * scale * inv_freq[i] for t in [0, T): T x half each.
void make_table(const RopeParams& p, int64_t offset, int64_t T, std::vector<float>& c, std::vector<float>& s) {
  int64_t half = p.dims / 2;
  c.resize(T * half);
  s.resize(T * half);
  cpu::parallel_for(T, [&](int64_t lo, int64_t hi) {
    std::vector<float> theta(half);
    for (int64_t t = lo; t < hi; ++t) {
      double pos = static_cast<double>(offset + t) * p.scale;
      for (int64_t i = 0; i < half; ++i) theta[i] = static_cast<float>(std::remainder(pos * p.inv_freq[i], 2 * M_PI));
      sincos_rows(theta.data(), c.data() + t * half, s.data() + t * half, half);
    }
  }, std::max<int64_t>(1, 2048 / std::max<int64_t>(half, 1)));
}

// Rotates the rows of x whose batch index (axis 0) lies in [b0, b1) with the table.
template <typename T>
void apply_rows(const array& x, T* out, const RopeParams& p, int64_t b0, int64_t b1, const std::vector<float>& c,
                const std::vector<float>& s) {
  int nd = x.ndim();
  int64_t D = x.shape(-1), T_ = x.shape(-2), half = p.dims / 2;
  int64_t per_b = static_cast<int64_t>(x.size()) / std::max<int64_t>(x.shape(0), 1) / D; // rows per batch entry
  const T* xd = x.data<T>();
  const auto& shape = x.shape();
  const auto& strides = x.strides();
  cpu::parallel_for((b1 - b0) * per_b, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      int64_t row = b0 * per_b + r; // row index over shape[:-1]
      int64_t rem = row, off = 0, t = 0;
      for (int d = nd - 2; d >= 0; --d) {
        int64_t i = rem % shape[d];
        rem /= shape[d];
        off += i * strides[d];
        if (d == nd - 2) t = i;
      }
      const T* xr = xd + off;
      T* yr = out + row * D;
      rotate<T>(xr, yr, c.data() + t * half, s.data() + t * half, half, p.traditional);
      for (int64_t i = p.dims; i < D; ++i) yr[i] = xr[i];
    }
    (void)T_;
  }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(D, 1)));
}

constexpr uint32_t kFloating = (1u << static_cast<int>(Dtype::Val::float16)) |
                               (1u << static_cast<int>(Dtype::Val::bfloat16)) |
                               (1u << static_cast<int>(Dtype::Val::float32)) |
                               (1u << static_cast<int>(Dtype::Val::float64));

} // namespace

void RoPE::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  RopeParams p{dims_, traditional_, scale_, {}};
  cpu::get_command_encoder(stream()).dispatch([inputs, out, p, base = base_, has_freqs = has_freqs_]() mutable {
    array x = inputs[0];
    if (x.size() == 0) return;
    if (x.strides().back() != 1) x = cpu::contiguous_copy(x, x.dtype());
    array offset = inputs[1].flags().row_contiguous ? inputs[1] : cpu::contiguous_copy(inputs[1], int64);
    int64_t half = p.dims / 2;
    p.inv_freq.resize(half);
    if (has_freqs) {
      array f = inputs[2].flags().row_contiguous ? inputs[2] : cpu::contiguous_copy(inputs[2], float32);
      for (int64_t i = 0; i < half; ++i) p.inv_freq[i] = 1.0 / static_cast<double>(f.data<float>()[i]);
    } else {
      for (int64_t i = 0; i < half; ++i) p.inv_freq[i] = std::pow(static_cast<double>(base), -2.0 * i / p.dims);
    }
    int64_t B = x.shape(0), T = x.shape(-2);
    const int64_t* offs = offset.data<int64_t>();
    bool per_batch = offset.ndim() == 1;
    std::vector<float> c, s;
    cpu::dispatch_dtype_in<kFloating>(x.dtype(), "rope", [&]<typename V>(V) {
      if (!per_batch) {
        make_table(p, offs[0], T, c, s);
        apply_rows<V>(x, out.data<V>(), p, 0, B, c, s);
        return;
      }
      for (int64_t b = 0; b < B; ++b) {
        if (b == 0 || offs[b] != offs[b - 1]) make_table(p, offs[b], T, c, s);
        apply_rows<V>(x, out.data<V>(), p, b, b + 1, c, s);
      }
    });
  });
}

} // namespace mlx::core
