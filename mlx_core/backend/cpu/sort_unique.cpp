// Kernel of Unique: a stable index sort of each run along the last axis, then one walk over
// the groups of equal keys. All NaNs form one group (they sort last), as numpy.unique's
// equal_nan=True; -0 equals 0.
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/sort_keys.h"
#include "mlx_core/primitives/sort.h"

namespace mlx::core {

namespace {

template <typename T>
bool is_nan(const T& v) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    return v.real() != v.real() || v.imag() != v.imag();
  } else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, float16_t>) {
    return v != v;
  } else if constexpr (std::is_same_v<T, bfloat16_t>) {
    float f = static_cast<float>(v);
    return f != f;
  } else {
    return false;
  }
}

template <typename T>
void unique_kernel(const array& x_in, std::vector<array>& outs, int64_t size) {
  array x = x_in.flags().row_contiguous ? x_in : cpu::contiguous_copy(x_in, x_in.dtype());
  int64_t n = x.shape().back();
  int64_t rows = 1;
  for (int d = 0; d + 1 < x.ndim(); ++d) rows *= x.shape()[d];
  const T* px = x.data<T>();
  uint32_t* pidx = outs[0].data<uint32_t>();
  uint32_t* pinv = outs[1].data<uint32_t>();
  int32_t* pcnt = outs[2].data<int32_t>();
  using U = typename cpu::OrderKey<T>::U;
  using I = cpu::IndexItems<U>;
  cpu::parallel_for(rows, [&](int64_t first, int64_t last) {
    cpu::Scratch<typename I::Item> a, b, sorted;
    for (int64_t r = first; r < last; ++r) {
      const T* xs = px + r * n;
      uint32_t* is = pidx + r * size;
      uint32_t* inv = pinv + r * n;
      int32_t* cs = pcnt + r * size;
      int64_t groups = 0;
      uint32_t last_group = static_cast<uint32_t>(std::max<int64_t>(size - 1, 0));
      if (n > 0) {
        auto* res = sorted.get(n);
        cpu::order_run<T>(xs, 1, n, -1, a, b, [&](int64_t pos, const typename I::Item& it) { res[pos] = it; });
        int64_t start = 0;
        for (int64_t j = 1; j <= n; ++j) {
          // Group [start, j) ends before a new key; NaNs (of any payload) share one group.
          if (j < n) {
            bool nan_j = is_nan(xs[I::index(res[j])]), nan_prev = is_nan(xs[I::index(res[j - 1])]);
            if (nan_j ? nan_prev : (!nan_prev && I::key(res[j]) == I::key(res[j - 1]))) continue;
          }
          if (groups < size) {
            is[groups] = I::index(res[start]);
            cs[groups] = static_cast<int32_t>(j - start);
          }
          uint32_t g = static_cast<uint32_t>(std::min<int64_t>(groups, last_group));
          for (int64_t k = start; k < j; ++k) inv[I::index(res[k])] = g;
          ++groups;
          start = j;
        }
      }
      for (int64_t g = groups; g < size; ++g) {
        is[g] = groups > 0 ? is[0] : 0;
        cs[g] = 0;
      }
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 4 / std::max<int64_t>(n, 1)));
}

} // namespace

void Unique::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (auto& o : outputs) cpu::allocate_output(o);
  cpu::get_command_encoder(stream()).dispatch([x = inputs[0], outputs, size = size_]() mutable {
    cpu::dispatch_dtype(x.dtype(), [&]<typename T>(T) { unique_kernel<T>(x, outputs, size); });
  });
}

} // namespace mlx::core
