// Kernels of maximum and minimum.
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_BINARY_MINMAX_OPS(MLX_DEFINE_BINARY_KERNEL)

} // namespace mlx::core::cpu
