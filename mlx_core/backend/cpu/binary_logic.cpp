// Kernels of the logical, bitwise and shift ops (bool and integer dtypes only).
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_BINARY_LOGIC_OPS(MLX_DEFINE_BINARY_KERNEL)

} // namespace mlx::core::cpu
