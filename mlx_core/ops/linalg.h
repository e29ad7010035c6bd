// Matrix products (through BLAS).
#pragma once
#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// NumPy matmul semantics: 1-d operands are promoted and the added axis removed; batch
// dimensions broadcast. Floating types only.
array matmul(const array& a, const array& b, StreamOrDevice s = {});

} // namespace mlx::core
