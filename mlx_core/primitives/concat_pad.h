// Primitives that assemble an output from pieces: Concatenate (each input copied into its
// slice of the output), Pad (a constant border around the input) and Repeat.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// Joins inputs of one dtype (equal shapes except along axis_) along axis_.
class Concatenate : public UnaryPrimitive {
 public:
  Concatenate(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Concatenate"; }
  auto state() const { return std::make_tuple(axis_); }
  bool is_equivalent(const Primitive& o) const override { return axis_ == static_cast<const Concatenate&>(o).axis_; }

 private:
  int axis_;
};

// inputs: (a, value): a with low_[i] elements before and high_[i] after along every axis,
// filled with the 0-d `value` (of a's dtype).
class Pad : public UnaryPrimitive {
 public:
  Pad(Stream s, Shape low, Shape high) : UnaryPrimitive(s), low_(std::move(low)), high_(std::move(high)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Pad"; }
  auto state() const { return std::make_tuple(low_, high_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const Pad&>(o);
    return low_ == p.low_ && high_ == p.high_;
  }

 private:
  Shape low_, high_;
};

// inputs: (a): a padded by low_/high_ along every axis with mirrored values: mode 0
// "edge", 1 "reflect", 2 "symmetric" (every padded axis of a is non-empty).
class PadMirror : public UnaryPrimitive {
 public:
  PadMirror(Stream s, Shape low, Shape high, int mode)
      : UnaryPrimitive(s), low_(std::move(low)), high_(std::move(high)), mode_(mode) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "PadMirror"; }
  auto state() const { return std::make_tuple(low_, high_, mode_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const PadMirror&>(o);
    return low_ == p.low_ && high_ == p.high_ && mode_ == p.mode_;
  }

 private:
  Shape low_, high_;
  int mode_;
};

// The input rolled by shift_[d] (in [0, n_d)) along every axis d: out[o] = in[o - shift].
class Roll : public UnaryPrimitive {
 public:
  Roll(Stream s, std::vector<int64_t> shift) : UnaryPrimitive(s), shift_(std::move(shift)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "Roll"; }
  auto state() const { return std::make_tuple(shift_); }
  bool is_equivalent(const Primitive& o) const override { return shift_ == static_cast<const Roll&>(o).shift_; }

 private:
  std::vector<int64_t> shift_;
};

// Each element of the input repeated repeats_ times along axis_.
class Repeat : public UnaryPrimitive {
 public:
  Repeat(Stream s, int axis, int repeats) : UnaryPrimitive(s), axis_(axis), repeats_(repeats) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Repeat"; }
  auto state() const { return std::make_tuple(axis_, repeats_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Repeat&>(o);
    return axis_ == r.axis_ && repeats_ == r.repeats_;
  }

 private:
  int axis_;
  int repeats_;
};

} // namespace mlx::core
