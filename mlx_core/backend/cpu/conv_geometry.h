// Shared by the convolution kernels (conv.cpp, conv_weight_grad.cpp): the geometry of a
// convolution with its spatial axes padded to three, per-axis index tables, and B-byte
// vector types (GCC/Clang vector extensions).
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/simd_dispatch.h"
#include "mlx_core/primitives/conv.h"

namespace mlx::core::conv_detail {

// The convolution's geometry with the spatial axes padded to three (leading axes of size 1).
struct Geometry {
  int64_t n, cin, cout, groups, cig, cog;
  int64_t in[3], k[3], out[3], stride[3], lo[3], kd[3], id[3];
  bool flip;
  int64_t ksize() const { return k[0] * k[1] * k[2]; }
  int64_t out_rows() const { return n * out[0] * out[1] * out[2]; }
};

inline Geometry make_geometry(const Shape& xs, const Shape& ws, const Shape& os, const ConvParams& p) {
  Geometry g;
  int nsp = static_cast<int>(xs.size()) - 2, off = 3 - nsp;
  g.n = xs[0];
  g.cin = xs.back();
  g.cout = ws[0];
  g.groups = p.groups;
  g.cig = g.cin / g.groups;
  g.cog = g.cout / g.groups;
  g.flip = p.flip;
  for (int i = 0; i < 3; ++i) {
    g.in[i] = g.k[i] = g.out[i] = g.stride[i] = g.kd[i] = g.id[i] = 1;
    g.lo[i] = 0;
  }
  for (int i = 0; i < nsp; ++i) {
    g.in[off + i] = xs[i + 1];
    g.k[off + i] = ws[i + 1];
    g.out[off + i] = os[i + 1];
    g.stride[off + i] = p.stride[i];
    g.lo[off + i] = p.pad_lo[i];
    g.kd[off + i] = p.kernel_dilation[i];
    g.id[off + i] = p.input_dilation[i];
  }
  return g;
}

inline Geometry make_geometry(const array& x, const array& w, const array& o, const ConvParams& p) {
  return make_geometry(x.shape(), w.shape(), o.shape(), p);
}

// Input index along axis a for output position o and kernel position k, or -1 when that
// position falls in padding or between dilated input elements.
inline int64_t input_index(const Geometry& g, int a, int64_t o, int64_t k) {
  if (g.flip) k = g.k[a] - 1 - k;
  int64_t v = o * g.stride[a] + k * g.kd[a] - g.lo[a];
  if (v < 0) return -1;
  if (g.id[a] != 1) {
    if (v % g.id[a] != 0) return -1;
    v /= g.id[a];
  }
  return v < g.in[a] ? v : -1;
}

// B-byte vectors (GCC/Clang vector extensions): 32 bytes everywhere (AVX registers on
// x86-64-v3, pairs of NEON or SSE registers elsewhere), 64 (AVX-512) where the CPU has it.
// Spelled per type: an attribute on a dependent alias is ignored.
template <typename T, int B>
struct VecOf;
template <>
struct VecOf<float, 32> {
  typedef float type __attribute__((vector_size(32)));
};
template <>
struct VecOf<double, 32> {
  typedef double type __attribute__((vector_size(32)));
};
template <>
struct VecOf<float, 64> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct VecOf<double, 64> {
  typedef double type __attribute__((vector_size(64)));
};
template <typename T, int B = 32>
using Vec = typename VecOf<T, B>::type;
template <typename T, int B = 32>
inline constexpr int kLanes = B / sizeof(T);
template <typename T, int B>
inline constexpr int kNR = 2 * kLanes<T, B>; // output channels per panel
template <typename V, typename T>
inline V load_vec(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <typename V, typename T>
inline void store_vec(T* p, V v) {
  std::memcpy(p, &v, sizeof(v));
}

// Per axis, the input index of every (output position, kernel position) pair, or -1.
inline std::vector<int64_t> index_table(const Geometry& g, int a) {
  std::vector<int64_t> t(static_cast<size_t>(g.out[a] * g.k[a]));
  for (int64_t o = 0; o < g.out[a]; ++o) {
    for (int64_t k = 0; k < g.k[a]; ++k) t[o * g.k[a] + k] = input_index(g, a, o, k);
  }
  return t;
}


// Whether the 64-byte micro-kernels can run here (simd_dispatch.h decides).
inline bool use_wide_conv_vectors() { return cpu::simd_isa() == cpu::SimdIsa::avx512; }

// A row-contiguous view of `a` in dtype `dt`: a itself when it already is one.
inline array dense(const array& a, Dtype dt) {
  if (a.dtype() == dt && a.flags().row_contiguous) return a;
  return cpu::contiguous_copy(a, dt);
}

} // namespace mlx::core::conv_detail
