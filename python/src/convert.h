// Python values -> arrays, and strided reads of array data.
#pragma once
#include <nanobind/nanobind.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/errors.h"
#include "mlx_core/mlx.h"

namespace nb = nanobind;
namespace mx = mlx::core;

// The ValueError to_array raises for a value of a type it cannot convert; `value` is that
// value (the argument itself or an element of it), so that a binding can name the argument.
struct array_init_error : std::invalid_argument {
  PyObject* value;
  array_init_error(const std::string& msg, PyObject* v) : std::invalid_argument(msg), value(v) {}
};

// mx.array(val, dtype): scalars, nested sequences, arrays, buffer / DLPack / __array__
// producers. Always a new array (never shares the producer's memory).
mx::array to_array(nb::handle v, std::optional<mx::Dtype> dtype = std::nullopt);

// mx.asarray(a, dtype, copy): shares memory where possible when copy is None, never copies
// when copy is False (ValueError if it must), always copies when True.
mx::array asarray(nb::handle a, std::optional<mx::Dtype> dtype, std::optional<bool> copy);

// True for Python bool/int/float/complex and NumPy scalars: the weakly typed operands.
bool is_scalar(nb::handle v);

// Operands of a binary op; a scalar next to an array takes the array's dtype (weak typing).
std::pair<mx::array, mx::array> to_arrays(nb::handle a, nb::handle b);
// The same for any number of operands (where).
std::vector<mx::array> to_arrays(const std::vector<nb::handle>& vals);

// A scalar operand converted against an array of dtype `d` (the weak typing rule).
mx::array weak_scalar(nb::handle v, mx::Dtype d);

// Dtype dispatch is the engine's (one place for it).
using mlx::core::cpu::dispatch_dtype;

// One element as a Python scalar (bool, int, float or complex).
template <typename T>
nb::object py_scalar(const T& v) {
  if constexpr (std::is_same_v<T, bool>) return nb::bool_(v);
  else if constexpr (std::is_same_v<T, mx::complex64_t>)
    return nb::steal(PyComplex_FromDoubles(v.real(), v.imag()));
  else if constexpr (std::is_integral_v<T>) return nb::int_(v);
  else if constexpr (std::is_same_v<T, double>) return nb::float_(v);
  else return nb::float_(static_cast<double>(static_cast<float>(v)));
}

// Appends the elements of an evaluated array, in row-major order (strides honoured), cast
// to Out.
template <typename Out>
void read_elements(const mx::array& a, std::vector<Out>& out) {
  dispatch_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (a.size() == 0) return;
    const T* base = a.data<T>();
    const auto& shape = a.shape();
    const auto& strides = a.strides();
    int nd = a.ndim();
    if (nd == 0) {
      out.push_back(mx::cast_value<Out>(base[0]));
      return;
    }
    std::vector<int> idx(nd, 0);
    int64_t off = 0;
    size_t n = a.size();
    for (size_t k = 0; k < n; ++k) {
      out.push_back(mx::cast_value<Out>(base[off]));
      for (int d = nd - 1; d >= 0; --d) {
        if (++idx[d] < shape[d]) {
          off += strides[d];
          break;
        }
        off -= strides[d] * (shape[d] - 1);
        idx[d] = 0;
      }
    }
  });
}
