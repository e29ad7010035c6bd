#include "mlx_core/ops/axes.h"

#include <numeric>
#include <set>
#include <stdexcept>

#include "mlx_core/errors.h"
#include "mlx_core/utils.h"

namespace mlx::core::detail {

std::vector<int> every_axis(const array& a) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

std::vector<int> reduction_axes(const std::vector<int>& axes, int ndim) {
  std::set<int> seen;
  for (int ax : axes) {
    auto n = axis_in_range(ax, ndim);
    if (!n) throw std::out_of_range(msg("Invalid axis ", ax, " for array with ", ndim, " dimensions."));
    if (!seen.insert(*n).second) throw std::invalid_argument("Duplicate axes detected in reduction.");
  }
  return {seen.begin(), seen.end()};
}

} // namespace mlx::core::detail
