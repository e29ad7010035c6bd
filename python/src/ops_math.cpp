// Element-wise math ops beyond the basic arithmetic (trigonometric, rounding, predicates,
// clip, isclose ...), their aliases and the array methods that mirror them.
#include <string>

#include "python/src/common.h"
#include "python/src/convert.h"
#include "python/src/def_elementwise.h"

using namespace nb::literals;

namespace {

mx::array as_array(nb::handle v) {
  if (nb::isinstance<mx::array>(v)) return nb::cast<mx::array>(v);
  return to_array(v);
}


// The docstring of a unary op: its summary, the argument and the result.
std::string unary_doc(const char* summary, const char* result, const char* example) {
  std::string d = std::string(summary) +
      "\n\nArgs:\n    a (array): Input array (Python scalars are converted).\n"
      "    stream (Stream | Device | None): Where to run the op (default: the default stream).\n\n"
      "Returns:\n    array: " + result + "\n";
  if (example && *example) d += std::string("\nExample:\n    >>> ") + example + "\n";
  return d;
}

// An array method self.name(*, stream=None) calling fn.
void method(const char* name, UnaryFn fn, const char* summary) {
  std::string doc = std::string(summary) + " See :func:`mlx.core." + name + "`.";
  def_array_method(name, [fn](const mx::array& a, mx::StreamOrDevice s) { return fn(a, s); }, nb::kw_only(),
                   "stream"_a = nb::none(), doc.c_str());
}

// The truth value of a Python scalar operand of a logical op is taken before any cast.
mx::array logical_operand(nb::handle v) {
  if (is_scalar(v) && !nb::isinstance<mx::array>(v)) return mx::array(PyObject_IsTrue(v.ptr()) == 1);
  return as_array(v);
}

std::optional<mx::array> bound(nb::handle v, const mx::array& a) {
  if (v.is_none()) return std::nullopt;
  return to_arrays(nb::cast(a), v).second;
}

} // namespace

void init_ops_math(nb::module_& m) {
  const char* float_note = " Integer and bool inputs are computed in float32.";
  auto fdoc = [&](const char* summary, const char* result, const char* example = "") {
    return unary_doc((std::string(summary) + float_note).c_str(), result, example);
  };

  def_unary_op(m, "erf", &mx::erf, fdoc("Element-wise error function, 2/sqrt(pi) * integral_0^a exp(-t^2) dt.",
                                 "erf(a), of a's floating dtype. Complex input raises ValueError.",
                                 "mx.erf(mx.array([0.0, 1.0]))  # array([0, 0.842701], dtype=float32)"));
  def_unary_op(m, "erfinv", &mx::erfinv,
        fdoc("Element-wise inverse of :func:`erf`.",
             "x with erf(x) = a: +-inf at a = +-1, NaN outside [-1, 1]. Complex input raises ValueError.",
             "mx.erfinv(mx.array([0.5]))  # array([0.476936], dtype=float32)"));
  def_unary_op(m, "tan", &mx::tan, fdoc("Element-wise tangent.", "tan(a)."));
  def_unary_op(m, "arcsin", &mx::arcsin, fdoc("Element-wise inverse sine.", "arcsin(a) in [-pi/2, pi/2]; NaN outside [-1, 1]."));
  def_unary_op(m, "arccos", &mx::arccos, fdoc("Element-wise inverse cosine.", "arccos(a) in [0, pi]; NaN outside [-1, 1]."));
  def_unary_op(m, "arctan", &mx::arctan, fdoc("Element-wise inverse tangent.", "arctan(a) in (-pi/2, pi/2)."));
  def_unary_op(m, "sinh", &mx::sinh, fdoc("Element-wise hyperbolic sine.", "sinh(a)."));
  def_unary_op(m, "cosh", &mx::cosh, fdoc("Element-wise hyperbolic cosine.", "cosh(a)."));
  def_unary_op(m, "arcsinh", &mx::arcsinh, fdoc("Element-wise inverse hyperbolic sine.", "arcsinh(a)."));
  def_unary_op(m, "arccosh", &mx::arccosh, fdoc("Element-wise inverse hyperbolic cosine.", "arccosh(a); NaN below 1."));
  def_unary_op(m, "arctanh", &mx::arctanh,
        fdoc("Element-wise inverse hyperbolic tangent.", "arctanh(a); +-inf at +-1, NaN outside [-1, 1]."));
  def_unary_op(m, "expm1", &mx::expm1,
        fdoc("Element-wise exp(a) - 1, accurate for small a.", "exp(a) - 1. Complex input raises ValueError.",
             "mx.expm1(mx.array([1e-10]))  # array([1e-10], dtype=float32)"));
  def_unary_op(m, "log1p", &mx::log1p,
        fdoc("Element-wise log(1 + a), accurate for small a.", "log(1 + a).",
             "mx.log1p(mx.array([1e-10]))  # array([1e-10], dtype=float32)"));
  def_unary_op(m, "log2", &mx::log2, fdoc("Element-wise base-2 logarithm.", "log2(a).", "mx.log2(mx.array([8.0]))  # array([3], dtype=float32)"));
  def_unary_op(m, "log10", &mx::log10, fdoc("Element-wise base-10 logarithm.", "log10(a)."));
  def_unary_op(m, "rsqrt", &mx::rsqrt, fdoc("Element-wise reciprocal square root, 1 / sqrt(a).", "1 / sqrt(a)."));
  def_unary_op(m, "reciprocal", &mx::reciprocal, fdoc("Element-wise reciprocal, 1 / a.", "1 / a."));
  def_unary_op(m, "degrees", &mx::degrees, fdoc("Converts angles from radians to degrees.", "a * 180 / pi."));
  def_unary_op(m, "radians", &mx::radians, fdoc("Converts angles from degrees to radians.", "a * pi / 180."));
  const char* round_note = " Integer and bool inputs come back unchanged; complex input raises ValueError.";
  def_unary_op(m, "floor", &mx::floor,
        unary_doc((std::string("Element-wise floor: the largest integer <= a.") + round_note).c_str(),
                  "floor(a), of a's dtype.", "mx.floor(mx.array([-1.5, 1.5]))  # array([-2, 1], dtype=float32)"));
  def_unary_op(m, "ceil", &mx::ceil,
        unary_doc((std::string("Element-wise ceiling: the smallest integer >= a.") + round_note).c_str(),
                  "ceil(a), of a's dtype.", ""));
  def_unary_op(m, "trunc", &mx::trunc,
        unary_doc((std::string("Element-wise truncation toward zero.") + round_note).c_str(),
                  "trunc(a), of a's dtype.", ""));
  def_unary_op(m, "real", &mx::real,
        unary_doc("The real part of each element.", "float32 for complex64 input; a real input itself.", ""));
  def_unary_op(m, "imag", &mx::imag,
        unary_doc("The imaginary part of each element.", "float32 for complex64 input; zeros for a real input.", ""));
  def_unary_op(m, "positive", [](const mx::array& a, mx::StreamOrDevice) { return a; },
        unary_doc("Element-wise unary plus: the values of a unchanged.", "a, of its dtype.", ""));
  def_unary_op(m, "isnan", &mx::isnan, unary_doc("Tests each element for NaN.", "bool array, True where a is NaN.",
                                          "mx.isnan(mx.array([1.0, mx.nan]))  # array([False, True], dtype=bool)"));
  def_unary_op(m, "isinf", &mx::isinf, unary_doc("Tests each element for positive or negative infinity.",
                                          "bool array, True where a is +-inf.", ""));
  def_unary_op(m, "isfinite", &mx::isfinite,
        unary_doc("Tests each element for finiteness (neither infinite nor NaN).", "bool array.", ""));
  def_unary_op(m, "isposinf", &mx::isposinf, unary_doc("Tests each element for positive infinity.", "bool array.", ""));
  def_unary_op(m, "isneginf", &mx::isneginf, unary_doc("Tests each element for negative infinity.", "bool array.", ""));

  // conj/conjugate take a keyword-capable `a`, as in the reference.
  const char* conj_doc = R"(The complex conjugate of each element.

Args:
    a (array): Input array; real inputs come back unchanged.
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: conj(a), of a's dtype.)";
  for (const char* name : {"conj", "conjugate"}) {
    def_op(m, name, [](nb::handle a, mx::StreamOrDevice s) { return mx::conjugate(as_array(a), s); }, nb::arg(),
          nb::kw_only(), "stream"_a = nb::none(),
          nb::sig((std::string("def ") + name + "(a: array, /, *, stream: Stream | Device | None = None) -> array").c_str()),
          conj_doc);
  }

  def_op(m, "round", [](nb::handle a, int decimals, mx::StreamOrDevice s) { return mx::round(as_array(a), decimals, s); },
        nb::arg(), "decimals"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def round(a: scalar | array, /, decimals: int = 0, *, stream: Stream | Device | None = None) -> array"),
        R"(Rounds each element to the given number of decimals, halves to even (as NumPy).

Args:
    a (array): Input array. Integers are unchanged for decimals >= 0; complex numbers
        round both parts.
    decimals (int): Number of decimal places (default 0); negative values round to tens,
        hundreds, ...
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: The rounded values, of a's dtype.

Example:
    >>> mx.round(mx.array([0.5, 1.5, 2.567]), 1)  # array([0.5, 1.5, 2.6], dtype=float32)
)");

  def_op(m, "nan_to_num", [](nb::handle a, float nan, std::optional<float> posinf, std::optional<float> neginf,
                         mx::StreamOrDevice s) { return mx::nan_to_num(as_array(a), nan, posinf, neginf, s); },
        nb::sig("def nan_to_num(a: object, /, nan: float = 0.0, posinf: float | None = None, "
                "neginf: float | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "nan"_a = 0.0f, "posinf"_a = nb::none(), "neginf"_a = nb::none(), nb::kw_only(),
        "stream"_a = nb::none(),
        R"(Replaces NaN and infinities with finite numbers.

Args:
    a (array): Input array; integer and bool arrays come back unchanged.
    nan (float): Value for NaN (default 0).
    posinf (float | None): Value for +inf (default: the largest finite value of a's dtype).
    neginf (float | None): Value for -inf (default: the lowest finite value of a's dtype).
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: a with the replacements, of a's dtype.

Example:
    >>> mx.nan_to_num(mx.array([mx.nan, mx.inf]))  # array([0, 3.40282e+38], dtype=float32)
)");

  def_binary_op(m, "arctan2", &mx::arctan2, R"(Element-wise arc tangent of a / b, in the quadrant of the point (b, a).

Args:
    a (array): The y coordinates.
    b (array): The x coordinates.
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: The angles in [-pi, pi], of the promoted floating dtype (float32 for integers).
)");
  def_binary_op(m, "logaddexp", &mx::logaddexp, R"(Element-wise log(exp(a) + exp(b)), computed without overflow.

Args:
    a (array): First input.
    b (array): Second input.
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: log(exp(a) + exp(b)), of the promoted floating dtype (float32 for integers).

Example:
    >>> mx.logaddexp(mx.array(1000.0), mx.array(1000.0))  # array(1000.69, dtype=float32)
)");
  def_op(m, "logical_xor", [](nb::handle a, nb::handle b, mx::StreamOrDevice s) {
        return mx::logical_xor(logical_operand(a), logical_operand(b), s);
      }, nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def logical_xor(a: scalar | array, b: scalar | array, /, *, stream: Stream | Device | None = None) -> array"),
      R"(Element-wise logical exclusive or of the truth values of a and b.

Args:
    a (array): First input (any dtype; nonzero is True).
    b (array): Second input.
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: bool array, True where exactly one of a and b is true.
)");

  def_op(m, "clip", [](nb::handle a, nb::handle a_min, nb::handle a_max, mx::StreamOrDevice s) {
        mx::array x = as_array(a);
        return mx::clip(x, bound(a_min, x), bound(a_max, x), s);
      }, nb::arg(), "a_min"_a.none(), "a_max"_a.none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def clip(a: array, /, a_min: scalar | array | None, a_max: scalar | array | None, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Limits the values of a to [a_min, a_max].

Args:
    a (array): Input array.
    a_min (scalar | array | None): Lower bound (none when None).
    a_max (scalar | array | None): Upper bound (none when None). At most one bound may be None.
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: minimum(maximum(a, a_min), a_max), broadcast; the dtype promotes with the bounds.

Example:
    >>> mx.clip(mx.array([1, 5, 9]), 2, 7)  # array([2, 5, 7], dtype=int32)
)");

  const char* close_args = R"(
Args:
    a (array): First input.
    b (array): Second input (broadcast against a).
    rtol (float): Relative tolerance (default 1e-5).
    atol (float): Absolute tolerance (default 1e-8).
    equal_nan (bool): Whether NaNs in the same place count as equal (default False).
    stream (Stream | Device | None): Where to run the op (default: the default stream).
)";
  def_op(m, "isclose", [](nb::handle a, nb::handle b, double rtol, double atol, bool equal_nan, mx::StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b);
        return mx::isclose(x, y, rtol, atol, equal_nan, s);
      }, nb::sig("def isclose(a: object, b: object, /, rtol: float = 1e-05, atol: float = 1e-08, *, "
                "equal_nan: bool = False, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), nb::arg(), "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(), "equal_nan"_a = false,
      "stream"_a = nb::none(),
      (std::string("Element-wise test |a - b| <= atol + rtol * |b|; equal infinities are close.\n") + close_args +
       "\nReturns:\n    array: bool array of the broadcast shape.\n").c_str());
  def_op(m, "allclose", [](nb::handle a, nb::handle b, double rtol, double atol, bool equal_nan, mx::StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b);
        return mx::allclose(x, y, rtol, atol, equal_nan, s);
      }, nb::sig("def allclose(a: object, b: object, /, rtol: float = 1e-05, atol: float = 1e-08, *, "
                "equal_nan: bool = False, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), nb::arg(), "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(), "equal_nan"_a = false,
      "stream"_a = nb::none(),
      (std::string("Whether :func:`isclose` holds for every element.\n") + close_args +
       "\nReturns:\n    array: 0-d bool array.\n\nExample:\n    >>> mx.allclose(mx.array([1.0]), mx.array([1.0 + 1e-7]))  # array(True, dtype=bool)\n").c_str());
  def_op(m, "array_equal", [](nb::handle a, nb::handle b, bool equal_nan, mx::StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b);
        return mx::array_equal(x, y, equal_nan, s);
      }, "a"_a, "b"_a, "equal_nan"_a = false, "stream"_a = nb::none(),
      R"(Whether two arrays have the same shape and equal elements (dtypes may differ).

Args:
    a (array): First input.
    b (array): Second input.
    equal_nan (bool): Whether NaNs in the same place count as equal (default False).
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: 0-d bool array.
)");

  def_op(m, "to_fp8", [](const mx::array& x, mx::StreamOrDevice s) { return mx::to_fp8(x, s); },
        nb::sig("def to_fp8(x: mlx.core.array, /, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
        R"(Encodes x as float8 E4M3 ("fn": no infinities) codes stored in uint8.

Each value is rounded to the nearest E4M3 value (ties to even); magnitudes beyond 448,
infinities and NaN saturate to +-448 (NaN to +448), as in the reference.

Args:
    x (array): A real floating-point array (float16, bfloat16, float32 or float64).
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: The uint8 codes, of x's shape.

Example:
    >>> mx.to_fp8(mx.array([1.0, 0.3, 1000.0])).tolist()
    [56, 42, 126]
)");
  def_op(m, "from_fp8", [](const mx::array& x, mx::Dtype dtype, mx::StreamOrDevice s) {
          return mx::from_fp8(x, dtype, s);
        },
        nb::sig("def from_fp8(x: mlx.core.array, /, dtype: mlx.core.Dtype = mlx.core.bfloat16, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "dtype"_a = mx::bfloat16, nb::kw_only(), "stream"_a = nb::none(),
        R"(Decodes float8 E4M3 codes (uint8, as made by :func:`to_fp8`) to a floating dtype.

Args:
    x (array): The uint8 codes.
    dtype (Dtype): The result's real floating dtype (default bfloat16).
    stream (Stream | Device | None): Where to run the op (default: the default stream).

Returns:
    array: The values, of x's shape. Codes 0x7f and 0xff are NaN.

Example:
    >>> mx.from_fp8(mx.array([56, 42], mx.uint8), mx.float32).tolist()
    [1.0, 0.3125]
)");

  // Aliases, as in the reference.
  for (auto [alias, name] : {std::pair{"asin", "arcsin"}, {"acos", "arccos"}, {"atan", "arctan"},
                             {"asinh", "arcsinh"}, {"acosh", "arccosh"}, {"atanh", "arctanh"},
                             {"atan2", "arctan2"}, {"pow", "power"}, {"bitwise_left_shift", "left_shift"},
                             {"bitwise_right_shift", "right_shift"}}) {
    if (nb::hasattr(m, name)) m.attr(alias) = m.attr(name);
  }

  // Array methods and properties.
  method("log1p", &mx::log1p, "Element-wise log(1 + self).");
  method("log2", &mx::log2, "Element-wise base-2 logarithm.");
  method("log10", &mx::log10, "Element-wise base-10 logarithm.");
  method("reciprocal", &mx::reciprocal, "Element-wise 1 / self.");
  method("rsqrt", &mx::rsqrt, "Element-wise 1 / sqrt(self).");
  method("conj", &mx::conjugate, "The complex conjugate.");
  def_array_method("round", [](const mx::array& a, int decimals, mx::StreamOrDevice s) {
        return mx::round(a, decimals, s);
      }, "decimals"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      "Rounds to the given number of decimals, halves to even. See :func:`mlx.core.round`.");
  def_array_property("real", [](const mx::array& a) { return mx::real(a); }, "The real part of a complex array.");
  def_array_property("imag", [](const mx::array& a) { return mx::imag(a); },
                     "The imaginary part of a complex array.");
}
