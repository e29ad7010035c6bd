// The base class of every operation in the graph.
#pragma once
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

class Primitive {
 public:
  explicit Primitive(Stream stream) : stream_(stream) {}
  virtual ~Primitive() = default;
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  // Computes the outputs (whose shapes and dtypes are already set) from evaluated inputs:
  // allocates them, then hands the computation to the stream's command encoder.
  virtual void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) = 0;

  // The same on a GPU stream. A build without a GPU backend raises.
  virtual void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs);

  // The shapes of the outputs for these inputs (for shape-independent compile). Raises for a
  // primitive that cannot infer them.
  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs);

  // Cotangents of the inputs listed in argnums, given the cotangents of the outputs.
  virtual std::vector<array> vjp(
      const std::vector<array>& primals,
      const std::vector<array>& cotangents,
      const std::vector<int>& argnums,
      const std::vector<array>& outputs);

  // Tangents of the outputs given the tangents of the inputs listed in argnums.
  virtual std::vector<array> jvp(
      const std::vector<array>& primals,
      const std::vector<array>& tangents,
      const std::vector<int>& argnums);

  // The batched outputs and their batch axes, given inputs batched along `axes`
  // (-1: the input is not batched).
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes);

  virtual const char* name() const = 0;
  // Every concrete primitive also has `auto state() const`: its parameters as a tuple, in the
  // order its constructor takes them after the stream. export_function serializes a primitive
  // through it (transforms/export_registry.cpp), so a new primitive needs one to be exported.
  // Whether two primitives of the same type compute the same function.
  virtual bool is_equivalent(const Primitive&) const { return false; }

  const Stream& stream() const { return stream_; }

 private:
  Stream stream_;
};

// Declares a primitive's vjp, jvp and vmap overrides (defined in its .cpp).
#define MLX_DECLARE_TRANSFORMS()                                                            \
  std::vector<array> vjp(const std::vector<array>&, const std::vector<array>&,              \
                         const std::vector<int>&, const std::vector<array>&) override;      \
  std::vector<array> jvp(const std::vector<array>&, const std::vector<array>&,              \
                         const std::vector<int>&) override;                                 \
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>&,          \
                                                       const std::vector<int>&) override;

// A primitive with a single output.
class UnaryPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) final {
    eval_cpu(inputs, outputs[0]);
  }
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) final {
    eval_gpu(inputs, outputs[0]);
  }
  virtual void eval_cpu(const std::vector<array>& inputs, array& out) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, array& out);
};

} // namespace mlx::core
