// Storage types for the 16-bit floats and complex64.
#pragma once
#include <complex>
#include <cstdint>
#include <cstring>

namespace mlx::core {

// IEEE half precision: the compiler's own type. _Float16 where C++ has it (GCC >= 12 on
// x86-64, GCC >= 13 on arm64, clang on both); GCC 12 on arm64 (Debian 12, Ubuntu 22.04) has
// only ACLE's __fp16 in C++: the same IEEE binary16 storage with hardware conversions, whose
// arithmetic is done in float and rounded where the result is stored as float16_t.
#if defined(__aarch64__) && defined(__ARM_FP16_FORMAT_IEEE) && defined(__GNUC__) && !defined(__clang__) && \
    __GNUC__ < 13
using float16_t = __fp16;
#else
using float16_t = _Float16;
#endif

// Brain float: the top 16 bits of a float32, rounded to nearest even.
struct bfloat16_t {
  uint16_t bits;

  bfloat16_t() = default;
  static constexpr bfloat16_t from_bits(uint16_t b) {
    bfloat16_t r{};
    r.bits = b;
    return r;
  }
  bfloat16_t(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      bits = static_cast<uint16_t>((u >> 16) | 0x40u); // quiet NaN
    } else {
      u += 0x7fffu + ((u >> 16) & 1u);
      bits = static_cast<uint16_t>(u >> 16);
    }
  }
  template <typename T>
    requires std::is_arithmetic_v<T> || std::is_same_v<T, float16_t>
  bfloat16_t(T v) : bfloat16_t(static_cast<float>(v)) {}
  bfloat16_t(std::complex<float> c) : bfloat16_t(c.real()) {}

  operator float() const {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  template <typename T>
    requires std::is_arithmetic_v<T> || std::is_same_v<T, float16_t>
  explicit operator T() const {
    return static_cast<T>(static_cast<float>(*this));
  }
};

using complex64_t = std::complex<float>;

} // namespace mlx::core
