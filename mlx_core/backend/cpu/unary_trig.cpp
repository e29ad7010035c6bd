// Kernels of tan, the inverse trigonometric and the hyperbolic functions (inexact dtypes).
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_UNARY_TRIG_OPS(MLX_DEFINE_UNARY_KERNEL)

} // namespace mlx::core::cpu
