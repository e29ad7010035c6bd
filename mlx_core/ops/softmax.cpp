#include "mlx_core/ops/softmax.h"

#include <numeric>
#include <set>

#include "mlx_core/ops/axes.h"
#include "mlx_core/errors.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/elementwise.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/softmax.h"

namespace mlx::core {

namespace {

// a with `axes` moved to the end and merged into one axis, and how to undo it.
struct Flattened {
  array x;
  std::vector<int> perm; // empty when no transpose was needed
  Shape moved;           // a's shape after the permutation
};

Flattened flatten_axes(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int nd = a.ndim();
  bool trailing = true;
  for (size_t i = 0; i < axes.size(); ++i) trailing &= axes[i] == nd - static_cast<int>(axes.size()) + static_cast<int>(i);
  std::vector<int> perm;
  std::vector<bool> red(nd, false);
  for (int ax : axes) red[ax] = true;
  for (int i = 0; i < nd; ++i) if (!red[i]) perm.push_back(i);
  for (int ax : axes) perm.push_back(ax);
  array moved = trailing ? a : transpose(a, perm, s);
  Shape flat;
  int64_t n = 1;
  for (int i = 0; i < nd; ++i) {
    if (i < nd - static_cast<int>(axes.size())) flat.push_back(moved.shape()[i]);
    else n *= moved.shape()[i];
  }
  flat.push_back(static_cast<ShapeElem>(n));
  return {reshape(moved, flat, s), trailing ? std::vector<int>{} : perm, moved.shape()};
}

void check_not_scalar(const array& a, const std::vector<int>& axes, const char* op) {
  if (a.ndim() == 0 && !axes.empty()) {
    throw std::invalid_argument(msg("[", op, "] Received non-empty axes for array with 0 dimensions."));
  }
}

} // namespace

array logsumexp(const array& a, const std::vector<int>& axes_in, bool keepdims, StreamOrDevice s) {
  check_not_scalar(a, axes_in, "logsumexp");
  auto axes = detail::reduction_axes(axes_in, a.ndim());
  if (a.size() == 0) throw std::invalid_argument("[logsumexp] Received empty array.");
  array x = to_inexact(a, s);
  if (axes.empty()) return x;
  auto f = flatten_axes(x, axes, s);
  Shape oshape = f.x.shape();
  oshape.back() = 1;
  array out(oshape, x.dtype(), std::make_shared<LogSumExp>(to_stream(s)), {f.x});
  Shape kept = a.shape();
  for (int ax : axes) kept[ax] = 1;
  out = reshape(out, kept, s);
  return keepdims ? out : squeeze(out, axes, s);
}
array logsumexp(const array& a, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, detail::every_axis(a), keepdims, s);
}

array softmax(const array& a, const std::vector<int>& axes_in, bool precise, StreamOrDevice s) {
  check_not_scalar(a, axes_in, "softmax");
  auto axes = detail::reduction_axes(axes_in, a.ndim());
  if (axes.empty()) {
    // Each element is its own group: 1 (NaN where x - x is NaN), in the input's dtype.
    if (!is_inexact(a.dtype())) return ones_like(a, s);
    array e = exp(subtract(a, a, s), s);
    return divide(e, e, s);
  }
  array x = to_inexact(a, s);
  if (a.size() == 0) return x;
  auto f = flatten_axes(x, axes, s);
  array out(f.x.shape(), x.dtype(), std::make_shared<Softmax>(to_stream(s), precise), {f.x});
  out = reshape(out, f.moved, s);
  if (f.perm.empty()) return out;
  std::vector<int> inverse(f.perm.size());
  for (size_t i = 0; i < f.perm.size(); ++i) inverse[f.perm[i]] = static_cast<int>(i);
  return transpose(out, inverse, s);
}
array softmax(const array& a, bool precise, StreamOrDevice s) { return softmax(a, detail::every_axis(a), precise, s); }

} // namespace mlx::core
