// Kernels of divide, floor_divide, remainder, power and divmod.
#include <limits>

#include "mlx_core/backend/cpu/elementwise.h"

namespace mlx::core::cpu {

namespace {

// INT_MIN // -1 overflows (and traps on x86 if computed); it is reported instead.
template <typename T>
void check_division_overflow(const array& a, const array& b, const char* what) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    bool overflow = false;
    for_each_run<2>(a.shape(), {&a.strides(), &b.strides()}, [&](auto offs, int64_t m, auto inner) {
      for (int64_t i = 0; i < m; ++i) {
        overflow |= pa[offs[0] + i * inner[0]] == std::numeric_limits<T>::min() &&
            pb[offs[1] + i * inner[1]] == T(-1);
      }
    });
    if (overflow) {
      throw std::invalid_argument(std::string("[") + what + "] Integer overflow: the minimum value divided by -1.");
    }
  }
}

template <typename T>
void divmod_loops(const array& a, const array& b, array& q, array& r) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pq = q.data<T>();
  T* pr = r.data<T>();
  if (a.flags().row_contiguous && b.flags().row_contiguous) {
    parallel_for(static_cast<int64_t>(q.size()), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        pq[i] = FloorDivideOp{}(pa[i], pb[i]);
        pr[i] = RemainderOp{}(pa[i], pb[i]);
      }
    });
    return;
  }
  for_each_run<4>(q.shape(), {&q.strides(), &r.strides(), &a.strides(), &b.strides()},
                  [&](auto offs, int64_t m, auto inner) {
    for (int64_t i = 0; i < m; ++i) {
      T x = pa[offs[2] + i * inner[2]], y = pb[offs[3] + i * inner[3]];
      pq[offs[0] + i * inner[0]] = FloorDivideOp{}(x, y);
      pr[offs[1] + i * inner[1]] = RemainderOp{}(x, y);
    }
  });
}

} // namespace

MLX_DEFINE_BINARY_KERNEL(Divide, , )
MLX_DEFINE_BINARY_KERNEL(Remainder, , )
MLX_DEFINE_BINARY_KERNEL(Power, , )

template <>
void eval_binary<BinaryOp::FloorDivide>(const Stream& s, const array& a, const array& b, array& out) {
  donate_or_allocate({&a, &b}, out); // the overflow check runs before anything is written
  get_command_encoder(s).dispatch([a, b, out]() mutable {
    dispatch_dtype_in<binary_op_dtypes(BinaryOp::FloorDivide)>(a.dtype(), "FloorDivide", [&]<typename T>(T) {
      check_division_overflow<T>(a, b, "floor_divide");
      binary_loops<T, T>(a, b, out, FloorDivideOp{});
    });
  });
}

} // namespace mlx::core::cpu

namespace mlx::core {

void DivMod::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  // No donation: every output of the node holds the inputs, so no input is ever donatable.
  for (auto& o : outputs) cpu::allocate_output(o);
  cpu::get_command_encoder(stream()).dispatch([a = inputs[0], b = inputs[1], q = outputs[0], r = outputs[1]]() mutable {
    cpu::dispatch_dtype_in<kReal>(a.dtype(), "DivMod", [&]<typename T>(T) {
      cpu::check_division_overflow<T>(a, b, "divmod");
      cpu::divmod_loops<T>(a, b, q, r);
    });
  });
}

} // namespace mlx::core
