// The one place that turns a runtime Dtype into a C++ type.
#pragma once
#include <cstdint>
#include <stdexcept>

#include "mlx_core/dtype.h"

namespace mlx::core::cpu {

// Calls f(T{}) with T the storage type of dtype. f is a generic lambda
// `[&]<typename T>(T) {...}`; every instantiation must compile.
template <typename F>
decltype(auto) dispatch_dtype(Dtype dtype, F&& f) {
  switch (dtype.val) {
    case Dtype::Val::bool_: return f(bool{});
    case Dtype::Val::uint8: return f(uint8_t{});
    case Dtype::Val::uint16: return f(uint16_t{});
    case Dtype::Val::uint32: return f(uint32_t{});
    case Dtype::Val::uint64: return f(uint64_t{});
    case Dtype::Val::int8: return f(int8_t{});
    case Dtype::Val::int16: return f(int16_t{});
    case Dtype::Val::int32: return f(int32_t{});
    case Dtype::Val::int64: return f(int64_t{});
    case Dtype::Val::float16: return f(float16_t{});
    case Dtype::Val::bfloat16: return f(bfloat16_t{});
    case Dtype::Val::float32: return f(float{});
    case Dtype::Val::float64: return f(double{});
    case Dtype::Val::complex64: return f(complex64_t{});
  }
  throw std::runtime_error("[dispatch_dtype] Unknown dtype.");
}

// dispatch_dtype restricted to the dtypes of `set` (bit i: Dtype::Val i): f is instantiated
// only for those, and any other dtype raises (the ops validate first, so that is a bug).
template <uint32_t set, typename F>
void dispatch_dtype_in(Dtype dtype, const char* what, F&& f) {
  dispatch_dtype(dtype, [&]<typename T>(T v) {
    if constexpr (((set >> static_cast<int>(dtype_of<T>.val)) & 1u) != 0) {
      f(v);
    } else {
      throw std::invalid_argument(std::string("[") + what + "] Not supported for " + dtype_name(dtype) + ".");
    }
  });
}

} // namespace mlx::core::cpu
