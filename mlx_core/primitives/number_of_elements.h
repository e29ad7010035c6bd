// NumberOfElements: the count of elements over some axes of an array, as a scalar computed
// when the graph runs (not when it is built), so that mean and var traced shapeless stay
// right when an export or compile replays them on inputs of other shapes.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// A 0-d array of `dtype`: max(prod(shape[axes]) - ddof, 0), or its reciprocal when
// `inverted`. Only the input's shape is read. No gradient (a count is constant).
class NumberOfElements : public UnaryPrimitive {
 public:
  NumberOfElements(Stream s, std::vector<int> axes, bool inverted, int64_t ddof, Dtype dtype)
      : UnaryPrimitive(s), axes_(std::move(axes)), inverted_(inverted), ddof_(ddof), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {Shape{}}; }
  const char* name() const override { return "NumberOfElements"; }
  auto state() const { return std::make_tuple(axes_, inverted_, ddof_, dtype_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& n = static_cast<const NumberOfElements&>(o);
    return axes_ == n.axes_ && inverted_ == n.inverted_ && ddof_ == n.ddof_ && dtype_ == n.dtype_;
  }
  // The value for an input of this shape.
  double value(const Shape& shape) const;

 private:
  std::vector<int> axes_; // normalized, in range
  bool inverted_;
  int64_t ddof_;
  Dtype dtype_;
};

// The count of a's elements over `axes` (normalized) minus ddof (at least 0), or its
// reciprocal, as a 0-d array of dtype evaluated lazily.
array number_of_elements(const array& a, std::vector<int> axes, bool inverted, int64_t ddof, Dtype dtype,
                         StreamOrDevice s = {});

namespace detail {
// Whether a shapeless trace (export_function(shapeless=True); mx.compile(shapeless=True)
// may set it too) runs in this thread: mean and var then count with NumberOfElements, as
// the reference does, and with a constant otherwise (a constant keeps their input a single-
// use intermediate that mx.compile can fuse into the reduction).
inline thread_local int shapeless_tracing = 0;
inline bool in_shapeless_trace() { return shapeless_tracing > 0; }
struct ShapelessTraceScope {
  explicit ShapelessTraceScope(bool on) : on_(on) { shapeless_tracing += on_; }
  ~ShapelessTraceScope() { shapeless_tracing -= on_; }
  ShapelessTraceScope(const ShapelessTraceScope&) = delete;
  ShapelessTraceScope& operator=(const ShapelessTraceScope&) = delete;

 private:
  int on_;
};
} // namespace detail

} // namespace mlx::core
