// Sorting and selection along one axis: sort, argsort, partition, argpartition, the
// permutation they apply (for gradients), searchsorted and unique.
#pragma once
#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

enum class SortKind { Sort, ArgSort, Partition, ArgPartition };

// Sorts (or partitions around position kth) every run along `axis`. Values keep the input's
// dtype; the Arg kinds give uint32 indices. Order: ascending, NaN last, -0 equal to 0,
// complex lexicographic; the Arg kinds are stable (ties keep their input order).
class Sort : public UnaryPrimitive {
 public:
  Sort(Stream s, SortKind kind, int axis, int kth = 0) : UnaryPrimitive(s), kind_(kind), axis_(axis), kth_(kth) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override;
  auto state() const { return std::make_tuple(kind_, axis_, kth_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Sort&>(o);
    return kind_ == r.kind_ && axis_ == r.axis_ && kth_ == r.kth_;
  }

 private:
  SortKind kind_;
  int axis_;
  int kth_;
};

// Applies a permutation along `axis`: inputs (x, perm) of one shape, perm uint32 with every
// run along axis a permutation of 0..n-1. out[..i..] = x[..perm[i]..], or with `inverse`
// out[..perm[i]..] = x[..i..]. The two are each other's gradient. Indices are bounds-checked.
class PermuteAlongAxis : public UnaryPrimitive {
 public:
  PermuteAlongAxis(Stream s, int axis, bool inverse) : UnaryPrimitive(s), axis_(axis), inverse_(inverse) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  const char* name() const override { return inverse_ ? "InversePermuteAlongAxis" : "PermuteAlongAxis"; }
  auto state() const { return std::make_tuple(axis_, inverse_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const PermuteAlongAxis&>(o);
    return axis_ == r.axis_ && inverse_ == r.inverse_;
  }

 private:
  int axis_;
  bool inverse_;
};

// Insertion points (uint32) of `values` in the ascending runs of `sorted` (its last axis).
// sorted has shape (batch..., n) with `batch_dims` leading batch axes that values (batch...,
// ...) share (0 for a plain 1-D sequence). Both have one dtype.
class SearchSorted : public UnaryPrimitive {
 public:
  SearchSorted(Stream s, bool right, int batch_dims) : UnaryPrimitive(s), right_(right), batch_dims_(batch_dims) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[1].shape()}; }
  const char* name() const override { return "SearchSorted"; }
  auto state() const { return std::make_tuple(right_, batch_dims_); }
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const SearchSorted&>(o);
    return right_ == r.right_ && batch_dims_ == r.batch_dims_;
  }

 private:
  bool right_;
  int batch_dims_;
};

// The groups of equal elements of each run along the last axis of x (batch..., n), in
// ascending order, `size` of them: outputs index of each group's first element
// (batch..., size; uint32), inverse (batch..., n; uint32: the group of each element, clamped
// to size - 1) and counts (batch..., size; int32). Past the last group come the first
// group's index and count 0. NaNs are each their own group; -0 and 0 are one.
class Unique : public Primitive {
 public:
  Unique(Stream s, int64_t size) : Primitive(s), size_(size) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  MLX_DECLARE_TRANSFORMS()
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const char* name() const override { return "Unique"; }
  auto state() const { return std::make_tuple(size_); }
  bool is_equivalent(const Primitive& o) const override { return size_ == static_cast<const Unique&>(o).size_; }

 private:
  int64_t size_;
};

} // namespace mlx::core
