#include "mlx_core/ops/scan.h"

#include "mlx_core/errors.h"
#include "mlx_core/utils.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/scan.h"

namespace mlx::core {

namespace {

array scan(const array& a, ScanType type, int axis, bool reverse, bool inclusive, Dtype dtype, const char* op,
           StreamOrDevice s) {
  auto in_range = axis_in_range(axis, a.ndim());
  if (!in_range) {
    throw std::out_of_range(msg("[", op, "] Axis ", axis, " is out of bounds for array with ", a.ndim(), " dimensions."));
  }
  int ax = *in_range;
  array x = astype(a, dtype, s);
  if (x.size() == 0) return x;
  return array(x.shape(), dtype, std::make_shared<Scan>(to_stream(s), type, ax, reverse, inclusive), {x});
}

array flat(const array& a, StreamOrDevice s) { return reshape(a, {-1}, s); }

// Sums of bool count in int32; other types keep theirs (integers wrap as NumPy's do).
Dtype cumsum_dtype(Dtype d) { return d == bool_ ? int32 : d; }

} // namespace

array cumsum(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, ScanType::Sum, axis, reverse, inclusive, cumsum_dtype(a.dtype()), "cumsum", s);
}
array cumsum(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cumsum(flat(a, s), 0, reverse, inclusive, s);
}
array cumprod(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, ScanType::Prod, axis, reverse, inclusive, a.dtype(), "cumprod", s);
}
array cumprod(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cumprod(flat(a, s), 0, reverse, inclusive, s);
}
array cummax(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, ScanType::Max, axis, reverse, inclusive, a.dtype(), "cummax", s);
}
array cummax(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cummax(flat(a, s), 0, reverse, inclusive, s);
}
array cummin(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, ScanType::Min, axis, reverse, inclusive, a.dtype(), "cummin", s);
}
array cummin(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cummin(flat(a, s), 0, reverse, inclusive, s);
}
array logcumsumexp(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, ScanType::LogAddExp, axis, reverse, inclusive, inexact_dtype(a.dtype()), "logcumsumexp", s);
}
array logcumsumexp(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return logcumsumexp(flat(a, s), 0, reverse, inclusive, s);
}

} // namespace mlx::core
