// Reductions over axes.
#pragma once
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// Each reduces over `axes` (all axes when the overload has none).
array sum(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array sum(const array& a, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, bool keepdims = false, StreamOrDevice s = {});
// Index (uint32) of the largest / smallest value along axis, or over the flattened array.
array argmax(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array argmax(const array& a, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, bool keepdims = false, StreamOrDevice s = {});

// True where every (any) element over `axes` is nonzero; bool.
array all(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, bool keepdims = false, StreamOrDevice s = {});
// Number of nonzero elements over `axes` (int32).
array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array count_nonzero(const array& a, bool keepdims = false, StreamOrDevice s = {});
// Variance (mean of |x - mean|^2, divided by n - ddof instead of n) and its square root.
array var(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array var(const array& a, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});

} // namespace mlx::core

// Scans, logsumexp and softmax are reductions' close kin; they come with this header.
#include "mlx_core/ops/scan.h"
#include "mlx_core/ops/softmax.h"
