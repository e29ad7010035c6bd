// Shared pieces of the gather and scatter kernels.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core::cpu {

[[noreturn]] void index_error(const char* op, int64_t value, bool huge, int axis, int64_t size, int64_t slice);

// The position along an axis of size `dim` that an index value selects for a slice of
// length `slice` (negative values count from the end); IndexError if the slice would leave
// the axis.
template <typename IdxT>
inline int64_t checked_index(IdxT raw, int64_t dim, int64_t slice, int axis, const char* op) {
  int64_t v;
  if constexpr (std::is_unsigned_v<IdxT>) {
    if (static_cast<uint64_t>(raw) > static_cast<uint64_t>(INT64_MAX)) index_error(op, 0, true, axis, dim, slice);
    v = static_cast<int64_t>(raw);
  } else {
    v = static_cast<int64_t>(raw);
    if (v < 0) v += dim;
  }
  if (v < 0 || v > dim - slice) index_error(op, static_cast<int64_t>(raw), false, axis, dim, slice);
  return v;
}

// The element offsets (in `strides`) of the runs of a slice of `slice` elements per axis,
// with the runs' common length and inner stride: runs are merged across axes where the
// strides allow.
struct SliceRuns {
  std::vector<int64_t> offsets;
  int64_t length = 1;
  int64_t stride = 1;
};
SliceRuns slice_runs(const Shape& slice, const Strides& strides);

// Index arrays in row-contiguous layout (copies of the others), and their raw pointers.
std::vector<array> contiguous_indices(const std::vector<array>& inputs, size_t first, size_t n);

} // namespace mlx::core::cpu
