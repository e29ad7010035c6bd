#include "mlx_core/io/npy.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlx_core/errors.h"

namespace mlx::core::io {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("[load_npy] " + what);
}

// The header is a Python dict literal; this reads the subset NumPy writes.
struct HeaderParser {
  const std::string& s;
  size_t i = 0;

  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(msg("Malformed header: expected '", c, "' at position ", i));
  }
  std::string str() {
    ws();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) fail("Malformed header: expected a string");
    char q = s[i++];
    std::string out;
    while (i < s.size() && s[i] != q) {
      if (s[i] == '\\') fail("Malformed header: escapes are not supported");
      out += s[i++];
    }
    if (i >= s.size()) fail("Malformed header: unterminated string");
    ++i;
    return out;
  }
  bool boolean() {
    ws();
    if (s.compare(i, 4, "True") == 0) {
      i += 4;
      return true;
    }
    if (s.compare(i, 5, "False") == 0) {
      i += 5;
      return false;
    }
    fail("Malformed header: fortran_order must be True or False");
  }
  int64_t integer() {
    ws();
    if (i < s.size() && s[i] == '-') fail("Malformed header: negative dimension in shape");
    if (i >= s.size() || s[i] < '0' || s[i] > '9') fail("Malformed header: expected an integer in shape");
    uint64_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<uint64_t>(s[i++] - '0');
      if (v > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max()))
        fail("Dimension in shape is too large (at most 2**31 - 1)");
    }
    if (i < s.size() && s[i] == 'L') ++i; // Python 2 long
    return static_cast<int64_t>(v);
  }
  Shape shape() {
    expect('(');
    Shape out;
    if (eat(')')) return out;
    while (true) {
      out.push_back(static_cast<ShapeElem>(integer()));
      if (eat(')')) return out;
      expect(',');
      if (eat(')')) return out;
    }
  }
};

struct NpyHeader {
  Dtype dtype = float32;
  int swap_unit = 0; // byte-swap word size (0: none)
  bool fortran = false;
  Shape shape;
};

void parse_descr(const std::string& d, NpyHeader& h) {
  if (d.empty()) fail("Empty dtype descr");
  char order = d[0];
  std::string t = d;
  bool big = false;
  if (order == '<' || order == '>' || order == '|' || order == '=') {
    big = order == '>';
    t = d.substr(1);
  }
  static const struct {
    const char* code;
    Dtype dtype;
  } table[] = {
      {"b1", bool_},    {"u1", uint8},    {"u2", uint16},  {"u4", uint32},   {"u8", uint64},
      {"i1", int8},     {"i2", int16},    {"i4", int32},   {"i8", int64},    {"f2", float16},
      {"f4", float32},  {"f8", float64},  {"c8", complex64}, {"V2", bfloat16}, {"?", bool_},
      {"B", uint8},     {"b", int8},
  };
  for (auto& e : table) {
    if (t == e.code) {
      h.dtype = e.dtype;
      if (big && e.dtype.size > 1) h.swap_unit = e.dtype == complex64 ? 4 : e.dtype.size;
      return;
    }
  }
  fail(msg("Unsupported dtype '", d, "' (supported: bool, (u)int8-64, float16/32/64, complex64, bfloat16 as '<V2')"));
}

NpyHeader parse_header(const std::string& s) {
  HeaderParser p{s};
  NpyHeader h;
  bool got_descr = false, got_order = false, got_shape = false;
  p.expect('{');
  while (!p.eat('}')) {
    std::string key = p.str();
    p.expect(':');
    if (key == "descr") {
      p.ws();
      if (p.i < s.size() && s[p.i] == '[') fail("Structured dtypes are not supported");
      parse_descr(p.str(), h);
      got_descr = true;
    } else if (key == "fortran_order") {
      h.fortran = p.boolean();
      got_order = true;
    } else if (key == "shape") {
      h.shape = p.shape();
      got_shape = true;
    } else {
      fail(msg("Malformed header: unexpected key '", key, "'"));
    }
    if (!p.eat(',')) {
      p.expect('}');
      break;
    }
  }
  if (!got_descr || !got_order || !got_shape)
    fail("Malformed header: it must have 'descr', 'fortran_order' and 'shape'");
  return h;
}

} // namespace

array load_npy(Reader& r, uint64_t offset, uint64_t* consumed) {
  const uint64_t size = r.size();
  if (offset > size || size - offset < 10) fail("File is too short to be a .npy file");
  uint8_t pre[12];
  r.read_at(pre, 8, offset);
  if (std::memcmp(pre, "\x93NUMPY", 6) != 0) fail("Not a .npy file (bad magic string)");
  int major = pre[6];
  uint64_t prefix, hlen;
  if (major == 1) {
    r.read_at(pre + 8, 2, offset + 8);
    prefix = 10;
    hlen = static_cast<uint64_t>(pre[8]) | (static_cast<uint64_t>(pre[9]) << 8);
  } else if (major == 2 || major == 3) {
    if (size - offset < 12) fail("File is too short to be a .npy file");
    r.read_at(pre + 8, 4, offset + 8);
    prefix = 12;
    hlen = static_cast<uint64_t>(pre[8]) | (static_cast<uint64_t>(pre[9]) << 8) |
           (static_cast<uint64_t>(pre[10]) << 16) | (static_cast<uint64_t>(pre[11]) << 24);
  } else {
    fail(msg("Unsupported .npy version ", major, ".", int(pre[7])));
  }
  if (hlen > size - offset - prefix) fail("Header length runs past the end of the file");
  std::string header(hlen, '\0');
  r.read_at(header.data(), hlen, offset + prefix);
  NpyHeader h = parse_header(header);

  uint64_t count = 1;
  for (auto d : h.shape) count = checked_mul(count, static_cast<uint64_t>(d), "[load_npy] Shape is too large");
  uint64_t nbytes = checked_mul(count, h.dtype.size, "[load_npy] Shape is too large");
  uint64_t data_start = offset + prefix + hlen;
  if (nbytes > size - data_start)
    fail(msg("The header claims ", nbytes, " bytes of data but the file holds ", size - data_start));

  auto data = alloc_data(nbytes);
  if (nbytes) r.read_at(data->ptr, nbytes, data_start);
  if (h.swap_unit) byteswap(data->ptr, nbytes, h.swap_unit);
  if (h.dtype == bool_) {
    // Any nonzero byte is true.
    auto* b = static_cast<uint8_t*>(data->ptr);
    for (uint64_t k = 0; k < nbytes; ++k) b[k] = b[k] != 0;
  }
  if (consumed) *consumed = prefix + hlen + nbytes;
  Strides strides = row_major_strides(h.shape);
  if (h.fortran && h.shape.size() > 1) {
    int64_t st = 1;
    for (size_t k = 0; k < h.shape.size(); ++k) {
      strides[k] = st;
      st *= std::max<int64_t>(h.shape[k], 1);
    }
  }
  return array(std::move(data), std::move(h.shape), std::move(strides), h.dtype, 0);
}

namespace {

const char* descr_of(Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return "|b1";
    case Dtype::Val::uint8: return "|u1";
    case Dtype::Val::uint16: return "<u2";
    case Dtype::Val::uint32: return "<u4";
    case Dtype::Val::uint64: return "<u8";
    case Dtype::Val::int8: return "|i1";
    case Dtype::Val::int16: return "<i2";
    case Dtype::Val::int32: return "<i4";
    case Dtype::Val::int64: return "<i8";
    case Dtype::Val::float16: return "<f2";
    case Dtype::Val::bfloat16: return "<V2";
    case Dtype::Val::float32: return "<f4";
    case Dtype::Val::float64: return "<f8";
    case Dtype::Val::complex64: return "<c8";
  }
  return "";
}

} // namespace

void save_npy(Writer& w, const array& a) {
  static_assert(std::endian::native == std::endian::little, "big-endian hosts are not supported");
  // A column-major array is written as it lies (fortran_order); anything else row-major.
  bool fortran = a.ndim() > 1 && !a.flags().row_contiguous && a.flags().col_contiguous;
  std::string h = msg("{'descr': '", descr_of(a.dtype()), "', 'fortran_order': ",
                      fortran ? "True" : "False", ", 'shape': (");
  for (int k = 0; k < a.ndim(); ++k) h += msg(a.shape(k), a.ndim() == 1 ? ",)" : (k + 1 < a.ndim() ? ", " : ")"));
  if (a.ndim() == 0) h += ")";
  h += ", }";
  // Pad with spaces and a newline so the data starts on a 64-byte boundary.
  uint64_t prefix = 10;
  if (h.size() + 1 + prefix > 65535) prefix = 12;
  uint64_t total = prefix + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  uint64_t hlen = h.size();
  uint8_t pre[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(prefix == 10 ? 1 : 2), 0};
  for (uint64_t k = 0; k < prefix - 8; ++k) pre[8 + k] = static_cast<uint8_t>(hlen >> (8 * k));
  w.reserve(prefix + hlen + static_cast<uint64_t>(a.nbytes()));
  w.write(pre, prefix);
  w.write(h.data(), hlen);
  if (fortran) write_raw(w, a);
  else write_row_major(w, a);
}

} // namespace mlx::core::io
