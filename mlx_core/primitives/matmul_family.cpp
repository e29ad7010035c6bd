// Gradient and batching rules of GatherMM, written with ops.
#include "mlx_core/primitives/matmul_family.h"

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"
#include "mlx_core/primitives/indexing.h"

namespace mlx::core {

namespace detail {

array gather_mm_node(const array& a, const array& b, const array& li_in, const array& ri_in, StreamOrDevice s) {
  Shape ishape = broadcast_shapes(li_in.shape(), ri_in.shape());
  array li = broadcast_to(astype(li_in, int64, s), ishape, s);
  array ri = broadcast_to(astype(ri_in, int64, s), ishape, s);
  Shape out_shape = ishape;
  out_shape.push_back(a.shape(-2));
  out_shape.push_back(b.shape(-1));
  return array(out_shape, a.dtype(), std::make_shared<GatherMM>(to_stream(s)), {a, b, li, ri});
}

} // namespace detail

std::vector<Shape> GatherMM::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[2].shape();
  shape.push_back(inputs[0].shape(-2));
  shape.push_back(inputs[1].shape(-1));
  return {shape};
}

std::vector<array> GatherMM::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  const array &a = primals[0], &b = primals[1], &li = primals[2], &ri = primals[3];
  auto st = stream();
  ShapeElem count = static_cast<ShapeElem>(li.size());
  ShapeElem m = a.shape(1), k = a.shape(2), n = b.shape(2);
  array cot = reshape(cotangents[0], {count, m, n}, st);
  array lf = reshape(li, {count}, st), rf = reshape(ri, {count}, st);
  array all = arange(0, count, 1, int64, st);
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      // dA[li[i]] += cot[i] @ B[ri[i]]^T
      array t = detail::gather_mm_node(cot, swapaxes(b, 1, 2, st), all, rf, st);
      out.push_back(scatter(zeros(a.shape(), a.dtype(), st), {lf}, reshape(t, {count, 1, m, k}, st), {0},
                            ScatterReduce::Add, st));
    } else if (i == 1) {
      // dB[ri[i]] += A[li[i]]^T @ cot[i]
      array t = detail::gather_mm_node(swapaxes(a, 1, 2, st), cot, lf, all, st);
      out.push_back(scatter(zeros(b.shape(), b.dtype(), st), {rf}, reshape(t, {count, 1, k, n}, st), {0},
                            ScatterReduce::Add, st));
    } else {
      out.push_back(zeros_like(primals[i], st));
    }
  }
  return out;
}

std::vector<array> GatherMM::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  std::optional<array> r;
  for (size_t j = 0; j < argnums.size(); ++j) {
    if (argnums[j] > 1) continue;
    array term = argnums[j] == 0 ? detail::gather_mm_node(tangents[j], primals[1], primals[2], primals[3], stream())
                                 : detail::gather_mm_node(primals[0], tangents[j], primals[2], primals[3], stream());
    r = r ? add(*r, term, stream()) : term;
  }
  if (!r) {
    Shape shape = output_shapes(primals)[0];
    return {zeros(shape, primals[0].dtype(), stream())};
  }
  return {*r};
}

std::pair<std::vector<array>, std::vector<int>> GatherMM::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  // Stack the batch into the matrix stacks: batch v of a holds matrices v * Ba ... and its
  // indices are offset by v * Ba (the same for b).
  auto st = stream();
  int batch = detail::batch_size(inputs, axes);
  auto stacked = [&](int which) -> std::pair<array, array> {
    const array& x = inputs[which];
    array idx = detail::batched_at_front(inputs[which + 2], axes[which + 2], batch);
    if (axes[which] < 0) return {x, idx};
    array xb = detail::batch_to_front(x, axes[which]);
    ShapeElem per = xb.shape(1);
    array flat = reshape(xb, {static_cast<ShapeElem>(batch) * per, xb.shape(2), xb.shape(3)}, st);
    Shape vshape(idx.ndim(), 1);
    vshape[0] = batch;
    array offset = reshape(multiply(arange(0, batch, 1, int64, st), array(int64_t(per)), st), vshape, st);
    return {flat, add(astype(idx, int64, st), offset, st)};
  };
  auto [a, li] = stacked(0);
  auto [b, ri] = stacked(1);
  // Unbatched index arrays gain a leading axis of size 1 so that all line up.
  if (li.ndim() < ri.ndim()) li = expand_dims(li, {0}, st);
  if (ri.ndim() < li.ndim()) ri = expand_dims(ri, {0}, st);
  array out = detail::gather_mm_node(a, b, li, ri, st);
  if (out.shape(0) != batch) {
    Shape shape = out.shape();
    shape[0] = batch;
    out = broadcast_to(out, shape, st);
  }
  return {{out}, {0}};
}

} // namespace mlx::core
