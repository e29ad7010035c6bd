// The matrix-product family built on matmul: addmm, tensordot, vecdot, gather_mm,
// segmented_mm, block_masked_mm and hadamard_transform. Each is composed of existing ops, so
// gradients, jvps and vmap come from theirs.
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// beta * c + alpha * (a @ b); c broadcasts against the product.
array addmm(const array& c, const array& a, const array& b, float alpha = 1.0f, float beta = 1.0f,
            StreamOrDevice s = {});

// Contracts the last `axes` axes of a with the first `axes` axes of b.
array tensordot(const array& a, const array& b, int axes = 2, StreamOrDevice s = {});

// Contracts axes_a of a with axes_b of b (pairwise, same sizes); the free axes of a then b remain.
array tensordot(const array& a, const array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
                StreamOrDevice s = {});

// sum(conj(a) * b) over `axis` after broadcasting a and b (NumPy's vecdot).
array vecdot(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});

// Batched matmul whose left (right) matrices are picked from a's (b's) flattened batch by
// lhs_indices (rhs_indices); the index arrays broadcast together and lead the output shape.
array gather_mm(const array& a, const array& b, std::optional<array> lhs_indices = std::nullopt,
                std::optional<array> rhs_indices = std::nullopt, bool sorted_indices = false,
                StreamOrDevice s = {});

// For each [start, end) pair in segments (shape (..., 2)): a[:, start:end] @ b[start:end, :].
array segmented_mm(const array& a, const array& b, const array& segments, StreamOrDevice s = {});

// a @ b where block_size x block_size tiles of the output, a and b are masked (bool) or
// scaled (floating) by mask_out, mask_lhs and mask_rhs (one value per tile).
array block_masked_mm(const array& a, const array& b, int block_size = 64,
                      std::optional<array> mask_out = std::nullopt, std::optional<array> mask_lhs = std::nullopt,
                      std::optional<array> mask_rhs = std::nullopt, StreamOrDevice s = {});

// The Walsh-Hadamard transform over the last axis (size m * 2^k, m in {1, 12, 20, 28}),
// times scale (default 1/sqrt(n)).
array hadamard_transform(const array& a, std::optional<float> scale = std::nullopt, StreamOrDevice s = {});

} // namespace mlx::core
