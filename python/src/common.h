// Small argument helpers shared by array methods and module functions.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <variant>
#include <vector>

#include "mlx_core/mlx.h"
#include "python/src/device.h"

namespace nb = nanobind;
namespace mx = mlx::core;

// An `axis` argument: one int or a sequence of them.
using IntOrVec = std::variant<int, std::vector<int>>;
// A `shape` argument: one int or a sequence of them.
using ShapeArg = std::variant<int, std::vector<int>>;

inline std::vector<int> to_axes(const IntOrVec& v) {
  if (auto* i = std::get_if<int>(&v)) return {*i};
  return std::get<std::vector<int>>(v);
}

inline mx::Shape to_shape(const ShapeArg& v) {
  if (auto* i = std::get_if<int>(&v)) return {static_cast<mx::ShapeElem>(*i)};
  const auto& s = std::get<std::vector<int>>(v);
  return mx::Shape(s.begin(), s.end());
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
