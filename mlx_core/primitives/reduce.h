// Reductions. Outputs keep the reduced axes with size 1; the ops squeeze them.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// SumSquares: the sum of x * x (float types only; the variance uses it).
enum class ReduceType { Sum, Prod, Max, Min, SumSquares };

class Reduce : public UnaryPrimitive {
 public:
  Reduce(Stream s, ReduceType type, std::vector<int> axes)
      : UnaryPrimitive(s), type_(type), axes_(std::move(axes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override;
  auto state() const { return std::make_tuple(type_, axes_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Reduce&>(o);
    return type_ == r.type_ && axes_ == r.axes_;
  }
  ReduceType type() const { return type_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  ReduceType type_;
  std::vector<int> axes_;
};

enum class ArgReduceType { ArgMax, ArgMin };

// Index (uint32) of the extreme value along one axis (kept with size 1).
class ArgReduce : public UnaryPrimitive {
 public:
  ArgReduce(Stream s, ArgReduceType type, int axis) : UnaryPrimitive(s), type_(type), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return type_ == ArgReduceType::ArgMax ? "ArgMax" : "ArgMin"; }
  auto state() const { return std::make_tuple(type_, axis_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const ArgReduce&>(o);
    return type_ == r.type_ && axis_ == r.axis_;
  }

 private:
  ArgReduceType type_;
  int axis_;
};

} // namespace mlx::core
