// PsdSqrt: the symmetric square root of positive semi-definite matrices, the factor that
// multivariate_normal draws with (mlx.linalg, with a public SVD, comes with a later issue).
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// For each float32 matrix C of a batch (..., n, n): U diag(sqrt(s)) V^T from the SVD
// C = U diag(s) V^T (LAPACK sgesvd). For a symmetric positive semi-definite C this is its
// unique symmetric square root A (A A = C), whatever the signs of the singular vectors.
// No gradient: vjp and jvp raise.
class PsdSqrt : public UnaryPrimitive {
 public:
  explicit PsdSqrt(Stream s) : UnaryPrimitive(s) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "PsdSqrt"; }
  auto state() const { return std::make_tuple(); }
};

} // namespace mlx::core
