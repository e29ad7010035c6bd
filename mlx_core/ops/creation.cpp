#include "mlx_core/ops/creation.h"

#include <cmath>

#include "mlx_core/errors.h"
#include "mlx_core/ops/elementwise.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/copy.h"
#include "mlx_core/shape_check.h"

namespace mlx::core {

array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s) {
  if (dtype == bool_) throw std::invalid_argument("[arange] Cannot use bool dtype for arange.");
  if (step == 0) throw std::invalid_argument("[arange] step must be nonzero.");
  if (std::isnan(start) || std::isnan(stop) || std::isnan(step)) {
    throw std::invalid_argument("[arange] Cannot compute length.");
  }
  if (std::isinf(start) || std::isinf(stop)) throw std::invalid_argument("[arange] Cannot compute length.");
  // An infinite step gives the start alone when it points from start towards stop.
  double real = std::isinf(step) ? ((step > 0 ? stop > start : stop < start) ? 1.0 : 0.0)
                                 : std::ceil((stop - start) / step);
  if (real > 2147483647.0) throw std::invalid_argument("[arange] Maximum size exceeded.");
  ShapeElem n = static_cast<ShapeElem>(std::max(real, 0.0));
  if (std::isinf(step)) step = 0.0; // at most one value: start (0 * inf would be NaN)
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
  // float64 results are computed in float64, everything else in float32, as the reference:
  // t = i / (num - 1), value (1 - t) * start + t * stop, so that both endpoints are exact.
  Dtype work = dtype == float64 ? float64 : float32;
  array i = arange(0.0, static_cast<double>(num), 1.0, work, s);
  if (num == 1) return astype(full({1}, astype(array(start), work, s), work, s), dtype, s);
  array t = divide(i, astype(array(static_cast<double>(num - 1)), work, s), s);
  array t_bar = subtract(astype(array(1.0), work, s), t, s);
  array vals = add(multiply(t_bar, astype(array(start), work, s), s), multiply(t, astype(array(stop), work, s), s), s);
  return astype(vals, dtype, s);
}

array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s) {
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("[full] Negative dimensions not allowed.");
  }
  checked_shape_size(shape, size_of(dtype), "full");
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

array to_inexact(const array& a, StreamOrDevice s) { return astype(a, inexact_dtype(a.dtype()), s); }

array copy(array a, StreamOrDevice s) {
  Shape shape = a.shape();
  Dtype dt = a.dtype();
  return array(std::move(shape), dt, std::make_shared<Copy>(to_stream(s)), {std::move(a)});
}

array stop_gradient(const array& a, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<StopGradient>(to_stream(s)), {a});
}

array alias(const array& a, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<Alias>(to_stream(s)), {a});
}

array full_like(const array& a, const array& vals, std::optional<Dtype> dtype, StreamOrDevice s) {
  return full(a.shape(), vals, dtype.value_or(a.dtype()), s);
}

namespace {
// (col - row) <= k over an n x m grid (bool).
array tri_mask(int n, int m, int64_t k, StreamOrDevice s) {
  n = std::max(n, 0);
  m = std::max(m, 0);
  array rows = reshape(arange(0, n, 1, int32, s), {n, 1}, s);
  array cols = reshape(arange(0, m, 1, int32, s), {1, m}, s);
  return less_equal(subtract(cols, rows, s), array(k), s);
}

void check_matrix(const array& x, const char* op) {
  if (x.ndim() < 2) throw std::invalid_argument(msg("[", op, "] array must be at least 2-D, got ", x.ndim(), "-D."));
}
} // namespace

array tri(int n, int m, int k, Dtype dtype, StreamOrDevice s) { return astype(tri_mask(n, m, k, s), dtype, s); }

array tril(const array& x, int k, StreamOrDevice s) {
  check_matrix(x, "tril");
  return where(tri_mask(x.shape(-2), x.shape(-1), k, s), x, array(0, x.dtype()), s);
}

array triu(const array& x, int k, StreamOrDevice s) {
  check_matrix(x, "triu");
  return where(tri_mask(x.shape(-2), x.shape(-1), static_cast<int64_t>(k) - 1, s), array(0, x.dtype()), x, s);
}

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse, const std::string& indexing,
                            StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    throw std::invalid_argument("[meshgrid] Invalid indexing value. Valid values are 'xy' and 'ij'.");
  }
  int n = static_cast<int>(arrays.size());
  std::vector<int> pos(n);
  for (int i = 0; i < n; ++i) pos[i] = i;
  if (indexing == "xy" && n >= 2) std::swap(pos[0], pos[1]);
  Shape full_shape(n);
  std::vector<array> flat;
  for (int i = 0; i < n; ++i) {
    flat.push_back(flatten(arrays[i], 0, -1, s));
    full_shape[pos[i]] = flat.back().shape()[0];
  }
  std::vector<array> out;
  for (int i = 0; i < n; ++i) {
    Shape sh(n, 1);
    sh[pos[i]] = full_shape[pos[i]];
    array x = reshape(flat[i], sh, s);
    out.push_back(sparse ? x : broadcast_to(x, full_shape, s));
  }
  return out;
}

namespace {
// A symmetric window of M points from x = pi * k / (M - 1), k = 1-M, 3-M, ..., M-1,
// computed in float64 and returned as float32.
template <typename F>
array window(int M, F f, StreamOrDevice s) {
  if (M < 1) return zeros({0}, float32, s);
  if (M == 1) return ones({1}, float32, s);
  array k = arange(1.0 - M, static_cast<double>(M), 2.0, float64, s);
  return astype(f(k, static_cast<double>(M - 1)), float32, s);
}
array scal(double v) { return array(v, float64); }
} // namespace

array bartlett(int M, StreamOrDevice s) {
  return window(M, [&](const array& k, double d) {
    return subtract(scal(1.0), divide(abs(k, s), scal(d), s), s);
  }, s);
}

array hanning(int M, StreamOrDevice s) {
  return window(M, [&](const array& k, double d) {
    return add(scal(0.5), multiply(scal(0.5), cos(multiply(k, scal(M_PI / d), s), s), s), s);
  }, s);
}

array hamming(int M, StreamOrDevice s) {
  return window(M, [&](const array& k, double d) {
    return add(scal(0.54), multiply(scal(0.46), cos(multiply(k, scal(M_PI / d), s), s), s), s);
  }, s);
}

array blackman(int M, StreamOrDevice s) {
  return window(M, [&](const array& k, double d) {
    array x = multiply(k, scal(M_PI / d), s);
    array c1 = multiply(scal(0.5), cos(x, s), s);
    array c2 = multiply(scal(0.08), cos(multiply(x, scal(2.0), s), s), s);
    return add(add(scal(0.42), c1, s), c2, s);
  }, s);
}

} // namespace mlx::core
