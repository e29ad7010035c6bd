// Fused-interpreter loops of casts and select (see compiled_steps.h).
#include "mlx_core/backend/cpu/compiled_steps.h"
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/simd_loops.h"

namespace mlx::core::cpu {

namespace {

template <typename In, typename Out>
void cast_step(const void* a, const void*, const void*, void* out, int64_t n) {
  cast_contiguous(static_cast<const In*>(a), static_cast<Out*>(out), n);
}

template <typename T>
MLX_SIMD_CLONES_AVX2 void select_step(const void* c, const void* x, const void* y, void* out, int64_t n) {
  const bool* pc = static_cast<const bool*>(c);
  const T* px = static_cast<const T*>(x);
  const T* py = static_cast<const T*>(y);
  T* po = static_cast<T*>(out);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) po[i] = pc[i] ? px[i] : py[i];
}

} // namespace

StepFn fused_select_step(Dtype t) {
  StepFn fn = nullptr;
  dispatch_dtype(t, [&]<typename T>(T) {
    if constexpr (in_set(kFusedDtypes, dtype_of<T>)) fn = &select_step<T>;
  });
  return fn;
}

StepFn fused_cast_step(Dtype in, Dtype out) {
  StepFn fn = nullptr;
  dispatch_dtype(in, [&]<typename In>(In) {
    if constexpr (in_set(kFusedDtypes, dtype_of<In>)) {
      dispatch_dtype(out, [&]<typename Out>(Out) {
        if constexpr (in_set(kFusedDtypes, dtype_of<Out>)) fn = &cast_step<In, Out>;
      });
    }
  });
  return fn;
}

} // namespace mlx::core::cpu
