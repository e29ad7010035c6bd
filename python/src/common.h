// Small argument helpers shared by array methods and module functions.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include <climits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mlx_core/errors.h"
#include "mlx_core/mlx.h"
#include "python/src/device.h"

namespace nb = nanobind;
namespace mx = mlx::core;

// An `axis` argument: one int or a sequence of them.
using IntOrVec = std::variant<int, std::vector<int>>;
// A `shape` argument: one int or a sequence of them. It takes any Python object, so that
// to_shape can say what is wrong with a bad one (nanobind would only list the overloads).
struct ShapeArg {
  nb::object obj;
};
// A `dtype` argument, taking any Python object for the same reason (see to_dtype).
struct DtypeArg {
  nb::object obj;
};

// Casters for the argument wrappers: they accept any Python object as it is (the op's
// to_* function checks it); `name` is what signatures and stubs show.
#define OPENMLX_OBJECT_ARG_CASTER(Type, name)                                         \
  namespace nanobind::detail {                                                        \
  template <>                                                                         \
  struct type_caster<Type> {                                                          \
    NB_TYPE_CASTER(Type, const_name(name))                                            \
    bool from_python(handle src, uint8_t, cleanup_list*) noexcept {                   \
      value.obj = borrow(src);                                                        \
      return true;                                                                    \
    }                                                                                 \
    static handle from_cpp(const Type& v, rv_policy, cleanup_list*) noexcept {        \
      return v.obj.inc_ref();                                                         \
    }                                                                                 \
  };                                                                                  \
  }

OPENMLX_OBJECT_ARG_CASTER(ShapeArg, "int | collections.abc.Sequence[int]")
OPENMLX_OBJECT_ARG_CASTER(DtypeArg, "mlx.core.Dtype")

// The Python type name of v, for messages.
inline std::string arg_type_name(nb::handle v) {
  return nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(v.ptr()))).attr("__name__"));
}

// "[op] " or "" when op is null.
inline std::string op_prefix(const char* op) {
  return op ? std::string("[") + op + "] " : std::string();
}

// One shape dimension: an int (or object with __index__, bools excluded) in the 32-bit range.
inline mx::ShapeElem shape_dim(nb::handle d, const char* op, const char* name) {
  if (PyFloat_Check(d.ptr()) || !PyIndex_Check(d.ptr()))
    throw mx::type_error(op_prefix(op) + "Expected " + name +
                         " to be an int or a sequence of ints, but got an element of type " +
                         arg_type_name(d) + ".");
  nb::object i = nb::steal(PyNumber_Index(d.ptr()));
  if (!i.is_valid()) throw nb::python_error();
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  if (overflow != 0 || v < INT32_MIN || v > INT32_MAX)
    throw std::overflow_error(op_prefix(op) + "The " + name + " dimension " +
                              nb::cast<std::string>(nb::str(i)) +
                              " is outside the supported range [-2147483648, 2147483647]: shape "
                              "dimensions are 32-bit integers.");
  return static_cast<mx::ShapeElem>(v);
}

inline std::vector<int> to_axes(const IntOrVec& v) {
  if (auto* i = std::get_if<int>(&v)) return {*i};
  return std::get<std::vector<int>>(v);
}

// The shape a `shape` argument holds; TypeError / OverflowError naming the argument (and
// the op, when given) for anything else.
inline mx::Shape to_shape(const ShapeArg& v, const char* op = nullptr, const char* name = "shape") {
  nb::handle h = v.obj;
  if (PyLong_Check(h.ptr()) || (PyIndex_Check(h.ptr()) && !PySequence_Check(h.ptr())))
    return {shape_dim(h, op, name)};
  if (!PySequence_Check(h.ptr()) || PyUnicode_Check(h.ptr()) || PyBytes_Check(h.ptr()))
    throw mx::type_error(op_prefix(op) + "Expected " + name +
                         " to be an int or a sequence of ints, but got " + arg_type_name(h) + ".");
  mx::Shape out;
  for (nb::handle d : nb::borrow<nb::sequence>(h)) out.push_back(shape_dim(d, op, name));
  return out;
}

// The dtype a `dtype` argument holds (None gives `dflt` when there is one); TypeError
// naming the argument for anything else.
inline std::optional<mx::Dtype> to_dtype_opt(const std::optional<DtypeArg>& v, const char* op,
                                             const char* name = "dtype") {
  if (!v || v->obj.is_none()) return std::nullopt;
  if (nb::isinstance<mx::Dtype>(v->obj)) return nb::cast<mx::Dtype>(v->obj);
  std::string shown;
  if (PyUnicode_Check(v->obj.ptr())) shown = " '" + nb::cast<std::string>(v->obj) + "'";
  throw mx::type_error(op_prefix(op) + "Expected " + name +
                       " to be an mlx.core.Dtype such as mx.float32, but got " +
                       arg_type_name(v->obj) + shown + ".");
}
inline mx::Dtype to_dtype(const std::optional<DtypeArg>& v, const char* op, mx::Dtype dflt,
                          const char* name = "dtype") {
  return to_dtype_opt(v, op, name).value_or(dflt);
}
// A required dtype: None is an error too.
inline mx::Dtype to_dtype(const DtypeArg& v, const char* op, const char* name = "dtype") {
  if (v.obj.is_none())
    throw mx::type_error(op_prefix(op) + "Expected " + name + " to be an mlx.core.Dtype, but got None.");
  return *to_dtype_opt(v, op, name);
}

// Applies a reduction over `axis` (all axes when None).
template <typename FAxes, typename FAll>
mx::array reduce_arg(const mx::array& a, const std::optional<IntOrVec>& axis, bool keepdims,
                     mx::StreamOrDevice s, FAxes f_axes, FAll f_all) {
  if (!axis) return f_all(a, keepdims, s);
  return f_axes(a, to_axes(*axis), keepdims, s);
}

// argmax / argmin over one axis, or the flattened array when None.
template <typename FAxis, typename FAll>
mx::array arg_reduce(const mx::array& a, std::optional<int> axis, bool keepdims,
                     mx::StreamOrDevice s, FAxis f_axis, FAll f_all) {
  if (!axis) return f_all(a, keepdims, s);
  return f_axis(a, *axis, keepdims, s);
}

// Adds a method to mlx.core.array from any binding file (the class itself is created in
// array.cpp, whose init runs first). `extra` takes nanobind argument annotations and the
// docstring, as for class_::def; a second definition of the same name adds an overload.
template <typename Func, typename... Extra>
void def_array_method(const char* name, Func&& f, const Extra&... extra) {
  nb::handle cls = nb::type<mx::array>();
  nb::object fn = nb::cpp_function(std::forward<Func>(f), nb::name(name), nb::is_method(),
                                   nb::scope(cls),
                                   extra...);
  nb::setattr(cls, name, fn);
}

// Adds a read-only property to mlx.core.array from any binding file.
template <typename Func>
void def_array_property(const char* name, Func&& f, const char* doc) {
  nb::handle cls = nb::type<mx::array>();
  nb::object getter = nb::cpp_function(std::forward<Func>(f), nb::is_method(), nb::scope(cls));
  nb::object prop = nb::module_::import_("builtins").attr("property")(getter, nb::none(), nb::none(), doc);
  nb::setattr(cls, name, prop);
}

// An `axis` argument (an int or a sequence of ints) taking any Python object, so that
// to_axes(v, op) can say what is wrong with a bad one.
struct AxisArg {
  nb::object obj;
};

OPENMLX_OBJECT_ARG_CASTER(AxisArg, "int | collections.abc.Sequence[int]")

// One axis: an int (or an object with __index__) in the int range; TypeError naming the
// argument otherwise.
inline int axis_value(nb::handle d, const char* op, const char* name) {
  if (PyFloat_Check(d.ptr()) || !PyIndex_Check(d.ptr()))
    throw mx::type_error(op_prefix(op) + "Expected " + name +
                         " to be an int or a sequence of ints, but got " +
                         (PyLong_Check(d.ptr()) ? "int" : arg_type_name(d)) + ".");
  nb::object i = nb::steal(PyNumber_Index(d.ptr()));
  if (!i.is_valid()) throw nb::python_error();
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  if (overflow != 0 || v < INT_MIN || v > INT_MAX)
    throw std::out_of_range(op_prefix(op) + "The " + name + " " + nb::cast<std::string>(nb::str(i)) +
                            " is out of range for an axis.");
  return static_cast<int>(v);
}

// The axes an `axis` argument holds.
inline std::vector<int> to_axes(const AxisArg& v, const char* op, const char* name = "axis") {
  nb::handle h = v.obj;
  if (PyLong_Check(h.ptr()) || (PyIndex_Check(h.ptr()) && !PySequence_Check(h.ptr())))
    return {axis_value(h, op, name)};
  if (!PySequence_Check(h.ptr()) || PyUnicode_Check(h.ptr()) || PyBytes_Check(h.ptr()))
    throw mx::type_error(op_prefix(op) + "Expected " + name +
                         " to be an int or a sequence of ints, but got " + arg_type_name(h) + ".");
  std::vector<int> out;
  for (nb::handle d : nb::borrow<nb::sequence>(h)) out.push_back(axis_value(d, op, name));
  return out;
}

// reduce_arg for an AxisArg (see above); None reduces all axes.
template <typename FAxes, typename FAll>
mx::array reduce_arg(const mx::array& a, const std::optional<AxisArg>& axis, bool keepdims,
                     mx::StreamOrDevice s, const char* op, FAxes f_axes, FAll f_all) {
  if (!axis || axis->obj.is_none()) return f_all(a, keepdims, s);
  return f_axes(a, to_axes(*axis, op), keepdims, s);
}
