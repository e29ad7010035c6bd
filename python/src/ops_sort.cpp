// Sorting and selection: sort, argsort, partition, argpartition, topk, median,
// searchsorted and unique.
#include <nanobind/stl/string.h>

#include <cstdint>
#include <string>

#include "mlx_core/ops/sort.h"
#include "python/src/common.h"
#include "python/src/convert.h"

using namespace nb::literals;

void init_ops_sort(nb::module_& m) {
  def_op(m, "sort", [](const mx::array& a, std::optional<int> axis, mx::StreamOrDevice s) {
        return axis ? mx::sort(a, *axis, s) : mx::sort(a, s);
      }, nb::arg(), "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def sort(a: array, /, axis: int | None = -1, *, stream: Stream | Device | None = None) -> array"),
      R"(Return a sorted copy of an array.

Elements are sorted in ascending order; NaN sorts after every other value, -0.0 and 0.0
are equal, and complex numbers sort by real part, then imaginary part.

Args:
    a (array): Input array.
    axis (int or None, optional): Axis to sort along. ``None`` sorts the flattened array.
      Default: ``-1`` (the last axis).
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The sorted array, with ``a``'s dtype.

Example:
    >>> mx.sort(mx.array([3, 1, 2]))
    array([1, 2, 3], dtype=int32)
)");

  def_op(m, "argsort", [](const mx::array& a, std::optional<int> axis, mx::StreamOrDevice s) {
        return axis ? mx::argsort(a, *axis, s) : mx::argsort(a, s);
      }, nb::arg(), "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def argsort(a: array, /, axis: int | None = -1, *, stream: Stream | Device | None = None) -> array"),
      R"(Return the indices that sort an array.

The sort is stable: equal elements keep their relative order. The order is that of
:func:`sort` (NaN last).

Args:
    a (array): Input array.
    axis (int or None, optional): Axis to sort along. ``None`` sorts the flattened array.
      Default: ``-1``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: ``uint32`` indices along ``axis`` such that ``take_along_axis(a, indices, axis)``
    is sorted.

Example:
    >>> mx.argsort(mx.array([3, 1, 2]))
    array([1, 2, 0], dtype=uint32)
)");

  def_op(m, "partition", [](const mx::array& a, int kth, std::optional<int> axis, mx::StreamOrDevice s) {
        return axis ? mx::partition(a, kth, *axis, s) : mx::partition(a, kth, s);
      }, nb::arg(), "kth"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def partition(a: array, /, kth: int, axis: int | None = -1, *, stream: Stream | Device | None = None) -> array"),
      R"(Return a partitioned copy of an array.

The element at position ``kth`` is the one that would be there if the array were sorted;
every element before it is less than or equal to it and every element after it is greater
than or equal to it. The order within the two sides is unspecified. Runs in linear time.

Args:
    a (array): Input array.
    kth (int): The position of the element to put in place; negative counts from the end.
      It must satisfy ``-n <= kth < n`` for the axis length ``n``.
    axis (int or None, optional): Axis to partition along. ``None`` partitions the
      flattened array. Default: ``-1``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The partitioned array.

Example:
    >>> mx.partition(mx.array([5, 1, 4, 2]), 1)[1]
    array(2, dtype=int32)
)");

  def_op(m, "argpartition", [](const mx::array& a, int kth, std::optional<int> axis, mx::StreamOrDevice s) {
        return axis ? mx::argpartition(a, kth, *axis, s) : mx::argpartition(a, kth, s);
      }, nb::arg(), "kth"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def argpartition(a: array, /, kth: int, axis: int | None = -1, *, stream: Stream | Device | None = None) -> array"),
      R"(Return the indices that partition an array.

Args:
    a (array): Input array.
    kth (int): The position of the element to put in place, as in :func:`partition`.
    axis (int or None, optional): Axis to partition along. ``None`` partitions the
      flattened array. Default: ``-1``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: ``uint32`` indices such that ``take_along_axis(a, indices, axis)`` is
    partitioned around position ``kth``.

Example:
    >>> a = mx.array([5, 1, 4, 2])
    >>> a[mx.argpartition(a, 1)[1]]
    array(2, dtype=int32)
)");

  def_op(m, "topk", [](const mx::array& a, int k, std::optional<int> axis, mx::StreamOrDevice s) {
        return axis ? mx::topk(a, k, *axis, s) : mx::topk(a, k, s);
      }, nb::arg(), "k"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def topk(a: array, /, k: int, axis: int | None = -1, *, stream: Stream | Device | None = None) -> array"),
      R"(Return the ``k`` largest elements along an axis.

The elements are not returned in sorted order. Runs in linear time.

Args:
    a (array): Input array.
    k (int): How many elements to return, ``0 <= k <= n`` for the axis length ``n``.
    axis (int or None, optional): Axis to select along. ``None`` selects from the
      flattened array. Default: ``-1``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: ``a``'s shape with ``k`` in place of the axis length.

Example:
    >>> mx.sort(mx.topk(mx.array([5, 1, 4, 2]), 2))
    array([4, 5], dtype=int32)
)");

  def_op(m, "median", [](const mx::array& a, std::optional<IntOrVec> axis, bool keepdims, mx::StreamOrDevice s) {
        return axis ? mx::median(a, to_axes(*axis), keepdims, s) : mx::median(a, keepdims, s);
      }, nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def median(a: array, /, axis: int | Sequence[int] | None = None, keepdims: bool = False, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Compute the median over the given axes.

For an even number of elements the median is the mean of the two middle ones. A NaN in a
reduced run makes its median NaN. Integer and boolean inputs give ``float32``.

Args:
    a (array): Input array.
    axis (int or Sequence[int] or None, optional): Axes to reduce over. ``None`` reduces
      over all axes. Default: ``None``.
    keepdims (bool, optional): Keep the reduced axes with size 1. Default: ``False``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The medians.

Example:
    >>> mx.median(mx.array([1, 3, 2, 4]))
    array(2.5, dtype=float32)
)");

  def_op(m, "searchsorted", [](const mx::array& sorted, const mx::array& values, const std::string& side,
                           mx::StreamOrDevice s) {
        if (side != "left" && side != "right") {
          throw std::invalid_argument("[searchsorted] Invalid side '" + side + "'. Expected 'left' or 'right'.");
        }
        return mx::searchsorted(sorted, values, side == "right", s);
      }, nb::arg(), nb::arg(), "side"_a = "left", nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def searchsorted(sorted_sequence: array, values: array, /, side: str = 'left', *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Find the indices that keep a sorted sequence sorted when inserting values.

Both inputs are promoted to a common dtype first. The order is that of :func:`sort`
(NaN last).

Args:
    sorted_sequence (array): A 1-D array sorted in ascending order.
    values (array): The values to insert, of any shape.
    side (str, optional): ``"left"`` gives the first suitable index (before equal
      elements), ``"right"`` the last (after them). Default: ``"left"``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: ``uint32`` indices with the shape of ``values``.

Example:
    >>> mx.searchsorted(mx.array([1, 2, 2, 3]), mx.array([2, 4]))
    array([1, 4], dtype=uint32)
)");

  def_op(m, "unique", [](const mx::array& a, std::optional<int64_t> size, bool return_index, bool return_inverse,
                     bool return_counts, nb::object fill_value, mx::StreamOrDevice s) -> nb::object {
        std::optional<mx::array> fill;
        if (!fill_value.is_none()) fill = to_array(fill_value);
        if (fill && PyLong_Check(fill_value.ptr()) && !PyBool_Check(fill_value.ptr()) &&
            mx::is_integral(a.dtype()) && a.dtype() != mx::bool_) {
          // A Python int fill value must fit an integer array's dtype (ValueError as the
          // reference; NumPy raises OverflowError).
          int bits = static_cast<int>(a.itemsize()) * 8;
          bool u = mx::is_unsigned(a.dtype());
          nb::object lo = nb::steal(u ? PyLong_FromLong(0) : PyLong_FromLongLong(bits == 64 ? INT64_MIN : -(int64_t(1) << (bits - 1))));
          nb::object hi = nb::steal(u ? PyLong_FromUnsignedLongLong(bits == 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1)
                                      : PyLong_FromLongLong(static_cast<int64_t>((uint64_t(1) << (bits - 1)) - 1)));
          if (PyObject_RichCompareBool(fill_value.ptr(), lo.ptr(), Py_LT) == 1 ||
              PyObject_RichCompareBool(fill_value.ptr(), hi.ptr(), Py_GT) == 1) {
            throw std::invalid_argument("[unique] Converting " + nb::cast<std::string>(nb::str(fill_value)) +
                                        " to " + mx::dtype_name(a.dtype()) + " would result in overflow.");
          }
        }
        std::vector<mx::array> r;
        if (size) {
          r = mx::unique(a, *size, fill, s);
        } else {
          // Beyond the reference: without a size the array is evaluated and the output has
          // as many entries as there are unique elements.
          if (a.is_tracer()) {
            throw std::invalid_argument(
                "[unique] Without `size` the number of unique elements depends on the values of the array, which "
                "are not known inside a transformation (vmap, grad, compile); pass `size`.");
          }
          int64_t n = static_cast<int64_t>(a.size());
          r = mx::unique(a, n, fill, s);
          mx::array k_arr = mx::sum(mx::greater(r[3], mx::array(0, mx::int32), s), false, s);
          int64_t k = k_arr.item<int32_t>();
          for (int i : {0, 1, 3}) {
            r[i] = mx::slice(r[i], {0}, {static_cast<mx::ShapeElem>(k)}, {1}, s);
          }
        }
        if (!return_index && !return_inverse && !return_counts) return nb::cast(r[0]);
        nb::list out;
        out.append(nb::cast(r[0]));
        if (return_index) out.append(nb::cast(r[1]));
        if (return_inverse) out.append(nb::cast(r[2]));
        if (return_counts) out.append(nb::cast(r[3]));
        return nb::tuple(out);
      }, nb::arg(), "size"_a.none() = nb::none(), "return_index"_a = false, "return_inverse"_a = false,
      "return_counts"_a = false, "fill_value"_a.none() = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def unique(a: array, /, size: int | None = None, return_index: bool = False, "
              "return_inverse: bool = False, return_counts: bool = False, "
              "fill_value: bool | int | float | complex | array | None = None, *, "
              "stream: Stream | Device | None = None) -> array | tuple[array, ...]"),
      R"(Return the sorted unique elements of the flattened array.

Elements compare as in :func:`sort`: -0.0 equals 0.0, and all NaNs count as one unique
element, placed last (as ``numpy.unique``'s ``equal_nan=True``).

With ``size`` the output has exactly ``size`` entries whatever the values of ``a`` (so
``a`` is not evaluated, and the op works inside ``vmap`` and ``grad``). Entries past the
last unique element hold ``fill_value`` and have count ``0``; if ``size`` is smaller than
the number of unique elements, the smallest ``size`` are kept, and the ``inverse`` index of
every dropped element is ``size - 1``.

Without ``size`` (not in the reference) ``a`` is evaluated and the output has one entry per
unique element, as in NumPy. This needs the values of ``a``, so it raises ``ValueError``
inside ``vmap``, ``grad`` and ``compile``.

Args:
    a (array): Input array (flattened).
    size (int or None, optional): The number of entries of the output. Default: ``None``
      (as many as there are unique elements; evaluates ``a``).
    return_index (bool, optional): Also return the index in the flattened ``a`` of the first
      occurrence of each unique element (``uint32``; padding entries repeat the first).
      Default: ``False``.
    return_inverse (bool, optional): Also return, for each element of ``a``, the index of its
      unique element (``uint32``, ``a``'s shape). Default: ``False``.
    return_counts (bool, optional): Also return how many times each unique element occurs
      (``int32``). Default: ``False``.
    fill_value (scalar or array or None, optional): The value of the padding entries, cast
      to ``a``'s dtype. ``None`` repeats the first (smallest) unique element; it is required
      when ``a`` is empty and ``size`` is not zero. Default: ``None``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array or tuple(array, ...): The unique elements, or a tuple of values, index, inverse and
    counts (only those requested, in that order).

Example:
    >>> mx.unique(mx.array([2, 1, 2, 3, 1]), 4, fill_value=0)
    array([1, 2, 3, 0], dtype=int32)
    >>> mx.unique(mx.array([2, 1, 2]))
    array([1, 2], dtype=int32)
)");
}
