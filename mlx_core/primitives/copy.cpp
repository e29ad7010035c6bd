// Gradient and batching rules of Copy, AsType and StopGradient.
#include "mlx_core/primitives/copy.h"

#include "mlx_core/ops.h"

namespace mlx::core {

std::vector<array> Copy::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}
std::vector<array> Copy::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {tangents[0]};
}
std::pair<std::vector<array>, std::vector<int>> Copy::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  return {{copy(inputs[0])}, {axes[0]}};
}

std::vector<array> Alias::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                              const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}
std::vector<array> Alias::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  return {tangents[0]};
}
std::pair<std::vector<array>, std::vector<int>> Alias::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  return {{alias(inputs[0])}, {axes[0]}};
}

std::vector<array> AsType::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>&, const std::vector<array>&) {
  return {astype(cotangents[0], primals[0].dtype())};
}
std::vector<array> AsType::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                               const std::vector<int>&) {
  return {astype(tangents[0], dtype_)};
}
std::pair<std::vector<array>, std::vector<int>> AsType::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  return {{astype(inputs[0], dtype_)}, {axes[0]}};
}

std::vector<array> StopGradient::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0])};
}
std::vector<array> StopGradient::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros_like(primals[0])};
}
std::pair<std::vector<array>, std::vector<int>> StopGradient::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  return {{stop_gradient(inputs[0])}, {axes[0]}};
}

} // namespace mlx::core

namespace mlx::core {

std::vector<Shape> Copy::output_shapes(const std::vector<array>& inputs) { return {inputs[0].shape()}; }
std::vector<Shape> Alias::output_shapes(const std::vector<array>& inputs) { return {inputs[0].shape()}; }
std::vector<Shape> AsType::output_shapes(const std::vector<array>& inputs) { return {inputs[0].shape()}; }
std::vector<Shape> StopGradient::output_shapes(const std::vector<array>& inputs) { return {inputs[0].shape()}; }

} // namespace mlx::core
