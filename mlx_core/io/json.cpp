#include "mlx_core/io/json.h"

#include <stdexcept>
#include <unordered_set>

#include "mlx_core/errors.h"

namespace mlx::core::io {

const Json* Json::find(const std::string& key) const {
  for (auto& f : fields)
    if (f.first == key) return &f.second;
  return nullptr;
}

bool Json::as_u64(uint64_t& out) const {
  if (type != Type::number || s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

namespace {

struct Parser {
  const std::string& t;
  const char* fn;
  size_t i = 0;

  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(msg("[", fn, "] Invalid JSON header: ", what, " at byte ", i));
  }
  void ws() {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  }
  void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  uint32_t hex4() {
    if (t.size() - i < 4) fail("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = t[i++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }
  // Copies one UTF-8 encoded code point, validating it.
  void utf8_char(std::string& out) {
    auto u = [&](size_t k) { return static_cast<uint8_t>(t[k]); };
    uint8_t c = u(i);
    int n;
    uint32_t cp;
    if (c < 0x80) {
      out += t[i++];
      return;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      fail("invalid UTF-8");
    }
    if (t.size() - i <= static_cast<size_t>(n)) fail("invalid UTF-8");
    for (int k = 1; k <= n; ++k) {
      if ((u(i + k) & 0xC0) != 0x80) fail("invalid UTF-8");
      cp = (cp << 6) | (u(i + k) & 0x3F);
    }
    static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid UTF-8");
    out.append(t, i, n + 1);
    i += n + 1;
  }
  std::string string() {
    if (i >= t.size() || t[i] != '"') fail("expected a string");
    ++i;
    std::string out;
    while (true) {
      if (i >= t.size()) fail("unterminated string");
      char c = t[i];
      if (c == '"') {
        ++i;
        return out;
      }
      if (static_cast<uint8_t>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        utf8_char(out);
        continue;
      }
      if (++i >= t.size()) fail("unterminated escape");
      char e = t[i++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (t.size() - i < 6 || t[i] != '\\' || t[i + 1] != 'u') fail("unpaired surrogate");
            i += 2;
            uint32_t lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
  }
  Json value(int depth) {
    if (depth > 64) fail("nesting too deep");
    ws();
    if (i >= t.size()) fail("unexpected end");
    Json v;
    char c = t[i];
    if (c == '{') {
      v.type = Json::Type::object;
      ++i;
      std::unordered_set<std::string> seen;
      ws();
      if (i < t.size() && t[i] == '}') {
        ++i;
        return v;
      }
      while (true) {
        ws();
        std::string key = string();
        if (!seen.insert(key).second) fail("duplicate key");
        ws();
        if (i >= t.size() || t[i] != ':') fail("expected ':'");
        ++i;
        v.fields.emplace_back(std::move(key), value(depth + 1));
        ws();
        if (i < t.size() && t[i] == ',') {
          ++i;
          continue;
        }
        if (i < t.size() && t[i] == '}') {
          ++i;
          return v;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.type = Json::Type::array;
      ++i;
      ws();
      if (i < t.size() && t[i] == ']') {
        ++i;
        return v;
      }
      while (true) {
        v.items.push_back(value(depth + 1));
        ws();
        if (i < t.size() && t[i] == ',') {
          ++i;
          continue;
        }
        if (i < t.size() && t[i] == ']') {
          ++i;
          return v;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.type = Json::Type::string;
      v.s = string();
      return v;
    }
    if (t.compare(i, 4, "null") == 0) {
      i += 4;
      return v;
    }
    if (t.compare(i, 4, "true") == 0) {
      i += 4;
      v.type = Json::Type::boolean;
      v.b = true;
      return v;
    }
    if (t.compare(i, 5, "false") == 0) {
      i += 5;
      v.type = Json::Type::boolean;
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t start = i;
      if (t[i] == '-') ++i;
      auto digits = [&] {
        size_t s0 = i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
        if (i == s0) fail("bad number");
      };
      digits();
      if (i < t.size() && t[i] == '.') {
        ++i;
        digits();
      }
      if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        digits();
      }
      v.type = Json::Type::number;
      v.s = t.substr(start, i - start);
      return v;
    }
    fail("unexpected character");
  }
};

} // namespace

Json parse_json(const std::string& text, const char* fn) {
  Parser p{text, fn};
  Json v = p.value(0);
  p.ws();
  if (p.i != text.size()) p.fail("trailing characters");
  return v;
}

std::string json_quote(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<uint8_t>(c);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else out += c;
  }
  out += '"';
  return out;
}

} // namespace mlx::core::io
