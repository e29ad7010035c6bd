// Vectorizing map.
#pragma once
#include "mlx_core/transforms/autodiff.h"

namespace mlx::core {

// fun mapped over axis in_axes[i] of input i (-1: not mapped); the outputs carry the
// mapped axis at out_axes[j] (at axis 0 for every output when out_axes is empty).
VectorFn vmap(const VectorFn& fun, const std::vector<int>& in_axes, const std::vector<int>& out_axes);

} // namespace mlx::core
