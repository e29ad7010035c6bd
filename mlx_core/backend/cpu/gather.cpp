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

IndexWalk::IndexWalk(const std::vector<array>& idx) {
  int k = static_cast<int>(idx.size());
  inner.assign(k, 0);
  if (k == 0) return;
  shape = idx[0].shape();
  int nb = static_cast<int>(shape.size());
  last = nb > 0 ? shape[nb - 1] : 1;
  rows = 1;
  for (int d = 0; d + 1 < nb; ++d) rows *= shape[d];
  if (last == 0) rows = 0;
  strides.resize(k);
  for (int j = 0; j < k; ++j) {
    strides[j] = idx[j].strides();
    if (nb > 0) inner[j] = strides[j][nb - 1];
  }
}

void IndexWalk::row_offsets(int64_t r, std::vector<int64_t>& offs) const {
  std::fill(offs.begin(), offs.end(), 0);
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d) {
    int64_t c = r % shape[d];
    r /= shape[d];
    for (size_t j = 0; j < offs.size(); ++j) offs[j] += c * strides[j][d];
  }
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
    IndexWalk w(idx);
    std::vector<int64_t> offs(k);
    for (int64_t r = 0; r < w.rows; ++r) {
      w.row_offsets(r, offs);
      for (int64_t e = 0; e < w.last; ++e)
        for (int j = 0; j < k; ++j) checked_index(ip[j][offs[j] + e * w.inner[j]], dims[j], sl[j], axes[j], "gather");
    }
    return;
  }
  SliceRuns runs = slice_runs(slice_sizes, src.strides());
  int64_t grain = std::max<int64_t>(1, parallel_threshold / 2 / std::max<int64_t>(slice_n, 1));

  if (k == 1 && slice_n == 1 && idx[0].flags().row_contiguous) {
    // One index array selecting single elements (take of a 1-d array, a[idx]).
    const IdxT* ix = ip[0];
    int64_t dim = dims[0], st = strides[0];
    int ax = axes[0];
    parallel_for(n, [&](int64_t lo, int64_t hi) {
      if (st == 1) {
        for (int64_t i = lo; i < hi; ++i) op[i] = sp[checked_index(ix[i], dim, 1, ax, "gather")];
      } else {
        for (int64_t i = lo; i < hi; ++i) op[i] = sp[checked_index(ix[i], dim, 1, ax, "gather") * st];
      }
    }, grain);
    return;
  }
  // Index arrays of any layout (broadcast ones have zero strides): rows over the last
  // index dimension, offsets of each index array per row.
  IndexWalk w(idx);
  int64_t g2 = std::max<int64_t>(1, grain / std::max<int64_t>(w.last, 1));
  parallel_for(w.rows, [&](int64_t lo, int64_t hi) {
    std::vector<int64_t> offs(k);
    for (int64_t r = lo; r < hi; ++r) {
      w.row_offsets(r, offs);
      if (slice_n == 1 && k <= 2) {
        // Single elements from one or two index arrays (take_along_axis of a matrix, a[i, j]).
        const IdxT* p0 = ip[0] + offs[0];
        const IdxT* p1 = k == 2 ? ip[1] + offs[1] : p0;
        int64_t i0 = w.inner[0], i1 = k == 2 ? w.inner[1] : 0;
        int64_t d0 = dims[0], d1 = k == 2 ? dims[1] : 1, s0 = strides[0], s1 = k == 2 ? strides[1] : 0;
        int a0 = axes[0], a1 = k == 2 ? axes[1] : 0;
        T* o = op + r * w.last;
        if (k == 1) {
          for (int64_t e = 0; e < w.last; ++e) o[e] = sp[checked_index(p0[e * i0], d0, 1, a0, "gather") * s0];
        } else if (i0 == 0 && w.last > 0) {
          // The first index is constant along the row (take_along_axis's arange): once per row.
          const T* row = sp + checked_index(p0[0], d0, 1, a0, "gather") * s0;
          if (s1 == 1) {
            for (int64_t e = 0; e < w.last; ++e) o[e] = row[checked_index(p1[e * i1], d1, 1, a1, "gather")];
          } else {
            for (int64_t e = 0; e < w.last; ++e) o[e] = row[checked_index(p1[e * i1], d1, 1, a1, "gather") * s1];
          }
        } else {
          for (int64_t e = 0; e < w.last; ++e)
            o[e] = sp[checked_index(p0[e * i0], d0, 1, a0, "gather") * s0 +
                      checked_index(p1[e * i1], d1, 1, a1, "gather") * s1];
        }
        continue;
      }
      // Index arrays constant along the row (broadcast ones: take's row index) count once.
      int64_t row_base = 0;
      for (int j = 0; j < k; ++j) {
        if (w.inner[j] == 0 && w.last > 0)
          row_base += checked_index(ip[j][offs[j]], dims[j], sl[j], axes[j], "gather") * strides[j];
      }
      for (int64_t e = 0; e < w.last; ++e) {
        int64_t base = row_base;
        for (int j = 0; j < k; ++j) {
          if (w.inner[j] != 0)
            base += checked_index(ip[j][offs[j] + e * w.inner[j]], dims[j], sl[j], axes[j], "gather") * strides[j];
        }
        int64_t i = r * w.last + e;
        if (slice_n == 1) {
          op[i] = sp[base];
          continue;
        }
        T* o = op + i * slice_n;
        const T* s = sp + base;
        if (runs.stride == 1 && runs.offsets.size() == 1) {
          std::memcpy(o, s + runs.offsets[0], runs.length * sizeof(T));
        } else if (runs.stride == 1) {
          for (int64_t off : runs.offsets) {
            std::memcpy(o, s + off, runs.length * sizeof(T));
            o += runs.length;
          }
        } else {
          for (int64_t off : runs.offsets) {
            const T* rr = s + off;
            for (int64_t q = 0; q < runs.length; ++q) o[q] = rr[q * runs.stride];
            o += runs.length;
          }
        }
      }
    }
  }, g2);
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
    std::vector<array> idx(inputs.begin() + 1, inputs.end());
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
