// Evaluation from the bindings.
#pragma once
#include <nanobind/nanobind.h>

#include "mlx_core/array.h"

// Evaluates `a` (if needed) with the GIL released. Kernels on stream workers may need the
// GIL to free memory that Python owns, so no thread may hold it while it waits for them.
inline void eval_released(mlx::core::array a) {
  if (!a.is_available()) {
    nanobind::gil_scoped_release nogil;
    a.eval();
  }
}
