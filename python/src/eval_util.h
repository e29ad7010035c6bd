// Evaluation from the bindings.
#pragma once
#include <nanobind/nanobind.h>

#include "mlx_core/array.h"

#include "mlx_core/transforms/eval.h"

// Outputs up to this size are evaluated with the GIL held when nothing else has to run
// first (mlx::core::eval_inline_if_small): releasing and taking back the GIL costs more
// than such a kernel.
inline constexpr size_t kEvalHoldingGil = 4096;

// Evaluates `a` (if needed) with the GIL released. Kernels on stream workers may need the
// GIL to free memory that Python owns, so no thread may hold it while it waits for them.
inline void eval_released(mlx::core::array a) {
  if (!a.is_available() && !mlx::core::eval_inline_if_small(a, kEvalHoldingGil)) {
    nanobind::gil_scoped_release nogil;
    a.eval();
  }
}
