// Gather/scatter ops: take, take_along_axis, put_along_axis, dynamic slices and the
// general gather/scatter that NumPy-style indexing builds on.
#pragma once
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"
#include "mlx_core/primitives/indexing.h"

namespace mlx::core {

// Slices of `a` at the positions the index arrays give along `axes` (one array per axis;
// the arrays broadcast together to B). The result has shape B + slice_sizes.
array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, StreamOrDevice s = {});

// A copy of `a` with `updates` (shape B + slice sizes, broadcast if needed) combined in at
// the positions the index arrays give along `axes`.
array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, ScatterReduce reduce = ScatterReduce::None,
              StreamOrDevice s = {});

// Elements of `a` along `axis` at `indices`: a.shape[:axis] + indices.shape + a.shape[axis+1:].
array take(const array& a, const array& indices, int axis, StreamOrDevice s = {});
// Elements of the flattened `a` at `indices` (shape of indices).
array take(const array& a, const array& indices, StreamOrDevice s = {});

// out[..., i, ...] = a[..., indices[..., i, ...], ...] along `axis`; indices broadcast
// with `a` on the other axes.
array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s = {});
// A copy of `a` with values written at `indices` along `axis` (values broadcast to indices).
array put_along_axis(const array& a, const array& indices, const array& values, int axis,
                     StreamOrDevice s = {});
// A copy of `a` with values added at `indices` along `axis` (repeated indices accumulate).
array scatter_add_along_axis(const array& a, const array& indices, const array& values, int axis,
                             StreamOrDevice s = {});

// The slice of `a` of size slice_size starting at start_indices (a 0-d or 1-d integer array,
// one start per axis of `axes`; a value read when evaluated).
array dynamic_slice(const array& a, const array& start_indices, std::vector<int> axes, Shape slice_size,
            StreamOrDevice s = {});
// A copy of `a` with `update` written at start_indices along `axes` (dynamic slice_update).
array dynamic_slice_update(const array& a, const array& update, const array& start_indices, std::vector<int> axes,
                   StreamOrDevice s = {});

} // namespace mlx::core
