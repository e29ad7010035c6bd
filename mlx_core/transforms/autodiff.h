// Reverse- and forward-mode differentiation.
#pragma once
#include <functional>
#include <utility>
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core {

using VectorFn = std::function<std::vector<array>(const std::vector<array>&)>;

// Outputs of fun(primals) and the vector-Jacobian products with cotangents (one per
// output; extra cotangents are ignored).
std::pair<std::vector<array>, std::vector<array>> vjp(
    const VectorFn& fun,
    const std::vector<array>& primals,
    const std::vector<array>& cotangents);

// Outputs of fun(primals) and the Jacobian-vector products with tangents.
std::pair<std::vector<array>, std::vector<array>> jvp(
    const VectorFn& fun,
    const std::vector<array>& primals,
    const std::vector<array>& tangents);

// Value of fun (whose first output must be a scalar) and its gradient with respect to
// the inputs listed in argnums.
std::pair<std::vector<array>, std::vector<array>> value_and_grad(
    const VectorFn& fun,
    const std::vector<array>& inputs,
    const std::vector<int>& argnums);

} // namespace mlx::core
