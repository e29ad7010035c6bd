// Kernels of add, subtract and multiply.
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_BINARY_ARITH_OPS(MLX_DEFINE_BINARY_KERNEL)

} // namespace mlx::core::cpu
