// Kernels of the unary ops without transcendental functions (abs, negative, sign, ...).
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_UNARY_ARITH_OPS(MLX_DEFINE_UNARY_KERNEL)

} // namespace mlx::core::cpu
