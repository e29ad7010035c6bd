// The collectives of mx.distributed: lazy ops whose nodes (primitives/distributed.h) move
// their data through the group's backend when evaluated. `group` defaults to init()'s
// global group. With a group of one process every collective is the identity.
#pragma once
#include <optional>

#include "mlx_core/array.h"
#include "mlx_core/device.h"
#include "mlx_core/distributed/group.h"

namespace mlx::core::distributed {

// Elementwise sum of x over the group's processes.
array all_sum(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// Elementwise maximum of x over the group's processes.
array all_max(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// Elementwise minimum of x over the group's processes.
array all_min(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// The processes' x concatenated along axis 0 in rank order (scalars become a vector).
array all_gather(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// This process's share of the sum of x over the group: axis 0 split into size() blocks.
// ValueError unless axis 0 exists and divides by the group size (a group of one takes any x).
array sum_scatter(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// Sends x to rank `dst`; returns x, which when evaluated has been sent.
array send(const array& x, int dst, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// An array of `shape` and `dtype` received from rank `src`.
array recv(Shape shape, Dtype dtype, int src, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// recv with x's shape and dtype.
array recv_like(const array& x, int src, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});

// The output shapes of all_gather and sum_scatter for an input of `shape` over a group of
// `size` processes (ValueError for an input sum_scatter cannot split).
Shape all_gather_shape(const Shape& shape, int size);
Shape sum_scatter_shape(const Shape& shape, int size);

} // namespace mlx::core::distributed
