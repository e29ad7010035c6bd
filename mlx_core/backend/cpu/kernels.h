// Shared helpers of the CPU kernels.
#pragma once
#include <memory>

#include "mlx_core/array.h"

namespace mlx::core::cpu {

// Gives `out` a fresh row-contiguous buffer (from the allocator's cache).
inline void allocate_output(array& out) {
  out.set_data(std::make_shared<Data>(std::max<size_t>(out.nbytes(), 1)));
}

// Copies `in` (any layout) into `dst`, laid out with dst_strides (elements), casting to
// dst_dtype. dst points at element [0, ..., 0].
void copy_strided(const array& in, void* dst, Dtype dst_dtype, const Strides& dst_strides);

// A row-contiguous copy of `in` cast to dtype (a new, evaluated array).
array contiguous_copy(const array& in, Dtype dtype);

} // namespace mlx::core::cpu
