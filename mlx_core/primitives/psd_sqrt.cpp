// Transform rules of PsdSqrt: batched natively; no derivative (as the reference's SVD).
#include "mlx_core/primitives/psd_sqrt.h"

#include <stdexcept>

#include "mlx_core/primitives/batching.h"

namespace mlx::core {

std::vector<array> PsdSqrt::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                                const std::vector<array>&) {
  throw std::invalid_argument("[PsdSqrt::vjp] Not implemented: multivariate_normal has no gradient with respect to cov.");
}

std::vector<array> PsdSqrt::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  throw std::invalid_argument("[PsdSqrt::jvp] Not implemented: multivariate_normal has no gradient with respect to cov.");
}

std::pair<std::vector<array>, std::vector<int>> PsdSqrt::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  array c = detail::batch_to_front(inputs[0], axes[0]);
  return {{array(c.shape(), c.dtype(), std::make_shared<PsdSqrt>(stream()), {c})}, {0}};
}

} // namespace mlx::core
