// Helpers for the vmap rules of the primitives.
#pragma once
#include "mlx_core/ops/shape.h"

namespace mlx::core::detail {

// Moves a batched input's batch axis to the front (unbatched inputs, axis -1, as is).
inline array batch_to_front(const array& x, int axis) {
  return axis <= 0 ? x : moveaxis(x, axis, 0);
}

// Size of the batch axis among the inputs.
inline int batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) return inputs[i].shape()[axes[i]];
  }
  return 1;
}

// A batched input with the batch at the front, or an unbatched one broadcast along a new
// front axis of size `batch`.
inline array batched_at_front(const array& x, int axis, int batch) {
  if (axis >= 0) return batch_to_front(x, axis);
  Shape shape = x.shape();
  shape.insert(shape.begin(), batch);
  return broadcast_to(x, shape);
}

} // namespace mlx::core::detail
