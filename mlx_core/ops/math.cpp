#include "mlx_core/ops/math.h"

#include <cmath>
#include <limits>

#include "mlx_core/errors.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/elementwise.h"
#include "mlx_core/ops/reduce.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/elementwise.h"

namespace mlx::core {

namespace {

array float_unary(UnaryOp op, const array& a, StreamOrDevice s) { return unary_op(op, to_inexact(a, s), s); }

[[noreturn]] void no_complex(const char* name) {
  throw std::invalid_argument(msg("[", name, "] Not supported for complex64."));
}

// A unary op of real floating dtypes (complex raises ValueError as in the reference).
array real_float_unary(UnaryOp op, const char* name, const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) no_complex(name);
  return unary_op(op, to_inexact(a, s), s);
}

// Rounding ops: integers are already integral.
array rounding(UnaryOp op, const char* name, const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) no_complex(name);
  return is_floating_point(a.dtype()) ? unary_op(op, a, s) : a;
}

array scalar(double v, Dtype d) { return astype(array(v), d); }

// Both operands promoted to a common floating type.
std::pair<array, array> float_pair(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = inexact_dtype(promote_types(a.dtype(), b.dtype()));
  return {astype(a, t, s), astype(b, t, s)};
}

// A predicate that is constant on integer inputs.
array predicate(UnaryOp op, const array& a, bool on_integers, StreamOrDevice s) {
  if (is_inexact(a.dtype())) return unary_op(op, a, s);
  return full(a.shape(), array(on_integers), bool_, s);
}


} // namespace

array erf(const array& a, StreamOrDevice s) { return real_float_unary(UnaryOp::Erf, "erf", a, s); }
array erfinv(const array& a, StreamOrDevice s) { return real_float_unary(UnaryOp::ErfInv, "erfinv", a, s); }
array tan(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Tan, a, s); }
array arcsin(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::ArcSin, a, s); }
array arccos(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::ArcCos, a, s); }
array arctan(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::ArcTan, a, s); }
array sinh(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Sinh, a, s); }
array cosh(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Cosh, a, s); }
array arcsinh(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::ArcSinh, a, s); }
array arccosh(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::ArcCosh, a, s); }
array arctanh(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::ArcTanh, a, s); }
array expm1(const array& a, StreamOrDevice s) { return real_float_unary(UnaryOp::Expm1, "expm1", a, s); }
array log1p(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Log1p, a, s); }
array log2(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Log2, a, s); }
array log10(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Log10, a, s); }
array rsqrt(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Rsqrt, a, s); }

array reciprocal(const array& a, StreamOrDevice s) {
  array x = to_inexact(a, s);
  return divide(scalar(1.0, x.dtype()), x, s);
}

array degrees(const array& a, StreamOrDevice s) {
  array x = to_inexact(a, s);
  return multiply(x, scalar(180.0 / M_PI, x.dtype()), s);
}

array radians(const array& a, StreamOrDevice s) {
  array x = to_inexact(a, s);
  return multiply(x, scalar(M_PI / 180.0, x.dtype()), s);
}

array floor(const array& a, StreamOrDevice s) { return rounding(UnaryOp::Floor, "floor", a, s); }
array ceil(const array& a, StreamOrDevice s) { return rounding(UnaryOp::Ceil, "ceil", a, s); }
array trunc(const array& a, StreamOrDevice s) { return rounding(UnaryOp::Trunc, "trunc", a, s); }

array round(const array& a, int decimals, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) {
    if (decimals >= 0) return a;
    // Integers round to a multiple of 10^-decimals (half to even), in float arithmetic.
    array f = scalar(std::pow(10.0, -decimals), float32);
    return astype(multiply(unary_op(UnaryOp::Round, divide(a, f, s), s), f, s), a.dtype(), s);
  }
  if (decimals == 0) return unary_op(UnaryOp::Round, a, s);
  Dtype t = is_complex(a.dtype()) ? float32 : a.dtype();
  array f = astype(scalar(std::pow(10.0, decimals), t), a.dtype(), s);
  return divide(unary_op(UnaryOp::Round, multiply(a, f, s), s), f, s);
}

array real(const array& a, StreamOrDevice s) { return is_complex(a.dtype()) ? unary_op(UnaryOp::Real, a, s) : a; }
array imag(const array& a, StreamOrDevice s) {
  return is_complex(a.dtype()) ? unary_op(UnaryOp::Imag, a, s) : zeros_like(a, s);
}
array conjugate(const array& a, StreamOrDevice s) {
  return is_complex(a.dtype()) ? unary_op(UnaryOp::Conjugate, a, s) : a;
}

array isnan(const array& a, StreamOrDevice s) { return predicate(UnaryOp::IsNan, a, false, s); }
array isinf(const array& a, StreamOrDevice s) { return predicate(UnaryOp::IsInf, a, false, s); }
array isfinite(const array& a, StreamOrDevice s) { return predicate(UnaryOp::IsFinite, a, true, s); }
// A complex number is an infinity only as (+-inf, 0), as in the reference.
array isposinf(const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) {
    return equal(a, array(complex64_t(std::numeric_limits<float>::infinity(), 0.0f)), s);
  }
  return predicate(UnaryOp::IsPosInf, a, false, s);
}
array isneginf(const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) {
    return equal(a, array(complex64_t(-std::numeric_limits<float>::infinity(), 0.0f)), s);
  }
  return predicate(UnaryOp::IsNegInf, a, false, s);
}

array nan_to_num(const array& a, float nan, std::optional<float> posinf, std::optional<float> neginf,
                 StreamOrDevice s) {
  Dtype t = a.dtype();
  if (!is_inexact(t)) return a;
  if (is_complex(t)) {
    // As NumPy: the real and imaginary parts are replaced separately.
    array re = nan_to_num(real(a, s), nan, posinf, neginf, s);
    array im = nan_to_num(imag(a, s), nan, posinf, neginf, s);
    return add(astype(re, complex64, s), multiply(astype(im, complex64, s), array(complex64_t(0.0f, 1.0f)), s), s);
  }
  double big = t == float16 ? 65504.0
      : t == bfloat16       ? 3.3895313892515355e38
      : t == float32        ? double(std::numeric_limits<float>::max())
                            : std::numeric_limits<double>::max();
  array hi = posinf ? scalar(*posinf, t) : scalar(big, t);
  array lo = neginf ? scalar(*neginf, t) : scalar(-big, t);
  array r = where(isnan(a, s), scalar(nan, t), a, s);
  r = where(isposinf(a, s), hi, r, s);
  return where(isneginf(a, s), lo, r, s);
}

array arctan2(const array& a, const array& b, StreamOrDevice s) {
  auto [x, y] = float_pair(a, b, s);
  if (is_complex(x.dtype())) no_complex("arctan2");
  return binary_op(BinaryOp::ArcTan2, x, y, s);
}

array logaddexp(const array& a, const array& b, StreamOrDevice s) {
  auto [x, y] = float_pair(a, b, s);
  return binary_op(BinaryOp::LogAddExp, x, y, s);
}

array logical_xor(const array& a, const array& b, StreamOrDevice s) {
  return not_equal(astype(a, bool_, s), astype(b, bool_, s), s);
}

array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max, StreamOrDevice s) {
  if (!a_min && !a_max) throw std::invalid_argument("At most one of a_min and a_max may be None");
  array r = a;
  if (a_min) r = maximum(r, *a_min, s);
  if (a_max) r = minimum(r, *a_max, s);
  return r;
}

// The dtype isclose and array_equal compare a and b in: as NumPy, an integer (or bool) side
// makes the comparison run in float64 (complex64 with a complex side), so that no integer
// goes through a narrower float (uint64 max is not close to a float16 inf); otherwise the
// promoted type.
namespace {
Dtype comparison_dtype(Dtype a, Dtype b) {
  Dtype t = promote_types(a, b);
  bool mixed = !is_inexact(a) || !is_inexact(b);
  if (mixed && is_inexact(t) && !is_complex(t)) return float64;
  return t;
}
} // namespace

array isclose(const array& a, const array& b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
  Dtype t = comparison_dtype(a.dtype(), b.dtype());
  if (!is_inexact(t)) t = float64;
  array x = astype(a, t, s), y = astype(b, t, s);
  // The bound is real (float32 for complex).
  array xf = to_inexact(x, s), yf = to_inexact(y, s);
  Dtype rt = is_complex(t) ? float32 : xf.dtype();
  array diff = abs(subtract(xf, yf, s), s);
  array bound = add(scalar(atol, rt), multiply(scalar(rtol, rt), abs(yf, s), s), s);
  // Equal values (infinities included) are close whatever the bound says.
  // (An infinite difference is never within the bound, even an infinite one.)
  array out = logical_or(logical_and(isfinite(diff, s), less_equal(diff, bound, s), s), equal(x, y, s), s);
  if (equal_nan) out = logical_or(out, logical_and(isnan(x, s), isnan(y, s), s), s);
  return out;
}

array allclose(const array& a, const array& b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
  return all(isclose(a, b, rtol, atol, equal_nan, s), false, s);
}

array array_equal(const array& a, const array& b, bool equal_nan, StreamOrDevice s) {
  if (a.shape() != b.shape()) return array(false);
  Dtype t = comparison_dtype(a.dtype(), b.dtype());
  array x = astype(a, t, s), y = astype(b, t, s);
  array eq = equal(x, y, s);
  if (equal_nan && is_inexact(t)) eq = logical_or(eq, logical_and(isnan(x, s), isnan(y, s), s), s);
  return all(eq, false, s);
}

} // namespace mlx::core
