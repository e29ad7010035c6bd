// Element-wise math beyond the basic arithmetic: special functions, inverse trigonometric
// and hyperbolic functions, rounding, complex parts, predicates, clip and closeness tests.
// Integer and bool inputs of the floating functions compute in float32, as in the reference.
#pragma once
#include <optional>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// The error function (real dtypes; complex raises).
array erf(const array& a, StreamOrDevice s = {});
// The inverse of erf on (-1, 1): +-inf at +-1, NaN beyond.
array erfinv(const array& a, StreamOrDevice s = {});

array tan(const array& a, StreamOrDevice s = {});
array arcsin(const array& a, StreamOrDevice s = {});
array arccos(const array& a, StreamOrDevice s = {});
array arctan(const array& a, StreamOrDevice s = {});
array sinh(const array& a, StreamOrDevice s = {});
array cosh(const array& a, StreamOrDevice s = {});
array arcsinh(const array& a, StreamOrDevice s = {});
array arccosh(const array& a, StreamOrDevice s = {});
array arctanh(const array& a, StreamOrDevice s = {});
// exp(a) - 1 and log(1 + a), accurate near zero (expm1: real dtypes only).
array expm1(const array& a, StreamOrDevice s = {});
array log1p(const array& a, StreamOrDevice s = {});
array log2(const array& a, StreamOrDevice s = {});
array log10(const array& a, StreamOrDevice s = {});
// 1 / sqrt(a) and 1 / a.
array rsqrt(const array& a, StreamOrDevice s = {});
array reciprocal(const array& a, StreamOrDevice s = {});
// Angle conversions.
array degrees(const array& a, StreamOrDevice s = {});
array radians(const array& a, StreamOrDevice s = {});

// Rounding: integer inputs come back unchanged, complex raises (floor, ceil, trunc).
array floor(const array& a, StreamOrDevice s = {});
array ceil(const array& a, StreamOrDevice s = {});
array trunc(const array& a, StreamOrDevice s = {});
// Rounds half to even to `decimals` decimal places (negative: to tens, hundreds, ...).
array round(const array& a, int decimals = 0, StreamOrDevice s = {});

// Complex parts; a real input is its own real part and conjugate, with imaginary part 0.
array real(const array& a, StreamOrDevice s = {});
array imag(const array& a, StreamOrDevice s = {});
array conjugate(const array& a, StreamOrDevice s = {});

// Floating-point predicates (bool results; false, or true for isfinite, on integers).
array isnan(const array& a, StreamOrDevice s = {});
array isinf(const array& a, StreamOrDevice s = {});
array isfinite(const array& a, StreamOrDevice s = {});
array isposinf(const array& a, StreamOrDevice s = {});
array isneginf(const array& a, StreamOrDevice s = {});
// NaN -> nan, +inf -> posinf, -inf -> neginf (defaults: the dtype's largest finite values).
array nan_to_num(const array& a, float nan = 0.0f, std::optional<float> posinf = std::nullopt,
                 std::optional<float> neginf = std::nullopt, StreamOrDevice s = {});

array arctan2(const array& a, const array& b, StreamOrDevice s = {});
// log(exp(a) + exp(b)) without overflow.
array logaddexp(const array& a, const array& b, StreamOrDevice s = {});
array logical_xor(const array& a, const array& b, StreamOrDevice s = {});

// a limited to [a_min, a_max]; at most one bound may be missing.
array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max,
           StreamOrDevice s = {});
// |a - b| <= atol + rtol * |b| element-wise (equal infinities are close; NaNs only with equal_nan).
array isclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
              StreamOrDevice s = {});
// Whether isclose holds everywhere (a 0-d bool array).
array allclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
               StreamOrDevice s = {});
// Whether a and b have one shape and equal values (a 0-d bool array).
array array_equal(const array& a, const array& b, bool equal_nan = false, StreamOrDevice s = {});

} // namespace mlx::core
