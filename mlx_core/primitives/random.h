// RandomBits: counter-based random 32-bit words (threefry-2x32, 20 rounds) from a key.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// inputs: (keys) of shape (*batch, 2) uint32; output: uint32 of shape (*batch, *shape_), one draw of
// shape_ per key (the public op takes one key, vmap passes a batch). With unit_float the
// output is float32 instead: each word w as min(float(w) / (2**32 - 1), 1 - 2**-24), the
// uniform [0, 1) value the samplers start from, in the same pass. Word i of an output of n
// words comes from the pair of counters (i, i + ceil(n/2)) hashed with the key: the first half of
// the output holds the first words of the hashes, the second half the second words (for odd n,
// the last pair's second counter is 0 and its second word is dropped).
class RandomBits : public UnaryPrimitive {
 public:
  RandomBits(Stream s, Shape shape, bool unit_float = false)
      : UnaryPrimitive(s), shape_(std::move(shape)), unit_float_(unit_float) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "RandomBits"; }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const RandomBits&>(o);
    return shape_ == r.shape_ && unit_float_ == r.unit_float_;
  }

 private:
  Shape shape_;
  bool unit_float_;
};

} // namespace mlx::core
