#include "mlx_core/distributed/ops.h"

#include <limits>
#include <stdexcept>

#include "mlx_core/errors.h"
#include "mlx_core/primitives/distributed.h"

namespace mlx::core::distributed {

namespace {

Group resolve(const std::optional<Group>& group) { return group ? *group : init(); }

std::string shape_text(const Shape& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + ")";
}

array reduce(const array& x, const std::optional<Group>& group, StreamOrDevice s, AllReduce::ReduceType type) {
  return array(x.shape(), x.dtype(), std::make_shared<AllReduce>(to_stream(s), resolve(group), type), {x});
}

void check_peer(const char* op, const char* what, int peer, const Group& g) {
  if (g.size() == 1)
    throw std::invalid_argument(msg("[", op, "] Cannot ", op, std::string(op) == "send" ? " to" : " from",
                                    " a singleton group."));
  if (peer < 0 || peer >= g.size())
    throw std::invalid_argument(msg("[", op, "] Invalid ", what, "=", peer, " for a group of size ", g.size(), "."));
}

} // namespace

// The output shape of sum_scatter over a group of `size` (shared with its vmap rule).
Shape sum_scatter_shape(const Shape& shape, int size) {
  if (size == 1) return shape;
  if (shape.empty() || shape[0] % size != 0)
    throw std::invalid_argument(msg("[sum_scatter] Invalid shape=", shape_text(shape), " for a group of size ", size,
                                    ": the input needs an axis 0 whose length divides by the group size."));
  Shape out = shape;
  out[0] /= size;
  return out;
}

// The output shape of all_gather over a group of `size`.
Shape all_gather_shape(const Shape& shape, int size) {
  if (size == 1) return shape;
  if (shape.empty()) return {size};
  int64_t rows = static_cast<int64_t>(shape[0]) * size;
  if (rows > std::numeric_limits<ShapeElem>::max())
    throw std::invalid_argument(msg("[all_gather] The gathered axis 0 would have ", rows,
                                    " elements, more than a dimension holds."));
  Shape out = shape;
  out[0] = static_cast<ShapeElem>(rows);
  return out;
}

array all_sum(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return reduce(x, group, s, AllReduce::Sum);
}
array all_max(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return reduce(x, group, s, AllReduce::Max);
}
array all_min(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return reduce(x, group, s, AllReduce::Min);
}

array all_gather(const array& x, std::optional<Group> group, StreamOrDevice s) {
  Group g = resolve(group);
  return array(all_gather_shape(x.shape(), g.size()), x.dtype(), std::make_shared<AllGather>(to_stream(s), g), {x});
}

array sum_scatter(const array& x, std::optional<Group> group, StreamOrDevice s) {
  Group g = resolve(group);
  return array(sum_scatter_shape(x.shape(), g.size()), x.dtype(), std::make_shared<SumScatter>(to_stream(s), g), {x});
}

array send(const array& x, int dst, std::optional<Group> group, StreamOrDevice s) {
  Group g = resolve(group);
  check_peer("send", "destination", dst, g);
  return array(x.shape(), x.dtype(), std::make_shared<Send>(to_stream(s), g, dst), {x});
}

array recv(Shape shape, Dtype dtype, int src, std::optional<Group> group, StreamOrDevice s) {
  Group g = resolve(group);
  check_peer("recv", "source", src, g);
  for (auto d : shape)
    if (d < 0) throw std::invalid_argument(msg("[recv] Negative dimensions are not allowed: shape=", shape_text(shape), "."));
  return array(std::move(shape), dtype, std::make_shared<Recv>(to_stream(s), g, src), {});
}

array recv_like(const array& x, int src, std::optional<Group> group, StreamOrDevice s) {
  return recv(x.shape(), x.dtype(), src, std::move(group), s);
}

} // namespace mlx::core::distributed
