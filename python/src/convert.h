// Python values -> arrays, and strided reads of array data.
#pragma once
#include <nanobind/nanobind.h>

#include <optional>
#include <utility>
#include <vector>

#include "mlx_core/errors.h"
#include "mlx_core/mlx.h"

namespace nb = nanobind;
namespace mx = mlx::core;

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

// Calls f(T{}) with T the storage type of dtype d.
template <typename F>
decltype(auto) dispatch_dtype(mx::Dtype d, F&& f) {
  using V = mx::Dtype::Val;
  switch (d.val) {
    case V::bool_: return f(bool{});
    case V::uint8: return f(uint8_t{});
    case V::uint16: return f(uint16_t{});
    case V::uint32: return f(uint32_t{});
    case V::uint64: return f(uint64_t{});
    case V::int8: return f(int8_t{});
    case V::int16: return f(int16_t{});
    case V::int32: return f(int32_t{});
    case V::int64: return f(int64_t{});
    case V::float16: return f(mx::float16_t{});
    case V::bfloat16: return f(mx::bfloat16_t{});
    case V::float32: return f(float{});
    case V::float64: return f(double{});
    case V::complex64: return f(mx::complex64_t{});
  }
  throw std::invalid_argument("[dispatch] Unknown dtype.");
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
