// Kernels of erf, erfinv, expm1, log1p, log2, log10 and rsqrt.
#include "mlx_core/backend/cpu/elementwise.h"
#include "mlx_core/backend/cpu/special_math.h"

namespace mlx::core::cpu {

MLX_UNARY_SPECIAL_OPS(MLX_DEFINE_UNARY_KERNEL)

} // namespace mlx::core::cpu
