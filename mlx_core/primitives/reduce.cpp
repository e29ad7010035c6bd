// Gradient and batching rules of Reduce and ArgReduce.
#include "mlx_core/primitives/reduce.h"

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

namespace {

// x with the reduced axes moved to the end and merged into one: (kept..., n), and the
// permutation that did it.
struct ReducedLast {
  array flat;
  std::vector<int> perm;
  Shape moved; // x's shape after the permutation
};

ReducedLast reduced_last(const array& x, const std::vector<int>& axes) {
  std::vector<int> perm;
  std::vector<bool> reduced(x.ndim(), false);
  for (int a : axes) reduced[a] = true;
  Shape flat_shape;
  for (int i = 0; i < x.ndim(); ++i) {
    if (!reduced[i]) {
      perm.push_back(i);
      flat_shape.push_back(x.shape()[i]);
    }
  }
  int64_t n = 1;
  for (int a : axes) {
    perm.push_back(a);
    n *= x.shape()[a];
  }
  flat_shape.push_back(static_cast<ShapeElem>(n));
  array moved = transpose(x, perm);
  Shape moved_shape = moved.shape();
  return {reshape(moved, flat_shape), perm, moved_shape};
}

// Undoes reduced_last for an array of the flat shape.
array restore_layout(const array& flat, const ReducedLast& r) {
  std::vector<int> inverse(r.perm.size());
  for (size_t i = 0; i < r.perm.size(); ++i) inverse[r.perm[i]] = static_cast<int>(i);
  return transpose(reshape(flat, r.moved), inverse);
}

// y moved by k along the last axis (toward its end when `forward`), filled with ones.
array shifted(const array& y, int k, bool forward) {
  int nd = y.ndim();
  int n = y.shape().back();
  Shape start(nd, 0), stop = y.shape(), step(nd, 1);
  Shape to_start(nd, 0), to_stop = y.shape();
  if (forward) {
    stop.back() = n - k;
    to_start.back() = k;
  } else {
    start.back() = k;
    to_stop.back() = n - k;
  }
  return slice_update(ones_like(y), slice(y, start, stop, step), to_start, to_stop, step);
}

// For each position along the last axis, the product of all the other elements there:
// exclusive prefix and suffix products (log-step scans), multiplied. No division, so
// zeros in x give exact, finite results.
array product_of_others(const array& x) {
  int n = x.shape().back();
  array prefix = shifted(x, 1, true);
  array suffix = shifted(x, 1, false);
  for (int k = 1; k < n; k *= 2) {
    prefix = multiply(prefix, shifted(prefix, k, true));
    suffix = multiply(suffix, shifted(suffix, k, false));
  }
  return multiply(prefix, suffix);
}

} // namespace

std::vector<array> Reduce::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>&, const std::vector<array>& outputs) {
  const array& x = primals[0];
  const array& cot = cotangents[0]; // keeps the reduced axes with size 1
  const array& out = outputs[0];
  switch (type_) {
    case ReduceType::Sum:
      return {broadcast_to(cot, x.shape())};
    case ReduceType::SumSquares:
      return {multiply(broadcast_to(cot, x.shape()), add(x, x))};
    case ReduceType::Prod: {
      // Complex: the cotangent times the conjugate derivative (see Unary::vjp).
      auto r = reduced_last(x, axes_);
      array others = restore_layout(product_of_others(r.flat), r);
      return {multiply(broadcast_to(cot, x.shape()), is_complex(x.dtype()) ? conjugate(others) : others)};
    }
    case ReduceType::Max:
    case ReduceType::Min: {
      // Shared equally among the positions that attain the extreme value.
      array mask = astype(equal(x, broadcast_to(out, x.shape())), x.dtype());
      array count = sum(mask, axes_, true);
      return {multiply(broadcast_to(divide(cot, count), x.shape()), mask)};
    }
  }
  return {zeros_like(x)};
}

std::vector<array> Reduce::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>&) {
  const array& x = primals[0];
  const array& t = tangents[0];
  switch (type_) {
    case ReduceType::Sum:
      return {sum(t, axes_, true)};
    case ReduceType::SumSquares:
      return {sum(multiply(t, add(x, x)), axes_, true)};
    case ReduceType::Prod: {
      auto r = reduced_last(x, axes_);
      return {sum(multiply(t, restore_layout(product_of_others(r.flat), r)), axes_, true)};
    }
    case ReduceType::Max:
    case ReduceType::Min: {
      // The tangent at the first position (row-major over the reduced axes) that attains
      // the extreme value, as the reference has it.
      auto r = reduced_last(x, axes_);
      array tf = reduced_last(t, axes_).flat;
      int last = r.flat.ndim() - 1;
      array idx = type_ == ReduceType::Max ? argmax(r.flat, last, true) : argmin(r.flat, last, true);
      array pos = arange(0, r.flat.shape().back(), 1, uint32);
      array picked = sum(where(equal(pos, idx), tf, zeros_like(tf)), std::vector<int>{last}, true);
      Shape kept = x.shape();
      for (int a : axes_) kept[a] = 1;
      return {reshape(picked, kept)};
    }
  }
  return {zeros_like(t)};
}

std::pair<std::vector<array>, std::vector<int>> Reduce::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  std::vector<int> shifted;
  for (int a : axes_) shifted.push_back(a + 1);
  Shape kept = x.shape();
  for (int a : shifted) kept[a] = 1;
  return {{array(kept, x.dtype(), std::make_shared<Reduce>(stream(), type_, shifted), {x})}, {0}};
}

std::vector<array> ArgReduce::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0])};
}

std::vector<array> ArgReduce::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&) {
  Shape kept = primals[0].shape();
  kept[axis_] = 1;
  return {zeros(kept, uint32)};
}

std::pair<std::vector<array>, std::vector<int>> ArgReduce::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  Shape kept = x.shape();
  kept[axis_ + 1] = 1;
  return {{array(kept, uint32, std::make_shared<ArgReduce>(stream(), type_, axis_ + 1), {x})}, {0}};
}

} // namespace mlx::core

namespace mlx::core {

std::vector<Shape> Reduce::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  for (int a : axes_) shape[a] = 1;
  return {shape};
}

std::vector<Shape> ArgReduce::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  shape[axis_] = 1;
  return {shape};
}

} // namespace mlx::core
