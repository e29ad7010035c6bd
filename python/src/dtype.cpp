// Dtype, DtypeCategory and issubdtype.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>

#include <variant>

#include "mlx_core/dtype.h"

namespace nb = nanobind;
namespace mx = mlx::core;
using namespace nb::literals;

void init_dtype(nb::module_& m) {
  nb::class_<mx::Dtype>(m, "Dtype", "An object holding the type of an array's elements.")
      .def_prop_ro("size", [](const mx::Dtype& d) { return static_cast<int>(d.size); },
                   "Size of the type in bytes.")
      .def("__repr__", [](const mx::Dtype& d) { return "mlx.core." + mx::dtype_name(d); })
      .def("__str__", [](const mx::Dtype& d) { return "mlx.core." + mx::dtype_name(d); })
      .def("__eq__", [](const mx::Dtype& a, nb::handle b) {
        return nb::isinstance<mx::Dtype>(b) && a == nb::cast<mx::Dtype>(b);
      })
      .def("__hash__", [](const mx::Dtype& d) { return static_cast<int>(d.val); });

  struct Named { const char* name; mx::Dtype d; };
  const Named dtypes[] = {
      {"bool_", mx::bool_},     {"uint8", mx::uint8},     {"uint16", mx::uint16},
      {"uint32", mx::uint32},   {"uint64", mx::uint64},   {"int8", mx::int8},
      {"int16", mx::int16},     {"int32", mx::int32},     {"int64", mx::int64},
      {"float16", mx::float16}, {"bfloat16", mx::bfloat16}, {"float32", mx::float32},
      {"float64", mx::float64}, {"complex64", mx::complex64},
  };
  for (const auto& [name, d] : dtypes) m.attr(name) = nb::cast(d);

  nb::enum_<mx::DtypeCategory>(m, "DtypeCategory", "Abstract categories of dtypes.")
      .value("complexfloating", mx::DtypeCategory::complexfloating)
      .value("floating", mx::DtypeCategory::floating)
      .value("inexact", mx::DtypeCategory::inexact)
      .value("signedinteger", mx::DtypeCategory::signedinteger)
      .value("unsignedinteger", mx::DtypeCategory::unsignedinteger)
      .value("integer", mx::DtypeCategory::integer)
      .value("number", mx::DtypeCategory::number)
      .value("generic", mx::DtypeCategory::generic);
  for (const char* c : {"complexfloating", "floating", "inexact", "signedinteger",
                        "unsignedinteger", "integer", "number", "generic"}) {
    m.attr(c) = m.attr("DtypeCategory").attr(c);
  }

  using DtypeOrCat = std::variant<mx::Dtype, mx::DtypeCategory>;
  m.def(
      "issubdtype",
      [](const DtypeOrCat& a, const DtypeOrCat& b) {
        return std::visit([](auto x, auto y) { return mx::issubdtype(x, y); }, a, b);
      },
      "arg1"_a, "arg2"_a,
      "Whether arg1 is the same dtype as, or belongs to the category of, arg2.");
}
