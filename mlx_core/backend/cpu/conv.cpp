// Kernel of Convolution (channels-last). Three paths, each split over the thread pool:
//  - depthwise (one input and one output channel per group): vectorised over the channels;
//  - one channel along one axis (np.convolve): vectorised over the output positions;
//  - everything else: a direct blocked GEMM-like kernel (see conv_direct) that reads the
//    input in place, without an im2col copy and without OpenBLAS (whose own threads, called
//    on small blocks, were several times slower than one thread here).
// float16 / bfloat16 compute in float32; float64 in double.
#include <algorithm>
#include <cstring>
#include <vector>

#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
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

// ---- Direct blocked kernel --------------------------------------------------------------
// The convolution as a GEMM out[rows, C_out] = A[rows, taps * C_in/g] * W^T, where row r of A
// (an im2col row) is never materialised: it is the concatenation of the input channel
// vectors that the kernel's taps reach from output position r (a zero vector for taps in
// padding). The weights are packed once into panels of NR output channels; a micro-kernel
// keeps an MR x NR tile of the output in vector registers.

// 32-byte vectors (GCC/Clang vector extensions: AVX registers on x86-64-v3, pairs of NEON or
// SSE registers elsewhere). Spelled per type: an attribute on a dependent alias is ignored.
template <typename T>
struct VecOf;
template <>
struct VecOf<float> {
  typedef float type __attribute__((vector_size(32)));
};
template <>
struct VecOf<double> {
  typedef double type __attribute__((vector_size(32)));
};
template <typename T>
using Vec = typename VecOf<T>::type;
template <typename T>
inline constexpr int kLanes = 32 / sizeof(T);
template <typename T>
inline constexpr int kNR = 2 * kLanes<T>; // output channels per panel
inline constexpr int kMR = 6;             // output rows per tile

template <typename T>
inline Vec<T> load_vec(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <typename T>
inline void store_vec(T* p, Vec<T> v) {
  std::memcpy(p, &v, sizeof(v));
}

// c[r, 0:ncols] = sum_t sum_ci a[r * taps + t][ci] * panel[t, ci, 0:ncols] for MR rows.
template <typename T, int MR>
MLX_SIMD_CLONES void micro_kernel(const T* const* a, int64_t taps, int64_t cig, const T* panel, T* c, int64_t ldc,
                                  int64_t ncols) {
  constexpr int L = kLanes<T>, NR = kNR<T>;
  Vec<T> acc0[MR], acc1[MR];
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = Vec<T>{};
  for (int64_t t = 0; t < taps; ++t) {
    const T* ap[MR];
    for (int r = 0; r < MR; ++r) ap[r] = a[r * taps + t];
    const T* b = panel + t * cig * NR;
    for (int64_t ci = 0; ci < cig; ++ci, b += NR) {
      Vec<T> b0 = load_vec(b), b1 = load_vec(b + L);
      for (int r = 0; r < MR; ++r) {
        Vec<T> av = Vec<T>{} + ap[r][ci];
        acc0[r] += av * b0;
        acc1[r] += av * b1;
      }
    }
  }
  for (int r = 0; r < MR; ++r) {
    T* cr = c + r * ldc;
    if (ncols == NR) {
      store_vec(cr, acc0[r]);
      store_vec(cr + L, acc1[r]);
    } else {
      T tmp[NR];
      store_vec(tmp, acc0[r]);
      store_vec(tmp + L, acc1[r]);
      for (int64_t j = 0; j < ncols; ++j) cr[j] = tmp[j];
    }
  }
}

template <typename T>
void run_micro(int mr, const T* const* a, int64_t taps, int64_t cig, const T* panel, T* c, int64_t ldc, int64_t ncols) {
  switch (mr) {
    case 6: return micro_kernel<T, 6>(a, taps, cig, panel, c, ldc, ncols);
    case 5: return micro_kernel<T, 5>(a, taps, cig, panel, c, ldc, ncols);
    case 4: return micro_kernel<T, 4>(a, taps, cig, panel, c, ldc, ncols);
    case 3: return micro_kernel<T, 3>(a, taps, cig, panel, c, ldc, ncols);
    case 2: return micro_kernel<T, 2>(a, taps, cig, panel, c, ldc, ncols);
    default: return micro_kernel<T, 1>(a, taps, cig, panel, c, ldc, ncols);
  }
}

// Weights (C_out, taps, C_in/g) packed per group into panels (taps, C_in/g, NR) of NR
// output channels, zero past the group's last channel.
template <typename T>
std::vector<T> pack_weights(const Geometry& g, const T* w, int64_t& panels) {
  constexpr int NR = kNR<T>;
  const int64_t kk = g.ksize() * g.cig;
  panels = (g.cog + NR - 1) / NR;
  std::vector<T> packed(static_cast<size_t>(g.groups * panels * kk * NR), T(0));
  for (int64_t grp = 0; grp < g.groups; ++grp) {
    for (int64_t p = 0; p < panels; ++p) {
      T* dst = packed.data() + (grp * panels + p) * kk * NR;
      for (int64_t j = 0; j < NR && p * NR + j < g.cog; ++j) {
        const T* src = w + (grp * g.cog + p * NR + j) * kk;
        for (int64_t q = 0; q < kk; ++q) dst[q * NR + j] = src[q];
      }
    }
  }
  return packed;
}

template <typename T>
void conv_direct(const Geometry& g, const T* x, const T* w, T* out) {
  constexpr int NR = kNR<T>;
  const int64_t rows = g.out_rows(), taps = g.ksize(), kk = taps * g.cig;
  int64_t panels = 0;
  std::vector<T> packed = pack_weights<T>(g, w, panels);
  std::vector<T> zeros(static_cast<size_t>(g.cin), T(0));
  const int64_t sx2 = g.cin, sx1 = g.in[2] * sx2, sx0 = g.in[1] * sx1, sxn = g.in[0] * sx0;
  // Rows per task: a few tiles, more when the reduction is short.
  int64_t per_task = kMR * std::max<int64_t>(1, std::min<int64_t>(16, 4096 / std::max<int64_t>(1, kk * panels * g.groups)));
  int64_t tasks = (rows + per_task - 1) / per_task;
  cpu::parallel_for(tasks, [&](int64_t t0, int64_t t1) {
    std::vector<const T*> ptrs(static_cast<size_t>(kMR * taps));
    for (int64_t r0 = t0 * per_task; r0 < std::min(rows, t1 * per_task); r0 += kMR) {
      int mr = static_cast<int>(std::min<int64_t>(kMR, rows - r0));
      // The input vector each tap of each row reads (group 0; later groups add an offset).
      for (int i = 0; i < mr; ++i) {
        int64_t r = r0 + i;
        int64_t o2 = r % g.out[2], q = r / g.out[2];
        int64_t o1 = q % g.out[1];
        q /= g.out[1];
        int64_t o0 = q % g.out[0], b = q / g.out[0];
        const T** dst = ptrs.data() + i * taps;
        for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
          int64_t i0 = input_index(g, 0, o0, k0);
          for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
            int64_t i1 = i0 < 0 ? -1 : input_index(g, 1, o1, k1);
            for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
              int64_t i2 = i1 < 0 ? -1 : input_index(g, 2, o2, k2);
              *dst++ = i2 < 0 ? nullptr : x + b * sxn + i0 * sx0 + i1 * sx1 + i2 * sx2;
            }
          }
        }
      }
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        std::vector<const T*> gp(ptrs.begin(), ptrs.begin() + mr * taps);
        for (auto& p : gp) p = p ? p + grp * g.cig : zeros.data();
        for (int64_t p = 0; p < panels; ++p) {
          int64_t c0 = grp * g.cog + p * NR;
          run_micro<T>(mr, gp.data(), taps, g.cig, packed.data() + (grp * panels + p) * kk * NR, out + r0 * g.cout + c0,
                       g.cout, std::min<int64_t>(NR, (grp + 1) * g.cog - c0));
        }
      }
    }
  }, 1);
}

// Sum over `taps` of xs[t][j] * ws[t][j] for W channels, into dst (accumulators in registers).
template <typename T, int W>
inline void depthwise_block(const T* const* xs, const T* const* ws, int64_t taps, int64_t c0, T* dst) {
  T acc[W] = {};
  for (int64_t t = 0; t < taps; ++t) {
    const T* xp = xs[t] + c0;
    const T* wp = ws[t] + c0;
#pragma omp simd
    for (int j = 0; j < W; ++j) acc[j] += xp[j] * wp[j];
  }
  for (int j = 0; j < W; ++j) dst[c0 + j] = acc[j];
}

// One line of output positions (fixed batch, o0, o1) of a depthwise convolution.
template <typename T>
MLX_SIMD_CLONES void depthwise_line(const Geometry& g, const T* x, const T* wt, T* orow, int64_t b, int64_t o0, int64_t o1) {
  const int64_t c = g.cout;
  const int64_t sx2 = c, sx1 = g.in[2] * sx2, sx0 = g.in[1] * sx1, sxn = g.in[0] * sx0;
  std::vector<const T*> xs(static_cast<size_t>(g.ksize())), ws(static_cast<size_t>(g.ksize()));
  constexpr int W = 64 / sizeof(T) * 2; // two cache lines of channels per block
  for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
    int64_t taps = 0;
    for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
      int64_t i0 = input_index(g, 0, o0, k0);
      if (i0 < 0) continue;
      for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
        int64_t i1 = input_index(g, 1, o1, k1);
        if (i1 < 0) continue;
        for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
          int64_t i2 = input_index(g, 2, o2, k2);
          if (i2 < 0) continue;
          xs[taps] = x + b * sxn + i0 * sx0 + i1 * sx1 + i2 * sx2;
          ws[taps] = wt + ((k0 * g.k[1] + k1) * g.k[2] + k2) * c;
          ++taps;
        }
      }
    }
    T* dst = orow + o2 * c;
    int64_t c0 = 0;
    for (; c0 + W <= c; c0 += W) depthwise_block<T, W>(xs.data(), ws.data(), taps, c0, dst);
    for (; c0 + 8 <= c; c0 += 8) depthwise_block<T, 8>(xs.data(), ws.data(), taps, c0, dst);
    for (; c0 < c; ++c0) depthwise_block<T, 1>(xs.data(), ws.data(), taps, c0, dst);
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
  const int64_t lines = g.n * g.out[0] * g.out[1];
  cpu::parallel_for(lines, [&](int64_t l0, int64_t l1) {
    for (int64_t l = l0; l < l1; ++l) {
      int64_t o1 = l % g.out[1], o0 = (l / g.out[1]) % g.out[0], b = l / (g.out[1] * g.out[0]);
      depthwise_line<T>(g, x, wt.data(), out + l * g.out[2] * c, b, o0, o1);
    }
  }, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.out[2] * c * ks)));
}

// A single-channel convolution along the last spatial axis only (np.convolve's shape):
// for each tap, a vectorised multiply-add over the output positions it reaches.
template <typename T>
MLX_SIMD_CLONES void conv_single_channel_1d(const Geometry& g, const T* x, const T* w, T* out) {
  const int64_t n_out = g.out[2], n_in = g.in[2], s = g.stride[2], d = g.kd[2], lo = g.lo[2], K = g.k[2];
  for (int64_t b = 0; b < g.n; ++b) {
    const T* xb = x + b * n_in;
    T* ob = out + b * n_out;
    std::fill(ob, ob + n_out, T(0));
    for (int64_t k = 0; k < K; ++k) {
      int64_t kk = g.flip ? K - 1 - k : k;
      T wk = w[k];
      // Valid o: 0 <= o*s + kk*d - lo < n_in.
      int64_t base = kk * d - lo;
      int64_t o_begin = base >= 0 ? 0 : (-base + s - 1) / s;
      int64_t o_end = n_in - base <= 0 ? 0 : std::min(n_out, (n_in - base - 1) / s + 1);
      if (s == 1) {
        if (o_end <= o_begin) continue;
        const T* xp = xb + (o_begin + base);
        T* op = ob + o_begin;
#pragma omp simd
        for (int64_t i = 0; i < o_end - o_begin; ++i) op[i] += wk * xp[i];
      } else {
        for (int64_t o = o_begin; o < o_end; ++o) ob[o] += wk * xb[o * s + base];
      }
    }
  }
}

template <typename T>
void run_conv(const Geometry& g, const T* x, const T* w, T* out) {
  bool one_d = g.k[0] == 1 && g.k[1] == 1 && g.out[0] == 1 && g.out[1] == 1 && g.in[0] == 1 && g.in[1] == 1;
  if (g.cin == 1 && g.cout == 1 && one_d && g.id[2] == 1) {
    conv_single_channel_1d<T>(g, x, w, out);
  } else if (g.cig == 1 && g.cog == 1) {
    conv_depthwise<T>(g, x, w, out);
  } else {
    conv_direct<T>(g, x, w, out);
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
