// The element-wise kernels, shared by the family translation units (unary_*.cpp,
// binary_*.cpp). Each op of the tables in primitives/elementwise.h gets one explicit
// specialization of eval_unary / eval_binary in its family's file, instantiated only for
// the dtypes its row lists; Unary/Binary::eval_cpu switch over the tables to reach them.
#pragma once
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/elementwise.h"

namespace mlx::core::cpu {

// The kernel of one unary op: gives `out` a buffer (its input's when that can be donated)
// and dispatches the computation on stream s.
template <UnaryOp op>
void eval_unary(const Stream& s, const array& in, array& out);

// The kernel of one binary op (inputs broadcast to out's shape, of one dtype).
template <BinaryOp op>
void eval_binary(const Stream& s, const array& a, const array& b, array& out);

// Each op's kernel is an explicit specialization, declared here, defined in its family's file.
#define MLX_DECLARE_KERNEL(Name, Dtypes, Out) \
  template <>                                 \
  void eval_unary<UnaryOp::Name>(const Stream& s, const array& in, array& out);
MLX_UNARY_OPS(MLX_DECLARE_KERNEL)
#undef MLX_DECLARE_KERNEL
#define MLX_DECLARE_KERNEL(Name, Dtypes, Out) \
  template <>                                 \
  void eval_binary<BinaryOp::Name>(const Stream& s, const array& a, const array& b, array& out);
MLX_BINARY_OPS(MLX_DECLARE_KERNEL)
#undef MLX_DECLARE_KERNEL

template <typename T, typename U, typename Op>
void unary_loops(const array& in, array& out, Op op) {
  const T* src = in.data<T>();
  U* dst = out.data<U>();
  if (same_dense_layout(in, out)) {
    parallel_for(static_cast<int64_t>(in.size()), [&](int64_t lo, int64_t hi) {
      if constexpr (simd_gain<Op, T>) {
        map_contiguous(src + lo, dst + lo, hi - lo, op);
      } else {
        map_plain(src + lo, dst + lo, hi - lo, op);
      }
    });
    return;
  }
  if constexpr (std::is_same_v<T, U> && simd_gain<Op, T>) {
    if (in.size() >= 4096 && out.flags().row_contiguous && static_cast<const void*>(src) != dst) {
      // A vectorizing op on a view: copy the input in order into the output (tiled when
      // transposed), then run the vector loop over the output in place.
      copy_strided(in, dst, in.dtype(), out.strides());
      parallel_for(static_cast<int64_t>(in.size()),
                   [&](int64_t lo, int64_t hi) { map_contiguous(dst + lo, dst + lo, hi - lo, op); });
      return;
    }
  }
  // Other layouts: collapsed runs (tiled against a transposed input) split over the thread
  // pool; contiguous runs (a sliced view, or one transposed but for its last axis) through
  // the vector loops.
  parallel_for_each_run_tiled<2>(in.shape(), {&out.strides(), &in.strides()}, [&](auto offs, int64_t n, auto inner) {
    U* o = dst + offs[0];
    const T* x = src + offs[1];
    int64_t so = inner[0], si = inner[1];
    if (so == 1 && si == 1) {
      if constexpr (simd_gain<Op, T>) map_contiguous(x, o, n, op);
      else map_plain(x, o, n, op);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = op(x[i * si]);
    }
  });
}

template <typename T, typename U, typename Op>
void binary_loops(const array& a, const array& b, array& out, Op op) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  U* po = out.data<U>();
  // Laid out as the output (row-contiguous, or a donor's dense layout that out took).
  bool ca = same_dense_layout(a, out), cb = same_dense_layout(b, out);
  int64_t total = static_cast<int64_t>(out.size());
  // Contiguous operands, or one contiguous and the other a broadcast scalar: one
  // parallel_for (one instantiation) picks the loop per chunk.
  enum { Both, ScalarA, ScalarB, Strided } mode = ca && cb ? Both
      : cb && is_scalar_like(a)                            ? ScalarA
      : ca && is_scalar_like(b)                            ? ScalarB
                                                           : Strided;
  if (mode != Strided) {
    parallel_for(total, [&](int64_t lo, int64_t hi) {
      if constexpr (simd_gain<Op, T>) {
        if (mode == Both) zip_contiguous(pa + lo, pb + lo, po + lo, hi - lo, op);
        else if (mode == ScalarA) zip_scalar_left_contiguous(pa[0], pb + lo, po + lo, hi - lo, op);
        else zip_scalar_right_contiguous(pa + lo, pb[0], po + lo, hi - lo, op);
      } else {
        if (mode == Both) zip_plain(pa + lo, pb + lo, po + lo, hi - lo, op);
        else if (mode == ScalarA) zip_scalar_left_plain(pa[0], pb + lo, po + lo, hi - lo, op);
        else zip_scalar_right_plain(pa + lo, pb[0], po + lo, hi - lo, op);
      }
    });
    return;
  }
  // The strided fallback: collapsed runs (tiled against transposed operands) split over the
  // thread pool, without clones.
  parallel_for_each_run_tiled<3>(out.shape(), {&out.strides(), &a.strides(), &b.strides()}, [&](auto offs, int64_t m, auto inner) {
    U* o = po + offs[0];
    const T* x = pa + offs[1];
    const T* y = pb + offs[2];
    int64_t so = inner[0], sa = inner[1], sb = inner[2];
    // Runs that are contiguous (or a broadcast scalar) use the baseline loops.
    if (so == 1 && sa == 1 && sb == 1) zip_plain(x, y, o, m, op);
    else if (so == 1 && sa == 1 && sb == 0) zip_scalar_right_plain(x, *y, o, m, op);
    else if (so == 1 && sa == 0 && sb == 1) zip_scalar_left_plain(*x, y, o, m, op);
    else for (int64_t i = 0; i < m; ++i) o[i * so] = op(x[i * sa], y[i * sb]);
  });
}

// Runs Op over the dtypes of `set` (the op's row in the table); the output type is the
// functor's result type for T.
// The output takes an input's buffer when nothing else can see it (donate_or_allocate):
// element i is read before element i is written, so the loops run in place unchanged.
template <DtypeSet set, typename Op>
void run_unary(const Stream& s, const char* name, const array& in, array& out, Op op) {
  donate_or_allocate({&in}, out);
  get_command_encoder(s).dispatch([in, out, name, op]() mutable {
    dispatch_dtype_in<set>(in.dtype(), name, [&]<typename T>(T) {
      unary_loops<T, decltype(op(T{}))>(in, out, op);
    });
  });
}

template <DtypeSet set, typename Op>
void run_binary(const Stream& s, const char* name, const array& a, const array& b, array& out, Op op) {
  donate_or_allocate({&a, &b}, out);
  get_command_encoder(s).dispatch([a, b, out, name, op]() mutable {
    dispatch_dtype_in<set>(a.dtype(), name, [&]<typename T>(T) {
      binary_loops<T, decltype(op(T{}, T{}))>(a, b, out, op);
    });
  });
}

// Defines eval_unary / eval_binary for the rows of one family's table.
#define MLX_DEFINE_UNARY_KERNEL(Name, Dtypes, Out)                                   \
  template <>                                                                        \
  void eval_unary<UnaryOp::Name>(const Stream& s, const array& in, array& out) {     \
    run_unary<unary_op_dtypes(UnaryOp::Name)>(s, #Name, in, out, Name##Op{});                                \
  }
#define MLX_DEFINE_BINARY_KERNEL(Name, Dtypes, Out)                                                    \
  template <>                                                                                          \
  void eval_binary<BinaryOp::Name>(const Stream& s, const array& a, const array& b, array& out) {      \
    run_binary<binary_op_dtypes(BinaryOp::Name)>(s, #Name, a, b, out, Name##Op{});                                               \
  }

} // namespace mlx::core::cpu
