// Fused-interpreter loops of the binary ops (see compiled_steps.h).
#include "mlx_core/backend/cpu/binary_math_ops.h"
#include "mlx_core/backend/cpu/compiled_steps.h"
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/simd_dispatch.h"

namespace mlx::core::cpu {

namespace {

#define MLX_BINARY_SETUP                                                                    \
  using U = decltype(Op{}(T{}, T{}));                                                       \
  const T* x = static_cast<const T*>(a);                                                    \
  const T* y = static_cast<const T*>(b);                                                    \
  U* z = static_cast<U*>(o);                                                                \
  (void)c
MLX_FUSED_STEP_LOOPS(binary, MLX_BINARY_SETUP, z[i] = Op{}(x[i], y[i]))
MLX_FUSED_STEP_LOOPS(scalar_right, MLX_BINARY_SETUP; const T s = y[0], z[i] = Op{}(x[i], s))
MLX_FUSED_STEP_LOOPS(scalar_left, MLX_BINARY_SETUP; const T s = x[0], z[i] = Op{}(s, y[i]))
#undef MLX_BINARY_SETUP

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

namespace {

// side: -1 both operands arrays, 0 a scalar left operand, 1 a scalar right operand.
template <DtypeSet set, typename Op>
StepLoops pick(Dtype d, int side) {
  StepLoops loops;
  dispatch_dtype(d, [&]<typename T>(T) {
    if constexpr (in_set(set & kFusedDtypes, dtype_of<T>)) {
      loops = side < 0    ? MLX_FUSED_PICK(binary, T, Op)
              : side == 0 ? MLX_FUSED_PICK(scalar_left, T, Op)
                          : MLX_FUSED_PICK(scalar_right, T, Op);
    }
  });
  return loops;
}

} // namespace

StepLoops fused_binary_scalar_step(BinaryOp op, Dtype in, int side) {
  switch (op) {
#define MLX_STEP_CASE(Name, Dtypes, Out) \
  case BinaryOp::Name: return pick<Dtypes, Name##Op>(in, side);
    MLX_BINARY_OPS(MLX_STEP_CASE)
#undef MLX_STEP_CASE
  }
  return {};
}

StepLoops fused_binary_step(BinaryOp op, Dtype in) { return fused_binary_scalar_step(op, in, -1); }

} // namespace mlx::core::cpu
