// Layout primitives. Reshape (of row-contiguous data), Transpose, Broadcast and Slice are
// views of their input's buffer; SliceUpdate writes into a copy.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

class Reshape : public UnaryPrimitive {
 public:
  Reshape(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Reshape"; }
  bool is_equivalent(const Primitive& o) const override { return shape_ == static_cast<const Reshape&>(o).shape_; }

 private:
  Shape shape_;
};

class Transpose : public UnaryPrimitive {
 public:
  Transpose(Stream s, std::vector<int> axes) : UnaryPrimitive(s), axes_(std::move(axes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Transpose"; }
  bool is_equivalent(const Primitive& o) const override { return axes_ == static_cast<const Transpose&>(o).axes_; }

 private:
  std::vector<int> axes_;
};

class Broadcast : public UnaryPrimitive {
 public:
  Broadcast(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Broadcast"; }
  bool is_equivalent(const Primitive& o) const override { return shape_ == static_cast<const Broadcast&>(o).shape_; }

 private:
  Shape shape_;
};

class Slice : public UnaryPrimitive {
 public:
  Slice(Stream s, Shape start, Shape stop, Shape strides)
      : UnaryPrimitive(s), start_(std::move(start)), stop_(std::move(stop)), strides_(std::move(strides)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Slice"; }
  bool is_equivalent(const Primitive& o) const override {
    auto& s = static_cast<const Slice&>(o);
    return start_ == s.start_ && stop_ == s.stop_ && strides_ == s.strides_;
  }

 private:
  Shape start_, stop_, strides_;
};

// inputs: (src, update); the output is src with src[start:stop:strides] = update.
class SliceUpdate : public UnaryPrimitive {
 public:
  SliceUpdate(Stream s, Shape start, Shape stop, Shape strides)
      : UnaryPrimitive(s), start_(std::move(start)), stop_(std::move(stop)), strides_(std::move(strides)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "SliceUpdate"; }

 private:
  Shape start_, stop_, strides_;
};

// Batched matrix product of inputs whose batch dims are already broadcast to one shape.
class Matmul : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Matmul"; }
  bool is_equivalent(const Primitive&) const override { return true; }
};

} // namespace mlx::core
