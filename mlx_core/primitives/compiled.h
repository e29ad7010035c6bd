// The fused element-wise node that mx.compile puts in place of a chain of element-wise ops
// (transforms/compile_fuse.cpp). Its CPU kernel (backend/cpu/compiled.cpp) is an
// interpreter: the chain is a short program run over cache-sized tiles, so intermediates
// are never materialized and no compiler runs at run time.
#pragma once
#include <cstdint>
#include <vector>

#include "mlx_core/primitives/elementwise.h"

namespace mlx::core {

// One step of a fused program. Operands are value ids: ids below the number of inputs
// name an input (broadcast to the output shape), id n_inputs + k the result of step k.
struct FusedStep {
  enum class Kind : uint8_t { unary, binary, select, cast };
  Kind kind = Kind::unary;
  int op = 0;           // a UnaryOp or BinaryOp (unary, binary)
  Dtype in = float32;   // the operands' dtype (select: of x and y; cast: the source)
  Dtype out = float32;  // the result's dtype
  int args[3] = {-1, -1, -1};
  bool operator==(const FusedStep& o) const {
    return kind == o.kind && op == o.op && in == o.in && out == o.out && args[0] == o.args[0] &&
           args[1] == o.args[1] && args[2] == o.args[2];
  }
};

// What runs on each row (last axis) of the chain's result instead of storing it: nothing,
// a reduction (sum, max, ...: one value per row), softmax or logsumexp.
struct FusedEpilogue {
  enum class Kind : uint8_t { none, reduce, softmax, logsumexp };
  Kind kind = Kind::none;
  int reduce_type = 0;  // a ReduceType (reduce)
  bool precise = false; // softmax
  Dtype out = float32;  // the epilogue's output dtype
  bool operator==(const FusedEpilogue& o) const {
    return kind == o.kind && reduce_type == o.reduce_type && precise == o.precise && out == o.out;
  }
};

struct FusedProgram {
  int n_inputs = 0;
  std::vector<FusedStep> steps;
  // Value ids of the results, one per output of the node: the chain's last step first, then
  // intermediates that are also results of the compiled function. An epilogue applies to
  // the first (and then the only) one.
  std::vector<int> outputs;
  FusedEpilogue epilogue;
  bool operator==(const FusedProgram& o) const {
    return n_inputs == o.n_inputs && steps == o.steps && outputs == o.outputs && epilogue == o.epilogue;
  }
  // The dtype of result k (before any epilogue).
  Dtype chain_dtype(size_t k = 0) const { return steps[outputs[k] - n_inputs].out; }
};

// The dtypes fused programs run on (others are left unfused).
inline constexpr DtypeSet kFusedDtypes = dtype_bit(bool_) | dtype_bit(uint8) | dtype_bit(uint32) | dtype_bit(int32) |
                                         dtype_bit(int64) | dtype_bit(float16) | dtype_bit(bfloat16) |
                                         dtype_bit(float32) | dtype_bit(float64) | dtype_bit(complex64);

// A fused element-wise chain: inputs of any shapes broadcastable to one shape; outputs of
// that shape (or, with an epilogue, its one output is the epilogue's result over the last
// axis).
class Compiled : public Primitive {
 public:
  Compiled(Stream s, FusedProgram program) : Primitive(s), program_(std::move(program)) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Compiled"; }
  bool is_equivalent(const Primitive& o) const override { return program_ == static_cast<const Compiled&>(o).program_; }
  const FusedProgram& program() const { return program_; }

  // The chain as ordinary ops (for the transforms and as a reference): the outputs of the
  // program over `inputs`, broadcast to their common shape, then the epilogue if any.
  std::vector<array> expand(const std::vector<array>& inputs) const;
  // The epilogue's primitive for a chain result of rank `ndim` (reducing its last axis).
  std::shared_ptr<Primitive> epilogue_primitive(int ndim) const;

 private:
  void eval_with_epilogue(const std::vector<array>& inputs, array& out);
  FusedProgram program_;
};

// How many fused kernels have run in this process (for tests that check a chain ran as one
// kernel).
int64_t fused_kernel_count();

} // namespace mlx::core
