#include "mlx_core/ops/reduce.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "mlx_core/ops/axes.h"
#include "mlx_core/errors.h"
#include "mlx_core/utils.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/elementwise.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/number_of_elements.h"
#include "mlx_core/primitives/reduce.h"

namespace mlx::core {

namespace {

array reduce(const array& a, ReduceType type, const std::vector<int>& axes_in, bool keepdims, Dtype out_dtype,
             StreamOrDevice s) {
  auto axes = detail::reduction_axes(axes_in, a.ndim());
  Shape kept = a.shape();
  for (int ax : axes) kept[ax] = 1;
  // Half types accumulate in float32.
  bool widen = (type == ReduceType::Sum || type == ReduceType::Prod || type == ReduceType::SumSquares) &&
               (out_dtype == float16 || out_dtype == bfloat16);
  Dtype work = widen ? float32 : out_dtype;
  array in = astype(a, work, s);
  array out(kept, work, std::make_shared<Reduce>(to_stream(s), type, axes), {in});
  out = astype(out, out_dtype, s);
  if (!keepdims) out = squeeze(out, axes, s);
  return out;
}

// Sums and products of small integer types widen to 32 bits.
Dtype sum_dtype(Dtype d) {
  if (d == bool_ || d == int8 || d == int16) return int32;
  if (d == uint8 || d == uint16) return uint32;
  return d;
}

void check_nonempty(const array& a, const std::vector<int>& axes_in, const char* op) {
  auto axes = detail::reduction_axes(axes_in, a.ndim());
  for (int ax : axes) {
    if (a.shape()[ax] == 0) {
      throw std::invalid_argument(msg("[", op, "] Cannot ", op, " reduce over axis ", ax, " with size 0."));
    }
  }
}

} // namespace

// A reduction over no axes (a 0-d input or axis=()) keeps the input's dtype, as the
// reference does; otherwise small integer types widen.
static Dtype sum_dtype_for(const array& a, const std::vector<int>& axes) {
  return axes.empty() ? a.dtype() : sum_dtype(a.dtype());
}

array sum(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, ReduceType::Sum, axes, keepdims, sum_dtype_for(a, axes), s);
}
array sum(const array& a, bool keepdims, StreamOrDevice s) { return sum(a, detail::every_axis(a), keepdims, s); }

array prod(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, ReduceType::Prod, axes, keepdims, sum_dtype_for(a, axes), s);
}
array prod(const array& a, bool keepdims, StreamOrDevice s) { return prod(a, detail::every_axis(a), keepdims, s); }

array max(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  check_nonempty(a, axes, "max");
  return reduce(a, ReduceType::Max, axes, keepdims, a.dtype(), s);
}
array max(const array& a, bool keepdims, StreamOrDevice s) { return max(a, detail::every_axis(a), keepdims, s); }

array min(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  check_nonempty(a, axes, "min");
  return reduce(a, ReduceType::Min, axes, keepdims, a.dtype(), s);
}
array min(const array& a, bool keepdims, StreamOrDevice s) { return min(a, detail::every_axis(a), keepdims, s); }

namespace {
// 1 / max(count of a's elements over axes - ddof, 0) as a 0-d array of dtype: a node that
// counts when the graph runs in a shapeless trace (whose replays may have other shapes), a
// constant otherwise.
array count_of(const array& a, const std::vector<int>& axes, int ddof, Dtype dtype, StreamOrDevice s) {
  if (detail::in_shapeless_trace()) return number_of_elements(a, axes, true, ddof, dtype, s);
  double count = 1;
  for (int ax : axes) count *= a.shape()[ax];
  return astype(array(1.0 / std::max(count - ddof, 0.0)), dtype, s);
}
} // namespace

array mean(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto norm = detail::reduction_axes(axes, a.ndim());
  Dtype dt = inexact_dtype(a.dtype());
  array total = sum(astype(a, dt, s), norm, keepdims, s);
  return multiply(total, count_of(a, norm, 0, dt, s), s);
}
array mean(const array& a, bool keepdims, StreamOrDevice s) { return mean(a, detail::every_axis(a), keepdims, s); }

namespace {
array arg_reduce(const array& a, ArgReduceType type, int axis, bool keepdims, StreamOrDevice s, const char* op) {
  if (a.size() == 0) throw std::invalid_argument(msg("[", op, "] Cannot ", op, " reduce zero size array."));
  int ax = normalize_axis(axis, a.ndim(), op);
  Shape kept = a.shape();
  kept[ax] = 1;
  array out(kept, uint32, std::make_shared<ArgReduce>(to_stream(s), type, ax), {a});
  if (!keepdims) out = squeeze(out, {ax}, s);
  return out;
}
} // namespace

array argmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, ArgReduceType::ArgMax, axis, keepdims, s, "argmax");
}
array argmax(const array& a, bool keepdims, StreamOrDevice s) {
  if (a.size() == 0) throw std::invalid_argument("[argmax] Cannot argmax reduce zero size array.");
  array r = argmax(reshape(a, {-1}, s), 0, false, s);
  return keepdims ? reshape(r, Shape(a.ndim(), 1), s) : r;
}
array argmin(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, ArgReduceType::ArgMin, axis, keepdims, s, "argmin");
}
array argmin(const array& a, bool keepdims, StreamOrDevice s) {
  if (a.size() == 0) throw std::invalid_argument("[argmin] Cannot argmin reduce zero size array.");
  array r = argmin(reshape(a, {-1}, s), 0, false, s);
  return keepdims ? reshape(r, Shape(a.ndim(), 1), s) : r;
}

array all(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(astype(a, bool_, s), ReduceType::Min, axes, keepdims, bool_, s);
}
array all(const array& a, bool keepdims, StreamOrDevice s) { return all(a, detail::every_axis(a), keepdims, s); }

array any(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(astype(a, bool_, s), ReduceType::Max, axes, keepdims, bool_, s);
}
array any(const array& a, bool keepdims, StreamOrDevice s) { return any(a, detail::every_axis(a), keepdims, s); }

array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return astype(sum(astype(a, bool_, s), axes, keepdims, s), int32, s);
}
array count_nonzero(const array& a, bool keepdims, StreamOrDevice s) {
  return count_nonzero(a, detail::every_axis(a), keepdims, s);
}

array var(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  auto norm = detail::reduction_axes(axes, a.ndim());
  Dtype dt = inexact_dtype(a.dtype());
  Dtype real_dt = dt == complex64 ? float32 : dt;
  array x = astype(a, dt, s);
  array centered = subtract(x, mean(x, norm, true, s), s);
  // sum of |x - mean|^2 in one pass (real-valued for complex inputs).
  array dev = dt == complex64 ? abs(centered, s) : centered;
  array total = reduce(dev, ReduceType::SumSquares, norm, keepdims, real_dt, s);
  return multiply(total, count_of(a, norm, ddof, real_dt, s), s);
}
array var(const array& a, bool keepdims, int ddof, StreamOrDevice s) { return var(a, detail::every_axis(a), keepdims, ddof, s); }

array std(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return sqrt(var(a, axes, keepdims, ddof, s), s);
}
array std(const array& a, bool keepdims, int ddof, StreamOrDevice s) { return std(a, detail::every_axis(a), keepdims, ddof, s); }

} // namespace mlx::core
