// Ops that make arrays: ranges, constants, identity matrices, casts.
#pragma once
#include <optional>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// Values from start to stop (exclusive) by step; ValueError-type errors for step 0.
array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s = {});
// num evenly spaced values over [start, stop].
array linspace(double start, double stop, int num = 50, Dtype dtype = float32, StreamOrDevice s = {});
// An array of `shape` filled with `vals` (broadcast), cast to dtype.
array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s = {});
array full(Shape shape, array vals, StreamOrDevice s = {});
array zeros(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array ones(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array zeros_like(const array& a, StreamOrDevice s = {});
array ones_like(const array& a, StreamOrDevice s = {});
// n x m with ones on diagonal k.
array eye(int n, int m, int k = 0, Dtype dtype = float32, StreamOrDevice s = {});
array identity(int n, Dtype dtype = float32, StreamOrDevice s = {});
// Element-wise cast (a no-op when the dtype already matches).
array astype(array a, Dtype dtype, StreamOrDevice s = {});
// A copy that shares nothing with `a` once evaluated.
array copy(array a, StreamOrDevice s = {});
// The same values, but gradients do not flow through.
array stop_gradient(const array& a, StreamOrDevice s = {});

} // namespace mlx::core
