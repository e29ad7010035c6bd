// Fused-interpreter loops of casts and select (see compiled_steps.h).
#include "mlx_core/backend/cpu/compiled_steps.h"
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/simd_dispatch.h"

namespace mlx::core::cpu {

namespace {

// Op is the output type for casts, unused (void) for select.
MLX_FUSED_STEP_LOOPS(
    cast, const T* x = static_cast<const T*>(a); Op* z = static_cast<Op*>(o); (void)b; (void)c,
    z[i] = cast_value<Op>(x[i]))
MLX_FUSED_STEP_LOOPS(
    select,
    const bool* p = static_cast<const bool*>(a); const T* x = static_cast<const T*>(b);
    const T* y = static_cast<const T*>(c); T* z = static_cast<T*>(o),
    z[i] = p[i] ? x[i] : y[i])

} // namespace

StepLoops fused_select_step(Dtype t) {
  StepLoops loops;
  dispatch_dtype(t, [&]<typename T>(T) {
    if constexpr (in_set(kFusedDtypes, dtype_of<T>)) loops = {&select_simd<T, void, true>, &select_simd<T, void, false>};
  });
  return loops;
}

StepLoops fused_cast_step(Dtype in, Dtype out) {
  StepLoops loops;
  dispatch_dtype(in, [&]<typename In>(In) {
    if constexpr (in_set(kFusedDtypes, dtype_of<In>)) {
      dispatch_dtype(out, [&]<typename Out>(Out) {
        if constexpr (in_set(kFusedDtypes, dtype_of<Out>)) loops = {&cast_simd<In, Out, true>, &cast_simd<In, Out, false>};
      });
    }
  });
  return loops;
}

} // namespace mlx::core::cpu
