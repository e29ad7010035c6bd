// Kernel of Matmul: batched GEMM through OpenBLAS. bfloat16 runs the AVX512-BF16 kernel
// (matmul_bf16.cpp) where the CPU has it; otherwise half types go through float32 GEMM.
#include <cstring>
#include <vector>

#include "mlx_core/backend/cpu/blas.h"
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/matmul_bf16.h"
#include "mlx_core/backend/cpu/matmul_int.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_dispatch.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/shape.h"

namespace mlx::core {

namespace {

// How a matrix operand can be handed to BLAS without a copy: its last two dims must be
// row-major (no transpose) or column-major (transpose) with a positive leading dimension.
struct MatrixView {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};

MatrixView matrix_view(const array& a) {
  int nd = a.ndim();
  int64_t rows = a.shape()[nd - 2], cols = a.shape()[nd - 1];
  int64_t rs = a.strides()[nd - 2], cs = a.strides()[nd - 1];
  if ((cs == 1 || cols == 1) && (rs >= std::max<int64_t>(cols, 1) || rows == 1)) {
    return {true, false, std::max<int64_t>(rows == 1 ? cols : rs, std::max<int64_t>(cols, 1))};
  }
  if ((rs == 1 || rows == 1) && (cs >= std::max<int64_t>(rows, 1) || cols == 1)) {
    return {true, true, std::max<int64_t>(cols == 1 ? rows : cs, std::max<int64_t>(rows, 1))};
  }
  return {};
}

// Real and imaginary planes of a rows x cols complex matrix (row stride ld), row-major.
void split_planes(const complex64_t* src, int64_t rows, int64_t cols, int64_t ld, float* re, float* im) {
  for (int64_t i = 0; i < rows; ++i) {
    const complex64_t* row = src + i * ld;
    float* r = re + i * cols;
    float* q = im + i * cols;
    for (int64_t j = 0; j < cols; ++j) {
      r[j] = row[j].real();
      q[j] = row[j].imag();
    }
  }
}

// Complex GEMM as four real ones: Re = Ar Br - Ai Bi, Im = Ar Bi + Ai Br. OpenBLAS's cgemm
// scales its sums by alpha as a complex product, so a sum that overflowed to inf+0j comes
// out as inf+nanj (inf * 0 in the imaginary part); real GEMMs (alpha = +-1) keep the
// product's real semantics, giving inf+0j as NumPy's element-wise product and the
// reference do.
void complex_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const complex64_t* a,
                  int64_t lda, const complex64_t* b, int64_t ldb, complex64_t* c, int64_t ldc) {
  int64_t ar = ta ? k : m, ac = ta ? m : k;
  int64_t br = tb ? n : k, bc = tb ? k : n;
  std::vector<float> buf(2 * (ar * ac + br * bc + m * n));
  float *are = buf.data(), *aim = are + ar * ac;
  float *bre = aim + ar * ac, *bim = bre + br * bc;
  float *cre = bim + br * bc, *cim = cre + m * n;
  split_planes(a, ar, ac, lda, are, aim);
  split_planes(b, br, bc, ldb, bre, bim);
  int opa = ta ? MLX_CblasTrans : MLX_CblasNoTrans;
  int opb = tb ? MLX_CblasTrans : MLX_CblasNoTrans;
  int64_t la = std::max<int64_t>(ac, 1), lb = std::max<int64_t>(bc, 1), lc = std::max<int64_t>(n, 1);
  scipy_cblas_sgemm64_(MLX_CblasRowMajor, opa, opb, m, n, k, 1.0f, are, la, bre, lb, 0.0f, cre, lc);
  scipy_cblas_sgemm64_(MLX_CblasRowMajor, opa, opb, m, n, k, -1.0f, aim, la, bim, lb, 1.0f, cre, lc);
  scipy_cblas_sgemm64_(MLX_CblasRowMajor, opa, opb, m, n, k, 1.0f, are, la, bim, lb, 0.0f, cim, lc);
  scipy_cblas_sgemm64_(MLX_CblasRowMajor, opa, opb, m, n, k, 1.0f, aim, la, bre, lb, 1.0f, cim, lc);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = complex64_t(cre[i * n + j], cim[i * n + j]);
  }
}

// C (m x n) = A B where m == 1 or n == 1, as one matrix-vector product.
template <typename T>
void gemv(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
          int64_t ldc) {
  auto run = [](int trans, int64_t rows, int64_t cols, const T* mat, int64_t ld, const T* x, int64_t incx, T* y,
                int64_t incy) {
    if constexpr (std::is_same_v<T, float>) {
      scipy_cblas_sgemv64_(MLX_CblasRowMajor, trans, rows, cols, 1.0f, mat, ld, x, incx, 0.0f, y, incy);
    } else {
      scipy_cblas_dgemv64_(MLX_CblasRowMajor, trans, rows, cols, 1.0, mat, ld, x, incx, 0.0, y, incy);
    }
  };
  if (m == 1) {
    // c^T = op(B)^T a^T: B stored k x n (or n x k when transposed).
    int64_t incx = ta ? lda : 1;
    if (tb) run(MLX_CblasNoTrans, n, k, b, ldb, a, incx, c, 1);
    else run(MLX_CblasTrans, k, n, b, ldb, a, incx, c, 1);
  } else {
    // c = op(A) b: A stored m x k (or k x m when transposed).
    int64_t incx = tb ? 1 : ldb;
    if (ta) run(MLX_CblasTrans, k, m, a, lda, b, incx, c, ldc);
    else run(MLX_CblasNoTrans, m, k, a, lda, b, incx, c, ldc);
  }
}

// One product on the calling thread (OpenBLAS runs single-threaded).
template <typename T>
void gemm_block(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
                int64_t ldb, T* c, int64_t ldc) {
  int opa = ta ? MLX_CblasTrans : MLX_CblasNoTrans;
  int opb = tb ? MLX_CblasTrans : MLX_CblasNoTrans;
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    // A vector operand: GEMV streams the matrix once (GEMM would pack it first), which is
    // what a vector-matrix product (one token through a linear layer) is bound by.
    if (m == 1 || n == 1) {
      gemv<T>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
      return;
    }
  }
  if constexpr (std::is_same_v<T, float>) {
    scipy_cblas_sgemm64_(MLX_CblasRowMajor, opa, opb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  } else if constexpr (std::is_same_v<T, double>) {
    scipy_cblas_dgemm64_(MLX_CblasRowMajor, opa, opb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    // cgemm is the fast path; a NaN in its result may be an artefact of its complex alpha
    // scaling (see complex_gemm), so those products are recomputed with real GEMMs.
    complex64_t one(1.0f, 0.0f), zero(0.0f, 0.0f);
    scipy_cblas_cgemm64_(MLX_CblasRowMajor, opa, opb, m, n, k, &one, a, lda, b, ldb, &zero, c, ldc);
    bool nan = false;
    for (int64_t i = 0; i < m && !nan; ++i) {
      const float* row = reinterpret_cast<const float*>(c + i * ldc);
      bool any = false;
      for (int64_t j = 0; j < 2 * n; ++j) any |= row[j] != row[j];
      nan = any;
    }
    if (nan) complex_gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
  }
}

// C = op(A) op(B); large products are split into blocks of C over the thread pool.
template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
          int64_t ldb, T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, bfloat16_t>) {
    // The bfloat16 kernel shares its tiles over the pool itself.
    cpu::bf16_gemm(ta, tb, m, n, k, reinterpret_cast<const uint16_t*>(a), lda, reinterpret_cast<const uint16_t*>(b),
                   ldb, reinterpret_cast<uint16_t*>(c), ldc);
  } else {
    cpu::split_product(m, n, k, [&](int64_t r0, int64_t rows, int64_t c0, int64_t cols) {
      // Rows r0.. of op(A) and columns c0.. of op(B), whichever way each is stored.
      const T* ab = a + (ta ? r0 : r0 * lda);
      const T* bb = b + (tb ? c0 * ldb : c0);
      gemm_block<T>(ta, tb, rows, cols, k, ab, lda, bb, ldb, c + r0 * ldc + c0, ldc);
    });
  }
}

// Runs the batched product for BLAS types; a and b are views usable by BLAS.
template <typename T>
void batched_gemm(const array& a, const array& b, T* out, int64_t m, int64_t n, int64_t k) {
  MatrixView va = matrix_view(a), vb = matrix_view(b);
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  Strides sa(a.strides().begin(), a.strides().end() - 2);
  Strides sb(b.strides().begin(), b.strides().end() - 2);
  Strides so(batch.size());
  int64_t acc = m * n;
  for (int i = static_cast<int>(batch.size()) - 1; i >= 0; --i) {
    so[i] = acc;
    acc *= batch[i];
  }
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  auto run = [&](int64_t oa, int64_t ob, int64_t oo) {
    gemm<T>(va.trans, vb.trans, m, n, k, pa + oa, va.ld, pb + ob, vb.ld, out + oo, std::max<int64_t>(n, 1));
  };
  if (batch.empty()) {
    run(0, 0, 0);
    return;
  }
  cpu::for_each_run<3>(batch, {&sa, &sb, &so}, [&](auto offs, int64_t cnt, auto inner) {
    // A run of equally strided products is one batched BLAS call: far less per-call
    // overhead and threading per product rather than inside each small GEMM.
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      using BatchFn = std::conditional_t<std::is_same_v<T, float>, SgemmBatchStrided, DgemmBatchStrided>;
      static const auto batched = reinterpret_cast<BatchFn>(cpu::optional_blas_symbol(
          std::is_same_v<T, float> ? "scipy_cblas_sgemm_batch_strided64_" : "scipy_cblas_dgemm_batch_strided64_"));
      if (batched && cnt > 1 && m > 1 && n > 1) {
        int opa = va.trans ? MLX_CblasTrans : MLX_CblasNoTrans;
        int opb = vb.trans ? MLX_CblasTrans : MLX_CblasNoTrans;
        // Whole products per pool task; a lone large product is split by gemm instead.
        int64_t grain = cpu::products_per_task(m, n, k);
        if (cnt < 2 * grain && m * n * k >= cpu::blas_split_threshold) {
          for (int64_t i = 0; i < cnt; ++i) run(offs[0] + i * inner[0], offs[1] + i * inner[1], offs[2] + i * inner[2]);
          return;
        }
        cpu::parallel_for(cnt, [&](int64_t lo, int64_t hi) {
          batched(MLX_CblasRowMajor, opa, opb, m, n, k, T(1), pa + offs[0] + lo * inner[0], va.ld, inner[0],
                  pb + offs[1] + lo * inner[1], vb.ld, inner[1], T(0), out + offs[2] + lo * inner[2],
                  std::max<int64_t>(n, 1), inner[2], hi - lo);
        }, grain);
        return;
      }
    }
    if constexpr (std::is_same_v<T, bfloat16_t>) {
      // Products too small to share, or enough of them to go round: one per task (the
      // kernel runs inline inside a pool task).
      if (cnt > 1 && (m * n * k < (int64_t(1) << 21) || cnt >= 2 * int64_t(cpu::thread_count()))) {
        cpu::parallel_for(cnt, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) run(offs[0] + i * inner[0], offs[1] + i * inner[1], offs[2] + i * inner[2]);
        }, std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(m * n * k, 1)));
        return;
      }
    }
    // Small products one per task; large ones (too few to share) split by gemm itself.
    int64_t grain = cpu::products_per_task(m, n, k);
    cpu::parallel_for(cnt, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) run(offs[0] + i * inner[0], offs[1] + i * inner[1], offs[2] + i * inner[2]);
    }, grain);
  });
}

// The last two axes of x swapped, as a view of the same memory.
array swap_last_axes(const array& x) {
  Shape sh = x.shape();
  Strides st = x.strides();
  int nd = x.ndim();
  std::swap(sh[nd - 1], sh[nd - 2]);
  std::swap(st[nd - 1], st[nd - 2]);
  return array(x.data_shared_ptr(), sh, st, x.dtype(), x.offset());
}

// A float32 copy of a half-precision operand for the float32 GEMM. A transposed view (a
// weight passed as w.T) is converted in its stored order and handed on as a transposed
// view: converting it into row-major order would be a transposing copy.
array half_to_float(const array& x) {
  MatrixView v = matrix_view(x);
  if (v.ok && v.trans && x.shape()[x.ndim() - 1] > 1 && x.shape()[x.ndim() - 2] > 1) {
    return swap_last_axes(cpu::contiguous_copy(swap_last_axes(x), float32));
  }
  return cpu::contiguous_copy(x, float32);
}

// out = a @ b (batched), into out's buffer.
void run_matmul(array a, array b, array& out) {
  int nd = out.ndim();
  int64_t m = out.shape()[nd - 2], n = out.shape()[nd - 1], k = a.shape()[nd - 1];
  if (out.size() == 0) return;
  if (k == 0) {
    std::memset(out.raw_data(), 0, out.nbytes());
    return;
  }
  Dtype dt = out.dtype();
  if (dt == bfloat16 && cpu::has_avx512_bf16()) {
    if (a.dtype() != bfloat16 || !matrix_view(a).ok) a = cpu::contiguous_copy(a, bfloat16);
    if (b.dtype() != bfloat16 || !matrix_view(b).ok) b = cpu::contiguous_copy(b, bfloat16);
    batched_gemm<bfloat16_t>(a, b, out.data<bfloat16_t>(), m, n, k);
    return;
  }
  bool half = dt == float16 || dt == bfloat16;
  Dtype work = half ? float32 : dt;
  a = half ? half_to_float(a) : matrix_view(a).ok ? a : cpu::contiguous_copy(a, work);
  b = half ? half_to_float(b) : matrix_view(b).ok ? b : cpu::contiguous_copy(b, work);
  if (half) {
    array tmp(out.shape(), float32, nullptr, {});
    cpu::allocate_output(tmp);
    batched_gemm<float>(a, b, tmp.data<float>(), m, n, k);
    cpu::copy_strided(tmp, out.raw_data(), dt, out.strides());
    return;
  }
  cpu::dispatch_dtype(dt, [&]<typename T>(T) {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, complex64_t>) {
      batched_gemm<T>(a, b, out.data<T>(), m, n, k);
    } else {
      cpu::integer_matmul(a, b, out);
    }
  });
}

} // namespace

void Matmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([a = inputs[0], b = inputs[1], out]() mutable {
    run_matmul(std::move(a), std::move(b), out);
  });
}

} // namespace mlx::core
