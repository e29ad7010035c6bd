// Fused-interpreter loops of the binary ops (see compiled_steps.h).
#include "mlx_core/backend/cpu/binary_math_ops.h"
#include "mlx_core/backend/cpu/compiled_steps.h"
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/simd_loops.h"

namespace mlx::core::cpu {

namespace {

template <typename T, typename Op>
void binary_step(const void* a, const void* b, const void*, void* out, int64_t n) {
  using U = decltype(Op{}(T{}, T{}));
  if constexpr (simd_gain<Op, T>) {
    zip_contiguous(static_cast<const T*>(a), static_cast<const T*>(b), static_cast<U*>(out), n, Op{});
  } else {
    zip_plain(static_cast<const T*>(a), static_cast<const T*>(b), static_cast<U*>(out), n, Op{});
  }
}

template <DtypeSet set, typename Op>
StepFn pick(Dtype d) {
  StepFn fn = nullptr;
  dispatch_dtype(d, [&]<typename T>(T) {
    if constexpr (in_set(set & kFusedDtypes, dtype_of<T>)) fn = &binary_step<T, Op>;
  });
  return fn;
}

// a > b and a >= b as the unfused kernels compute them: b < a and b <= a.
template <typename Op>
struct Swapped {
  template <typename T>
  auto operator()(T a, T b) const {
    return Op{}(b, a);
  }
};
using GreaterOp = Swapped<LessOp>;
using GreaterEqualOp = Swapped<LessEqualOp>;

} // namespace

template <typename Op, typename T>
inline constexpr bool simd_gain<Swapped<Op>, T> = simd_gain<Op, T>;

StepFn fused_binary_step(BinaryOp op, Dtype in) {
  switch (op) {
#define MLX_STEP_CASE(Name, Dtypes, Out) \
  case BinaryOp::Name: return pick<Dtypes, Name##Op>(in);
    MLX_BINARY_OPS(MLX_STEP_CASE)
#undef MLX_STEP_CASE
  }
  return nullptr;
}

} // namespace mlx::core::cpu
