// View: the same bytes read as another dtype.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// Reinterprets the input's bytes as `dtype`. The last axis is rescaled by the ratio of the
// item sizes; the input's buffer is shared when its layout allows, copied otherwise.
class View : public UnaryPrimitive {
 public:
  View(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  MLX_DECLARE_TRANSFORMS()
  const char* name() const override { return "View"; }
  auto state() const { return std::make_tuple(dtype_); }
  bool is_equivalent(const Primitive& o) const override { return dtype_ == static_cast<const View&>(o).dtype_; }

 private:
  Dtype dtype_;
};

// `a`'s bytes read as `dtype` (a view when the layout allows).
array view(const array& a, Dtype dtype, StreamOrDevice s = {});

} // namespace mlx::core
