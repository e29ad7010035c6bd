#include "mlx_core/ops/elementwise.h"

#include "mlx_core/errors.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/elementwise.h"

namespace mlx::core {

array unary_op(UnaryOp op, const array& a, StreamOrDevice s) {
  if (!in_set(unary_op_dtypes(op), a.dtype())) {
    throw std::invalid_argument(msg("[", unary_op_name(op), "] Not supported for ", dtype_name(a.dtype()), "."));
  }
  return array(a.shape(), unary_out_dtype(op, a.dtype()), std::make_shared<Unary>(to_stream(s), op), {a});
}

array binary_op(BinaryOp op, const array& a, const array& b, StreamOrDevice s) {
  if (a.dtype() != b.dtype() || !in_set(binary_op_dtypes(op), a.dtype())) {
    throw std::invalid_argument(msg("[", binary_op_name(op), "] Not supported for ", dtype_name(a.dtype()), " and ",
                                    dtype_name(b.dtype()), "."));
  }
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  Dtype out = is_comparison(op) ? bool_ : a.dtype();
  return array(shape, out, std::make_shared<Binary>(to_stream(s), op),
               {broadcast_to(a, shape, s), broadcast_to(b, shape, s)});
}

namespace {

array float_unary(UnaryOp op, const array& a, StreamOrDevice s) { return unary_op(op, to_inexact(a, s), s); }

// Both operands cast to their promoted type, then the op.
array promoted_binary(BinaryOp op, const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  return binary_op(op, astype(a, t, s), astype(b, t, s), s);
}

array bitwise_binary(BinaryOp op, const array& a, const array& b, const char* what, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (is_inexact(t)) {
    throw std::invalid_argument(msg("Floating point types not allowed with ", what, "."));
  }
  // Shifting booleans shifts their uint8 values.
  if (t == bool_ && (op == BinaryOp::LeftShift || op == BinaryOp::RightShift)) t = uint8;
  return binary_op(op, astype(a, t, s), astype(b, t, s), s);
}

} // namespace

array abs(const array& a, StreamOrDevice s) {
  array r = unary_op(UnaryOp::Abs, a, s);
  // The magnitude of a complex number is real.
  return is_complex(a.dtype()) ? astype(r, float32, s) : r;
}

array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    throw std::invalid_argument("[negative] Not supported for bool, use logical_not instead.");
  }
  return unary_op(UnaryOp::Negative, a, s);
}

array sign(const array& a, StreamOrDevice s) { return unary_op(UnaryOp::Sign, a, s); }
array exp(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Exp, a, s); }
array log(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Log, a, s); }
array sqrt(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Sqrt, a, s); }
array square(const array& a, StreamOrDevice s) { return unary_op(UnaryOp::Square, a, s); }
array sin(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Sin, a, s); }
array cos(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Cos, a, s); }
array tanh(const array& a, StreamOrDevice s) { return float_unary(UnaryOp::Tanh, a, s); }
array sigmoid(const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) throw std::invalid_argument("[sigmoid] Not supported for complex64.");
  return float_unary(UnaryOp::Sigmoid, a, s);
}

array logical_not(const array& a, StreamOrDevice s) {
  return unary_op(UnaryOp::LogicalNot, astype(a, bool_, s), s);
}

array bitwise_invert(const array& a, StreamOrDevice s) {
  if (is_inexact(a.dtype())) {
    throw std::invalid_argument("Floating point types not allowed with bitwise inversion.");
  }
  return unary_op(UnaryOp::BitwiseInvert, a, s);
}

array add(const array& a, const array& b, StreamOrDevice s) { return promoted_binary(BinaryOp::Add, a, b, s); }
array subtract(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::Subtract, a, b, s);
}
array multiply(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::Multiply, a, b, s);
}

array divide(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = inexact_dtype(promote_types(a.dtype(), b.dtype()));
  return binary_op(BinaryOp::Divide, astype(a, t, s), astype(b, t, s), s);
}

array floor_divide(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::FloorDivide, a, b, s);
}

array remainder(const array& a, const array& b, StreamOrDevice s) {
  if (is_complex(promote_types(a.dtype(), b.dtype()))) {
    throw std::invalid_argument("[remainder] Complex type not supported.");
  }
  return promoted_binary(BinaryOp::Remainder, a, b, s);
}

std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (is_complex(t)) throw std::invalid_argument("[divmod] Complex type not supported.");
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  return array::make_arrays({shape, shape}, {t, t}, std::make_shared<DivMod>(to_stream(s)),
                            {broadcast_to(astype(a, t, s), shape, s), broadcast_to(astype(b, t, s), shape, s)});
}

array power(const array& a, const array& b, StreamOrDevice s) { return promoted_binary(BinaryOp::Power, a, b, s); }
array maximum(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::Maximum, a, b, s);
}
array minimum(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::Minimum, a, b, s);
}
array equal(const array& a, const array& b, StreamOrDevice s) { return promoted_binary(BinaryOp::Equal, a, b, s); }
array not_equal(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::NotEqual, a, b, s);
}
array less(const array& a, const array& b, StreamOrDevice s) { return promoted_binary(BinaryOp::Less, a, b, s); }
array less_equal(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::LessEqual, a, b, s);
}
array greater(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::Greater, a, b, s);
}
array greater_equal(const array& a, const array& b, StreamOrDevice s) {
  return promoted_binary(BinaryOp::GreaterEqual, a, b, s);
}

array logical_and(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::LogicalAnd, astype(a, bool_, s), astype(b, bool_, s), s);
}
array logical_or(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(BinaryOp::LogicalOr, astype(a, bool_, s), astype(b, bool_, s), s);
}

array bitwise_and(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary(BinaryOp::BitwiseAnd, a, b, "bitwise and", s);
}
array bitwise_or(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary(BinaryOp::BitwiseOr, a, b, "bitwise or", s);
}
array bitwise_xor(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary(BinaryOp::BitwiseXor, a, b, "bitwise xor", s);
}
array left_shift(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary(BinaryOp::LeftShift, a, b, "left shift", s);
}
array right_shift(const array& a, const array& b, StreamOrDevice s) {
  return bitwise_binary(BinaryOp::RightShift, a, b, "right shift", s);
}

array where(const array& condition, const array& x, const array& y, StreamOrDevice s) {
  Dtype t = promote_types(x.dtype(), y.dtype());
  Shape shape = broadcast_shapes(broadcast_shapes(condition.shape(), x.shape()), y.shape());
  return array(shape, t, std::make_shared<Select>(to_stream(s)),
               {broadcast_to(astype(condition, bool_, s), shape, s), broadcast_to(astype(x, t, s), shape, s),
                broadcast_to(astype(y, t, s), shape, s)});
}

} // namespace mlx::core
