// Gradient and batching rules of the element-wise primitives, written with ops.
#include "mlx_core/primitives/elementwise.h"

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

namespace {

array scalar_like(double v, const array& a) { return astype(array(static_cast<float>(v)), a.dtype()); }

// The product of a cotangent with d(out)/d(input i) for input i of a binary op.
array binary_partial(BinaryOp op, int i, const array& cot, const array& a, const array& b, const array& out) {
  switch (op) {
    case BinaryOp::Add:
      return cot;
    case BinaryOp::Subtract:
      return i == 0 ? cot : negative(cot);
    case BinaryOp::Multiply:
      return multiply(cot, i == 0 ? b : a);
    case BinaryOp::Divide:
      return i == 0 ? divide(cot, b) : negative(divide(multiply(cot, a), square(b)));
    case BinaryOp::Power:
      if (i == 0) {
        return multiply(cot, multiply(b, power(a, subtract(b, scalar_like(1, b)))));
      }
      return multiply(cot, multiply(out, log(a)));
    case BinaryOp::Remainder:
      return i == 0 ? cot : negative(multiply(cot, floor_divide(a, b)));
    case BinaryOp::Maximum:
    case BinaryOp::Minimum: {
      // The gradient goes to the selected operand (to a on ties).
      array pick_a = op == BinaryOp::Maximum ? greater_equal(a, b) : less_equal(a, b);
      array zero = zeros_like(cot);
      return i == 0 ? where(pick_a, cot, zero) : where(pick_a, zero, cot);
    }
    default:
      return zeros_like(i == 0 ? a : b);
  }
}

} // namespace

std::vector<array> Unary::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                              const std::vector<int>&, const std::vector<array>& outputs) {
  const array& x = primals[0];
  const array& cot = cotangents[0];
  const array& out = outputs[0];
  switch (op_) {
    case UnaryOp::Abs: return {multiply(cot, sign(x))};
    case UnaryOp::Negative: return {negative(cot)};
    case UnaryOp::Exp: return {multiply(cot, out)};
    case UnaryOp::Log: return {divide(cot, x)};
    case UnaryOp::Sqrt: return {divide(cot, multiply(scalar_like(2, out), out))};
    case UnaryOp::Square: return {multiply(cot, multiply(scalar_like(2, x), x))};
    case UnaryOp::Sin: return {multiply(cot, cos(x))};
    case UnaryOp::Cos: return {negative(multiply(cot, sin(x)))};
    case UnaryOp::Tanh: return {multiply(cot, subtract(scalar_like(1, out), square(out)))};
    case UnaryOp::Sigmoid: return {multiply(cot, multiply(out, subtract(scalar_like(1, out), out)))};
    case UnaryOp::Sign:
    case UnaryOp::LogicalNot:
    case UnaryOp::BitwiseInvert:
      return {zeros_like(x)};
  }
  return {zeros_like(x)};
}

std::vector<array> Unary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  // Element-wise: the Jacobian is diagonal, so the JVP is the VJP with the tangent.
  array out = unary_op(op_, primals[0]);
  return vjp(primals, tangents, argnums, {out});
}

std::pair<std::vector<array>, std::vector<int>> Unary::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  return {{unary_op(op_, inputs[0])}, {axes[0]}};
}

std::vector<array> Binary::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>& outputs) {
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(binary_partial(op_, i, cotangents[0], primals[0], primals[1], outputs[0]));
  }
  return out;
}

std::vector<array> Binary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  array out = binary_op(op_, primals[0], primals[1]);
  if (is_comparison(op_)) return {zeros_like(out)};
  array result = binary_partial(op_, argnums[0], tangents[0], primals[0], primals[1], out);
  for (size_t k = 1; k < argnums.size(); ++k) {
    result = add(result, binary_partial(op_, argnums[k], tangents[k], primals[0], primals[1], out));
  }
  return {result};
}

std::pair<std::vector<array>, std::vector<int>> Binary::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  array a = detail::batch_to_front(inputs[0], axes[0]);
  array b = detail::batch_to_front(inputs[1], axes[1]);
  // An unbatched operand has the unbatched shape and broadcasts against the batch.
  return {{binary_op(op_, a, b)}, {0}};
}

std::vector<array> Select::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  const array& c = primals[0];
  const array& cot = cotangents[0];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(zeros_like(c));
    } else {
      array zero = zeros_like(cot);
      out.push_back(i == 1 ? where(c, cot, zero) : where(c, zero, cot));
    }
  }
  return out;
}

std::vector<array> Select::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  array tx = zeros_like(primals[1]);
  array ty = zeros_like(primals[2]);
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 1) tx = tangents[k];
    if (argnums[k] == 2) ty = tangents[k];
  }
  return {where(primals[0], tx, ty)};
}

std::pair<std::vector<array>, std::vector<int>> Select::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  return {{where(detail::batch_to_front(inputs[0], axes[0]), detail::batch_to_front(inputs[1], axes[1]),
                 detail::batch_to_front(inputs[2], axes[2]))},
          {0}};
}

} // namespace mlx::core
