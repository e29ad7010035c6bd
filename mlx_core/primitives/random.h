// RandomBits: counter-based random 32-bit words (threefry-2x32, 20 rounds) from a key; and the
// private primitives of the samplers that reproduce the reference's arithmetic.
#pragma once
#include "mlx_core/ops/random.h"
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
  auto state() const { return std::make_tuple(shape_, unit_float_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const RandomBits&>(o);
    return shape_ == r.shape_ && unit_float_ == r.unit_float_;
  }

 private:
  Shape shape_;
  bool unit_float_;
};

// The samplers' own float arithmetic (SamplerFn in ops/random.h): erfinv, erf, Gumbel's
// -log(-log(u)) or Laplace's sign(v) log1p(-|v|), computed as the reference's samplers compute
// them (float32; float16/bfloat16 inputs go through float32 and round back at each step), so
// that a key gives the reference's bits. Not the public erfinv/log ops, which are more accurate.
class SamplerMath : public UnaryPrimitive {
 public:
  SamplerMath(Stream s, random::detail::SamplerFn fn) : UnaryPrimitive(s), fn_(fn) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "SamplerMath"; }
  auto state() const { return std::make_tuple(fn_); }
  bool is_equivalent(const Primitive& o) const override { return fn_ == static_cast<const SamplerMath&>(o).fn_; }

 private:
  random::detail::SamplerFn fn_;
};

// randint's integers: inputs (words uint32, low, high, high - 1[, second words]), the bounds
// broadcast to the words' shape (or scalars) and widened to int64, uint64 or float64. Where
// both bounds lie in [-2**24, 2**24] and in the output dtype, the reference's float32 formula
// (floor of a float32 uniform between the bounds, clamped to [low, high - 1] in the dtype);
// elsewhere low + floor(n * word / 2**32) over the n integers of [low, high) that the dtype
// holds, or for n > 2**32 (64-bit dtypes, which pass second words) floor(n * bits / 2**64)
// of 64 bits: the second word on top of the first.
class RandIntBits : public UnaryPrimitive {
 public:
  RandIntBits(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "RandIntBits"; }
  auto state() const { return std::make_tuple(dtype_); }
  bool is_equivalent(const Primitive& o) const override { return dtype_ == static_cast<const RandIntBits&>(o).dtype_; }

 private:
  Dtype dtype_;
};

// Inverse-CDF categorical samples: inputs (logits (R, C), u (R, M), float32), output uint32
// (R, M): for each row, the exclusive running sum of exp(logits - max) and its total as the
// reference computes them, and for each u the last category whose running sum is <= u * total.
class CategoricalCdf : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[1].shape()}; }
  const char* name() const override { return "CategoricalCdf"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

} // namespace mlx::core
