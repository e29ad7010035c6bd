// Gradient and batching rules of Sort, PermuteAlongAxis and SearchSorted.
#include "mlx_core/primitives/sort.h"

#include "mlx_core/ops.h"
#include "mlx_core/ops/sort.h"
#include "mlx_core/primitives/batching.h"
#include "mlx_core/primitives/no_gradient.h"

namespace mlx::core {

namespace {
bool is_index_kind(SortKind k) { return k == SortKind::ArgSort || k == SortKind::ArgPartition; }

// The permutation (uint32) the values kind applies to x.
array value_permutation(const array& x, SortKind kind, int axis, int kth, const Stream& s) {
  SortKind k = kind == SortKind::Sort ? SortKind::ArgSort : SortKind::ArgPartition;
  return array(x.shape(), uint32, std::make_shared<Sort>(s, k, axis, kth), {x});
}
} // namespace

// Sort and partition move each element to one place: the cotangent goes back through the
// inverse of that permutation, the tangent through the permutation itself.
std::vector<array> Sort::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  const array& x = primals[0];
  if (is_index_kind(kind_)) return {zeros_like(x)};
  array perm = value_permutation(x, kind_, axis_, kth_, stream());
  return {detail::permute_along_axis(cotangents[0], perm, axis_, true, stream())};
}

std::vector<array> Sort::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  const array& x = primals[0];
  if (is_index_kind(kind_)) return {zeros(x.shape(), uint32)};
  array perm = value_permutation(x, kind_, axis_, kth_, stream());
  return {detail::permute_along_axis(tangents[0], perm, axis_, false, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Sort::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  Dtype dt = is_index_kind(kind_) ? uint32 : x.dtype();
  return {{array(x.shape(), dt, std::make_shared<Sort>(stream(), kind_, axis_ + 1, kth_), {x})}, {0}};
}

std::vector<array> PermuteAlongAxis::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(detail::permute_along_axis(cotangents[0], primals[1], axis_, !inverse_, stream()));
    } else {
      out.push_back(zeros_like(primals[1]));
    }
  }
  return out;
}

std::vector<array> PermuteAlongAxis::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  for (size_t j = 0; j < argnums.size(); ++j) {
    if (argnums[j] == 0) return {detail::permute_along_axis(tangents[j], primals[1], axis_, inverse_, stream())};
  }
  return {zeros_like(primals[0])};
}

std::pair<std::vector<array>, std::vector<int>> PermuteAlongAxis::vmap(const std::vector<array>& inputs,
                                                                       const std::vector<int>& axes) {
  int b = detail::batch_size(inputs, axes);
  array x = detail::batched_at_front(inputs[0], axes[0], b);
  array p = detail::batched_at_front(inputs[1], axes[1], b);
  return {{array(x.shape(), x.dtype(), std::make_shared<PermuteAlongAxis>(stream(), axis_ + 1, inverse_), {x, p})},
          {0}};
}

std::vector<array> SearchSorted::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>& argnums, const std::vector<array>&) {
  return detail::zero_cotangents(primals, argnums);
}

std::vector<array> SearchSorted::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros(primals[1].shape(), uint32)};
}

std::pair<std::vector<array>, std::vector<int>> SearchSorted::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  const array& sorted = inputs[0];
  const array& values = inputs[1];
  if (axes[0] < 0) {
    // Only the values are batched: keep their batch axis after the shared batch axes.
    array v = axes[1] == batch_dims_ ? values : moveaxis(values, axes[1], batch_dims_);
    return {{array(v.shape(), uint32, std::make_shared<SearchSorted>(stream(), right_, batch_dims_), {sorted, v})},
            {batch_dims_}};
  }
  // As in the reference, only the values may be mapped.
  throw std::invalid_argument(
      "[searchsorted] Cannot vmap over the sorted sequence, only over the values being searched for.");
}

// Unique's outputs are integers: constants for differentiation.
std::vector<array> Unique::vjp(const std::vector<array>& primals, const std::vector<array>&,
                               const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0])};
}

std::vector<array> Unique::jvp(const std::vector<array>& primals, const std::vector<array>&,
                               const std::vector<int>&) {
  auto shapes = output_shapes(primals);
  return {zeros(shapes[0], uint32), zeros(shapes[1], uint32), zeros(shapes[2], int32)};
}

std::pair<std::vector<array>, std::vector<int>> Unique::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  auto shapes = output_shapes({x});
  auto outs = array::make_arrays(shapes, {uint32, uint32, int32}, std::make_shared<Unique>(stream(), size_), {x});
  return {outs, {0, 0, 0}};
}

std::vector<Shape> Unique::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs[0].shape();
  Shape inv = s;
  s.back() = static_cast<ShapeElem>(size_);
  return {s, inv, s};
}

} // namespace mlx::core
