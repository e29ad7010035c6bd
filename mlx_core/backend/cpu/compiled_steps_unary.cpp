// Fused-interpreter loops of the unary ops (see compiled_steps.h).
#include "mlx_core/backend/cpu/compiled_steps.h"
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/simd_dispatch.h"
#include "mlx_core/backend/cpu/special_math.h"

namespace mlx::core::cpu {

namespace {

MLX_FUSED_STEP_LOOPS(
    unary,
    using U = decltype(Op{}(T{})); const T* x = static_cast<const T*>(a); U* z = static_cast<U*>(o); (void)b; (void)c,
    z[i] = Op{}(x[i]))

template <DtypeSet set, typename Op>
StepLoops pick(Dtype d) {
  StepLoops loops;
  dispatch_dtype(d, [&]<typename T>(T) {
    if constexpr (in_set(set & kFusedDtypes, dtype_of<T>)) loops = MLX_FUSED_PICK(unary, T, Op);
  });
  return loops;
}

} // namespace

StepLoops fused_unary_step(UnaryOp op, Dtype in) {
  switch (op) {
#define MLX_STEP_CASE(Name, Dtypes, Out) \
  case UnaryOp::Name: return pick<Dtypes, Name##Op>(in);
    MLX_UNARY_OPS(MLX_STEP_CASE)
#undef MLX_STEP_CASE
  }
  return {};
}

} // namespace mlx::core::cpu
