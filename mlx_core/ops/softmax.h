// logsumexp and softmax over axes.
#pragma once
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// log(sum(exp(a))) over `axes` (all axes when the overload has none), computed stably.
array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array logsumexp(const array& a, bool keepdims = false, StreamOrDevice s = {});
// exp(a) normalized to sum to one over `axes` (all axes when the overload has none).
// float16 / bfloat16 inputs always accumulate in float32, so `precise` changes nothing.
array softmax(const array& a, const std::vector<int>& axes, bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, bool precise = false, StreamOrDevice s = {});

} // namespace mlx::core
