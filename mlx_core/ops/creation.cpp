#include "mlx_core/ops/creation.h"

#include <cmath>

#include "mlx_core/errors.h"
#include "mlx_core/ops/elementwise.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/copy.h"

namespace mlx::core {

array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s) {
  if (dtype == bool_) throw std::invalid_argument("[arange] Cannot use bool dtype for arange.");
  if (step == 0) throw std::invalid_argument("[arange] step must be nonzero.");
  if (std::isnan(start) || std::isnan(stop) || std::isnan(step)) {
    throw std::invalid_argument("[arange] Cannot compute length.");
  }
  if (std::isinf(start) || std::isinf(stop)) throw std::invalid_argument("[arange] Cannot compute length.");
  double real = std::ceil((stop - start) / step);
  if (real > 2147483647.0) throw std::invalid_argument("[arange] Maximum size exceeded.");
  ShapeElem n = static_cast<ShapeElem>(std::max(real, 0.0));
  if (n > 0 && is_integral(dtype)) {
    // The kernel computes start + i * step in 64-bit integers: start, step and the last
    // value must be int64 values (and (n - 1) * step too, so that no sum overflows).
    constexpr double lim = 9223372036854775808.0; // 2**63
    auto fits = [&](double v) { return v >= -lim && v < lim; };
    double span = static_cast<double>(n - 1) * step;
    if (!fits(start) || !fits(step) || !fits(span) || !fits(start + span)) {
      throw std::overflow_error(msg("[arange] The values of arange(", start, ", ", stop, ", ", step,
                                    ") do not fit the 64-bit integers it computes with for ", dtype_name(dtype), "."));
    }
  }
  return array({n}, dtype, std::make_shared<Arange>(to_stream(s), start, step, n), {});
}

array linspace(double start, double stop, int num, Dtype dtype, StreamOrDevice s) {
  if (num < 0) throw std::invalid_argument(msg("[linspace] number of samples, ", num, ", must be non-negative."));
  double step = num > 1 ? (stop - start) / (num - 1) : 0.0;
  // float64 results are computed in float64, everything else in float32.
  Dtype work = dtype == float64 ? float64 : float32;
  array r = arange(0.0, static_cast<double>(num), 1.0, work, s);
  array vals = add(multiply(r, astype(array(step), work, s), s), astype(array(start), work, s), s);
  return astype(vals, dtype, s);
}

array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s) {
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("[full] Negative dimensions not allowed.");
  }
  array b = broadcast_to(astype(std::move(vals), dtype, s), shape, s);
  return array(std::move(shape), dtype, std::make_shared<Copy>(to_stream(s)), {b});
}

array full(Shape shape, array vals, StreamOrDevice s) {
  Dtype dt = vals.dtype();
  return full(std::move(shape), std::move(vals), dt, s);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(0, dtype), dtype, s);
}

array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(1, dtype), dtype, s);
}

array zeros_like(const array& a, StreamOrDevice s) { return zeros(a.shape(), a.dtype(), s); }
array ones_like(const array& a, StreamOrDevice s) { return ones(a.shape(), a.dtype(), s); }

array eye(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  if (n < 0 || m < 0) throw std::invalid_argument("[eye] N and M must be positive integers.");
  array rows = reshape(arange(0, n, 1, int32, s), {n, 1}, s);
  array cols = reshape(arange(0, m, 1, int32, s), {1, m}, s);
  // col - row lies in (-n, m): no overflow for any k (row + k could overflow).
  array mask = equal(subtract(cols, rows, s), array(k), s);
  return astype(mask, dtype, s);
}

array identity(int n, Dtype dtype, StreamOrDevice s) { return eye(n, n, 0, dtype, s); }

array astype(array a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  Shape shape = a.shape();
  return array(std::move(shape), dtype, std::make_shared<AsType>(to_stream(s), dtype), {std::move(a)});
}

array copy(array a, StreamOrDevice s) {
  Shape shape = a.shape();
  Dtype dt = a.dtype();
  return array(std::move(shape), dt, std::make_shared<Copy>(to_stream(s)), {std::move(a)});
}

array stop_gradient(const array& a, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<StopGradient>(to_stream(s)), {a});
}

} // namespace mlx::core
