// Transform rules of RandomBits: a key has no gradient; vmap draws per key.
#include "mlx_core/primitives/random.h"

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

// A key is an integer input: asking for its gradient is an error (as in the reference),
// never a silent zero. (A key that does not depend on the differentiated values never
// gets here.)
std::vector<array> RandomBits::vjp(const std::vector<array>&, const std::vector<array>&,
                                   const std::vector<int>&, const std::vector<array>&) {
  throw std::invalid_argument("[RandomBits] Cannot calculate VJP with respect to the key.");
}
std::vector<array> RandomBits::jvp(const std::vector<array>&, const std::vector<array>&,
                                   const std::vector<int>&) {
  throw std::invalid_argument("[RandomBits] Cannot calculate JVP with respect to the key.");
}

std::pair<std::vector<array>, std::vector<int>> RandomBits::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  // The kernel draws once per key of a batch: keys (B, ..., 2) -> outputs (B, ..., *shape).
  array keys = detail::batch_to_front(inputs[0], axes[0]);
  Shape out_shape(keys.shape().begin(), keys.shape().end() - 1);
  out_shape.insert(out_shape.end(), shape_.begin(), shape_.end());
  Dtype dt = unit_float_ ? float32 : uint32;
  return {{array(std::move(out_shape), dt, std::make_shared<RandomBits>(stream(), shape_, unit_float_), {keys})}, {0}};
}

std::vector<Shape> RandomBits::output_shapes(const std::vector<array>& inputs) {
  Shape out(inputs[0].shape().begin(), inputs[0].shape().end() - 1);
  out.insert(out.end(), shape_.begin(), shape_.end());
  return {out};
}

} // namespace mlx::core
