// Byte encoding of exported functions: a writer, a bounds-checked reader, and the encoding of
// the parameter types primitives carry (their `state()` tuples). Little-endian, fixed widths.
// Every read is checked against the end of the data in 64-bit arithmetic and every decoded
// enum or dtype against its range, so a malformed file raises instead of misbehaving.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/errors.h"
#include "mlx_core/ops/quantize.h"
#include "mlx_core/ops/random.h"
#include "mlx_core/primitives/conv.h"
#include "mlx_core/primitives/elementwise.h"
#include "mlx_core/primitives/indexing.h"
#include "mlx_core/primitives/quantize.h"
#include "mlx_core/primitives/reduce.h"
#include "mlx_core/primitives/scan.h"
#include "mlx_core/primitives/sort.h"

static_assert(std::endian::native == std::endian::little, "export files are written little-endian");

namespace mlx::core::exporting {

// The error every malformed-file check raises (RuntimeError in Python, as the reference's).
[[noreturn]] inline void malformed(const std::string& what) {
  throw std::runtime_error("[import_function] The file is malformed: " + what + ".");
}

// Appends fixed-width values to a byte string.
class ByteWriter {
 public:
  template <typename T>
    requires std::is_trivially_copyable_v<T>
  void put(const T& v) {
    buf_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void bytes(const void* p, uint64_t n) { buf_.append(static_cast<const char*>(p), n); }
  void str(const std::string& s) {
    put<uint64_t>(s.size());
    buf_.append(s);
  }
  const std::string& data() const { return buf_; }
  std::string& data() { return buf_; }

 private:
  std::string buf_;
};

// Reads fixed-width values from a byte range, raising on any read past its end.
class ByteReader {
 public:
  ByteReader(const char* p, uint64_t n) : p_(p), n_(n) {}
  explicit ByteReader(const std::string& s) : p_(s.data()), n_(s.size()) {}
  uint64_t remaining() const { return n_ - pos_; }
  bool at_end() const { return pos_ == n_; }
  // A pointer to the next n bytes, which the reader then skips.
  const char* take(uint64_t n, const char* what) {
    if (n > remaining()) malformed(msg("it ends inside ", what, " (", n, " bytes needed, ", remaining(), " left)"));
    const char* p = p_ + pos_;
    pos_ += n;
    return p;
  }
  template <typename T>
    requires std::is_trivially_copyable_v<T>
  T get(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof(T), what), sizeof(T));
    return v;
  }
  // A count of items that each take at least `min_item_bytes` of what is left.
  uint64_t count(const char* what, uint64_t min_item_bytes = 1) {
    uint64_t n = get<uint64_t>(what);
    if (min_item_bytes > 0 && n > remaining() / min_item_bytes) {
      malformed(msg("the count of ", what, " (", n, ") exceeds the remaining data"));
    }
    return n;
  }
  // A string, which must be valid UTF-8 (it may reach Python).
  std::string str(const char* what) {
    std::string s = bytes(what);
    if (!valid_utf8(s)) malformed(msg(what, " is not valid UTF-8"));
    return s;
  }
  // Raw bytes (a primitive's encoded parameters).
  std::string bytes(const char* what) {
    uint64_t n = count(what);
    return std::string(take(n, what), n);
  }
  // Strict UTF-8, as Python decodes it (no overlong forms, surrogates or values past U+10FFFF).
  static bool valid_utf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
      auto c = static_cast<uint8_t>(s[i]);
      size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >> 4) == 0xE ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
      if (len == 0 || i + len > s.size()) return false;
      for (size_t k = 1; k < len; ++k) {
        if ((static_cast<uint8_t>(s[i + k]) >> 6) != 0x2) return false;
      }
      auto c1 = static_cast<uint8_t>(s[i + (len > 1)]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) {
        return false;
      }
      i += len;
    }
    return true;
  }

 private:
  const char* p_;
  uint64_t n_;
  uint64_t pos_ = 0;
};

// The number of values of each enum a primitive stores (a decoded value must be below it).
template <typename E>
constexpr int enum_count = 0;
#define MLX_EXPORT_COUNT_OP(Name, Dtypes, Out) +1
template <>
inline constexpr int enum_count<UnaryOp> = 0 MLX_UNARY_OPS(MLX_EXPORT_COUNT_OP);
template <>
inline constexpr int enum_count<BinaryOp> = 0 MLX_BINARY_OPS(MLX_EXPORT_COUNT_OP);
#undef MLX_EXPORT_COUNT_OP
template <>
inline constexpr int enum_count<ReduceType> = static_cast<int>(ReduceType::SumSquares) + 1;
template <>
inline constexpr int enum_count<ArgReduceType> = static_cast<int>(ArgReduceType::ArgMin) + 1;
template <>
inline constexpr int enum_count<ScanType> = static_cast<int>(ScanType::LogAddExp) + 1;
template <>
inline constexpr int enum_count<SortKind> = static_cast<int>(SortKind::ArgPartition) + 1;
template <>
inline constexpr int enum_count<ScatterReduce> = static_cast<int>(ScatterReduce::Min) + 1;
template <>
inline constexpr int enum_count<QuantizationMode> = static_cast<int>(QuantizationMode::Nvfp4) + 1;
template <>
inline constexpr int enum_count<random::detail::SamplerFn> =
    static_cast<int>(random::detail::SamplerFn::LaplaceOpen) + 1;

template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};

inline void write_value(ByteWriter& w, const Dtype& d) { w.put<uint8_t>(static_cast<uint8_t>(d.val)); }
inline void write_value(ByteWriter& w, const ConvParams& p);
inline void write_value(ByteWriter& w, const QuantParams& p);

// Writes a scalar, enum, dtype, vector or parameter struct.
template <typename T>
void write_value(ByteWriter& w, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    w.put<uint8_t>(v ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    static_assert(enum_count<T> > 0, "an enum stored by a primitive needs its enum_count");
    w.put<int32_t>(static_cast<int32_t>(v));
  } else if constexpr (std::is_arithmetic_v<T>) {
    w.put<T>(v);
  } else if constexpr (is_vector<T>::value) {
    w.put<uint64_t>(v.size());
    for (auto& x : v) write_value(w, x);
  } else {
    static_assert(sizeof(T) == 0, "no export encoding for this parameter type");
  }
}

template <typename T>
T read_value(ByteReader& r);

inline Dtype read_dtype(ByteReader& r) {
  uint8_t code = r.get<uint8_t>("a dtype");
  if (code >= num_dtypes) malformed(msg("dtype code ", int(code), " is not a dtype"));
  return dtype_from_val(static_cast<Dtype::Val>(code));
}

// Reads what write_value wrote, checking ranges.
template <typename T>
T read_value(ByteReader& r) {
  if constexpr (std::is_same_v<T, Dtype>) {
    return read_dtype(r);
  } else if constexpr (std::is_same_v<T, bool>) {
    uint8_t b = r.get<uint8_t>("a flag");
    if (b > 1) malformed(msg("a flag has the value ", int(b)));
    return b == 1;
  } else if constexpr (std::is_enum_v<T>) {
    int32_t v = r.get<int32_t>("an enum");
    if (v < 0 || v >= enum_count<T>) malformed(msg("enum value ", v, " is out of range"));
    return static_cast<T>(v);
  } else if constexpr (std::is_arithmetic_v<T>) {
    return r.get<T>("a number");
  } else if constexpr (is_vector<T>::value) {
    uint64_t n = r.count("a list", 1);
    T out;
    out.reserve(n);
    for (uint64_t i = 0; i < n; ++i) out.push_back(read_value<typename T::value_type>(r));
    return out;
  } else if constexpr (std::is_same_v<T, ConvParams>) {
    ConvParams p;
    p.stride = read_value<std::vector<int>>(r);
    p.pad_lo = read_value<std::vector<int>>(r);
    p.pad_hi = read_value<std::vector<int>>(r);
    p.kernel_dilation = read_value<std::vector<int>>(r);
    p.input_dilation = read_value<std::vector<int>>(r);
    p.groups = read_value<int>(r);
    p.flip = read_value<bool>(r);
    return p;
  } else if constexpr (std::is_same_v<T, QuantParams>) {
    int g = read_value<int>(r);
    int b = read_value<int>(r);
    return QuantParams{g, b, read_value<QuantizationMode>(r)};
  } else {
    static_assert(sizeof(T) == 0, "no export decoding for this parameter type");
  }
}

inline void write_value(ByteWriter& w, const ConvParams& p) {
  write_value(w, p.stride);
  write_value(w, p.pad_lo);
  write_value(w, p.pad_hi);
  write_value(w, p.kernel_dilation);
  write_value(w, p.input_dilation);
  write_value(w, p.groups);
  write_value(w, p.flip);
}
inline void write_value(ByteWriter& w, const QuantParams& p) {
  write_value(w, p.group_size);
  write_value(w, p.bits);
  write_value(w, p.mode);
}

// A state tuple, element by element (brace initialization reads them in order).
template <typename... Ts>
void write_tuple(ByteWriter& w, const std::tuple<Ts...>& t) {
  std::apply([&](const auto&... v) { (write_value(w, v), ...); }, t);
}
template <typename... Ts>
std::tuple<Ts...> read_tuple(ByteReader& r, std::tuple<Ts...>*) {
  return std::tuple<Ts...>{read_value<Ts>(r)...};
}

} // namespace mlx::core::exporting
