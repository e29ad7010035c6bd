// mx.linalg.norm: vector and matrix norms (NumPy's definitions), composed of reductions.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core::linalg {

// Numeric ord (None when absent): over one axis a vector norm (inf, -inf, 0, any p), over two
// axes a matrix norm (1, -1, inf, -inf); no axis means all of a 1-d or 2-d input, and with
// no ord the 2-norm of the flattened input of any rank.
array norm(const array& a, std::optional<double> ord = std::nullopt,
           std::optional<std::vector<int>> axis = std::nullopt, bool keepdims = false, StreamOrDevice s = {});

// String ord: "fro" (matrices only).
array norm(const array& a, const std::string& ord, std::optional<std::vector<int>> axis = std::nullopt,
           bool keepdims = false, StreamOrDevice s = {});

// The singular values (..., min(m, n)), descending, of a batch of real matrices (..., m, n);
// half types compute in float32, integers in float32. Differentiable.
array singular_values(const array& a, StreamOrDevice s = {});

// U (..., m, k), S (..., k), Vt (..., k, n) of the reduced SVD (the gradient rules use them).
std::vector<array> svd_factors(const array& a, StreamOrDevice s = {});

} // namespace mlx::core::linalg
