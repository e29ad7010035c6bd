// Module-level functions of mlx.core (the op API) and its constants.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <limits>

#include "python/src/common.h"
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

using UnaryFn = mx::array (*)(const mx::array&, mx::StreamOrDevice);
using BinFn = mx::array (*)(const mx::array&, const mx::array&, mx::StreamOrDevice);

void def_unary(nb::module_& m, const char* name, UnaryFn fn, const char* doc) {
  m.def(name, [fn](nb::handle a, mx::StreamOrDevice s) { return fn(arg(a), s); },
        "a"_a, nb::kw_only(), "stream"_a = nb::none(), doc);
}

void def_binary(nb::module_& m, const char* name, BinFn fn, const char* doc) {
  m.def(name, [fn](nb::handle a, nb::handle b, mx::StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b);
        return fn(x, y, s);
      }, "a"_a, "b"_a, "stream"_a = nb::none(), doc);
}

bool is_int_like(nb::handle v) {
  return v.is_none() || PyLong_Check(v.ptr()) ||
      (!PyFloat_Check(v.ptr()) && PyIndex_Check(v.ptr()));
}

} // namespace

void init_ops(nb::module_& m) {
  // Creation.
  m.def("zeros", [](const ShapeArg& shape, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        return mx::zeros(to_shape(shape), dtype.value_or(mx::float32), s);
      }, "shape"_a, "dtype"_a = mx::float32, nb::kw_only(), "stream"_a = nb::none(),
      "An array of zeros.");
  m.def("ones", [](const ShapeArg& shape, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        return mx::ones(to_shape(shape), dtype.value_or(mx::float32), s);
      }, "shape"_a, "dtype"_a = mx::float32, nb::kw_only(), "stream"_a = nb::none(),
      "An array of ones.");
  m.def("full", [](const ShapeArg& shape, nb::handle vals, std::optional<mx::Dtype> dtype,
                   mx::StreamOrDevice s) {
        if (!dtype) return mx::full(to_shape(shape), arg(vals), s);
        // As the reference: a scalar is weakly typed against dtype, and the result takes
        // the promotion of the value's type and dtype (full((2,), 3.5, int32) is float32).
        mx::array v = is_scalar(vals) ? weak_scalar(vals, *dtype) : arg(vals);
        return mx::full(to_shape(shape), v, mx::promote_types(v.dtype(), *dtype), s);
      }, "shape"_a, "vals"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "An array of shape filled with vals.");
  m.def("zeros_like", [](const mx::array& a, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        return dtype ? mx::zeros(a.shape(), *dtype, s) : mx::zeros_like(a, s);
      }, "a"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "Zeros with the shape (and dtype) of a.");
  m.def("ones_like", [](const mx::array& a, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        return dtype ? mx::ones(a.shape(), *dtype, s) : mx::ones_like(a, s);
      }, "a"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "Ones with the shape (and dtype) of a.");
  m.def("arange", [](nb::handle start, nb::handle stop, nb::handle step,
                     std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        // arange(stop) or arange(start, stop[, step]); int32 when every bound is an int.
        nb::handle b = stop, a = start;
        if (stop.is_none()) {
          if (start.is_none()) throw mx::type_error("[arange] Expected at least a stop value.");
          b = start;
          a = nb::handle();
        }
        bool ints = is_int_like(b) && (!a.is_valid() || is_int_like(a)) && is_int_like(step);
        double lo = a.is_valid() && !a.is_none() ? nb::cast<double>(a) : 0.0;
        double hi = nb::cast<double>(b);
        double st = step.is_none() ? 1.0 : nb::cast<double>(step);
        return mx::arange(lo, hi, st, dtype.value_or(ints ? mx::int32 : mx::float32), s);
      }, "start"_a = nb::none(), "stop"_a = nb::none(), "step"_a = nb::none(),
      "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def arange(start: int | float, stop: int | float | None = None, "
              "step: int | float | None = None, dtype: Dtype | None = None, *, "
              "stream: Stream | Device | None = None) -> array"),
      "Evenly spaced values in [start, stop).");
  m.def("linspace", [](double start, double stop, std::optional<int> num, bool endpoint,
                       std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        int n = num.value_or(50);
        mx::Dtype d = dtype.value_or(mx::float32);
        if (endpoint || n <= 0) return mx::linspace(start, stop, n, d, s);
        // Without the endpoint: n + 1 points, the last dropped.
        mx::array r = mx::linspace(start, stop, n + 1, d, s);
        return mx::slice(r, {0}, {n}, {1}, s);
      }, "start"_a, "stop"_a, "num"_a = 50, "endpoint"_a = true, "dtype"_a = mx::float32,
      "stream"_a = nb::none(), "num evenly spaced values over [start, stop].");
  m.def("eye", [](int n, std::optional<int> mm, int k, std::optional<mx::Dtype> dtype,
                  mx::StreamOrDevice s) {
        return mx::eye(n, mm.value_or(n), k, dtype.value_or(mx::float32), s);
      }, "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = mx::float32, nb::kw_only(),
      "stream"_a = nb::none(), "Ones on diagonal k, zeros elsewhere.");
  m.def("identity", [](int n, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        return mx::identity(n, dtype.value_or(mx::float32), s);
      }, "n"_a, "dtype"_a = mx::float32, nb::kw_only(), "stream"_a = nb::none(),
      "The n x n identity matrix.");
  m.def("astype", [](const mx::array& a, mx::Dtype d, mx::StreamOrDevice s) {
        return mx::astype(a, d, s);
      }, "a"_a, "dtype"_a, nb::kw_only(), "stream"_a = nb::none(), "Cast to dtype.");
  m.def("asarray", [](nb::handle a, std::optional<mx::Dtype> dtype, std::optional<bool> copy) {
        return asarray(a, dtype, copy);
      }, "a"_a, "dtype"_a = nb::none(), nb::kw_only(), "copy"_a = nb::none(),
      "Convert the input to an array; copy=None shares memory when possible.");
  m.def("view", [](nb::handle a, mx::Dtype dtype, mx::StreamOrDevice s) {
        return mx::view(to_array(a), dtype, s);
      }, "a"_a, "dtype"_a, "stream"_a = nb::none(),
      nb::sig("def view(a: scalar | array, dtype: Dtype, stream: Stream | Device | None = None) -> array"),
      "The bytes of a read as dtype; the last axis scales by the ratio of the item sizes.");
  m.def("stop_gradient", [](const mx::array& a, mx::StreamOrDevice s) {
        return mx::stop_gradient(a, s);
      }, "a"_a, nb::kw_only(), "stream"_a = nb::none(), "The same values, without gradients.");

  // Element-wise.
  def_unary(m, "abs", &mx::abs, "Element-wise absolute value.");
  def_unary(m, "negative", &mx::negative, "Element-wise negation.");
  def_unary(m, "sign", &mx::sign, "Element-wise sign.");
  def_unary(m, "exp", &mx::exp, "Element-wise exponential.");
  def_unary(m, "log", &mx::log, "Element-wise natural logarithm.");
  def_unary(m, "sqrt", &mx::sqrt, "Element-wise square root.");
  def_unary(m, "square", &mx::square, "Element-wise square.");
  def_unary(m, "sin", &mx::sin, "Element-wise sine.");
  def_unary(m, "cos", &mx::cos, "Element-wise cosine.");
  def_unary(m, "tanh", &mx::tanh, "Element-wise hyperbolic tangent.");
  def_unary(m, "sigmoid", &mx::sigmoid, "Element-wise logistic sigmoid.");
  def_unary(m, "logical_not", &mx::logical_not, "Element-wise logical not.");
  def_unary(m, "bitwise_invert", &mx::bitwise_invert, "Element-wise bitwise inversion.");
  def_binary(m, "add", &mx::add, "Element-wise addition.");
  def_binary(m, "subtract", &mx::subtract, "Element-wise subtraction.");
  def_binary(m, "multiply", &mx::multiply, "Element-wise multiplication.");
  def_binary(m, "divide", &mx::divide, "Element-wise true division.");
  def_binary(m, "floor_divide", &mx::floor_divide, "Element-wise floor division.");
  def_binary(m, "remainder", &mx::remainder, "Element-wise remainder (sign of the divisor).");
  def_binary(m, "power", &mx::power, "Element-wise power.");
  def_binary(m, "maximum", &mx::maximum, "Element-wise maximum.");
  def_binary(m, "minimum", &mx::minimum, "Element-wise minimum.");
  def_binary(m, "equal", &mx::equal, "Element-wise ==.");
  def_binary(m, "not_equal", &mx::not_equal, "Element-wise !=.");
  def_binary(m, "less", &mx::less, "Element-wise <.");
  def_binary(m, "less_equal", &mx::less_equal, "Element-wise <=.");
  def_binary(m, "greater", &mx::greater, "Element-wise >.");
  def_binary(m, "greater_equal", &mx::greater_equal, "Element-wise >=.");
  def_binary(m, "logical_and", &mx::logical_and, "Element-wise logical and.");
  def_binary(m, "logical_or", &mx::logical_or, "Element-wise logical or.");
  def_binary(m, "bitwise_and", &mx::bitwise_and, "Element-wise bitwise and.");
  def_binary(m, "bitwise_or", &mx::bitwise_or, "Element-wise bitwise or.");
  def_binary(m, "bitwise_xor", &mx::bitwise_xor, "Element-wise bitwise xor.");
  def_binary(m, "left_shift", &mx::left_shift, "Element-wise left shift.");
  def_binary(m, "right_shift", &mx::right_shift, "Element-wise right shift.");
  m.def("divmod", [](nb::handle a, nb::handle b, mx::StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b);
        auto r = mx::divmod(x, y, s);
        return nb::make_tuple(r[0], r[1]);
      }, "a"_a, "b"_a, "stream"_a = nb::none(),
      nb::sig("def divmod(a: scalar | array, b: scalar | array, stream: Stream | Device | None = None) "
              "-> tuple[array, array]"),
      "Element-wise quotient and remainder: (a // b, a % b) in one pass.");
  // The output shapes the primitive of an unevaluated array computes from its inputs (for
  // tests of Primitive::output_shapes; not part of the reference's API).
  m.def("_output_shapes", [](const mx::array& a) {
        if (!a.has_primitive()) throw std::invalid_argument("[_output_shapes] The array has no primitive.");
        nb::list out;
        for (auto& shape : a.primitive().output_shapes(a.inputs())) {
          nb::list dims;
          for (auto d : shape) dims.append(d);
          out.append(nb::tuple(dims));
        }
        return out;
      }, "a"_a);
  m.def("where", [](nb::handle c, nb::handle x, nb::handle y, mx::StreamOrDevice s) {
        auto v = to_arrays(std::vector<nb::handle>{x, y});
        return mx::where(arg(c), v[0], v[1], s);
      }, "condition"_a, "x"_a, "y"_a, nb::kw_only(), "stream"_a = nb::none(),
      "x where condition is true, else y.");
  m.def("matmul", [](const mx::array& a, const mx::array& b, mx::StreamOrDevice s) {
        return mx::matmul(a, b, s);
      }, "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(), "Matrix product.");

  // Reductions.
#define REDUCE_FN(NAME, DOC)                                                                \
  m.def(#NAME, [](const mx::array& a, std::optional<IntOrVec> axis, bool keepdims,          \
                  mx::StreamOrDevice s) {                                                   \
        return reduce_arg(a, axis, keepdims, s,                                             \
            [](const mx::array& x, const std::vector<int>& ax, bool k, mx::StreamOrDevice st) { \
              return mx::NAME(x, ax, k, st); },                                             \
            [](const mx::array& x, bool k, mx::StreamOrDevice st) { return mx::NAME(x, k, st); }); \
      }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),                 \
      "stream"_a = nb::none(), DOC);
  REDUCE_FN(sum, "Sum over axis (all axes when None).")
  REDUCE_FN(mean, "Mean over axis (all axes when None).")
  REDUCE_FN(max, "Maximum over axis (all axes when None).")
  REDUCE_FN(min, "Minimum over axis (all axes when None).")
  REDUCE_FN(prod, "Product over axis (all axes when None).")
#undef REDUCE_FN
#define ARG_FN(NAME, DOC)                                                                   \
  m.def(#NAME, [](const mx::array& a, std::optional<int> axis, bool keepdims,               \
                  mx::StreamOrDevice s) {                                                   \
        return arg_reduce(a, axis, keepdims, s,                                             \
            [](const mx::array& x, int ax, bool k, mx::StreamOrDevice st) { return mx::NAME(x, ax, k, st); }, \
            [](const mx::array& x, bool k, mx::StreamOrDevice st) { return mx::NAME(x, k, st); }); \
      }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),                 \
      "stream"_a = nb::none(), DOC);
  ARG_FN(argmax, "Index (uint32) of the maximum along axis (flattened when None).")
  ARG_FN(argmin, "Index (uint32) of the minimum along axis (flattened when None).")
#undef ARG_FN

  // Shapes.
  m.def("reshape", [](const mx::array& a, const ShapeArg& shape, mx::StreamOrDevice s) {
        return mx::reshape(a, to_shape(shape), s);
      }, "a"_a, "shape"_a, nb::kw_only(), "stream"_a = nb::none(), "Same data, new shape.");
  m.def("transpose", [](const mx::array& a, std::optional<std::vector<int>> axes,
                        mx::StreamOrDevice s) {
        return axes ? mx::transpose(a, *axes, s) : mx::transpose(a, s);
      }, "a"_a, "axes"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "Permutes the axes (reverses them when None).");
  m.def("swapaxes", [](const mx::array& a, int a1, int a2, mx::StreamOrDevice s) {
        return mx::swapaxes(a, a1, a2, s);
      }, "a"_a, "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a = nb::none(), "Swaps two axes.");
  m.def("moveaxis", [](const mx::array& a, int src, int dst, mx::StreamOrDevice s) {
        return mx::moveaxis(a, src, dst, s);
      }, "a"_a, "source"_a, "destination"_a, nb::kw_only(), "stream"_a = nb::none(),
      "Moves axis source to position destination.");
  m.def("squeeze", [](const mx::array& a, std::optional<IntOrVec> axis, mx::StreamOrDevice s) {
        return axis ? mx::squeeze(a, to_axes(*axis), s) : mx::squeeze(a, s);
      }, "a"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "Removes size-1 axes.");
  m.def("expand_dims", [](const mx::array& a, const IntOrVec& axis, mx::StreamOrDevice s) {
        return mx::expand_dims(a, to_axes(axis), s);
      }, "a"_a, "axis"_a, nb::kw_only(), "stream"_a = nb::none(), "Adds size-1 axes.");
  m.def("broadcast_to", [](nb::handle a, const ShapeArg& shape, mx::StreamOrDevice s) {
        return mx::broadcast_to(arg(a), to_shape(shape), s);
      }, "a"_a, "shape"_a, nb::kw_only(), "stream"_a = nb::none(), "Broadcasts a to shape.");
  m.def("broadcast_arrays", [](nb::args arrays, mx::StreamOrDevice s) {
        std::vector<mx::array> in;
        for (nb::handle h : arrays) in.push_back(arg(h));
        nb::list out;
        for (auto& x : mx::broadcast_arrays(in, s)) out.append(nb::cast(x));
        return nb::tuple(out);
      }, "arrays"_a, nb::kw_only(), "stream"_a = nb::none(),
      "The arrays broadcast against each other.");
  m.def("flatten", [](const mx::array& a, int start, int end, mx::StreamOrDevice s) {
        return mx::flatten(a, start, end, s);
      }, "a"_a, "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
      "Merges axes start_axis..end_axis.");

  // Constants.
  m.attr("pi") = M_PI;
  m.attr("e") = M_E;
  m.attr("euler_gamma") = 0.5772156649015329;
  m.attr("inf") = std::numeric_limits<double>::infinity();
  m.attr("nan") = std::numeric_limits<double>::quiet_NaN();
  m.attr("newaxis") = nb::none();
}
