// logsumexp and softmax over the last axis (the ops move the reduced axes there).
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// log(sum(exp(x))) over the last axis, kept with size 1.
class LogSumExp : public UnaryPrimitive {
 public:
  explicit LogSumExp(Stream s) : UnaryPrimitive(s) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "LogSumExp"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

// exp(x - max) / sum(exp(x - max)) over the last axis, in one pass per row.
class Softmax : public UnaryPrimitive {
 public:
  Softmax(Stream s, bool precise) : UnaryPrimitive(s), precise_(precise) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "Softmax"; }
  auto state() const { return std::make_tuple(precise_); }
  bool is_equivalent(const Primitive& o) const override {
    return precise_ == static_cast<const Softmax&>(o).precise_;
  }
  bool precise() const { return precise_; }

 private:
  bool precise_;
};

} // namespace mlx::core
