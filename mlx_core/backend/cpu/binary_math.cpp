// Kernels of arctan2 and logaddexp.
#include "mlx_core/backend/cpu/binary_math_ops.h"
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_BINARY_MATH_OPS(MLX_DEFINE_BINARY_KERNEL)

} // namespace mlx::core::cpu
