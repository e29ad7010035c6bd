// Scans (cumulative reductions) along one axis.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

enum class ScanType { Sum, Prod, Max, Min, LogAddExp };

// Output has the input's shape and dtype (the ops cast first).
class Scan : public UnaryPrimitive {
 public:
  Scan(Stream s, ScanType type, int axis, bool reverse, bool inclusive)
      : UnaryPrimitive(s), type_(type), axis_(axis), reverse_(reverse), inclusive_(inclusive) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override;
  auto state() const { return std::make_tuple(type_, axis_, reverse_, inclusive_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Scan&>(o);
    return type_ == r.type_ && axis_ == r.axis_ && reverse_ == r.reverse_ && inclusive_ == r.inclusive_;
  }

 private:
  array scan_source_index(const array& x) const;
  ScanType type_;
  int axis_;
  bool reverse_;
  bool inclusive_;
};

} // namespace mlx::core
