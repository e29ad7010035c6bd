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

// Where the parts of a .npy file lie, from its prefix and header.
struct NpyLayout {
  NpyHeader h;
  uint64_t prefix = 0, hlen = 0, nbytes = 0;
};

// Reads the prefix and header through `read(dst, n)` (exact sequential reads that throw at
// the end of the source); `avail` bounds the bytes the source can hold. The data's size is
// checked against `avail` before anything is allocated for it.
template <typename Read>
NpyLayout read_layout(Read&& read, uint64_t avail) {
  if (avail < 10) fail("File is too short to be a .npy file");
  uint8_t pre[12];
  read(pre, 8);
  if (std::memcmp(pre, "\x93NUMPY", 6) != 0) fail("Not a .npy file (bad magic string)");
  NpyLayout l;
  int major = pre[6];
  if (major == 1) {
    read(pre + 8, 2);
    l.prefix = 10;
    l.hlen = static_cast<uint64_t>(pre[8]) | (static_cast<uint64_t>(pre[9]) << 8);
  } else if (major == 2 || major == 3) {
    if (avail < 12) fail("File is too short to be a .npy file");
    read(pre + 8, 4);
    l.prefix = 12;
    l.hlen = static_cast<uint64_t>(pre[8]) | (static_cast<uint64_t>(pre[9]) << 8) |
             (static_cast<uint64_t>(pre[10]) << 16) | (static_cast<uint64_t>(pre[11]) << 24);
  } else {
    fail(msg("Unsupported .npy version ", major, ".", int(pre[7])));
  }
  if (l.hlen > avail - l.prefix) fail("Header length runs past the end of the file");
  // Read in steps so that a header which claims more than the source gives fails early.
  std::string header;
  for (uint64_t got = 0; got < l.hlen;) {
    uint64_t k = std::min<uint64_t>(l.hlen - got, 1 << 20);
    header.resize(got + k);
    read(header.data() + got, k);
    got += k;
  }
  l.h = parse_header(header);
  uint64_t count = 1;
  for (auto d : l.h.shape) count = checked_mul(count, static_cast<uint64_t>(d), "[load_npy] Shape is too large");
  l.nbytes = checked_mul(count, l.h.dtype.size, "[load_npy] Shape is too large");
  uint64_t left = avail - l.prefix - l.hlen;
  if (l.nbytes > left) fail(msg("The header claims ", l.nbytes, " bytes of data but the file holds ", left));
  return l;
}

// The array over data read for layout `l`.
array finish(NpyLayout& l, std::shared_ptr<Data> data) {
  const NpyHeader& h = l.h;
  if (h.swap_unit) byteswap(data->ptr, l.nbytes, h.swap_unit);
  if (h.dtype == bool_) {
    // Any nonzero byte is true.
    auto* b = static_cast<uint8_t*>(data->ptr);
    for (uint64_t k = 0; k < l.nbytes; ++k) b[k] = b[k] != 0;
  }
  Strides strides = row_major_strides(h.shape);
  if (h.fortran && h.shape.size() > 1) {
    int64_t st = 1;
    for (size_t k = 0; k < h.shape.size(); ++k) {
      strides[k] = st;
      st *= std::max<int64_t>(h.shape[k], 1);
    }
  }
  return array(std::move(data), std::move(l.h.shape), std::move(strides), h.dtype, 0);
}

} // namespace

array load_npy(Reader& r, uint64_t offset, uint64_t* consumed) {
  const uint64_t size = r.size();
  if (offset > size) fail("File is too short to be a .npy file");
  uint64_t pos = offset;
  auto read = [&](void* dst, uint64_t n) {
    r.read_at(dst, n, pos);
    pos += n;
  };
  NpyLayout l = read_layout(read, size - offset);
  auto data = alloc_data(l.nbytes);
  if (l.nbytes) r.read_at(data->ptr, l.nbytes, pos);
  if (consumed) *consumed = l.prefix + l.hlen + l.nbytes;
  return finish(l, std::move(data));
}

array load_npy_stream(const StreamRead& read, uint64_t limit, uint64_t direct) {
  auto exact = [&](void* dst, uint64_t n) {
    auto* p = static_cast<uint8_t*>(dst);
    while (n > 0) {
      uint64_t k = read(p, n);
      if (k == 0 || k > n) fail("Unexpected end of data (the member is shorter than its header says)");
      p += k;
      n -= k;
    }
  };
  NpyLayout l = read_layout(exact, limit);
  // Up to `direct` bytes are allocated at once. Beyond, the buffer grows with the bytes that
  // arrive (doubling from 16 MB): while it grows it holds at most three times what was really
  // read, and never the claimed size before the data is there.
  constexpr uint64_t first = 16ull << 20;
  uint64_t cap = l.nbytes <= direct ? l.nbytes : std::min(l.nbytes, first);
  auto data = alloc_data(cap);
  uint64_t got = 0;
  while (got < l.nbytes) {
    if (got == cap) {
      uint64_t next = cap > l.nbytes / 2 ? l.nbytes : cap * 2;
      auto bigger = alloc_data(next);
      std::memcpy(bigger->ptr, data->ptr, got);
      data = std::move(bigger);
      cap = next;
    }
    uint64_t k = read(static_cast<uint8_t*>(data->ptr) + got, cap - got);
    if (k == 0 || k > cap - got)
      fail(msg("The header claims ", l.nbytes, " bytes of data but the member holds ", got));
    got += k;
  }
  return finish(l, std::move(data));
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
