// Kernels that copy, cast or fill: Copy, AsType, StopGradient, Arange, and the helpers
// used by other kernels to make contiguous copies.
#include <cstring>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/copy.h"

namespace mlx::core {

namespace cpu {

void copy_strided(const array& in, void* dst, Dtype dst_dtype, const Strides& dst_strides) {
  if (in.size() == 0) return;
  dispatch_dtype(in.dtype(), [&]<typename In>(In) {
    dispatch_dtype(dst_dtype, [&]<typename Out>(Out) {
      const In* src = in.data<In>();
      Out* out = static_cast<Out*>(dst);
      bool dst_rows = compute_layout_flags(in.shape(), dst_strides).row_contiguous;
      if (in.flags().row_contiguous && dst_rows) {
        size_t n = in.size();
        if constexpr (std::is_same_v<In, Out>) {
          std::memcpy(out, src, n * sizeof(In));
        } else {
          cast_contiguous(src, out, static_cast<int64_t>(n));
        }
        return;
      }
      for_each_run<2>(in.shape(), {&dst_strides, &in.strides()}, [&](auto offs, int64_t n, auto inner) {
        Out* o = out + offs[0];
        const In* s = src + offs[1];
        int64_t so = inner[0], si = inner[1];
        if (so == 1 && si == 1) {
          for (int64_t i = 0; i < n; ++i) o[i] = cast_value<Out>(s[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) o[i * so] = cast_value<Out>(s[i * si]);
        }
      });
    });
  });
}

array contiguous_copy(const array& in, Dtype dtype) {
  array out(in.shape(), dtype, nullptr, {});
  allocate_output(out);
  copy_strided(in, out.raw_data(), dtype, out.strides());
  return out;
}

} // namespace cpu

void Copy::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::copy_strided(inputs[0], out.raw_data(), out.dtype(), out.strides());
}

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::copy_strided(inputs[0], out.raw_data(), out.dtype(), out.strides());
}

void StopGradient::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}

void Arange::eval_cpu(const std::vector<array>&, array& out) {
  cpu::allocate_output(out);
  size_t n = out.size();
  cpu::dispatch_dtype(out.dtype(), [&]<typename T>(T) {
    T* o = out.data<T>();
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      int64_t start = static_cast<int64_t>(start_), step = static_cast<int64_t>(step_);
      for (size_t i = 0; i < n; ++i) o[i] = static_cast<T>(start + static_cast<int64_t>(i) * step);
    } else {
      for (size_t i = 0; i < n; ++i) o[i] = cast_value<T>(start_ + static_cast<double>(i) * step_);
    }
  });
}

} // namespace mlx::core
