// The one place that names a Python object's type in messages.
#pragma once
#include <string>

#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

namespace nb = nanobind;

// The Python type name of v, for messages. As argument checks print it (the default):
// module-qualified except for builtins ("str", "numpy.float32", "__main__.Foo"). With
// as_value, as the reference names a value it cannot use: a class defined in Python
// module-qualified ("__main__.Foo"), a built-in or extension type by its bare name
// ("float32", "OrderedDict", "dict").
inline std::string arg_type_name(nb::handle v, bool as_value = false) {
  PyTypeObject* tp = Py_TYPE(v.ptr());
  nb::handle t(reinterpret_cast<PyObject*>(tp));
  std::string name = nb::cast<std::string>(t.attr("__name__"));
  if (as_value && !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) return name;
  nb::object mod = nb::getattr(t, "__module__", nb::none());
  if (!PyUnicode_Check(mod.ptr())) return name;
  std::string m = nb::cast<std::string>(mod);
  return m == "builtins" ? name : m + "." + name;
}

// The reference's name for a value of the wrong type in a result or an operand.
inline std::string value_type_name(nb::handle v) { return arg_type_name(v, true); }
