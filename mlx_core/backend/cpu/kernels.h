// Shared helpers of the CPU kernels.
#pragma once
#include <memory>

#include "mlx_core/array.h"

namespace mlx::core::cpu {

// Gives `out` a fresh row-contiguous buffer (from the allocator's cache).
inline void allocate_output(array& out) {
  out.set_data(std::make_shared<Data>(std::max<size_t>(out.nbytes(), 1)));
}

// Gives `out` the buffer of `in`, for an op that updates a copy of `in` (scatter, slice
// update) to do it in place, when nothing else can see `in` (is_donatable), `out` is not
// a tracer (a transform may still read `in`), and the two have one row-contiguous layout
// over the whole buffer. Otherwise gives `out` a fresh buffer. Returns whether it donated.
inline bool donate_or_allocate(const array& in, array& out) {
  if (!out.is_tracer() && in.dtype() == out.dtype() && in.shape() == out.shape() && in.flags().row_contiguous &&
      in.offset() == 0 && in.data_size() == in.size() && in.is_donatable()) {
    out.copy_shared_buffer(in);
    return true;
  }
  allocate_output(out);
  return false;
}

// Copies `in` (any layout) into `dst`, laid out with dst_strides (elements), casting to
// dst_dtype. dst points at element [0, ..., 0].
void copy_strided(const array& in, void* dst, Dtype dst_dtype, const Strides& dst_strides);

// A row-contiguous copy of `in` cast to dtype (a new, evaluated array).
array contiguous_copy(const array& in, Dtype dtype);

} // namespace mlx::core::cpu
