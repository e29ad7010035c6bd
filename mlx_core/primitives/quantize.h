// Primitives of quantization: Quantize (pack), Dequantize, QuantizedMatmul and GatherQMM.
#pragma once
#include "mlx_core/ops/quantize.h"
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// What a packed matrix was quantized with.
struct QuantParams {
  int group_size;
  int bits;
  QuantizationMode mode;
  bool operator==(const QuantParams&) const = default;
};

// Packs w (rows along the last axis) into uint32 words plus per-group scales (and biases
// for affine). Inputs: w [, global_scale (nvfp4)]. Outputs: w_q, scales [, biases].
class Quantize : public Primitive {
 public:
  Quantize(Stream s, QuantParams p) : Primitive(s), p_(p) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Quantize"; }
  auto state() const { return std::make_tuple(p_); }
  bool is_equivalent(const Primitive& o) const override { return p_ == static_cast<const Quantize&>(o).p_; }

 private:
  QuantParams p_;
};

// The floating-point matrix of a packed one. Inputs: w_q, scales [, biases (affine)]
// [, global_scale (nvfp4)].
class Dequantize : public UnaryPrimitive {
 public:
  Dequantize(Stream s, QuantParams p, bool has_biases, bool has_global_scale, Dtype dtype)
      : UnaryPrimitive(s), p_(p), has_biases_(has_biases), has_global_(has_global_scale), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Dequantize"; }
  auto state() const { return std::make_tuple(p_, has_biases_, has_global_, dtype_); }
  bool is_equivalent(const Primitive& o) const override;

 private:
  QuantParams p_;
  bool has_biases_, has_global_;
  Dtype dtype_;
};

// x @ W.T (transpose) or x @ W for a packed W, computed from the packed words. Inputs:
// x (..., M, K), w, scales [, biases]; x has at least 2 dimensions and either w is 2-d or
// x, w, scales and biases share their batch shape.
class QuantizedMatmul : public UnaryPrimitive {
 public:
  QuantizedMatmul(Stream s, QuantParams p, bool transpose, bool has_biases)
      : UnaryPrimitive(s), p_(p), transpose_(transpose), has_biases_(has_biases) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "QuantizedMatmul"; }
  auto state() const { return std::make_tuple(p_, transpose_, has_biases_); }
  bool is_equivalent(const Primitive& o) const override;

 private:
  QuantParams p_;
  bool transpose_, has_biases_;
};

// Matrix-level gather of QuantizedMatmul. Inputs: x (X..., M, K), w (W..., rows, cols),
// scales [, biases], lhs_indices, rhs_indices (uint32, one shape I). Output I + (M, N):
// x[flat lhs[i]] times w[flat rhs[i]].
class GatherQMM : public UnaryPrimitive {
 public:
  GatherQMM(Stream s, QuantParams p, bool transpose, bool has_biases)
      : UnaryPrimitive(s), p_(p), transpose_(transpose), has_biases_(has_biases) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "GatherQMM"; }
  auto state() const { return std::make_tuple(p_, transpose_, has_biases_); }
  bool is_equivalent(const Primitive& o) const override;

 private:
  QuantParams p_;
  bool transpose_, has_biases_;
};

} // namespace mlx::core
