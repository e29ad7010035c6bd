// Kernel of Matmul for integer and bool dtypes.
#include "mlx_core/backend/cpu/matmul_int.h"

#include <cstring>
#include <type_traits>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"

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

// One row block of C = A B, row-major A (m x k), B (k x n), C (m x n): i-k-j order so that
// the inner loop runs over contiguous rows of B and C and vectorises.
template <typename T>
void rows_kernel(const T* a, const T* b, T* c, int64_t r0, int64_t r1, int64_t n, int64_t k) {
  using W = wrap_t<T>;
  constexpr int64_t kb = 256;  // a panel of B rows that stays in cache across the rows of A
  for (int64_t i = r0; i < r1; ++i) std::memset(c + i * n, 0, sizeof(T) * n);
  for (int64_t p0 = 0; p0 < k; p0 += kb) {
    int64_t p1 = std::min(k, p0 + kb);
    for (int64_t i = r0; i < r1; ++i) {
      W* crow = reinterpret_cast<W*>(c + i * n);
      for (int64_t p = p0; p < p1; ++p) {
        W av = static_cast<W>(a[i * k + p]);
        if (av == W(0)) continue;
        const W* brow = reinterpret_cast<const W*>(b + p * n);
        if constexpr (std::is_same_v<T, bool>) {
#pragma omp simd
          for (int64_t j = 0; j < n; ++j) crow[j] = crow[j] | brow[j];
        } else {
#pragma omp simd
          for (int64_t j = 0; j < n; ++j) crow[j] = static_cast<W>(crow[j] + av * brow[j]);
        }
      }
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
