// GatherMM: matrix products of matrices picked by index from two stacks, without gathering
// the picked matrices into new arrays first.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// inputs: a (Ba, M, K), b (Bb, K, N) of one floating dtype (float32 or float64), and
// int64 index arrays li, ri of one shape I; output (I..., M, N) with
// out[i] = a[li[i]] @ b[ri[i]]. An index outside [0, Ba) / [0, Bb) raises IndexError when
// evaluated.
class GatherMM : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "GatherMM"; }
  auto state() const { return std::make_tuple(); }
  bool is_equivalent(const Primitive&) const override { return true; }
};

namespace detail {
// The GatherMM node for already validated operands (shapes as the primitive's inputs; the
// index arrays are broadcast together and cast to int64 here).
array gather_mm_node(const array& a, const array& b, const array& li, const array& ri, StreamOrDevice s = {});
} // namespace detail

} // namespace mlx::core
