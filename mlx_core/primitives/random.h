// RandomBits: counter-based random 32-bit words (threefry-2x32, 20 rounds) from a key.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// inputs: (keys) of shape (*batch, 2) uint32; output: uint32 of shape (*batch, *shape_), one draw of
// shape_ per key (the public op takes one key, vmap passes a batch). Word i of an output of n
// words comes from the pair of counters (i, i + ceil(n/2)) hashed with the key: the first half of
// the output holds the first words of the hashes, the second half the second words (for odd n,
// the last pair's second counter is 0 and its second word is dropped).
class RandomBits : public UnaryPrimitive {
 public:
  RandomBits(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "RandomBits"; }
  bool is_equivalent(const Primitive& o) const override {
    return shape_ == static_cast<const RandomBits&>(o).shape_;
  }

 private:
  Shape shape_;
};

} // namespace mlx::core
