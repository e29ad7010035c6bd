// Gradient and batching rules of Scan (written with ops, so they differentiate again).
#include "mlx_core/primitives/scan.h"

#include <functional>

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

namespace {

// x moved by one along `axis` in the scan direction (`toward_end` moves to higher
// indices), the vacated end filled with zeros.
array shift_one(const array& x, int axis, bool toward_end) {
  int n = x.shape()[axis];
  Shape start(x.ndim(), 0), stop = x.shape(), step(x.ndim(), 1);
  Shape to_start(x.ndim(), 0), to_stop = x.shape();
  if (toward_end) {
    stop[axis] = n - 1;
    to_start[axis] = 1;
  } else {
    start[axis] = 1;
    to_stop[axis] = n - 1;
  }
  return slice_update(zeros_like(x), slice(x, start, stop, step), to_start, to_stop, step);
}

// Positions 0..n-1 along `axis`, shaped to broadcast against an array of rank ndim.
array positions(int n, int axis, int ndim, Dtype dtype) {
  Shape shape(ndim, 1);
  shape[axis] = n;
  return reshape(arange(0, n, 1, dtype), shape);
}

// sum_i g_i [idx_i == j] along `axis` (idx holds positions along it).
array scatter_by_index(const array& g, const array& idx, int axis) {
  return scatter_add_along_axis(zeros_like(g), idx, g, axis);
}

// t_{idx_i} along `axis`.
array gather_by_index(const array& t, const array& idx, int axis) { return take_along_axis(t, idx, axis); }

} // namespace

namespace {

// The vjp of an inclusive scan of x with cotangent g (for real x; complex products and
// log-sum-exps conjugate around it, see Scan::vjp).
array inclusive_vjp(ScanType type, int ax, bool rev, const array& x, const array& g,
                    const std::function<array(const array&)>& source_index) {
  switch (type) {
    case ScanType::Sum:
      return cumsum(g, ax, !rev, true);
    case ScanType::Prod: {
      // Zero-safe: before the first zero (in scan order) the usual sum(g * y) / x; at the
      // first zero the products that skip it; after it nothing.
      array zero = equal(x, zeros_like(x));
      array seen = cumsum(astype(zero, int32), ax, rev, true);
      array before = equal(seen, zeros_like(seen));
      array first = logical_and(zero, equal(seen, ones_like(seen)));
      array x1 = where(first, ones_like(x), x);
      array y = cumprod(x, ax, rev, true);
      array y1 = cumprod(x1, ax, rev, true);
      array a = cumsum(multiply(g, y), ax, !rev, true);
      array b = cumsum(multiply(g, y1), ax, !rev, true);
      array safe = where(before, x, ones_like(x));
      return where(before, divide(a, safe), where(first, b, zeros_like(b)));
    }
    case ScanType::Max:
    case ScanType::Min:
      return scatter_by_index(g, source_index(x), ax);
    case ScanType::LogAddExp: {
      array y = logcumsumexp(x, ax, rev, true);
      if (is_complex(x.dtype())) {
        return multiply(exp(x), cumsum(multiply(g, exp(negative(y))), ax, !rev, true));
      }
      // sum over later i of g_i exp(x_j - y_i), split by the sign of g so that it stays in
      // log space.
      array zero = zeros_like(g);
      array pos = logcumsumexp(subtract(log(maximum(g, zero)), y), ax, !rev, true);
      array neg = logcumsumexp(subtract(log(maximum(negative(g), zero)), y), ax, !rev, true);
      return subtract(exp(add(x, pos)), exp(add(x, neg)));
    }
  }
  return zeros_like(x);
}

} // namespace

// Rules for the inclusive scan; an exclusive scan is the inclusive one shifted by one in
// the scan direction, so its cotangent is shifted back first and its tangent after.
std::vector<array> Scan::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  const array& x = primals[0];
  array g = inclusive_ ? cotangents[0] : shift_one(cotangents[0], axis_, reverse_);
  auto source = [this](const array& v) { return scan_source_index(v); };
  // Complex products and log-sum-exps are holomorphic: their vjp is conj(rule(conj(g))),
  // the cotangent times the conjugate derivative (as in Unary::vjp).
  if (is_complex(x.dtype()) && (type_ == ScanType::Prod || type_ == ScanType::LogAddExp)) {
    return {conjugate(inclusive_vjp(type_, axis_, reverse_, x, conjugate(g), source))};
  }
  return {inclusive_vjp(type_, axis_, reverse_, x, g, source)};
}

std::vector<array> Scan::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  const array& x = primals[0];
  const array& t = tangents[0];
  int ax = axis_;
  bool rev = reverse_;
  array r = t;
  switch (type_) {
    case ScanType::Sum:
      r = cumsum(t, ax, rev, true);
      break;
    case ScanType::Prod: {
      array zero = equal(x, zeros_like(x));
      array seen = cumsum(astype(zero, int32), ax, rev, true);
      array before = equal(seen, zeros_like(seen));
      array first = logical_and(zero, equal(seen, ones_like(seen)));
      array y = cumprod(x, ax, rev, true);
      array y1 = cumprod(where(first, ones_like(x), x), ax, rev, true);
      array safe = where(before, x, ones_like(x));
      array tz = zeros_like(t);
      r = add(multiply(y, cumsum(where(before, divide(t, safe), tz), ax, rev, true)),
              multiply(y1, cumsum(where(first, t, tz), ax, rev, true)));
      break;
    }
    case ScanType::Max:
    case ScanType::Min:
      r = gather_by_index(t, scan_source_index(x), ax);
      break;
    case ScanType::LogAddExp: {
      array y = logcumsumexp(x, ax, rev, true);
      if (is_complex(x.dtype())) {
        r = multiply(exp(negative(y)), cumsum(multiply(t, exp(x)), ax, rev, true));
      } else {
        array zero = zeros_like(t);
        array pos = logcumsumexp(add(log(maximum(t, zero)), x), ax, rev, true);
        array neg = logcumsumexp(add(log(maximum(negative(t), zero)), x), ax, rev, true);
        r = subtract(exp(subtract(pos, y)), exp(subtract(neg, y)));
      }
      break;
    }
  }
  return {inclusive_ ? r : shift_one(r, ax, !rev)};
}

// For each output position of the inclusive cummax / cummin, the input position that holds
// its value: the last position, in scan order, where the running extreme was reached.
array Scan::scan_source_index(const array& x) const {
  int n = x.shape()[axis_];
  array y = type_ == ScanType::Max ? cummax(x, axis_, reverse_, true) : cummin(x, axis_, reverse_, true);
  array pos = broadcast_to(positions(n, axis_, x.ndim(), int32), x.shape());
  // Indices are constants to differentiation (a gather by indices that depend on x would ask
  // for their gradient in higher derivatives).
  array record = stop_gradient(equal(x, y));
  if (!reverse_) return cummax(where(record, pos, zeros_like(pos)), axis_, false, true);
  return cummin(where(record, pos, full(pos.shape(), array(n - 1), int32)), axis_, true, true);
}

std::pair<std::vector<array>, std::vector<int>> Scan::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  return {{array(x.shape(), x.dtype(), std::make_shared<Scan>(stream(), type_, axis_ + 1, reverse_, inclusive_), {x})},
          {0}};
}

} // namespace mlx::core
