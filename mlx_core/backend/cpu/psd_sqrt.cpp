// Kernel of PsdSqrt: LAPACK sgesvd per matrix, then U diag(sqrt(s)) V^T by sgemm.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlx_core/backend/cpu/blas.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/primitives/psd_sqrt.h"

namespace mlx::core {

void PsdSqrt::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  const array& in = inputs[0];
  if (in.dtype() != float32) throw std::invalid_argument("[PsdSqrt] Expected a float32 input.");
  array c = in.flags().row_contiguous ? in : cpu::contiguous_copy(in, float32);
  cpu::get_command_encoder(stream()).dispatch([c, out]() mutable {
    int nd = c.ndim();
    int64_t n = c.shape()[nd - 1];
    if (n == 0) return;
    int64_t mats = static_cast<int64_t>(c.size()) / (n * n);
    std::vector<float> a(n * n), s(n), u(n * n), vt(n * n), superb(std::max<int64_t>(n - 1, 1));
    const float* src = c.data<float>();
    float* dst = out.data<float>();
    for (int64_t m = 0; m < mats; ++m) {
      std::copy(src + m * n * n, src + (m + 1) * n * n, a.begin()); // sgesvd overwrites its input
      blas_int info = scipy_LAPACKE_sgesvd64_(MLX_LapackRowMajor, 'S', 'S', n, n, a.data(), n, s.data(), u.data(), n,
                                              vt.data(), n, superb.data());
      if (info != 0) {
        // LAPACKE reports a NaN in the matrix as an invalid argument (-4).
        throw std::runtime_error("[multivariate_normal] The SVD of cov failed (LAPACK code " + std::to_string(info) +
                                 (info < 0 ? "): cov must be finite." : "): it did not converge."));
      }
      for (int64_t j = 0; j < n; ++j) {
        float r = std::sqrt(s[j]);
        for (int64_t i = 0; i < n; ++i) u[i * n + j] *= r;
      }
      scipy_cblas_sgemm64_(MLX_CblasRowMajor, MLX_CblasNoTrans, MLX_CblasNoTrans, n, n, n, 1.0f, u.data(), n, vt.data(), n,
                           0.0f, dst + m * n * n, n);
    }
  });
}

} // namespace mlx::core
