// Graph walks shared by the transforms.
#pragma once
#include <unordered_set>
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core::detail {

// The nodes between `leaves` and `outputs` that depend on a leaf, each listed after its
// inputs. Iterative; the leaves themselves are not listed. When `depends` is given it
// receives the ids of the leaves and of every output of the listed nodes. With
// `differentiating`, a stop_gradient node cuts the dependence (autodiff never walks past it).
std::vector<array> dependent_tape(
    const std::vector<array>& outputs,
    const std::vector<array>& leaves,
    std::unordered_set<uintptr_t>* depends = nullptr,
    bool differentiating = false);

} // namespace mlx::core::detail
