#include "mlx_core/utils.h"

#include <sstream>
#include <stdexcept>

#include "mlx_core/errors.h"

namespace mlx::core {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) os << ",";
    os << s[i];
  }
  os << ")";
  return os.str();
}

std::optional<int> axis_in_range(int64_t axis, int64_t ndim) {
  int64_t a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) return std::nullopt;
  return static_cast<int>(a);
}

int normalize_axis(int axis, int ndim, const char* op) {
  auto a = axis_in_range(axis, ndim);
  if (!a) {
    throw std::out_of_range(msg("[", op, "] Invalid axis ", axis, " for array with ", ndim, " dimensions."));
  }
  return *a;
}

} // namespace mlx::core
