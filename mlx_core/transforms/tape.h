// Graph walks shared by the transforms.
#pragma once
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core::detail {

// The nodes between `leaves` and `outputs` that depend on a leaf, each listed after its
// inputs. Iterative; the leaves themselves are not listed.
std::vector<array> dependent_tape(const std::vector<array>& outputs, const std::vector<array>& leaves);

} // namespace mlx::core::detail
