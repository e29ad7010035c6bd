// Gradient and batching rules of Reduce and ArgReduce.
#include "mlx_core/primitives/reduce.h"

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

std::vector<array> Reduce::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>&, const std::vector<array>& outputs) {
  const array& x = primals[0];
  const array& cot = cotangents[0]; // keeps the reduced axes with size 1
  const array& out = outputs[0];
  switch (type_) {
    case ReduceType::Sum:
      return {broadcast_to(cot, x.shape())};
    case ReduceType::Prod: {
      // d/dx_i prod = prod / x_i (inputs with zeros get the product of the others).
      array zero = zeros_like(x);
      array is_zero = equal(x, zero);
      array safe = where(is_zero, ones_like(x), x);
      array prod_nonzero = prod(safe, axes_, true);
      array zero_count = sum(astype(is_zero, int32), axes_, true);
      array one = array(1, int32);
      array grad_nonzero = where(equal(zero_count, array(0, int32)), divide(broadcast_to(out, x.shape()), safe), zero);
      array grad_zero = where(logical_and(is_zero, equal(broadcast_to(zero_count, x.shape()), one)),
                              broadcast_to(prod_nonzero, x.shape()), zero);
      return {multiply(broadcast_to(cot, x.shape()), add(grad_nonzero, grad_zero))};
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
    case ReduceType::Prod: {
      array out = prod(x, axes_, true);
      return {sum(multiply(t, divide(broadcast_to(out, x.shape()), x)), axes_, true)};
    }
    case ReduceType::Max:
    case ReduceType::Min: {
      array out = type_ == ReduceType::Max ? max(x, axes_, true) : min(x, axes_, true);
      array mask = astype(equal(x, broadcast_to(out, x.shape())), x.dtype());
      return {divide(sum(multiply(mask, t), axes_, true), sum(mask, axes_, true))};
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
