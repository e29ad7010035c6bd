// Unary::eval_cpu and Binary::eval_cpu: a switch over the op tables to each op's kernel
// (defined in the family files unary_*.cpp and binary_*.cpp).
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core {

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  switch (op_) {
#define MLX_CASE(Name, Dtypes, Out) \
  case UnaryOp::Name: return cpu::eval_unary<UnaryOp::Name>(stream(), inputs[0], out);
    MLX_UNARY_OPS(MLX_CASE)
#undef MLX_CASE
  }
}

void Binary::eval_cpu(const std::vector<array>& inputs, array& out) {
  switch (op_) {
#define MLX_CASE(Name, Dtypes, Out) \
  case BinaryOp::Name: return cpu::eval_binary<BinaryOp::Name>(stream(), inputs[0], inputs[1], out);
    MLX_BINARY_OPS(MLX_CASE)
#undef MLX_CASE
  }
}

} // namespace mlx::core
