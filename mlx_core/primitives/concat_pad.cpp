// Gradient and batching rules of Concatenate and Pad.
#include "mlx_core/primitives/concat_pad.h"

#include <algorithm>

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"
#include "mlx_core/transforms/autodiff.h"

namespace mlx::core {

std::vector<Shape> Concatenate::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  int64_t total = 0;
  for (auto& x : inputs) total += x.shape()[axis_];
  shape[axis_] = static_cast<ShapeElem>(total);
  return {shape};
}

std::vector<array> Concatenate::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<int64_t> starts{0};
  for (auto& p : primals) starts.push_back(starts.back() + p.shape()[axis_]);
  const array& cot = cotangents[0];
  std::vector<array> out;
  for (int i : argnums) {
    Shape start(cot.ndim(), 0), stop = cot.shape(), step(cot.ndim(), 1);
    start[axis_] = static_cast<ShapeElem>(starts[i]);
    stop[axis_] = static_cast<ShapeElem>(starts[i + 1]);
    out.push_back(slice(cot, start, stop, step));
  }
  return out;
}

std::vector<array> Concatenate::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::vector<array> parts;
  for (size_t i = 0; i < primals.size(); ++i) {
    auto it = std::find(argnums.begin(), argnums.end(), static_cast<int>(i));
    parts.push_back(it == argnums.end() ? zeros_like(primals[i]) : tangents[it - argnums.begin()]);
  }
  return {concatenate(parts, axis_)};
}

std::pair<std::vector<array>, std::vector<int>> Concatenate::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  std::vector<array> parts;
  for (size_t i = 0; i < inputs.size(); ++i) parts.push_back(detail::batched_at_front(inputs[i], axes[i], batch));
  return {{concatenate(parts, axis_ + 1)}, {0}};
}

std::vector<Shape> Pad::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  for (size_t i = 0; i < shape.size(); ++i) shape[i] += low_[i] + high_[i];
  return {shape};
}

namespace {
array make_pad(const array& a, const array& v, const Shape& low, const Shape& high, const Stream& s) {
  Shape shape = a.shape();
  for (size_t i = 0; i < shape.size(); ++i) shape[i] += low[i] + high[i];
  return array(std::move(shape), a.dtype(), std::make_shared<Pad>(s, low, high), {a, astype(v, a.dtype())});
}

array interior(const array& x, const Shape& low, const Shape& in_shape) {
  Shape stop(low.size()), step(low.size(), 1);
  for (size_t i = 0; i < low.size(); ++i) stop[i] = low[i] + in_shape[i];
  return slice(x, low, stop, step);
}
} // namespace

std::vector<array> Pad::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                            const std::vector<int>& argnums, const std::vector<array>&) {
  const array& cot = cotangents[0];
  array inner = interior(cot, low_, primals[0].shape());
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) out.push_back(inner);
    else out.push_back(subtract(sum(cot), sum(inner)));
  }
  return out;
}

std::vector<array> Pad::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                            const std::vector<int>& argnums) {
  array ta = zeros_like(primals[0]), tv = zeros_like(primals[1]);
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) ta = tangents[k];
    else tv = tangents[k];
  }
  return {make_pad(ta, tv, low_, high_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Pad::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  array x = detail::batched_at_front(inputs[0], axes[0], batch);
  Shape low = low_, high = high_;
  low.insert(low.begin(), 0);
  high.insert(high.begin(), 0);
  // As in the reference, the fill value may not be mapped (mx.where does that).
  if (axes[1] >= 0) throw std::invalid_argument("[Pad::vmap] Vmap over padding value is not supported.");
  return {{make_pad(x, inputs[1], low, high, stream())}, {0}};
}

std::vector<Shape> PadMirror::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  for (size_t i = 0; i < shape.size(); ++i) shape[i] += low_[i] + high_[i];
  return {shape};
}

std::vector<array> PadMirror::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  // The op is linear: its adjoint is the one of the same padding written with slices,
  // flips and concatenations.
  Shape low = low_, high = high_;
  int mode = mode_;
  auto fn = [low, high, mode](const std::vector<array>& in) {
    return std::vector<array>{detail::pad_mirror_ops(in[0], low, high, mode)};
  };
  return {mlx::core::vjp(fn, {primals[0]}, {cotangents[0]}).second[0]};
}
std::vector<array> PadMirror::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  const array& t = tangents[0];
  auto shape = output_shapes({t})[0];
  return {array(std::move(shape), t.dtype(), std::make_shared<PadMirror>(stream(), low_, high_, mode_), {t})};
}
std::pair<std::vector<array>, std::vector<int>> PadMirror::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  Shape low = low_, high = high_;
  low.insert(low.begin(), 0);
  high.insert(high.begin(), 0);
  Shape shape = x.shape();
  for (size_t i = 0; i < shape.size(); ++i) shape[i] += low[i] + high[i];
  return {{array(std::move(shape), x.dtype(), std::make_shared<PadMirror>(stream(), low, high, mode_), {x})}, {0}};
}

namespace {
array make_roll(const array& x, std::vector<int64_t> shift, const Stream& s) {
  return array(x.shape(), x.dtype(), std::make_shared<Roll>(s, std::move(shift)), {x});
}
} // namespace

std::vector<array> Roll::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  std::vector<int64_t> back(shift_.size());
  for (size_t d = 0; d < shift_.size(); ++d) {
    int64_t n = primals[0].shape()[d];
    back[d] = shift_[d] == 0 ? 0 : n - shift_[d];
  }
  return {make_roll(cotangents[0], back, stream())};
}
std::vector<array> Roll::jvp(const std::vector<array>&, const std::vector<array>& tangents, const std::vector<int>&) {
  return {make_roll(tangents[0], shift_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Roll::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  std::vector<int64_t> shift = shift_;
  shift.insert(shift.begin(), 0);
  return {{make_roll(x, shift, stream())}, {0}};
}

std::vector<Shape> Repeat::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  shape[axis_] *= repeats_;
  return {shape};
}

std::vector<array> Repeat::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>&, const std::vector<array>&) {
  // Sum the cotangent over each element's copies.
  Shape shape = primals[0].shape();
  shape.insert(shape.begin() + axis_ + 1, repeats_);
  return {sum(reshape(cotangents[0], shape), std::vector<int>{axis_ + 1})};
}
std::vector<array> Repeat::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                               const std::vector<int>&) {
  return {repeat(tangents[0], repeats_, axis_)};
}
std::pair<std::vector<array>, std::vector<int>> Repeat::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  return {{repeat(x, repeats_, axis_ + 1)}, {0}};
}

} // namespace mlx::core
