// Kernels of the comparisons (bool outputs). a > b runs the a < b kernel on (b, a), and
// a >= b the a <= b one, so that only four of the six are instantiated.
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_DEFINE_BINARY_KERNEL(Equal, , )
MLX_DEFINE_BINARY_KERNEL(NotEqual, , )
MLX_DEFINE_BINARY_KERNEL(Less, , )
MLX_DEFINE_BINARY_KERNEL(LessEqual, , )

template <>
void eval_binary<BinaryOp::Greater>(const Stream& s, const array& a, const array& b, array& out) {
  static_assert(binary_op_dtypes(BinaryOp::Greater) == binary_op_dtypes(BinaryOp::Less));
  run_binary<binary_op_dtypes(BinaryOp::Less)>(s, "Greater", b, a, out, LessOp{});
}

template <>
void eval_binary<BinaryOp::GreaterEqual>(const Stream& s, const array& a, const array& b, array& out) {
  static_assert(binary_op_dtypes(BinaryOp::GreaterEqual) == binary_op_dtypes(BinaryOp::LessEqual));
  run_binary<binary_op_dtypes(BinaryOp::LessEqual)>(s, "GreaterEqual", b, a, out, LessEqualOp{});
}

} // namespace mlx::core::cpu
