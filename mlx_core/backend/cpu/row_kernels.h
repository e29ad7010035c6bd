// Row kernels of softmax and logsumexp over the last axis, for callers other than their
// primitives (the fused interpreter's epilogues): in and out row-contiguous, `rows` rows of
// n elements (logsumexp: one output per row), dtype any inexact one.
#pragma once
#include <cstdint>

#include "mlx_core/dtype.h"

namespace mlx::core::cpu {

void softmax_rows(Dtype dtype, const void* in, void* out, int64_t rows, int64_t n);
void logsumexp_rows(Dtype dtype, const void* in, void* out, int64_t rows, int64_t n);

} // namespace mlx::core::cpu
