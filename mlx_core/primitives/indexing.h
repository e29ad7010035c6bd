// Gather and Scatter: reading and writing slices of an array at positions given by index
// arrays. Index values are checked against the array when the kernel runs (IndexError);
// negative values count from the end of their axis.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// inputs: (src, idx_0, ..., idx_{k-1}), every index array of one shape B and one integer
// dtype. out[b..., s...] = src[p] where p[axes[j]] = idx_j[b...] + s[axes[j]] and
// p[d] = s[d] on the other axes; s ranges over slice_sizes (one per axis of src). The
// output has shape B + slice_sizes.
class Gather : public UnaryPrimitive {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : UnaryPrimitive(s), axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Gather"; }
  auto state() const { return std::make_tuple(axes_, slice_sizes_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& g = static_cast<const Gather&>(o);
    return axes_ == g.axes_ && slice_sizes_ == g.slice_sizes_;
  }
  const std::vector<int>& axes() const { return axes_; }
  const Shape& slice_sizes() const { return slice_sizes_; }

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

// How Scatter combines an update with the value already there.
enum class ScatterReduce { None, Add, Prod, Max, Min };

// inputs: (dst, idx_0, ..., idx_{k-1}, updates), the index arrays of one shape B and
// updates of shape B + slice sizes (one per axis of dst). The output is a copy of dst with
// each update slice combined into dst at the position the indices give (as for Gather).
// Repeated positions: None keeps the last update, the reductions combine all of them.
class Scatter : public UnaryPrimitive {
 public:
  Scatter(Stream s, std::vector<int> axes, ScatterReduce reduce)
      : UnaryPrimitive(s), axes_(std::move(axes)), reduce_(reduce) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Scatter"; }
  auto state() const { return std::make_tuple(axes_, reduce_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& g = static_cast<const Scatter&>(o);
    return axes_ == g.axes_ && reduce_ == g.reduce_;
  }

 private:
  // Gradient helpers of the multiplying scatter (primitives/indexing.cpp).
  std::pair<array, array> prod_parts(const std::vector<array>& primals) const;
  std::vector<array> prod_vjp(const std::vector<array>& primals, const array& cot,
                              const std::vector<int>& argnums) const;

  std::vector<int> axes_;
  ScatterReduce reduce_;
};

} // namespace mlx::core
