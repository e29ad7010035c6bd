// Kernel of Svd: LAPACK gesvd per matrix of the batch, split over the thread pool.
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "mlx_core/backend/cpu/blas.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/primitives/svd.h"

namespace mlx::core {

namespace {

template <typename T>
blas_int gesvd(char job, int64_t m, int64_t n, T* a, T* s, T* u, int64_t ldu, T* vt, int64_t ldvt, T* superb) {
  if constexpr (std::is_same_v<T, float>) {
    return scipy_LAPACKE_sgesvd64_(MLX_LapackRowMajor, job, job, m, n, a, n, s, u, ldu, vt, ldvt, superb);
  } else {
    return scipy_LAPACKE_dgesvd64_(MLX_LapackRowMajor, job, job, m, n, a, n, s, u, ldu, vt, ldvt, superb);
  }
}

template <typename T>
void run_svd(const array& c, std::vector<array>& outs, bool uv) {
  int nd = c.ndim();
  int64_t m = c.shape()[nd - 2], n = c.shape()[nd - 1], k = std::min(m, n);
  if (k == 0) return;
  int64_t mats = static_cast<int64_t>(c.size()) / (m * n);
  const T* src = c.data<T>();
  T* s_out = outs[uv ? 1 : 0].data<T>();
  T* u_out = uv ? outs[0].data<T>() : nullptr;
  T* vt_out = uv ? outs[2].data<T>() : nullptr;
  cpu::parallel_for(mats, [&](int64_t b0, int64_t b1) {
    std::vector<T> a(m * n), superb(std::max<int64_t>(k, 2)), udummy(1), vdummy(1);
    for (int64_t b = b0; b < b1; ++b) {
      std::memcpy(a.data(), src + b * m * n, sizeof(T) * m * n);  // gesvd overwrites its input
      blas_int info = gesvd<T>(uv ? 'S' : 'N', m, n, a.data(), s_out + b * k, uv ? u_out + b * m * k : udummy.data(),
                               uv ? k : 1, uv ? vt_out + b * k * n : vdummy.data(), uv ? n : 1, superb.data());
      if (info != 0) {
        // A NaN or inf entry (or no convergence): the decomposition is undefined.
        T nan = std::numeric_limits<T>::quiet_NaN();
        std::fill(s_out + b * k, s_out + (b + 1) * k, nan);
        if (uv) {
          std::fill(u_out + b * m * k, u_out + (b + 1) * m * k, nan);
          std::fill(vt_out + b * k * n, vt_out + (b + 1) * k * n, nan);
        }
      }
    }
  }, 1);
}

} // namespace

void Svd::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (auto& o : outputs) cpu::allocate_output(o);
  const array& in = inputs[0];
  array c = in.flags().row_contiguous ? in : cpu::contiguous_copy(in, in.dtype());
  bool uv = compute_uv_;
  cpu::get_command_encoder(stream()).dispatch([c, outputs, uv]() mutable {
    if (c.dtype() == float32) {
      run_svd<float>(c, outputs, uv);
    } else if (c.dtype() == float64) {
      run_svd<double>(c, outputs, uv);
    } else {
      throw std::invalid_argument("[linalg::svd] Expected a float32 or float64 input.");
    }
  });
}

} // namespace mlx::core
