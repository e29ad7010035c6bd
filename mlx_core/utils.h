// Small shared helpers for ops: axis normalization and shape printing.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core {

// "(2,3)" as MLX prints shapes in messages.
std::string shape_str(const Shape& s);
// Maps a possibly negative axis into [0, ndim); std::out_of_range with the op's name if invalid.
int normalize_axis(int axis, int ndim, const char* op);
// The one axis rule: axis in [-ndim, ndim) mapped into [0, ndim), std::nullopt when out of
// range (for callers whose message or exception type differs from normalize_axis's).
std::optional<int> axis_in_range(int64_t axis, int64_t ndim);

} // namespace mlx::core
