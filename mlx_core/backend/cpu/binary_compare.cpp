// Kernels of the comparisons (bool outputs).
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_BINARY_COMPARE_OPS(MLX_DEFINE_BINARY_KERNEL)

} // namespace mlx::core::cpu
