// Small argument helpers shared by array methods and module functions.
#pragma once
#include <algorithm>
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "python/src/type_name.h"

#include <array>
#include <climits>
#include <limits>
#include <type_traits>
#include <utility>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mlx_core/errors.h"
#include "mlx_core/mlx.h"
#include "python/src/convert.h"
#include "python/src/device.h"

namespace nb = nanobind;
namespace mx = mlx::core;

// An `axis` argument: one int or a sequence of them.
using IntOrVec = std::variant<int, std::vector<int>>;
// issubdtype's arguments: a dtype or a category.
using DtypeOrCategory = std::variant<mx::Dtype, mx::DtypeCategory>;
// An `argnames` argument: one name or a sequence of them.
using StrOrVec = std::variant<std::string, std::vector<std::string>>;
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


// "[op] " or "" when op is null.
inline std::string op_prefix(const char* op) {
  return op ? std::string("[") + op + "] " : std::string();
}

// An argument (or an element of *args) that must be an mlx.core.array; TypeError naming it
// otherwise.
inline const mx::array& array_arg(nb::handle h, const char* op, const char* name) {
  if (!nb::isinstance<mx::array>(h))
    throw mx::type_error(op_prefix(op) + "Expected " + name + " to be an array, but got " +
                         arg_type_name(h) + ".");
  return nb::cast<const mx::array&>(h);
}

// One element of an int-or-sequence argument (an int or an object with __index__, floats
// excluded) as a long long; `overflow` is set when it does not fit. TypeError naming the
// argument for anything else.
inline long long index_element(nb::handle d, const char* op, const char* name, int& overflow) {
  overflow = 0;
  if (PyLong_CheckExact(d.ptr())) return PyLong_AsLongLongAndOverflow(d.ptr(), &overflow);
  if (PyFloat_Check(d.ptr()) || !PyIndex_Check(d.ptr()))
    throw mx::type_error(op_prefix(op) + "Expected " + name +
                         " to be an int or a sequence of ints, but got an element of type " +
                         arg_type_name(d) + ".");
  nb::object i = nb::steal(PyNumber_Index(d.ptr()));
  if (!i.is_valid()) throw nb::python_error();
  return PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
}

// One shape dimension: an int (or object with __index__, bools excluded) in the 32-bit range.
inline mx::ShapeElem shape_dim(nb::handle d, const char* op, const char* name) {
  int overflow = 0;
  long long v = index_element(d, op, name, overflow);
  if (overflow != 0 || v < INT32_MIN || v > INT32_MAX)
    throw std::overflow_error(op_prefix(op) + "The " + name + " dimension " +
                              nb::cast<std::string>(nb::str(nb::steal(PyNumber_Index(d.ptr())))) +
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

// ---- Checked arguments: a wrongly typed argument names itself -------------------------
// def_op / def_array_method register a function whose parameters of the types listed by
// arg_expect below arrive as Checked<P>: the caster converts them as nanobind would, but
// in the converting pass a value it cannot convert is kept instead of rejected, and the
// wrapper then raises "[op] Expected <name> to be <what>, but got <type>." (TypeError)
// instead of nanobind's generic "incompatible function arguments" text. Other parameter
// types (nb::handle, the *Arg wrappers above) pass through unchanged.

// What a parameter of type T must be, for messages; `checked` is false for types that
// take any object (or check themselves).
template <typename T>
struct arg_expect {
  static constexpr bool checked = false, value_error = false;
};
// value_error: the reference raises ValueError rather than TypeError for this type.
#define OPENMLX_ARG_EXPECT_AS(T, TEXT, VALUE_ERROR)       \
  template <>                                             \
  struct arg_expect<T> {                                  \
    static constexpr bool checked = true;                 \
    static constexpr bool value_error = VALUE_ERROR;      \
    static std::string text() { return TEXT; }            \
  };
#define OPENMLX_ARG_EXPECT(T, TEXT) OPENMLX_ARG_EXPECT_AS(T, TEXT, false)
OPENMLX_ARG_EXPECT(bool, "a bool")
OPENMLX_ARG_EXPECT(int, "an int")
OPENMLX_ARG_EXPECT(int64_t, "an int")
OPENMLX_ARG_EXPECT(uint64_t, "a non-negative int")
OPENMLX_ARG_EXPECT(float, "a float")
OPENMLX_ARG_EXPECT(double, "a float")
OPENMLX_ARG_EXPECT(std::string, "a str")
OPENMLX_ARG_EXPECT(mx::array, "an array")
OPENMLX_ARG_EXPECT(mx::Dtype, "an mlx.core.Dtype")
OPENMLX_ARG_EXPECT(mx::Stream, "an mlx.core.Stream")
OPENMLX_ARG_EXPECT(mx::Device, "an mlx.core.Device")
OPENMLX_ARG_EXPECT(mx::Device::DeviceType, "an mlx.core.DeviceType")
OPENMLX_ARG_EXPECT(mx::DtypeCategory, "an mlx.core.DtypeCategory")
OPENMLX_ARG_EXPECT_AS(DtypeOrCategory, "an mlx.core.Dtype or DtypeCategory", true)
OPENMLX_ARG_EXPECT(mx::StreamOrDevice, "a Stream, a Device or None")
OPENMLX_ARG_EXPECT(IntOrVec, "an int or a sequence of ints")
OPENMLX_ARG_EXPECT(std::vector<int>, "a sequence of ints")
OPENMLX_ARG_EXPECT(StrOrVec, "a str or a sequence of strs")
OPENMLX_ARG_EXPECT(std::vector<mx::array>, "a list of arrays")
OPENMLX_ARG_EXPECT(nb::callable, "a callable")
// (OPENMLX_ARG_EXPECT stays defined: a binding file adds its own argument types with it.)
template <typename T>
struct arg_expect<std::optional<T>> {
  static constexpr bool checked = arg_expect<T>::checked;
  static constexpr bool value_error = arg_expect<T>::value_error;
  static std::string text() { return arg_expect<T>::text() + " or None"; }
};

template <typename P>
using arg_value_t = std::remove_cv_t<std::remove_reference_t<P>>;
template <typename P>
constexpr bool is_checked_arg = arg_expect<arg_value_t<P>>::checked;

// A parameter of type P as the wrapper receives it: the converted value (in the caster,
// which lives for the call) or the object that could not be converted.
template <typename P>
struct Checked {
  nb::detail::make_caster<P>* caster;
  PyObject* src;
  bool ok;
};

namespace nanobind::detail {
template <typename P>
struct type_caster<Checked<P>> {
  using Inner = make_caster<P>;
  static constexpr auto Name = Inner::Name;
  template <typename T_>
  using Cast = Checked<P>;
  template <typename T_>
  static constexpr bool can_cast() { return true; }
  Inner inner;
  PyObject* src = nullptr;
  bool ok = false;
  bool from_python(handle h, uint8_t flags, cleanup_list* cleanup) noexcept {
    src = h.ptr();
    ok = inner.from_python(h, flags | none_disallowed_flag<P>, cleanup);
    // Keep a bad value only when converting: the exact pass still tries other overloads.
    return ok || (flags & (uint8_t) cast_flags::convert);
  }
  template <typename T_>
  static handle from_cpp(T_&&, rv_policy, cleanup_list*) noexcept { return handle(); }
  operator Checked<P>() { return {&inner, src, ok}; }
};
// Signatures show P's type, and None is accepted (and shown) exactly where P accepts it.
template <typename P>
struct has_arg_defaults<Checked<P>> : std::bool_constant<has_arg_defaults_v<P>> {};
template <typename P>
struct remove_opt_mono<Checked<P>> {
  using type = Checked<remove_opt_mono_t<intrinsic_t<P>>>;
};
} // namespace nanobind::detail

// The integer type an integral (or optional integral) parameter holds, void otherwise.
template <typename T>
struct int_arg { using type = std::conditional_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, T, void>; };
template <typename T>
struct int_arg<std::optional<T>> : int_arg<T> {};

// The element type of a sequence parameter, void otherwise.
template <typename T>
struct seq_elem { using type = void; };
template <typename E>
struct seq_elem<std::vector<E>> { using type = E; };
template <typename T>
struct seq_elem<std::optional<T>> : seq_elem<T> {};
template <typename E>
struct seq_elem<std::variant<E, std::vector<E>>> { using type = E; };

// The type of the first element of the sequence `src` that does not convert to E, or ""
// when src is no sequence or they all convert.
template <typename E>
std::string bad_element_type(PyObject* src) {
  if (!PyList_Check(src) && !PyTuple_Check(src)) return {};
  for (nb::handle e : nb::borrow<nb::sequence>(nb::handle(src))) {
    nb::detail::make_caster<E> c;
    nb::detail::cleanup_list cleanup(nullptr);
    bool ok = c.from_python(e, (uint8_t) nb::detail::cast_flags::convert, &cleanup);
    cleanup.release();
    if (!ok) return arg_type_name(e);
  }
  return {};
}

// Raises the TypeError for an argument `src` that does not convert to P.
template <typename P>
[[noreturn]] void throw_bad_arg(PyObject* src, const char* op, const char* name) {
  using T = arg_value_t<P>;
  std::string got = arg_type_name(src);
  using I = typename int_arg<T>::type;
  if constexpr (!std::is_void_v<I>) {
    // An int that is out of range: say so, with the range.
    if (!PyFloat_Check(src) && PyIndex_Check(src) && !PySequence_Check(src))
      throw mx::type_error(op_prefix(op) + "Expected " + name + " to be an int in the range [" +
                           std::to_string(std::numeric_limits<I>::min()) + ", " +
                           std::to_string(std::numeric_limits<I>::max()) + "], but got " +
                           nb::cast<std::string>(nb::str(nb::handle(src))) + ".");
  }
  using E = typename seq_elem<T>::type;
  if constexpr (!std::is_void_v<E>) {
    std::string elem = bad_element_type<E>(src);
    if (!elem.empty()) got = "a " + got + " with an element of type " + elem;
  }
  std::string msg = op_prefix(op) + "Expected " + name + " to be " + arg_expect<T>::text() +
      ", but got " + got + ".";
  if constexpr (arg_expect<T>::value_error) throw std::invalid_argument(msg);
  throw mx::type_error(msg);
}

namespace checked_detail {
template <typename P>
using param_t = std::conditional_t<is_checked_arg<P>, Checked<P>, P>;

template <typename P>
inline void check(const param_t<P>& v, const char* op, const char* name) {
  if constexpr (is_checked_arg<P>)
    if (!v.ok) throw_bad_arg<P>(v.src, op, name);
}
template <typename P>
inline decltype(auto) take(param_t<P>& v) {
  if constexpr (is_checked_arg<P>) return v.caster->operator nb::detail::cast_t<P>();
  else return static_cast<P&&>(v);
}

// The return and parameter types of a lambda or function pointer.
template <typename F>
struct fn_sig : fn_sig<decltype(&F::operator())> {};
template <typename C, typename R, typename... A>
struct fn_sig<R (C::*)(A...) const> { using type = R (*)(A...); };
template <typename C, typename R, typename... A>
struct fn_sig<R (C::*)(A...)> { using type = R (*)(A...); };
template <typename R, typename... A>
struct fn_sig<R (*)(A...)> { using type = R (*)(A...); };

template <typename P>
constexpr bool is_object_arg = std::is_base_of_v<nb::handle, arg_value_t<P>> && !is_checked_arg<P>;

// The object a parameter received when it takes any object (nullptr otherwise).
template <typename P>
PyObject* object_of(const param_t<P>& v) {
  if constexpr (is_object_arg<P>) return v.ptr();
  else return nullptr;
}

// Rethrows an array_init_error from an array-like argument with the op and the argument
// named (still a ValueError, as the reference's).
[[noreturn]] inline void rethrow_array_init(const array_init_error& e, const char* op,
                                            const char* name) {
  std::string msg = e.what();
  if (!msg.empty() && msg.back() == '.') msg.pop_back();
  throw std::invalid_argument(op_prefix(op) + msg + (name ? std::string(" (argument ") + name + ")." : "."));
}

// Whether `v` is `obj` or, for a list or tuple (*args included), one of its elements at
// any depth.
inline bool holds(PyObject* obj, PyObject* v, int depth = 0) {
  if (obj == v) return true;
  if (depth > 32 || !(PyList_Check(obj) || PyTuple_Check(obj))) return false;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
  PyObject** items = PySequence_Fast_ITEMS(obj);
  for (Py_ssize_t i = 0; i < n; ++i)
    if (holds(items[i], v, depth + 1)) return true;
  return false;
}

// The name of the parameter whose object holds `v`, or nullptr.
inline const char* holder_name(PyObject* const* objs, const char* const* names, size_t n, PyObject* v) {
  for (size_t i = 0; i < n; ++i)
    if (objs[i] && holds(objs[i], v)) return names[i];
  return nullptr;
}

template <typename F, typename R, typename... P, size_t... I>
auto wrap(const char* op, std::array<const char*, sizeof...(P)> names, F f, R (*)(P...),
          std::index_sequence<I...>) {
  return [op, names, f = std::move(f)](param_t<P>... args) -> R {
    (check<P>(args, op, names[I]), ...);
    if constexpr ((is_object_arg<P> || ...)) {
      PyObject* objs[] = {object_of<P>(args)...};  // before take() moves them
      try {
        return f(take<P>(args)...);
      } catch (const array_init_error& e) {
        rethrow_array_init(e, op, holder_name(objs, names.data(), sizeof...(P), e.value));
      }
    } else {
      return f(take<P>(args)...);
    }
  };
}

// The parameter names in a "def f(a: T, /, b: U = 1, *, stream: S = None) -> R" signature
// text (kept for the life of the module).
inline std::vector<const char*> sig_param_names(const char* sig) {
  std::vector<const char*> out;
  std::string text(sig);
  size_t open = text.find('(');
  if (open == std::string::npos) return out;
  int depth = 0;
  std::string cur;
  auto flush = [&] {
    size_t b = cur.find_first_not_of(" *"), e = cur.find_first_of(":=");
    std::string name = b == std::string::npos ? "" : cur.substr(b, (e == std::string::npos ? cur.size() : e) - b);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (!name.empty() && name != "/") out.push_back((new std::string(name))->c_str());
    cur.clear();
  };
  for (size_t i = open + 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (depth-- == 0) break;
    }
    if (c == ',' && depth == 0) flush();
    else cur += c;
  }
  flush();
  return out;
}

// The parameter names of a function of `n` parameters, from its nb::arg annotations (the
// unannotated leading ones are `self`). A positional-only parameter is an unnamed nb::arg()
// (that is how nanobind makes one); its name then comes from the nb::sig text.
template <typename... Extra>
std::vector<const char*> annotated_names(const Extra&... extra) {
  std::vector<const char*> out;
  const char* sig = nullptr;
  auto add = [&](const auto& e) {
    using E = std::decay_t<decltype(e)>;
    if constexpr (nb::detail::arg_traits<E>::is_arg) out.push_back(e.name_);
    if constexpr (std::is_same_v<E, nb::sig>) sig = e.value;
  };
  (add(extra), ...);
  if (std::find(out.begin(), out.end(), nullptr) == out.end()) return out;
  std::vector<const char*> from_sig = sig ? sig_param_names(sig) : std::vector<const char*>{};
  size_t off = from_sig.size() > out.size() ? from_sig.size() - out.size() : 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i]) out[i] = off + i < from_sig.size() ? from_sig[off + i] : "argument";
  }
  return out;
}
} // namespace checked_detail

// f wrapped so that its checked parameters name themselves in errors (see Checked).
template <typename F, typename... Extra>
auto checked_fn(const char* op, F&& f, const Extra&... extra) {
  using Sig = typename checked_detail::fn_sig<std::decay_t<F>>::type;
  return [&]<typename R, typename... P>(R (*sig)(P...)) {
    std::array<const char*, sizeof...(P)> names;
    names.fill("self");
    auto given = checked_detail::annotated_names(extra...);
    size_t off = sizeof...(P) > given.size() ? sizeof...(P) - given.size() : 0;
    for (size_t i = 0; i < given.size() && off + i < names.size(); ++i) names[off + i] = given[i];
    return checked_detail::wrap(op, names, std::decay_t<F>(std::forward<F>(f)), sig,
                                std::index_sequence_for<P...>{});
  }(static_cast<Sig>(nullptr));
}

// `target.def` (a module or a class) with checked arguments (see checked_fn), chainable:
// checked_defs{cls}.def("a", ...).def("b", ...). Messages show the function's name, or
// `op` when given (the class name, for "__init__").
template <typename Target>
struct checked_defs {
  Target& target;
  const char* op = nullptr;
  template <typename F, typename... Extra>
  checked_defs& def(const char* name, F&& f, const Extra&... extra) {
    target.def(name, checked_fn(op ? op : name, std::forward<F>(f), extra...), extra...);
    return *this;
  }
};
template <typename Target>
checked_defs(Target&) -> checked_defs<Target>;
template <typename Target>
checked_defs(Target&, const char*) -> checked_defs<Target>;

// Defines the module function `name` (see checked_fn); extra as for module_::def.
template <typename F, typename... Extra>
void def_op(nb::module_& m, const char* name, F&& f, const Extra&... extra) {
  checked_defs{m}.def(name, std::forward<F>(f), extra...);
}

// Adds a method to mlx.core.array from any binding file (the class itself is created in
// array.cpp, whose init runs first). `extra` takes nanobind argument annotations and the
// docstring, as for class_::def; a second definition of the same name adds an overload.
// Its parameters are checked as def_op's.
template <typename Func, typename... Extra>
void def_array_method(const char* name, Func&& f, const Extra&... extra) {
  nb::handle cls = nb::type<mx::array>();
  nb::object fn = nb::cpp_function(checked_fn(name, std::forward<Func>(f), extra...), nb::name(name),
                                   nb::is_method(), nb::scope(cls), extra...);
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
  int overflow = 0;
  long long v = index_element(d, op, name, overflow);
  if (overflow != 0 || v < INT_MIN || v > INT_MAX)
    throw std::out_of_range(op_prefix(op) + "The " + name + " " +
                            nb::cast<std::string>(nb::str(nb::steal(PyNumber_Index(d.ptr())))) +
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
