// Element-wise primitives: unary ops, binary ops (inputs already broadcast), select and
// divmod.
//
// Every element-wise op is one row of the tables below: its name, the dtypes its kernel
// accepts (after the op's own promotion) and its output dtype. Its kernel is the functor
// cpu::<Name>Op (backend/cpu/math_ops.h), instantiated only for those dtypes in the
// translation unit of its family (backend/cpu/<family>.cpp); its gradient rules are cases
// of switches without a default (primitives/elementwise.cpp, compiled with -Werror=switch).
// Adding an op: a row here, a functor, a gradient case. Forgetting one is a compile error.
#pragma once
#include <cstdint>

#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// A set of dtypes as a bit mask over Dtype::Val.
using DtypeSet = uint32_t;

constexpr DtypeSet dtype_bit(Dtype d) { return DtypeSet(1) << static_cast<int>(d.val); }
constexpr bool in_set(DtypeSet s, Dtype d) { return (s & dtype_bit(d)) != 0; }

inline constexpr DtypeSet kBool = dtype_bit(bool_);
inline constexpr DtypeSet kInteger = dtype_bit(uint8) | dtype_bit(uint16) | dtype_bit(uint32) | dtype_bit(uint64) |
                                     dtype_bit(int8) | dtype_bit(int16) | dtype_bit(int32) | dtype_bit(int64);
inline constexpr DtypeSet kRealFloat = dtype_bit(float16) | dtype_bit(bfloat16) | dtype_bit(float32) | dtype_bit(float64);
inline constexpr DtypeSet kInexact = kRealFloat | dtype_bit(complex64);
inline constexpr DtypeSet kIntegral = kBool | kInteger; // what bitwise ops accept
inline constexpr DtypeSet kReal = kIntegral | kRealFloat; // everything but complex
inline constexpr DtypeSet kAll = kReal | dtype_bit(complex64);
inline constexpr DtypeSet kNotBool = kAll & ~kBool;

// X(Name, dtypes, output): output is Same (the input dtype) or Bool.
// Families (one kernel translation unit each):
#define MLX_UNARY_ARITH_OPS(X) \
  X(Abs, kAll, Same)           \
  X(Negative, kNotBool, Same)  \
  X(Sign, kAll, Same)          \
  X(Square, kAll, Same)        \
  X(LogicalNot, kBool, Same)   \
  X(BitwiseInvert, kIntegral, Same)
#define MLX_UNARY_MATH_OPS(X) \
  X(Exp, kInexact, Same)      \
  X(Log, kInexact, Same)      \
  X(Sqrt, kInexact, Same)     \
  X(Sin, kInexact, Same)      \
  X(Cos, kInexact, Same)      \
  X(Tanh, kInexact, Same)     \
  X(Sigmoid, kRealFloat, Same)
// Trigonometric and hyperbolic functions not in the math family (unary_trig.cpp).
#define MLX_UNARY_TRIG_OPS(X) \
  X(Tan, kInexact, Same)      \
  X(ArcSin, kInexact, Same)   \
  X(ArcCos, kInexact, Same)   \
  X(ArcTan, kInexact, Same)   \
  X(Sinh, kInexact, Same)     \
  X(Cosh, kInexact, Same)     \
  X(ArcSinh, kInexact, Same)  \
  X(ArcCosh, kInexact, Same)  \
  X(ArcTanh, kInexact, Same)
// Special functions and logarithms/exponentials near zero (unary_special.cpp).
#define MLX_UNARY_SPECIAL_OPS(X) \
  X(Erf, kRealFloat, Same)       \
  X(ErfInv, kRealFloat, Same)    \
  X(Expm1, kRealFloat, Same)     \
  X(Log1p, kInexact, Same)       \
  X(Log2, kInexact, Same)        \
  X(Log10, kInexact, Same)       \
  X(Rsqrt, kInexact, Same)
// Rounding, complex parts and floating-point predicates (unary_round.cpp). Real/Imag give
// the real dtype of a complex input (float32).
#define MLX_UNARY_ROUND_OPS(X)                     \
  X(Floor, kRealFloat, Same)                       \
  X(Ceil, kRealFloat, Same)                        \
  X(Trunc, kRealFloat, Same)                       \
  X(Round, kInexact, Same)                         \
  X(Conjugate, dtype_bit(complex64), Same)         \
  X(Real, dtype_bit(complex64), Real)              \
  X(Imag, dtype_bit(complex64), Real)              \
  X(IsNan, kInexact, Bool)                         \
  X(IsInf, kInexact, Bool)                         \
  X(IsFinite, kInexact, Bool)                      \
  X(IsPosInf, kRealFloat, Bool)                    \
  X(IsNegInf, kRealFloat, Bool)
#define MLX_UNARY_OPS(X) \
  MLX_UNARY_ARITH_OPS(X) MLX_UNARY_MATH_OPS(X) MLX_UNARY_TRIG_OPS(X) MLX_UNARY_SPECIAL_OPS(X) MLX_UNARY_ROUND_OPS(X)

#define MLX_BINARY_ARITH_OPS(X) \
  X(Add, kAll, Same)            \
  X(Subtract, kAll, Same)       \
  X(Multiply, kAll, Same)
#define MLX_BINARY_DIVISION_OPS(X) \
  X(Divide, kInexact, Same)        \
  X(FloorDivide, kAll, Same)       \
  X(Remainder, kReal, Same)        \
  X(Power, kAll, Same)
#define MLX_BINARY_COMPARE_OPS(X) \
  X(Equal, kAll, Bool)            \
  X(NotEqual, kAll, Bool)         \
  X(Less, kAll, Bool)             \
  X(LessEqual, kAll, Bool)        \
  X(Greater, kAll, Bool)          \
  X(GreaterEqual, kAll, Bool)
#define MLX_BINARY_MINMAX_OPS(X) \
  X(Maximum, kAll, Same)         \
  X(Minimum, kAll, Same)
#define MLX_BINARY_LOGIC_OPS(X)   \
  X(LogicalAnd, kBool, Same)      \
  X(LogicalOr, kBool, Same)       \
  X(BitwiseAnd, kIntegral, Same)  \
  X(BitwiseOr, kIntegral, Same)   \
  X(BitwiseXor, kIntegral, Same)  \
  X(LeftShift, kInteger, Same)    \
  X(RightShift, kInteger, Same)
// Transcendental binary functions (binary_math.cpp).
#define MLX_BINARY_MATH_OPS(X) \
  X(ArcTan2, kRealFloat, Same) \
  X(LogAddExp, kInexact, Same)
#define MLX_BINARY_OPS(X)                                                              \
  MLX_BINARY_ARITH_OPS(X) MLX_BINARY_DIVISION_OPS(X) MLX_BINARY_COMPARE_OPS(X) \
  MLX_BINARY_MINMAX_OPS(X) MLX_BINARY_LOGIC_OPS(X) MLX_BINARY_MATH_OPS(X)

#define MLX_OP_ENUM(Name, Dtypes, Out) Name,
enum class UnaryOp { MLX_UNARY_OPS(MLX_OP_ENUM) };
enum class BinaryOp { MLX_BINARY_OPS(MLX_OP_ENUM) };
#undef MLX_OP_ENUM

#define MLX_OP_CASE(Name, Dtypes, Out) case UnaryOp::Name: return #Name;
constexpr const char* unary_op_name(UnaryOp op) {
  switch (op) { MLX_UNARY_OPS(MLX_OP_CASE) }
  return "Unary";
}
#undef MLX_OP_CASE
#define MLX_OP_CASE(Name, Dtypes, Out) case BinaryOp::Name: return #Name;
constexpr const char* binary_op_name(BinaryOp op) {
  switch (op) { MLX_BINARY_OPS(MLX_OP_CASE) }
  return "Binary";
}
#undef MLX_OP_CASE

// The dtypes an op's kernel accepts.
#define MLX_OP_CASE(Name, Dtypes, Out) case UnaryOp::Name: return Dtypes;
constexpr DtypeSet unary_op_dtypes(UnaryOp op) {
  switch (op) { MLX_UNARY_OPS(MLX_OP_CASE) }
  return 0;
}
#undef MLX_OP_CASE
#define MLX_OP_CASE(Name, Dtypes, Out) case BinaryOp::Name: return Dtypes;
constexpr DtypeSet binary_op_dtypes(BinaryOp op) {
  switch (op) { MLX_BINARY_OPS(MLX_OP_CASE) }
  return 0;
}
#undef MLX_OP_CASE

// The output dtype of a unary op for input dtype d: d itself, bool, or the real dtype of
// a complex input.
#define MLX_OP_CASE(Name, Dtypes, Out) case UnaryOp::Name: return mlx_unary_out_##Out;
#define mlx_unary_out_Same d
#define mlx_unary_out_Bool bool_
#define mlx_unary_out_Real (d == complex64 ? float32 : d)
inline Dtype unary_out_dtype(UnaryOp op, Dtype d) {
  switch (op) { MLX_UNARY_OPS(MLX_OP_CASE) }
  return d;
}
#undef mlx_unary_out_Same
#undef mlx_unary_out_Bool
#undef mlx_unary_out_Real
#undef MLX_OP_CASE

// Whether the binary op returns bool whatever its input dtype.
#define MLX_OP_CASE(Name, Dtypes, Out) case BinaryOp::Name: return mlx_out_is_bool_##Out;
#define mlx_out_is_bool_Same false
#define mlx_out_is_bool_Bool true
constexpr bool is_comparison(BinaryOp op) {
  switch (op) { MLX_BINARY_OPS(MLX_OP_CASE) }
  return false;
}
#undef mlx_out_is_bool_Same
#undef mlx_out_is_bool_Bool
#undef MLX_OP_CASE

// Applies a unary op to an array whose dtype the op accepts (output dtype = input dtype).
array unary_op(UnaryOp op, const array& a, StreamOrDevice s = {});
// Applies a binary op after broadcasting; a and b must already share a dtype the op accepts.
array binary_op(BinaryOp op, const array& a, const array& b, StreamOrDevice s = {});

class Unary : public UnaryPrimitive {
 public:
  Unary(Stream s, UnaryOp op) : UnaryPrimitive(s), op_(op) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return unary_op_name(op_); }
  auto state() const { return std::make_tuple(op_); }
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
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return binary_op_name(op_); }
  auto state() const { return std::make_tuple(op_); }
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
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Select"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

// (floor_divide(a, b), remainder(a, b)) in one pass: two outputs of the inputs' dtype
// (any dtype but complex), inputs already broadcast.
class DivMod : public Primitive {
 public:
  using Primitive::Primitive;
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "DivMod"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

} // namespace mlx::core
