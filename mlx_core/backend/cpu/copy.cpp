// Kernels that copy, cast or fill: Copy, AsType, StopGradient, Arange, and the helpers
// used by other kernels to make contiguous copies.
#include <cstring>
#if defined(__SSE2__)
#include <immintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_dispatch.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/copy.h"

namespace mlx::core {

namespace cpu {

namespace {

struct Bytes16 {
  uint64_t lo, hi;
};

#if defined(__SSE2__) || defined(__ARM_NEON)
#define OPENMLX_TILE_TRANSPOSE_4BYTE 1
// Writes the transpose of the 4 x 4 block of floats at p (rows p_row apart, 16-byte aligned)
// to q (rows q_row apart, 16-byte aligned), in vector registers: SSE on x86, NEON on arm64.
inline void transpose_4x4(const float* p, int64_t p_row, float* q, int64_t q_row) {
#if defined(__SSE2__)
  __m128 r0 = _mm_load_ps(p), r1 = _mm_load_ps(p + p_row), r2 = _mm_load_ps(p + 2 * p_row),
         r3 = _mm_load_ps(p + 3 * p_row);
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_store_ps(q, r0);
  _mm_store_ps(q + q_row, r1);
  _mm_store_ps(q + 2 * q_row, r2);
  _mm_store_ps(q + 3 * q_row, r3);
#else
  // vtrnq pairs rows 0/1 and 2/3: a.val[0] = {p00, p10, p02, p12}, a.val[1] = {p01, p11, p03, p13};
  // the low halves then make columns 0 and 1, the high halves columns 2 and 3.
  float32x4x2_t a = vtrnq_f32(vld1q_f32(p), vld1q_f32(p + p_row));
  float32x4x2_t b = vtrnq_f32(vld1q_f32(p + 2 * p_row), vld1q_f32(p + 3 * p_row));
  vst1q_f32(q, vcombine_f32(vget_low_f32(a.val[0]), vget_low_f32(b.val[0])));
  vst1q_f32(q + q_row, vcombine_f32(vget_low_f32(a.val[1]), vget_low_f32(b.val[1])));
  vst1q_f32(q + 2 * q_row, vcombine_f32(vget_high_f32(a.val[0]), vget_high_f32(b.val[0])));
  vst1q_f32(q + 3 * q_row, vcombine_f32(vget_high_f32(a.val[1]), vget_high_f32(b.val[1])));
#endif
}

// dst[s * dst_row + f] = src[f * src_row + s] for a full T x T tile of 4-byte elements.
// Rows are copied whole into a buffer, transposed there in 4 x 4 blocks in vector registers,
// and copied whole out: each cache line of src and dst is touched once, which matters
// when the row strides are powers of two and all rows fall into one cache set.
template <int64_t T, typename E>
void transpose_tile_4byte(const E* src, int64_t src_row, E* dst, int64_t dst_row) {
  alignas(64) float in[T * T];
  alignas(64) float out[T * T];
  for (int64_t f = 0; f < T; ++f) std::memcpy(in + f * T, src + f * src_row, T * 4);
  for (int64_t s = 0; s < T; s += 4) {
    for (int64_t f = 0; f < T; f += 4) transpose_4x4(in + f * T + s, T, out + s * T + f, T);
  }
  for (int64_t s = 0; s < T; ++s) std::memcpy(dst + s * dst_row, out + s * T, T * 4);
}

// transpose_tile_4byte with a cast on one side (float32 <-> float16 / bfloat16): rows are
// converted whole (vectorized) into or out of the float buffers.
template <int64_t T, typename In, typename Out>
void transpose_tile_cast(const In* src, int64_t src_row, Out* dst, int64_t dst_row) {
  static_assert(std::is_same_v<In, float> || std::is_same_v<Out, float>);
  alignas(64) float in[T * T];
  alignas(64) float out[T * T];
  for (int64_t f = 0; f < T; ++f) {
    if constexpr (std::is_same_v<In, float>) std::memcpy(in + f * T, src + f * src_row, T * 4);
    else cast_contiguous(src + f * src_row, in + f * T, T);
  }
  for (int64_t s = 0; s < T; s += 4) {
    for (int64_t f = 0; f < T; f += 4) transpose_4x4(in + f * T + s, T, out + s * T + f, T);
  }
  for (int64_t s = 0; s < T; ++s) {
    if constexpr (std::is_same_v<Out, float>) std::memcpy(dst + s * dst_row, out + s * T, T * 4);
    else cast_contiguous(out + s * T, dst + s * dst_row, T);
  }
}
#endif

#if defined(MLX_X86_DISPATCH)
#define OPENMLX_TILE_TRANSPOSE_AVX512 1
// dst[s * dst_row + f] = src[f * src_row + s] for a 16 x 16 block of 4-byte elements, in
// AVX-512 registers: each row is one 64-byte vector, so every cache line on either side is
// read or written whole, once, without a staging buffer. Bit patterns only move (no
// arithmetic), so any 4-byte type is carried exactly.
template <bool Stream>
MLX_TARGET_AVX512 void transpose_16x16_avx512(const void* src_v, int64_t src_row, void* dst_v, int64_t dst_row) {
  const float* src = static_cast<const float*>(src_v);
  float* dst = static_cast<float*>(dst_v);
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * src_row);
  // Per 128-bit lane L: t[2i] = (a[4L], b[4L], a[4L+1], b[4L+1]), t[2i+1] the same for 4L+2, 4L+3.
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // r[4i + j], lane L: rows 4i .. 4i+3 of column 4L + j.
  for (int i = 0; i < 4; ++i) {
    __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  // Gather lane L of r[j], r[4+j], r[8+j], r[12+j] into output row 4L + j.
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    t[j + 4] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);
    t[j + 8] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    t[j + 12] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
  }
  // Streaming (non-temporal) stores write whole lines without reading them first; the
  // caller asks for them only when every row is 64-byte aligned.
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xDD);
    r[4 + j] = _mm512_shuffle_f32x4(t[j + 4], t[j + 12], 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(t[j + 4], t[j + 12], 0xDD);
  }
  for (int i = 0; i < 16; ++i) {
    if constexpr (Stream) _mm512_stream_ps(dst + i * dst_row, r[i]);
    else _mm512_storeu_ps(dst + i * dst_row, r[i]);
  }
}
#endif

// Copies between layouts that walk memory in different axis orders (a transpose): the axis
// the source reads fastest (sf) and the one the destination writes fastest (df) are cut into
// square tiles. A tile is read row by row into a small buffer and written out row by row,
// so that every cache line is used whole even when the other side's stride is a power of
// two. Rows of tiles are shared over the thread pool. For a plain copy E = Out is a type of
// the element's size; for a cast (a transposed bfloat16 array to float32) each element is
// converted on its way into the buffer.
template <typename E, typename Out = E>
void copy_tiles(const E* src, Out* dst, const CollapsedLayout<2>& lay, int sf, int df) {
  constexpr size_t size = std::max(sizeof(E), sizeof(Out));
  constexpr int64_t T = size >= 16 ? 16 : size <= 2 ? 64 : 32;
  constexpr bool same = std::is_same_v<E, Out>;
  const Strides& D = lay.strides[0];
  const Strides& S = lay.strides[1];
  int nd = static_cast<int>(lay.shape.size());
  std::vector<int> outer;
  int64_t nouter = 1;
  for (int d = 0; d < nd; ++d) {
    if (d != sf && d != df) {
      outer.push_back(d);
      nouter *= lay.shape[d];
    }
  }
  int64_t ns = lay.shape[sf], nf = lay.shape[df];
  int64_t tiles_d = (nf + T - 1) / T;
  int64_t s_sf = S[sf], s_df = S[df], d_sf = D[sf], d_df = D[df];
  [[maybe_unused]] bool avx512 = simd_isa() == SimdIsa::avx512;
  // Streaming stores pay once the destination is larger than the caches would keep
  // (it would be evicted before it is read again), and every destination row is aligned.
  [[maybe_unused]] bool stream = d_sf % 16 == 0 &&
                                 ns * nf * nouter * int64_t(sizeof(E)) >= (int64_t(8) << 20);
  parallel_for(nouter * tiles_d, [&](int64_t lo, int64_t hi) {
    Out buf[T * T];
    for (int64_t it = lo; it < hi; ++it) {
      int64_t rem = it / tiles_d, doff = 0, soff = 0;
      for (int k = static_cast<int>(outer.size()) - 1; k >= 0; --k) {
        int d = outer[k];
        int64_t i = rem % lay.shape[d];
        rem /= lay.shape[d];
        doff += i * D[d];
        soff += i * S[d];
      }
      int64_t f0 = (it % tiles_d) * T, nfi = std::min(T, nf - f0);
      for (int64_t s0 = 0; s0 < ns; s0 += T) {
        int64_t nsi = std::min(T, ns - s0);
        const E* sp = src + soff + s0 * s_sf + f0 * s_df;
        Out* dp = dst + doff + s0 * d_sf + f0 * d_df;
#if defined(OPENMLX_TILE_TRANSPOSE_AVX512)
        if constexpr (same && sizeof(E) == 4) {
          if (avx512 && s_sf == 1 && d_df == 1 && nsi == T && nfi == T) {
            bool nt = stream && (reinterpret_cast<uintptr_t>(dp) % 64) == 0;
            for (int64_t f = 0; f < T; f += 16) {
              for (int64_t s = 0; s < T; s += 16) {
                if (nt) transpose_16x16_avx512<true>(sp + f * s_df + s, s_df, dp + s * d_sf + f, d_sf);
                else transpose_16x16_avx512<false>(sp + f * s_df + s, s_df, dp + s * d_sf + f, d_sf);
              }
            }
            continue;
          }
        }
#endif
#if defined(OPENMLX_TILE_TRANSPOSE_4BYTE)
        if constexpr (same && sizeof(E) == 4) {
          if (s_sf == 1 && d_df == 1 && nsi == T && nfi == T) {
            transpose_tile_4byte<T>(sp, s_df, dp, d_sf);
            continue;
          }
        }
#endif
#if defined(OPENMLX_TILE_TRANSPOSE_4BYTE)
        if constexpr (!same && (std::is_same_v<E, float> || std::is_same_v<Out, float>)) {
          if (s_sf == 1 && d_df == 1 && nsi == T && nfi == T) {
            transpose_tile_cast<T>(sp, s_df, dp, d_sf);
            continue;
          }
        }
#endif
        if constexpr (same) {
          for (int64_t f = 0; f < nfi; ++f) {
            for (int64_t s = 0; s < nsi; ++s) buf[f * T + s] = sp[f * s_df + s * s_sf];
          }
        } else if (s_sf == 1) {
          for (int64_t f = 0; f < nfi; ++f) cast_contiguous(sp + f * s_df, buf + f * T, nsi);
        } else {
          for (int64_t f = 0; f < nfi; ++f) {
            for (int64_t s = 0; s < nsi; ++s) buf[f * T + s] = cast_value<Out>(sp[f * s_df + s * s_sf]);
          }
        }
        for (int64_t s = 0; s < nsi; ++s) {
          for (int64_t f = 0; f < nfi; ++f) dp[s * d_sf + f * d_df] = buf[f * T + s];
        }
      }
    }
#if defined(OPENMLX_TILE_TRANSPOSE_AVX512)
    if (stream) _mm_sfence(); // the streamed lines are visible before the copy returns
#endif
  }, std::max<int64_t>(1, parallel_threshold / 2 / (T * ns)));
}

// The tile axes of a copy between layouts that walk memory in different axis orders, or
// false when the layouts do not call for the tiled path.
bool plan_transposed(const Shape& shape, const Strides& dst_strides, const Strides& src_strides,
                     CollapsedLayout<2>& lay, int& sf, int& df) {
  lay = collapse_layout<2>(shape, {&dst_strides, &src_strides});
  int nd = static_cast<int>(lay.shape.size());
  if (nd < 2) return false;
  int64_t total = 1;
  for (auto d : lay.shape) total *= d;
  if (total < 4096) return false;
  auto mag = [](int64_t v) { return v < 0 ? -v : v; };
  const Strides& D = lay.strides[0];
  const Strides& S = lay.strides[1];
  int a = nd - 1;
  // The other axis of the tile: the one the side that is strided along `a` walks fastest.
  const Strides* far = nullptr;
  if (mag(D[a]) == 1 && mag(S[a]) != 1) far = &S;
  else if (mag(S[a]) == 1 && mag(D[a]) != 1) far = &D;
  else return false;
  int b = -1;
  for (int d = 0; d < a; ++d) {
    if (b < 0 || mag((*far)[d]) < mag((*far)[b])) b = d;
  }
  if (mag((*far)[b]) >= mag((*far)[a]) || lay.shape[a] < 8 || lay.shape[b] < 8) return false;
  sf = far == &S ? b : a;
  df = far == &S ? a : b;
  return true;
}

// Takes the tiled path of a plain copy when the layouts call for it; false otherwise.
bool copy_transposed(const void* src, void* dst, size_t elem, const Shape& shape, const Strides& dst_strides,
                     const Strides& src_strides) {
  CollapsedLayout<2> lay;
  int sf, df;
  if (!plan_transposed(shape, dst_strides, src_strides, lay, sf, df)) return false;
  switch (elem) {
    case 1: copy_tiles(static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst), lay, sf, df); return true;
    case 2: copy_tiles(static_cast<const uint16_t*>(src), static_cast<uint16_t*>(dst), lay, sf, df); return true;
    case 4: copy_tiles(static_cast<const uint32_t*>(src), static_cast<uint32_t*>(dst), lay, sf, df); return true;
    case 8: copy_tiles(static_cast<const uint64_t*>(src), static_cast<uint64_t*>(dst), lay, sf, df); return true;
    case 16: copy_tiles(static_cast<const Bytes16*>(src), static_cast<Bytes16*>(dst), lay, sf, df); return true;
  }
  return false;
}

// Floating types between which a transposed cast takes the tiled path.
template <typename T>
constexpr bool tiled_cast_type = std::is_same_v<T, float> || std::is_same_v<T, double> || is_half_v<T>;

} // namespace

void copy_strided(const array& in, void* dst, Dtype dst_dtype, const Strides& dst_strides) {
  if (in.size() == 0) return;
  if (in.dtype() == dst_dtype &&
      copy_transposed(in.raw_data(), dst, size_of(in.dtype()), in.shape(), dst_strides, in.strides())) {
    return;
  }
  dispatch_dtype(in.dtype(), [&]<typename In>(In) {
    dispatch_dtype(dst_dtype, [&]<typename Out>(Out) {
      const In* src = in.data<In>();
      Out* out = static_cast<Out*>(dst);
      if constexpr (tiled_cast_type<In> && tiled_cast_type<Out> && !std::is_same_v<In, Out>) {
        CollapsedLayout<2> lay;
        int sf, df;
        if (plan_transposed(in.shape(), dst_strides, in.strides(), lay, sf, df)) {
          copy_tiles(src, out, lay, sf, df);
          return;
        }
      }
      bool dst_rows = compute_layout_flags(in.shape(), dst_strides).row_contiguous;
      if (in.flags().row_contiguous && dst_rows) {
        parallel_for(static_cast<int64_t>(in.size()), [&](int64_t lo, int64_t hi) {
          if constexpr (std::is_same_v<In, Out>) {
            std::memcpy(out + lo, src + lo, (hi - lo) * sizeof(In));
          } else {
            cast_contiguous(src + lo, out + lo, hi - lo);
          }
        });
        return;
      }
      parallel_for_each_run<2>(in.shape(), {&dst_strides, &in.strides()}, [&](auto offs, int64_t n, auto inner) {
        Out* o = out + offs[0];
        const In* s = src + offs[1];
        int64_t so = inner[0], si = inner[1];
        if (so == 1 && si == 1) {
          for (int64_t i = 0; i < n; ++i) o[i] = cast_value<Out>(s[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) o[i * so] = cast_value<Out>(s[i * si]);
        }
      });
    });
  });
}

array contiguous_copy(const array& in, Dtype dtype) {
  array out(in.shape(), dtype, nullptr, {});
  allocate_output(out);
  copy_strided(in, out.raw_data(), dtype, out.strides());
  return out;
}

} // namespace cpu

namespace cpu {
namespace {
// Copy and AsType: the output takes the input's buffer when nothing else can see it; then
// a copy has nothing left to do and a cast of one element size converts in place.
void copy_or_cast(const Stream& s, const array& in, array& out) {
  bool donated = donate_or_allocate({&in}, out) == 0;
  if (donated && in.dtype() == out.dtype()) return;
  get_command_encoder(s).dispatch([in, out, donated]() mutable {
    if (!donated || in.flags().row_contiguous) return copy_strided(in, out.raw_data(), out.dtype(), out.strides());
    // A donor in another dense axis order: one flat run over the buffer both share.
    dispatch_dtype(in.dtype(), [&]<typename In>(In) {
      dispatch_dtype(out.dtype(), [&]<typename Out>(Out) {
        const In* src = in.data<In>();
        Out* dst = out.data<Out>();
        parallel_for(static_cast<int64_t>(in.size()),
                     [&](int64_t lo, int64_t hi) { cast_contiguous(src + lo, dst + lo, hi - lo); });
      });
    });
  });
}
} // namespace
} // namespace cpu

void Copy::eval_cpu(const std::vector<array>& inputs, array& out) { cpu::copy_or_cast(stream(), inputs[0], out); }

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) { cpu::copy_or_cast(stream(), inputs[0], out); }

void Alias::eval_cpu(const std::vector<array>& inputs, array& out) { out.copy_shared_buffer(inputs[0]); }

void StopGradient::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}

void Arange::eval_cpu(const std::vector<array>&, array& out) {
  cpu::allocate_output(out);
  if (out.size() == 0) return; // the bounds of an empty range need not fit the dtype
  cpu::get_command_encoder(stream()).dispatch([out, start_d = start_, step_d = step_]() mutable {
    size_t n = out.size();
    cpu::dispatch_dtype(out.dtype(), [&]<typename T>(T) {
      T* o = out.data<T>();
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        // The op checked that every value fits int64.
        int64_t start = static_cast<int64_t>(start_d), step = static_cast<int64_t>(step_d);
        for (size_t i = 0; i < n; ++i) o[i] = static_cast<T>(start + static_cast<int64_t>(i) * step);
      } else {
        for (size_t i = 0; i < n; ++i) o[i] = cast_value<T>(start_d + static_cast<double>(i) * step_d);
      }
    });
  });
}

} // namespace mlx::core
