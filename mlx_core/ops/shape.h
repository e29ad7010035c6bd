// Ops that change shape or layout; most are views of their input.
#pragma once
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// One dimension may be -1 (inferred).
array reshape(const array& a, Shape shape, StreamOrDevice s = {});
array transpose(const array& a, std::vector<int> axes, StreamOrDevice s = {});
// Reverses the axes.
array transpose(const array& a, StreamOrDevice s = {});
array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s = {});
array moveaxis(const array& a, int source, int destination, StreamOrDevice s = {});
array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
// Removes every axis of size 1.
array squeeze(const array& a, StreamOrDevice s = {});
array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
std::vector<array> broadcast_arrays(const std::vector<array>& inputs, StreamOrDevice s = {});
// Merges axes start_axis..end_axis (inclusive) into one.
array flatten(const array& a, int start_axis = 0, int end_axis = -1, StreamOrDevice s = {});
// One axis of a slice after Python's rules, computed in 64 bits: start, stop and step as
// canonical bounds (stop is one step past the last element, so |step| < size when
// length >= 2; length 0 gives 0:0:1 and length 1 gives start:start+1:1).
struct SliceBounds {
  int64_t start, stop, step, length;
};
// Python slice semantics for any 64-bit start, stop and step (negative bounds count from
// the end, out-of-range bounds are clamped). Raises std::invalid_argument for a zero step.
SliceBounds normalize_slice(int64_t size, int64_t start, int64_t stop, int64_t step, const char* op = "slice");

// a[start:stop:strides] per axis; the bounds must be normalized (as normalize_slice gives
// them: every element taken lies inside the axis, else std::out_of_range). A view.
array slice(const array& a, Shape start, Shape stop, Shape strides, StreamOrDevice s = {});

// A copy of src with src[start:stop:strides] replaced by update (broadcast to the slice).
array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape strides, StreamOrDevice s = {});

// The shape two shapes broadcast to; std::invalid_argument when they cannot.
Shape broadcast_shapes(const Shape& a, const Shape& b);

} // namespace mlx::core
