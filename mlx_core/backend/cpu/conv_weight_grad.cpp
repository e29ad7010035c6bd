// Kernel of ConvWeightGrad: the gradient of a convolution with respect to its weight,
//   dW[co, (k, ci)] = sum over rows r = (n, out position) of G[r, co] * A[r, (k, ci)],
// a GEMM whose reduction runs over every output position of the batch (A = im2col of the
// input). The rows are cut into blocks; each block of A is built into a cache-resident
// buffer (rows padded to whole panels of NR columns) and the block's cotangent rows are
// packed per tile of MR output channels, then a micro-kernel keeps an MR x NR tile of dW in
// vector registers over the block's rows. The rows are split over the thread pool with one
// buffer of partial sums per row part (and the output channels too when the rows are few),
// added up at the end. float16 / bfloat16 compute in float32; float64 in double.
#include <algorithm>
#include <cstring>
#include <vector>

#include "mlx_core/backend/cpu/conv_geometry.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/primitives/conv.h"

namespace mlx::core {

using namespace conv_detail;

namespace {

inline constexpr int kWMR = 6; // output channels per tile

// c[i][0:NR] += sum_{r < rows} gp[r * MR + i] * a[r * lda + 0:NR] for the MR rows of a tile.
template <typename T, int B>
__attribute__((always_inline)) inline void wg_body(int64_t rows, const T* gp, const T* a, int64_t lda, T* c,
                                                   int64_t ldc) {
  using V = Vec<T, B>;
  constexpr int L = kLanes<T, B>;
  V acc0[kWMR], acc1[kWMR];
  for (int i = 0; i < kWMR; ++i) acc0[i] = acc1[i] = V{};
  for (int64_t r = 0; r < rows; ++r, gp += kWMR, a += lda) {
    V a0 = load_vec<V>(a), a1 = load_vec<V>(a + L);
    for (int i = 0; i < kWMR; ++i) {
      T gv = gp[i];
      acc0[i] += gv * a0;
      acc1[i] += gv * a1;
    }
  }
  for (int i = 0; i < kWMR; ++i) {
    T* ci = c + i * ldc;
    store_vec(ci, load_vec<V>(ci) + acc0[i]);
    store_vec(ci + L, load_vec<V>(ci + L) + acc1[i]);
  }
}

template <typename T>
MLX_SIMD_CLONES void wg_micro(int64_t rows, const T* gp, const T* a, int64_t lda, T* c, int64_t ldc) {
  wg_body<T, 32>(rows, gp, a, lda, c, ldc);
}

#ifdef MLX_X86_DISPATCH
template <typename T>
MLX_TARGET_AVX512 void wg_micro_wide(int64_t rows, const T* gp, const T* a, int64_t lda, T* c, int64_t ldc) {
  wg_body<T, 64>(rows, gp, a, lda, c, ldc);
}
#endif

template <typename T, int B>
inline void wg_call(int64_t rows, const T* gp, const T* a, int64_t lda, T* c, int64_t ldc) {
#ifdef MLX_X86_DISPATCH
  if constexpr (B == 64) {
    wg_micro_wide<T>(rows, gp, a, lda, c, ldc);
    return;
  }
#endif
  wg_micro<T>(rows, gp, a, lda, c, ldc);
}

// Rows [r0, r0 + n) of im2col(x) for group grp into dst (row stride ld): per row the input
// channel vectors (C_in / groups each) of every tap, zeros for taps in padding or between
// dilated input elements.
template <typename T>
void im2col_rows(const Geometry& g, const T* x, const int64_t* t0, const int64_t* t1, const int64_t* t2, int64_t grp,
                 int64_t r0, int64_t n, T* dst, int64_t ld) {
  const int64_t cig = g.cig, k0n = g.k[0], k1n = g.k[1], k2n = g.k[2];
  const int64_t sx2 = g.cin, sx1 = g.in[2] * sx2, sx0 = g.in[1] * sx1, sxn = g.in[0] * sx0;
  const bool can_merge = g.groups == 1 && g.kd[2] == 1 && g.id[2] == 1 && !g.flip;
  const size_t seg = static_cast<size_t>(cig) * sizeof(T);
  for (int64_t r = 0; r < n; ++r) {
    int64_t row = r0 + r;
    int64_t o2 = row % g.out[2], rest = row / g.out[2];
    int64_t o1 = rest % g.out[1];
    rest /= g.out[1];
    int64_t o0 = rest % g.out[0], b = rest / g.out[0];
    T* d = dst + r * ld;
    const int64_t* t2o = t2 + o2 * k2n;
    bool merge = can_merge && t2o[0] >= 0 && t2o[k2n - 1] >= 0;
    for (int64_t k0 = 0; k0 < k0n; ++k0) {
      int64_t x0 = t0[o0 * k0n + k0];
      for (int64_t k1 = 0; k1 < k1n; ++k1, d += k2n * cig) {
        int64_t x1 = t1[o1 * k1n + k1];
        if (x0 < 0 || x1 < 0) {
          std::memset(d, 0, seg * k2n);
          continue;
        }
        const T* base = x + b * sxn + x0 * sx0 + x1 * sx1 + grp * cig;
        if (merge) {
          std::memcpy(d, base + t2o[0] * sx2, seg * k2n);
          continue;
        }
        for (int64_t k2 = 0; k2 < k2n; ++k2) {
          int64_t x2 = t2o[k2];
          if (x2 < 0) {
            std::memset(d + k2 * cig, 0, seg);
          } else {
            std::memcpy(d + k2 * cig, base + x2 * sx2, seg);
          }
        }
      }
    }
  }
}

template <typename T, int B>
void weight_grad_gemm(const Geometry& g, const T* x, const T* gy, T* dw) {
  constexpr int NR = kNR<T, B>;
  const int64_t kc = g.ksize() * g.cig, kcp = (kc + NR - 1) / NR * NR, panels = kcp / NR;
  const int64_t rows = g.out_rows();
  const int64_t tiles = (g.cog + kWMR - 1) / kWMR, units = g.groups * tiles;
  const int64_t crows = units * kWMR; // rows of a partial-sum buffer (padded channels)
  // Row blocks: the im2col block and the packed cotangent block within ~512 KB.
  const int64_t rb = std::clamp<int64_t>((int64_t(1) << 17) / (kcp + tiles * kWMR), 16, 512);
  const int64_t workers = cpu::worker_count();
  // Row parts (each with its own partial sums, at most ~64 MB of them), then the output
  // channel tiles split among the threads that are left.
  int64_t parts = std::min<int64_t>(workers, (rows + rb - 1) / rb);
  parts = std::max<int64_t>(1, std::min<int64_t>(parts, (int64_t(1) << 24) / (crows * kcp)));
  const int64_t cparts = std::min<int64_t>(units, (workers + parts - 1) / parts);
  const int64_t upc = (units + cparts - 1) / cparts;
  std::vector<T> partial(static_cast<size_t>(parts * crows * kcp), T(0));
  const auto t0 = index_table(g, 0), t1 = index_table(g, 1), t2 = index_table(g, 2);
  cpu::parallel_for(parts * cparts, [&](int64_t i0, int64_t i1) {
    std::vector<T> abuf(static_cast<size_t>(rb * kcp), T(0)), gbuf(static_cast<size_t>(rb * upc * kWMR));
    for (int64_t item = i0; item < i1; ++item) {
      const int64_t rp = item / cparts, cp = item % cparts;
      const int64_t r0 = rows * rp / parts, r1 = rows * (rp + 1) / parts;
      const int64_t u0 = cp * upc, u1 = std::min(units, u0 + upc);
      T* part = partial.data() + rp * crows * kcp;
      for (int64_t u = u0; u < u1;) {
        // The run of this item's tiles in group grp: [ta, tb).
        const int64_t grp = u / tiles, ta = u % tiles, tb = std::min(tiles, ta + (u1 - u));
        u += tb - ta;
        for (int64_t rs = r0; rs < r1; rs += rb) {
          const int64_t n = std::min(rb, r1 - rs);
          im2col_rows<T>(g, x, t0.data(), t1.data(), t2.data(), grp, rs, n, abuf.data(), kcp);
          for (int64_t t = ta; t < tb; ++t) {
            T* gp = gbuf.data() + (t - ta) * n * kWMR;
            for (int64_t r = 0; r < n; ++r) {
              const T* src = gy + (rs + r) * g.cout + grp * g.cog + t * kWMR;
              int64_t m = std::min<int64_t>(kWMR, g.cog - t * kWMR);
              for (int64_t i = 0; i < kWMR; ++i) gp[r * kWMR + i] = i < m ? src[i] : T(0);
            }
          }
          for (int64_t pn = 0; pn < panels; ++pn) {
            for (int64_t t = ta; t < tb; ++t) {
              wg_call<T, B>(n, gbuf.data() + (t - ta) * n * kWMR, abuf.data() + pn * NR, kcp,
                            part + ((grp * tiles + t) * kWMR) * kcp + pn * NR, kcp);
            }
          }
        }
      }
    }
  }, 1);
  // dW[grp * cog + co, col] = the sum of the parts' partial sums.
  const int64_t total = g.cout * kc;
  cpu::parallel_for(total, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) {
      int64_t oc = e / kc, col = e % kc, grp = oc / g.cog, co = oc % g.cog;
      const T* src = partial.data() + (grp * tiles * kWMR + co) * kcp + col;
      T s = 0;
      for (int64_t rp = 0; rp < parts; ++rp) s += src[rp * crows * kcp];
      dw[e] = s;
    }
  }, 1 << 14);
}

template <typename T>
void run_weight_grad(const Geometry& g, const T* x, const T* gy, T* dw) {
  // The 64-byte kernel's panels (2 vectors) would be mostly padding for short rows.
  if (use_wide_conv_vectors() && g.ksize() * g.cig >= kNR<T, 64>) {
    weight_grad_gemm<T, 64>(g, x, gy, dw);
  } else {
    weight_grad_gemm<T, 32>(g, x, gy, dw);
  }
}

void eval_weight_grad(const array& gin, const array& xin, array& out, const ConvParams& p) {
  if (out.size() == 0) return;
  Geometry g = make_geometry(xin.shape(), out.shape(), gin.shape(), p);
  if (g.out_rows() == 0 || xin.size() == 0) {
    std::memset(out.raw_data(), 0, out.nbytes());
    return;
  }
  Dtype dt = out.dtype();
  Dtype work = dt == float64 ? float64 : float32;
  array x = dense(xin, work), gy = dense(gin, work);
  if (work == float64) {
    run_weight_grad<double>(g, x.data<double>(), gy.data<double>(), out.data<double>());
  } else if (dt == float32) {
    run_weight_grad<float>(g, x.data<float>(), gy.data<float>(), out.data<float>());
  } else {
    array tmp(out.shape(), float32, nullptr, {});
    cpu::allocate_output(tmp);
    run_weight_grad<float>(g, x.data<float>(), gy.data<float>(), tmp.data<float>());
    cpu::copy_strided(tmp, out.raw_data(), dt, out.strides());
  }
}

} // namespace

void ConvWeightGrad::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([gy = inputs[0], x = inputs[1], out, p = p_]() mutable {
    eval_weight_grad(gy, x, out, p);
  });
}

} // namespace mlx::core
