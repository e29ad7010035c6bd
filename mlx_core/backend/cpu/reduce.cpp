// Kernels of Reduce and ArgReduce.
#include <limits>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/reduce.h"

namespace mlx::core {

namespace {

template <typename T>
T lowest_value() {
  if constexpr (std::is_same_v<T, bool>) return false;
  else if constexpr (cpu::is_cplx<T>) return T(-std::numeric_limits<float>::infinity(), 0.0f);
  else if constexpr (is_half_v<T>) return T(-std::numeric_limits<float>::infinity());
  else if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::lowest();
}

template <typename T>
T highest_value() {
  if constexpr (std::is_same_v<T, bool>) return true;
  else if constexpr (cpu::is_cplx<T>) return T(std::numeric_limits<float>::infinity(), 0.0f);
  else if constexpr (is_half_v<T>) return T(std::numeric_limits<float>::infinity());
  else if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::max();
}

// Reduces `in` into `out` (same rank, reduced axes of size 1). The identity fills the
// output, then every input element is folded into its output slot; runs whose output
// stride is 0 fold into a register first.
template <typename T, typename Op>
void reduce_kernel(const array& in, array& out, T init, Op op) {
  T* po = out.data<T>();
  const T* pi = in.data<T>();
  size_t on = out.size();
  for (size_t i = 0; i < on; ++i) po[i] = init;
  if (in.size() == 0) return;
  // Output strides broadcast over the reduced axes.
  Strides ostr = out.strides();
  for (int i = 0; i < in.ndim(); ++i) {
    if (out.shape()[i] == 1 && in.shape()[i] != 1) ostr[i] = 0;
  }
  cpu::for_each_run<2>(in.shape(), {&ostr, &in.strides()}, [&](auto offs, int64_t n, auto inner) {
    T* o = po + offs[0];
    const T* s = pi + offs[1];
    int64_t so = inner[0], si = inner[1];
    if (so == 0) {
      T acc = *o;
      if (si == 1) {
        for (int64_t i = 0; i < n; ++i) acc = op(acc, s[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) acc = op(acc, s[i * si]);
      }
      *o = acc;
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = op(o[i * so], s[i * si]);
    }
  });
}

// Sums of float32/float64 runs vectorize with an explicit reduction.
template <typename T>
void sum_kernel(const array& in, array& out) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (in.flags().row_contiguous && out.size() > 0 && in.size() % out.size() == 0) {
      // Reduced axes are trailing when the output is the leading part of the input.
      bool trailing = true;
      int k = 0;
      for (; k < in.ndim() && out.shape()[k] == in.shape()[k]; ++k) {}
      for (int i = k; i < in.ndim(); ++i) trailing &= out.shape()[i] == 1;
      if (trailing) {
        cpu::allocate_output(out);
        size_t rows = out.size(), len = in.size() / rows;
        const T* pi = in.data<T>();
        T* po = out.data<T>();
        for (size_t r = 0; r < rows; ++r) po[r] = cpu::sum_contiguous(pi + r * len, static_cast<int64_t>(len));
        return;
      }
    }
  }
  cpu::allocate_output(out);
  reduce_kernel<T>(in, out, T(0), cpu::AddOp{});
}

} // namespace

const char* Reduce::name() const {
  switch (type_) {
    case ReduceType::Sum: return "Sum";
    case ReduceType::Prod: return "Prod";
    case ReduceType::Max: return "Max";
    case ReduceType::Min: return "Min";
  }
  return "Reduce";
}

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cpu::dispatch_dtype(in.dtype(), [&]<typename T>(T) {
    switch (type_) {
      case ReduceType::Sum:
        return sum_kernel<T>(in, out);
      case ReduceType::Prod:
        cpu::allocate_output(out);
        return reduce_kernel<T>(in, out, T(1), cpu::MultiplyOp{});
      case ReduceType::Max:
        cpu::allocate_output(out);
        return reduce_kernel<T>(in, out, lowest_value<T>(), cpu::MaximumOp{});
      case ReduceType::Min:
        cpu::allocate_output(out);
        return reduce_kernel<T>(in, out, highest_value<T>(), cpu::MinimumOp{});
    }
  });
}

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cpu::allocate_output(out);
  uint32_t* po = out.data<uint32_t>();
  int64_t len = in.shape()[axis_];
  int64_t step = in.strides()[axis_];
  // Iterate over the output positions: the input with the reduced axis pinned to 0.
  Shape oshape = in.shape();
  oshape[axis_] = 1;
  bool is_max = type_ == ArgReduceType::ArgMax;
  cpu::dispatch_dtype(in.dtype(), [&]<typename T>(T) {
    const T* pi = in.data<T>();
    cpu::for_each_run<2>(oshape, {&out.strides(), &in.strides()}, [&](auto offs, int64_t n, auto inner) {
      for (int64_t j = 0; j < n; ++j) {
        const T* s = pi + offs[1] + j * inner[1];
        uint32_t best = 0;
        T bv = s[0];
        if (!cpu::is_nan_value(bv)) {
          for (int64_t i = 1; i < len; ++i) {
            T v = s[i * step];
            if (cpu::is_nan_value(v)) {
              best = static_cast<uint32_t>(i);
              break;
            }
            if (is_max ? cpu::less_than(bv, v) : cpu::less_than(v, bv)) {
              bv = v;
              best = static_cast<uint32_t>(i);
            }
          }
        }
        po[offs[0] + j * inner[0]] = best;
      }
    });
  });
}

} // namespace mlx::core
