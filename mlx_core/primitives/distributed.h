// The collectives of mx.distributed as graph nodes. Each holds its group; evaluating one
// hands row-contiguous buffers to the group's backend (distributed/group.h, GroupImpl).
#pragma once
#include "mlx_core/distributed/group.h"
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

// A collective over a group (the base of the nodes below).
class DistPrimitive : public UnaryPrimitive {
 public:
  DistPrimitive(Stream s, distributed::Group group) : UnaryPrimitive(s), group_(std::move(group)) {}
  const distributed::Group& group() const { return group_; }

 protected:
  bool same_group(const Primitive& o) const { return static_cast<const DistPrimitive&>(o).group_ == group_; }

 private:
  distributed::Group group_;
};

// all_sum / all_max / all_min.
class AllReduce : public DistPrimitive {
 public:
  enum ReduceType { Sum, Max, Min };
  AllReduce(Stream s, distributed::Group g, ReduceType t) : DistPrimitive(s, std::move(g)), type_(t) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return type_ == Sum ? "AllSum" : type_ == Max ? "AllMax" : "AllMin"; }
  bool is_equivalent(const Primitive& o) const override {
    return same_group(o) && static_cast<const AllReduce&>(o).type_ == type_;
  }
  ReduceType type() const { return type_; }

 private:
  ReduceType type_;
};

// The ranks' inputs concatenated along axis 0.
class AllGather : public DistPrimitive {
 public:
  using DistPrimitive::DistPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "AllGather"; }
  bool is_equivalent(const Primitive& o) const override { return same_group(o); }
};

// This rank's block (along axis 0) of the sum over the ranks.
class SumScatter : public DistPrimitive {
 public:
  using DistPrimitive::DistPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "SumScatter"; }
  bool is_equivalent(const Primitive& o) const override { return same_group(o); }
};

// Sends its input to rank dst; the output is the input (sharing its buffer).
class Send : public DistPrimitive {
 public:
  Send(Stream s, distributed::Group g, int dst) : DistPrimitive(s, std::move(g)), dst_(dst) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return "Send"; }
  // Two sends are two messages: never merged.
  bool is_equivalent(const Primitive&) const override { return false; }

 private:
  int dst_;
};

// Receives an array from rank src (no inputs).
class Recv : public DistPrimitive {
 public:
  Recv(Stream s, distributed::Group g, int src) : DistPrimitive(s, std::move(g)), src_(src) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Recv"; }
  // Two receives are two messages: never merged.
  bool is_equivalent(const Primitive&) const override { return false; }

 private:
  int src_;
};

} // namespace mlx::core
