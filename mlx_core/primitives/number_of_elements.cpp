#include "mlx_core/primitives/number_of_elements.h"

#include <algorithm>

#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/no_gradient.h"

namespace mlx::core {

double NumberOfElements::value(const Shape& shape) const {
  double count = 1;
  for (int ax : axes_) count *= shape[ax];
  count = std::max(count - static_cast<double>(ddof_), 0.0);
  return inverted_ ? 1.0 / count : count;
}

std::vector<array> NumberOfElements::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                         const std::vector<int>& argnums, const std::vector<array>&) {
  return detail::zero_cotangents(primals, argnums);
}

std::vector<array> NumberOfElements::jvp(const std::vector<array>&, const std::vector<array>&,
                                         const std::vector<int>&) {
  return {zeros({}, dtype_)};
}

std::pair<std::vector<array>, std::vector<int>> NumberOfElements::vmap(const std::vector<array>& inputs,
                                                                      const std::vector<int>& axes) {
  // The batch axis is not counted: the axes after it move up by one. The count is the
  // same for every entry; it is repeated along a batch axis, as the rules of the ops that
  // consume it expect a batched operand.
  if (axes[0] < 0) return {{number_of_elements(inputs[0], axes_, inverted_, ddof_, dtype_, stream())}, {-1}};
  std::vector<int> shifted = axes_;
  for (int& a : shifted) a += a >= axes[0];
  array count = number_of_elements(inputs[0], shifted, inverted_, ddof_, dtype_, stream());
  return {{broadcast_to(reshape(count, {1}, stream()), {inputs[0].shape(axes[0])}, stream())}, {0}};
}

array number_of_elements(const array& a, std::vector<int> axes, bool inverted, int64_t ddof, Dtype dtype,
                         StreamOrDevice s) {
  return array(Shape{}, dtype, std::make_shared<NumberOfElements>(to_stream(s), std::move(axes), inverted, ddof, dtype),
               {a});
}

} // namespace mlx::core
