#include "mlx_core/io/safetensors.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "mlx_core/errors.h"
#include "mlx_core/io/json.h"

namespace mlx::core::io {

namespace {

constexpr const char* fn = "load_safetensors";
// The reference implementation of the format refuses headers above 100 MB.
constexpr uint64_t max_header = 100ull << 20;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(std::string("[load_safetensors] ") + what);
}

const struct {
  const char* name;
  Dtype dtype;
} dtypes[] = {
    {"BOOL", bool_},   {"U8", uint8},      {"U16", uint16},   {"U32", uint32},  {"U64", uint64},
    {"I8", int8},      {"I16", int16},     {"I32", int32},    {"I64", int64},   {"F16", float16},
    {"BF16", bfloat16}, {"F32", float32},  {"F64", float64},  {"C64", complex64},
};

// 8-bit float formats with no dtype of their own load as their raw bytes (uint8), as in the
// reference; saving writes uint8 as U8.
const char* const raw_byte_dtypes[] = {"F8_E4M3", "F8_E8M0"};

const char* dtype_name_of(Dtype d) {
  for (auto& e : dtypes)
    if (e.dtype == d) return e.name;
  return nullptr;
}

struct Entry {
  std::string name;
  Dtype dtype = float32;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

} // namespace

std::pair<NamedArrays, StringMap> load_safetensors(Reader& r) {
  const uint64_t size = r.size();
  if (size < 8) fail("File is too short to be a safetensors file");
  uint8_t lb[8];
  r.read_at(lb, 8, 0);
  uint64_t hlen = 0;
  for (int k = 0; k < 8; ++k) hlen |= static_cast<uint64_t>(lb[k]) << (8 * k);
  if (hlen > size - 8) fail(msg("Header length ", hlen, " runs past the end of the file (", size, " bytes)"));
  if (hlen > max_header) fail(msg("Header length ", hlen, " is larger than 100 MB"));
  std::string text(hlen, '\0');
  r.read_at(text.data(), hlen, 8);
  Json j = parse_json(text, fn);
  if (j.type != Json::Type::object) fail("The header must be a JSON object");

  const uint64_t data_start = 8 + hlen;
  const uint64_t data_size = size - data_start;
  StringMap metadata;
  std::vector<Entry> entries;
  for (auto& [name, v] : j.fields) {
    if (name == "__metadata__") {
      if (v.type == Json::Type::null) continue;
      if (v.type != Json::Type::object) fail("__metadata__ must be an object of strings");
      for (auto& [k, mv] : v.fields) {
        if (mv.type != Json::Type::string) fail(msg("__metadata__ value of '", k, "' must be a string"));
        metadata.emplace_back(k, mv.s);
      }
      continue;
    }
    if (v.type != Json::Type::object) fail(msg("Tensor '", name, "' must be described by an object"));
    Entry e;
    e.name = name;
    const Json* dt = v.find("dtype");
    const Json* sh = v.find("shape");
    const Json* off = v.find("data_offsets");
    if (!dt || !sh || !off) fail(msg("Tensor '", name, "' needs dtype, shape and data_offsets"));
    if (dt->type != Json::Type::string) fail(msg("Tensor '", name, "': dtype must be a string"));
    bool found = false;
    for (auto& d : dtypes) {
      if (dt->s == d.name) {
        e.dtype = d.dtype;
        found = true;
      }
    }
    for (auto* raw : raw_byte_dtypes) {
      if (dt->s == raw) {
        e.dtype = uint8;
        found = true;
      }
    }
    if (!found) fail(msg("Tensor '", name, "' has unsupported dtype '", dt->s, "'"));
    if (sh->type != Json::Type::array) fail(msg("Tensor '", name, "': shape must be a list"));
    uint64_t count = 1;
    for (auto& d : sh->items) {
      uint64_t x;
      if (!d.as_u64(x)) fail(msg("Tensor '", name, "': shape entries must be non-negative integers"));
      if (x > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max()))
        fail(msg("Tensor '", name, "': dimension ", x, " is too large (at most 2**31 - 1)"));
      e.shape.push_back(static_cast<ShapeElem>(x));
      count = checked_mul(count, x, "[load_safetensors] Tensor shape is too large");
    }
    uint64_t nbytes = checked_mul(count, e.dtype.size, "[load_safetensors] Tensor shape is too large");
    if (off->type != Json::Type::array || off->items.size() != 2 || !off->items[0].as_u64(e.begin) ||
        !off->items[1].as_u64(e.end))
      fail(msg("Tensor '", name, "': data_offsets must be two non-negative integers"));
    if (e.begin > e.end) fail(msg("Tensor '", name, "': data_offsets end before they begin"));
    if (e.end > data_size)
      fail(msg("Tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] run past the end of the data (",
               data_size, " bytes)"));
    if (e.end - e.begin != nbytes)
      fail(msg("Tensor '", name, "': data_offsets span ", e.end - e.begin, " bytes but its shape and dtype need ",
               nbytes));
    entries.push_back(std::move(e));
  }
  // No two tensors may share bytes.
  std::vector<const Entry*> order;
  for (auto& e : entries)
    if (e.end > e.begin) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t k = 1; k < order.size(); ++k) {
    if (order[k]->begin < order[k - 1]->end)
      fail(msg("Tensors '", order[k - 1]->name, "' and '", order[k]->name, "' overlap"));
  }

  NamedArrays out;
  out.reserve(entries.size());
  for (auto& e : entries) {
    uint64_t nbytes = e.end - e.begin;
    auto data = alloc_data(nbytes);
    if (nbytes) r.read_at(data->ptr, nbytes, data_start + e.begin);
    if (e.dtype == bool_) {
      auto* b = static_cast<uint8_t*>(data->ptr);
      for (uint64_t k = 0; k < nbytes; ++k) b[k] = b[k] != 0;
    }
    Strides st = row_major_strides(e.shape);
    out.emplace_back(e.name, array(std::move(data), std::move(e.shape), std::move(st), e.dtype, 0));
  }
  return {std::move(out), std::move(metadata)};
}

void check_safetensors(const NamedArrays& arrays) {
  for (auto& [name, a] : arrays) {
    if (name == "__metadata__") throw std::invalid_argument("[save_safetensors] '__metadata__' is reserved and cannot name an array");
    if (!dtype_name_of(a.dtype()))
      throw std::runtime_error(msg("[save_safetensors] Array '", name, "' has unsupported dtype ", dtype_name(a.dtype())));
  }
}

void save_safetensors(Writer& w, const NamedArrays& arrays, const StringMap& metadata) {
  check_safetensors(arrays);
  std::string h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    for (size_t k = 0; k < metadata.size(); ++k) {
      if (k) h += ",";
      h += json_quote(metadata[k].first) + ":" + json_quote(metadata[k].second);
    }
    h += "}";
  }
  uint64_t offset = 0;
  for (auto& [name, a] : arrays) {
    if (h.size() > 1) h += ",";
    h += json_quote(name) + ":{\"dtype\":\"" + dtype_name_of(a.dtype()) + "\",\"shape\":[";
    for (int k = 0; k < a.ndim(); ++k) h += msg(k ? "," : "", a.shape(k));
    uint64_t end = offset + a.nbytes();
    h += msg("],\"data_offsets\":[", offset, ",", end, "]}");
    offset = end;
  }
  h += "}";
  // Pad with spaces so the data starts 8-byte aligned.
  h.append((8 - h.size() % 8) % 8, ' ');
  uint8_t lb[8];
  for (int k = 0; k < 8; ++k) lb[k] = static_cast<uint8_t>(static_cast<uint64_t>(h.size()) >> (8 * k));
  w.reserve(8 + h.size() + offset);
  w.write(lb, 8);
  w.write(h.data(), h.size());
  for (auto& [name, a] : arrays) write_row_major(w, a);
}

} // namespace mlx::core::io
