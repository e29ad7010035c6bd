// Kernels of CrossEntropy (one pass over each row of logits, float32 accumulation) and
// GatedDelta (one sweep over the state per step; (batch, head) pairs over the thread pool).
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/fast_rows.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/errors.h"
#include "mlx_core/primitives/fast.h"

namespace mlx::core {

namespace {

// logsumexp(x) - x[target] of one row (NaN rows give NaN through the sum).
template <typename C>
C row_loss(const C* x, int64_t n, int64_t target) {
  C m, s;
  if constexpr (std::is_same_v<C, float>) {
    m = cpu::row_max(x, n);
    s = cpu::row_sum_exp(x, n, m);
  } else {
    m = -std::numeric_limits<C>::infinity();
    for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
    s = 0;
    for (int64_t i = 0; i < n; ++i) s += std::exp(x[i] - m);
  }
  return m + std::log(s) - x[target];
}

template <typename T>
void cross_entropy_kernel(const T* logits, const int64_t* targets, float* out, int64_t rows, int64_t n) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  cpu::parallel_for(rows, [&](int64_t lo, int64_t hi) {
    std::vector<float> buf;
    for (int64_t r = lo; r < hi; ++r) {
      int64_t t = targets[r];
      if (t < -n || t >= n)
        throw std::out_of_range(msg("[cross_entropy] Target ", t, " is out of range for ", n, " classes."));
      if (t < 0) t += n;
      const T* x = logits + r * n;
      if constexpr (std::is_same_v<T, C>) {
        out[r] = static_cast<float>(row_loss<C>(x, n, t));
      } else {
        buf.resize(n);
        for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<float>(x[i]);
        out[r] = row_loss<float>(buf.data(), n, t);
      }
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 4 / std::max<int64_t>(n, 1)));
}

array contiguous_input(const array& in) {
  return in.flags().row_contiguous ? in : cpu::contiguous_copy(in, in.dtype());
}

constexpr uint32_t kFloating = (1u << static_cast<int>(Dtype::Val::float16)) |
                               (1u << static_cast<int>(Dtype::Val::bfloat16)) |
                               (1u << static_cast<int>(Dtype::Val::float32)) |
                               (1u << static_cast<int>(Dtype::Val::float64));
constexpr uint32_t kAccum = (1u << static_cast<int>(Dtype::Val::float32)) |
                            (1u << static_cast<int>(Dtype::Val::float64));

// The gated delta recurrence of one (batch, value head) pair; S is its Dv x Dk state.
template <typename C>
__attribute__((always_inline)) inline void gated_delta_head(const C* q, const C* k, const C* v, const C* g, const C* beta, const bool* mask, C* S,
                      C* out, int64_t T, int64_t Hk, int64_t Hv, int64_t Dk, int64_t Dv, bool per_dim) {
  for (int64_t t = 0; t < T; ++t) {
    C* o = out + t * Hv * Dv;
    if (mask && !mask[t]) {
      for (int64_t j = 0; j < Dv; ++j) o[j] = C(0);
      continue;
    }
    const C* qt = q + t * Hk * Dk;
    const C* kt = k + t * Hk * Dk;
    const C* gt = g + t * Hv * (per_dim ? Dk : 1);
    C b = beta[t * Hv];
    for (int64_t j = 0; j < Dv; ++j) {
      C* row = S + j * Dk;
      C kv = 0;
      if (per_dim) {
#pragma omp simd reduction(+ : kv)
        for (int64_t i = 0; i < Dk; ++i) {
          row[i] *= gt[i];
          kv += row[i] * kt[i];
        }
      } else {
        C gs = gt[0];
#pragma omp simd reduction(+ : kv)
        for (int64_t i = 0; i < Dk; ++i) {
          row[i] *= gs;
          kv += row[i] * kt[i];
        }
      }
      C d = (v[t * Hv * Dv + j] - kv) * b;
      C acc = 0;
#pragma omp simd reduction(+ : acc)
      for (int64_t i = 0; i < Dk; ++i) {
        row[i] += d * kt[i];
        acc += row[i] * qt[i];
      }
      o[j] = acc;
    }
  }
}

// The recurrence compiled for each vector ISA (the template is inlined into every clone).
MLX_SIMD_CLONES void gated_delta_head_f32(const float* q, const float* k, const float* v, const float* g,
                                          const float* beta, const bool* mask, float* S, float* out, int64_t T,
                                          int64_t Hk, int64_t Hv, int64_t Dk, int64_t Dv, bool per_dim) {
  gated_delta_head<float>(q, k, v, g, beta, mask, S, out, T, Hk, Hv, Dk, Dv, per_dim);
}
MLX_SIMD_CLONES void gated_delta_head_f64(const double* q, const double* k, const double* v, const double* g,
                                          const double* beta, const bool* mask, double* S, double* out, int64_t T,
                                          int64_t Hk, int64_t Hv, int64_t Dk, int64_t Dv, bool per_dim) {
  gated_delta_head<double>(q, k, v, g, beta, mask, S, out, T, Hk, Hv, Dk, Dv, per_dim);
}

} // namespace

void CrossEntropy::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([inputs, out]() mutable {
    array l = contiguous_input(inputs[0]);
    array t = contiguous_input(inputs[1]);
    int64_t n = l.shape(-1);
    int64_t rows = static_cast<int64_t>(t.size());
    if (rows == 0) return;
    cpu::dispatch_dtype_in<kFloating>(l.dtype(), "cross_entropy", [&]<typename T>(T) {
      cross_entropy_kernel<T>(l.data<T>(), t.data<int64_t>(), out.data<float>(), rows, n);
    });
  });
}

void GatedDelta::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (auto& o : outputs) cpu::allocate_output(o);
  cpu::get_command_encoder(stream()).dispatch([inputs, outputs, has_mask = has_mask_]() mutable {
    std::vector<array> in;
    for (const array& a : inputs) in.push_back(contiguous_input(a));
    const array &q = in[0], &v = in[2], &g = in[3];
    int64_t B = q.shape(0), T = q.shape(1), Hk = q.shape(2), Dk = q.shape(3), Hv = v.shape(2), Dv = v.shape(3);
    bool per_dim = g.ndim() == 4;
    int64_t ratio = Hv / Hk;
    cpu::dispatch_dtype_in<kAccum>(q.dtype(), "gated_delta_update", [&]<typename C>(C) {
      C* state = outputs[1].data<C>();
      const C* s0 = in[5].data<C>();
      std::copy(s0, s0 + B * Hv * Dv * Dk, state);
      C* out = outputs[0].data<C>();
      const bool* mask = has_mask ? in[6].data<bool>() : nullptr;
      cpu::parallel_for(B * Hv, [&](int64_t lo, int64_t hi) {
        for (int64_t bh = lo; bh < hi; ++bh) {
          int64_t b = bh / Hv, h = bh % Hv, hk = h / ratio;
          auto head = [](auto... a) {
            if constexpr (std::is_same_v<C, float>) gated_delta_head_f32(a...);
            else gated_delta_head_f64(a...);
          };
          head(in[0].data<C>() + (b * T * Hk + hk) * Dk, in[1].data<C>() + (b * T * Hk + hk) * Dk,
                              v.data<C>() + (b * T * Hv + h) * Dv,
                              g.data<C>() + (b * T * Hv + h) * (per_dim ? Dk : 1),
                              in[4].data<C>() + b * T * Hv + h, mask ? mask + b * T : nullptr,
                              state + bh * Dv * Dk, out + (b * T * Hv + h) * Dv, T, Hk, Hv, Dk, Dv, per_dim);
        }
      }, std::max<int64_t>(1, cpu::parallel_threshold / 4 / std::max<int64_t>(T * Dv * Dk, 1)));
    });
  });
}

} // namespace mlx::core
