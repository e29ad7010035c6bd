// Svd: the singular value decomposition of a batch of real matrices, for the matrix norms
// (ord 2, -2, 'nuc'); the public mx.linalg.svd comes with a later issue.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// For each matrix A (m x n) of a batch (..., m, n), k = min(m, n): with compute_uv the three
// outputs U (..., m, k), S (..., k), Vt (..., k, n), A = U diag(S) Vt; without, S alone.
// S is descending. float32 and float64 (LAPACK gesvd); a matrix LAPACK cannot factor
// (NaN or inf entries) gets NaN singular values. The vjp and jvp of S are
// U diag(g) Vt and diag(U^T dA V); those of the singular vectors raise.
class Svd : public Primitive {
 public:
  Svd(Stream s, bool compute_uv) : Primitive(s), compute_uv_(compute_uv) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Svd"; }
  auto state() const { return std::make_tuple(compute_uv_); }
  bool is_equivalent(const Primitive& o) const override { return compute_uv_ == static_cast<const Svd&>(o).compute_uv_; }

 private:
  bool compute_uv_;
};

} // namespace mlx::core
