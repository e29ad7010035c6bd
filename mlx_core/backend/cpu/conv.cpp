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

#include "mlx_core/backend/cpu/conv_geometry.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/primitives/conv.h"

namespace mlx::core {

using namespace conv_detail;

namespace {

// ---- Direct blocked kernel --------------------------------------------------------------
// The convolution as a GEMM out[rows, C_out] = A[rows, taps * C_in/g] * W^T, where row r of A
// (an im2col row) is never materialised: it is the concatenation of the input channel
// vectors that the kernel's taps reach from output position r (a zero vector for taps in
// padding). The weights are packed once into panels of NR output channels; a micro-kernel
// keeps an MR x NR tile of the output in vector registers.

// Output rows per tile: 12 with 64-byte vectors (24 accumulators of the 32 AVX-512
// registers: half the panel loads and tile set-ups per multiply-add), else 6.
template <int B>
inline constexpr int kMR = B == 64 ? 12 : 6;

// c[r][0:ncols] = sum_j sum_{e < len[j]} a[r * nt + j][off + e] * panel[taps[j] * cig + e, 0:ncols]
// for MR rows: segment j is a run of len[j] reduction elements starting at tap taps[j] (a[...]
// of a tap in padding is a vector of zeros).
template <typename T, int MR, int B>
__attribute__((always_inline)) inline void micro_body(const T* const* a, const int64_t* taps, const int64_t* len,
                                                      int64_t nt, int64_t cig, int64_t off, const T* panel, T* const* c,
                                                      int64_t ncols) {
  using V = Vec<T, B>;
  constexpr int L = kLanes<T, B>, NR = kNR<T, B>;
  V acc0[MR], acc1[MR];
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = V{};
  for (int64_t j = 0; j < nt; ++j) {
    const T* ap[MR];
    for (int r = 0; r < MR; ++r) ap[r] = a[r * nt + j] + off;
    const T* b = panel + taps[j] * cig * NR;
    for (int64_t ci = 0, n = len[j]; ci < n; ++ci, b += NR) {
      V b0 = load_vec<V>(b), b1 = load_vec<V>(b + L);
      for (int r = 0; r < MR; ++r) {
        T av = ap[r][ci]; // broadcast by the vector-scalar products
        acc0[r] += av * b0;
        acc1[r] += av * b1;
      }
    }
  }
  for (int r = 0; r < MR; ++r) {
    T* cr = c[r];
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

template <typename T, int MR>
MLX_SIMD_CLONES void micro_kernel(const T* const* a, const int64_t* taps, const int64_t* len, int64_t nt, int64_t cig,
                                  int64_t off, const T* panel, T* const* c, int64_t ncols) {
  micro_body<T, MR, 32>(a, taps, len, nt, cig, off, panel, c, ncols);
}

#ifdef MLX_X86_DISPATCH
template <typename T, int MR>
MLX_TARGET_AVX512 void micro_kernel_wide(const T* const* a, const int64_t* taps, const int64_t* len, int64_t nt, int64_t cig,
                                   int64_t off, const T* panel, T* const* c, int64_t ncols) {
  micro_body<T, MR, 64>(a, taps, len, nt, cig, off, panel, c, ncols);
}
#endif

template <typename T, int B, int MR>
inline void micro_call(const T* const* a, const int64_t* taps, const int64_t* len, int64_t nt, int64_t cig,
                       int64_t off, const T* panel, T* const* c, int64_t ncols) {
#ifdef MLX_X86_DISPATCH
  if constexpr (B == 64) {
    micro_kernel_wide<T, MR>(a, taps, len, nt, cig, off, panel, c, ncols);
    return;
  }
#endif
  micro_kernel<T, MR>(a, taps, len, nt, cig, off, panel, c, ncols);
}

template <typename T, int B>
void run_micro(int mr, const T* const* a, const int64_t* taps, const int64_t* len, int64_t nt, int64_t cig, int64_t off,
               const T* panel, T* const* c, int64_t ncols) {
  if constexpr (B == 64) {
    if (mr == 12) return micro_call<T, B, 12>(a, taps, len, nt, cig, off, panel, c, ncols);
    if (mr > 6) {
      micro_call<T, B, 6>(a, taps, len, nt, cig, off, panel, c, ncols);
      return run_micro<T, B>(mr - 6, a + 6 * nt, taps, len, nt, cig, off, panel, c + 6, ncols);
    }
  }
  switch (mr) {
    case 6: return micro_call<T, B, 6>(a, taps, len, nt, cig, off, panel, c, ncols);
    case 5: return micro_call<T, B, 5>(a, taps, len, nt, cig, off, panel, c, ncols);
    case 4: return micro_call<T, B, 4>(a, taps, len, nt, cig, off, panel, c, ncols);
    case 3: return micro_call<T, B, 3>(a, taps, len, nt, cig, off, panel, c, ncols);
    case 2: return micro_call<T, B, 2>(a, taps, len, nt, cig, off, panel, c, ncols);
    default: return micro_call<T, B, 1>(a, taps, len, nt, cig, off, panel, c, ncols);
  }
}

// c[r][0] = sum_j sum_{e < len[j]} a[r * nt + j][off + e] * w[taps[j] * cig + e] for mr rows:
// the micro-kernel's work for a single output channel, vectorised along the reduction.
template <typename T>
MLX_SIMD_CLONES void dot_rows(int mr, const T* const* a, const int64_t* taps, const int64_t* len, int64_t nt, int64_t cig,
                              int64_t off, const T* w, T* const* c) {
  using V = Vec<T, 32>;
  constexpr int L = kLanes<T, 32>;
  for (int r = 0; r < mr; ++r) {
    V acc = V{};
    T tail = 0;
    for (int64_t j = 0; j < nt; ++j) {
      const T* ap = a[r * nt + j] + off;
      const T* wp = w + taps[j] * cig;
      int64_t e = 0, n = len[j];
      for (; e + L <= n; e += L) acc += load_vec<V>(ap + e) * load_vec<V>(wp + e);
      for (; e < n; ++e) tail += ap[e] * wp[e];
    }
    for (int l = 0; l < L; ++l) tail += acc[l];
    c[r][0] = tail;
  }
}

// Weights (C_out, taps, C_in/g) packed per group into panels (taps, C_in/g, nr) of nr
// output channels, zero past the group's last channel.
template <typename T>
std::vector<T> pack_weights(const Geometry& g, const T* w, int64_t nr, int64_t& panels) {
  const int64_t kk = g.ksize() * g.cig;
  panels = (g.cog + nr - 1) / nr;
  std::vector<T> packed(static_cast<size_t>(g.groups * panels * kk * nr), T(0));
  for (int64_t grp = 0; grp < g.groups; ++grp) {
    for (int64_t p = 0; p < panels; ++p) {
      T* dst = packed.data() + (grp * panels + p) * kk * nr;
      for (int64_t j = 0; j < nr && p * nr + j < g.cog; ++j) {
        const T* src = w + (grp * g.cog + p * nr + j) * kk;
        for (int64_t q = 0; q < kk; ++q) dst[q * nr + j] = src[q];
      }
    }
  }
  return packed;
}

template <typename T, int B>
void conv_direct(const Geometry& g, const T* x, const T* w, T* out) {
  constexpr int NR = kNR<T, B>, MR = kMR<B>;
  const int64_t taps = g.ksize(), kk = taps * g.cig;
  int64_t panels = 0;
  std::vector<T> packed = g.cog == 1 ? std::vector<T>() : pack_weights<T>(g, w, NR, panels);
  std::vector<T> zeros(static_cast<size_t>(g.cin), T(0));
  const int64_t sx2 = g.cin, sx1 = g.in[2] * sx2, sx0 = g.in[1] * sx1, sxn = g.in[0] * sx0;
  const auto t0 = index_table(g, 0), t1 = index_table(g, 1), t2 = index_table(g, 2);
  // Positions along the last axis in tile order: grouped by (o * stride) mod input
  // dilation, so that the rows of a tile skip the same taps (those between dilated input
  // elements), which a transposed convolution has many of.
  const int64_t n2 = g.out[2], id2 = g.id[2];
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(n2));
  for (int64_t cls = 0; cls < id2; ++cls) {
    for (int64_t o = 0; o < n2; ++o) {
      if ((o * g.stride[2]) % id2 == cls) order.push_back(o);
    }
  }
  // Work items: chunks of up to kChunk tiles of one line. Within a chunk the loop runs
  // panel by panel, so that a weight panel stays in L1 while the chunk's tiles use it.
  constexpr int64_t kChunk = 8;
  const int64_t k2n = g.k[2];
  const bool can_merge = g.groups == 1 && k2n > 1 && g.kd[2] == 1 && id2 == 1 && !g.flip;
  const int64_t tiles_per_line = (n2 + MR - 1) / MR;
  const int64_t chunks_per_line = (tiles_per_line + kChunk - 1) / kChunk;
  const int64_t row_items = g.n * g.out[0] * g.out[1] * chunks_per_line;
  // Few row chunks but many groups (a depthwise weight gradient): the groups are split
  // into parts that run in parallel too.
  const int64_t want = int64_t(cpu::worker_count()) * 4;
  const int64_t gparts = row_items >= want ? 1 : std::min<int64_t>(g.groups, (want + row_items - 1) / row_items);
  const int64_t gper = (g.groups + gparts - 1) / gparts;
  const int64_t items = row_items * gparts;
  const int64_t work_per_item = kChunk * MR * kk * g.cog * gper;
  cpu::parallel_for(items, [&](int64_t i0, int64_t i1) {
    std::vector<int64_t> valid(static_cast<size_t>(kChunk * taps)), seglen(static_cast<size_t>(kChunk * taps));
    std::vector<const T*> segptr(static_cast<size_t>(kChunk * MR * taps)), rowseg(static_cast<size_t>(MR * taps));
    int64_t nts[kChunk];
    int mrs[kChunk];
    T* crow[kChunk][MR];
    for (int64_t item = i0; item < i1; ++item) {
      int64_t ritem = item / gparts, gpart = item % gparts;
      int64_t line = ritem / chunks_per_line, tile0 = (ritem % chunks_per_line) * kChunk;
      int64_t ntiles = std::min<int64_t>(kChunk, tiles_per_line - tile0);
      int64_t o1 = line % g.out[1], o0 = (line / g.out[1]) % g.out[0], b = line / (g.out[1] * g.out[0]);
      for (int64_t tl = 0; tl < ntiles; ++tl) {
        int64_t j0 = (tile0 + tl) * MR;
        int mr = static_cast<int>(std::min<int64_t>(MR, n2 - j0));
        mrs[tl] = mr;
        int64_t o2s[MR];
        bool interior = can_merge;
        for (int i = 0; i < mr; ++i) {
          int64_t o2 = o2s[i] = order[j0 + i];
          crow[tl][i] = out + (line * n2 + o2) * g.cout;
          // With unit kernel and input dilation the taps along the last axis read
          // consecutive positions: all are inside the input when the first and last are.
          interior = interior && t2[o2 * k2n] >= 0 && t2[o2 * k2n + k2n - 1] >= 0;
        }
        // The tile's segments: runs of reduction elements each row reads contiguously. A
        // tap is one segment of C_in/g elements; the taps along the last axis merge into one
        // run when every row reads them all (the input holds them back to back). The rows of
        // a tile share their line, so the first two axes' taps are in or out for all of them;
        // taps no row reads contribute nothing and are left out.
        int64_t nt = 0;
        int64_t* vt = valid.data() + tl * taps;
        int64_t* vl = seglen.data() + tl * taps;
        for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
          int64_t x0 = t0[o0 * g.k[0] + k0];
          if (x0 < 0) continue;
          for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
            int64_t x1 = t1[o1 * g.k[1] + k1];
            if (x1 < 0) continue;
            const T* base = x + b * sxn + x0 * sx0 + x1 * sx1;
            int64_t t01 = (k0 * g.k[1] + k1) * k2n;
            if (interior) {
              for (int i = 0; i < mr; ++i) rowseg[i * taps + nt] = base + t2[o2s[i] * k2n] * sx2;
              vt[nt] = t01;
              vl[nt++] = k2n * g.cig;
              continue;
            }
            for (int64_t k2 = 0; k2 < k2n; ++k2) {
              bool any = false;
              for (int i = 0; i < mr; ++i) {
                int64_t x2 = t2[o2s[i] * k2n + k2];
                any |= x2 >= 0;
                rowseg[i * taps + nt] = x2 < 0 ? zeros.data() : base + x2 * sx2;
              }
              if (!any) continue;
              vt[nt] = t01 + k2;
              vl[nt++] = g.cig;
            }
          }
        }
        const T** at = segptr.data() + tl * MR * taps;
        for (int i = 0; i < mr; ++i) {
          for (int64_t j = 0; j < nt; ++j) at[i * nt + j] = rowseg[i * taps + j];
        }
        nts[tl] = nt;
      }
      for (int64_t grp = gpart * gper; grp < std::min(g.groups, (gpart + 1) * gper); ++grp) {
        // Group g's input channels start at g * cig in the input (zeros has all of them).
        if (g.cog == 1) {
          // One output channel: dot products along the reduction (a panel would be
          // nearly all padding).
          for (int64_t tl = 0; tl < ntiles; ++tl) {
            T* c[MR];
            for (int i = 0; i < mrs[tl]; ++i) c[i] = crow[tl][i] + grp;
            dot_rows<T>(mrs[tl], segptr.data() + tl * MR * taps, valid.data() + tl * taps, seglen.data() + tl * taps,
                        nts[tl], g.cig, grp * g.cig, w + grp * kk, c);
          }
          continue;
        }
        for (int64_t p = 0; p < panels; ++p) {
          int64_t c0 = grp * g.cog + p * NR, ncols = std::min<int64_t>(NR, (grp + 1) * g.cog - c0);
          const T* panel = packed.data() + (grp * panels + p) * kk * NR;
          for (int64_t tl = 0; tl < ntiles; ++tl) {
            T* c[MR];
            for (int i = 0; i < mrs[tl]; ++i) c[i] = crow[tl][i] + c0;
            if (nts[tl] == 0) {
              for (int i = 0; i < mrs[tl]; ++i) std::fill(c[i], c[i] + ncols, T(0));
              continue;
            }
            run_micro<T, B>(mrs[tl], segptr.data() + tl * MR * taps, valid.data() + tl * taps,
                            seglen.data() + tl * taps, nts[tl], g.cig, grp * g.cig, panel, c, ncols);
          }
        }
      }
    }
  }, std::max<int64_t>(1, (int64_t(1) << 17) / std::max<int64_t>(1, work_per_item)));
}

// dst[c0 + j] = sum over taps of xs[t][c0 + j] * ws[t][c0 + j], V vectors of channels
// (accumulators in registers).
template <typename T, int V>
inline void depthwise_block(const T* const* xs, const T* const* ws, int64_t taps, int64_t c0, T* dst) {
  constexpr int L = kLanes<T>;
  Vec<T> acc[V];
  for (int v = 0; v < V; ++v) acc[v] = Vec<T>{};
  for (int64_t t = 0; t < taps; ++t) {
    const T* xp = xs[t] + c0;
    const T* wp = ws[t] + c0;
    for (int v = 0; v < V; ++v) acc[v] += load_vec<Vec<T>>(xp + v * L) * load_vec<Vec<T>>(wp + v * L);
  }
  for (int v = 0; v < V; ++v) store_vec(dst + c0 + v * L, acc[v]);
}

// One line of output positions (fixed batch, o0, o1) of a depthwise convolution.
template <typename T>
MLX_SIMD_CLONES void depthwise_line(const Geometry& g, const T* x, const T* wt, const int64_t* t0, const int64_t* t1,
                                    const int64_t* t2, T* orow, int64_t b, int64_t o0, int64_t o1) {
  constexpr int L = kLanes<T>;
  const int64_t c = g.cout, k2n = g.k[2];
  const int64_t sx2 = c, sx1 = g.in[2] * sx2, sx0 = g.in[1] * sx1, sxn = g.in[0] * sx0;
  // The (k0, k1) pairs this line reaches: their input rows and weight rows.
  std::vector<const T*> rows, wrows, xs, ws;
  for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
    int64_t i0 = t0[o0 * g.k[0] + k0];
    if (i0 < 0) continue;
    for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
      int64_t i1 = t1[o1 * g.k[1] + k1];
      if (i1 < 0) continue;
      rows.push_back(x + b * sxn + i0 * sx0 + i1 * sx1);
      wrows.push_back(wt + (k0 * g.k[1] + k1) * k2n * c);
    }
  }
  xs.resize(rows.size() * k2n);
  ws.resize(rows.size() * k2n);
  for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
    int64_t taps = 0;
    for (size_t r = 0; r < rows.size(); ++r) {
      for (int64_t k2 = 0; k2 < k2n; ++k2) {
        int64_t i2 = t2[o2 * k2n + k2];
        if (i2 < 0) continue;
        xs[taps] = rows[r] + i2 * sx2;
        ws[taps] = wrows[r] + k2 * c;
        ++taps;
      }
    }
    T* dst = orow + o2 * c;
    int64_t c0 = 0;
    for (; c0 + 4 * L <= c; c0 += 4 * L) depthwise_block<T, 4>(xs.data(), ws.data(), taps, c0, dst);
    for (; c0 + L <= c; c0 += L) depthwise_block<T, 1>(xs.data(), ws.data(), taps, c0, dst);
    for (; c0 < c; ++c0) {
      T acc = 0;
      for (int64_t t = 0; t < taps; ++t) acc += xs[t][c0] * ws[t][c0];
      dst[c0] = acc;
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
  const auto t0 = index_table(g, 0), t1 = index_table(g, 1), t2 = index_table(g, 2);
  const int64_t lines = g.n * g.out[0] * g.out[1];
  cpu::parallel_for(lines, [&](int64_t l0, int64_t l1) {
    for (int64_t l = l0; l < l1; ++l) {
      int64_t o1 = l % g.out[1], o0 = (l / g.out[1]) % g.out[0], b = l / (g.out[1] * g.out[0]);
      depthwise_line<T>(g, x, wt.data(), t0.data(), t1.data(), t2.data(), out + l * g.out[2] * c, b, o0, o1);
    }
  }, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, g.out[2] * c * ks)));
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
    // The 64-byte kernel's 32-channel panels would be mostly padding for fewer channels.
    if (use_wide_conv_vectors() && g.cog > kNR<T, 32>) {
      conv_direct<T, 64>(g, x, w, out);
    } else {
      conv_direct<T, 32>(g, x, w, out);
    }
  }
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
