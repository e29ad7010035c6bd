#include "mlx_core/primitives/view.h"

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

namespace {

Shape view_shape(const array& a, Dtype dtype) {
  Shape shape = a.shape();
  size_t in = a.itemsize(), out = dtype.size;
  if (in == out) return shape;
  if (a.ndim() == 0) {
    throw std::invalid_argument("[view] Changing the type of a scalar is only allowed for types with the same size.");
  }
  int64_t bytes = static_cast<int64_t>(shape.back()) * static_cast<int64_t>(in);
  if (out > in && bytes % static_cast<int64_t>(out) != 0) {
    throw std::invalid_argument(
        "[view] When viewing as a larger dtype, the size in bytes of the last axis must be a multiple of the "
        "requested type size.");
  }
  int64_t last = bytes / static_cast<int64_t>(out);
  if (last > std::numeric_limits<ShapeElem>::max()) {
    throw std::overflow_error("[view] The last axis of the view does not fit in 32 bits.");
  }
  shape.back() = static_cast<ShapeElem>(last);
  return shape;
}

} // namespace

array view(const array& a, Dtype dtype, StreamOrDevice s) {
  if (dtype == a.dtype()) return a;
  Shape shape = view_shape(a, dtype);
  return array(std::move(shape), dtype, std::make_shared<View>(to_stream(s), dtype), {a});
}

std::vector<Shape> View::output_shapes(const std::vector<array>& inputs) {
  return {view_shape(inputs[0], dtype_)};
}

std::vector<array> View::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  return {view(cotangents[0], primals[0].dtype())};
}

std::vector<array> View::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {view(tangents[0], dtype_)};
}

std::pair<std::vector<array>, std::vector<int>> View::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  // The last axis is rescaled, so a batch axis there moves to the front first.
  int ax = axes[0];
  array x = inputs[0];
  if (ax >= 0 && ax == x.ndim() - 1) {
    x = moveaxis(x, ax, 0);
    ax = 0;
  }
  return {{view(x, dtype_)}, {ax}};
}

} // namespace mlx::core
