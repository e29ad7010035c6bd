// Kernel of SearchSorted: a binary search over order keys per value.
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/sort_keys.h"
#include "mlx_core/primitives/sort.h"

namespace mlx::core {

namespace {

template <typename T>
void search_kernel(const array& sorted_in, const array& values_in, array& out, bool right, int batch_dims) {
  array sorted = sorted_in.flags().row_contiguous ? sorted_in : cpu::contiguous_copy(sorted_in, sorted_in.dtype());
  array values = values_in.flags().row_contiguous ? values_in : cpu::contiguous_copy(values_in, values_in.dtype());
  int64_t n = sorted.shape().back();
  int64_t batches = 1;
  for (int d = 0; d < batch_dims; ++d) batches *= sorted.shape()[d];
  int64_t total = static_cast<int64_t>(values.size());
  if (total == 0) return;
  int64_t per_batch = total / batches;
  const T* ps = sorted.data<T>();
  const T* pv = values.data<T>();
  uint32_t* po = out.data<uint32_t>();
  using K = cpu::OrderKey<T>;
  cpu::parallel_for(total, [&](int64_t first, int64_t last) {
    for (int64_t i = first; i < last; ++i) {
      const T* row = ps + (i / per_batch) * n;
      auto kv = K::key(pv[i]);
      int64_t lo = 0, hi = n;
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        auto k = K::key(row[mid]);
        if (right ? k <= kv : k < kv) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      po[i] = static_cast<uint32_t>(lo);
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 16));
}

} // namespace

void SearchSorted::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch(
      [sorted = inputs[0], values = inputs[1], out, right = right_, bd = batch_dims_]() mutable {
        cpu::dispatch_dtype(sorted.dtype(), [&]<typename T>(T) { search_kernel<T>(sorted, values, out, right, bd); });
      });
}

} // namespace mlx::core
