// Kernels of the Unary primitive.
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/elementwise.h"

namespace mlx::core {

namespace {

template <typename T, typename Op>
void unary_kernel(const array& in, array& out, Op op) {
  const T* src = in.data<T>();
  T* dst = out.data<T>();
  if (in.flags().row_contiguous) {
    cpu::parallel_for(static_cast<int64_t>(in.size()), [&](int64_t lo, int64_t hi) {
      cpu::map_contiguous(src + lo, dst + lo, hi - lo, op);
    });
    return;
  }
  cpu::for_each_run<2>(in.shape(), {&out.strides(), &in.strides()}, [&](auto offs, int64_t n, auto inner) {
    T* o = dst + offs[0];
    const T* s = src + offs[1];
    int64_t so = inner[0], si = inner[1];
    for (int64_t i = 0; i < n; ++i) o[i * so] = op(s[i * si]);
  });
}

template <typename Op>
void run_unary(const array& in, array& out, Op op) {
  cpu::dispatch_dtype(in.dtype(), [&]<typename T>(T) { unary_kernel<T>(in, out, op); });
}

} // namespace

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cpu::allocate_output(out);
  switch (op_) {
    case UnaryOp::Abs: return run_unary(in, out, cpu::AbsOp{});
    case UnaryOp::Negative: return run_unary(in, out, cpu::NegativeOp{});
    case UnaryOp::Sign: return run_unary(in, out, cpu::SignOp{});
    case UnaryOp::Exp: return run_unary(in, out, cpu::ExpOp{});
    case UnaryOp::Log: return run_unary(in, out, cpu::LogOp{});
    case UnaryOp::Sqrt: return run_unary(in, out, cpu::SqrtOp{});
    case UnaryOp::Square: return run_unary(in, out, cpu::SquareOp{});
    case UnaryOp::Sin: return run_unary(in, out, cpu::SinOp{});
    case UnaryOp::Cos: return run_unary(in, out, cpu::CosOp{});
    case UnaryOp::Tanh: return run_unary(in, out, cpu::TanhOp{});
    case UnaryOp::Sigmoid: return run_unary(in, out, cpu::SigmoidOp{});
    case UnaryOp::LogicalNot: return run_unary(in, out, cpu::LogicalNotOp{});
    case UnaryOp::BitwiseInvert: return run_unary(in, out, cpu::BitwiseInvertOp{});
  }
}

} // namespace mlx::core
