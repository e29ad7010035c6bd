// Shape ops (concatenate, stack, split, pad, tile, repeat, ...) and creation helpers (tri, diag, meshgrid, windows).
#include <nanobind/stl/string.h>

#include <string>

#include "python/src/common.h"
#include "python/src/convert.h"

using namespace nb::literals;

namespace {

// A Python int as int64 (TypeError for anything else, as nanobind's own int arguments).
int64_t to_int64(nb::handle h, const char* op, const char* what) {
  if (!PyLong_Check(h.ptr()) && !(PyIndex_Check(h.ptr()) && !PyFloat_Check(h.ptr()))) {
    throw mx::type_error(std::string("[") + op + "] " + what + " must be integers, got " +
                         nb::type_name(h.type()).c_str() + ".");
  }
  long long v = PyLong_AsLongLong(nb::int_(h).ptr());
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    throw std::overflow_error(std::string("[") + op + "] " + what + " must fit in 64 bits.");
  }
  return v;
}

bool is_seq(nb::handle h) { return nb::isinstance<nb::tuple>(h) || nb::isinstance<nb::list>(h); }

// An int or a sequence of ints.
std::vector<int64_t> to_int64s(nb::handle h, const char* op, const char* what) {
  std::vector<int64_t> out;
  if (is_seq(h)) {
    for (nb::handle v : h) out.push_back(to_int64(v, op, what));
  } else {
    out.push_back(to_int64(h, op, what));
  }
  return out;
}

std::vector<int> to_ints(nb::handle h, const char* op, const char* what) {
  std::vector<int> out;
  for (auto v : to_int64s(h, op, what)) {
    if (v < INT32_MIN || v > INT32_MAX) throw std::out_of_range(std::string("[") + op + "] " + what + " out of range.");
    out.push_back(static_cast<int>(v));
  }
  return out;
}

// pad_width: n, (n,), (before, after), [(before, after)] (every axis) or one pair per axis.
std::vector<std::pair<int64_t, int64_t>> to_pad_width(nb::handle h, int ndim) {
  const char* what = "pad_width";
  if (!is_seq(h)) {
    int64_t n = to_int64(h, "pad", what);
    return std::vector<std::pair<int64_t, int64_t>>(ndim, {n, n});
  }
  nb::sequence seq = nb::borrow<nb::sequence>(h);
  size_t len = nb::len(seq);
  bool pairs = len > 0 && is_seq(seq[0]);
  if (!pairs) {
    auto v = to_int64s(h, "pad", what);
    if (v.size() == 1) return std::vector<std::pair<int64_t, int64_t>>(ndim, {v[0], v[0]});
    if (v.size() == 2) return std::vector<std::pair<int64_t, int64_t>>(ndim, {v[0], v[1]});
    throw mx::type_error("[pad] pad_width must be an int, (before, after) or a sequence of (before, after) pairs.");
  }
  std::vector<std::pair<int64_t, int64_t>> out;
  for (nb::handle p : seq) {
    if (!is_seq(p)) throw mx::type_error("[pad] pad_width must be a sequence of (before, after) pairs.");
    auto v = to_int64s(p, "pad", what);
    if (v.size() == 1) out.push_back({v[0], v[0]});
    else if (v.size() == 2) out.push_back({v[0], v[1]});
    else throw mx::type_error("[pad] Each pad_width entry must be (before, after).");
  }
  if (out.size() == 1 && ndim != 1) out.assign(ndim, out[0]);
  return out;
}

nb::tuple to_tuple(const std::vector<mx::array>& v) {
  nb::list l;
  for (auto& x : v) l.append(nb::cast(x));
  return nb::tuple(l);
}

nb::list to_list(const std::vector<mx::array>& v) {
  nb::list l;
  for (auto& x : v) l.append(nb::cast(x));
  return l;
}

std::vector<mx::array> split_arg(const mx::array& a, nb::handle sections, int axis, mx::StreamOrDevice s) {
  if (is_seq(sections)) return mx::split(a, to_int64s(sections, "split", "indices"), axis, s);
  int64_t n = to_int64(sections, "split", "indices_or_sections");
  if (n > INT32_MAX || n < INT32_MIN) throw std::invalid_argument("[split] num_splits is out of range.");
  return mx::split(a, static_cast<int>(n), axis, s);
}

template <typename F>
nb::object atleast(nb::args arys, mx::StreamOrDevice s, const char* op, F f) {
  std::vector<mx::array> out;
  for (nb::handle h : arys) out.push_back(f(array_arg(h, op, "each of *arys"), s));
  if (out.size() == 1) return nb::cast(out[0]);
  return to_list(out);
}

mx::Shape shape_of(nb::handle h, const char* op) {
  mx::Shape out;
  for (auto v : to_int64s(h, op, "shape")) {
    if (v < INT32_MIN || v > INT32_MAX) {
      throw std::overflow_error(std::string("[") + op + "] Shape dimensions must fit in 32 bits.");
    }
    out.push_back(static_cast<mx::ShapeElem>(v));
  }
  return out;
}

constexpr const char* kConcatDoc = R"(Join arrays along an axis.

Args:
    arrays (list(array)): The arrays to join. Their dtypes are promoted to a common one;
        all dimensions other than ``axis`` must match.
    axis (int, optional): The axis to join along. ``None`` joins the flattened arrays.
        Default: ``0``.

Returns:
    array: The joined array.

Example:
    >>> mx.concatenate([mx.array([1, 2]), mx.array([3])])  # array([1, 2, 3])
)";

} // namespace

void init_ops_shape(nb::module_& m) {
  auto concat = [](const std::vector<mx::array>& arrays, std::optional<int> axis, mx::StreamOrDevice s) {
    return axis ? mx::concatenate(arrays, *axis, s) : mx::concatenate(arrays, s);
  };
  def_op(m, "concatenate", concat, nb::sig("def concatenate(arrays: collections.abc.Sequence[mlx.core.array], /, axis: int | None = 0, *, stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"), nb::arg(), "axis"_a.none() = 0, nb::kw_only(), "stream"_a = nb::none(), kConcatDoc);
  def_op(m, "concat", concat, nb::sig("def concat(arrays: collections.abc.Sequence[mlx.core.array], /, axis: int | None = 0, *, stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"), nb::arg(), "axis"_a.none() = 0, nb::kw_only(), "stream"_a = nb::none(), kConcatDoc);
  def_op(m, "stack", [](const std::vector<mx::array>& arrays, std::optional<int> axis, mx::StreamOrDevice s) {
        return mx::stack(arrays, axis.value_or(0), s);
      }, nb::sig("def stack(arrays: collections.abc.Sequence[mlx.core.array], /, axis: int | None = 0, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axis"_a.none() = 0, nb::kw_only(), "stream"_a = nb::none(),
      R"(Join arrays of one shape along a new axis.

Args:
    arrays (list(array)): The arrays to stack (all of the same shape).
    axis (int, optional): The position of the new axis in the result. Default: ``0``.

Returns:
    array: The stacked array, with one more dimension than the inputs.

Example:
    >>> mx.stack([mx.array([1, 2]), mx.array([3, 4])]).shape  # (2, 2)
)");
  def_op(m, "split", [](const mx::array& a, nb::handle sections, int axis, mx::StreamOrDevice s) {
        return to_list(split_arg(a, sections, axis, s));
      }, nb::arg(), "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def split(a: array, /, indices_or_sections: int | Sequence[int], axis: int = 0, *, "
              "stream: Stream | Device | None = None) -> list[array]"),
      R"(Split an array along an axis.

Args:
    a (array): The input array.
    indices_or_sections (int or list(int)): An int ``n`` splits into ``n`` equal parts (the
        axis size must be divisible by ``n``). A list of indices splits before each index
        (``a[:i0], a[i0:i1], ..., a[ik:]`` with Python slice semantics).
    axis (int, optional): The axis to split along. Default: ``0``.

Returns:
    list(array): The pieces (views of ``a``).

Example:
    >>> mx.split(mx.arange(6), [2, 5])  # [array([0, 1]), array([2, 3, 4]), array([5])]
)");
  def_array_method("split", [](const mx::array& a, nb::handle sections, int axis, mx::StreamOrDevice s) {
        return to_list(split_arg(a, sections, axis, s));
      }, "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def split(self, indices_or_sections: int | Sequence[int], axis: int = 0, *, "
              "stream: Stream | Device | None = None) -> list[array]"),
      R"(Split the array along an axis (see :func:`split`).

Args:
    indices_or_sections (int or list(int)): A number of equal parts, or the indices to
        split before.
    axis (int, optional): The axis to split along. Default: ``0``.

Returns:
    list(array): The pieces (views).
)");
  def_op(m, "unstack", [](const mx::array& x, int axis, mx::StreamOrDevice s) {
        return to_tuple(mx::unstack(x, axis, s));
      }, nb::arg(), nb::kw_only(), "axis"_a = 0, "stream"_a = nb::none(),
      nb::sig("def unstack(x: array, /, *, axis: int = 0, stream: Stream | Device | None = None) "
              "-> tuple[array, ...]"),
      R"(Split an array into its slices along an axis, removing that axis.

Args:
    x (array): The input array.
    axis (int, optional): The axis to unstack. Default: ``0``.

Returns:
    tuple(array): ``x.shape[axis]`` arrays, each with ``axis`` removed.
)");
  def_op(m, "pad", [](const mx::array& a, nb::handle pad_width, const std::string& mode, nb::handle constant_values,
                  mx::StreamOrDevice s) {
        mx::array v = nb::isinstance<mx::array>(constant_values) ? nb::cast<mx::array>(constant_values)
            : is_scalar(constant_values) ? weak_scalar(constant_values, a.dtype()) : to_array(constant_values);
        return mx::pad(a, to_pad_width(pad_width, a.ndim()), v, mode, s);
      }, nb::arg(), "pad_width"_a, "mode"_a = "constant", "constant_values"_a = 0, nb::kw_only(),
      "stream"_a = nb::none(),
      nb::sig("def pad(a: array, /, pad_width: int | tuple[int] | tuple[int, int] | list[tuple[int, int]], "
              "mode: Literal['constant', 'edge', 'reflect', 'symmetric'] = 'constant', "
              "constant_values: scalar | array = 0, *, stream: Stream | Device | None = None) -> array"),
      R"(Pad an array.

Args:
    a (array): The input array.
    pad_width (int, tuple(int), tuple(int, int) or list(tuple(int, int))): The number of
        elements added before and after each axis: one int (both sides of every axis),
        one ``(before, after)`` pair for every axis, or one pair per axis.
    mode (str, optional): ``"constant"`` fills with ``constant_values``; ``"edge"`` repeats
        the edge values; ``"reflect"`` mirrors about the edge values (excluding them);
        ``"symmetric"`` mirrors including them. Default: ``"constant"``.
    constant_values (scalar or array, optional): The fill value of ``"constant"`` mode, cast
        to ``a``'s dtype. Default: ``0``.

Returns:
    array: The padded array.

Example:
    >>> mx.pad(mx.array([1, 2]), 1)  # array([0, 1, 2, 0])
)");
  def_op(m, "tile", [](const mx::array& a, nb::handle reps, mx::StreamOrDevice s) {
        return mx::tile(a, to_int64s(reps, "tile", "reps"), s);
      }, nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def tile(a: array, reps: int | Sequence[int], /, *, stream: Stream | Device | None = None) -> array"),
      R"(Repeat an array as a whole along each axis.

Args:
    a (array): The input array.
    reps (int or list(int)): The number of repetitions along each axis (aligned to the
        last axes; missing axes are added in front).

Returns:
    array: The tiled array.

Example:
    >>> mx.tile(mx.array([1, 2]), 2)  # array([1, 2, 1, 2])
)");
  def_op(m, "repeat", [](const mx::array& a, int64_t repeats, std::optional<int> axis, mx::StreamOrDevice s) {
        return axis ? mx::repeat(a, repeats, *axis, s) : mx::repeat(a, repeats, s);
      }, nb::sig("def repeat(array: mlx.core.array, /, repeats: int, axis: int | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "repeats"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Repeat each element of an array.

Args:
    array (array): The input array.
    repeats (int): How many times each element is repeated.
    axis (int, optional): The axis to repeat along. ``None`` repeats the elements of the
        flattened array. Default: ``None``.

Returns:
    array: The array with each element repeated ``repeats`` times.

Example:
    >>> mx.repeat(mx.array([1, 2]), 2)  # array([1, 1, 2, 2])
)");
  def_op(m, "roll", [](const mx::array& a, nb::handle shift, nb::handle axis, mx::StreamOrDevice s) {
        auto sh = to_int64s(shift, "roll", "shift");
        if (axis.is_none()) return mx::roll(a, sh, s);
        return mx::roll(a, sh, to_ints(axis, "roll", "axis"), s);
      }, nb::arg(), "shift"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def roll(a: array, /, shift: int | tuple[int], axis: None | int | tuple[int] = None, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Roll the elements of an array along axes (elements that leave one end come back at the other).

Args:
    a (array): The input array.
    shift (int or tuple(int)): The number of places to shift by. With several axes, one
        shift per axis (a single shift applies to every axis); with one axis, the shifts add.
    axis (int or tuple(int), optional): The axes to roll along. ``None`` rolls the
        flattened array and restores the shape. Default: ``None``.

Returns:
    array: The rolled array.

Example:
    >>> mx.roll(mx.arange(5), 2)  # array([3, 4, 0, 1, 2])
)");
  def_op(m, "flip", [](const mx::array& a, nb::handle axis, mx::StreamOrDevice s) {
        if (axis.is_none()) return mx::flip(a, s);
        return mx::flip(a, to_ints(axis, "flip", "axis"), s);
      }, nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def flip(a: array, /, axis: None | int | Sequence[int] = None, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Reverse the order of the elements along axes.

Args:
    a (array): The input array.
    axis (int or list(int), optional): The axes to reverse (an axis listed twice is
        reversed twice). ``None`` reverses every axis. Default: ``None``.

Returns:
    array: The flipped array (a view of ``a``).
)");
  def_op(m, "permute_dims", [](const mx::array& a, std::optional<std::vector<int>> axes, mx::StreamOrDevice s) {
        return axes ? mx::transpose(a, *axes, s) : mx::transpose(a, s);
      }, nb::sig("def permute_dims(a: mlx.core.array, /, axes: collections.abc.Sequence[int] | None = None, "
                "*, stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "axes"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Permute the axes of an array (the Array API name of :func:`transpose`).

Args:
    a (array): The input array.
    axes (list(int), optional): The new order of the axes. ``None`` reverses them.

Returns:
    array: The permuted array (a view).
)");
  def_op(m, "matrix_transpose", [](const mx::array& a, mx::StreamOrDevice s) { return mx::matrix_transpose(a, s); },
      nb::sig("def matrix_transpose(a: mlx.core.array, /, *, "
              "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
      nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Swap the last two axes of an array (at least 2-D).

Args:
    a (array): The input array.

Returns:
    array: The transposed stack of matrices (a view).
)");
  def_op(m, "unflatten", [](const mx::array& a, int axis, nb::handle shape, mx::StreamOrDevice s) {
        return mx::unflatten(a, axis, shape_of(shape, "unflatten"), s);
      }, nb::arg(), "axis"_a, "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def unflatten(a: array, /, axis: int, shape: Sequence[int], *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Split one axis into several.

Args:
    a (array): The input array.
    axis (int): The axis to split.
    shape (tuple(int)): The sizes it splits into; their product must equal the axis size
        (one entry may be ``-1`` and is inferred).

Returns:
    array: The reshaped array.

Example:
    >>> mx.unflatten(mx.zeros((6, 4)), 0, (2, -1)).shape  # (2, 3, 4)
)");
  def_op(m, "atleast_1d", [](nb::args arys, mx::StreamOrDevice s) {
        return atleast(arys, s, "atleast_1d", [](const mx::array& a, mx::StreamOrDevice st) { return mx::atleast_1d(a, st); });
      }, "arys"_a, "stream"_a = nb::none(),
      nb::sig("def atleast_1d(*arys: array, stream: Stream | Device | None = None) -> array | list[array]"),
      "Give each input at least one dimension (a 0-d array becomes shape (1,)).\n\nArgs:\n"
      "    *arys (array): The input arrays.\n\nReturns:\n    array or list(array): The array when one is given, "
      "else a list.\n");
  def_op(m, "atleast_2d", [](nb::args arys, mx::StreamOrDevice s) {
        return atleast(arys, s, "atleast_2d", [](const mx::array& a, mx::StreamOrDevice st) { return mx::atleast_2d(a, st); });
      }, "arys"_a, "stream"_a = nb::none(),
      nb::sig("def atleast_2d(*arys: array, stream: Stream | Device | None = None) -> array | list[array]"),
      "Give each input at least two dimensions (shape (n,) becomes (1, n)).\n\nArgs:\n"
      "    *arys (array): The input arrays.\n\nReturns:\n    array or list(array): The array when one is given, "
      "else a list.\n");
  def_op(m, "atleast_3d", [](nb::args arys, mx::StreamOrDevice s) {
        return atleast(arys, s, "atleast_3d", [](const mx::array& a, mx::StreamOrDevice st) { return mx::atleast_3d(a, st); });
      }, "arys"_a, "stream"_a = nb::none(),
      nb::sig("def atleast_3d(*arys: array, stream: Stream | Device | None = None) -> array | list[array]"),
      "Give each input at least three dimensions ((n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)).\n\nArgs:\n"
      "    *arys (array): The input arrays.\n\nReturns:\n    array or list(array): The array when one is given, "
      "else a list.\n");
  def_op(m, "broadcast_shapes", [](nb::args shapes) {
        if (shapes.size() == 0) throw std::invalid_argument("[broadcast_shapes] Must provide at least one shape.");
        mx::Shape out = shape_of(shapes[0], "broadcast_shapes");
        for (size_t i = 1; i < shapes.size(); ++i) out = mx::broadcast_shapes(out, shape_of(shapes[i], "broadcast_shapes"));
        nb::list l;
        for (auto d : out) l.append(d);
        return nb::tuple(l);
      }, "shapes"_a,
      nb::sig("def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]"),
      R"(The shape that the given shapes broadcast to.

Args:
    *shapes (tuple(int)): The shapes.

Returns:
    tuple(int): The broadcast shape (ValueError when the shapes do not broadcast).

Example:
    >>> mx.broadcast_shapes((1, 2), (3, 1))  # (3, 2)
)");
  def_op(m, "as_strided", [](const mx::array& a, std::optional<nb::handle> shape, std::optional<nb::handle> strides,
                         int64_t offset, mx::StreamOrDevice s) {
        mx::Shape sh = shape && !shape->is_none() ? shape_of(*shape, "as_strided") : a.shape();
        mx::Strides st;
        if (strides && !strides->is_none()) {
          for (auto v : to_int64s(*strides, "as_strided", "strides")) st.push_back(v);
        } else {
          st.assign(sh.size(), 1);
          for (int i = static_cast<int>(sh.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * std::max(sh[i + 1], 1);
        }
        return mx::as_strided(a, sh, st, offset, s);
      }, nb::arg(), "shape"_a = nb::none(), "strides"_a = nb::none(), "offset"_a = 0, nb::kw_only(),
      "stream"_a = nb::none(),
      nb::sig("def as_strided(a: array, /, shape: Sequence[int] | None = None, strides: Sequence[int] | None = None, "
              "offset: int = 0, *, stream: Stream | Device | None = None) -> array"),
      R"(A view of an array's elements with the given shape and strides.

The elements of ``a`` are taken in row-major order (a non-contiguous ``a`` is copied
first); element ``idx`` of the result is element ``offset + sum(idx[i] * strides[i])``.
Unlike the reference, a view that would read outside ``a`` raises ``ValueError``.

Args:
    a (array): The input array.
    shape (list(int), optional): The shape of the view. Default: ``a.shape``.
    strides (list(int), optional): The strides of the view, in elements. Default: the
        row-major strides of ``shape``.
    offset (int, optional): The element offset of the view's first element. Default: ``0``.

Returns:
    array: The strided view.

Example:
    >>> mx.as_strided(mx.arange(5), (3, 3), (1, 1))  # sliding windows of 3
)");
  def_op(m, "contiguous", [](const mx::array& a, bool allow_col_major, mx::StreamOrDevice s) {
        return mx::contiguous(a, allow_col_major, s);
      }, nb::sig("def contiguous(a: mlx.core.array, /, allow_col_major: bool = False, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "allow_col_major"_a = false, nb::kw_only(), "stream"_a = nb::none(),
      R"(The array with a row-contiguous layout (a copy only when needed).

Args:
    a (array): The input array.
    allow_col_major (bool, optional): Also accept a column-contiguous layout. Default: ``False``.

Returns:
    array: ``a`` itself if already contiguous, else a contiguous copy.
)");
  def_op(m, "diff", [](const mx::array& a, int n, int axis, mx::StreamOrDevice s) { return mx::diff(a, n, axis, s); },
      nb::sig("def diff(a: mlx.core.array, /, n: int = 1, axis: int = -1, *, "
              "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
      nb::arg(), "n"_a = 1, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
      R"(The n-th discrete difference along an axis: ``a[1:] - a[:-1]`` applied ``n`` times.

Args:
    a (array): The input array (``not_equal`` is used for bool).
    n (int, optional): The number of times to take the difference. Default: ``1``.
    axis (int, optional): The axis. Default: ``-1``.

Returns:
    array: The differences; the axis shrinks by ``n`` (to at least 0).

Example:
    >>> mx.diff(mx.array([1, 4, 9]))  # array([3, 5])
)");
  def_op(m, "kron", [](const mx::array& a, const mx::array& b, mx::StreamOrDevice s) { return mx::kron(a, b, s); },
      "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(The Kronecker product: blocks ``a[i] * b`` laid out in the shape of ``a``.

Args:
    a (array): The first input.
    b (array): The second input.

Returns:
    array: An array of shape ``a.shape * b.shape`` (elementwise, after aligning ranks).
)");
  def_op(m, "outer", [](const mx::array& a, const mx::array& b, mx::StreamOrDevice s) { return mx::outer(a, b, s); },
      nb::sig("def outer(a: mlx.core.array, b: mlx.core.array, /, *, "
              "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(The outer product of the flattened inputs.

Args:
    a (array): The first input (flattened).
    b (array): The second input (flattened).

Returns:
    array: ``out[i, j] = a[i] * b[j]``, of shape ``(a.size, b.size)``.
)");
  def_op(m, "inner", [](const mx::array& a, const mx::array& b, mx::StreamOrDevice s) { return mx::inner(a, b, s); },
      nb::sig("def inner(a: mlx.core.array, b: mlx.core.array, /, *, "
              "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(The inner product over the last axes (a plain product when one input is a scalar).

Args:
    a (array): The first input.
    b (array): The second input; its last axis must match ``a``'s.

Returns:
    array: An array of shape ``a.shape[:-1] + b.shape[:-1]``.
)");

  // Creation.
  def_op(m, "full_like", [](const mx::array& a, nb::handle vals, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        mx::Dtype dt = dtype.value_or(a.dtype());
        mx::array v = nb::isinstance<mx::array>(vals) ? nb::cast<mx::array>(vals)
            : is_scalar(vals) ? weak_scalar(vals, dt) : to_array(vals);
        return mx::full_like(a, v, dt, s);
      }, nb::arg(), "vals"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def full_like(a: array, /, vals: scalar | array, dtype: Dtype | None = None, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(An array with the shape of ``a`` filled with ``vals``.

Args:
    a (array): The array whose shape (and, by default, dtype) the result takes.
    vals (scalar or array): The fill value(s), broadcast to ``a.shape``.
    dtype (Dtype, optional): The result's dtype. Default: ``a.dtype``.

Returns:
    array: The filled array.
)");
  def_op(m, "empty", [](const ShapeArg& shape, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        return mx::zeros(to_shape(shape, "empty"), dtype.value_or(mx::float32), s);
      }, "shape"_a, "dtype"_a.none() = mx::float32, nb::kw_only(), "stream"_a = nb::none(),
      R"(A new array of the given shape (its contents are zeros, as in the reference).

Args:
    shape (int or list(int)): The shape.
    dtype (Dtype, optional): The dtype. Default: ``float32``.

Returns:
    array: The new array.
)");
  def_op(m, "empty_like", [](const mx::array& a, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        return mx::zeros(a.shape(), dtype.value_or(a.dtype()), s);
      }, nb::sig("def empty_like(a: mlx.core.array, /, dtype: mlx.core.Dtype | None = None, *, "
                "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
        nb::arg(), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(A new array with the shape of ``a`` (its contents are zeros, as in the reference).

Args:
    a (array): The array whose shape (and, by default, dtype) the result takes.
    dtype (Dtype, optional): The dtype. Default: ``a.dtype``.

Returns:
    array: The new array.
)");
  def_op(m, "tri", [](int n, std::optional<int> mm, int k, std::optional<mx::Dtype> dtype, mx::StreamOrDevice s) {
        return mx::tri(n, mm.value_or(n), k, dtype.value_or(mx::float32), s);
      }, "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(An ``n x m`` array with ones at and below diagonal ``k`` and zeros elsewhere.

Args:
    n (int): The number of rows.
    m (int, optional): The number of columns. Default: ``n``.
    k (int, optional): The diagonal (``0`` main, ``> 0`` above, ``< 0`` below). Default: ``0``.
    dtype (Dtype, optional): The dtype. Default: ``float32``.

Returns:
    array: The lower-triangular array of ones.
)");
  def_op(m, "tril", [](const mx::array& x, int k, mx::StreamOrDevice s) { return mx::tril(x, k, s); },
      "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      R"(Zero the elements above diagonal ``k`` of the last two axes.

Args:
    x (array): The input array (at least 2-D).
    k (int, optional): The diagonal to keep up to. Default: ``0``.

Returns:
    array: The lower triangle of ``x``.
)");
  def_op(m, "triu", [](const mx::array& x, int k, mx::StreamOrDevice s) { return mx::triu(x, k, s); },
      "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      R"(Zero the elements below diagonal ``k`` of the last two axes.

Args:
    x (array): The input array (at least 2-D).
    k (int, optional): The diagonal to keep from. Default: ``0``.

Returns:
    array: The upper triangle of ``x``.
)");
  def_op(m, "meshgrid", [](nb::args arrays, std::optional<bool> sparse, std::optional<std::string> indexing,
                       mx::StreamOrDevice s) {
        std::vector<mx::array> in;
        for (nb::handle h : arrays) in.push_back(array_arg(h, "meshgrid", "each of *arrays"));
        return to_tuple(mx::meshgrid(in, sparse.value_or(false), indexing.value_or("xy"), s));
      }, "arrays"_a, "sparse"_a = false, "indexing"_a = "xy", "stream"_a = nb::none(),
      nb::sig("def meshgrid(*arrays: array, sparse: bool | None = False, indexing: str | None = 'xy', "
              "stream: Stream | Device | None = None) -> tuple[array, ...]"),
      R"(Coordinate arrays from coordinate vectors.

Args:
    *arrays (array): The coordinate vectors (flattened).
    sparse (bool, optional): Return arrays with size-1 axes that broadcast to the grid
        instead of full grids. Default: ``False``.
    indexing (str, optional): ``"xy"`` (Cartesian: the first two axes are swapped) or
        ``"ij"`` (matrix). Default: ``"xy"``.

Returns:
    tuple(array): One array per input.

Example:
    >>> x, y = mx.meshgrid(mx.arange(2), mx.arange(3))  # both of shape (3, 2)
)");
  auto diag = [](const mx::array& a, int k, mx::StreamOrDevice s) { return mx::diag(a, k, s); };
  const char* diag_doc = R"(Extract a diagonal or build a diagonal matrix.

Args:
    a (array): A 1-D array (put on diagonal ``k`` of a square matrix) or a 2-D array
        (whose diagonal ``k`` is returned).
    k (int, optional): The diagonal (``0`` main, ``> 0`` above, ``< 0`` below). Default: ``0``.

Returns:
    array: The matrix or the diagonal.
)";
  def_op(m, "diag", diag, nb::sig("def diag(a: mlx.core.array, /, k: int = 0, *, stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"), nb::arg(), "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(), diag_doc);
  def_array_method("diag", diag, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
                   R"(Extract a diagonal (2-D array) or build a diagonal matrix (1-D array); see :func:`diag`.

Args:
    k (int, optional): The diagonal (``0`` main, ``> 0`` above, ``< 0`` below). Default: ``0``.

Returns:
    array: The diagonal or the matrix.
)");
  auto diagonal = [](const mx::array& a, int offset, int axis1, int axis2, mx::StreamOrDevice s) {
    return mx::diagonal(a, offset, axis1, axis2, s);
  };
  def_op(m, "diagonal", diagonal, "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "stream"_a = nb::none(),
      R"(The diagonal of the planes spanned by two axes.

Args:
    a (array): The input array (at least 2-D).
    offset (int, optional): The diagonal (``0`` main, ``> 0`` above, ``< 0`` below). Default: ``0``.
    axis1 (int, optional): The first axis of the planes. Default: ``0``.
    axis2 (int, optional): The second axis of the planes. Default: ``1``.

Returns:
    array: The diagonals, as a new last axis (a view of ``a``).
)");
  def_array_method("diagonal", diagonal, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "stream"_a = nb::none(),
                   R"(The diagonal of the planes spanned by two axes (see :func:`diagonal`).

Args:
    offset (int, optional): The diagonal. Default: ``0``.
    axis1 (int, optional): The first axis of the planes. Default: ``0``.
    axis2 (int, optional): The second axis of the planes. Default: ``1``.

Returns:
    array: The diagonals, as a new last axis (a view).
)");
  def_op(m, "trace", [](const mx::array& a, int offset, int axis1, int axis2, std::optional<mx::Dtype> dtype,
                    mx::StreamOrDevice s) { return mx::trace(a, offset, axis1, axis2, dtype, s); },
      nb::sig("def trace(a: mlx.core.array, /, offset: int = 0, axis1: int = 0, axis2: int = 1, "
              "dtype: mlx.core.Dtype | None = None, *, "
              "stream: mlx.core.Stream | mlx.core.Device | None = None) -> mlx.core.array"),
      nb::arg(), "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "dtype"_a = nb::none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(The sum along a diagonal.

Args:
    a (array): The input array (at least 2-D).
    offset (int, optional): The diagonal. Default: ``0``.
    axis1 (int, optional): The first axis of the planes. Default: ``0``.
    axis2 (int, optional): The second axis of the planes. Default: ``1``.
    dtype (Dtype, optional): Cast the diagonal to this dtype before summing. Default: the
        dtype :func:`sum` gives.

Returns:
    array: The sums, of ``a``'s shape without ``axis1`` and ``axis2``.
)");
  def_array_method("moveaxis", [](const mx::array& a, int src, int dst, mx::StreamOrDevice s) {
        return mx::moveaxis(a, src, dst, s);
      }, "source"_a, "destination"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Move an axis to a new position (see :func:`moveaxis`).

Args:
    source (int): The axis to move.
    destination (int): Its position in the result.

Returns:
    array: The array with the axes reordered (a view).
)");

  using WinFn = mx::array (*)(int, mx::StreamOrDevice);
  auto def_window = [&](const char* name, WinFn fn, const char* doc) {
    def_op(m, name, [fn](int M, mx::StreamOrDevice s) { return fn(M, s); }, "M"_a, nb::kw_only(),
          "stream"_a = nb::none(), doc);
  };
  def_window("bartlett", &mx::bartlett, R"(The Bartlett (triangular) window.

Args:
    M (int): The number of points (an empty array when ``M < 1``).

Returns:
    array: ``1 - |2n - M + 1| / (M - 1)`` for ``n`` in ``[0, M)`` (float32).
)");
  def_window("blackman", &mx::blackman, R"(The Blackman window.

Args:
    M (int): The number of points (an empty array when ``M < 1``).

Returns:
    array: ``0.42 - 0.5 cos(2 pi n / (M - 1)) + 0.08 cos(4 pi n / (M - 1))`` (float32).
)");
  def_window("hamming", &mx::hamming, R"(The Hamming window.

Args:
    M (int): The number of points (an empty array when ``M < 1``).

Returns:
    array: ``0.54 - 0.46 cos(2 pi n / (M - 1))`` for ``n`` in ``[0, M)`` (float32).
)");
  def_window("hanning", &mx::hanning, R"(The Hann window.

Args:
    M (int): The number of points (an empty array when ``M < 1``).

Returns:
    array: ``0.5 - 0.5 cos(2 pi n / (M - 1))`` for ``n`` in ``[0, M)`` (float32).
)");
}
