#include "mlx_core/io/gguf.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "mlx_core/errors.h"

namespace mlx::core::io {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("[load_gguf] " + what);
}

// Metadata value types of the format.
enum MetaType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7, STRING = 8, ARRAY = 9,
  U64 = 10, I64 = 11, F64 = 12,
};

bool meta_dtype(uint32_t t, Dtype& d) {
  switch (t) {
    case U8: d = uint8; return true;
    case I8: d = int8; return true;
    case U16: d = uint16; return true;
    case I16: d = int16; return true;
    case U32: d = uint32; return true;
    case I32: d = int32; return true;
    case F32: d = float32; return true;
    case BOOL: d = bool_; return true;
    case U64: d = uint64; return true;
    case I64: d = int64; return true;
    case F64: d = float64; return true;
    default: return false;
  }
}

bool meta_type_of(Dtype d, uint32_t& t) {
  for (uint32_t k = 0; k <= F64; ++k) {
    Dtype x = float32;
    if (meta_dtype(k, x) && x == d) {
      t = k;
      return true;
    }
  }
  return false;
}

// Tensor types (ggml_type) that hold plain elements.
const struct {
  uint32_t type;
  Dtype dtype;
} tensor_types[] = {
    {0, float32}, {1, float16}, {24, int8}, {25, int16}, {26, int32}, {27, int64}, {28, float64}, {30, bfloat16},
};

const char* quantized_name(uint32_t t) {
  static const char* names[] = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
                                "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS",
                                "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16",
                                "I32", "I64", "F64", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8",
                                "TQ1_0", "TQ2_0"};
  return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

// Sequential reads over a Reader through a buffer, never past its end.
class Cursor {
 public:
  explicit Cursor(Reader& r) : r_(r), size_(r.size()) {}
  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }
  void read(void* dst, uint64_t n) {
    if (n > remaining()) fail("Unexpected end of file (truncated header?)");
    auto* out = static_cast<uint8_t*>(dst);
    while (n > 0) {
      if (bpos_ == buf_.size()) refill();
      uint64_t k = std::min<uint64_t>(n, buf_.size() - bpos_);
      std::memcpy(out, buf_.data() + bpos_, k);
      out += k;
      n -= k;
      bpos_ += k;
      pos_ += k;
    }
  }
  template <typename T>
  T get() {
    T v;
    read(&v, sizeof(T));
    return v;
  }
  std::string string() {
    uint64_t n = get<uint64_t>();
    if (n > remaining()) fail(msg("String length ", n, " runs past the end of the file"));
    std::string s(n, '\0');
    read(s.data(), n);
    return s;
  }

 private:
  void refill() {
    uint64_t n = std::min<uint64_t>(remaining(), 1 << 16);
    buf_.resize(n);
    r_.read_at(buf_.data(), n, pos_);
    bpos_ = 0;
  }
  Reader& r_;
  uint64_t size_;
  uint64_t pos_ = 0;
  std::vector<uint8_t> buf_;
  uint64_t bpos_ = 0;
};

uint64_t meta_size(uint32_t t) {
  switch (t) {
    case U8: case I8: case BOOL: return 1;
    case U16: case I16: return 2;
    case U32: case I32: case F32: return 4;
    default: return 8;
  }
}

array read_numbers(Cursor& c, Dtype d, uint64_t count, bool scalar) {
  uint64_t nbytes = checked_mul(count, d.size, "[load_gguf] Metadata array is too large");
  if (nbytes > c.remaining()) fail("Metadata array runs past the end of the file");
  auto data = alloc_data(nbytes);
  c.read(data->ptr, nbytes);
  if (d == bool_) {
    auto* b = static_cast<uint8_t*>(data->ptr);
    for (uint64_t k = 0; k < nbytes; ++k) b[k] = b[k] != 0;
  }
  Shape shape = scalar ? Shape{} : Shape{static_cast<ShapeElem>(count)};
  Strides st = row_major_strides(shape);
  return array(std::move(data), std::move(shape), std::move(st), d, 0);
}

GGUFValue read_value(Cursor& c, uint32_t type, const std::string& key) {
  Dtype d = float32;
  if (type == STRING) return c.string();
  if (meta_dtype(type, d)) return read_numbers(c, d, 1, true);
  if (type != ARRAY) fail(msg("Metadata '", key, "' has unknown value type ", type));
  uint32_t et = c.get<uint32_t>();
  uint64_t count = c.get<uint64_t>();
  if (et == STRING) {
    if (count > c.remaining() / 8) fail(msg("Metadata '", key, "': array length runs past the end of the file"));
    std::vector<std::string> out;
    for (uint64_t k = 0; k < count; ++k) out.push_back(c.string());
    return out;
  }
  if (et == ARRAY) fail(msg("Metadata '", key, "': nested arrays are not supported"));
  if (!meta_dtype(et, d)) fail(msg("Metadata '", key, "' has unknown array element type ", et));
  if (count > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max()) || count > c.remaining() / meta_size(et))
    fail(msg("Metadata '", key, "': array length runs past the end of the file"));
  return read_numbers(c, d, count, false);
}

struct TensorInfo {
  std::string name;
  Shape shape;
  Dtype dtype = float32;
  uint64_t offset = 0, nbytes = 0;
};

} // namespace

std::pair<NamedArrays, GGUFMetadata> load_gguf(Reader& r) {
  Cursor c(r);
  if (r.size() < 24) fail("File is too short to be a GGUF file");
  char magic[4];
  c.read(magic, 4);
  if (std::memcmp(magic, "GGUF", 4) != 0) fail("Not a GGUF file (bad magic)");
  uint32_t version = c.get<uint32_t>();
  if (version == 0x02000000u || version == 0x03000000u) fail("Big-endian GGUF files are not supported");
  if (version != 2 && version != 3) fail(msg("Unsupported GGUF version ", version, " (2 and 3 are supported)"));
  uint64_t n_tensors = c.get<uint64_t>();
  uint64_t n_kv = c.get<uint64_t>();
  // A key/value takes at least 13 bytes, a tensor info at least 24.
  if (n_kv > c.remaining() / 13) fail(msg("Metadata count ", n_kv, " does not fit in the file"));
  if (n_tensors > c.remaining() / 24) fail(msg("Tensor count ", n_tensors, " does not fit in the file"));

  GGUFMetadata meta;
  uint64_t alignment = 32;
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = c.string();
    uint32_t type = c.get<uint32_t>();
    GGUFValue v = read_value(c, type, key);
    if (key == "general.alignment") {
      if (type != U32) fail("general.alignment must be a uint32");
      uint32_t a = std::get<array>(v).data<uint32_t>()[0];
      if (a == 0 || (a & (a - 1)) != 0) fail(msg("general.alignment ", a, " is not a power of two"));
      alignment = a;
    }
    meta.emplace_back(std::move(key), std::move(v));
  }

  std::vector<TensorInfo> infos;
  for (uint64_t k = 0; k < n_tensors; ++k) {
    TensorInfo t;
    t.name = c.string();
    uint32_t nd = c.get<uint32_t>();
    if (nd > 16) fail(msg("Tensor '", t.name, "' has ", nd, " dimensions (at most 16)"));
    std::vector<uint64_t> dims(nd);
    uint64_t count = 1;
    for (uint32_t d = 0; d < nd; ++d) {
      dims[d] = c.get<uint64_t>();
      if (dims[d] > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max()))
        fail(msg("Tensor '", t.name, "': dimension ", dims[d], " is too large (at most 2**31 - 1)"));
      count = checked_mul(count, dims[d], "[load_gguf] Tensor shape is too large");
    }
    for (uint32_t d = nd; d-- > 0;) t.shape.push_back(static_cast<ShapeElem>(dims[d]));
    uint32_t type = c.get<uint32_t>();
    bool found = false;
    for (auto& e : tensor_types) {
      if (e.type == type) {
        t.dtype = e.dtype;
        found = true;
      }
    }
    if (!found)
      fail(msg("Tensor '", t.name, "' has ggml type ", quantized_name(type), " (", type,
               "), which is not supported: only F32, F16, BF16, F64, I8, I16, I32 and I64 tensors load"));
    t.nbytes = checked_mul(count, t.dtype.size, "[load_gguf] Tensor shape is too large");
    t.offset = c.get<uint64_t>();
    infos.push_back(std::move(t));
  }
  uint64_t data_start = c.pos();
  data_start = checked_add(data_start, (alignment - data_start % alignment) % alignment, "[load_gguf] Bad alignment");
  if (data_start > r.size() && !infos.empty()) fail("The tensor data section starts past the end of the file");
  uint64_t data_size = data_start <= r.size() ? r.size() - data_start : 0;
  for (auto& t : infos) {
    if (t.offset > data_size || t.nbytes > data_size - t.offset)
      fail(msg("Tensor '", t.name, "' has a data offset or size past the end of the file"));
  }
  std::vector<const TensorInfo*> order;
  for (auto& t : infos)
    if (t.nbytes) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t k = 1; k < order.size(); ++k)
    if (order[k]->offset < order[k - 1]->offset + order[k - 1]->nbytes)
      fail(msg("Tensors '", order[k - 1]->name, "' and '", order[k]->name, "' overlap"));

  NamedArrays out;
  for (auto& t : infos) {
    auto data = alloc_data(t.nbytes);
    if (t.nbytes) r.read_at(data->ptr, t.nbytes, data_start + t.offset);
    Strides st = row_major_strides(t.shape);
    out.emplace_back(t.name, array(std::move(data), std::move(t.shape), std::move(st), t.dtype, 0));
  }
  return {std::move(out), std::move(meta)};
}

namespace {

bool tensor_type_of(Dtype d, uint32_t& t) {
  for (auto& e : tensor_types) {
    if (e.dtype == d) {
      t = e.type;
      return true;
    }
  }
  return false;
}

uint64_t alignment_of(const GGUFMetadata& metadata) {
  for (auto& [k, v] : metadata) {
    if (k != "general.alignment") continue;
    auto* a = std::get_if<array>(&v);
    if (!a || a->ndim() != 0 || a->dtype() != uint32)
      throw std::invalid_argument("[save_gguf] general.alignment must be a uint32 scalar array");
    uint32_t x = const_cast<array*>(a)->data<uint32_t>()[0];
    if (x == 0 || (x & (x - 1)) != 0) throw std::invalid_argument("[save_gguf] general.alignment must be a power of two");
    return x;
  }
  return 32;
}

void put_string(Writer& w, const std::string& s) {
  uint64_t n = s.size();
  w.write(&n, 8);
  w.write(s.data(), n);
}

template <typename T>
void put(Writer& w, T v) {
  w.write(&v, sizeof(T));
}

} // namespace

void check_gguf(const NamedArrays& arrays, const GGUFMetadata& metadata) {
  for (auto& [name, a] : arrays) {
    uint32_t t;
    if (!tensor_type_of(a.dtype(), t))
      throw std::runtime_error(msg("[save_gguf] Array '", name, "' has dtype ", dtype_name(a.dtype()),
                                      ", which GGUF cannot store (float32, float16, bfloat16, float64, int8, "
                                      "int16, int32 and int64 can)"));
    if (a.ndim() > 16) throw std::runtime_error(msg("[save_gguf] Array '", name, "' has more than 16 dimensions"));
  }
  for (auto& [key, v] : metadata) {
    if (auto* a = std::get_if<array>(&v)) {
      uint32_t t;
      if (a->ndim() > 1)
        throw std::runtime_error(msg("[save_gguf] Metadata '", key, "' must be a scalar or 1-D array, got ", a->ndim(), " dimensions"));
      if (!meta_type_of(a->dtype(), t))
        throw std::invalid_argument(msg("[save_gguf] Metadata '", key, "' has dtype ", dtype_name(a->dtype()),
                                        ", which GGUF metadata cannot store"));
    }
  }
  alignment_of(metadata);
}

void save_gguf(Writer& w, const NamedArrays& arrays, const GGUFMetadata& metadata) {
  check_gguf(arrays, metadata);
  const uint64_t alignment = alignment_of(metadata);
  w.write("GGUF", 4);
  put<uint32_t>(w, 3);
  put<uint64_t>(w, arrays.size());
  put<uint64_t>(w, metadata.size());
  uint64_t pos = 24;
  // Counts bytes as they go so the data section can be aligned.
  struct Counting : Writer {
    Writer& w;
    uint64_t& pos;
    Counting(Writer& w_, uint64_t& p) : w(w_), pos(p) {}
    void write(const void* s, uint64_t n) override {
      w.write(s, n);
      pos += n;
    }
    void reserve(uint64_t n) override { w.reserve(n); }
  } cw(w, pos);
  for (auto& [key, v] : metadata) {
    put_string(cw, key);
    if (auto* s = std::get_if<std::string>(&v)) {
      put<uint32_t>(cw, STRING);
      put_string(cw, *s);
    } else if (auto* l = std::get_if<std::vector<std::string>>(&v)) {
      put<uint32_t>(cw, ARRAY);
      put<uint32_t>(cw, STRING);
      put<uint64_t>(cw, l->size());
      for (auto& s : *l) put_string(cw, s);
    } else {
      auto& a = std::get<array>(v);
      uint32_t t = 0;
      meta_type_of(a.dtype(), t);
      if (a.ndim() == 1) {
        put<uint32_t>(cw, ARRAY);
        put<uint32_t>(cw, t);
        put<uint64_t>(cw, a.size());
      } else {
        put<uint32_t>(cw, t);
      }
      write_row_major(cw, a);
    }
  }
  uint64_t offset = 0;
  for (auto& [name, a] : arrays) {
    put_string(cw, name);
    put<uint32_t>(cw, static_cast<uint32_t>(a.ndim()));
    for (int d = a.ndim(); d-- > 0;) put<uint64_t>(cw, static_cast<uint64_t>(a.shape(d)));
    uint32_t t = 0;
    tensor_type_of(a.dtype(), t);
    put<uint32_t>(cw, t);
    put<uint64_t>(cw, offset);
    offset += a.nbytes();
    offset += (alignment - offset % alignment) % alignment;
  }
  static const char zeros[256] = {};
  auto pad = [&] {
    uint64_t n = (alignment - pos % alignment) % alignment;
    while (n > 0) {
      uint64_t k = std::min<uint64_t>(n, sizeof(zeros));
      cw.write(zeros, k);
      n -= k;
    }
  };
  pad();
  cw.reserve(offset);
  for (auto& [name, a] : arrays) {
    write_row_major(cw, a);
    pad();
  }
}

} // namespace mlx::core::io
