#include "python/src/indexing.h"

#include <nanobind/stl/string.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "mlx_core/mlx.h"
#include "python/src/convert.h"
#include "python/src/eval_util.h"

namespace mx = mlx::core;

namespace {

[[noreturn]] void bad_type() {
  throw std::invalid_argument("Cannot index mlx array using the given type.");
}

// An integer index (Python int, NumPy integer, evaluated 0-d integer mx.array), if `v` is one.
std::optional<int64_t> as_int(nb::handle v) {
  if (PyBool_Check(v.ptr())) bad_type();
  if (nb::isinstance<mx::array>(v)) {
    mx::array a = nb::cast<mx::array>(v);
    if (a.ndim() != 0 || !mx::is_integral(a.dtype()) || a.is_tracer()) return std::nullopt;
    eval_released(a);
    if (a.dtype() == mx::uint64) {
      uint64_t u = a.item<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw std::out_of_range("[index] Index " + std::to_string(u) + " is out of bounds.");
      return static_cast<int64_t>(u);
    }
    return a.item<int64_t>();
  }
  if (!PyLong_Check(v.ptr()) && PyIndex_Check(v.ptr()) && nb::hasattr(v, "ndim") && nb::hasattr(v, "dtype") &&
      (nb::cast<int>(v.attr("ndim")) > 0 || nb::cast<std::string>(v.attr("dtype").attr("kind")) == "b")) {
    return std::nullopt; // a NumPy array or boolean: an array index
  }
  if (PyLong_Check(v.ptr()) || PyIndex_Check(v.ptr())) {
    // 64-bit indices; beyond them the index is out of range of any array.
    Py_ssize_t i = PyNumber_AsSsize_t(v.ptr(), PyExc_IndexError);
    if (i == -1 && PyErr_Occurred()) throw nb::python_error();
    return i;
  }
  return std::nullopt;
}

// An array index (mx.array, NumPy array, nested list), if `v` is one.
std::optional<mx::array> as_array(nb::handle v) {
  if (nb::isinstance<mx::array>(v)) return nb::cast<mx::array>(v);
  if (PyList_Check(v.ptr())) {
    // An empty list (or lists of them) indexes nothing, as in NumPy: integer indices.
    mx::array r = to_array(v);
    if (r.size() == 0 && !mx::is_integral(r.dtype()) && r.dtype() != mx::bool_) r = mx::astype(r, mx::int32);
    return r;
  }
  if (PyObject_CheckBuffer(v.ptr()) || nb::hasattr(v, "__array__") ||
      nb::hasattr(v, "__dlpack__")) {
    return to_array(v);
  }
  return std::nullopt;
}

struct Item {
  enum Kind { None, Slice, Int, Array } kind;
  int64_t start = 0, stop = 0, step = 1; // Slice (normalized) or Int (start)
  int64_t length = 1;                   // elements the slice selects
  int axis = -1;                        // the axis it consumes
  std::optional<mx::array> arr;
};

// The index as a list of per-axis items: Ellipsis expanded into full slices, trailing axes
// filled with full slices, boolean masks replaced by their nonzero coordinates.
std::vector<Item> parse_index(const mx::array& a, nb::handle index, bool* advanced) {
  std::vector<nb::handle> raw;
  if (PyTuple_Check(index.ptr())) {
    for (nb::handle h : nb::borrow<nb::tuple>(index)) raw.push_back(h);
  } else {
    raw.push_back(index);
  }
  // Classify.
  struct Raw {
    int kind; // 0 None, 1 Ellipsis, 2 Slice, 3 Int, 4 Array, 5 Mask
    nb::handle h;
    int64_t i = 0;
    std::optional<mx::array> arr;
  };
  std::vector<Raw> rs;
  int consumed = 0, ellipses = 0;
  for (nb::handle h : raw) {
    Raw r{0, h};
    if (h.is_none()) {
      r.kind = 0;
    } else if (h.ptr() == Py_Ellipsis) {
      r.kind = 1;
      ++ellipses;
    } else if (PySlice_Check(h.ptr())) {
      r.kind = 2;
      ++consumed;
    } else if (auto i = as_int(h)) {
      r.kind = 3;
      r.i = *i;
      ++consumed;
    } else if (auto arr = as_array(h)) {
      if (arr->dtype() == mx::bool_) {
        r.kind = 5;
        consumed += arr->ndim();
      } else if (mx::is_integral(arr->dtype())) {
        r.kind = 4;
        ++consumed;
      } else {
        throw std::invalid_argument("[gather] Got indices with invalid dtype. Indices must be integral.");
      }
      r.arr = *arr;
    } else {
      bad_type();
    }
    rs.push_back(std::move(r));
  }
  if (ellipses > 1) throw std::invalid_argument("An index can only have a single ellipsis (...)");
  int nd = a.ndim();
  if (consumed > nd)
    throw std::invalid_argument("Too many indices for array with " + std::to_string(nd) + " dimensions.");

  std::vector<Item> items;
  *advanced = false;
  int axis = 0;
  auto full = [&](int ax) {
    Item it{Item::Slice};
    it.stop = a.shape(ax);
    it.length = a.shape(ax);
    it.axis = ax;
    return it;
  };
  for (auto& r : rs) {
    switch (r.kind) {
      case 0: items.push_back(Item{Item::None}); break;
      case 1:
        for (int k = 0; k < nd - consumed; ++k) items.push_back(full(axis++));
        break;
      case 2: {
        Py_ssize_t s0, s1, st;
        if (PySlice_Unpack(r.h.ptr(), &s0, &s1, &st) < 0) throw nb::python_error();
        mx::SliceBounds b = mx::normalize_slice(a.shape(axis), s0, s1, st, "index");
        Item it{Item::Slice, b.start, b.stop, b.step, b.length, axis++};
        items.push_back(it);
        break;
      }
      case 3: {
        int64_t len = a.shape(axis), i = r.i;
        if (i < -len || i >= len)
          throw std::out_of_range("[index] Index " + std::to_string(i) + " is out of bounds for axis " +
                                  std::to_string(axis) + " with size " + std::to_string(len) + ".");
        if (i < 0) i += len;
        items.push_back(Item{Item::Int, i, i + 1, 1, 1, axis++});
        break;
      }
      case 4: {
        Item it{Item::Array};
        it.axis = axis++;
        it.arr = r.arr;
        items.push_back(it);
        *advanced = true;
        break;
      }
      case 5: {
        const mx::array& m = *r.arr;
        for (int d = 0; d < m.ndim(); ++d) {
          if (m.shape(d) != a.shape(axis + d))
            throw std::out_of_range("[index] Boolean index did not match the indexed array along axis " +
                                    std::to_string(axis + d) + "; size is " + std::to_string(a.shape(axis + d)) +
                                    " but the mask's is " + std::to_string(m.shape(d)) + ".");
        }
        std::vector<mx::array> coords = nonzero_coords(m, "index");
        for (auto& c : coords) {
          Item it{Item::Array};
          it.axis = axis++;
          it.arr = c;
          items.push_back(it);
        }
        if (m.ndim() == 0) {
          // A 0-d mask adds an axis of length 1 (True) or 0 (False).
          Item it{Item::Array};
          mx::array mm = m;
          eval_released(mm);
          it.arr = mx::zeros(mx::Shape{mm.item<bool>() ? 1 : 0}, mx::int32);
          it.axis = -2;
          items.push_back(it);
        }
        *advanced = true;
        break;
      }
    }
  }
  while (axis < nd) items.push_back(full(axis++));
  return items;
}

// Basic indexing: a view.
mx::array basic_get(const mx::array& a, const std::vector<Item>& items) {
  int nd = a.ndim();
  mx::Shape start(nd, 0), stop(a.shape()), step(nd, 1);
  std::vector<int> squeeze_axes, new_axes;
  bool sliced = false;
  int out_axis = 0;
  for (const auto& it : items) {
    if (it.kind == Item::None) {
      new_axes.push_back(out_axis++);
      continue;
    }
    int64_t len = a.shape(it.axis);
    if (it.start != 0 || it.stop != len || it.step != 1) sliced = true;
    start[it.axis] = static_cast<mx::ShapeElem>(it.start);
    stop[it.axis] = static_cast<mx::ShapeElem>(it.stop);
    step[it.axis] = static_cast<mx::ShapeElem>(it.step);
    if (it.kind == Item::Int) squeeze_axes.push_back(it.axis);
    else ++out_axis;
  }
  mx::array out = sliced ? mx::slice(a, start, stop, step) : a;
  if (!squeeze_axes.empty()) out = mx::squeeze(out, squeeze_axes);
  if (!new_axes.empty()) out = mx::expand_dims(out, new_axes);
  return out;
}

// Where the advanced block goes: whether advanced items (ints and arrays) are adjacent in
// the index, and the output dims before the block (slices and Nones in front of it).
struct Placement {
  bool contiguous;
  int before; // slices before the block (contiguous case)
  std::vector<int> none_pos; // output positions of the None axes, counting B as nb dims
};

Placement placement(const std::vector<Item>& items, int nb) {
  int first = -1, last = -1;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].kind == Item::Int || items[i].kind == Item::Array) {
      if (first < 0) first = static_cast<int>(i);
      last = static_cast<int>(i);
    }
  }
  bool contig = true;
  for (int i = first; i <= last; ++i) {
    if (items[i].kind == Item::None || items[i].kind == Item::Slice) contig = false;
  }
  Placement p{contig, 0, {}};
  int pos = contig ? 0 : nb;
  for (int i = 0; i < static_cast<int>(items.size()); ++i) {
    const auto& it = items[i];
    if (it.kind == Item::None) p.none_pos.push_back(pos++);
    else if (it.kind == Item::Slice) {
      if (contig && i < first) ++p.before;
      ++pos;
    } else if (contig && i == first) {
      pos += nb;
    }
  }
  return p;
}

// The index arrays of the advanced items broadcast together (0-d mask arrays included).
std::vector<mx::array> broadcast_adv(const std::vector<Item>& items) {
  std::vector<mx::array> arrs;
  for (const auto& it : items) {
    if (it.kind == Item::Array) arrs.push_back(*it.arr);
  }
  if (arrs.size() > 1) arrs = mx::broadcast_arrays(arrs);
  return arrs;
}

mx::array advanced_get(const mx::array& a, const std::vector<Item>& items) {
  int nd = a.ndim();
  // Slices and ints as a view, the arrays through one gather.
  mx::Shape start(nd, 0), stop(a.shape()), step(nd, 1);
  bool sliced = false;
  for (const auto& it : items) {
    if (it.kind != Item::Slice && it.kind != Item::Int) continue;
    if (it.start != 0 || it.stop != a.shape(it.axis) || it.step != 1) sliced = true;
    start[it.axis] = static_cast<mx::ShapeElem>(it.start);
    stop[it.axis] = static_cast<mx::ShapeElem>(it.stop);
    step[it.axis] = static_cast<mx::ShapeElem>(it.step);
  }
  mx::array v = sliced ? mx::slice(a, start, stop, step) : a;
  std::vector<mx::array> arrs = broadcast_adv(items);
  std::vector<mx::array> gidx;
  std::vector<int> gaxes;
  std::vector<bool> drop(nd, false);
  mx::Shape extra; // a 0-d mask's axis
  size_t k = 0;
  for (const auto& it : items) {
    if (it.kind == Item::Int) drop[it.axis] = true;
    if (it.kind != Item::Array) continue;
    if (it.axis >= 0) {
      gidx.push_back(arrs[k]);
      gaxes.push_back(it.axis);
      drop[it.axis] = true;
    }
    ++k;
  }
  mx::Shape bshape = arrs.empty() ? mx::Shape{} : arrs[0].shape();
  int nb = static_cast<int>(bshape.size());
  mx::array g = v;
  if (!gidx.empty()) {
    mx::Shape ss = v.shape();
    for (int ax : gaxes) ss[ax] = 1;
    g = mx::gather(v, gidx, gaxes, ss);
  } else {
    mx::Shape s = bshape;
    s.insert(s.end(), v.shape().begin(), v.shape().end());
    g = mx::broadcast_to(v, s);
  }
  // g: B + v.shape with 1s at the array axes: drop those and the int axes.
  std::vector<int> sq;
  for (int d = 0; d < nd; ++d) {
    if (drop[d]) sq.push_back(nb + d);
  }
  if (!sq.empty()) g = mx::squeeze(g, sq);
  Placement p = placement(items, nb);
  if (p.contiguous && p.before > 0 && nb > 0) {
    std::vector<int> perm;
    for (int d = 0; d < p.before; ++d) perm.push_back(nb + d);
    for (int d = 0; d < nb; ++d) perm.push_back(d);
    for (int d = nb + p.before; d < g.ndim(); ++d) perm.push_back(d);
    g = mx::transpose(g, perm);
  }
  if (!p.none_pos.empty()) g = mx::expand_dims(g, p.none_pos);
  return g;
}

// value broadcast to `shape`, after dropping leading axes of size 1 it has beyond it.
mx::array fit_value(mx::array v, const mx::Shape& shape) {
  while (v.ndim() > static_cast<int>(shape.size()) && v.shape(0) == 1) v = mx::squeeze(v, {0});
  if (v.shape() != shape) v = mx::broadcast_to(v, shape);
  return v;
}

} // namespace

std::vector<mx::array> nonzero_coords(const mx::array& a_in, const char* op) {
  if (a_in.is_tracer())
    throw std::invalid_argument(std::string("[") + op +
                                "] Boolean masks and nonzero need the values of the array, which are not known "
                                "inside a transformation (vmap, grad, compile); use mx.where instead.");
  mx::array a = a_in;
  eval_released(a);
  mx::array b = mx::astype(a, mx::bool_);
  if (!b.flags().row_contiguous) b = mx::copy(b);
  eval_released(b);
  int nd = a.ndim();
  const bool* p = b.data<bool>();
  int64_t n = static_cast<int64_t>(b.size()), count = 0;
  for (int64_t i = 0; i < n; ++i) count += p[i];
  std::vector<std::vector<int64_t>> coords(nd, std::vector<int64_t>(count));
  std::vector<int64_t> pos(nd, 0);
  int64_t c = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (p[i]) {
      for (int d = 0; d < nd; ++d) coords[d][c] = pos[d];
      ++c;
    }
    for (int d = nd - 1; d >= 0; --d) {
      if (++pos[d] < a.shape(d)) break;
      pos[d] = 0;
    }
  }
  std::vector<mx::array> out;
  for (int d = 0; d < nd; ++d) {
    out.push_back(mx::array(coords[d].data(), {static_cast<mx::ShapeElem>(count)}, mx::int64));
  }
  return out;
}

mx::array get_item(const mx::array& a, nb::handle index) {
  bool advanced = false;
  std::vector<Item> items = parse_index(a, index, &advanced);
  return advanced ? advanced_get(a, items) : basic_get(a, items);
}

namespace {

// The index as one boolean mask (an mx.array, a NumPy array, a list or a Python bool), if it
// is one. (A Python bool works for assignment only: reading a[True] raises, as the reference.)
std::optional<mx::array> mask_index(nb::handle index) {
  if (PyBool_Check(index.ptr())) return mx::array(index.ptr() == Py_True);
  if (PyTuple_Check(index.ptr()) || index.is_none() || PySlice_Check(index.ptr())) return std::nullopt;
  if (!nb::isinstance<mx::array>(index) && !PyList_Check(index.ptr()) && !nb::hasattr(index, "__array__"))
    return std::nullopt;
  std::optional<mx::array> m = as_array(index);
  if (m && m->dtype() == mx::bool_) return m;
  return std::nullopt;
}

// a[m] = value for a mask m over the leading axes of a, as a select (which also traces, so
// that it works inside vmap); nullopt where the general scatter must do it. A mask over
// every axis takes the value's elements in order (as the reference: a longer value gives
// its first ones); a partial or 0-d mask broadcasts the value to the selected slices.
std::optional<mx::array> masked_assign(const mx::array& a, const mx::array& m, const mx::array& value) {
  int nd = a.ndim(), k = m.ndim();
  if (k > nd) return std::nullopt;
  for (int d = 0; d < k; ++d) {
    if (m.shape(d) != a.shape(d)) return std::nullopt;
  }
  mx::Shape rest(a.shape().begin() + k, a.shape().end());
  mx::Shape mshape = m.shape();
  mshape.insert(mshape.end(), rest.size(), 1);
  mx::array mm = mx::reshape(m, mshape);
  if (value.size() == 1) return mx::where(mm, mx::reshape(value, {}), a);
  if (k == nd && k > 0) {
    mx::array v = mx::reshape(value, {-1});
    if (!m.is_tracer()) {
      mx::array c = mx::sum(mx::astype(m, mx::int64), false);
      eval_released(c);
      int64_t count = c.item<int64_t>();
      if (count == 0) return a;
      if (static_cast<int64_t>(v.size()) < count)
        throw std::invalid_argument("[index] Cannot assign " + std::to_string(v.size()) + " values to the " +
                                    std::to_string(count) + " positions where the mask is True.");
    }
    // Element i where the mask holds takes the value's (number of True before it)-th element.
    mx::array flat = mx::astype(mx::reshape(m, {-1}), mx::int64);
    mx::array pos = mx::maximum(mx::subtract(mx::cumsum(flat, 0), mx::array(int64_t(1))), mx::array(int64_t(0)));
    return mx::where(m, mx::reshape(mx::take(v, pos, 0), a.shape()), a);
  }
  mx::array v = value;
  while (v.ndim() > static_cast<int>(rest.size()) && v.shape(0) == 1) v = mx::squeeze(v, {0});
  if (v.ndim() > static_cast<int>(rest.size())) return std::nullopt; // one value per selected slice
  return mx::where(mm, fit_value(v, rest), a);
}

} // namespace

mx::array scatter_item(const mx::array& a, nb::handle index, const mx::array& value_in, mx::ScatterReduce reduce) {
  bool advanced = false;
  mx::array value = mx::astype(value_in, a.dtype());
  if (reduce == mx::ScatterReduce::None) {
    if (auto m = mask_index(index)) {
      if (auto r = masked_assign(a, *m, value)) return *r;
    }
  }
  std::vector<Item> items = parse_index(a, index, &advanced);
  int nd = a.ndim();
  mx::array view = advanced ? advanced_get(a, items) : basic_get(a, items);
  mx::array v = fit_value(value, view.shape());

  if (!advanced && reduce == mx::ScatterReduce::None) {
    mx::Shape start(nd, 0), stop(a.shape()), step(nd, 1), slice_shape(nd);
    for (const auto& it : items) {
      if (it.kind == Item::None) continue;
      start[it.axis] = static_cast<mx::ShapeElem>(it.start);
      stop[it.axis] = static_cast<mx::ShapeElem>(it.stop);
      step[it.axis] = static_cast<mx::ShapeElem>(it.step);
    }
    for (const auto& it : items) {
      if (it.kind != Item::None) slice_shape[it.axis] = static_cast<mx::ShapeElem>(it.length);
    }
    if (v.size() == 0) return a;
    return mx::slice_update(a, mx::reshape(v, slice_shape), start, stop, step);
  }

  // Scatter: array and int items index; partial slices become aranges on their own axes;
  // full slices stay whole in the update slice.
  std::vector<mx::array> arrs = broadcast_adv(items);
  mx::Shape bshape = arrs.empty() ? mx::Shape{} : arrs[0].shape();
  int nb = static_cast<int>(bshape.size());
  Placement p = advanced ? placement(items, nb) : Placement{true, 0, {}};
  if (!advanced) {
    int pos = 0;
    for (const auto& it : items) {
      if (it.kind == Item::None) p.none_pos.push_back(pos++);
      else if (it.kind == Item::Slice) ++pos;
    }
  }
  // v: the getitem layout. Drop the None axes, then bring B to the front.
  if (!p.none_pos.empty()) v = mx::squeeze(v, p.none_pos);
  std::vector<const Item*> slices;
  for (const auto& it : items) {
    if (it.kind == Item::Slice) slices.push_back(&it);
  }
  int ns = static_cast<int>(slices.size());
  if (p.contiguous && p.before > 0 && nb > 0) {
    std::vector<int> perm;
    for (int d = 0; d < nb; ++d) perm.push_back(p.before + d);
    for (int d = 0; d < p.before; ++d) perm.push_back(d);
    for (int d = p.before + nb; d < v.ndim(); ++d) perm.push_back(d);
    v = mx::transpose(v, perm);
  }
  // v: B + slices in axis order. Partial slices next to B, then the full ones.
  std::vector<int> perm;
  for (int d = 0; d < nb; ++d) perm.push_back(d);
  std::vector<int> partial, whole;
  for (int j = 0; j < ns; ++j) {
    const Item& s = *slices[j];
    // An empty slice stays in the update slice too (with size 0), so that the index arrays
    // keep their own shape and are still checked against their axes.
    bool is_full = (s.start == 0 && s.stop == a.shape(s.axis) && s.step == 1) || s.length == 0;
    (is_full ? whole : partial).push_back(j);
  }
  for (int j : partial) perm.push_back(nb + j);
  for (int j : whole) perm.push_back(nb + j);
  v = mx::transpose(v, perm);
  int np = static_cast<int>(partial.size());
  mx::Shape ushape(v.shape().begin(), v.shape().begin() + nb + np);
  mx::Shape slice_sizes(nd, 1);
  for (int j : whole) slice_sizes[slices[j]->axis] = static_cast<mx::ShapeElem>(slices[j]->length);
  ushape.insert(ushape.end(), slice_sizes.begin(), slice_sizes.end());
  v = mx::reshape(v, ushape);

  std::vector<mx::array> idx;
  std::vector<int> axes;
  int total = nb + np;
  size_t k = 0;
  for (const auto& it : items) {
    if (it.kind == Item::Array) {
      if (it.axis >= 0) {
        mx::Shape s = arrs[k].shape();
        s.insert(s.end(), np, 1);
        idx.push_back(mx::reshape(arrs[k], s));
        axes.push_back(it.axis);
      }
      ++k;
    } else if (it.kind == Item::Int) {
      idx.push_back(mx::array(it.start, mx::int64));
      axes.push_back(it.axis);
    }
  }
  for (int q = 0; q < np; ++q) {
    const Item& s = *slices[partial[q]];
    mx::Shape shp(total, 1);
    shp[nb + q] = static_cast<mx::ShapeElem>(s.length);
    mx::array r = mx::arange(static_cast<double>(s.start), static_cast<double>(s.start + s.length * s.step),
                             static_cast<double>(s.step), mx::int64);
    idx.push_back(mx::reshape(r, shp));
    axes.push_back(s.axis);
  }
  if (idx.empty()) {
    // Only whole slices (a.at[...].add(v)): B is empty and the update covers everything.
    idx.push_back(mx::array(int64_t(0), mx::int64));
    axes.push_back(0);
    if (nd == 0) {
      // A 0-d array: combine directly.
      switch (reduce) {
        case mx::ScatterReduce::None: return mx::reshape(v, {});
        case mx::ScatterReduce::Add: return mx::add(a, mx::reshape(v, {}));
        case mx::ScatterReduce::Prod: return mx::multiply(a, mx::reshape(v, {}));
        case mx::ScatterReduce::Max: return mx::maximum(a, mx::reshape(v, {}));
        case mx::ScatterReduce::Min: return mx::minimum(a, mx::reshape(v, {}));
      }
    }
  }
  return mx::scatter(a, idx, v, axes, reduce);
}
