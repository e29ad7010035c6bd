// einsum and einsum_path: pairwise contractions through matmul in a greedy order.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// The contraction order einsum uses (pairs of positions in the running operand list; each
// contracted pair is removed and its result appended) and a report of its cost, as
// NumPy's einsum_path prints it.
std::pair<std::vector<std::vector<int>>, std::string> einsum_path(const std::string& subscripts,
                                                                  const std::vector<array>& operands);

// Einstein summation over the operands (NumPy's subscripts, ellipsis and implicit output),
// contracted pairwise in einsum_path's order: diagonals and lone indices first, then one
// batched matmul per pair, never a broadcast product of all operands.
array einsum(const std::string& subscripts, const std::vector<array>& operands, StreamOrDevice s = {});

} // namespace mlx::core
