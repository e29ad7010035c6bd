// Kernels of the transcendental unary ops (exp, log, sqrt, sin, ...), for inexact dtypes.
#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

MLX_UNARY_MATH_OPS(MLX_DEFINE_UNARY_KERNEL)

} // namespace mlx::core::cpu
