// Gather/scatter ops (take, take_along_axis, put_along_axis, slice, slice_update, nonzero),
// a[index] = value and the a.at[index] scatters.
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include "python/src/common.h"
#include "python/src/convert.h"
#include "python/src/indexing.h"

using namespace nb::literals;

namespace {

// What a.at returns, and a.at[index]: the array and the index the scatters will use.
struct ArrayAt {
  mx::array a;
  nb::object index;
};

// The value operand of a scatter: a scalar takes the array's dtype; an array is cast to it.
mx::array scatter_value(const mx::array& a, nb::handle v) {
  if (is_scalar(v)) return weak_scalar(v, a.dtype());
  return mx::astype(to_array(v), a.dtype());
}

void check_indexed(const ArrayAt& at) {
  if (!at.index.is_valid())
    throw std::invalid_argument("[ArrayAt] Index the array first: x.at[index].add(value).");
}

mx::array at_apply(const ArrayAt& at, nb::handle v, mx::ScatterReduce r) {
  check_indexed(at);
  return scatter_item(at.a, at.index, scatter_value(at.a, v), r);
}

// The value of subtract / divide with its own dtype (a scalar takes the array's, weakly;
// into a bool array a number keeps its own, as in the reference), promoted with the array's:
// the negation or reciprocal is computed in that type before the cast to the array's dtype.
mx::array promoted_value(const mx::array& a, nb::handle v) {
  mx::array val = (is_scalar(v) && a.dtype() != mx::bool_) ? weak_scalar(v, a.dtype()) : to_array(v);
  return mx::astype(val, mx::promote_types(a.dtype(), val.dtype()));
}

mx::array indices_arg(nb::handle v) {
  if (nb::isinstance<mx::array>(v)) return nb::cast<mx::array>(v);
  return to_array(v);
}

} // namespace

void init_ops_indexing(nb::module_& m) {
  nb::class_<ArrayAt>(m, "ArrayAt",
      "The helper that ``a.at`` returns: ``a.at[index]`` followed by ``add``, ``subtract``,\n"
      "``multiply``, ``divide``, ``maximum`` or ``minimum`` gives a copy of ``a`` with the value\n"
      "combined in at ``index``. Unlike ``a[index] = v``, repeated positions accumulate.")
      .def("__getitem__", [](const ArrayAt& at, nb::handle index) {
        return ArrayAt{at.a, nb::borrow(index)};
      }, "index"_a.none())
      .def("add", [](const ArrayAt& at, nb::handle v) { return at_apply(at, v, mx::ScatterReduce::Add); }, "value"_a,
           "add(value)\n\nA copy of the array with ``value`` (scalar or array, cast to the array's dtype and\n"
           "broadcast to the indexed shape) added at the index; repeated positions add up.\n\n"
           "Example: ``mx.zeros(3).at[mx.array([0, 0])].add(1.0)`` is ``[2, 0, 0]``.")
      .def("subtract", [](const ArrayAt& at, nb::handle v) {
        check_indexed(at);
        mx::array val = promoted_value(at.a, v);
        return scatter_item(at.a, at.index, mx::negative(val), mx::ScatterReduce::Add);
      }, "value"_a,
           "subtract(value)\n\nA copy of the array with ``value`` subtracted at the index; repeated positions\n"
           "subtract repeatedly.")
      .def("multiply", [](const ArrayAt& at, nb::handle v) { return at_apply(at, v, mx::ScatterReduce::Prod); },
           "value"_a,
           "multiply(value)\n\nA copy of the array multiplied by ``value`` at the index; repeated positions\n"
           "multiply repeatedly.")
      .def("divide", [](const ArrayAt& at, nb::handle v) {
        check_indexed(at);
        mx::array val = promoted_value(at.a, v);
        // The reciprocal in floating point (complex for a complex value: into a real array
        // the real part of the quotient is kept), cast back (as the reference).
        val = mx::to_inexact(val);
        mx::array recip = mx::divide(mx::ones_like(val), val);
        return scatter_item(at.a, at.index, recip, mx::ScatterReduce::Prod);
      }, "value"_a,
           "divide(value)\n\nA copy of the array divided by ``value`` at the index (multiplied by its\n"
           "reciprocal); repeated positions divide repeatedly.")
      .def("maximum", [](const ArrayAt& at, nb::handle v) { return at_apply(at, v, mx::ScatterReduce::Max); },
           "value"_a,
           "maximum(value)\n\nA copy of the array with each indexed element replaced by the maximum of\n"
           "itself and the values scattered to it.")
      .def("minimum", [](const ArrayAt& at, nb::handle v) { return at_apply(at, v, mx::ScatterReduce::Min); },
           "value"_a,
           "minimum(value)\n\nA copy of the array with each indexed element replaced by the minimum of\n"
           "itself and the values scattered to it.");

  def_array_property("at", [](const mx::array& a) { return ArrayAt{a, nb::object()}; },
      "Scatter updates that accumulate: ``a.at[index].add(v)`` (also ``subtract``, ``multiply``,\n"
      "``divide``, ``maximum``, ``minimum``) returns a new array; repeated indices combine.");

  def_array_method("__setitem__", [](mx::array& a, nb::handle index, nb::handle v) {
    a = scatter_item(a, index, scatter_value(a, v), mx::ScatterReduce::None);
  }, "index"_a.none(), "value"_a.none(),
      "a[index] = value: replaces this array with a copy whose indexed elements are ``value``\n"
      "(cast to the array's dtype, broadcast to the indexed shape). Any index ``a[index]``\n"
      "takes works, boolean masks included. Other references to the old array keep its values;\n"
      "with repeated indices one of the values is kept (the last here). An out-of-range\n"
      "index raises IndexError.");

  def_op(m, "take", [](const mx::array& a, nb::handle indices, std::optional<int> axis, mx::StreamOrDevice s) {
        mx::array idx = indices_arg(indices);
        if (!axis) return mx::take(a, idx, s);
        return mx::take(a, idx, *axis, s);
      }, nb::sig("def take(a: mlx.core.array, /, indices: object, axis: int | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "indices"_a, "axis"_a.none() = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "Elements of ``a`` along an axis at the given indices.\n\n"
      "Args:\n    a (array): Input array.\n    indices (int or array): Integer index or array of integer indices\n"
      "      (negative values count from the end).\n    axis (int, optional): The axis to take along; None (the default)\n"
      "      takes from the flattened array.\n\n"
      "Returns:\n    array: ``a.shape[:axis] + indices.shape + a.shape[axis+1:]``. An index out of range\n"
      "    raises IndexError when the result is evaluated.\n\n"
      "Example: ``mx.take(mx.array([1, 2, 3]), mx.array([2, 0]))`` is ``[3, 1]``.");

  def_op(m, "take_along_axis", [](const mx::array& a, const mx::array& indices, std::optional<int> axis,
                              mx::StreamOrDevice s) {
        if (!axis) return mx::take_along_axis(mx::reshape(a, {-1}, s), mx::reshape(indices, {-1}, s), 0, s);
        return mx::take_along_axis(a, indices, *axis, s);
      }, nb::sig("def take_along_axis(a: mlx.core.array, /, indices: mlx.core.array, axis: int | None = -1, "
                "*, stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "indices"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
      "Values of ``a`` at ``indices`` along an axis (as ``numpy.take_along_axis``).\n\n"
      "Args:\n    a (array): Input array.\n    indices (array): Integer indices with as many dimensions as ``a``,\n"
      "      broadcastable with ``a`` except along ``axis``.\n    axis (int or None): The axis; None flattens ``a``\n"
      "      and ``indices`` first. Default: -1.\n\n"
      "Returns:\n    array: The gathered values, of the broadcast shape of ``indices``.\n\n"
      "Example: ``mx.take_along_axis(x, mx.argmax(x, axis=1, keepdims=True), axis=1)``.");

  def_op(m, "put_along_axis", [](const mx::array& a, const mx::array& indices, nb::handle values,
                             std::optional<int> axis, mx::StreamOrDevice s) {
        mx::array v = scatter_value(a, values);
        if (!axis) {
          mx::array r = mx::put_along_axis(mx::reshape(a, {-1}, s), mx::reshape(indices, {-1}, s), v, 0, s);
          return mx::reshape(r, a.shape(), s);
        }
        return mx::put_along_axis(a, indices, v, *axis, s);
      }, nb::sig("def put_along_axis(a: mlx.core.array, /, indices: mlx.core.array, values: object, "
                "axis: int | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "indices"_a, "values"_a, "axis"_a.none() = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "A copy of ``a`` with ``values`` written at ``indices`` along an axis (as\n``numpy.put_along_axis``).\n\n"
      "Args:\n    a (array): Destination array.\n    indices (array): Integer indices with as many dimensions as ``a``,\n"
      "      broadcastable with ``a`` except along ``axis``.\n    values (array or scalar): Values, broadcast to the\n"
      "      indices and cast to ``a``'s dtype.\n    axis (int or None): The axis; None (the default) works on the\n"
      "      flattened array.\n\n"
      "Returns:\n    array: The updated copy, of ``a``'s shape and dtype.");

  def_op(m, "slice", [](const mx::array& a, const mx::array& start_indices, std::vector<int> axes,
                    std::vector<int> slice_size, mx::StreamOrDevice s) {
        return mx::dynamic_slice(a, start_indices, axes, mx::Shape(slice_size.begin(), slice_size.end()), s);
      }, nb::sig("def slice(a: mlx.core.array, /, start_indices: mlx.core.array, "
                "axes: collections.abc.Sequence[int], slice_size: collections.abc.Sequence[int], *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "start_indices"_a, "axes"_a, "slice_size"_a, nb::kw_only(), "stream"_a = nb::none(),
      "A sub-array of ``a`` whose start is given by an array (read when evaluated).\n\n"
      "Args:\n    a (array): Input array.\n    start_indices (array): Integer start positions, one per entry of ``axes``.\n"
      "    axes (sequence of int): The axes the starts apply to.\n    slice_size (sequence of int): The size of the\n"
      "      slice along every axis of ``a``.\n\n"
      "Returns:\n    array: The slice, of shape ``slice_size``. A slice that would leave the array raises\n"
      "    IndexError when evaluated.\n\n"
      "Example: ``mx.slice(a, mx.array(1), axes=(0,), slice_size=(1, 2))``.");

  def_op(m, "slice_update", [](const mx::array& a, const mx::array& update, const mx::array& start_indices,
                           std::vector<int> axes, mx::StreamOrDevice s) {
        return mx::dynamic_slice_update(a, update, start_indices, axes, s);
      }, nb::sig("def slice_update(a: mlx.core.array, /, update: mlx.core.array, "
                "start_indices: mlx.core.array, axes: collections.abc.Sequence[int], *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "update"_a, "start_indices"_a, "axes"_a, nb::kw_only(), "stream"_a = nb::none(),
      "A copy of ``a`` with ``update`` written at a start given by an array.\n\n"
      "Args:\n    a (array): The input array.\n    update (array): The values to write (cast to ``a``'s dtype).\n"
      "    start_indices (array): Integer start positions, one per entry of ``axes``.\n"
      "    axes (sequence of int): The axes the starts apply to.\n\n"
      "Returns:\n    array: The updated copy, of ``a``'s shape and dtype. An update that would leave\n"
      "    the array raises IndexError when evaluated.");

  def_op(m, "nonzero", [](const mx::array& a) {
        if (a.ndim() == 0)
          throw std::invalid_argument("[nonzero] Calling nonzero on 0-d arrays is not allowed; use "
                                      "mx.atleast_1d(a) first (as NumPy).");
        std::vector<mx::array> c = nonzero_coords(a, "nonzero");
        nb::list out;
        for (auto& x : c) out.append(nb::cast(x));
        return nb::tuple(out);
      }, "a"_a,
      "The coordinates of the nonzero elements of ``a`` (not in the reference; as\n``numpy.nonzero``).\n\n"
      "Args:\n    a (array): Input array.\n\n"
      "Returns:\n    tuple(array): One int64 array per axis of ``a``, in row-major order. This evaluates\n"
      "    ``a`` (the result's size depends on its values), so it cannot run inside ``vmap``,\n"
      "    ``grad`` or ``compile``.\n\n"
      "Example: ``mx.nonzero(mx.array([0, 3, 0, 4]))`` is ``(array([1, 3]),)``.");
}
