// The few OpenBLAS (scipy-openblas64: ILP64, symbols prefixed scipy_ and suffixed 64_)
// entry points the engine uses.
#pragma once
#include <algorithm>
#include <cstdint>

#include "mlx_core/backend/cpu/parallel.h"

extern "C" {
using blas_int = int64_t;
enum { MLX_CblasRowMajor = 101, MLX_CblasNoTrans = 111, MLX_CblasTrans = 112 };
enum { MLX_LapackRowMajor = 101 };

void scipy_cblas_sgemm64_(int layout, int transa, int transb, blas_int m, blas_int n, blas_int k,
                          float alpha, const float* a, blas_int lda, const float* b, blas_int ldb,
                          float beta, float* c, blas_int ldc);
void scipy_cblas_dgemm64_(int layout, int transa, int transb, blas_int m, blas_int n, blas_int k,
                          double alpha, const double* a, blas_int lda, const double* b, blas_int ldb,
                          double beta, double* c, blas_int ldc);
// y = alpha op(A) x + beta y.
void scipy_cblas_sgemv64_(int layout, int trans, blas_int m, blas_int n, float alpha, const float* a, blas_int lda,
                          const float* x, blas_int incx, float beta, float* y, blas_int incy);
void scipy_cblas_dgemv64_(int layout, int trans, blas_int m, blas_int n, double alpha, const double* a, blas_int lda,
                          const double* x, blas_int incx, double beta, double* y, blas_int incy);
// count products C_i = alpha A_i B_i + beta C_i with A_i = a + i * stridea (and so on),
// split over OpenBLAS's threads by product (one call instead of one per matrix). Not every
// build of the scipy-openblas64 wheel has these (its aarch64 wheels lack them), so they are
// looked up at run time: null when absent.
using SgemmBatchStrided = void (*)(int layout, int transa, int transb, blas_int m, blas_int n, blas_int k,
                                   float alpha, const float* a, blas_int lda, blas_int stridea, const float* b,
                                   blas_int ldb, blas_int strideb, float beta, float* c, blas_int ldc,
                                   blas_int stridec, blas_int count);
using DgemmBatchStrided = void (*)(int layout, int transa, int transb, blas_int m, blas_int n, blas_int k,
                                   double alpha, const double* a, blas_int lda, blas_int stridea, const double* b,
                                   blas_int ldb, blas_int strideb, double beta, double* c, blas_int ldc,
                                   blas_int stridec, blas_int count);
void scipy_cblas_cgemm64_(int layout, int transa, int transb, blas_int m, blas_int n, blas_int k,
                          const void* alpha, const void* a, blas_int lda, const void* b, blas_int ldb,
                          const void* beta, void* c, blas_int ldc);
// LAPACKE's singular value decomposition a = u diag(s) vt (a is overwritten). 0: success.
blas_int scipy_LAPACKE_sgesvd64_(int layout, char jobu, char jobvt, blas_int m, blas_int n, float* a, blas_int lda,
                                 float* s, float* u, blas_int ldu, float* vt, blas_int ldvt, float* superb);
blas_int scipy_LAPACKE_dgesvd64_(int layout, char jobu, char jobvt, blas_int m, blas_int n, double* a, blas_int lda,
                                 double* s, double* u, blas_int ldu, double* vt, blas_int ldvt, double* superb);
}

namespace mlx::core::cpu {
// An OpenBLAS entry point that only some builds of the library have, looked up once in the
// library that provides sgemm (null when that build lacks it).
void* optional_blas_symbol(const char* name);

// Products of at least this many multiply-adds (m * n * k) are split over the thread pool.
inline constexpr int64_t blas_split_threshold = int64_t(1) << 18;

// How many whole m x n x k products one pool task takes, so that a task holds at least
// blas_split_threshold multiply-adds.
inline int64_t products_per_task(int64_t m, int64_t n, int64_t k) {
  return std::max<int64_t>(1, blas_split_threshold / std::max<int64_t>(m * n * k, 1));
}

// Runs the m x n x k product C = op(A) op(B) as block(row0, rows, col0, cols) calls on
// disjoint blocks of C: one call when the product is small, else row blocks (m >= n) or
// column blocks split over the thread pool. OpenBLAS itself runs on one thread (it is set
// so when the engine loads): its own threads would compete with the pool for the cores,
// and on a busy machine each product would wait for the slowest of them.
template <typename F>
void split_product(int64_t m, int64_t n, int64_t k, F&& block) {
  int threads = thread_count();
  if (threads <= 1 || in_parallel_region() || m * n * std::max<int64_t>(k, 1) < blas_split_threshold) {
    block(int64_t(0), m, int64_t(0), n);
  } else if (m >= n) {
    parallel_for(m, [&](int64_t lo, int64_t hi) { block(lo, hi - lo, int64_t(0), n); },
                 std::max<int64_t>(8, m / (2 * threads)));
  } else {
    parallel_for(n, [&](int64_t lo, int64_t hi) { block(int64_t(0), m, lo, hi - lo); },
                 std::max<int64_t>(16, n / (2 * threads)));
  }
}
} // namespace mlx::core::cpu
