#include "mlx_core/ops/norm.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/svd.h"
#include "mlx_core/utils.h"

namespace mlx::core::linalg {

namespace {

// |a| in a real floating dtype (complex -> its modulus, integers -> float32).
array magnitude(const array& a, StreamOrDevice s) {
  Dtype t = inexact_dtype(a.dtype());
  array x = astype(a, t, s);
  return abs(x, s);
}

std::string ord_str(double ord) {
  if (std::isinf(ord)) return ord > 0 ? "inf" : "-inf";
  std::ostringstream o;
  o << ord;
  return o.str();
}

// Normalized, distinct axes (or all axes when none are given).
std::vector<int> resolve_axes(const array& a, const std::optional<std::vector<int>>& axis) {
  std::vector<int> ax;
  if (!axis) {
    for (int i = 0; i < a.ndim(); ++i) ax.push_back(i);
    return ax;
  }
  for (int v : *axis) {
    if (v < -a.ndim() || v >= a.ndim()) {
      throw std::out_of_range(msg("Invalid axis ", v, " for array with ", a.ndim(), " dimensions."));
    }
    ax.push_back(v < 0 ? v + a.ndim() : v);
  }
  if (ax.size() == 2 && ax[0] == ax[1]) throw std::invalid_argument("Duplicate axes detected in reduction.");
  return ax;
}

// The dtype the SVD runs in: float32 or float64.
Dtype svd_type(const array& a, const char* op) {
  if (a.ndim() < 2) throw std::invalid_argument(msg("[", op, "] Input must have at least 2 dimensions."));
  if (is_complex(a.dtype())) throw std::invalid_argument(msg("[", op, "] Complex inputs are not supported yet."));
  return a.dtype() == float64 ? float64 : float32;
}

array vector_norm(const array& a, double ord, const std::vector<int>& ax, bool keepdims, StreamOrDevice s) {
  array x = magnitude(a, s);
  Dtype t = x.dtype();
  if (ord == std::numeric_limits<double>::infinity()) return max(x, ax, keepdims, s);
  if (ord == -std::numeric_limits<double>::infinity()) return min(x, ax, keepdims, s);
  if (ord == 0) return astype(sum(not_equal(x, array(0.0f, t), s), ax, keepdims, s), t, s);
  if (ord == 1) return sum(x, ax, keepdims, s);
  if (ord == 2) return sqrt(sum(multiply(x, x, s), ax, keepdims, s), s);
  return power(sum(power(x, array(static_cast<float>(ord), t), s), ax, keepdims, s),
               array(static_cast<float>(1.0 / ord), t), s);
}

array frobenius(const array& a, const std::vector<int>& ax, bool keepdims, StreamOrDevice s) {
  array x = magnitude(a, s);
  return sqrt(sum(multiply(x, x, s), ax, keepdims, s), s);
}

array matrix_norm(const array& a, double ord, const std::vector<int>& ax, bool keepdims, StreamOrDevice s) {
  int row = ax[0], col = ax[1];
  bool inf = std::isinf(ord);
  if (ord != 1 && ord != -1 && !inf) {
    if (ord == 2 || ord == -2) {
      // The largest (smallest) singular value of the planes spanned by the two axes.
      int lo = std::min(row, col), hi = std::max(row, col);
      array m = moveaxis(moveaxis(a, row, -1, s), col > row ? col - 1 : col, -1, s);
      m = swapaxes(m, -1, -2, s);  // (..., rows, cols)
      Dtype t = inexact_dtype(a.dtype());
      array sv = singular_values(m, s);
      array r = astype(ord > 0 ? max(sv, {-1}, false, s) : min(sv, {-1}, false, s), t, s);
      return keepdims ? expand_dims(r, {lo, hi}, s) : r;
    }
    throw std::invalid_argument(msg("[linalg::norm] Invalid ord ", ord_str(ord), " for matrix norm."));
  }
  // ord +-1: extreme column sum (sum over rows); ord +-inf: extreme row sum.
  int summed = inf ? col : row, other = inf ? row : col;
  array sums = sum(magnitude(a, s), {summed}, true, s);
  array r = ord > 0 ? max(sums, {other}, true, s) : min(sums, {other}, true, s);
  return keepdims ? r : squeeze(r, {std::min(row, col), std::max(row, col)}, s);
}

} // namespace

array norm(const array& a, std::optional<double> ord, std::optional<std::vector<int>> axis, bool keepdims,
           StreamOrDevice s) {
  std::vector<int> ax = resolve_axes(a, axis);
  if (!ord) {
    if (!axis || ax.size() <= 2) return frobenius(a, ax, keepdims, s);
    throw std::invalid_argument("[linalg::norm] Received too many axes for norm.");
  }
  if (ax.size() == 1) return vector_norm(a, *ord, ax, keepdims, s);
  if (ax.size() == 2) return matrix_norm(a, *ord, ax, keepdims, s);
  throw std::invalid_argument("[linalg::norm] Received too many axes for norm.");
}

array norm(const array& a, const std::string& ord, std::optional<std::vector<int>> axis, bool keepdims,
           StreamOrDevice s) {
  std::vector<int> ax = resolve_axes(a, axis);
  if (ax.size() != 2) {
    throw std::invalid_argument(msg("[linalg::norm] Norm '", ord, "' only supported for matrices, but received ",
                                    ax.size(), " axis/axes."));
  }
  if (ord == "fro") return frobenius(a, ax, keepdims, s);
  if (ord == "nuc") {
    int row = ax[0], col = ax[1];
    array m = swapaxes(moveaxis(moveaxis(a, row, -1, s), col > row ? col - 1 : col, -1, s), -1, -2, s);
    array r = astype(sum(singular_values(m, s), {-1}, false, s), inexact_dtype(a.dtype()), s);
    return keepdims ? expand_dims(r, {std::min(row, col), std::max(row, col)}, s) : r;
  }
  throw std::invalid_argument(msg("[linalg::norm] Invalid ord value '", ord, "' for matrix norm."));
}

array singular_values(const array& a, StreamOrDevice s) {
  Dtype t = svd_type(a, "linalg::svd");
  array x = astype(a, t, s);
  Shape shape(x.shape().begin(), x.shape().end() - 1);
  shape.back() = std::min(x.shape(-2), x.shape(-1));
  return array(shape, t, std::make_shared<Svd>(to_stream(s), false), {x});
}

std::vector<array> svd_factors(const array& a, StreamOrDevice s) {
  Dtype t = svd_type(a, "linalg::svd");
  array x = astype(a, t, s);
  auto p = std::make_shared<Svd>(to_stream(s), true);
  auto shapes = p->output_shapes({x});
  return array::make_arrays(shapes, {t, t, t}, p, {x});
}

} // namespace mlx::core::linalg
