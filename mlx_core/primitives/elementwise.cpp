// Gradient, batching and shape rules of the element-wise primitives, written with ops.
// The switches over UnaryOp and BinaryOp have no default: this file is compiled with
// -Werror=switch, so an op added to the tables without its rule does not build.
#include "mlx_core/primitives/elementwise.h"

#include <optional>

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

namespace {

// A constant of a's dtype, rounded once from double (float64 rules keep full precision).
array scalar_like(double v, const array& a) { return astype(array(v), a.dtype()); }

// d(op(x))/dx times t, or nullopt where the op is not differentiable (its derivative is
// zero wherever it exists).
std::optional<array> unary_partial(UnaryOp op, const array& t, const array& x, const array& out) {
  switch (op) {
    case UnaryOp::Abs: return multiply(t, sign(x));
    case UnaryOp::Negative: return negative(t);
    case UnaryOp::Exp: return multiply(t, out);
    case UnaryOp::Log: return divide(t, x);
    case UnaryOp::Sqrt: return divide(t, multiply(scalar_like(2, out), out));
    case UnaryOp::Square: return multiply(t, multiply(scalar_like(2, x), x));
    case UnaryOp::Sin: return multiply(t, cos(x));
    case UnaryOp::Cos: return negative(multiply(t, sin(x)));
    case UnaryOp::Tanh: return multiply(t, subtract(scalar_like(1, out), square(out)));
    case UnaryOp::Sigmoid: return multiply(t, multiply(out, subtract(scalar_like(1, out), out)));
    case UnaryOp::Erf: // 2 / sqrt(pi) exp(-x^2)
      return multiply(t, multiply(scalar_like(1.1283791670955126, x), exp(negative(square(x)))));
    case UnaryOp::ErfInv: // sqrt(pi) / 2 exp(erfinv(x)^2)
      return multiply(t, multiply(scalar_like(0.88622692545275801, out), exp(square(out))));
    case UnaryOp::Tan: return divide(t, square(cos(x)));
    case UnaryOp::ArcSin: return divide(t, sqrt(subtract(scalar_like(1, x), square(x))));
    case UnaryOp::ArcCos: return negative(divide(t, sqrt(subtract(scalar_like(1, x), square(x)))));
    case UnaryOp::ArcTan: return divide(t, add(scalar_like(1, x), square(x)));
    case UnaryOp::Sinh: return multiply(t, cosh(x));
    case UnaryOp::Cosh: return multiply(t, sinh(x));
    case UnaryOp::ArcSinh: return divide(t, sqrt(add(square(x), scalar_like(1, x))));
    case UnaryOp::ArcCosh: // sqrt(x - 1) sqrt(x + 1), not sqrt(x^2 - 1): right on the whole complex plane
      return divide(t, multiply(sqrt(subtract(x, scalar_like(1, x))), sqrt(add(x, scalar_like(1, x)))));
    case UnaryOp::ArcTanh: return divide(t, subtract(scalar_like(1, x), square(x)));
    case UnaryOp::Expm1: return multiply(t, add(out, scalar_like(1, out)));
    case UnaryOp::Log1p: return divide(t, add(x, scalar_like(1, x)));
    case UnaryOp::Log2: return divide(t, multiply(x, scalar_like(0.69314718055994531, x)));
    case UnaryOp::Log10: return divide(t, multiply(x, scalar_like(2.3025850929940457, x)));
    case UnaryOp::Rsqrt: // -x^(-3/2) / 2
      return multiply(t, multiply(scalar_like(-0.5, out), multiply(out, square(out))));
    case UnaryOp::Conjugate: return conjugate(t);
    case UnaryOp::Real: return real(t);
    case UnaryOp::Imag: return imag(t);
    case UnaryOp::Sign:
    case UnaryOp::LogicalNot:
    case UnaryOp::BitwiseInvert:
    case UnaryOp::Floor:
    case UnaryOp::Ceil:
    case UnaryOp::Trunc:
    case UnaryOp::Round:
    case UnaryOp::IsNan:
    case UnaryOp::IsInf:
    case UnaryOp::IsFinite:
    case UnaryOp::IsPosInf:
    case UnaryOp::IsNegInf:
      return std::nullopt;
  }
  throw std::logic_error("[unary_partial] Unknown op.");
}

// The product of t with d(out)/d(input i) for input i of a binary op, or nullopt where the
// op is not differentiable in that input.
std::optional<array> binary_partial(BinaryOp op, int i, const array& t, const array& a, const array& b,
                                    const array& out) {
  switch (op) {
    case BinaryOp::Add:
      return t;
    case BinaryOp::Subtract:
      return i == 0 ? t : negative(t);
    case BinaryOp::Multiply:
      return multiply(t, i == 0 ? b : a);
    case BinaryOp::Divide:
      return i == 0 ? divide(t, b) : negative(divide(multiply(t, a), square(b)));
    case BinaryOp::Power: {
      if (i == 0) return multiply(t, multiply(b, power(a, subtract(b, scalar_like(1, b)))));
      // d(a^b)/db = a^b log(a), which is 0 where a^b is 0 (a == 0 with b > 0), not 0 * -inf.
      array zero = zeros_like(out);
      return multiply(t, where(equal(out, zero), zero, multiply(out, log(a))));
    }
    case BinaryOp::ArcTan2: { // d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)
      array den = add(square(a), square(b));
      return i == 0 ? divide(multiply(t, b), den) : negative(divide(multiply(t, a), den));
    }
    case BinaryOp::LogAddExp: // exp(a - out), exp(b - out)
      return multiply(t, exp(subtract(i == 0 ? a : b, out)));
    case BinaryOp::Remainder:
      return i == 0 ? t : negative(multiply(t, floor_divide(a, b)));
    case BinaryOp::Maximum:
    case BinaryOp::Minimum: {
      // The derivative follows the selected operand; ties go to b, as in the reference.
      array pick_a = op == BinaryOp::Maximum ? greater(a, b) : less(a, b);
      array zero = zeros_like(t);
      return i == 0 ? where(pick_a, t, zero) : where(pick_a, zero, t);
    }
    case BinaryOp::FloorDivide:
    case BinaryOp::Equal:
    case BinaryOp::NotEqual:
    case BinaryOp::Less:
    case BinaryOp::LessEqual:
    case BinaryOp::Greater:
    case BinaryOp::GreaterEqual:
    case BinaryOp::LogicalAnd:
    case BinaryOp::LogicalOr:
    case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor:
    case BinaryOp::LeftShift:
    case BinaryOp::RightShift:
      return std::nullopt;
  }
  throw std::logic_error("[binary_partial] Unknown op.");
}

// All inputs of an element-wise primitive have the output's shape (they are broadcast
// when the node is made).
std::vector<Shape> same_shape(const std::vector<array>& inputs, const char* name, size_t n_out) {
  const Shape& s = inputs[0].shape();
  for (auto& in : inputs) {
    if (in.shape() != s) throw std::invalid_argument(std::string("[") + name + "] Inputs must have one shape.");
  }
  return std::vector<Shape>(n_out, s);
}

} // namespace

// Complex inputs follow the reference's convention: the vjp of z = x + iy is the gradient
// dL/dx + i dL/dy of the real loss L the cotangent c stands for (c = dL/du + i dL/dv for an
// output u + iv), which is c * conj(f'(z)) for a holomorphic f; the jvp is f'(z) * t.
std::vector<array> Unary::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                              const std::vector<int>&, const std::vector<array>& outputs) {
  const array& x = primals[0];
  const array& cot = cotangents[0];
  // The parts of a complex number are not holomorphic: the cotangent of real(z) comes back
  // as a real cotangent of z, that of imag(z) as i times it.
  if (op_ == UnaryOp::Real) return {astype(cot, x.dtype())};
  if (op_ == UnaryOp::Imag) {
    return {multiply(astype(cot, complex64), array(complex64_t(0.0f, 1.0f)))};
  }
  if (is_complex(x.dtype())) {
    // |z|: the (real) cotangent along z / |z|; conj(z): the conjugate cotangent.
    if (op_ == UnaryOp::Abs) return {multiply(cot, sign(x))};
    if (op_ == UnaryOp::Conjugate) return {conjugate(cot)};
    auto g = unary_partial(op_, conjugate(cot), x, outputs[0]);
    return {g ? conjugate(*g) : zeros_like(x)};
  }
  auto g = unary_partial(op_, cot, x, outputs[0]);
  return {g ? *g : zeros_like(x)};
}

std::vector<array> Unary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  const array& x = primals[0];
  // d|z| = Re(conj(z) dz) / |z|, a real tangent.
  if (op_ == UnaryOp::Abs && is_complex(x.dtype())) return {real(multiply(conjugate(sign(x)), tangents[0]))};
  // Element-wise: the Jacobian is diagonal, so the JVP is the derivative times the tangent.
  array out = unary_op(op_, x);
  auto g = unary_partial(op_, tangents[0], x, out);
  return {g ? *g : zeros_like(x)};
}

std::pair<std::vector<array>, std::vector<int>> Unary::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  return {{unary_op(op_, inputs[0])}, {axes[0]}};
}

std::vector<Shape> Unary::output_shapes(const std::vector<array>& inputs) {
  return same_shape(inputs, name(), 1);
}

std::vector<array> Binary::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>& outputs) {
  // Complex inputs: the cotangent times the conjugate partial derivative (see Unary::vjp),
  // conj(partial(conj(c))). Every differentiable binary op here is holomorphic or selects.
  bool cplx = is_complex(primals[0].dtype()) || is_complex(primals[1].dtype());
  array cot = cplx ? conjugate(cotangents[0]) : cotangents[0];
  std::vector<array> out;
  for (int i : argnums) {
    auto g = binary_partial(op_, i, cot, primals[0], primals[1], outputs[0]);
    out.push_back(g ? (cplx ? conjugate(*g) : *g) : zeros_like(primals[i]));
  }
  return out;
}

std::vector<array> Binary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  array out = binary_op(op_, primals[0], primals[1]);
  std::optional<array> result;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto g = binary_partial(op_, argnums[k], tangents[k], primals[0], primals[1], out);
    // A non-differentiable op's tangent is zero, of the tangent's dtype (as in the reference).
    if (!g) return {zeros_like(tangents[0])};
    result = result ? add(*result, *g) : *g;
  }
  return {*result};
}

std::pair<std::vector<array>, std::vector<int>> Binary::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  array a = detail::batch_to_front(inputs[0], axes[0]);
  array b = detail::batch_to_front(inputs[1], axes[1]);
  // An unbatched operand has the unbatched shape and broadcasts against the batch.
  return {{binary_op(op_, a, b)}, {0}};
}

std::vector<Shape> Binary::output_shapes(const std::vector<array>& inputs) {
  return same_shape(inputs, name(), 1);
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

std::vector<Shape> Select::output_shapes(const std::vector<array>& inputs) {
  return same_shape(inputs, name(), 1);
}

// The quotient is piecewise constant (zero derivative); the remainder a - b * (a // b) has
// derivative 1 in a and -(a // b) in b, as `remainder` has.
std::vector<array> DivMod::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>& outputs) {
  std::vector<array> out;
  for (int i : argnums) {
    const array& cot_r = cotangents[1];
    out.push_back(i == 0 ? astype(cot_r, primals[0].dtype()) : negative(multiply(cot_r, outputs[0])));
  }
  return out;
}

std::vector<array> DivMod::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  array q = floor_divide(primals[0], primals[1]);
  std::optional<array> tr;
  for (size_t k = 0; k < argnums.size(); ++k) {
    array term = argnums[k] == 0 ? tangents[k] : negative(multiply(tangents[k], q));
    tr = tr ? add(*tr, term) : term;
  }
  return {zeros_like(tangents[0]), *tr};
}

std::pair<std::vector<array>, std::vector<int>> DivMod::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  array a = detail::batch_to_front(inputs[0], axes[0]);
  array b = detail::batch_to_front(inputs[1], axes[1]);
  return {divmod(a, b), {0, 0}};
}

std::vector<Shape> DivMod::output_shapes(const std::vector<array>& inputs) {
  return same_shape(inputs, name(), 2);
}

} // namespace mlx::core
