// Strided iteration over several arrays of one shape, with contiguous dims collapsed.
#pragma once
#include <array>
#include <cstdint>

#include "mlx_core/array.h"

namespace mlx::core::cpu {

// Shape and per-array strides after dropping size-1 dims and merging dims that are
// contiguous in every array. Merged dims may pass 2^31 elements: the shape is 64-bit.
template <int N>
struct CollapsedLayout {
  std::vector<int64_t> shape;
  std::array<Strides, N> strides;
};

template <int N>
CollapsedLayout<N> collapse_layout(const Shape& shape, const std::array<const Strides*, N>& strides) {
  CollapsedLayout<N> out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!out.shape.empty()) {
      bool mergeable = true;
      for (int k = 0; k < N; ++k) {
        if (out.strides[k].back() != (*strides[k])[i] * static_cast<int64_t>(shape[i])) {
          mergeable = false;
          break;
        }
      }
      if (mergeable) {
        out.shape.back() *= shape[i];
        for (int k = 0; k < N; ++k) out.strides[k].back() = (*strides[k])[i];
        continue;
      }
    }
    out.shape.push_back(shape[i]);
    for (int k = 0; k < N; ++k) out.strides[k].push_back((*strides[k])[i]);
  }
  return out;
}

// Calls f(offsets, n, inner_strides) for every innermost run of the iteration space:
// offsets are element offsets of the run's first element in each array.
template <int N, typename F>
void for_each_run(const Shape& shape, const std::array<const Strides*, N>& strides, F&& f) {
  auto lay = collapse_layout<N>(shape, strides);
  std::array<int64_t, N> offs{};
  std::array<int64_t, N> inner{};
  int nd = static_cast<int>(lay.shape.size());
  if (nd == 0) {
    for (int k = 0; k < N; ++k) inner[k] = 0;
    for (auto d : shape) if (d == 0) return;
    f(offs, int64_t(1), inner);
    return;
  }
  for (auto d : lay.shape) if (d == 0) return;
  for (int k = 0; k < N; ++k) inner[k] = lay.strides[k][nd - 1];
  int64_t n = lay.shape[nd - 1];
  std::vector<int64_t> idx(nd, 0);
  while (true) {
    f(offs, n, inner);
    int d = nd - 2;
    for (; d >= 0; --d) {
      if (++idx[d] < lay.shape[d]) {
        for (int k = 0; k < N; ++k) offs[k] += lay.strides[k][d];
        break;
      }
      for (int k = 0; k < N; ++k) offs[k] -= lay.strides[k][d] * (lay.shape[d] - 1);
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

} // namespace mlx::core::cpu
