// Kernel of Convolution (channels-last). Two paths:
//  - depthwise (one input and one output channel per group): a direct kernel that
//    vectorises over the channels;
//  - everything else: im2col in bounded blocks of output rows, each block multiplied by
//    the group's weight with OpenBLAS GEMM (a 1x1 convolution needs no im2col at all).
// float16 / bfloat16 compute in float32; float64 in double.
#include <algorithm>
#include <cstring>
#include <vector>

#include "mlx_core/backend/cpu/blas.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/primitives/conv.h"

namespace mlx::core {

namespace {

// The convolution's geometry with the spatial axes padded to three (leading axes of size 1).
struct Geometry {
  int64_t n, cin, cout, groups, cig, cog;
  int64_t in[3], k[3], out[3], stride[3], lo[3], kd[3], id[3];
  bool flip;
  int64_t ksize() const { return k[0] * k[1] * k[2]; }
  int64_t out_rows() const { return n * out[0] * out[1] * out[2]; }
};

Geometry make_geometry(const array& x, const array& w, const array& o, const ConvParams& p) {
  Geometry g;
  int nsp = x.ndim() - 2, off = 3 - nsp;
  g.n = x.shape()[0];
  g.cin = x.shape().back();
  g.cout = w.shape()[0];
  g.groups = p.groups;
  g.cig = g.cin / g.groups;
  g.cog = g.cout / g.groups;
  g.flip = p.flip;
  for (int i = 0; i < 3; ++i) {
    g.in[i] = g.k[i] = g.out[i] = g.stride[i] = g.kd[i] = g.id[i] = 1;
    g.lo[i] = 0;
  }
  for (int i = 0; i < nsp; ++i) {
    g.in[off + i] = x.shape()[i + 1];
    g.k[off + i] = w.shape()[i + 1];
    g.out[off + i] = o.shape()[i + 1];
    g.stride[off + i] = p.stride[i];
    g.lo[off + i] = p.pad_lo[i];
    g.kd[off + i] = p.kernel_dilation[i];
    g.id[off + i] = p.input_dilation[i];
  }
  return g;
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

template <typename T>
void gemm_nt(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    scipy_cblas_sgemm64_(MLX_CblasRowMajor, MLX_CblasNoTrans, MLX_CblasTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  } else {
    scipy_cblas_dgemm64_(MLX_CblasRowMajor, MLX_CblasNoTrans, MLX_CblasTrans, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
  }
}

// Writes the im2col rows [r0, r1) of group `grp` into col (row length ksize * cig).
template <typename T>
void im2col(const Geometry& g, const T* x, int64_t grp, int64_t r0, int64_t r1, T* col) {
  const int64_t cig = g.cig, kk = g.ksize() * cig;
  const int64_t sx2 = g.cin, sx1 = g.in[2] * sx2, sx0 = g.in[1] * sx1, sxn = g.in[0] * sx0;
  for (int64_t r = r0; r < r1; ++r) {
    int64_t t = r;
    int64_t o2 = t % g.out[2];
    t /= g.out[2];
    int64_t o1 = t % g.out[1];
    t /= g.out[1];
    int64_t o0 = t % g.out[0];
    int64_t b = t / g.out[0];
    T* dst = col + (r - r0) * kk;
    const T* xb = x + b * sxn + grp * cig;
    for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
      int64_t i0 = input_index(g, 0, o0, k0);
      for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
        int64_t i1 = i0 < 0 ? -1 : input_index(g, 1, o1, k1);
        for (int64_t k2 = 0; k2 < g.k[2]; ++k2, dst += cig) {
          int64_t i2 = i1 < 0 ? -1 : input_index(g, 2, o2, k2);
          if (i2 < 0) {
            std::memset(dst, 0, cig * sizeof(T));
          } else {
            std::memcpy(dst, xb + i0 * sx0 + i1 * sx1 + i2 * sx2, cig * sizeof(T));
          }
        }
      }
    }
  }
}

// Whether the im2col matrix of a group is the input itself (a 1x1 convolution).
bool im2col_is_identity(const Geometry& g) {
  for (int a = 0; a < 3; ++a) {
    if (g.k[a] != 1 || g.stride[a] != 1 || g.lo[a] != 0 || g.id[a] != 1 || g.out[a] != g.in[a]) return false;
  }
  return true;
}

template <typename T>
void conv_gemm(const Geometry& g, const T* x, const T* w, T* out) {
  const int64_t rows = g.out_rows(), kk = g.ksize() * g.cig;
  if (im2col_is_identity(g)) {
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      gemm_nt<T>(rows, g.cog, g.cig, x + grp * g.cig, g.cin, w + grp * g.cog * kk, kk, out + grp * g.cog, g.cout);
    }
    return;
  }
  // Blocks of output rows whose im2col matrix stays around 4 MB (at least 64 rows).
  int64_t block = std::max<int64_t>(64, (int64_t(4) << 20) / std::max<int64_t>(1, kk * int64_t(sizeof(T))));
  block = std::min(block, rows);
  std::vector<T> col(static_cast<size_t>(block * kk));
  for (int64_t r0 = 0; r0 < rows; r0 += block) {
    int64_t r1 = std::min(rows, r0 + block);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      cpu::parallel_for(r1 - r0, [&](int64_t a, int64_t b) { im2col<T>(g, x, grp, r0 + a, r0 + b, col.data() + a * kk); },
                        std::max<int64_t>(1, 16384 / std::max<int64_t>(kk, 1)));
      gemm_nt<T>(r1 - r0, g.cog, kk, col.data(), kk, w + grp * g.cog * kk, kk, out + r0 * g.cout + grp * g.cog, g.cout);
    }
  }
}

// Depthwise: out[..., c] = sum_k x[..., pos(k), c] * w[c, k] with one channel per group.
template <typename T>
void conv_depthwise(const Geometry& g, const T* x, const T* w, T* out) {
  const int64_t c = g.cout, ks = g.ksize();
  std::vector<T> wt(static_cast<size_t>(ks * c)); // (K, C)
  for (int64_t ch = 0; ch < c; ++ch) {
    for (int64_t k = 0; k < ks; ++k) wt[k * c + ch] = w[ch * ks + k];
  }
  const int64_t sx2 = c, sx1 = g.in[2] * sx2, sx0 = g.in[1] * sx1, sxn = g.in[0] * sx0;
  const int64_t lines = g.n * g.out[0] * g.out[1];
  cpu::parallel_for(lines, [&](int64_t l0, int64_t l1) {
    for (int64_t l = l0; l < l1; ++l) {
      int64_t o1 = l % g.out[1], o0 = (l / g.out[1]) % g.out[0], b = l / (g.out[1] * g.out[0]);
      T* orow = out + l * g.out[2] * c;
      for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
        T* acc = orow + o2 * c;
        std::fill(acc, acc + c, T(0));
        for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
          int64_t i0 = input_index(g, 0, o0, k0);
          if (i0 < 0) continue;
          for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
            int64_t i1 = input_index(g, 1, o1, k1);
            if (i1 < 0) continue;
            for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
              int64_t i2 = input_index(g, 2, o2, k2);
              if (i2 < 0) continue;
              const T* xp = x + b * sxn + i0 * sx0 + i1 * sx1 + i2 * sx2;
              const T* wp = wt.data() + ((k0 * g.k[1] + k1) * g.k[2] + k2) * c;
#pragma omp simd
              for (int64_t ch = 0; ch < c; ++ch) acc[ch] += xp[ch] * wp[ch];
            }
          }
        }
      }
    }
  }, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.out[2] * c * ks)));
}

template <typename T>
void run_conv(const Geometry& g, const T* x, const T* w, T* out) {
  if (g.cig == 1 && g.cog == 1) {
    conv_depthwise<T>(g, x, w, out);
  } else {
    conv_gemm<T>(g, x, w, out);
  }
}

// A row-contiguous view of `a` in dtype `dt`: a itself when it already is one.
array dense(const array& a, Dtype dt) {
  if (a.dtype() == dt && a.flags().row_contiguous) return a;
  return cpu::contiguous_copy(a, dt);
}

void eval_conv(const array& xin, const array& win, array& out, const ConvParams& p) {
  if (out.size() == 0) return;
  Geometry g = make_geometry(xin, win, out, p);
  if (g.cig == 0) {
    std::memset(out.raw_data(), 0, out.nbytes());
    return;
  }
  Dtype dt = out.dtype();
  Dtype work = dt == float64 ? float64 : float32;
  array x = dense(xin, work), w = dense(win, work);
  if (work == float64) {
    run_conv<double>(g, x.data<double>(), w.data<double>(), out.data<double>());
  } else if (dt == float32) {
    run_conv<float>(g, x.data<float>(), w.data<float>(), out.data<float>());
  } else {
    array tmp(out.shape(), float32, nullptr, {});
    cpu::allocate_output(tmp);
    run_conv<float>(g, x.data<float>(), w.data<float>(), tmp.data<float>());
    cpu::copy_strided(tmp, out.raw_data(), dt, out.strides());
  }
}

} // namespace

void Convolution::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([x = inputs[0], w = inputs[1], out, p = p_]() mutable {
    eval_conv(x, w, out, p);
  });
}

} // namespace mlx::core
