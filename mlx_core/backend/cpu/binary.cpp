// Kernels of the Binary and Select primitives.
#include <limits>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/elementwise.h"

namespace mlx::core {

namespace {

// True when every element of a is the same memory location (a broadcast scalar).
bool is_scalar_like(const array& a) {
  for (size_t i = 0; i < a.strides().size(); ++i) {
    if (a.shape()[i] != 1 && a.strides()[i] != 0) return false;
  }
  return true;
}

template <typename T, typename U, typename Op>
void binary_kernel(const array& a, const array& b, array& out, Op op) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  U* po = out.data<U>();
  size_t n = out.size();
  bool ca = a.flags().row_contiguous, cb = b.flags().row_contiguous;
  int64_t total = static_cast<int64_t>(n);
  if (ca && cb) {
    cpu::parallel_for(total, [&](int64_t lo, int64_t hi) {
      cpu::zip_contiguous(pa + lo, pb + lo, po + lo, hi - lo, op);
    });
    return;
  }
  if (is_scalar_like(a) && cb) {
    T x = pa[0];
    cpu::parallel_for(total, [&](int64_t lo, int64_t hi) {
      cpu::zip_scalar_left(x, pb + lo, po + lo, hi - lo, op);
    });
    return;
  }
  if (ca && is_scalar_like(b)) {
    T y = pb[0];
    cpu::parallel_for(total, [&](int64_t lo, int64_t hi) {
      cpu::zip_scalar_right(pa + lo, y, po + lo, hi - lo, op);
    });
    return;
  }
  cpu::for_each_run<3>(out.shape(), {&out.strides(), &a.strides(), &b.strides()},
                       [&](auto offs, int64_t m, auto inner) {
    U* o = po + offs[0];
    const T* x = pa + offs[1];
    const T* y = pb + offs[2];
    int64_t sa = inner[1], sb = inner[2];
    if (inner[0] == 1 && sa == 1 && sb == 1) {
      for (int64_t i = 0; i < m; ++i) o[i] = op(x[i], y[i]);
    } else if (inner[0] == 1 && sa == 1 && sb == 0) {
      T yv = *y;
      for (int64_t i = 0; i < m; ++i) o[i] = op(x[i], yv);
    } else if (inner[0] == 1 && sa == 0 && sb == 1) {
      T xv = *x;
      for (int64_t i = 0; i < m; ++i) o[i] = op(xv, y[i]);
    } else {
      for (int64_t i = 0; i < m; ++i) o[i * inner[0]] = op(x[i * sa], y[i * sb]);
    }
  });
}

template <typename Op>
void run_binary(const array& a, const array& b, array& out, Op op) {
  cpu::dispatch_dtype(a.dtype(), [&]<typename T>(T) {
    using R = decltype(op(T{}, T{}));
    binary_kernel<T, R>(a, b, out, op);
  });
}

// INT_MIN // -1 overflows (and traps on x86); it is reported instead of computed.
void check_floor_divide_overflow(const array& a, const array& b) {
  cpu::dispatch_dtype(a.dtype(), [&]<typename T>(T) {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T> && !std::is_same_v<T, bool>) {
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      bool overflow = false;
      cpu::for_each_run<2>(a.shape(), {&a.strides(), &b.strides()}, [&](auto offs, int64_t m, auto inner) {
        for (int64_t i = 0; i < m; ++i) {
          overflow |= pa[offs[0] + i * inner[0]] == std::numeric_limits<T>::min() && pb[offs[1] + i * inner[1]] == T(-1);
        }
      });
      if (overflow) {
        throw std::invalid_argument("[floor_divide] Integer overflow: the minimum value divided by -1.");
      }
    }
  });
}

} // namespace

void Binary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  if (op_ == BinaryOp::FloorDivide) check_floor_divide_overflow(a, b);
  cpu::allocate_output(out);
  switch (op_) {
    case BinaryOp::Add: return run_binary(a, b, out, cpu::AddOp{});
    case BinaryOp::Subtract: return run_binary(a, b, out, cpu::SubtractOp{});
    case BinaryOp::Multiply: return run_binary(a, b, out, cpu::MultiplyOp{});
    case BinaryOp::Divide: return run_binary(a, b, out, cpu::DivideOp{});
    case BinaryOp::FloorDivide: return run_binary(a, b, out, cpu::FloorDivideOp{});
    case BinaryOp::Remainder: return run_binary(a, b, out, cpu::RemainderOp{});
    case BinaryOp::Power: return run_binary(a, b, out, cpu::PowerOp{});
    case BinaryOp::Maximum: return run_binary(a, b, out, cpu::MaximumOp{});
    case BinaryOp::Minimum: return run_binary(a, b, out, cpu::MinimumOp{});
    case BinaryOp::Equal: return run_binary(a, b, out, cpu::EqualOp{});
    case BinaryOp::NotEqual: return run_binary(a, b, out, cpu::NotEqualOp{});
    case BinaryOp::Less: return run_binary(a, b, out, cpu::LessOp{});
    case BinaryOp::LessEqual: return run_binary(a, b, out, cpu::LessEqualOp{});
    case BinaryOp::Greater: return run_binary(a, b, out, cpu::GreaterOp{});
    case BinaryOp::GreaterEqual: return run_binary(a, b, out, cpu::GreaterEqualOp{});
    case BinaryOp::LogicalAnd: return run_binary(a, b, out, cpu::LogicalAndOp{});
    case BinaryOp::LogicalOr: return run_binary(a, b, out, cpu::LogicalOrOp{});
    case BinaryOp::BitwiseAnd: return run_binary(a, b, out, cpu::BitwiseAndOp{});
    case BinaryOp::BitwiseOr: return run_binary(a, b, out, cpu::BitwiseOrOp{});
    case BinaryOp::BitwiseXor: return run_binary(a, b, out, cpu::BitwiseXorOp{});
    case BinaryOp::LeftShift: return run_binary(a, b, out, cpu::LeftShiftOp{});
    case BinaryOp::RightShift: return run_binary(a, b, out, cpu::RightShiftOp{});
  }
}

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& c = inputs[0];
  const array& x = inputs[1];
  const array& y = inputs[2];
  cpu::allocate_output(out);
  const bool* pc = c.data<bool>();
  cpu::dispatch_dtype(out.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* po = out.data<T>();
    cpu::for_each_run<4>(out.shape(), {&out.strides(), &c.strides(), &x.strides(), &y.strides()},
                         [&](auto offs, int64_t m, auto inner) {
      for (int64_t i = 0; i < m; ++i) {
        po[offs[0] + i * inner[0]] = pc[offs[1] + i * inner[1]] ? px[offs[2] + i * inner[2]]
                                                                : py[offs[3] + i * inner[3]];
      }
    });
  });
}

} // namespace mlx::core
