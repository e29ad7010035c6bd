// The per-step loops of the fused element-wise interpreter (see compiled.cpp): one tile of
// n contiguous elements per call. Each is the op's own functor and loop from the unfused
// kernels (elementwise.h), so that a fused chain computes what the unfused ops compute.
#pragma once
#include <cstdint>

#include "mlx_core/primitives/compiled.h"

namespace mlx::core::cpu {

// out[i] = op(a[i], b[i], c[i]) over n elements (unused operands are null).
using StepFn = void (*)(const void* a, const void* b, const void* c, void* out, int64_t n);

// The loop of one step for its dtypes (compiled_steps_*.cpp); null when this build has no
// fused loop for them (the chain is then not fused).
StepFn fused_unary_step(UnaryOp op, Dtype in);
StepFn fused_binary_step(BinaryOp op, Dtype in);
StepFn fused_select_step(Dtype t);
StepFn fused_cast_step(Dtype in, Dtype out);

// The loop of a step of any kind (null as above).
inline StepFn fused_step(const FusedStep& s) {
  switch (s.kind) {
    case FusedStep::Kind::unary: return fused_unary_step(static_cast<UnaryOp>(s.op), s.in);
    case FusedStep::Kind::binary: return fused_binary_step(static_cast<BinaryOp>(s.op), s.in);
    case FusedStep::Kind::select: return fused_select_step(s.in);
    case FusedStep::Kind::cast: return fused_cast_step(s.in, s.out);
  }
  return nullptr;
}

} // namespace mlx::core::cpu
