// The fused attention primitive of mx.fast.scaled_dot_product_attention.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// Inputs q [B, H, Lq, D], k [B, Hkv, Lk, D], v [B, Hkv, Lk, Dv], then the mask broadcast to
// [B, H, Lq, Lk] when has_mask, then sinks [H] when has_sinks; output [B, H, Lq, Dv].
// A bool mask keeps where true; any other mask is added to the scores.
class ScaledDotProductAttention : public UnaryPrimitive {
 public:
  ScaledDotProductAttention(Stream s, float scale, bool causal, bool has_mask, bool has_sinks)
      : UnaryPrimitive(s), scale_(scale), causal_(causal), has_mask_(has_mask), has_sinks_(has_sinks) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "ScaledDotProductAttention"; }
  auto state() const { return std::make_tuple(scale_, causal_, has_mask_, has_sinks_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const ScaledDotProductAttention&>(o);
    return scale_ == p.scale_ && causal_ == p.causal_ && has_mask_ == p.has_mask_ && has_sinks_ == p.has_sinks_;
  }

 private:
  float scale_;
  bool causal_, has_mask_, has_sinks_;
};

} // namespace mlx::core
