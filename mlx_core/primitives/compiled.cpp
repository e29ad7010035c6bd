// The Compiled primitive's shape rule and transforms: every transform re-expands the fused
// program into the ops it replaced (see Compiled::expand).
#include "mlx_core/primitives/compiled.h"

#include <algorithm>

#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/copy.h"
#include "mlx_core/primitives/reduce.h"
#include "mlx_core/primitives/softmax.h"
#include "mlx_core/transforms/autodiff.h"
#include "mlx_core/transforms/vmap.h"

namespace mlx::core {

namespace {

Shape common_shape(const std::vector<array>& inputs) {
  Shape s;
  for (size_t i = 0; i < inputs.size(); ++i) s = i == 0 ? inputs[i].shape() : broadcast_shapes(s, inputs[i].shape());
  return s;
}

// The shape the epilogue gives a chain result of shape s.
Shape epilogue_shape(const FusedEpilogue& e, Shape s) {
  if ((e.kind == FusedEpilogue::Kind::reduce || e.kind == FusedEpilogue::Kind::logsumexp) && !s.empty()) s.back() = 1;
  return s;
}

} // namespace

std::vector<Shape> Compiled::output_shapes(const std::vector<array>& inputs) {
  Shape s = common_shape(inputs);
  std::vector<Shape> shapes(program_.outputs.size(), s);
  shapes[0] = epilogue_shape(program_.epilogue, s);
  return shapes;
}

std::shared_ptr<Primitive> Compiled::epilogue_primitive(int ndim) const {
  const FusedEpilogue& e = program_.epilogue;
  switch (e.kind) {
    case FusedEpilogue::Kind::reduce:
      return std::make_shared<Reduce>(stream(), static_cast<ReduceType>(e.reduce_type), std::vector<int>{ndim - 1});
    case FusedEpilogue::Kind::softmax: return std::make_shared<Softmax>(stream(), e.precise);
    case FusedEpilogue::Kind::logsumexp: return std::make_shared<LogSumExp>(stream());
    case FusedEpilogue::Kind::none: break;
  }
  return nullptr;
}

std::vector<array> Compiled::expand(const std::vector<array>& inputs) const {
  Shape shape = common_shape(inputs);
  std::vector<array> vals;
  vals.reserve(inputs.size() + program_.steps.size());
  for (auto& in : inputs) vals.push_back(broadcast_to(in, shape, stream()));
  for (auto& st : program_.steps) {
    auto arg = [&](int k) { return vals[st.args[k]]; };
    switch (st.kind) {
      case FusedStep::Kind::unary:
        vals.push_back(array(shape, st.out, std::make_shared<Unary>(stream(), static_cast<UnaryOp>(st.op)), {arg(0)}));
        break;
      case FusedStep::Kind::binary:
        vals.push_back(
            array(shape, st.out, std::make_shared<Binary>(stream(), static_cast<BinaryOp>(st.op)), {arg(0), arg(1)}));
        break;
      case FusedStep::Kind::select:
        vals.push_back(array(shape, st.out, std::make_shared<Select>(stream()), {arg(0), arg(1), arg(2)}));
        break;
      case FusedStep::Kind::cast:
        vals.push_back(array(shape, st.out, std::make_shared<AsType>(stream(), st.out), {arg(0)}));
        break;
    }
  }
  std::vector<array> outs;
  for (int v : program_.outputs) outs.push_back(vals[v]);
  if (program_.epilogue.kind != FusedEpilogue::Kind::none) {
    outs[0] = array(epilogue_shape(program_.epilogue, shape), program_.epilogue.out, epilogue_primitive(outs[0].ndim()),
                    {outs[0]});
  }
  return outs;
}

std::vector<array> Compiled::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  auto fn = [this](const std::vector<array>& xs) { return expand(xs); };
  auto grads = mlx::core::vjp(fn, primals, cotangents).second;
  std::vector<array> out;
  for (int a : argnums) out.push_back(grads[a]);
  return out;
}

std::vector<array> Compiled::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  std::vector<array> full;
  for (auto& p : primals) full.push_back(zeros_like(p));
  for (size_t k = 0; k < argnums.size(); ++k) full[argnums[k]] = tangents[k];
  auto fn = [this](const std::vector<array>& xs) { return expand(xs); };
  return mlx::core::jvp(fn, primals, full).second;
}

std::pair<std::vector<array>, std::vector<int>> Compiled::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  if (program_.epilogue.kind != FusedEpilogue::Kind::none) {
    // The epilogue's axis moves with batching: vectorize the expanded ops instead.
    auto fn = [this](const std::vector<array>& xs) { return expand(xs); };
    return {mlx::core::vmap(fn, axes, {})(inputs), std::vector<int>(program_.outputs.size(), 0)};
  }
  // The batch axis goes first; a batched input of lower (unbatched) rank gets size-1 dims
  // after it, so that broadcasting lines up the unbatched dims from the right.
  int rank = 0;
  for (size_t i = 0; i < inputs.size(); ++i) rank = std::max(rank, inputs[i].ndim() - (axes[i] >= 0 ? 1 : 0));
  std::vector<array> moved;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) {
      moved.push_back(inputs[i]);
      continue;
    }
    array x = moveaxis(inputs[i], axes[i], 0, stream());
    Shape s = x.shape();
    s.insert(s.begin() + 1, rank - (x.ndim() - 1), 1);
    moved.push_back(reshape(x, s, stream()));
  }
  auto prim = std::make_shared<Compiled>(stream(), program_);
  std::vector<Dtype> dtypes;
  for (size_t k = 0; k < program_.outputs.size(); ++k) dtypes.push_back(program_.chain_dtype(k));
  Shape shape = common_shape(moved);
  auto outs = program_.outputs.size() == 1
                  ? std::vector<array>{array(shape, dtypes[0], prim, moved)}
                  : array::make_arrays(std::vector<Shape>(dtypes.size(), shape), dtypes, prim, moved);
  return {outs, std::vector<int>(outs.size(), 0)};
}

} // namespace mlx::core
