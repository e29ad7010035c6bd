// Sorting and selection: sort, argsort, partition, argpartition, topk, median,
// searchsorted and unique.
#pragma once
#include <optional>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// A copy of `a` sorted ascending along `axis` (NaN last), or of the flattened array.
array sort(const array& a, int axis, StreamOrDevice s = {});
array sort(const array& a, StreamOrDevice s = {});
// The uint32 indices that sort `a` along `axis` (stable), or the flattened array.
array argsort(const array& a, int axis, StreamOrDevice s = {});
array argsort(const array& a, StreamOrDevice s = {});
// A copy of `a` with the element of sorted position `kth` (negative counts from the end) in
// place along `axis`, the smaller ones before it and the others after, or of the flattened array.
array partition(const array& a, int kth, int axis, StreamOrDevice s = {});
array partition(const array& a, int kth, StreamOrDevice s = {});
// The uint32 indices that partition `a` as partition does.
array argpartition(const array& a, int kth, int axis, StreamOrDevice s = {});
array argpartition(const array& a, int kth, StreamOrDevice s = {});
// The k largest elements along `axis` (in no particular order), or of the flattened array.
array topk(const array& a, int k, int axis, StreamOrDevice s = {});
array topk(const array& a, int k, StreamOrDevice s = {});
// The median over `axes` (all axes without them); integers and bool give float32, and a NaN
// anywhere in a reduced run gives NaN.
array median(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array median(const array& a, bool keepdims = false, StreamOrDevice s = {});
// The uint32 insertion points of `values` in the ascending 1-D `sorted` that keep it sorted:
// before equal elements, or after them when `right`.
array searchsorted(const array& sorted, const array& values, bool right = false, StreamOrDevice s = {});

// The sorted unique elements of the flattened `a`, exactly `size` of them, and the index of
// each one's first occurrence, the inverse indices (a's shape) and the counts. Past the last
// unique element come `fill_value` (the first unique element when absent), the index of the
// first unique element and count 0; a smaller size keeps the smallest ones.
std::vector<array> unique(const array& a, int64_t size, const std::optional<array>& fill_value = std::nullopt,
                          StreamOrDevice s = {});

namespace detail {
// x with each run along `axis` reordered by perm (same shape, uint32): out[i] = x[perm[i]],
// or out[perm[i]] = x[i] when `inverse`. Differentiable in x.
array permute_along_axis(const array& x, const array& perm, int axis, bool inverse, StreamOrDevice s = {});
} // namespace detail

} // namespace mlx::core
