// The threefry-2x32 kernel of RandomBits (20 rounds, the public Random123 / JAX schedule).
#include <cstdint>
#include <vector>

#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/primitives/random.h"

namespace mlx::core {

namespace {

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Hashes the counter pair (x0, x1) with the key (k0, k1).
inline void threefry2x32(uint32_t k0, uint32_t k1, uint32_t& x0, uint32_t& x1) {
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  x0 += ks[0];
  x1 += ks[1];
#define MLX_TF_ROUND(r) x0 += x1; x1 = rotl(x1, r); x1 ^= x0;
#define MLX_TF_INJECT(i) x0 += ks[(i + 1) % 3]; x1 += ks[(i + 2) % 3] + uint32_t(i + 1);
  MLX_TF_ROUND(13) MLX_TF_ROUND(15) MLX_TF_ROUND(26) MLX_TF_ROUND(6) MLX_TF_INJECT(0)
  MLX_TF_ROUND(17) MLX_TF_ROUND(29) MLX_TF_ROUND(16) MLX_TF_ROUND(24) MLX_TF_INJECT(1)
  MLX_TF_ROUND(13) MLX_TF_ROUND(15) MLX_TF_ROUND(26) MLX_TF_ROUND(6) MLX_TF_INJECT(2)
  MLX_TF_ROUND(17) MLX_TF_ROUND(29) MLX_TF_ROUND(16) MLX_TF_ROUND(24) MLX_TF_INJECT(3)
  MLX_TF_ROUND(13) MLX_TF_ROUND(15) MLX_TF_ROUND(26) MLX_TF_ROUND(6) MLX_TF_INJECT(4)
#undef MLX_TF_ROUND
#undef MLX_TF_INJECT
}

// The uniform [0, 1) float of a word (float32 division, kept below one).
struct UnitFloat {
  float operator()(uint32_t w) const {
    float u = static_cast<float>(w) / 4294967295.0f;
    return u < 0x1.fffffep-1f ? u : 0x1.fffffep-1f;
  }
};
struct Word {
  uint32_t operator()(uint32_t w) const { return w; }
};

// Pairs [b, e) of one draw of n words (half = ceil(n / 2) pairs) into o, each word mapped by
// Store. The hash vectorizes across pairs (AVX2 where the CPU has it).
template <typename T, typename Store>
MLX_SIMD_CLONES void fill_pairs(uint32_t k0, uint32_t k1, T* o, int64_t n, int64_t half, int64_t b, int64_t e) {
  Store st;
  // Pairs whose second word lands in the output (all but the last one when n is odd).
  int64_t full = std::min(e, n - half);
  T* hi = o + half;
#pragma omp simd
  for (int64_t i = b; i < full; ++i) {
    uint32_t x0 = static_cast<uint32_t>(i), x1 = static_cast<uint32_t>(i + half);
    threefry2x32(k0, k1, x0, x1);
    o[i] = st(x0);
    hi[i] = st(x1);
  }
  for (int64_t i = std::max(b, full); i < e; ++i) {
    uint32_t x0 = static_cast<uint32_t>(i), x1 = 0;
    threefry2x32(k0, k1, x0, x1);
    o[i] = st(x0);
  }
}

template <typename T, typename Store>
void fill(const uint32_t* k, T* o, int64_t nkeys, int64_t n) {
  int64_t half = (n + 1) / 2;
  // Work items: pairs of all draws, split over the pool for large outputs.
  cpu::parallel_for(nkeys * half, [&](int64_t b, int64_t e) {
    while (b < e) {
      int64_t key = b / half, i = b - key * half;
      int64_t stop = std::min(half, i + (e - b));
      fill_pairs<T, Store>(k[2 * key], k[2 * key + 1], o + key * n, n, half, i, stop);
      b += stop - i;
    }
  }, 1 << 13);
}

} // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  const array& keys_in = inputs[0];
  int64_t n = 1;
  for (auto d : shape_) n *= d;
  if (out.size() == 0 || n == 0) return;
  array keys = keys_in.flags().row_contiguous ? keys_in : cpu::contiguous_copy(keys_in, uint32);
  cpu::get_command_encoder(stream()).dispatch([out, keys, n, unit = unit_float_]() mutable {
    const uint32_t* k = keys.data<uint32_t>();
    int64_t nkeys = static_cast<int64_t>(keys.size() / 2);
    if (unit) {
      fill<float, UnitFloat>(k, out.data<float>(), nkeys, n);
    } else {
      fill<uint32_t, Word>(k, out.data<uint32_t>(), nkeys, n);
    }
  });
}

} // namespace mlx::core
