// Primitives that move or cast data: copy, astype, stop_gradient.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// A row-contiguous copy of the input (also materializes broadcasts and views).
class Copy : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Copy"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

// The input itself under a new node, sharing its memory (no copy): what autodiff traces in
// place of each primal. Derivatives pass through unchanged.
class Alias : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Alias"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

class AsType : public UnaryPrimitive {
 public:
  AsType(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "AsType"; }
  auto state() const { return std::make_tuple(dtype_); }
  bool is_equivalent(const Primitive& o) const override { return dtype_ == static_cast<const AsType&>(o).dtype_; }

 private:
  Dtype dtype_;
};

// Identity in the forward pass; zero derivative.
class StopGradient : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "StopGradient"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

// start + i * step for i in [0, size), cast to the output dtype.
class Arange : public UnaryPrimitive {
 public:
  Arange(Stream s, double start, double step, ShapeElem size)
      : UnaryPrimitive(s), start_(start), step_(step), size_(size) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {{size_}}; }
  const char* name() const override { return "Arange"; }
  auto state() const { return std::make_tuple(start_, step_, size_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& a = static_cast<const Arange&>(o);
    return start_ == a.start_ && step_ == a.step_ && size_ == a.size_;
  }

 private:
  double start_;
  double step_;
  ShapeElem size_;
};

} // namespace mlx::core
