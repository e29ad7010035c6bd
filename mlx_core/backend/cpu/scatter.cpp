// The Scatter kernel: a copy of the destination, then every update slice combined in at the
// position its indices give, in index order (so an assignment keeps the last of repeated
// positions). Assignment moves raw bytes; the reductions are typed.
#include <cstring>
#include <type_traits>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/gather.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/primitives/indexing.h"

namespace mlx::core {

namespace cpu {
namespace {

// Signed integers add and multiply with wrap-around (as the element-wise ops do): in an
// unsigned type at least as wide as int, so that nothing overflows a signed type.
template <typename T>
using scatter_wrap_t = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

struct Assign {
  template <typename T>
  static void apply(T& d, const T& u) { d = u; }
};
struct AddOp {
  template <typename T>
  static void apply(T& d, const T& u) {
    if constexpr (std::is_same_v<T, bool>) d = d || u;
    else if constexpr (std::is_integral_v<T>)
      d = static_cast<T>(static_cast<scatter_wrap_t<T>>(d) + static_cast<scatter_wrap_t<T>>(u));
    else d = static_cast<T>(d + u);
  }
};
struct ProdOp {
  template <typename T>
  static void apply(T& d, const T& u) {
    if constexpr (std::is_same_v<T, bool>) d = d && u;
    else if constexpr (std::is_integral_v<T>)
      d = static_cast<T>(static_cast<scatter_wrap_t<T>>(d) * static_cast<scatter_wrap_t<T>>(u));
    else d = static_cast<T>(d * u);
  }
};
// As the element-wise maximum and minimum: NaN wins (as in NumPy's maximum.at), complex
// numbers compare lexicographically (real part, then imaginary part).
template <typename T>
bool is_nan_elem(const T& v) {
  if constexpr (std::is_same_v<T, complex64_t>) return v.real() != v.real() || v.imag() != v.imag();
  else return !(v == v);
}
template <typename T>
bool less_elem(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, complex64_t>)
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  else return a < b;
}
struct MaxOp {
  template <typename T>
  static void apply(T& d, const T& u) {
    if (!is_nan_elem(d) && (is_nan_elem(u) || less_elem(d, u))) d = u;
  }
};
struct MinOp {
  template <typename T>
  static void apply(T& d, const T& u) {
    if (!is_nan_elem(d) && (is_nan_elem(u) || less_elem(u, d))) d = u;
  }
};

template <typename Op, typename T, typename IdxT>
void scatter_kernel(const std::vector<array>& idx, const array& upd, const std::vector<int>& axes, array& out) {
  int k = static_cast<int>(idx.size());
  int nd = out.ndim();
  int bnd = upd.ndim() - nd;
  int64_t n = 1;
  for (int d = 0; d < bnd; ++d) n *= upd.shape(d);
  Shape slice(upd.shape().end() - nd, upd.shape().end());
  int64_t slice_n = 1;
  for (auto s : slice) slice_n *= s;
  if (n == 0) return;
  std::vector<const IdxT*> ip(k);
  std::vector<int64_t> dims(k), strides(k), sl(k);
  for (int j = 0; j < k; ++j) {
    ip[j] = idx[j].data<IdxT>();
    dims[j] = out.shape(axes[j]);
    strides[j] = out.strides()[axes[j]];
    sl[j] = slice[axes[j]];
  }
  T* op = out.data<T>();
  const T* up = upd.data<T>();
  if (k == 1 && slice_n == 1 && idx[0].flags().row_contiguous) {
    const IdxT* ix = ip[0];
    int64_t dim = dims[0], st = strides[0];
    int ax = axes[0];
    for (int64_t i = 0; i < n; ++i) Op::apply(op[checked_index(ix[i], dim, 1, ax, "scatter") * st], up[i]);
    return;
  }
  SliceRuns runs = slice_runs(slice, out.strides());
  IndexWalk w(idx);
  std::vector<int64_t> offs(k);
  for (int64_t r = 0; r < w.rows; ++r) {
    w.row_offsets(r, offs);
    for (int64_t e = 0; e < w.last; ++e) {
      int64_t base = 0;
      for (int j = 0; j < k; ++j)
        base += checked_index(ip[j][offs[j] + e * w.inner[j]], dims[j], sl[j], axes[j], "scatter") * strides[j];
      if (slice_n == 0) continue;
      int64_t i = r * w.last + e;
      const T* u = up + i * slice_n;
      T* o = op + base;
      if (slice_n == 1) {
        Op::apply(*o, *u);
        continue;
      }
      for (int64_t off : runs.offsets) {
        T* rr = o + off;
        if constexpr (std::is_same_v<Op, Assign>) {
          if (runs.stride == 1) {
            std::memcpy(rr, u, runs.length * sizeof(T));
            u += runs.length;
            continue;
          }
        }
        for (int64_t q = 0; q < runs.length; ++q) Op::apply(rr[q * runs.stride], u[q]);
        u += runs.length;
      }
    }
  }
}

template <typename Op, typename T>
void scatter_typed(const std::vector<array>& idx, const array& upd, const std::vector<int>& axes, array& out) {
  Dtype it = idx.empty() ? int32 : idx[0].dtype();
  if (it == int32) scatter_kernel<Op, T, int32_t>(idx, upd, axes, out);
  else if (it == int64) scatter_kernel<Op, T, int64_t>(idx, upd, axes, out);
  else if (it == uint32) scatter_kernel<Op, T, uint32_t>(idx, upd, axes, out);
  else if (it == uint64) scatter_kernel<Op, T, uint64_t>(idx, upd, axes, out);
  else throw std::invalid_argument("[scatter] Unsupported index dtype.");
}

template <typename Op>
void scatter_reduce(Dtype dt, const std::vector<array>& idx, const array& upd, const std::vector<int>& axes,
                    array& out) {
  dispatch_dtype(dt, [&]<typename T>(T) { scatter_typed<Op, T>(idx, upd, axes, out); });
}

} // namespace
} // namespace cpu

void Scatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  bool in_place = cpu::donate_or_allocate(inputs[0], out);
  cpu::get_command_encoder(stream()).dispatch([inputs, out, axes = axes_, reduce = reduce_, in_place]() mutable {
    size_t k = axes.size();
    std::vector<array> idx(inputs.begin() + 1, inputs.begin() + 1 + k);
    const array& dst = inputs[0];
    array upd = inputs[k + 1];
    if (!upd.flags().row_contiguous) upd = cpu::contiguous_copy(upd, upd.dtype());
    if (!in_place) cpu::copy_strided(dst, out.raw_data(), out.dtype(), out.strides());
    switch (reduce) {
      case ScatterReduce::None:
        switch (out.itemsize()) {
          case 1: cpu::scatter_typed<cpu::Assign, uint8_t>(idx, upd, axes, out); break;
          case 2: cpu::scatter_typed<cpu::Assign, uint16_t>(idx, upd, axes, out); break;
          case 4: cpu::scatter_typed<cpu::Assign, uint32_t>(idx, upd, axes, out); break;
          default: cpu::scatter_typed<cpu::Assign, uint64_t>(idx, upd, axes, out); break;
        }
        break;
      case ScatterReduce::Add: cpu::scatter_reduce<cpu::AddOp>(out.dtype(), idx, upd, axes, out); break;
      case ScatterReduce::Prod: cpu::scatter_reduce<cpu::ProdOp>(out.dtype(), idx, upd, axes, out); break;
      case ScatterReduce::Max: cpu::scatter_reduce<cpu::MaxOp>(out.dtype(), idx, upd, axes, out); break;
      case ScatterReduce::Min: cpu::scatter_reduce<cpu::MinOp>(out.dtype(), idx, upd, axes, out); break;
    }
  });
}

} // namespace mlx::core
