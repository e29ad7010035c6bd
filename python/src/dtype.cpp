// Dtype, DtypeCategory, issubdtype, isdtype, can_cast, result_type, finfo and iinfo.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <variant>

#include "mlx_core/array.h"
#include "mlx_core/dtype.h"
#include "mlx_core/errors.h"
#include "python/src/common.h"

namespace nb = nanobind;
namespace mx = mlx::core;
using namespace nb::literals;

namespace {

// Machine limits of a floating point type (complex64: those of its float32 parts).
struct FInfo {
  mx::Dtype dtype;
  double min, max, eps, smallest_normal;
  int bits;
};

FInfo finfo_of(mx::Dtype d) {
  switch (d.val) {
    case mx::Dtype::Val::float16:
      return {d, -65504.0, 65504.0, std::ldexp(1.0, -10), std::ldexp(1.0, -14), 16};
    case mx::Dtype::Val::bfloat16: {
      double mx_bf16 = std::ldexp(255.0, 120); // (2 - 2**-7) * 2**127
      return {d, -mx_bf16, mx_bf16, std::ldexp(1.0, -7), std::ldexp(1.0, -126), 16};
    }
    case mx::Dtype::Val::float32:
    case mx::Dtype::Val::complex64: {
      using L = std::numeric_limits<float>;
      return {mx::float32, -double(L::max()), double(L::max()), double(L::epsilon()), double(L::min()), 32};
    }
    case mx::Dtype::Val::float64: {
      using L = std::numeric_limits<double>;
      return {d, -L::max(), L::max(), L::epsilon(), L::min(), 64};
    }
    default:
      throw std::invalid_argument("[finfo] dtype " + mx::dtype_name(d) + " is not inexact.");
  }
}

// Range of an integer type.
struct IInfo {
  mx::Dtype dtype;
  nb::object min, max;
};

IInfo iinfo_of(mx::Dtype d) {
  auto make = [&](auto lo, auto hi) { return IInfo{d, nb::int_(lo), nb::int_(hi)}; };
  switch (d.val) {
    case mx::Dtype::Val::uint8: return make(0, UINT8_MAX);
    case mx::Dtype::Val::uint16: return make(0, UINT16_MAX);
    case mx::Dtype::Val::uint32: return make(0, UINT32_MAX);
    case mx::Dtype::Val::uint64: return make(0, UINT64_MAX);
    case mx::Dtype::Val::int8: return make(INT8_MIN, INT8_MAX);
    case mx::Dtype::Val::int16: return make(INT16_MIN, INT16_MAX);
    case mx::Dtype::Val::int32: return make(INT32_MIN, INT32_MAX);
    case mx::Dtype::Val::int64: return make(INT64_MIN, INT64_MAX);
    default:
      throw std::invalid_argument("[iinfo] Only integer types supported but " + mx::dtype_name(d) +
                                  " was provided.");
  }
}

// %g formatting, as in the reference's finfo repr.
std::string g6(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// The dtype of a result_type / can_cast input: a Dtype or an array's dtype.
mx::Dtype dtype_of_input(nb::handle h, const char* op, const char* name) {
  if (nb::isinstance<mx::Dtype>(h)) return nb::cast<mx::Dtype>(h);
  if (nb::isinstance<mx::array>(h)) return nb::cast<mx::array&>(h).dtype();
  throw std::invalid_argument(op_prefix(op) + "Inputs must be arrays or dtypes: " + name +
                              " is a " + arg_type_name(h) + ".");
}

// Whether d is of the Array API kind named `kind`.
bool is_kind(mx::Dtype d, const std::string& kind) {
  if (kind == "bool") return d == mx::bool_;
  if (kind == "signed integer") return mx::is_signed_integer(d);
  if (kind == "unsigned integer") return mx::is_unsigned(d);
  if (kind == "integral") return mx::is_integral(d);
  if (kind == "real floating") return mx::is_floating_point(d);
  if (kind == "complex floating") return mx::is_complex(d);
  if (kind == "numeric") return d != mx::bool_;
  throw std::invalid_argument("[isdtype] Unknown data type kind: '" + kind + "'.");
}

bool isdtype_one(mx::Dtype d, nb::handle k) {
  if (nb::isinstance<mx::Dtype>(k)) return d == nb::cast<mx::Dtype>(k);
  if (nb::isinstance<nb::str>(k)) return is_kind(d, nb::cast<std::string>(k));
  throw std::invalid_argument("[isdtype] `kind` must be a dtype, a string, or a tuple of dtypes and strings.");
}

} // namespace

void init_dtype(nb::module_& m) {
  nb::class_<mx::Dtype>(m, "Dtype",
                        "The type of an array's elements: mx.bool_, the integers mx.int8 ... mx.int64\n"
                        "and mx.uint8 ... mx.uint64, the floats mx.float16, mx.bfloat16, mx.float32,\n"
                        "mx.float64, and mx.complex64.\n\n"
                        "Attributes:\n"
                        "    size (int): The size of one element in bytes.\n\n"
                        "Example:\n"
                        "    >>> mx.array([1, 2]).dtype == mx.int32  # True")
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

  nb::enum_<mx::DtypeCategory>(m, "DtypeCategory",
                               "Abstract categories of dtypes, for mx.issubdtype: generic (every\n"
                               "dtype), number, integer, signedinteger, unsignedinteger, inexact,\n"
                               "floating and complexfloating. Each is also a module attribute\n"
                               "(mx.floating is DtypeCategory.floating).")
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

  using DtypeOrCat = DtypeOrCategory;
  def_op(m, "issubdtype",
      [](const DtypeOrCat& a, const DtypeOrCat& b) {
        return std::visit([](auto x, auto y) { return mx::issubdtype(x, y); }, a, b);
      },
      "arg1"_a, "arg2"_a,
      "Whether arg1 is a subtype of arg2 in the dtype hierarchy.\n\n"
      "The hierarchy is NumPy's: generic > number > (integer > (signedinteger,\n"
      "unsignedinteger), inexact > (floating, complexfloating)); bool_ is only a generic.\n\n"
      "Args:\n"
      "    arg1 (Dtype or DtypeCategory): The dtype or category to test.\n"
      "    arg2 (Dtype or DtypeCategory): The dtype or category to test against.\n\n"
      "Returns:\n"
      "    bool: True when arg1 equals arg2 or belongs to the category arg2.\n\n"
      "Example:\n"
      "    >>> mx.issubdtype(mx.int8, mx.signedinteger)  # True");

  def_op(m, "isdtype", [](const mx::Dtype& d, nb::handle kind) {
        if (nb::isinstance<nb::tuple>(kind)) {
          for (nb::handle k : nb::borrow<nb::tuple>(kind))
            if (isdtype_one(d, k)) return true;
          return false;
        }
        return isdtype_one(d, kind);
      }, "dtype"_a, "kind"_a,
      nb::sig("def isdtype(dtype: Dtype, kind: Dtype | str | tuple[Dtype | str, ...]) -> bool"),
      "Whether dtype is of a kind (Array API standard).\n\n"
      "Args:\n"
      "    dtype (Dtype): The dtype to test.\n"
      "    kind (Dtype, str or tuple): A dtype, one of the kind names \"bool\",\n"
      "        \"signed integer\", \"unsigned integer\", \"integral\", \"real floating\",\n"
      "        \"complex floating\", \"numeric\", or a tuple of these (any may match).\n\n"
      "Returns:\n"
      "    bool: True when dtype matches kind.\n\n"
      "Example:\n"
      "    >>> mx.isdtype(mx.float16, (\"integral\", \"real floating\"))  # True");

  def_op(m, "can_cast", [](nb::handle from, const mx::Dtype& to) {
        return mx::promote_types(dtype_of_input(from, "can_cast", "from_"), to) == to;
      }, "from_"_a, "to"_a,
      nb::sig("def can_cast(from_: array | Dtype, to: Dtype) -> bool"),
      "Whether values of a dtype can be cast to another without loss under the type\n"
      "promotion rules: promoting from_ with to gives to.\n\n"
      "Args:\n"
      "    from_ (array or Dtype): The source dtype, or an array whose dtype it is.\n"
      "    to (Dtype): The target dtype.\n\n"
      "Returns:\n"
      "    bool: Whether the cast is safe.\n\n"
      "Example:\n"
      "    >>> mx.can_cast(mx.int8, mx.int16)  # True");

  def_op(m, "result_type", [](nb::args args) {
        if (args.size() == 0)
          throw std::invalid_argument("[result_type] At least one array or dtype is required.");
        mx::Dtype out = dtype_of_input(args[0], "result_type", "arrays_and_dtypes");
        for (size_t i = 1; i < args.size(); ++i)
          out = mx::promote_types(out, dtype_of_input(args[i], "result_type", "arrays_and_dtypes"));
        return out;
      }, "arrays_and_dtypes"_a,
      nb::sig("def result_type(*arrays_and_dtypes: array | Dtype) -> Dtype"),
      "The dtype that type promotion gives for the inputs together.\n\n"
      "Args:\n"
      "    *arrays_and_dtypes (array or Dtype): Arrays or dtypes, at least one.\n\n"
      "Returns:\n"
      "    Dtype: The promoted dtype.\n\n"
      "Example:\n"
      "    >>> mx.result_type(mx.int8, mx.uint8)  # mlx.core.int16");

  nb::class_<FInfo>(m, "finfo",
                    "Machine limits of a floating point type.\n\n"
                    "finfo(dtype)\n\n"
                    "Args:\n"
                    "    dtype (Dtype): A floating point or complex dtype (complex64 reports its\n"
                    "        float32 parts). Others raise ValueError.\n\n"
                    "Attributes:\n"
                    "    min (float): The most negative finite value.\n"
                    "    max (float): The largest finite value.\n"
                    "    eps (float): The gap between 1 and the next larger value.\n"
                    "    smallest_normal (float): The smallest positive normal value.\n"
                    "    tiny (float): The same as smallest_normal (NumPy's name).\n"
                    "    bits (int): The size of the type in bits.\n"
                    "    dtype (Dtype): The dtype described.\n\n"
                    "Example:\n"
                    "    >>> mx.finfo(mx.float16).max  # 65504.0")
      .def("__init__", checked_fn("finfo", [](FInfo* self, const mx::Dtype& d) { new (self) FInfo(finfo_of(d)); },
                                  "dtype"_a), "dtype"_a)
      .def_ro("min", &FInfo::min, "The most negative finite value.")
      .def_ro("max", &FInfo::max, "The largest finite value.")
      .def_ro("eps", &FInfo::eps, "The difference between 1 and the next representable value.")
      .def_ro("smallest_normal", &FInfo::smallest_normal, "The smallest positive normal value.")
      .def_ro("tiny", &FInfo::smallest_normal, "The smallest positive normal value (NumPy's name).")
      .def_ro("bits", &FInfo::bits, "The number of bits of the type.")
      .def_ro("dtype", &FInfo::dtype, "The dtype described.")
      .def("__repr__", [](const FInfo& f) {
        return "finfo(min=" + g6(f.min) + ", max=" + g6(f.max) + ", dtype=" + mx::dtype_name(f.dtype) + ")";
      });

  nb::class_<IInfo>(m, "iinfo",
                    "Range of an integer type.\n\n"
                    "iinfo(dtype)\n\n"
                    "Args:\n"
                    "    dtype (Dtype): An integer dtype; others (bool included) raise ValueError.\n\n"
                    "Attributes:\n"
                    "    min (int): The smallest value.\n"
                    "    max (int): The largest value.\n"
                    "    bits (int): The size of the type in bits.\n"
                    "    dtype (Dtype): The dtype described.\n\n"
                    "Example:\n"
                    "    >>> mx.iinfo(mx.uint8).max  # 255")
      .def("__init__", checked_fn("iinfo", [](IInfo* self, const mx::Dtype& d) { new (self) IInfo(iinfo_of(d)); },
                                  "dtype"_a), "dtype"_a)
      .def_ro("min", &IInfo::min, "The smallest value.")
      .def_ro("max", &IInfo::max, "The largest value.")
      .def_prop_ro("bits", [](const IInfo& i) { return 8 * static_cast<int>(i.dtype.size); },
                   "The number of bits of the type.")
      .def_ro("dtype", &IInfo::dtype, "The dtype described.")
      .def("__repr__", [](const IInfo& i) {
        return "iinfo(min=" + nb::cast<std::string>(nb::str(i.min)) + ", max=" +
            nb::cast<std::string>(nb::str(i.max)) + ", dtype=" + mx::dtype_name(i.dtype) + ")";
      });
}
