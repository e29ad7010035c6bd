#include "mlx_core/io/gguf.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

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

// Quantized tensor types that load as the packed (weight, scales, biases) triple: blocks of 32
// values, a float16 scale d first (and a float16 minimum m for Q4_1), then the values.
struct QuantType {
  uint32_t type;
  int bits;
  uint64_t block_bytes;
};
const QuantType quant_types[] = {{2, 4, 18} /* Q4_0 */, {3, 4, 20} /* Q4_1 */, {8, 8, 34} /* Q8_0 */};
constexpr uint64_t quant_block = 32;

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

// A 1-d array of `count` numbers.
array read_numbers(Cursor& c, Dtype d, uint64_t count) {
  uint64_t nbytes = checked_mul(count, d.size, "[load_gguf] Metadata array is too large");
  if (nbytes > c.remaining()) fail("Metadata array runs past the end of the file");
  auto data = alloc_data(nbytes);
  c.read(data->ptr, nbytes);
  if (d == bool_) {
    auto* b = static_cast<uint8_t*>(data->ptr);
    for (uint64_t k = 0; k < nbytes; ++k) b[k] = b[k] != 0;
  }
  Shape shape{static_cast<ShapeElem>(count)};
  Strides st = row_major_strides(shape);
  return array(std::move(data), std::move(shape), std::move(st), d, 0);
}

GGUFValue read_value(Cursor& c, uint32_t type, const std::string& key) {
  Dtype d = float32;
  if (type == STRING) return c.string();
  if (meta_dtype(type, d)) {
    GGUFScalar v{d, 0};
    c.read(&v.bits, d.size);
    if (d == bool_) v.bits = v.bits != 0;
    return v;
  }
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
  return read_numbers(c, d, count);
}

struct TensorInfo {
  std::string name;
  Shape shape;
  Dtype dtype = float32;
  const QuantType* quant = nullptr; // a packed quantized type, or plain elements
  uint64_t offset = 0, nbytes = 0;
};

uint16_t half_bits(float x) {
  float16_t h = static_cast<float16_t>(x);
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}

float half_value(const uint8_t* p) {
  float16_t h;
  std::memcpy(&h, p, 2);
  return static_cast<float>(h);
}

// Unpacks the blocks of a quantized tensor into the reference's packed layout: 32 values per
// group in little-endian uint32 words (value i of a word in bits [bits*i, bits*(i+1))), unsigned
// (Q8_0's int8 values offset by 128), with one float16 scale and bias per group such that
// value * scale + bias is the tensor's value.
void read_quantized(Reader& r, uint64_t offset, const TensorInfo& t, NamedArrays& out, const std::string& prefix) {
  const QuantType& q = *t.quant;
  const uint64_t groups = t.nbytes / q.block_bytes;
  const uint64_t wbytes = quant_block * q.bits / 8;
  auto w = alloc_data(groups * wbytes);
  auto sc = alloc_data(groups * 2);
  auto bi = alloc_data(groups * 2);
  auto* wp = static_cast<uint8_t*>(w->ptr);
  auto* sp = static_cast<uint16_t*>(sc->ptr);
  auto* bp = static_cast<uint16_t*>(bi->ptr);
  // Through a bounded staging buffer of whole blocks.
  const uint64_t per_chunk = std::max<uint64_t>(1, (1 << 20) / q.block_bytes);
  std::vector<uint8_t> buf(std::min(groups, per_chunk) * q.block_bytes);
  for (uint64_t g0 = 0; g0 < groups; g0 += per_chunk) {
    uint64_t n = std::min(per_chunk, groups - g0);
    r.read_at(buf.data(), n * q.block_bytes, offset + g0 * q.block_bytes);
    for (uint64_t g = g0; g < g0 + n; ++g) {
      const uint8_t* b = buf.data() + (g - g0) * q.block_bytes;
      uint8_t* o = wp + g * wbytes;
      const float d = half_value(b);
      std::memcpy(sp + g, b, 2);
      if (q.type == 8) { // Q8_0: d, 32 int8
        for (int i = 0; i < 32; ++i) o[i] = static_cast<uint8_t>(b[2 + i] ^ 0x80);
        bp[g] = half_bits(-128.0f * d);
        continue;
      }
      // Q4_0: d, 16 bytes; Q4_1: d, m, 16 bytes. Value i < 16 is the low nibble of byte i,
      // value 16 + i its high nibble.
      const uint8_t* qs = b + (q.type == 3 ? 4 : 2);
      for (int k = 0; k < 8; ++k) o[k] = static_cast<uint8_t>((qs[2 * k] & 0x0f) | ((qs[2 * k + 1] & 0x0f) << 4));
      for (int k = 0; k < 8; ++k) o[8 + k] = static_cast<uint8_t>((qs[2 * k] >> 4) | (qs[2 * k + 1] & 0xf0));
      if (q.type == 3) std::memcpy(bp + g, b + 2, 2);
      else bp[g] = half_bits(-8.0f * d);
    }
  }
  Shape ws = t.shape, ss = t.shape;
  const ShapeElem last = t.shape.back();
  ws.back() = static_cast<ShapeElem>(last / quant_block * q.bits);
  ss.back() = static_cast<ShapeElem>(last / quant_block);
  Strides wst = row_major_strides(ws), sst = row_major_strides(ss);
  out.emplace_back(t.name, array(std::move(w), ws, std::move(wst), uint32, 0));
  out.emplace_back(prefix + ".scales", array(std::move(sc), ss, sst, float16, 0));
  out.emplace_back(prefix + ".biases", array(std::move(bi), std::move(ss), std::move(sst), float16, 0));
}

} // namespace

array gguf_scalar_array(const GGUFScalar& s) {
  return array(&s.bits, Shape{}, s.dtype);
}

std::pair<NamedArrays, GGUFMetadata> load_gguf(Reader& r, bool with_metadata) {
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
  std::unordered_map<std::string, size_t> where; // key -> its place in meta
  if (with_metadata) where.reserve(static_cast<size_t>(std::min<uint64_t>(n_kv, 1 << 20)));
  uint64_t alignment = 32;
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = c.string();
    uint32_t type = c.get<uint32_t>();
    GGUFValue v = read_value(c, type, key);
    if (key == "general.alignment") {
      if (type != U32) fail("general.alignment must be a uint32");
      uint32_t a = static_cast<uint32_t>(std::get<GGUFScalar>(v).bits);
      if (a == 0 || (a & (a - 1)) != 0) fail(msg("general.alignment ", a, " is not a power of two"));
      alignment = a;
    }
    if (!with_metadata) continue;
    auto [it, fresh] = where.try_emplace(key, meta.size());
    if (fresh) meta.emplace_back(std::move(key), std::move(v));
    else meta[it->second].second = std::move(v);
  }
  where.clear();

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
    for (auto& q : quant_types) {
      if (q.type == type) {
        t.quant = &q;
        found = true;
      }
    }
    if (!found)
      fail(msg("Tensor '", t.name, "' has ggml type ", quantized_name(type), " (", type,
               "), which is not supported: F32, F16, BF16, F64, I8, I16, I32, I64, Q4_0, Q4_1 and Q8_0 "
               "tensors load"));
    if (t.quant) {
      if (nd == 0 || dims[0] % quant_block != 0)
        fail(msg("Tensor '", t.name, "' of type ", quantized_name(type), " has a last dimension of ",
                 nd ? dims[0] : 1, ", which is not a multiple of ", quant_block));
      t.nbytes = checked_mul(count / quant_block, t.quant->block_bytes, "[load_gguf] Tensor shape is too large");
    } else {
      t.nbytes = checked_mul(count, t.dtype.size, "[load_gguf] Tensor shape is too large");
    }
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

  // Every name a tensor gives must be new (as the reference, which refuses duplicates).
  std::unordered_set<std::string> names;
  auto claim = [&](const std::string& n) {
    if (!names.insert(n).second) fail(msg("Duplicate tensor name '", n, "'"));
  };
  std::vector<std::string> prefixes(infos.size());
  for (size_t k = 0; k < infos.size(); ++k) {
    auto& t = infos[k];
    claim(t.name);
    if (!t.quant) continue;
    const std::string suffix = ".weight";
    bool strip = t.name.size() >= suffix.size() && t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0;
    prefixes[k] = strip ? t.name.substr(0, t.name.size() - suffix.size()) : t.name;
    claim(prefixes[k] + ".scales");
    claim(prefixes[k] + ".biases");
  }
  names.clear();

  NamedArrays out;
  for (size_t k = 0; k < infos.size(); ++k) {
    auto& t = infos[k];
    if (t.quant) {
      read_quantized(r, data_start + t.offset, t, out, prefixes[k]);
      continue;
    }
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
    if (auto* s = std::get_if<GGUFScalar>(&v)) {
      uint32_t x = static_cast<uint32_t>(s->bits);
      if (s->dtype != uint32 || x == 0 || (x & (x - 1)) != 0)
        throw std::invalid_argument("[save_gguf] general.alignment must be a uint32 power of two");
      return x;
    }
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
    if (auto* s = std::get_if<GGUFScalar>(&v)) {
      uint32_t t;
      if (!meta_type_of(s->dtype, t))
        throw std::invalid_argument(msg("[save_gguf] Metadata '", key, "' has dtype ", dtype_name(s->dtype),
                                        ", which GGUF metadata cannot store"));
    }
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
    } else if (auto* sc = std::get_if<GGUFScalar>(&v)) {
      uint32_t t = 0;
      meta_type_of(sc->dtype, t);
      put<uint32_t>(cw, t);
      cw.write(&sc->bits, sc->dtype.size);
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
