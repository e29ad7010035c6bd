// Element-wise primitives: unary ops, binary ops (inputs already broadcast) and select.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

enum class UnaryOp {
  Abs, Negative, Sign, Exp, Log, Sqrt, Square, Sin, Cos, Tanh, Sigmoid, LogicalNot, BitwiseInvert,
};

enum class BinaryOp {
  Add, Subtract, Multiply, Divide, FloorDivide, Remainder, Power, Maximum, Minimum,
  Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual,
  LogicalAnd, LogicalOr, BitwiseAnd, BitwiseOr, BitwiseXor, LeftShift, RightShift,
};

const char* unary_op_name(UnaryOp op);
const char* binary_op_name(BinaryOp op);
// Whether the binary op returns bool whatever its input dtype.
bool is_comparison(BinaryOp op);

// Applies a unary op to an array whose dtype the op accepts (output dtype = input dtype).
array unary_op(UnaryOp op, const array& a, StreamOrDevice s = {});
// Applies a binary op after broadcasting; a and b must already share a dtype.
array binary_op(BinaryOp op, const array& a, const array& b, StreamOrDevice s = {});

class Unary : public UnaryPrimitive {
 public:
  Unary(Stream s, UnaryOp op) : UnaryPrimitive(s), op_(op) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  const char* name() const override { return unary_op_name(op_); }
  bool is_equivalent(const Primitive& o) const override { return op_ == static_cast<const Unary&>(o).op_; }
  UnaryOp op() const { return op_; }

 private:
  UnaryOp op_;
};

class Binary : public UnaryPrimitive {
 public:
  Binary(Stream s, BinaryOp op) : UnaryPrimitive(s), op_(op) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  const char* name() const override { return binary_op_name(op_); }
  bool is_equivalent(const Primitive& o) const override { return op_ == static_cast<const Binary&>(o).op_; }
  BinaryOp op() const { return op_; }

 private:
  BinaryOp op_;
};

// where(condition, x, y) with all three broadcast to one shape.
class Select : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  const char* name() const override { return "Select"; }
  bool is_equivalent(const Primitive&) const override { return true; }
};

} // namespace mlx::core
