// Integer and bool matrix products (NumPy semantics: integers wrap in their dtype, bool is
// the OR of ANDs). BLAS has no integer GEMM, so this is a blocked loop kernel.
#pragma once
#include "mlx_core/array.h"

namespace mlx::core::cpu {

// out = a @ b for integer or bool a, b of out's dtype, batch dims already broadcast to
// out's; out is allocated (row-major contiguous).
void integer_matmul(const array& a, const array& b, array& out);

} // namespace mlx::core::cpu
