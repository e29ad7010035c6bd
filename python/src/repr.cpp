#include "python/src/repr.h"
#include "python/src/eval_util.h"

#include <nanobind/stl/string.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <atomic>
#include <optional>
#include <vector>

#include "python/src/convert.h"
#include "python/src/common.h"

namespace {

// Axes longer than this print their first and last kEdge items around "...".
constexpr int kEdge = 3;

// The precision of printed floats: -1 is the default format (%g); n >= 0 prints n digits
// after the decimal point; other negative values print 6.
std::atomic<int> g_precision{-1};

// Print options as a value (mx.PrintOptions).
struct PrintOptions {
  int precision = -1;
};

// `with mx.printoptions(...)`: applies the options on entry, restores the old ones on exit.
struct PrintOptionsContext {
  PrintOptions options;
  std::optional<PrintOptions> saved;
};

// A float as C++ streams print it by default (6 significant digits, %g style), or with the
// precision set by set_printoptions.
std::string fmt_float(double v) {
  int p = g_precision.load(std::memory_order_relaxed);
  std::vector<char> buf(64);
  int n = p == -1 ? std::snprintf(buf.data(), buf.size(), "%g", v)
                  : std::snprintf(buf.data(), buf.size(), "%.*f", p, v);
  if (n >= static_cast<int>(buf.size())) {
    // Large precisions and magnitudes (1e308 with 30 digits) need more room.
    buf.resize(n + 1);
    if (p == -1) std::snprintf(buf.data(), buf.size(), "%g", v);
    else std::snprintf(buf.data(), buf.size(), "%.*f", p, v);
  }
  return buf.data();
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

void init_print_options(nb::module_& m) {
  using namespace nb::literals;
  nb::class_<PrintOptions>(m, "PrintOptions",
                           "Options for printing arrays.\n\n"
                           "Attributes:\n"
                           "    precision (int): Digits after the decimal point for floats; -1 (the\n"
                           "        default) prints 6 significant digits.")
      .def(nb::init<>())
      .def("__init__", [](PrintOptions* self, int precision) { new (self) PrintOptions{precision}; },
           "precision"_a)
      .def_rw("precision", &PrintOptions::precision, "Digits after the decimal point (-1: default).")
      .def("__repr__", [](const PrintOptions& o) {
        return "PrintOptions(precision=" + std::to_string(o.precision) + ")";
      });
  nb::class_<PrintOptionsContext>(m, "_PrintOptionsContext",
                                  "Context manager returned by mlx.core.printoptions.")
      .def("__enter__", [](nb::handle self) {
        auto& c = nb::cast<PrintOptionsContext&>(self);
        c.saved = PrintOptions{g_precision.load()};
        g_precision.store(c.options.precision);
        return nb::borrow(self);
      })
      .def("__exit__", [](PrintOptionsContext& c, nb::args) {
        if (c.saved) g_precision.store(c.saved->precision);
        c.saved.reset();
      });
  def_op(m, "set_printoptions", [](int precision) { g_precision.store(precision); },
        "precision"_a = -1,
        "Sets how arrays print, for the whole process.\n\n"
        "Args:\n"
        "    precision (int, optional): Digits after the decimal point for floating point and\n"
        "        complex values; -1 (the default) prints 6 significant digits.\n\n"
        "Example:\n"
        "    >>> mx.set_printoptions(precision=3)\n"
        "    >>> mx.array([1 / 3])  # array([0.333], dtype=float32)");
  def_op(m, "get_printoptions", []() { return PrintOptions{g_precision.load()}; },
        "The current print options.\n\n"
        "Returns:\n"
        "    PrintOptions: A copy of the options (changing it changes nothing).");
  def_op(m, "printoptions", [](int precision) { return PrintOptionsContext{{precision}, std::nullopt}; },
        "precision"_a = -1,
        "A context manager that sets the print options inside a `with` block and restores\n"
        "the previous ones after it.\n\n"
        "Args:\n"
        "    precision (int, optional): Digits after the decimal point; -1 (the default)\n"
        "        prints 6 significant digits.\n\n"
        "Example:\n"
        "    >>> with mx.printoptions(precision=2):\n"
        "    ...     print(mx.array([3.14159]))  # array([3.14], dtype=float32)");
}
