// The per-step loops of the fused element-wise interpreter (see compiled.cpp). Each step
// is the op's own functor (the unfused kernels' arithmetic, so results agree) in two
// loops: `block` over exactly kFusedBlock elements (a constant trip count, which the
// compiler turns into straight vector code without peeling or remainder: this is what
// makes the interpreter run near memory speed), and `tail` over n < kFusedBlock elements.
#pragma once
#include <cstdint>

#include "mlx_core/primitives/compiled.h"

namespace mlx::core::cpu {

// Elements per interpreter block (2 KB of float32: the registers stay in L1).
inline constexpr int64_t kFusedBlock = 512;

// out[i] = op(a[i], b[i], c[i]) over n elements (unused operands are null; block loops
// ignore n).
using StepFn = void (*)(const void* a, const void* b, const void* c, void* out, int64_t n);

struct StepLoops {
  StepFn block = nullptr;
  StepFn tail = nullptr;
  explicit operator bool() const { return block != nullptr; }
};

// The loops of one step for its dtypes (compiled_steps_*.cpp); empty when this build has
// none for them (the fusion pass leaves such nodes unfused).
StepLoops fused_unary_step(UnaryOp op, Dtype in);
StepLoops fused_binary_step(BinaryOp op, Dtype in);
// A binary op with one operand a broadcast scalar: `side` 1 reads b[0] for every element
// (a[i] op b[0]), side 0 reads a[0] (a[0] op b[i]).
StepLoops fused_binary_scalar_step(BinaryOp op, Dtype in, int side);
StepLoops fused_select_step(Dtype t);
StepLoops fused_cast_step(Dtype in, Dtype out);

// The loops of a step of any kind.
inline StepLoops fused_step(const FusedStep& s) {
  switch (s.kind) {
    case FusedStep::Kind::unary: return fused_unary_step(static_cast<UnaryOp>(s.op), s.in);
    case FusedStep::Kind::binary: return fused_binary_step(static_cast<BinaryOp>(s.op), s.in);
    case FusedStep::Kind::select: return fused_select_step(s.in);
    case FusedStep::Kind::cast: return fused_cast_step(s.in, s.out);
  }
  return {};
}

// Defines NAME<T, Op, Fixed>(a, b, c, out, n) twice over: NAME##_simd with the vector
// clones (for ops that vectorize) and NAME##_plain without; BODY computes z[i] from the
// typed pointers x, y, w (and `s`, set up by SETUP).
#define MLX_FUSED_STEP_LOOPS(NAME, SETUP, BODY)                                               \
  template <typename T, typename Op, bool Fixed>                                              \
  MLX_SIMD_CLONES_AVX2 void NAME##_simd(const void* a, const void* b, const void* c, void* o, \
                                        int64_t n) {                                          \
    SETUP;                                                                                    \
    const int64_t m = Fixed ? kFusedBlock : n;                                                \
    _Pragma("omp simd") for (int64_t i = 0; i < m; ++i) BODY;                                 \
  }                                                                                           \
  template <typename T, typename Op, bool Fixed>                                              \
  void NAME##_plain(const void* a, const void* b, const void* c, void* o, int64_t n) {        \
    SETUP;                                                                                    \
    const int64_t m = Fixed ? kFusedBlock : n;                                                \
    for (int64_t i = 0; i < m; ++i) BODY;                                                     \
  }

// The pair of loops NAME<T, Op, true/false>, vectorized when simd_gain<Op, T>.
#define MLX_FUSED_PICK(NAME, T, Op)                                             \
  ([] {                                                                         \
    if constexpr (simd_gain<Op, T>) {                                           \
      return StepLoops{&NAME##_simd<T, Op, true>, &NAME##_simd<T, Op, false>};   \
    } else {                                                                    \
      return StepLoops{&NAME##_plain<T, Op, true>, &NAME##_plain<T, Op, false>}; \
    }                                                                           \
  }())

} // namespace mlx::core::cpu
