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
  auto state() const { return std::make_tuple(shape_); }
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
  auto state() const { return std::make_tuple(axes_); }
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
  auto state() const { return std::make_tuple(shape_); }
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
  auto state() const { return std::make_tuple(start_, stop_, strides_); }
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
  auto state() const { return std::make_tuple(start_, stop_, strides_); }

 private:
  Shape start_, stop_, strides_;
};

// A view of the input's elements (row-major order) with user strides and an element
// offset; the op checked that every element read lies inside the input.
class AsStrided : public UnaryPrimitive {
 public:
  AsStrided(Stream s, Shape shape, Strides strides, int64_t offset)
      : UnaryPrimitive(s), shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {shape_}; }
  const char* name() const override { return "AsStrided"; }
  auto state() const { return std::make_tuple(shape_, strides_, offset_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& a = static_cast<const AsStrided&>(o);
    return shape_ == a.shape_ && strides_ == a.strides_ && offset_ == a.offset_;
  }

 private:
  Shape shape_;
  Strides strides_;
  int64_t offset_;
};

// The adjoint of AsStrided: a flat output of `size` zeros to which every input element is
// added at offset + sum(index * stride) (the input has the AsStrided view's shape).
class StridedAccumulate : public UnaryPrimitive {
 public:
  StridedAccumulate(Stream s, Strides strides, int64_t offset, ShapeElem size)
      : UnaryPrimitive(s), strides_(std::move(strides)), offset_(offset), size_(size) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {{size_}}; }
  const char* name() const override { return "StridedAccumulate"; }
  auto state() const { return std::make_tuple(strides_, offset_, size_); }

 private:
  Strides strides_;
  int64_t offset_;
  ShapeElem size_;
};

// The input itself when it is row-contiguous (or column-contiguous, when allowed), else a
// row-contiguous copy.
class Contiguous : public UnaryPrimitive {
 public:
  Contiguous(Stream s, bool allow_col_major) : UnaryPrimitive(s), allow_col_major_(allow_col_major) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "Contiguous"; }
  auto state() const { return std::make_tuple(allow_col_major_); }
  bool is_equivalent(const Primitive& o) const override {
    return allow_col_major_ == static_cast<const Contiguous&>(o).allow_col_major_;
  }

 private:
  bool allow_col_major_;
};

// A view of the diagonal `offset` of the planes spanned by axis1 and axis2 (normalized,
// distinct); the diagonal becomes the last axis.
class Diagonal : public UnaryPrimitive {
 public:
  Diagonal(Stream s, int offset, int axis1, int axis2)
      : UnaryPrimitive(s), offset_(offset), axis1_(axis1), axis2_(axis2) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Diagonal"; }
  auto state() const { return std::make_tuple(offset_, axis1_, axis2_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& d = static_cast<const Diagonal&>(o);
    return offset_ == d.offset_ && axis1_ == d.axis1_ && axis2_ == d.axis2_;
  }

 private:
  int offset_, axis1_, axis2_;
};

// Batched matrix product of inputs whose batch dims are already broadcast to one shape.
class Matmul : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Matmul"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

} // namespace mlx::core
