#include "python/src/repr.h"
#include "python/src/eval_util.h"

#include <nanobind/stl/string.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "python/src/convert.h"

namespace {

// Axes longer than this print their first and last kEdge items around "...".
constexpr int kEdge = 3;

// A float as C++ streams print it by default (6 significant digits, %g style).
std::string fmt_float(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

template <typename T>
std::string fmt_elem(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "True" : "False";
  } else if constexpr (std::is_same_v<T, mx::complex64_t>) {
    std::string im = fmt_float(v.imag());
    if (!std::signbit(v.imag())) im = "+" + im;
    return fmt_float(v.real()) + im + "j";
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else {
    return fmt_float(static_cast<double>(static_cast<float>(v)));
  }
}

template <>
std::string fmt_elem<double>(const double& v) {
  return fmt_float(v);
}

// Prints the sub-array at `data` (already offset) from axis `axis` on.
template <typename T>
void print_axis(std::ostringstream& os, const mx::array& a, const T* data, int axis) {
  int nd = a.ndim();
  int n = a.shape(axis);
  int64_t stride = a.strides()[axis];
  os << "[";
  bool last = axis == nd - 1;
  std::string sep = last ? ", " : ",\n" + std::string(7 + axis, ' ');
  bool summarize = n > 2 * kEdge;
  for (int i = 0; i < n; ++i) {
    if (summarize && i == kEdge) {
      os << "..." << sep;
      i = n - kEdge - 1;
      continue;
    }
    const T* p = data + i * stride;
    if (last) os << fmt_elem(*p);
    else print_axis(os, a, p, axis + 1);
    if (i + 1 < n) os << sep;
  }
  os << "]";
}

} // namespace

std::string array_repr(mx::array a) {
  eval_released(a);
  std::ostringstream os;
  os << "array(";
  dispatch_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (a.ndim() == 0) os << fmt_elem(*a.data<T>());
    else if (a.size() == 0 && a.shape(0) == 0) os << "[]";
    else print_axis(os, a, a.size() ? a.data<T>() : static_cast<const T*>(nullptr), 0);
  });
  os << ", dtype=" << mx::dtype_name(a.dtype()) << ")";
  return os.str();
}

std::string array_format(mx::array a, const std::string& spec) {
  if (spec.empty()) return array_repr(a);
  if (a.ndim() != 0)
    throw mx::type_error("unsupported format string passed to mx.array.__format__");
  eval_released(a);
  nb::object item = dispatch_dtype(a.dtype(), [&](auto tag) -> nb::object {
    using T = decltype(tag);
    return py_scalar(*a.data<T>());
  });
  PyObject* r = PyObject_Format(item.ptr(), nb::str(spec.c_str()).ptr());
  if (!r) throw nb::python_error();
  return nb::cast<std::string>(nb::steal(r));
}
