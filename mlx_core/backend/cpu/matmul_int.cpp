// Kernel of Matmul for integer and bool dtypes.
#include "mlx_core/backend/cpu/matmul_int.h"

#include <cstring>
#include <type_traits>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"

namespace mlx::core::cpu {

namespace {

// Arithmetic in the unsigned type of T, so that products and sums wrap (no signed overflow).
template <typename T>
struct wrap_of {
  using type = std::make_unsigned_t<T>;
};
template <>
struct wrap_of<bool> {
  using type = bool;
};
template <typename T>
using wrap_t = typename wrap_of<T>::type;

// Rows [i0, i0 + MR) x columns [j0, j0 + nb) of C = A B (row-major A m x k, B k x n):
// the tile's sums stay in a small accumulator block (registers) over the whole of k.
// A partial tile (nb < NB columns) takes the plain loop.
template <typename W, int MR, int NB>
__attribute__((always_inline)) inline void tile(const W* a, const W* b, W* c, int64_t i0, int64_t j0, int64_t nb,
                                                int64_t n, int64_t k) {
  W acc[MR][NB] = {};
  if (nb == NB) {
    for (int64_t p = 0; p < k; ++p) {
      const W* brow = b + p * n + j0;
      for (int r = 0; r < MR; ++r) {
        W av = a[(i0 + r) * k + p];
#pragma omp simd
        for (int j = 0; j < NB; ++j) acc[r][j] = static_cast<W>(acc[r][j] + av * brow[j]);
      }
    }
  } else {
    for (int64_t p = 0; p < k; ++p) {
      const W* brow = b + p * n + j0;
      for (int r = 0; r < MR; ++r) {
        W av = a[(i0 + r) * k + p];
        for (int64_t j = 0; j < nb; ++j) acc[r][j] = static_cast<W>(acc[r][j] + av * brow[j]);
      }
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int64_t j = 0; j < nb; ++j) c[(i0 + r) * n + j0 + j] = acc[r][j];
  }
}

// Rows [r0, r1) of C = A B for one matrix of the batch.
template <typename T>
MLX_SIMD_CLONES void rows_kernel(const T* a_in, const T* b_in, T* c_in, int64_t r0, int64_t r1, int64_t n, int64_t k) {
  using W = wrap_t<T>;
  const W* a = reinterpret_cast<const W*>(a_in);
  const W* b = reinterpret_cast<const W*>(b_in);
  W* c = reinterpret_cast<W*>(c_in);
  if constexpr (std::is_same_v<T, bool>) {
    for (int64_t i = r0; i < r1; ++i) {
      W* crow = c + i * n;
      std::memset(crow, 0, sizeof(T) * n);
      for (int64_t p = 0; p < k; ++p) {
        if (!a[i * k + p]) continue;
        const W* brow = b + p * n;
        for (int64_t j = 0; j < n; ++j) crow[j] = crow[j] | brow[j];
      }
    }
  } else {
    constexpr int NB = static_cast<int>(64 / sizeof(W));  // two 256-bit vectors per row
    int64_t i = r0;
    for (; i + 4 <= r1; i += 4) {
      for (int64_t j0 = 0; j0 < n; j0 += NB) tile<W, 4, NB>(a, b, c, i, j0, std::min<int64_t>(NB, n - j0), n, k);
    }
    for (; i < r1; ++i) {
      for (int64_t j0 = 0; j0 < n; j0 += NB) tile<W, 1, NB>(a, b, c, i, j0, std::min<int64_t>(NB, n - j0), n, k);
    }
  }
}

} // namespace

void integer_matmul(const array& a_in, const array& b_in, array& out) {
  int nd = out.ndim();
  int64_t m = out.shape()[nd - 2], n = out.shape()[nd - 1], k = a_in.shape()[nd - 1];
  if (out.size() == 0) return;
  Dtype dt = out.dtype();
  array a = contiguous_copy(a_in, dt);
  array b = contiguous_copy(b_in, dt);
  int64_t batch = out.size() / (m * n);
  dispatch_dtype(dt, [&]<typename T>(T) {
    if constexpr (std::is_integral_v<T>) {
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* pc = out.data<T>();
      // Work items: (batch, row) pairs, rows grouped so that each item is sizeable.
      int64_t rows = batch * m;
      int64_t per_row = std::max<int64_t>(n * k, 1);
      parallel_for(rows, [&](int64_t r0, int64_t r1) {
        while (r0 < r1) {
          int64_t bi = r0 / m, i0 = r0 % m;
          int64_t i1 = std::min(m, i0 + (r1 - r0));
          rows_kernel<T>(pa + bi * m * k, pb + bi * k * n, pc + bi * m * n, i0, i1, n, k);
          r0 += i1 - i0;
        }
      }, std::max<int64_t>(1, parallel_threshold / per_row));
    } else {
      throw std::invalid_argument("[matmul] Not an integer type.");
    }
  });
}

} // namespace mlx::core::cpu
