// The axis lists of the reductions (shared by reduce.cpp and softmax.cpp).
#pragma once
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core::detail {

// 0 .. a.ndim() - 1.
std::vector<int> every_axis(const array& a);
// Sorted, non-negative, unique axes; IndexError for an axis out of range, ValueError for a
// repeated one.
std::vector<int> reduction_axes(const std::vector<int>& axes, int ndim);

} // namespace mlx::core::detail
