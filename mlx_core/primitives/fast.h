// Primitives of mx.fast (all but attention). Gradient rules are written with ops.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// rms_norm over the last axis. Inputs: x, then weight when has_weight.
class RMSNorm : public UnaryPrimitive {
 public:
  RMSNorm(Stream s, float eps, bool has_weight) : UnaryPrimitive(s), eps_(eps), has_weight_(has_weight) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "RMSNorm"; }
  auto state() const { return std::make_tuple(eps_, has_weight_); }
  bool is_equivalent(const Primitive& o) const override;

 private:
  float eps_;
  bool has_weight_;
};

// layer_norm over the last axis. Inputs: x, then weight when has_weight, then bias when has_bias.
class LayerNorm : public UnaryPrimitive {
 public:
  LayerNorm(Stream s, float eps, bool has_weight, bool has_bias)
      : UnaryPrimitive(s), eps_(eps), has_weight_(has_weight), has_bias_(has_bias) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "LayerNorm"; }
  auto state() const { return std::make_tuple(eps_, has_weight_, has_bias_); }
  bool is_equivalent(const Primitive& o) const override;

 private:
  float eps_;
  bool has_weight_, has_bias_;
};

// Rotary embedding. Inputs: x (B, *, T, D), offset (int32 scalar or (B,)), then freqs
// (dims/2, float32) when has_freqs (else base gives the frequencies).
class RoPE : public UnaryPrimitive {
 public:
  RoPE(Stream s, int dims, bool traditional, float base, float scale, bool has_freqs)
      : UnaryPrimitive(s), dims_(dims), traditional_(traditional), base_(base), scale_(scale),
        has_freqs_(has_freqs) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "RoPE"; }
  auto state() const { return std::make_tuple(dims_, traditional_, base_, scale_, has_freqs_); }
  bool is_equivalent(const Primitive& o) const override;

 private:
  int dims_;
  bool traditional_;
  float base_, scale_;
  bool has_freqs_;
};

// Cross entropy over the last axis. Inputs: logits (..., C), targets (...) as int64.
// Output float32 (...).
class CrossEntropy : public UnaryPrimitive {
 public:
  explicit CrossEntropy(Stream s) : UnaryPrimitive(s) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[1].shape()}; }
  const char* name() const override { return "CrossEntropy"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

// The gated delta rule (see fast::gated_delta_update). Inputs: q, k, v, gamma, beta (in the
// compute dtype), state (B, Hv, Dv, Dk, in the state dtype), then mask (B, T, bool) when
// has_mask. Outputs: out (B, T, Hv, Dv) and the final state.
class GatedDelta : public Primitive {
 public:
  GatedDelta(Stream s, bool has_mask) : Primitive(s), has_mask_(has_mask) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "GatedDelta"; }
  auto state() const { return std::make_tuple(has_mask_); }
  bool is_equivalent(const Primitive& o) const override {
    return has_mask_ == static_cast<const GatedDelta&>(o).has_mask_;
  }

 private:
  bool has_mask_;
};

} // namespace mlx::core
