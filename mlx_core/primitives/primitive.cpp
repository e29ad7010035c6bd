#include "mlx_core/primitives/primitive.h"

#include "mlx_core/errors.h"

namespace mlx::core {

void Primitive::eval_gpu(const std::vector<array>&, std::vector<array>&) {
  throw std::invalid_argument(msg("[", name(), "] No GPU backend in this build."));
}

void UnaryPrimitive::eval_gpu(const std::vector<array>&, array&) {
  throw std::invalid_argument(msg("[", name(), "] No GPU backend in this build."));
}

std::vector<Shape> Primitive::output_shapes(const std::vector<array>&) {
  throw std::invalid_argument(msg("[", name(), "] Cannot infer output shapes."));
}

std::vector<array> Primitive::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                                  const std::vector<array>&) {
  throw std::invalid_argument(msg("[", name(), "] vjp is not implemented."));
}

std::vector<array> Primitive::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  throw std::invalid_argument(msg("[", name(), "] jvp is not implemented."));
}

std::pair<std::vector<array>, std::vector<int>> Primitive::vmap(const std::vector<array>&, const std::vector<int>&) {
  throw std::invalid_argument(msg("[", name(), "] vmap is not implemented."));
}

} // namespace mlx::core
