// Ops that make arrays: ranges, constants, identity matrices, casts.
#pragma once
#include <optional>
#include <string>
#include <vector>

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
// `a` cast to inexact_dtype(a.dtype()): integer and bool inputs become float32, others stay.
array to_inexact(const array& a, StreamOrDevice s = {});
// A copy that shares nothing with `a` once evaluated.
array copy(array a, StreamOrDevice s = {});
// The same values, but gradients do not flow through.
array stop_gradient(const array& a, StreamOrDevice s = {});
// `a` under a new node that shares its memory (no copy); derivatives pass through.
array alias(const array& a, StreamOrDevice s = {});
// An array like a (shape, and dtype unless given) filled with vals (broadcast).
array full_like(const array& a, const array& vals, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
// n x m, ones at and below diagonal k.
array tri(int n, int m, int k = 0, Dtype dtype = float32, StreamOrDevice s = {});
// x with the elements above (tril) / below (triu) diagonal k of the last two axes zeroed.
array tril(const array& x, int k = 0, StreamOrDevice s = {});
array triu(const array& x, int k = 0, StreamOrDevice s = {});
// Coordinate arrays from 1-D coordinate vectors (flattened); indexing "xy" or "ij".
std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse = false, const std::string& indexing = "xy",
                            StreamOrDevice s = {});
// Window functions of M points (float32), as NumPy defines them.
array bartlett(int M, StreamOrDevice s = {});
array blackman(int M, StreamOrDevice s = {});
array hamming(int M, StreamOrDevice s = {});
array hanning(int M, StreamOrDevice s = {});

} // namespace mlx::core
