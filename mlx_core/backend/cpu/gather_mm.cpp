// Kernel of GatherMM: one GEMM per index pair, reading the picked matrices in place.
#include <cstring>
#include <string>

#include "mlx_core/backend/cpu/blas.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/primitives/matmul_family.h"

namespace mlx::core {

namespace {

void check_index(int64_t v, int64_t n, const char* which) {
  if (v < 0 || v >= n) {
    throw std::out_of_range("[gather_mm] " + std::string(which) + " index " + std::to_string(v) +
                            " is out of bounds for a batch of " + std::to_string(n) + " matrices.");
  }
}

template <typename T>
void run(const array& a, const array& b, const array& li, const array& ri, array& out) {
  int64_t ba = a.shape(0), m = a.shape(1), k = a.shape(2);
  int64_t bb = b.shape(0), n = b.shape(2);
  int64_t count = li.size();
  const int64_t* pl = li.data<int64_t>();
  const int64_t* pr = ri.data<int64_t>();
  for (int64_t i = 0; i < count; ++i) {
    check_index(pl[i], ba, "lhs");
    check_index(pr[i], bb, "rhs");
  }
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  auto product = [&](int64_t i, int64_t r0, int64_t rows, int64_t c0, int64_t cols) {
    const T* x = pa + pl[i] * m * k + r0 * k;
    const T* y = pb + pr[i] * k * n + c0;
    T* z = po + i * m * n + r0 * n + c0;
    int64_t ldx = std::max<int64_t>(k, 1), ldy = std::max<int64_t>(n, 1);
    if constexpr (std::is_same_v<T, float>) {
      scipy_cblas_sgemm64_(MLX_CblasRowMajor, MLX_CblasNoTrans, MLX_CblasNoTrans, rows, cols, k, 1.0f, x, ldx, y,
                           ldy, 0.0f, z, ldy);
    } else {
      scipy_cblas_dgemm64_(MLX_CblasRowMajor, MLX_CblasNoTrans, MLX_CblasNoTrans, rows, cols, k, 1.0, x, ldx, y,
                           ldy, 0.0, z, ldy);
    }
  };
  // Small products one per pool task; a large one is split into blocks (split_product).
  int64_t grain = cpu::products_per_task(m, n, k);
  cpu::parallel_for(count, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      cpu::split_product(m, n, k, [&](int64_t r0, int64_t rows, int64_t c0, int64_t cols) {
        product(i, r0, rows, c0, cols);
      });
    }
  }, grain);
}

} // namespace

void GatherMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  Dtype t = out.dtype();
  auto contiguous = [&](const array& x, Dtype d) { return x.flags().row_contiguous ? x : cpu::contiguous_copy(x, d); };
  array a = contiguous(inputs[0], t), b = contiguous(inputs[1], t);
  array li = contiguous(inputs[2], int64), ri = contiguous(inputs[3], int64);
  cpu::get_command_encoder(stream()).dispatch([a, b, li, ri, out]() mutable {
    if (out.size() == 0) return;
    if (a.shape(2) == 0) {
      std::memset(out.raw_data(), 0, out.nbytes());
      return;
    }
    if (out.dtype() == float32) {
      run<float>(a, b, li, ri, out);
    } else if (out.dtype() == float64) {
      run<double>(a, b, li, ri, out);
    } else {
      throw std::invalid_argument("[gather_mm] Expected float32 or float64 operands.");
    }
  });
}

} // namespace mlx::core
