// Module-level functions of mlx.core (the op API) and its constants.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <limits>
#include <string>

#include "python/src/common.h"
#include "python/src/def_elementwise.h"
#include "python/src/convert.h"
#include "mlx_core/primitives/primitive.h"

using namespace nb::literals;

namespace {

// An op's array operand: arrays pass through, anything else is converted (scalars with
// their default dtype).
mx::array arg(nb::handle v) {
  if (nb::isinstance<mx::array>(v)) return nb::cast<mx::array>(v);
  return to_array(v);
}


// A docstring kept for the life of the module (nanobind keeps the pointer).
const char* keep(std::string doc) {
  return (new std::string(std::move(doc)))->c_str();
}

const char* kStreamDoc =
    "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n";

// "<what>.\n\nArgs: a ... Returns ... Example" for an element-wise unary op.
const char* unary_doc(const char* what, const char* result, const char* example) {
  std::string d = std::string(what) + "\n\nArgs:\n    a (array or scalar): The input.\n" + kStreamDoc +
      "\nReturns:\n    array: " + result + "\n";
  if (example) d += std::string("\nExample:\n    >>> ") + example + "\n";
  return keep(d);
}

// The same for a binary op whose operands broadcast together; a Python scalar takes the
// other operand's dtype.
const char* binary_doc(const char* what, const char* result, const char* example) {
  std::string d = std::string(what) +
      "\n\nThe operands broadcast against each other; a Python scalar takes the dtype of the\n"
      "array beside it.\n\nArgs:\n    a (array or scalar): The first operand.\n"
      "    b (array or scalar): The second operand.\n" + kStreamDoc +
      "\nReturns:\n    array: " + result + "\n";
  if (example) d += std::string("\nExample:\n    >>> ") + example + "\n";
  return keep(d);
}

// logical_and / logical_or: a Python scalar operand counts by its truth value (as in NumPy),
// never converted to the other operand's dtype first (300 next to int8 is True, not an
// overflow; 2**32 next to bool is True, not a truncated 0).
mx::array logical_operand(nb::handle v) {
  if (is_scalar(v)) {
    int t = PyObject_IsTrue(v.ptr());
    if (t < 0) throw nb::python_error();
    return mx::array(t == 1);
  }
  return arg(v);
}

void def_logical(nb::module_& m, const char* name, BinaryFn fn, const char* doc) {
  def_op(m, name, [fn](nb::handle a, nb::handle b, mx::StreamOrDevice s) {
        return fn(logical_operand(a), logical_operand(b), s);
      }, nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig(keep(std::string("def ") + name +
                   "(a: scalar | array, b: scalar | array, /, *, stream: Stream | Device | None = None) -> array")),
      doc);
}

bool is_int_like(nb::handle v) {
  return v.is_none() || PyLong_Check(v.ptr()) ||
      (!PyFloat_Check(v.ptr()) && PyIndex_Check(v.ptr()));
}


// arange over [start, stop) (start absent: 0). int32 when every bound is an int and fits
// int32, int64 when an int bound does not (as the reference), else float32.
// `stop_name` is how the caller named the stop value (for messages).
mx::array arange_impl(nb::handle start, nb::handle stop, nb::handle step, const std::optional<DtypeArg>& dtype_arg,
                      mx::StreamOrDevice s, const char* stop_name = "stop") {
  auto dtype = to_dtype_opt(dtype_arg, "arange");
  if (stop.is_none()) throw mx::type_error("[arange] Expected at least a stop value.");
  for (nb::handle v : {start, stop, step}) {
    if (v.is_valid() && PyBool_Check(v.ptr())) throw std::invalid_argument("[arange] bool is not supported for arange.");
  }
  auto num = [](nb::handle v, const char* name) {
    if (PyFloat_Check(v.ptr()) || PyLong_Check(v.ptr()) || PyIndex_Check(v.ptr()) || PyNumber_Check(v.ptr())) {
      if (!PyComplex_Check(v.ptr())) return nb::cast<double>(v);
    }
    throw mx::type_error(std::string("[arange] Expected ") + name + " to be an int or a float, but got " +
                         arg_type_name(v) + ".");
  };
  bool has_start = start.is_valid() && !start.is_none();
  bool ints = is_int_like(stop) && (!has_start || is_int_like(start)) && is_int_like(step);
  double lo = has_start ? num(start, "start") : 0.0;
  double hi = num(stop, stop_name);
  double st = step.is_none() ? 1.0 : num(step, "step");
  mx::Dtype dt = mx::float32;
  if (ints) {
    auto fits32 = [](double v) { return v >= -2147483648.0 && v <= 2147483647.0; };
    dt = fits32(lo) && fits32(hi) && fits32(st) ? mx::int32 : mx::int64;
    // Int bounds as exact integers (clamped to +-2**120, far past any value of a non-empty
    // int64 range): past 2**53 doubles are not exact, so such ranges are counted and
    // computed in 64-bit integers.
    constexpr __int128 lim = static_cast<__int128>(1) << 120;
    bool beyond53 = false;
    auto i128 = [&](nb::handle v, int64_t dflt) -> __int128 {
      if (!v.is_valid() || v.is_none()) return dflt;
      nb::object idx = nb::steal(PyNumber_Index(v.ptr()));
      if (!idx.is_valid()) throw nb::python_error();
      int overflow = 0;
      long long r = PyLong_AsLongLongAndOverflow(idx.ptr(), &overflow);
      if (!overflow) {
        if (r > (int64_t(1) << 53) || r < -(int64_t(1) << 53)) beyond53 = true;
        return r;
      }
      beyond53 = true;
      // v = high * 2**64 + low with 0 <= low < 2**64.
      nb::object sh = nb::steal(PyLong_FromLong(64)), mask = nb::steal(PyLong_FromUnsignedLongLong(~0ULL));
      nb::object high = nb::steal(PyNumber_Rshift(idx.ptr(), sh.ptr()));
      nb::object low = nb::steal(PyNumber_And(idx.ptr(), mask.ptr()));
      long long h = PyLong_AsLongLongAndOverflow(high.ptr(), &overflow);
      if (overflow || h >= (int64_t(1) << 56) || h < -(int64_t(1) << 56)) return (overflow ? overflow : h) > 0 ? lim : -lim;
      return static_cast<__int128>(h) * (static_cast<__int128>(1) << 64) +
             static_cast<__int128>(PyLong_AsUnsignedLongLong(low.ptr()));
    };
    __int128 lo_i = i128(has_start ? start : nb::handle(), 0), hi_i = i128(stop, 0), st_i = i128(step, 1);
    auto clamped = [&](__int128 v) { return v == lim || v == -lim; };
    if (clamped(lo_i) || (clamped(hi_i) && clamped(st_i)))
      throw std::overflow_error("[arange] The bounds are too large for the 64-bit integers it computes with.");
    if (beyond53 && (!dtype || mx::is_integral(*dtype)) && st_i != 0) {
      __int128 span = hi_i - lo_i;
      __int128 n = span / st_i;
      if (n * st_i != span && ((span > 0) == (st_i > 0))) ++n;
      if (n < 0) n = 0;
      if (n > INT32_MAX) throw std::invalid_argument("[arange] Maximum size exceeded.");
      auto fits = [](__int128 v) { return v >= INT64_MIN && v <= INT64_MAX; };
      if (n > 0 && (!fits(lo_i) || !fits(lo_i + (n - 1) * st_i)))
        throw std::overflow_error("[arange] The values of the range do not fit the 64-bit integers it computes with.");
      // A step beyond int64 leaves one value, the start.
      int64_t step64 = n > 1 ? static_cast<int64_t>(st_i) : 1;
      mx::array i = mx::arange(0.0, static_cast<double>(n), 1.0, mx::int64, s);
      // Wrapping int64 arithmetic: every value start + i * step lies in [start, stop).
      mx::array r = mx::add(mx::multiply(i, mx::array(step64, mx::int64), s),
                            mx::array(static_cast<int64_t>(lo_i), mx::int64), s);
      return mx::astype(r, dtype.value_or(dt), s);
    }
  }
  return mx::arange(lo, hi, st, dtype.value_or(dt), s);
}
} // namespace

void init_ops(nb::module_& m) {
  // Creation.
  def_op(m, "zeros", [](const ShapeArg& shape, std::optional<DtypeArg> dtype, mx::StreamOrDevice s) {
        return mx::zeros(to_shape(shape, "zeros"), to_dtype(dtype, "zeros", mx::float32), s);
      }, "shape"_a, "dtype"_a = mx::float32, nb::kw_only(), "stream"_a = nb::none(),
      "An array of zeros.\n\n"
      "Args:\n"
      "    shape (int or Sequence[int]): The shape of the result.\n"
      "    dtype (Dtype, optional): The element type. Default: float32.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: An array of the given shape filled with zeros.\n\n"
      "Example:\n"
      "    >>> mx.zeros((2, 3), dtype=mx.int32)");
  def_op(m, "ones", [](const ShapeArg& shape, std::optional<DtypeArg> dtype, mx::StreamOrDevice s) {
        return mx::ones(to_shape(shape, "ones"), to_dtype(dtype, "ones", mx::float32), s);
      }, "shape"_a, "dtype"_a = mx::float32, nb::kw_only(), "stream"_a = nb::none(),
      "An array of ones.\n\n"
      "Args:\n"
      "    shape (int or Sequence[int]): The shape of the result.\n"
      "    dtype (Dtype, optional): The element type. Default: float32.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: An array of the given shape filled with ones.\n\n"
      "Example:\n"
      "    >>> mx.ones(3)");
  def_op(m, "full", [](const ShapeArg& shape, nb::handle vals, std::optional<DtypeArg> dtype_arg,
                   mx::StreamOrDevice s) {
        auto shp = to_shape(shape, "full");
        auto dtype = to_dtype_opt(dtype_arg, "full");
        if (!dtype) return mx::full(shp, arg(vals), s);
        // As the reference: a scalar is weakly typed against dtype, and the result takes
        // the promotion of the value's type and dtype (full((2,), 3.5, int32) is float32).
        mx::array v = is_scalar(vals) ? weak_scalar(vals, *dtype) : arg(vals);
        return mx::full(shp, v, mx::promote_types(v.dtype(), *dtype), s);
      }, "shape"_a, "vals"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def full(shape: int | collections.abc.Sequence[int], vals: scalar | array, "
              "dtype: Dtype | None = None, *, stream: Stream | Device | None = None) -> array"),
      "An array of the given shape filled with vals.\n\n"
      "Args:\n"
      "    shape (int or Sequence[int]): The shape of the result.\n"
      "    vals (scalar or array): The fill value; an array is broadcast to shape.\n"
      "    dtype (Dtype, optional): The element type. Default: None, the type of vals\n"
      "        (a Python float gives float32, an int int32).\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: The filled array.\n\n"
      "Example:\n"
      "    >>> mx.full((2, 2), 7, dtype=mx.int16)");
  def_op(m, "zeros_like", [](const mx::array& a, std::optional<DtypeArg> dtype, mx::StreamOrDevice s) {
        auto d = to_dtype_opt(dtype, "zeros_like");
        return d ? mx::zeros(a.shape(), *d, s) : mx::zeros_like(a, s);
      }, nb::sig("def zeros_like(a: mlx.core.array, /, dtype: mlx.core.Dtype | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "An array of zeros with the shape and type of a.\n\n"
      "Args:\n"
      "    a (array): The array whose shape (and dtype) the result takes.\n"
      "    dtype (Dtype, optional): The element type. Default: None, a's dtype.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: Zeros shaped like a.");
  def_op(m, "ones_like", [](const mx::array& a, std::optional<DtypeArg> dtype, mx::StreamOrDevice s) {
        auto d = to_dtype_opt(dtype, "ones_like");
        return d ? mx::ones(a.shape(), *d, s) : mx::ones_like(a, s);
      }, nb::sig("def ones_like(a: mlx.core.array, /, dtype: mlx.core.Dtype | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "An array of ones with the shape and type of a.\n\n"
      "Args:\n"
      "    a (array): The array whose shape (and dtype) the result takes.\n"
      "    dtype (Dtype, optional): The element type. Default: None, a's dtype.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: Ones shaped like a.");
  // arange(start, stop[, step]) and arange(stop[, step]), two overloads as in the reference:
  // a start given by keyword needs a stop (arange(start=1, step=2) is a TypeError).
  def_op(m, "arange", [](nb::handle start, nb::handle stop, nb::handle step, std::optional<DtypeArg> dtype,
                         mx::StreamOrDevice s) {
        if (stop.is_none()) return arange_impl(nb::handle(), start, step, dtype, s, "start");
        return arange_impl(start, stop, step, dtype, s);
      }, "start"_a, "stop"_a.none(), "step"_a.none() = nb::none(),
      "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def arange(start: int | float, stop: int | float | None, "
              "step: int | float | None = None, dtype: Dtype | None = None, *, "
              "stream: Stream | Device | None = None) -> array"),
      "Evenly spaced values in the half-open interval [start, stop).\n\n"
      "Called as arange(stop) or arange(start, stop[, step]).\n\n"
      "Args:\n"
      "    start (int or float): The first value (or stop, when stop is None). Default: 0.\n"
      "    stop (int or float, optional): The end of the interval, not included.\n"
      "    step (int or float, optional): The spacing between values. Default: 1.\n"
      "    dtype (Dtype, optional): The element type. Default: int32 when every bound is\n"
      "        an int (int64 when one of them does not fit int32), else float32.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: A 1-D array of ceil((stop - start) / step) values.\n\n"
      "Example:\n"
      "    >>> mx.arange(0, 1, 0.25)  # array([0, 0.25, 0.5, 0.75], dtype=float32)");
  def_op(m, "arange", [](nb::handle stop, nb::handle step, std::optional<DtypeArg> dtype, mx::StreamOrDevice s) {
        return arange_impl(nb::handle(), stop, step, dtype, s);
      }, "stop"_a, "step"_a.none() = nb::none(), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def arange(stop: int | float, step: int | float | None = None, dtype: Dtype | None = None, *, "
              "stream: Stream | Device | None = None) -> array"));
  def_op(m, "linspace", [](double start, double stop, std::optional<int> num, bool endpoint,
                       std::optional<DtypeArg> dtype, mx::StreamOrDevice s) {
        int n = num.value_or(50);
        mx::Dtype d = to_dtype(dtype, "linspace", mx::float32);
        if (endpoint || n <= 0) return mx::linspace(start, stop, n, d, s);
        // Without the endpoint: n + 1 points, the last dropped.
        mx::array r = mx::linspace(start, stop, n + 1, d, s);
        return mx::slice(r, {0}, {n}, {1}, s);
      }, "start"_a, "stop"_a, "num"_a = 50, "endpoint"_a = true, "dtype"_a = mx::float32,
      "stream"_a = nb::none(),
      "num evenly spaced values over the closed interval [start, stop].\n\n"
      "Args:\n"
      "    start (float): The first value.\n"
      "    stop (float): The last value (included when endpoint is True).\n"
      "    num (int, optional): How many values. Default: 50.\n"
      "    endpoint (bool, optional): Whether stop is the last value; when False the\n"
      "        values cover [start, stop) with spacing (stop - start) / num. Default: True.\n"
      "    dtype (Dtype, optional): The element type. Default: float32.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: A 1-D array of num values.\n\n"
      "Example:\n"
      "    >>> mx.linspace(0, 1, 5)  # array([0, 0.25, 0.5, 0.75, 1], dtype=float32)");
  def_op(m, "eye", [](int n, std::optional<int> mm, int k, std::optional<DtypeArg> dtype,
                  mx::StreamOrDevice s) {
        return mx::eye(n, mm.value_or(n), k, to_dtype(dtype, "eye", mx::float32), s);
      }, "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = mx::float32, nb::kw_only(),
      "stream"_a = nb::none(),
      "A 2-D array with ones on diagonal k and zeros elsewhere.\n\n"
      "Args:\n"
      "    n (int): The number of rows.\n"
      "    m (int, optional): The number of columns. Default: None, n.\n"
      "    k (int, optional): The diagonal: 0 the main one, > 0 above it, < 0 below.\n"
      "        Default: 0.\n"
      "    dtype (Dtype, optional): The element type. Default: float32.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: An n x m array.\n\n"
      "Example:\n"
      "    >>> mx.eye(3, k=1)");
  def_op(m, "identity", [](int n, std::optional<DtypeArg> dtype, mx::StreamOrDevice s) {
        return mx::identity(n, to_dtype(dtype, "identity", mx::float32), s);
      }, "n"_a, "dtype"_a = mx::float32, nb::kw_only(), "stream"_a = nb::none(),
      "The n x n identity matrix.\n\n"
      "Args:\n"
      "    n (int): The number of rows and columns.\n"
      "    dtype (Dtype, optional): The element type. Default: float32.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: An n x n array with ones on the diagonal.");
  def_op(m, "astype", [](const mx::array& a, const DtypeArg& d, mx::StreamOrDevice s) {
        return mx::astype(a, to_dtype(d, "astype"), s);
      }, nb::sig("def astype(a: mlx.core.array, /, dtype: mlx.core.Dtype, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "dtype"_a, nb::kw_only(), "stream"_a = nb::none(),
      "A copy of a cast to dtype.\n\n"
      "Floats cast to integers round toward zero; casts to bool test for non-zero.\n\n"
      "Args:\n"
      "    a (array): The input array.\n"
      "    dtype (Dtype): The element type of the result.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: The cast array.\n\n"
      "Example:\n"
      "    >>> mx.astype(mx.array([1.7, -1.7]), mx.int32)  # array([1, -1], dtype=int32)");
  def_op(m, "asarray", [](nb::handle a, std::optional<DtypeArg> dtype, std::optional<bool> copy) {
        return asarray(a, to_dtype_opt(dtype, "asarray"), copy);
      }, "a"_a, "dtype"_a = nb::none(), nb::kw_only(), "copy"_a = nb::none(),
      nb::sig("def asarray(a: scalar | list | tuple | DLPackCompatible | array, "
              "dtype: Dtype | None = None, *, copy: bool | None = None) -> array"),
      "Converts the input to an array, sharing memory where it can.\n\n"
      "Args:\n"
      "    a (scalar, sequence, buffer, DLPack or NumPy array, or array): The input.\n"
      "    dtype (Dtype, optional): The element type. Default: None, inferred from a.\n"
      "    copy (bool, optional): None (default) shares a's memory when possible and\n"
      "        copies otherwise; True always copies; False never copies and raises\n"
      "        ValueError when a copy is needed.\n\n"
      "Returns:\n"
      "    array: a itself when it is an array of the right dtype, else an array of its values.");
  def_op(m, "view", [](nb::handle a, const DtypeArg& dtype, mx::StreamOrDevice s) {
        return mx::view(to_array(a), to_dtype(dtype, "view"), s);
      }, nb::arg(), "dtype"_a, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def view(a: scalar | array, /, dtype: Dtype, *, stream: Stream | Device | None = None) -> array"),
      "The bytes of a reinterpreted as dtype (no conversion of values).\n\n"
      "When the item sizes differ the last axis scales by their ratio, and must then be\n"
      "contiguous.\n\n"
      "Args:\n"
      "    a (scalar or array): The input.\n"
      "    dtype (Dtype): The element type to read the bytes as.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: The reinterpreted array.\n\n"
      "Example:\n"
      "    >>> mx.view(mx.array([1.0]), mx.uint32)  # array([1065353216], dtype=uint32)");
  def_op(m, "stop_gradient", [](const mx::array& a, mx::StreamOrDevice s) {
        return mx::stop_gradient(a, s);
      }, nb::sig("def stop_gradient(a: mlx.core.array, /, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), nb::kw_only(), "stream"_a = nb::none(), "The same values, with gradients stopped: a is treated as a constant by grad, vjp\n"
      "and jvp.\n"
      "\n"
      "Args:\n"
      "    a (array): The input.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: a's values.\n");

  // Element-wise.
  def_unary_op(m, "abs", &mx::abs, unary_doc("Element-wise absolute value |a|.", "The absolute values; complex inputs give their float32 magnitude.", "mx.abs(mx.array([-1, 2]))  # array([1, 2], dtype=int32)"));
  def_unary_op(m, "negative", &mx::negative, unary_doc("Element-wise negation -a.", "The negated values, in a's dtype.", nullptr));
  def_unary_op(m, "sign", &mx::sign, unary_doc("Element-wise sign: -1, 0 or 1 (x / |x| for complex).", "The signs, in a's dtype.", "mx.sign(mx.array([-2.0, 0.0, 3.0]))  # array([-1, 0, 1], dtype=float32)"));
  def_unary_op(m, "exp", &mx::exp, unary_doc("Element-wise exponential e**a.", "The exponentials; integer inputs give float32.", "mx.exp(mx.array([0.0, 1.0]))  # array([1, 2.71828], dtype=float32)"));
  def_unary_op(m, "log", &mx::log, unary_doc("Element-wise natural logarithm.", "log(a); nan below 0 and -inf at 0 for real inputs. Integer inputs give float32.", nullptr));
  def_unary_op(m, "sqrt", &mx::sqrt, unary_doc("Element-wise square root.", "sqrt(a); nan below 0 for real inputs. Integer inputs give float32.", "mx.sqrt(mx.array([4.0, 9.0]))  # array([2, 3], dtype=float32)"));
  def_unary_op(m, "square", &mx::square, unary_doc("Element-wise square a * a.", "The squares, in a's dtype.", nullptr));
  def_unary_op(m, "sin", &mx::sin, unary_doc("Element-wise sine (of radians).", "sin(a); integer inputs give float32.", nullptr));
  def_unary_op(m, "cos", &mx::cos, unary_doc("Element-wise cosine (of radians).", "cos(a); integer inputs give float32.", nullptr));
  def_unary_op(m, "tanh", &mx::tanh, unary_doc("Element-wise hyperbolic tangent.", "tanh(a); integer inputs give float32.", nullptr));
  def_unary_op(m, "sigmoid", &mx::sigmoid, unary_doc("Element-wise logistic sigmoid 1 / (1 + exp(-a)).", "Values in [0, 1]; integer inputs give float32.", nullptr));
  def_unary_op(m, "logical_not", &mx::logical_not, unary_doc("Element-wise logical not: True where a is zero.", "A bool array.", "mx.logical_not(mx.array([0, 2]))  # array([True, False], dtype=bool)"));
  def_unary_op(m, "bitwise_invert", &mx::bitwise_invert, unary_doc("Element-wise bitwise inversion ~a of integer and bool arrays.", "The inverted bits, in a's dtype (logical not for bool).", nullptr));
  def_binary_op(m, "add", &mx::add, binary_doc("Element-wise addition a + b.", "The sums, in the promoted dtype.", "mx.add(mx.array([1, 2]), 3)  # array([4, 5], dtype=int32)"));
  def_binary_op(m, "subtract", &mx::subtract, binary_doc("Element-wise subtraction a - b.", "The differences, in the promoted dtype.", nullptr));
  def_binary_op(m, "multiply", &mx::multiply, binary_doc("Element-wise multiplication a * b.", "The products, in the promoted dtype.", nullptr));
  def_binary_op(m, "divide", &mx::divide, binary_doc("Element-wise true division a / b.", "The quotients; integer operands give float32.", "mx.divide(mx.array([1, 2]), 2)  # array([0.5, 1], dtype=float32)"));
  def_binary_op(m, "floor_divide", &mx::floor_divide, binary_doc("Element-wise floor division a // b.", "floor(a / b); integer division by zero gives 0 (never a crash).", nullptr));
  def_binary_op(m, "remainder", &mx::remainder, binary_doc("Element-wise remainder a % b, with the sign of the divisor (as in Python).", "The remainders, in the promoted dtype.", "mx.remainder(mx.array([-3, 3]), 2)  # array([1, 1], dtype=int32)"));
  def_binary_op(m, "power", &mx::power, binary_doc("Element-wise power a ** b.", "The powers, in the promoted dtype.", nullptr));
  def_binary_op(m, "maximum", &mx::maximum, binary_doc("Element-wise maximum of a and b (nan if either is nan).", "The larger values.", nullptr));
  def_binary_op(m, "minimum", &mx::minimum, binary_doc("Element-wise minimum of a and b (nan if either is nan).", "The smaller values.", nullptr));
  def_binary_op(m, "equal", &mx::equal, binary_doc("Element-wise equality a == b.", "A bool array.", nullptr));
  def_binary_op(m, "not_equal", &mx::not_equal, binary_doc("Element-wise inequality a != b.", "A bool array.", nullptr));
  def_binary_op(m, "less", &mx::less, binary_doc("Element-wise comparison a < b.", "A bool array.", nullptr));
  def_binary_op(m, "less_equal", &mx::less_equal, binary_doc("Element-wise comparison a <= b.", "A bool array.", nullptr));
  def_binary_op(m, "greater", &mx::greater, binary_doc("Element-wise comparison a > b.", "A bool array.", nullptr));
  def_binary_op(m, "greater_equal", &mx::greater_equal, binary_doc("Element-wise comparison a >= b.", "A bool array.", nullptr));
  def_logical(m, "logical_and", &mx::logical_and, binary_doc("Element-wise logical and: True where both a and b are non-zero. A Python scalar counts by its truth value.", "A bool array.", "mx.logical_and(mx.array([1, 0], mx.int8), 300)  # array([True, False], dtype=bool)"));
  def_logical(m, "logical_or", &mx::logical_or, binary_doc("Element-wise logical or: True where a or b is non-zero. A Python scalar counts by its truth value.", "A bool array.", "mx.logical_or(mx.array([0, 0]), mx.array([0, 5]))  # array([False, True], dtype=bool)"));
  def_binary_op(m, "bitwise_and", &mx::bitwise_and, binary_doc("Element-wise bitwise and a & b of integer or bool arrays.", "The result, in the promoted dtype.", nullptr));
  def_binary_op(m, "bitwise_or", &mx::bitwise_or, binary_doc("Element-wise bitwise or a | b of integer or bool arrays.", "The result, in the promoted dtype.", nullptr));
  def_binary_op(m, "bitwise_xor", &mx::bitwise_xor, binary_doc("Element-wise bitwise xor a ^ b of integer or bool arrays.", "The result, in the promoted dtype.", nullptr));
  def_binary_op(m, "left_shift", &mx::left_shift, binary_doc("Element-wise left shift a << b of integer arrays.", "The shifted values, in the promoted dtype.", "mx.left_shift(mx.array([1, 2]), 3)  # array([8, 16], dtype=int32)"));
  def_binary_op(m, "right_shift", &mx::right_shift, binary_doc("Element-wise right shift a >> b of integer arrays.", "The shifted values, in the promoted dtype.", nullptr));
  def_op(m, "divmod", [](nb::handle a, nb::handle b, mx::StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b);
        auto r = mx::divmod(x, y, s);
        return nb::make_tuple(r[0], r[1]);
      }, nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def divmod(a: scalar | array, b: scalar | array, /, *, stream: Stream | Device | None = None) "
              "-> tuple[array, array]"),
      "Element-wise quotient and remainder (a // b, a % b), computed in one pass.\n"
      "\n"
      "Args:\n"
      "    a (array or scalar): The dividend.\n"
      "    b (array or scalar): The divisor.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    tuple[array, array]: The floor quotients and the remainders (sign of the divisor).\n"
      "\n"
      "Example:\n"
      "    >>> q, r = mx.divmod(mx.array([7, -7]), 2)  # [3, -4], [1, 1]\n");
  // The output shapes the primitive of an unevaluated array computes from its inputs (for
  // tests of Primitive::output_shapes; not part of the reference's API).
  def_op(m, "_output_shapes", [](const mx::array& a) {
        if (!a.has_primitive()) throw std::invalid_argument("[_output_shapes] The array has no primitive.");
        nb::list out;
        for (auto& shape : a.primitive().output_shapes(a.inputs())) {
          nb::list dims;
          for (auto d : shape) dims.append(d);
          out.append(nb::tuple(dims));
        }
        return out;
      }, "a"_a);
  def_op(m, "where", [](nb::handle c, nb::handle x, nb::handle y, mx::StreamOrDevice s) {
        auto v = to_arrays(std::vector<nb::handle>{x, y});
        return mx::where(arg(c), v[0], v[1], s);
      }, nb::sig("def where(condition: object, x: object, y: object, /, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      "Selects from x where condition is true and from y elsewhere.\n"
      "\n"
      "condition, x and y broadcast together; a Python scalar takes the dtype of the arrays.\n"
      "\n"
      "Args:\n"
      "    condition (array or scalar): Non-zero selects x.\n"
      "    x (array or scalar): The values where condition is true.\n"
      "    y (array or scalar): The values where condition is false.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: The selected values, in the promoted dtype of x and y.\n"
      "\n"
      "Example:\n"
      "    >>> mx.where(mx.array([True, False]), 1, 2)  # array([1, 2], dtype=int32)\n");
  def_op(m, "matmul", [](const mx::array& a, const mx::array& b, mx::StreamOrDevice s) {
        return mx::matmul(a, b, s);
      }, nb::sig("def matmul(a: mlx.core.array, b: mlx.core.array, /, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      "Matrix product a @ b with NumPy's rules.\n"
      "\n"
      "1-D operands are promoted to matrices (and the added axis removed); leading axes\n"
      "broadcast as batch axes. Integer and bool inputs compute as NumPy's do (integers wrap\n"
      "in their dtype, bool is the OR of ANDs).\n"
      "\n"
      "Args:\n"
      "    a (array): The left operand, shape (..., m, k) or (k,).\n"
      "    b (array): The right operand, shape (..., k, n) or (k,).\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: The product, shape (..., m, n).\n"
      "\n"
      "Example:\n"
      "    >>> mx.matmul(mx.ones((2, 3)), mx.ones((3, 4))).shape  # (2, 4)\n");

  // Reductions.
#define REDUCE_FN(NAME, DOC)                                                                \
  def_op(m, #NAME, [](const mx::array& a, std::optional<AxisArg> axis, bool keepdims,           \
                  mx::StreamOrDevice s) {                                                   \
        return reduce_arg(a, axis, keepdims, s, #NAME,                                      \
            [](const mx::array& x, const std::vector<int>& ax, bool k, mx::StreamOrDevice st) { \
              return mx::NAME(x, ax, k, st); },                                             \
            [](const mx::array& x, bool k, mx::StreamOrDevice st) { return mx::NAME(x, k, st); }); \
      }, nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),             \
      "stream"_a = nb::none(),                                                              \
      nb::sig("def " #NAME "(a: mlx.core.array, /, axis: int | collections.abc.Sequence[int] | None = None, " \
              "keepdims: bool = False, *, stream: mlx.core.Stream | mlx.core.Device | None = None) "      \
              "-> mlx.core.array"), DOC);
  REDUCE_FN(sum, "The sum of the elements over the given axes.\n\n"
  "Args:\n"
  "    a (array): The input.\n"
  "    axis (int or Sequence[int], optional): The axes to reduce. Default: None, all axes.\n"
  "    keepdims (bool, optional): Keep the reduced axes with size 1. Default: False.\n"
  "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
  "Returns:\n"
  "    array: The reduced array.\n\n"
  "Example:\n"
  "    >>> mx.sum(mx.array([[1, 2], [3, 4]]), axis=0)  # array([4, 6], dtype=int32)\n")
  REDUCE_FN(mean, "The mean of the elements (integer inputs give float32) over the given axes.\n\n"
  "Args:\n"
  "    a (array): The input.\n"
  "    axis (int or Sequence[int], optional): The axes to reduce. Default: None, all axes.\n"
  "    keepdims (bool, optional): Keep the reduced axes with size 1. Default: False.\n"
  "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
  "Returns:\n"
  "    array: The reduced array.\n\n"
  "Example:\n"
  "    >>> mx.mean(mx.array([1, 2, 3, 4]))  # array(2.5, dtype=float32)\n")
  REDUCE_FN(max, "The largest element over the given axes.\n\n"
  "Args:\n"
  "    a (array): The input.\n"
  "    axis (int or Sequence[int], optional): The axes to reduce. Default: None, all axes.\n"
  "    keepdims (bool, optional): Keep the reduced axes with size 1. Default: False.\n"
  "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
  "Returns:\n"
  "    array: The reduced array.\n\n"
  "Example:\n"
  "    >>> mx.max(mx.array([[1, 5], [3, 2]]), axis=1)  # array([5, 3], dtype=int32)\n")
  REDUCE_FN(min, "The smallest element over the given axes.\n\n"
  "Args:\n"
  "    a (array): The input.\n"
  "    axis (int or Sequence[int], optional): The axes to reduce. Default: None, all axes.\n"
  "    keepdims (bool, optional): Keep the reduced axes with size 1. Default: False.\n"
  "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
  "Returns:\n"
  "    array: The reduced array.\n\n"
  "Example:\n"
  "    >>> mx.min(mx.array([3, 1, 2]))  # array(1, dtype=int32)\n")
  REDUCE_FN(prod, "The product of the elements over the given axes.\n\n"
  "Args:\n"
  "    a (array): The input.\n"
  "    axis (int or Sequence[int], optional): The axes to reduce. Default: None, all axes.\n"
  "    keepdims (bool, optional): Keep the reduced axes with size 1. Default: False.\n"
  "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
  "Returns:\n"
  "    array: The reduced array.\n\n"
  "Example:\n"
  "    >>> mx.prod(mx.array([1, 2, 3, 4]))  # array(24, dtype=int32)\n")
#undef REDUCE_FN
#define ARG_FN(NAME, DOC)                                                                   \
  def_op(m, #NAME, [](const mx::array& a, std::optional<int> axis, bool keepdims,               \
                  mx::StreamOrDevice s) {                                                   \
        return arg_reduce(a, axis, keepdims, s,                                             \
            [](const mx::array& x, int ax, bool k, mx::StreamOrDevice st) { return mx::NAME(x, ax, k, st); }, \
            [](const mx::array& x, bool k, mx::StreamOrDevice st) { return mx::NAME(x, k, st); }); \
      }, nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),             \
      "stream"_a = nb::none(),                                                              \
      nb::sig("def " #NAME "(a: mlx.core.array, /, axis: int | None = None, keepdims: bool = False, " \
              "*, stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"), DOC);
  ARG_FN(argmax, "The index (uint32) of the largest value along an axis; the first on ties.\n\n"
  "Args:\n"
  "    a (array): The input.\n"
  "    axis (int, optional): The axis to search. Default: None, the flattened array.\n"
  "    keepdims (bool, optional): Keep the reduced axis with size 1. Default: False.\n"
  "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
  "Returns:\n"
  "    array: The indices.\n\n"
  "Example:\n"
  "    >>> mx.argmax(mx.array([1, 3, 2]))  # array(1, dtype=uint32)\n")
  ARG_FN(argmin, "The index (uint32) of the smallest value along an axis; the first on ties.\n\n"
  "Args:\n"
  "    a (array): The input.\n"
  "    axis (int, optional): The axis to search. Default: None, the flattened array.\n"
  "    keepdims (bool, optional): Keep the reduced axis with size 1. Default: False.\n"
  "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
  "Returns:\n"
  "    array: The indices.\n\n"
  "Example:\n"
  "    >>> mx.argmin(mx.array([[4, 1], [0, 5]]), axis=1)  # array([1, 0], dtype=uint32)\n")
#undef ARG_FN

  // Shapes.
  def_op(m, "reshape", [](const mx::array& a, const ShapeArg& shape, mx::StreamOrDevice s) {
        return mx::reshape(a, to_shape(shape, "reshape"), s);
      }, nb::sig("def reshape(a: mlx.core.array, /, shape: int | collections.abc.Sequence[int], *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
      "The same values with a new shape (a view when the layout allows, else a copy).\n"
      "\n"
      "Args:\n"
      "    a (array): The input.\n"
      "    shape (int or Sequence[int]): The new shape; one dimension may be -1, inferred\n"
      "        from the size.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: The reshaped array.\n"
      "\n"
      "Example:\n"
      "    >>> mx.reshape(mx.arange(6), (2, -1)).shape  # (2, 3)\n");
  def_op(m, "transpose", [](const mx::array& a, std::optional<std::vector<int>> axes,
                        mx::StreamOrDevice s) {
        return axes ? mx::transpose(a, *axes, s) : mx::transpose(a, s);
      }, nb::sig("def transpose(a: mlx.core.array, /, axes: collections.abc.Sequence[int] | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axes"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "Permutes the axes of a.\n"
      "\n"
      "Args:\n"
      "    a (array): The input.\n"
      "    axes (Sequence[int], optional): The new order of the axes. Default: None, the\n"
      "        reverse order.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: A view with permuted axes.\n"
      "\n"
      "Example:\n"
      "    >>> mx.transpose(mx.zeros((2, 3, 4)), (2, 0, 1)).shape  # (4, 2, 3)\n");
  def_op(m, "swapaxes", [](const mx::array& a, int a1, int a2, mx::StreamOrDevice s) {
        return mx::swapaxes(a, a1, a2, s);
      }, nb::sig("def swapaxes(a: mlx.core.array, /, axis1: int, axis2: int, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a = nb::none(),
      "Swaps two axes of a.\n"
      "\n"
      "Args:\n"
      "    a (array): The input.\n"
      "    axis1 (int): The first axis.\n"
      "    axis2 (int): The second axis.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: A view with the two axes exchanged.\n");
  def_op(m, "moveaxis", [](const mx::array& a, int src, int dst, mx::StreamOrDevice s) {
        return mx::moveaxis(a, src, dst, s);
      }, nb::sig("def moveaxis(a: mlx.core.array, /, source: int, destination: int, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "source"_a, "destination"_a, nb::kw_only(), "stream"_a = nb::none(),
      "Moves one axis of a to a new position; the others keep their order.\n"
      "\n"
      "Args:\n"
      "    a (array): The input.\n"
      "    source (int): The axis to move.\n"
      "    destination (int): Its position in the result.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: A view with the axis moved.\n"
      "\n"
      "Example:\n"
      "    >>> mx.moveaxis(mx.zeros((2, 3, 4)), 0, -1).shape  # (3, 4, 2)\n");
  def_op(m, "squeeze", [](const mx::array& a, std::optional<AxisArg> axis, mx::StreamOrDevice s) {
        return axis ? mx::squeeze(a, to_axes(*axis, "squeeze"), s) : mx::squeeze(a, s);
      }, nb::sig("def squeeze(a: mlx.core.array, /, "
                "axis: int | collections.abc.Sequence[int] | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "Removes axes of size 1.\n"
      "\n"
      "Args:\n"
      "    a (array): The input.\n"
      "    axis (int or Sequence[int], optional): The axes to remove; each must have size 1.\n"
      "        Default: None, every size-1 axis.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: A view without those axes.\n");
  def_op(m, "expand_dims", [](const mx::array& a, const AxisArg& axis, mx::StreamOrDevice s) {
        return mx::expand_dims(a, to_axes(axis, "expand_dims"), s);
      }, nb::sig("def expand_dims(a: mlx.core.array, /, axis: int | collections.abc.Sequence[int], *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a, nb::kw_only(), "stream"_a = nb::none(),
      "Inserts axes of size 1.\n"
      "\n"
      "Args:\n"
      "    a (array): The input.\n"
      "    axis (int or Sequence[int]): The positions of the new axes in the result.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: A view with the added axes.\n"
      "\n"
      "Example:\n"
      "    >>> mx.expand_dims(mx.zeros(3), 0).shape  # (1, 3)\n");
  def_op(m, "broadcast_to", [](nb::handle a, const ShapeArg& shape, mx::StreamOrDevice s) {
        return mx::broadcast_to(arg(a), to_shape(shape, "broadcast_to"), s);
      }, nb::sig("def broadcast_to(a: object, /, shape: int | collections.abc.Sequence[int], *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
      "Broadcasts a to shape with NumPy's rules (no data is copied).\n"
      "\n"
      "Args:\n"
      "    a (array or scalar): The input.\n"
      "    shape (int or Sequence[int]): The target shape.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: A view of a with the given shape.\n"
      "\n"
      "Example:\n"
      "    >>> mx.broadcast_to(mx.array([1, 2]), (3, 2)).shape  # (3, 2)\n");
  def_op(m, "broadcast_arrays", [](nb::args arrays, mx::StreamOrDevice s) {
        std::vector<mx::array> in;
        for (nb::handle h : arrays) in.push_back(arg(h));
        nb::list out;
        for (auto& x : mx::broadcast_arrays(in, s)) out.append(nb::cast(x));
        return nb::tuple(out);
      }, "arrays"_a, nb::kw_only(), "stream"_a = nb::none(),
      "Broadcasts arrays against each other with NumPy's rules.\n"
      "\n"
      "Args:\n"
      "    *arrays (array): The inputs.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    tuple[array, ...]: Views of the inputs, all of the common shape.\n");
  def_op(m, "flatten", [](const mx::array& a, int start, int end, mx::StreamOrDevice s) {
        return mx::flatten(a, start, end, s);
      }, nb::sig("def flatten(a: mlx.core.array, /, start_axis: int = 0, end_axis: int = -1, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
      "Merges the axes start_axis through end_axis (inclusive) into one.\n"
      "\n"
      "Args:\n"
      "    a (array): The input.\n"
      "    start_axis (int, optional): The first axis to merge. Default: 0.\n"
      "    end_axis (int, optional): The last axis to merge. Default: -1.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "Returns:\n"
      "    array: The flattened array (1-D with the defaults).\n"
      "\n"
      "Example:\n"
      "    >>> mx.flatten(mx.zeros((2, 3, 4)), 1).shape  # (2, 12)\n");

  // Constants.
  m.attr("pi") = M_PI;
  m.attr("e") = M_E;
  m.attr("euler_gamma") = 0.5772156649015329;
  m.attr("inf") = std::numeric_limits<double>::infinity();
  m.attr("nan") = std::numeric_limits<double>::quiet_NaN();
  m.attr("newaxis") = nb::none();
}
