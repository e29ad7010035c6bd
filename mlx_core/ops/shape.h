// Ops that change shape or layout; most are views of their input.
#pragma once
#include <optional>
#include <string>
#include <utility>
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

// Joins arrays (promoted to a common dtype) along axis; all other dims must match.
array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s = {});
// Joins the flattened arrays.
array concatenate(std::vector<array> arrays, StreamOrDevice s = {});
// Joins arrays of one shape along a new axis.
array stack(const std::vector<array>& arrays, int axis = 0, StreamOrDevice s = {});
// num_splits equal pieces along axis (ValueError when the size does not divide).
std::vector<array> split(const array& a, int num_splits, int axis = 0, StreamOrDevice s = {});
// Pieces a[i_k : i_{k+1}] along axis at the given indices (Python slice semantics).
std::vector<array> split(const array& a, const std::vector<int64_t>& indices, int axis = 0, StreamOrDevice s = {});
// The slices of a along axis, with that axis removed.
std::vector<array> unstack(const array& a, int axis = 0, StreamOrDevice s = {});
// Pads every axis i with pad_width[i] = (before, after) elements. mode: "constant" (fills
// with pad_value, cast to a's dtype), "edge", "reflect" or "symmetric".
array pad(const array& a, const std::vector<std::pair<int64_t, int64_t>>& pad_width, const array& pad_value,
          const std::string& mode = "constant", StreamOrDevice s = {});
namespace detail {
// pad in mode "edge", "reflect" or "symmetric" written with slices, flips and
// concatenations (the PadMirror primitive's gradient is this function's).
array pad_mirror_ops(const array& a, const Shape& low, const Shape& high, int mode, StreamOrDevice s = {});
} // namespace detail
// a repeated reps[i] times along each axis (NumPy's tile).
array tile(const array& a, std::vector<int64_t> reps, StreamOrDevice s = {});
// Each element repeated `repeats` times along axis.
array repeat(const array& a, int64_t repeats, int axis, StreamOrDevice s = {});
// The same over the flattened array.
array repeat(const array& a, int64_t repeats, StreamOrDevice s = {});
// Rolls along each axis by the matching shift (a single shift applies to every axis, a
// single axis takes the sum of the shifts).
array roll(const array& a, const std::vector<int64_t>& shift, const std::vector<int>& axes, StreamOrDevice s = {});
// Rolls the flattened array by the sum of shift, keeping the shape.
array roll(const array& a, const std::vector<int64_t>& shift, StreamOrDevice s = {});
// Reverses the order along the axes (a view).
array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
// Reverses every axis.
array flip(const array& a, StreamOrDevice s = {});
// Swaps the last two axes.
array matrix_transpose(const array& a, StreamOrDevice s = {});
// Splits axis into `shape` (one entry may be -1).
array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s = {});
array atleast_1d(const array& a, StreamOrDevice s = {});
array atleast_2d(const array& a, StreamOrDevice s = {});
array atleast_3d(const array& a, StreamOrDevice s = {});
// A view of a's elements (in row-major order) with the given shape, element strides and
// element offset. Raises ValueError when the view would reach outside a.
array as_strided(const array& a, Shape shape, Strides strides, int64_t offset, StreamOrDevice s = {});
// The adjoint of as_strided: a flat array of `size` zeros with each element of a added at
// offset + sum(index * stride) (a has the view's shape).
array strided_accumulate(const array& a, const Strides& strides, int64_t offset, ShapeElem size, StreamOrDevice s = {});
// a itself when row-contiguous (or column-contiguous if allowed), else a contiguous copy.
array contiguous(const array& a, bool allow_col_major = false, StreamOrDevice s = {});
// The n-th discrete difference along axis (not_equal for bool).
array diff(const array& a, int n = 1, int axis = -1, StreamOrDevice s = {});
// The Kronecker product.
array kron(const array& a, const array& b, StreamOrDevice s = {});
// The outer product of the flattened inputs.
array outer(const array& a, const array& b, StreamOrDevice s = {});
// The sum product over the last axes (a product when one is a scalar).
array inner(const array& a, const array& b, StreamOrDevice s = {});
// Diagonal `offset` of the planes spanned by axis1 and axis2, as a new last axis (a view).
array diagonal(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1, StreamOrDevice s = {});
// 1-D input: a square matrix with a on diagonal k; 2-D input: its diagonal k.
array diag(const array& a, int k = 0, StreamOrDevice s = {});
// The sum along the diagonal (cast to dtype first when given).
array trace(const array& a, int offset, int axis1, int axis2, std::optional<Dtype> dtype, StreamOrDevice s = {});

} // namespace mlx::core
