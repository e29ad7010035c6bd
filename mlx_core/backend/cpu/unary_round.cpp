// Kernels of rounding, complex parts and the floating-point predicates.
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_UNARY_ROUND_OPS(MLX_DEFINE_UNARY_KERNEL)

} // namespace mlx::core::cpu
