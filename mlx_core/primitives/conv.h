// The convolution primitive (every conv op builds one).
#pragma once
#include <vector>

#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// Parameters of a convolution, one entry per spatial axis (see conv_general).
struct ConvParams {
  std::vector<int> stride, pad_lo, pad_hi, kernel_dilation, input_dilation;
  int groups = 1;
  bool flip = false;
  bool operator==(const ConvParams&) const = default;
};

// out = conv(input, weight) in the channels-last layout; both inputs have the output dtype.
class Convolution : public UnaryPrimitive {
 public:
  Convolution(Stream s, ConvParams p) : UnaryPrimitive(s), p_(std::move(p)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Convolution"; }
  auto state() const { return std::make_tuple(p_); }
  bool is_equivalent(const Primitive& o) const override { return p_ == static_cast<const Convolution&>(o).p_; }
  const ConvParams& params() const { return p_; }

 private:
  ConvParams p_;
};

// The gradient of a convolution with respect to its weight. Inputs: the cotangent of the
// convolution's output and the convolution's input; output: the weight's shape
// (C_out, K..., C_in / groups). p are the forward convolution's parameters. Its CPU kernel
// is a blocked GEMM (cotangent^T x im2col(input)) split over the rows with partial sums.
class ConvWeightGrad : public UnaryPrimitive {
 public:
  ConvWeightGrad(Stream s, ConvParams p, Shape wshape) : UnaryPrimitive(s), p_(std::move(p)), wshape_(std::move(wshape)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {wshape_}; }
  const char* name() const override { return "ConvWeightGrad"; }
  auto state() const { return std::make_tuple(p_, wshape_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& c = static_cast<const ConvWeightGrad&>(o);
    return p_ == c.p_ && wshape_ == c.wshape_;
  }

 private:
  ConvParams p_;
  Shape wshape_;
};

namespace detail {
// Output spatial size of one axis (may be < 1 when the kernel does not fit).
inline int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t lo, int64_t hi, int64_t kd, int64_t id) {
  int64_t in_v = in == 0 ? lo + hi : (in - 1) * id + 1 + lo + hi;
  int64_t k_v = (k - 1) * kd + 1;
  return in_v < k_v ? 0 : (in_v - k_v) / stride + 1;
}
} // namespace detail

} // namespace mlx::core
