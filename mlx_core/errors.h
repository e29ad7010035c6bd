// Exception types of the engine. The bindings map them to Python:
// std::invalid_argument -> ValueError, std::out_of_range -> IndexError,
// type_error -> TypeError, anything else -> RuntimeError.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace mlx::core {

class type_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  append(os, rest...);
}
} // namespace detail

// Concatenates the arguments with operator<< into one message.
template <typename... Args>
std::string msg(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  return os.str();
}

} // namespace mlx::core
