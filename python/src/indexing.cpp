#include "python/src/indexing.h"
#include "python/src/eval_util.h"

#include <limits>
#include <string>
#include <vector>

#include "mlx_core/mlx.h"

namespace mx = mlx::core;

namespace {

[[noreturn]] void bad_type() {
  throw std::invalid_argument("Cannot index mlx array using the given type.");
}

// An integer index (Python int, NumPy integer, 0-d integer mx.array), if `v` is one.
std::optional<int64_t> as_int(nb::handle v) {
  if (PyBool_Check(v.ptr())) bad_type();
  if (nb::isinstance<mx::array>(v)) {
    mx::array a = nb::cast<mx::array>(v);
    if (a.ndim() != 0 || !mx::is_integral(a.dtype())) bad_type();
    eval_released(a);
    if (a.dtype() == mx::uint64) {
      uint64_t u = a.item<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw std::out_of_range("[index] Index " + std::to_string(u) + " is out of bounds.");
      return static_cast<int64_t>(u);
    }
    return a.item<int64_t>();
  }
  if (PyLong_Check(v.ptr()) || PyIndex_Check(v.ptr())) {
    Py_ssize_t i = PyNumber_AsSsize_t(v.ptr(), PyExc_IndexError);
    if (i == -1 && PyErr_Occurred()) throw nb::python_error();
    return i;
  }
  return std::nullopt;
}

} // namespace

mx::array get_item(const mx::array& a, nb::handle index) {
  std::vector<nb::handle> items;
  nb::object keep = nb::borrow(index);
  if (PyTuple_Check(index.ptr())) {
    for (nb::handle h : nb::borrow<nb::tuple>(index)) items.push_back(h);
  } else {
    items.push_back(index);
  }

  // Check the index types, count the axes they consume and the ellipses.
  int consumed = 0, ellipses = 0;
  for (nb::handle h : items) {
    if (h.is_none()) continue;
    if (h.ptr() == Py_Ellipsis) { ++ellipses; continue; }
    if (PySlice_Check(h.ptr()) || as_int(h)) { ++consumed; continue; }
    bad_type();
  }
  if (ellipses > 1) throw std::invalid_argument("An index can only have a single ellipsis (...)");
  int nd = a.ndim();
  if (consumed > nd)
    throw std::invalid_argument("Too many indices for array with " + std::to_string(nd) + " dimensions.");

  mx::Shape start(nd, 0), stop(a.shape()), step(nd, 1);
  std::vector<int> squeeze_axes, new_axes;
  bool sliced = false;
  int axis = 0, out_axis = 0;
  for (nb::handle h : items) {
    if (h.is_none()) {
      new_axes.push_back(out_axis++);
    } else if (h.ptr() == Py_Ellipsis) {
      int skip = nd - consumed;
      axis += skip;
      out_axis += skip;
    } else if (PySlice_Check(h.ptr())) {
      // Python's slice rules in 64 bits; PySlice_Unpack clamps to +-PY_SSIZE_T_MAX.
      Py_ssize_t s0, s1, st;
      if (PySlice_Unpack(h.ptr(), &s0, &s1, &st) < 0) throw nb::python_error();
      int64_t len = a.shape(axis);
      mx::SliceBounds b = mx::normalize_slice(len, s0, s1, st, "index");
      if (b.start != 0 || b.stop != len || b.step != 1) sliced = true;
      start[axis] = static_cast<mx::ShapeElem>(b.start);
      stop[axis] = static_cast<mx::ShapeElem>(b.stop);
      step[axis] = static_cast<mx::ShapeElem>(b.step);
      ++axis;
      ++out_axis;
    } else {
      int64_t i = *as_int(h);
      int64_t len = a.shape(axis);
      if (i < -len || i >= len)
        throw std::out_of_range("[index] Index " + std::to_string(i) + " is out of bounds for axis " +
                                std::to_string(axis) + " with size " + std::to_string(len) + ".");
      if (i < 0) i += len;
      start[axis] = static_cast<mx::ShapeElem>(i);
      stop[axis] = static_cast<mx::ShapeElem>(i + 1);
      sliced = sliced || len != 1;
      squeeze_axes.push_back(axis);
      ++axis;
    }
  }

  mx::array out = sliced ? mx::slice(a, start, stop, step) : a;
  if (!squeeze_axes.empty()) out = mx::squeeze(out, squeeze_axes);
  if (!new_axes.empty()) out = mx::expand_dims(out, new_axes);
  return out;
}
