// Matrix products (through BLAS).
#pragma once
#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// NumPy matmul semantics: 1-d operands are promoted and the added axis removed; batch
// dimensions broadcast. Integer and bool operands compute in their own dtype as NumPy's do
// (integers wrap; bool is the OR of ANDs).
array matmul(const array& a, const array& b, StreamOrDevice s = {});

} // namespace mlx::core
