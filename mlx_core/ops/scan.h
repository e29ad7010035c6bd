// Cumulative reductions (scans) along one axis.
#pragma once
#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// Each scans along `axis`; the overloads without one scan the flattened array. `reverse`
// runs from the end; with inclusive=false element i leaves out input element i (the first
// output is the identity of the operation).
array cumsum(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cumsum(const array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cumprod(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cumprod(const array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cummax(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cummax(const array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cummin(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cummin(const array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
// log(cumsum(exp(a))) computed stably; integer inputs give float32.
array logcumsumexp(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array logcumsumexp(const array& a, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});

} // namespace mlx::core
