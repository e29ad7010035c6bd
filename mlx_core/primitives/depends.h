// Depends: outputs that are the first inputs unchanged, ordered after the rest.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// Inputs [x_0 .. x_{n-1}, d_0 ..]: output i shares x_i's buffer once every d_j is evaluated.
class Depends : public Primitive {
 public:
  Depends(Stream s, int n) : Primitive(s), n_(n) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override {
    eval_cpu(inputs, outputs);
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  MLX_DECLARE_TRANSFORMS()
  const char* name() const override { return "Depends"; }
  auto state() const { return std::make_tuple(n_); }
  bool is_equivalent(const Primitive& o) const override { return n_ == static_cast<const Depends&>(o).n_; }

 private:
  int n_;
};

// The arrays `inputs`, unchanged, but evaluated only after `dependencies`.
std::vector<array> depends(const std::vector<array>& inputs, const std::vector<array>& dependencies);

} // namespace mlx::core
