// Fused-interpreter loops of the unary ops (see compiled_steps.h).
#include "mlx_core/backend/cpu/compiled_steps.h"
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/backend/cpu/special_math.h"

namespace mlx::core::cpu {

namespace {

template <typename T, typename Op>
void unary_step(const void* a, const void*, const void*, void* out, int64_t n) {
  using U = decltype(Op{}(T{}));
  if constexpr (simd_gain<Op, T>) {
    map_contiguous(static_cast<const T*>(a), static_cast<U*>(out), n, Op{});
  } else {
    map_plain(static_cast<const T*>(a), static_cast<U*>(out), n, Op{});
  }
}

template <DtypeSet set, typename Op>
StepFn pick(Dtype d) {
  StepFn fn = nullptr;
  dispatch_dtype(d, [&]<typename T>(T) {
    if constexpr (in_set(set & kFusedDtypes, dtype_of<T>)) fn = &unary_step<T, Op>;
  });
  return fn;
}

} // namespace

StepFn fused_unary_step(UnaryOp op, Dtype in) {
  switch (op) {
#define MLX_STEP_CASE(Name, Dtypes, Out) \
  case UnaryOp::Name: return pick<Dtypes, Name##Op>(in);
    MLX_UNARY_OPS(MLX_STEP_CASE)
#undef MLX_STEP_CASE
  }
  return nullptr;
}

} // namespace mlx::core::cpu
