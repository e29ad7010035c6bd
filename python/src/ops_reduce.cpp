// Reductions, scans and softmax.
#include <nanobind/stl/pair.h>

#include "python/src/common.h"

using namespace nb::literals;

namespace {

using Axis = std::optional<IntOrVec>;

std::vector<int> every_axis(const mx::array& a) {
  std::vector<int> v(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) v[i] = i;
  return v;
}

std::vector<int> axes_of(const mx::array& a, const Axis& axis) { return axis ? to_axes(*axis) : every_axis(a); }

using ScanFn = mx::array (*)(const mx::array&, int, bool, bool, mx::StreamOrDevice);
using FlatScanFn = mx::array (*)(const mx::array&, bool, bool, mx::StreamOrDevice);

mx::array run_scan(ScanFn f, FlatScanFn flat, const mx::array& a, std::optional<int> axis, bool reverse,
                   bool inclusive, mx::StreamOrDevice s) {
  return axis ? f(a, *axis, reverse, inclusive, s) : flat(a, reverse, inclusive, s);
}

int pick_ddof(int ddof, std::optional<int> correction) { return correction ? *correction : ddof; }

constexpr const char* kAllDoc = R"(all(a, axis=None, keepdims=False, *, stream=None)

Whether every element is nonzero (true), over the given axes.

Args:
    a (array): Input array, any dtype.
    axis (int or list(int), optional): Axis or axes to reduce over. Default: ``None``
        (all axes).
    keepdims (bool, optional): Keep the reduced axes as size-1 dimensions. Default: ``False``.

Returns:
    array: A bool array. An empty reduction is ``True``.

Example:
    >>> mx.all(mx.array([[1, 0], [2, 3]]), axis=1)  # array([False, True])
)";

constexpr const char* kAnyDoc = R"(any(a, axis=None, keepdims=False, *, stream=None)

Whether any element is nonzero (true), over the given axes.

Args:
    a (array): Input array, any dtype.
    axis (int or list(int), optional): Axis or axes to reduce over. Default: ``None``
        (all axes).
    keepdims (bool, optional): Keep the reduced axes as size-1 dimensions. Default: ``False``.

Returns:
    array: A bool array. An empty reduction is ``False``.
)";

constexpr const char* kCountDoc = R"(count_nonzero(a, axis=None, *, keepdims=False, stream=None)

Number of nonzero elements over the given axes.

Args:
    a (array): Input array, any dtype.
    axis (int or list(int), optional): Axis or axes to count over. Default: ``None``
        (all axes).
    keepdims (bool, optional): Keep the reduced axes as size-1 dimensions. Default: ``False``.

Returns:
    array: The counts, int32.
)";

constexpr const char* kVarDoc = R"(var(a, axis=None, keepdims=False, ddof=0, *, stream=None)

Variance over the given axes: ``sum(|a - mean(a)|**2) / (n - ddof)``.

Args:
    a (array): Input array. Integer and bool inputs are computed in float32; the variance
        of a complex array is real (float32).
    axis (int or list(int), optional): Axis or axes to reduce over. Default: ``None``
        (all axes).
    keepdims (bool, optional): Keep the reduced axes as size-1 dimensions. Default: ``False``.
    ddof (int, optional): Delta degrees of freedom: the divisor is ``n - ddof`` (``0`` when
        negative). Default: ``0``.

Returns:
    array: The variance. An empty reduction is NaN.

Example:
    >>> mx.var(mx.array([1.0, 2.0, 3.0]), ddof=1)  # array(1, dtype=float32)
)";

constexpr const char* kStdDoc = R"(std(a, axis=None, keepdims=False, ddof=0, *, stream=None)

Standard deviation over the given axes: the square root of :func:`var`.

Args:
    a (array): Input array. Integer and bool inputs are computed in float32.
    axis (int or list(int), optional): Axis or axes to reduce over. Default: ``None``
        (all axes).
    keepdims (bool, optional): Keep the reduced axes as size-1 dimensions. Default: ``False``.
    ddof (int, optional): Delta degrees of freedom: the divisor is ``n - ddof``. Default: ``0``.

Returns:
    array: The standard deviation.
)";

constexpr const char* kLseDoc = R"(logsumexp(a, axis=None, keepdims=False, *, stream=None)

``log(sum(exp(a)))`` over the given axes, computed without overflow (the largest element
is factored out).

Args:
    a (array): Input array. Integer and bool inputs give float32.
    axis (int or list(int), optional): Axis or axes to reduce over. Default: ``None``
        (all axes).
    keepdims (bool, optional): Keep the reduced axes as size-1 dimensions. Default: ``False``.

Returns:
    array: The result. Raises ValueError for an empty array.

Example:
    >>> mx.logsumexp(mx.array([1000.0, 1000.0]))  # array(1000.69, dtype=float32)
)";

constexpr const char* kMinMaxDoc = R"(minmax(a, axis=None, keepdims=False, *, stream=None)

The minimum and the maximum over the given axes, as :func:`min` and :func:`max` give them.

Args:
    a (array): Input array.
    axis (int or list(int), optional): Axis or axes to reduce over. Default: ``None``
        (all axes).
    keepdims (bool, optional): Keep the reduced axes as size-1 dimensions. Default: ``False``.

Returns:
    tuple(array, array): ``(min, max)``.
)";

constexpr const char* kSoftmaxDoc = R"(softmax(a, axis=None, *, precise=False, stream=None)

``exp(a) / sum(exp(a))`` over the given axes, computed stably (the maximum is subtracted
first) in one fused pass per row.

Args:
    a (array): Input array. Integer and bool inputs give float32.
    axis (int or list(int), optional): Axis or axes to normalize over. Default: ``None``
        (all axes).
    precise (bool, optional): Accumulate float16 / bfloat16 inputs in float32. They always
        are here, so this changes nothing. Default: ``False``.

Returns:
    array: An array of the input's shape whose values sum to one over ``axis``.

Example:
    >>> mx.softmax(mx.array([[1.0, 2.0], [3.0, 3.0]]), axis=-1)
)";

// Docstring of a scan; `what` names the operation, `extra` documents extra arguments.
std::string scan_doc(const char* name, const char* what, const char* identity, bool has_dtype) {
  std::string d = std::string(name) + "(a, axis=None, *, reverse=False, inclusive=True" +
                  (has_dtype ? ", dtype=None" : "") + ", stream=None)\n\nThe cumulative " + what +
                  " of the elements along an axis.\n\nArgs:\n"
                  "    a (array): Input array.\n"
                  "    axis (int, optional): Axis to scan along. Default: ``None`` (the flattened array).\n"
                  "    reverse (bool, optional): Scan from the end of the axis. Default: ``False``.\n"
                  "    inclusive (bool, optional): Element i includes input element i; when ``False``\n"
                  "        the first element is " + identity + ". Default: ``True``.\n";
  if (has_dtype) d += "    dtype (Dtype, optional): Cast the input to this dtype first. Default: ``None``.\n";
  d += "\nReturns:\n    array: An array of the input's shape (flattened when ``axis`` is None).\n";
  return d;
}

} // namespace

void init_ops_reduce(nb::module_& m) {
  def_op(m, "all", [](const mx::array& a, Axis axis, bool keepdims, mx::StreamOrDevice s) {
        return mx::all(a, axes_of(a, axis), keepdims, s);
      }, nb::sig("def all(a: mlx.core.array, /, axis: int | collections.abc.Sequence[int] | None = None, "
                "keepdims: bool = False, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), kAllDoc);
  def_op(m, "any", [](const mx::array& a, Axis axis, bool keepdims, mx::StreamOrDevice s) {
        return mx::any(a, axes_of(a, axis), keepdims, s);
      }, nb::sig("def any(a: mlx.core.array, /, axis: int | collections.abc.Sequence[int] | None = None, "
                "keepdims: bool = False, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), kAnyDoc);
  def_op(m, "count_nonzero", [](const mx::array& a, Axis axis, bool keepdims, mx::StreamOrDevice s) {
        return mx::count_nonzero(a, axes_of(a, axis), keepdims, s);
      }, nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "keepdims"_a = false, "stream"_a = nb::none(),
      nb::sig("def count_nonzero(a: array, /, axis: int | collections.abc.Sequence[int] | None = None, *, "
              "keepdims: bool = False, stream: Stream | Device | None = None) -> array"), kCountDoc);
  def_op(m, "var", [](const mx::array& a, Axis axis, bool keepdims, int ddof, mx::StreamOrDevice s) {
        return mx::var(a, axes_of(a, axis), keepdims, ddof, s);
      }, nb::sig("def var(a: mlx.core.array, /, axis: int | collections.abc.Sequence[int] | None = None, "
                "keepdims: bool = False, ddof: int = 0, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(),
      "stream"_a = nb::none(), kVarDoc);
  def_op(m, "std", [](const mx::array& a, Axis axis, bool keepdims, int ddof, mx::StreamOrDevice s) {
        return mx::std(a, axes_of(a, axis), keepdims, ddof, s);
      }, nb::sig("def std(a: mlx.core.array, /, axis: int | collections.abc.Sequence[int] | None = None, "
                "keepdims: bool = False, ddof: int = 0, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(),
      "stream"_a = nb::none(), kStdDoc);
  def_op(m, "logsumexp", [](const mx::array& a, Axis axis, bool keepdims, mx::StreamOrDevice s) {
        return mx::logsumexp(a, axes_of(a, axis), keepdims, s);
      }, nb::sig("def logsumexp(a: mlx.core.array, /, "
                "axis: int | collections.abc.Sequence[int] | None = None, keepdims: bool = False, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), kLseDoc);
  def_op(m, "minmax", [](const mx::array& a, Axis axis, bool keepdims, mx::StreamOrDevice s) {
        auto ax = axes_of(a, axis);
        return std::make_pair(mx::min(a, ax, keepdims, s), mx::max(a, ax, keepdims, s));
      }, nb::sig("def minmax(a: mlx.core.array, /, axis: int | collections.abc.Sequence[int] | None = None, "
                "keepdims: bool = False, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> tuple[mlx.core.array, "
                "mlx.core.array]"),
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), kMinMaxDoc);
  def_op(m, "softmax", [](const mx::array& a, Axis axis, bool precise, mx::StreamOrDevice s) {
        return mx::softmax(a, axes_of(a, axis), precise, s);
      }, nb::sig("def softmax(a: mlx.core.array, /, "
                "axis: int | collections.abc.Sequence[int] | None = None, *, precise: bool = False, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "precise"_a = false, "stream"_a = nb::none(), kSoftmaxDoc);

  // Scans. cumsum / cumprod take a dtype to cast to first.
  static const std::string cumsum_doc = scan_doc("cumsum", "sum", "0", true);
  static const std::string cumprod_doc = scan_doc("cumprod", "product", "1", true);
  static const std::string cummax_doc = scan_doc("cummax", "maximum", "the dtype's lowest value", false);
  static const std::string cummin_doc = scan_doc("cummin", "minimum", "the dtype's highest value", false);
  static const std::string lcse_doc =
      scan_doc("logcumsumexp", "log-sum-exp (``log(cumsum(exp(a)))``, computed stably)", "-inf", false);
  auto cumsum = [](const mx::array& a, std::optional<int> axis, bool reverse, bool inclusive,
                   std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
    mx::array x = dtype ? mx::astype(a, *dtype, s) : a;
    return run_scan(mx::cumsum, mx::cumsum, x, axis, reverse, inclusive, s);
  };
  auto cumprod = [](const mx::array& a, std::optional<int> axis, bool reverse, bool inclusive,
                    std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
    mx::array x = dtype ? mx::astype(a, *dtype, s) : a;
    return run_scan(mx::cumprod, mx::cumprod, x, axis, reverse, inclusive, s);
  };
  for (const char* name : {"cumsum", "cumulative_sum"}) {
    def_op(m, name, cumsum, nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
          "dtype"_a = nb::none(), "stream"_a = nb::none(),
          nb::sig((std::string("def ") + name + "(a: array, /, axis: int | None = None, *, reverse: bool = False, "
                   "inclusive: bool = True, dtype: Dtype | None = None, stream: Stream | Device | None = None) "
                   "-> array").c_str()),
          cumsum_doc.c_str());
  }
  for (const char* name : {"cumprod", "cumulative_prod"}) {
    def_op(m, name, cumprod, nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
          "dtype"_a = nb::none(), "stream"_a = nb::none(),
          nb::sig((std::string("def ") + name + "(a: array, /, axis: int | None = None, *, reverse: bool = False, "
                   "inclusive: bool = True, dtype: Dtype | None = None, stream: Stream | Device | None = None) "
                   "-> array").c_str()),
          cumprod_doc.c_str());
  }
#define SCAN_FN(NAME, DOC)                                                                              \
  def_op(m, #NAME, [](const mx::array& a, std::optional<int> axis, bool reverse, bool inclusive,            \
                  mx::StreamOrDevice s) {                                                               \
        return run_scan(mx::NAME, mx::NAME, a, axis, reverse, inclusive, s);                            \
      }, nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,    \
      "stream"_a = nb::none(),                                                                          \
      nb::sig("def " #NAME "(a: array, /, axis: int | None = None, *, reverse: bool = False, "        \
              "inclusive: bool = True, stream: Stream | Device | None = None) -> array"), DOC);          \
  def_array_method(#NAME, [](const mx::array& a, std::optional<int> axis, bool reverse, bool inclusive, \
                             mx::StreamOrDevice s) {                                                    \
        return run_scan(mx::NAME, mx::NAME, a, axis, reverse, inclusive, s);                            \
      }, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,               \
      "stream"_a = nb::none(), DOC);
  SCAN_FN(cummax, cummax_doc.c_str())
  SCAN_FN(cummin, cummin_doc.c_str())
  SCAN_FN(logcumsumexp, lcse_doc.c_str())
#undef SCAN_FN
  static const std::string cumsum_method_doc = scan_doc("cumsum", "sum", "0", false);
  static const std::string cumprod_method_doc = scan_doc("cumprod", "product", "1", false);
  def_array_method("cumsum", [](const mx::array& a, std::optional<int> axis, bool reverse, bool inclusive,
                                mx::StreamOrDevice s) {
        return run_scan(mx::cumsum, mx::cumsum, a, axis, reverse, inclusive, s);
      }, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
      "stream"_a = nb::none(), cumsum_method_doc.c_str());
  def_array_method("cumprod", [](const mx::array& a, std::optional<int> axis, bool reverse, bool inclusive,
                                 mx::StreamOrDevice s) {
        return run_scan(mx::cumprod, mx::cumprod, a, axis, reverse, inclusive, s);
      }, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
      "stream"_a = nb::none(), cumprod_method_doc.c_str());

  // Reduction methods (the methods of var / std also take the Array API's `correction`).
  static const std::string var_method_doc =
      std::string(kVarDoc) + "\ncorrection (int, optional, keyword-only): When given, replaces ``ddof``.\n";
  static const std::string std_method_doc =
      std::string(kStdDoc) + "\ncorrection (int, optional, keyword-only): When given, replaces ``ddof``.\n";
  def_array_method("all", [](const mx::array& a, Axis axis, bool keepdims, mx::StreamOrDevice s) {
        return mx::all(a, axes_of(a, axis), keepdims, s);
      }, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), kAllDoc);
  def_array_method("any", [](const mx::array& a, Axis axis, bool keepdims, mx::StreamOrDevice s) {
        return mx::any(a, axes_of(a, axis), keepdims, s);
      }, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), kAnyDoc);
  def_array_method("logsumexp", [](const mx::array& a, Axis axis, bool keepdims, mx::StreamOrDevice s) {
        return mx::logsumexp(a, axes_of(a, axis), keepdims, s);
      }, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(),
      kLseDoc);
  def_array_method("var", [](const mx::array& a, Axis axis, bool keepdims, int ddof, std::optional<int> correction,
                             mx::StreamOrDevice s) {
        return mx::var(a, axes_of(a, axis), keepdims, pick_ddof(ddof, correction), s);
      }, "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(), "correction"_a = nb::none(),
      "stream"_a = nb::none(), var_method_doc.c_str());
  def_array_method("std", [](const mx::array& a, Axis axis, bool keepdims, int ddof, std::optional<int> correction,
                             mx::StreamOrDevice s) {
        return mx::std(a, axes_of(a, axis), keepdims, pick_ddof(ddof, correction), s);
      }, "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(), "correction"_a = nb::none(),
      "stream"_a = nb::none(), std_method_doc.c_str());
}
