// Gradient and batching rules of the layout primitives and Matmul.
#include "mlx_core/primitives/shape.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

std::vector<array> Reshape::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>&) {
  return {reshape(cotangents[0], primals[0].shape())};
}
std::vector<array> Reshape::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                const std::vector<int>&) {
  return {reshape(tangents[0], shape_)};
}
std::pair<std::vector<array>, std::vector<int>> Reshape::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  Shape shape = shape_;
  shape.insert(shape.begin(), x.shape()[0]);
  return {{reshape(x, shape)}, {0}};
}

std::vector<array> Transpose::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  std::vector<int> inverse(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) inverse[axes_[i]] = static_cast<int>(i);
  return {transpose(cotangents[0], inverse)};
}
std::vector<array> Transpose::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {transpose(tangents[0], axes_)};
}
std::pair<std::vector<array>, std::vector<int>> Transpose::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  std::vector<int> perm{0};
  for (int a : axes_) perm.push_back(a + 1);
  return {{transpose(x, perm)}, {0}};
}

std::vector<array> Broadcast::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  // Sum over the axes the broadcast added or stretched.
  const Shape& in = primals[0].shape();
  int diff = static_cast<int>(shape_.size() - in.size());
  std::vector<int> axes;
  for (int i = 0; i < static_cast<int>(shape_.size()); ++i) {
    if (i < diff || (in[i - diff] == 1 && shape_[i] != 1)) axes.push_back(i);
  }
  array g = axes.empty() ? cotangents[0] : sum(cotangents[0], axes, true);
  return {reshape(g, in)};
}
std::vector<array> Broadcast::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_)};
}
std::pair<std::vector<array>, std::vector<int>> Broadcast::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  int batch = x.shape()[0];
  // Pad the unbatched rank up to the target's, keeping the batch axis in front.
  Shape padded{batch};
  padded.insert(padded.end(), shape_.size() - (x.ndim() - 1), 1);
  padded.insert(padded.end(), x.shape().begin() + 1, x.shape().end());
  Shape target{batch};
  target.insert(target.end(), shape_.begin(), shape_.end());
  return {{broadcast_to(reshape(x, padded), target)}, {0}};
}

std::vector<array> Slice::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                              const std::vector<int>&, const std::vector<array>&) {
  return {slice_update(zeros_like(primals[0]), cotangents[0], start_, stop_, strides_)};
}
std::vector<array> Slice::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  return {slice(tangents[0], start_, stop_, strides_)};
}
std::pair<std::vector<array>, std::vector<int>> Slice::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  Shape start = start_, stop = stop_, strides = strides_;
  start.insert(start.begin(), 0);
  stop.insert(stop.begin(), x.shape()[0]);
  strides.insert(strides.begin(), 1);
  return {{slice(x, start, stop, strides)}, {0}};
}

std::vector<array> SliceUpdate::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(slice_update(cotangents[0], zeros_like(primals[1]), start_, stop_, strides_));
    } else {
      out.push_back(slice(cotangents[0], start_, stop_, strides_));
    }
  }
  return out;
}
std::vector<array> SliceUpdate::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  array ts = zeros_like(primals[0]);
  array tu = zeros_like(primals[1]);
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) ts = tangents[k];
    if (argnums[k] == 1) tu = tangents[k];
  }
  return {slice_update(ts, tu, start_, stop_, strides_)};
}
std::pair<std::vector<array>, std::vector<int>> SliceUpdate::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  array src = detail::batched_at_front(inputs[0], axes[0], batch);
  array upd = detail::batched_at_front(inputs[1], axes[1], batch);
  Shape start = start_, stop = stop_, strides = strides_;
  start.insert(start.begin(), 0);
  stop.insert(stop.begin(), batch);
  strides.insert(strides.begin(), 1);
  return {{slice_update(src, upd, start, stop, strides)}, {0}};
}

std::vector<array> Matmul::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  const array& cot = cotangents[0];
  // Complex: the adjoint takes the conjugate transposes (cotangent times conjugate derivative).
  auto adj = [](const array& m) { return is_complex(m.dtype()) ? conjugate(swapaxes(m, -1, -2)) : swapaxes(m, -1, -2); };
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(matmul(cot, adj(primals[1])));
    } else {
      out.push_back(matmul(adj(primals[0]), cot));
    }
  }
  return out;
}
std::vector<array> Matmul::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  std::optional<array> result;
  for (size_t k = 0; k < argnums.size(); ++k) {
    array term = argnums[k] == 0 ? matmul(tangents[k], primals[1]) : matmul(primals[0], tangents[k]);
    result = result ? add(*result, term) : term;
  }
  return {*result};
}
std::pair<std::vector<array>, std::vector<int>> Matmul::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  // Both operands carry the batch in front so that their batch dims line up.
  array a = detail::batched_at_front(inputs[0], axes[0], batch);
  array b = detail::batched_at_front(inputs[1], axes[1], batch);
  return {{matmul(a, b)}, {0}};
}

} // namespace mlx::core

namespace mlx::core {

std::vector<Shape> Reshape::output_shapes(const std::vector<array>&) { return {shape_}; }

std::vector<Shape> Transpose::output_shapes(const std::vector<array>& inputs) {
  Shape shape;
  for (int a : axes_) shape.push_back(inputs[0].shape()[a]);
  return {shape};
}

std::vector<Shape> Broadcast::output_shapes(const std::vector<array>&) { return {shape_}; }

std::vector<Shape> Slice::output_shapes(const std::vector<array>&) {
  Shape shape(start_.size());
  for (size_t i = 0; i < start_.size(); ++i) {
    int64_t st = strides_[i];
    int64_t n = st > 0 ? (int64_t(stop_[i]) - start_[i] + st - 1) / st : (int64_t(start_[i]) - stop_[i] - st - 1) / (-st);
    shape[i] = static_cast<ShapeElem>(std::max<int64_t>(n, 0));
  }
  return {shape};
}

std::vector<Shape> SliceUpdate::output_shapes(const std::vector<array>& inputs) { return {inputs[0].shape()}; }

std::vector<Shape> Matmul::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  shape.back() = inputs[1].shape().back();
  return {shape};
}

} // namespace mlx::core

namespace mlx::core {

std::vector<array> AsStrided::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  const array& x = primals[0];
  array flat = strided_accumulate(cotangents[0], strides_, offset_, static_cast<ShapeElem>(x.size()));
  return {reshape(flat, x.shape())};
}
std::vector<array> AsStrided::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {as_strided(tangents[0], shape_, strides_, offset_)};
}
std::pair<std::vector<array>, std::vector<int>> AsStrided::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  // Each batch element is its own block of the flattened batched input.
  array x = detail::batch_to_front(inputs[0], axes[0]);
  ShapeElem batch = x.shape()[0];
  int64_t n = static_cast<int64_t>(x.size()) / std::max<int64_t>(batch, 1);
  Shape shape = shape_;
  shape.insert(shape.begin(), batch);
  Strides strides = strides_;
  strides.insert(strides.begin(), n);
  return {{as_strided(x, shape, strides, offset_)}, {0}};
}

std::vector<array> StridedAccumulate::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                          const std::vector<int>&, const std::vector<array>&) {
  return {as_strided(cotangents[0], primals[0].shape(), strides_, offset_)};
}
std::vector<array> StridedAccumulate::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                          const std::vector<int>&) {
  return {strided_accumulate(tangents[0], strides_, offset_, size_)};
}
std::pair<std::vector<array>, std::vector<int>> StridedAccumulate::vmap(const std::vector<array>& inputs,
                                                                        const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  ShapeElem batch = x.shape()[0];
  Strides strides = strides_;
  strides.insert(strides.begin(), size_);
  uint64_t total = static_cast<uint64_t>(batch) * static_cast<uint64_t>(size_);
  if (total > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max())) {
    throw std::overflow_error("[as_strided] The batched gradient has more than 2**31 - 1 elements.");
  }
  array flat = strided_accumulate(x, strides, offset_, static_cast<ShapeElem>(total));
  return {{reshape(flat, {batch, size_})}, {0}};
}

std::vector<array> Contiguous::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                   const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}
std::vector<array> Contiguous::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                   const std::vector<int>&) {
  return {tangents[0]};
}
std::pair<std::vector<array>, std::vector<int>> Contiguous::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  return {{contiguous(inputs[0], allow_col_major_)}, {axes[0]}};
}

std::vector<Shape> Diagonal::output_shapes(const std::vector<array>& inputs) {
  const Shape& in = inputs[0].shape();
  Shape shape;
  for (int i = 0; i < static_cast<int>(in.size()); ++i) {
    if (i != axis1_ && i != axis2_) shape.push_back(in[i]);
  }
  int64_t n = in[axis1_], m = in[axis2_], off = offset_;
  int64_t d = off >= 0 ? std::min(n, m - off) : std::min(n + off, m);
  shape.push_back(static_cast<ShapeElem>(std::max<int64_t>(d, 0)));
  return {shape};
}

std::vector<array> Diagonal::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                 const std::vector<int>&, const std::vector<array>&) {
  // Put the cotangent back on the diagonal of zero planes, then restore the axis order.
  const array& x = primals[0];
  const array& g = cotangents[0];
  int nd = x.ndim();
  ShapeElem n = x.shape()[axis1_], m = x.shape()[axis2_];
  int64_t d = g.shape().back();
  if (d == 0) return {zeros_like(x)};
  int64_t row0 = offset_ >= 0 ? 0 : -static_cast<int64_t>(offset_);
  std::vector<std::pair<int64_t, int64_t>> widths(g.ndim(), {0, 0});
  widths.back() = {row0, n - d - row0};
  array col = expand_dims(pad(g, widths, array(0, g.dtype())), {-1});
  array planes = where(eye(n, m, offset_, bool_), col, array(0, g.dtype()));
  std::vector<int> perm(nd);
  int k = 0;
  for (int i = 0; i < nd; ++i) {
    if (i != axis1_ && i != axis2_) perm[i] = k++;
  }
  perm[axis1_] = nd - 2;
  perm[axis2_] = nd - 1;
  return {transpose(planes, perm)};
}
std::vector<array> Diagonal::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  return {diagonal(tangents[0], offset_, axis1_, axis2_)};
}
std::pair<std::vector<array>, std::vector<int>> Diagonal::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  return {{diagonal(x, offset_, axis1_ + 1, axis2_ + 1)}, {0}};
}

} // namespace mlx::core
