// Small shared helpers for ops: axis normalization and shape printing.
#pragma once
#include <string>
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core {

// "(2,3)" as MLX prints shapes in messages.
std::string shape_str(const Shape& s);
// Maps a possibly negative axis into [0, ndim); std::out_of_range with the op's name if invalid.
int normalize_axis(int axis, int ndim, const char* op);

} // namespace mlx::core
