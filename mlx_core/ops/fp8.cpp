#include "mlx_core/ops/fp8.h"

#include <cmath>
#include <vector>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/ops/indexing.h"
#include "mlx_core/ops/math.h"
#include "mlx_core/ops/sort.h"

namespace mlx::core {

namespace {

// The value of E4M3 code c (0..255): sign, 4 exponent bits (bias 7), 3 mantissa bits;
// exponent 0 is subnormal; 0x7f and 0xff are NaN.
float e4m3_value(int c) {
  int sign = c >> 7, e = (c >> 3) & 15, m = c & 7;
  if ((c & 127) == 127) return std::nanf("");
  float v = e == 0 ? std::ldexp(float(m) / 8.0f, -6) : std::ldexp(1.0f + float(m) / 8.0f, e - 7);
  return sign ? -v : v;
}

// The 256 code values (float32); the first 127 are the non-negative finite ones, increasing.
array code_table(int n) {
  std::vector<float> v(n);
  for (int c = 0; c < n; ++c) v[c] = e4m3_value(c);
  return array(v.data(), Shape{n}, float32);
}

bool is_real_float(Dtype d) { return d == float16 || d == bfloat16 || d == float32 || d == float64; }

} // namespace

array to_fp8(const array& x, StreamOrDevice s) {
  if (!is_real_float(x.dtype())) {
    throw std::invalid_argument(msg("[to_fp8] Only real floating types are supported but x.dtype() == ",
                                    dtype_name(x.dtype()), "."));
  }
  array xf = astype(x, float32, s);
  array nan = isnan(xf, s);
  // |x| clamped to the largest finite value; NaN saturates like infinity.
  array mag = where(nan, array(448.0f), minimum(abs(xf, s), array(448.0f), s), s);
  // The codes of the non-negative values are their ranks in the table: round to the nearer
  // neighbour, ties to the even code.
  array table = code_table(127);
  array hi = minimum(searchsorted(table, mag, false, s), array(126, int32), s);
  array lo = maximum(subtract(hi, array(1, int32), s), array(0, int32), s);
  array d_hi = subtract(take(table, hi, s), mag, s);
  array d_lo = subtract(mag, take(table, lo, s), s);
  array hi_even = equal(bitwise_and(hi, array(1, int32), s), array(0, int32), s);
  array pick_hi = logical_or(less(d_hi, d_lo, s), logical_and(equal(d_hi, d_lo, s), hi_even, s), s);
  array code = where(pick_hi, hi, lo, s);
  // The sign bit of x (NaN counts as positive, as in the reference).
  array negative = logical_and(logical_not(nan, s), less(view(xf, int32, s), array(0, int32), s), s);
  code = add(code, multiply(astype(negative, int32, s), array(128, int32), s), s);
  return astype(code, uint8, s);
}

array from_fp8(const array& x, Dtype dtype, StreamOrDevice s) {
  if (x.dtype() != uint8) {
    throw std::invalid_argument(msg("[from_fp8] Input must have type uint8 but x.dtype() == ",
                                    dtype_name(x.dtype()), "."));
  }
  if (!is_real_float(dtype)) {
    throw std::invalid_argument(msg("[from_fp8] Only real floating types are supported but dtype == ",
                                    dtype_name(dtype), "."));
  }
  return astype(take(code_table(256), astype(x, int32, s), s), dtype, s);
}

} // namespace mlx::core
