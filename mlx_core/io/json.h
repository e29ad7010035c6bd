// A small strict JSON reader and string escaper for the safetensors header.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlx::core::io {

struct Json {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool b = false;
  std::string s; // string value, or the number's text
  std::vector<Json> items;                          // array
  std::vector<std::pair<std::string, Json>> fields; // object, in file order

  // The value of a field of an object, or nullptr.
  const Json* find(const std::string& key) const;
  // A non-negative integer number that fits in uint64; false otherwise.
  bool as_u64(uint64_t& out) const;
};

// Parses a complete JSON text; throws std::runtime_error("[fn] ...") on malformed input,
// invalid UTF-8, duplicate object keys or nesting deeper than 64.
Json parse_json(const std::string& text, const char* fn);

// `s` as a quoted JSON string.
std::string json_quote(const std::string& s);

} // namespace mlx::core::io
