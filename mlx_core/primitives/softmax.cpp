// Gradient and batching rules of LogSumExp and Softmax (written with ops).
#include "mlx_core/primitives/softmax.h"

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

namespace {
array sum_last(const array& x) { return sum(x, std::vector<int>{x.ndim() - 1}, true); }
} // namespace

std::vector<array> LogSumExp::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>& outputs) {
  // Complex: the cotangent times the conjugate derivative (see Unary::vjp).
  array d = exp(subtract(primals[0], outputs[0]));
  return {multiply(cotangents[0], is_complex(d.dtype()) ? conjugate(d) : d)};
}

std::vector<array> LogSumExp::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  array lse = array(output_shapes(primals)[0], primals[0].dtype(), std::make_shared<LogSumExp>(stream()), {primals[0]});
  return {sum_last(multiply(tangents[0], exp(subtract(primals[0], lse))))};
}

std::pair<std::vector<array>, std::vector<int>> LogSumExp::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  Shape out = x.shape();
  out.back() = 1;
  return {{array(out, x.dtype(), std::make_shared<LogSumExp>(stream()), {x})}, {0}};
}

std::vector<array> Softmax::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>& outputs) {
  // The Jacobian diag(y) - y y^T is symmetric; for complex inputs its conjugate applies.
  array y = is_complex(outputs[0].dtype()) ? conjugate(outputs[0]) : outputs[0];
  const array& g = cotangents[0];
  return {multiply(y, subtract(g, sum_last(multiply(g, y))))};
}

std::vector<array> Softmax::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>&) {
  array y(primals[0].shape(), primals[0].dtype(), std::make_shared<Softmax>(stream(), precise_), {primals[0]});
  const array& t = tangents[0];
  return {multiply(y, subtract(t, sum_last(multiply(t, y))))};
}

std::pair<std::vector<array>, std::vector<int>> Softmax::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  return {{array(x.shape(), x.dtype(), std::make_shared<Softmax>(stream(), precise_), {x})}, {0}};
}

} // namespace mlx::core
