// The Gather kernel: slices copied from positions given by index arrays. Elements are moved
// as raw bytes (the kernel depends only on the item size), the index dtype is one of int32,
// int64, uint32, uint64.
#include "mlx_core/backend/cpu/gather.h"

#include <cstring>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/primitives/indexing.h"

namespace mlx::core {

namespace cpu {

void index_error(const char* op, int64_t value, bool huge, int axis, int64_t size, int64_t slice) {
  std::string v = huge ? std::string("beyond 2**63") : std::to_string(value);
  std::string msg = std::string("[") + op + "] Index " + v + " is out of bounds for axis " + std::to_string(axis) +
                    " with size " + std::to_string(size);
  if (slice != 1) msg += " (slice of size " + std::to_string(slice) + ")";
  throw std::out_of_range(msg + ".");
}

SliceRuns slice_runs(const Shape& slice, const Strides& strides) {
  // Drop axes of size 1, then merge neighbours whose strides chain.
  std::vector<int64_t> sz, st;
  for (size_t d = 0; d < slice.size(); ++d) {
    if (slice[d] == 1) continue;
    if (!sz.empty() && st.back() == strides[d] * slice[d]) {
      sz.back() *= slice[d];
      st.back() = strides[d];
    } else {
      sz.push_back(slice[d]);
      st.push_back(strides[d]);
    }
  }
  SliceRuns r;
  if (sz.empty()) {
    r.offsets = {0};
    return r;
  }
  r.length = sz.back();
  r.stride = st.back();
  sz.pop_back();
  st.pop_back();
  int64_t runs = 1;
  for (auto s : sz) runs *= s;
  r.offsets.resize(runs);
  std::vector<int64_t> pos(sz.size(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < runs; ++i) {
    r.offsets[i] = off;
    for (int d = static_cast<int>(sz.size()) - 1; d >= 0; --d) {
      off += st[d];
      if (++pos[d] < sz[d]) break;
      off -= st[d] * sz[d];
      pos[d] = 0;
    }
  }
  return r;
}

std::vector<array> contiguous_indices(const std::vector<array>& inputs, size_t first, size_t n) {
  std::vector<array> out;
  for (size_t i = first; i < first + n; ++i) {
    const array& x = inputs[i];
    out.push_back(x.flags().row_contiguous ? x : contiguous_copy(x, x.dtype()));
  }
  return out;
}

namespace {

template <typename T, typename IdxT>
void gather_kernel(const array& src, const std::vector<array>& idx, const std::vector<int>& axes,
                   const Shape& slice_sizes, array& out) {
  int k = static_cast<int>(idx.size());
  int64_t n = k > 0 ? static_cast<int64_t>(idx[0].size()) : 1;
  int64_t slice_n = 1;
  for (auto s : slice_sizes) slice_n *= s;
  if (n == 0) return;
  const T* sp = src.data<T>();
  T* op = out.data<T>();
  std::vector<const IdxT*> ip(k);
  std::vector<int64_t> dims(k), strides(k), sl(k);
  for (int j = 0; j < k; ++j) {
    ip[j] = idx[j].data<IdxT>();
    dims[j] = src.shape(axes[j]);
    strides[j] = src.strides()[axes[j]];
    sl[j] = slice_sizes[axes[j]];
  }
  if (slice_n == 0) {
    // Nothing to copy, but the indices must still be valid.
    for (int64_t i = 0; i < n; ++i)
      for (int j = 0; j < k; ++j) checked_index(ip[j][i], dims[j], sl[j], axes[j], "gather");
    return;
  }
  SliceRuns runs = slice_runs(slice_sizes, src.strides());
  int64_t grain = std::max<int64_t>(1, parallel_threshold / 2 / slice_n);

  if (k == 1 && slice_n == 1) {
    // One index array selecting single elements (take of a 1-d array, a[idx]).
    const IdxT* ix = ip[0];
    int64_t dim = dims[0], st = strides[0];
    int ax = axes[0];
    parallel_for(n, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) op[i] = sp[checked_index(ix[i], dim, 1, ax, "gather") * st];
    }, grain);
    return;
  }
  parallel_for(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      int64_t base = 0;
      for (int j = 0; j < k; ++j) base += checked_index(ip[j][i], dims[j], sl[j], axes[j], "gather") * strides[j];
      T* o = op + i * slice_n;
      const T* s = sp + base;
      if (runs.stride == 1) {
        for (int64_t off : runs.offsets) {
          std::memcpy(o, s + off, runs.length * sizeof(T));
          o += runs.length;
        }
      } else {
        for (int64_t off : runs.offsets) {
          const T* r = s + off;
          for (int64_t e = 0; e < runs.length; ++e) o[e] = r[e * runs.stride];
          o += runs.length;
        }
      }
    }
  }, grain);
}

template <typename T>
void gather_typed(const array& src, const std::vector<array>& idx, const std::vector<int>& axes,
                  const Shape& slice_sizes, array& out) {
  Dtype it = idx.empty() ? int32 : idx[0].dtype();
  if (it == int32) gather_kernel<T, int32_t>(src, idx, axes, slice_sizes, out);
  else if (it == int64) gather_kernel<T, int64_t>(src, idx, axes, slice_sizes, out);
  else if (it == uint32) gather_kernel<T, uint32_t>(src, idx, axes, slice_sizes, out);
  else if (it == uint64) gather_kernel<T, uint64_t>(src, idx, axes, slice_sizes, out);
  else throw std::invalid_argument("[gather] Unsupported index dtype.");
}

} // namespace

} // namespace cpu

void Gather::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([inputs, out, axes = axes_, ss = slice_sizes_]() mutable {
    std::vector<array> idx = cpu::contiguous_indices(inputs, 1, axes.size());
    const array& src = inputs[0];
    switch (src.itemsize()) {
      case 1: cpu::gather_typed<uint8_t>(src, idx, axes, ss, out); break;
      case 2: cpu::gather_typed<uint16_t>(src, idx, axes, ss, out); break;
      case 4: cpu::gather_typed<uint32_t>(src, idx, axes, ss, out); break;
      default: cpu::gather_typed<uint64_t>(src, idx, axes, ss, out); break;
    }
  });
}

} // namespace mlx::core
