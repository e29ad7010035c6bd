// The derivative and batching rules of the collectives, written with the collectives
// themselves (so higher derivatives and nested transforms compose).
//
// As in the reference, a cotangent reaching a collective's output is taken to be the same on
// every rank (the output is replicated), so all_sum passes it through unchanged and
// all_gather hands each rank its own block. all_max / all_min route it to the ranks that
// hold the extreme value, shared equally among ties (the reference passes it to every rank).
#include "mlx_core/primitives/distributed.h"

#include "mlx_core/distributed/ops.h"
#include "mlx_core/ops.h"
#include "mlx_core/ops/math.h"

namespace mlx::core {

namespace dist = distributed;

namespace {

// For all_max / all_min: 1 where this rank holds the result (NaN results count everywhere),
// else 0, in dtype.
array holds_extreme(const array& x, const array& out, Dtype dtype, const Stream& s) {
  array mask = logical_or(equal(x, out, s), isnan(out, s), s);
  return astype(mask, dtype, s);
}

// x's rows [rank * n, (rank + 1) * n) for an all_gather output of an input of `in_shape`.
array own_block(const array& gathered, const Shape& in_shape, int rank, const Stream& s) {
  if (in_shape.empty()) return reshape(slice(gathered, {rank}, {rank + 1}, {1}, s), {}, s);
  Shape start(in_shape.size(), 0), stop = in_shape, step(in_shape.size(), 1);
  start[0] = rank * in_shape[0];
  stop[0] = (rank + 1) * in_shape[0];
  return slice(gathered, start, stop, step, s);
}

using AxisZeroOp = array (*)(const array&, std::optional<dist::Group>, StreamOrDevice);

// The vmap rule of all_gather / sum_scatter, which work along axis 0: the batch axis moves
// off axis 0 first (a batch of scalars gets a leading axis of 1). With one process they are
// the identity and the batch axis stays.
std::pair<std::vector<array>, std::vector<int>> vmap_off_axis0(AxisZeroOp op, const array& x, int axis,
                                                               const dist::Group& g, const Stream& s) {
  if (g.size() == 1) return {{op(x, g, s)}, {axis}};
  if (x.ndim() == 1) return {{op(expand_dims(x, {0}, s), g, s)}, {1}};
  if (axis == 0) return {{op(moveaxis(x, 0, 1, s), g, s)}, {1}};
  return {{op(x, g, s)}, {axis}};
}

} // namespace

// ---- AllReduce -------------------------------------------------------------------------

std::vector<array> AllReduce::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>& outputs) {
  const array& cot = cotangents[0];
  if (type_ == Sum) return {cot};
  array mask = holds_extreme(primals[0], outputs[0], cot.dtype(), stream());
  return {divide(multiply(cot, mask, stream()), dist::all_sum(mask, group(), stream()), stream())};
}

std::vector<array> AllReduce::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  const array& t = tangents[0];
  if (type_ == Sum) return {dist::all_sum(t, group(), stream())};
  array out = type_ == Max ? dist::all_max(primals[0], group(), stream()) : dist::all_min(primals[0], group(), stream());
  array mask = holds_extreme(primals[0], out, t.dtype(), stream());
  return {divide(dist::all_sum(multiply(t, mask, stream()), group(), stream()), dist::all_sum(mask, group(), stream()),
                 stream())};
}

std::pair<std::vector<array>, std::vector<int>> AllReduce::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  // Elementwise across ranks: the batch axis stays where it is.
  auto f = type_ == Sum ? dist::all_sum : type_ == Max ? dist::all_max : dist::all_min;
  return {{f(inputs[0], group(), stream())}, {axes[0]}};
}

// ---- AllGather -------------------------------------------------------------------------

std::vector<Shape> AllGather::output_shapes(const std::vector<array>& inputs) {
  return {dist::all_gather_shape(inputs[0].shape(), group().size())};
}

std::vector<array> AllGather::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  if (group().size() == 1) return {cotangents[0]};
  return {own_block(cotangents[0], primals[0].shape(), group().rank(), stream())};
}

std::vector<array> AllGather::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {dist::all_gather(tangents[0], group(), stream())};
}

std::pair<std::vector<array>, std::vector<int>> AllGather::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  return vmap_off_axis0(dist::all_gather, inputs[0], axes[0], group(), stream());
}

// ---- SumScatter ------------------------------------------------------------------------

std::vector<Shape> SumScatter::output_shapes(const std::vector<array>& inputs) {
  return {dist::sum_scatter_shape(inputs[0].shape(), group().size())};
}

std::vector<array> SumScatter::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                   const std::vector<int>&, const std::vector<array>&) {
  // Every rank's input feeds every rank's block: each rank needs all the blocks' cotangents.
  return {dist::all_gather(cotangents[0], group(), stream())};
}

std::vector<array> SumScatter::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                   const std::vector<int>&) {
  return {dist::sum_scatter(tangents[0], group(), stream())};
}

std::pair<std::vector<array>, std::vector<int>> SumScatter::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  Shape per_example = inputs[0].shape();
  per_example.erase(per_example.begin() + axes[0]);
  dist::sum_scatter_shape(per_example, group().size());  // raises for an input it cannot split
  return vmap_off_axis0(dist::sum_scatter, inputs[0], axes[0], group(), stream());
}

} // namespace mlx::core
