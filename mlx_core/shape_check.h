// The checked element count of a shape, used wherever an array or a shape is made.
#pragma once
#include <cstddef>

#include "mlx_core/array.h"

namespace mlx::core {

// Product of the dimensions, checked: std::invalid_argument (ValueError) "[op] ..." when a
// dimension is negative or when the element count or its size in bytes (itemsize bytes
// each) passes 2^63 - 1. Every array constructor calls it (op "array"); ops that make
// shapes call it with their own name first.
size_t checked_shape_size(const Shape& shape, size_t itemsize, const char* op);

} // namespace mlx::core
