// Gather/scatter ops: validation, shapes and node building (kernels in backend/cpu/gather.cpp
// and scatter.cpp).
#include "mlx_core/ops/indexing.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "mlx_core/ops.h"
#include "mlx_core/utils.h"

namespace mlx::core {

namespace {

// The index arrays broadcast to one shape and cast to one of the dtypes the kernels take
// (int32, int64, uint32, uint64).
std::vector<array> prepare_indices(const std::vector<array>& indices, const char* op, StreamOrDevice s) {
  if (indices.empty()) return {};
  for (const auto& i : indices) {
    if (!is_integral(i.dtype()))
      throw std::invalid_argument(std::string("[") + op + "] Got indices with invalid dtype. Indices must be integral.");
  }
  std::vector<array> out = indices.size() == 1 ? indices : broadcast_arrays(indices, s);
  auto kernel_type = [](Dtype d) {
    if (d == int32 || d == int64 || d == uint32 || d == uint64) return d;
    return int32;
  };
  Dtype common = kernel_type(out[0].dtype());
  for (auto& i : out) {
    if (kernel_type(i.dtype()) != common) common = int64;
  }
  for (auto& i : out) {
    if (i.dtype() != common) i = astype(i, common, s);
  }
  return out;
}

std::vector<int> check_axes(std::vector<int> axes, int ndim, size_t n_indices, const char* op) {
  if (axes.size() != n_indices)
    throw std::invalid_argument(std::string("[") + op + "] Got " + std::to_string(n_indices) +
                                " index arrays for " + std::to_string(axes.size()) + " axes.");
  std::vector<bool> seen(ndim, false);
  for (auto& ax : axes) {
    ax = normalize_axis(ax, ndim, op);
    if (seen[ax]) throw std::invalid_argument(std::string("[") + op + "] Repeated axis.");
    seen[ax] = true;
  }
  return axes;
}

Shape concat_shapes(const Shape& a, const Shape& b) {
  Shape s = a;
  s.insert(s.end(), b.begin(), b.end());
  return s;
}

// Index arrays addressing every position of shape `b` with `idx` along `axis` (aranges on
// the other axes), for take_along_axis / put_along_axis.
std::vector<array> along_axis_indices(const array& a, const array& idx, int axis, const char* op, StreamOrDevice s) {
  if (!is_integral(idx.dtype()))
    throw std::invalid_argument(std::string("[") + op + "] Got indices with invalid dtype. Indices must be integral.");
  if (idx.ndim() != a.ndim())
    throw std::invalid_argument(std::string("[") + op + "] Indices of dimension " + std::to_string(idx.ndim()) +
                                " does not match array of dimension " + std::to_string(a.ndim()) + ".");
  std::vector<array> out;
  for (int d = 0; d < a.ndim(); ++d) {
    if (d == axis) {
      out.push_back(idx);
      continue;
    }
    Shape shp(a.ndim(), 1);
    shp[d] = a.shape(d);
    Dtype t = a.shape(d) <= INT32_MAX ? int32 : int64;
    out.push_back(reshape(arange(0, a.shape(d), 1, t, s), shp, s));
  }
  return out;
}

} // namespace

array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes_in,
             const Shape& slice_sizes, StreamOrDevice s) {
  std::vector<int> axes = check_axes(axes_in, a.ndim(), indices.size(), "gather");
  if (static_cast<int>(slice_sizes.size()) != a.ndim())
    throw std::invalid_argument("[gather] Got slice sizes of length " + std::to_string(slice_sizes.size()) +
                                " for an array with " + std::to_string(a.ndim()) + " dimensions.");
  for (int d = 0; d < a.ndim(); ++d) {
    // An indexed axis of size 0 may ask for a slice of 1: every index then fails its check.
    bool indexed = std::find(axes.begin(), axes.end(), d) != axes.end();
    ShapeElem most = indexed ? std::max<ShapeElem>(a.shape(d), 1) : a.shape(d);
    if (slice_sizes[d] < 0 || slice_sizes[d] > most)
      throw std::invalid_argument("[gather] Slice sizes must be in [0, shape(axis)].");
  }
  std::vector<array> idx = prepare_indices(indices, "gather", s);
  Shape b = idx.empty() ? Shape{} : idx[0].shape();
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  return array(concat_shapes(b, slice_sizes), a.dtype(), std::make_shared<Gather>(to_stream(s), axes, slice_sizes),
               std::move(inputs));
}

array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes_in, ScatterReduce reduce, StreamOrDevice s) {
  std::vector<int> axes = check_axes(axes_in, a.ndim(), indices.size(), "scatter");
  std::vector<array> idx = prepare_indices(indices, "scatter", s);
  Shape b = idx.empty() ? Shape{} : idx[0].shape();
  if (updates.ndim() < a.ndim())
    throw std::invalid_argument("[scatter] Updates with " + std::to_string(updates.ndim()) +
                                " dimensions for an array with " + std::to_string(a.ndim()) + ".");
  Shape slice(updates.shape().end() - a.ndim(), updates.shape().end());
  for (int d = 0; d < a.ndim(); ++d) {
    // As in gather: an indexed axis of size 0 may take a slice of 1 (any index then fails
    // its check; with no indices nothing is written).
    bool indexed = std::find(axes.begin(), axes.end(), d) != axes.end();
    ShapeElem most = indexed ? std::max<ShapeElem>(a.shape(d), 1) : a.shape(d);
    if (slice[d] > most)
      throw std::invalid_argument("[scatter] Update slice " + shape_str(slice) + " does not fit in an array of shape " +
                                  shape_str(a.shape()) + ".");
  }
  Shape ushape = concat_shapes(b, slice);
  array upd = astype(updates, a.dtype(), s);
  if (upd.shape() != ushape) upd = broadcast_to(upd, ushape, s);
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  inputs.push_back(upd);
  return array(a.shape(), a.dtype(), std::make_shared<Scatter>(to_stream(s), axes, reduce), std::move(inputs));
}

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "take");
  if (a.shape(axis) == 0 && indices.size() > 0)
    throw std::invalid_argument("[take] Cannot do a non-empty take from an empty axis.");
  int m = indices.ndim();
  int64_t before = 1;
  for (int d = 0; d < axis; ++d) before *= a.shape(d);
  if (m > 0 && before > 1 && indices.size() > 0) {
    // Gather straight into the result's layout: a as [1, ..., 1, before, n, after...]
    // (the taken axis keeps its number for error messages), a row index per `before`
    // position and the indices broadcast against it. Gathering with the index dims first
    // and transposing would leave a view whose consumers read memory out of order.
    Shape as(axis - 1, 1);
    as.push_back(static_cast<ShapeElem>(before));
    as.insert(as.end(), a.shape().begin() + axis, a.shape().end());
    Shape ss(as.size(), 1);
    for (size_t d = axis + 1; d < as.size(); ++d) ss[d] = as[d];
    Dtype rt = before <= INT32_MAX ? int32 : int64;
    array rows = reshape(arange(0, static_cast<double>(before), 1, rt, s), {static_cast<ShapeElem>(before), 1}, s);
    array cols = reshape(indices, {1, static_cast<ShapeElem>(indices.size())}, s);
    array g = gather(reshape(a, as, s), {rows, cols}, {axis - 1, axis}, ss, s);
    Shape out(a.shape().begin(), a.shape().begin() + axis);
    out.insert(out.end(), indices.shape().begin(), indices.shape().end());
    out.insert(out.end(), a.shape().begin() + axis + 1, a.shape().end());
    return reshape(g, out, s);
  }
  Shape ss = a.shape();
  ss[axis] = 1;
  array g = gather(a, {indices}, {axis}, ss, s);
  // g: indices.shape + a.shape with a 1 at axis; drop it and move the index dims to axis.
  g = squeeze(g, {m + axis}, s);
  if (axis == 0 || m == 0) {
    if (m == 0) return g;
    return g;
  }
  std::vector<int> perm;
  for (int d = 0; d < axis; ++d) perm.push_back(m + d);
  for (int d = 0; d < m; ++d) perm.push_back(d);
  for (int d = m + axis; d < g.ndim(); ++d) perm.push_back(d);
  return transpose(g, perm, s);
}

array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(reshape(a, {-1}, s), indices, 0, s);
}

array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "take_along_axis");
  std::vector<array> idx = along_axis_indices(a, indices, axis, "take_along_axis", s);
  std::vector<int> axes(a.ndim());
  for (int d = 0; d < a.ndim(); ++d) axes[d] = d;
  array g = gather(a, idx, axes, Shape(a.ndim(), 1), s);
  Shape out(g.shape().begin(), g.shape().begin() + (g.ndim() - a.ndim()));
  return reshape(g, out, s);
}

namespace {
// put_along_axis with the values combined in by `reduce`.
array scatter_along_axis(const array& a, const array& indices, const array& values, int axis,
                         ScatterReduce reduce, const char* op, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), op);
  std::vector<array> idx = along_axis_indices(a, indices, axis, op, s);
  // The indices and the values broadcast together, as in the reference (an index repeated
  // along a broadcast axis writes its position repeatedly: the last write wins).
  Shape b = values.shape();
  for (const auto& i : idx) b = broadcast_shapes(b, i.shape());
  for (auto& i : idx) i = broadcast_to(i, b, s);
  std::vector<int> axes(a.ndim());
  for (int d = 0; d < a.ndim(); ++d) axes[d] = d;
  array v = broadcast_to(values, b, s);
  Shape us = b;
  for (int d = 0; d < a.ndim(); ++d) us.push_back(1);
  return scatter(a, idx, reshape(v, us, s), axes, reduce, s);
}
} // namespace

array put_along_axis(const array& a, const array& indices, const array& values, int axis, StreamOrDevice s) {
  return scatter_along_axis(a, indices, values, axis, ScatterReduce::None, "put_along_axis", s);
}

array scatter_add_along_axis(const array& a, const array& indices, const array& values, int axis, StreamOrDevice s) {
  return scatter_along_axis(a, indices, values, axis, ScatterReduce::Add, "scatter_add_along_axis", s);
}

namespace {
std::vector<array> start_index_arrays(const array& start, size_t n, const char* op, StreamOrDevice s) {
  if (!is_integral(start.dtype()))
    throw std::invalid_argument(std::string("[") + op + "] Start indices must be integral.");
  if (start.ndim() > 1 || static_cast<size_t>(start.size()) != n)
    throw std::invalid_argument(std::string("[") + op + "] Expected " + std::to_string(n) +
                                " start indices (one per axis), got shape " + shape_str(start.shape()) + ".");
  std::vector<array> out;
  array flat = reshape(start, {-1}, s);
  for (size_t j = 0; j < n; ++j) {
    ShapeElem jj = static_cast<ShapeElem>(j);
    out.push_back(reshape(slice(flat, Shape{jj}, Shape{jj + 1}, Shape{1}, s), {}, s));
  }
  return out;
}
} // namespace

array dynamic_slice(const array& a, const array& start_indices, std::vector<int> axes, Shape slice_size, StreamOrDevice s) {
  if (static_cast<int>(slice_size.size()) != a.ndim())
    throw std::invalid_argument("[slice] Slice size must have one entry per axis of the input.");
  std::vector<array> idx = start_index_arrays(start_indices, axes.size(), "slice", s);
  return gather(a, idx, axes, slice_size, s);
}

array dynamic_slice_update(const array& a, const array& update, const array& start_indices, std::vector<int> axes,
                   StreamOrDevice s) {
  if (update.ndim() > a.ndim())
    throw std::invalid_argument("[slice_update] The update has more dimensions than the array.");
  Shape us = update.shape();
  us.insert(us.begin(), a.ndim() - update.ndim(), 1);
  std::vector<array> idx = start_index_arrays(start_indices, axes.size(), "slice_update", s);
  return scatter(a, idx, reshape(update, us, s), axes, ScatterReduce::None, s);
}

} // namespace mlx::core
