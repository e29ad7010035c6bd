#include "mlx_core/transforms/vmap.h"

#include <unordered_map>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/primitive.h"
#include "mlx_core/transforms/tape.h"
#include "mlx_core/transforms/tracing.h"

namespace mlx::core {

namespace {

// The unbatched stand-in for a mapped input: its first slice along `axis`, as a fresh node
// that the graph walk can recognise.
array placeholder(const array& a, int axis) {
  Shape start(a.ndim(), 0), stop = a.shape(), strides(a.ndim(), 1);
  array p = [&] {
    if (a.shape(axis) == 0) {
      // An empty batch has no first slice: zeros of the unbatched shape stand in.
      Shape unbatched = a.shape();
      unbatched.erase(unbatched.begin() + axis);
      return copy(zeros(unbatched, a.dtype()));
    }
    stop[axis] = 1;
    return copy(squeeze(slice(a, start, stop, strides), {axis}));
  }();
  p.set_tracer(true);
  return p;
}

} // namespace

VectorFn vmap(const VectorFn& fun, const std::vector<int>& in_axes, const std::vector<int>& out_axes) {
  return [fun, in_axes, out_axes](const std::vector<array>& inputs) {
    detail::TracingScope tracing;
    if (in_axes.size() != inputs.size()) {
      throw std::invalid_argument(msg("[vmap] The number of in axes (", in_axes.size(),
                                      ") must match the number of arguments (", inputs.size(), ")."));
    }
    int batch = -1;
    std::vector<array> args;
    std::vector<array> leaves;
    std::unordered_map<uintptr_t, std::pair<array, int>> batched;
    for (size_t i = 0; i < inputs.size(); ++i) {
      int ax = in_axes[i];
      if (ax < 0) {
        args.push_back(inputs[i]);
        continue;
      }
      if (ax >= inputs[i].ndim()) {
        throw std::invalid_argument(msg("[vmap] Axis ", ax, " is out of bounds for input with ", inputs[i].ndim(),
                                        " dimensions."));
      }
      int size = inputs[i].shape()[ax];
      if (batch >= 0 && size != batch) {
        throw std::invalid_argument(msg("[vmap] Inconsistent axis sizes: ", batch, " and ", size, "."));
      }
      batch = size;
      array p = placeholder(inputs[i], ax);
      batched.emplace(p.id(), std::make_pair(inputs[i], ax));
      leaves.push_back(p);
      args.push_back(p);
    }
    if (batch < 0) throw std::invalid_argument("[vmap] At least one input must be mapped.");
    auto outputs = fun(args);
    if (!out_axes.empty() && out_axes.size() != outputs.size()) {
      throw std::invalid_argument(msg("[vmap] The number of out axes (", out_axes.size(),
                                      ") must match the number of outputs (", outputs.size(), ")."));
    }
    auto tape = detail::dependent_tape(outputs, leaves);
    for (auto& node : tape) {
      std::vector<array> vin;
      std::vector<int> vaxes;
      for (auto& in : node.inputs()) {
        auto it = batched.find(in.id());
        if (it != batched.end()) {
          vin.push_back(it->second.first);
          vaxes.push_back(it->second.second);
        } else {
          vin.push_back(in);
          vaxes.push_back(-1);
        }
      }
      auto [vouts, vout_axes] = node.primitive().vmap(vin, vaxes);
      auto outs = node.outputs();
      for (size_t k = 0; k < outs.size(); ++k) {
        batched.insert_or_assign(outs[k].id(), std::make_pair(vouts[k], vout_axes[k]));
      }
    }
    std::vector<array> results;
    for (size_t j = 0; j < outputs.size(); ++j) {
      auto it = batched.find(outputs[j].id());
      int oax = out_axes.empty() ? 0 : out_axes[j];
      if (it == batched.end() || it->second.second < 0) {
        // An output that does not depend on the mapped inputs is repeated along the axis.
        array o = it == batched.end() ? outputs[j] : it->second.first;
        if (oax < 0) {
          results.push_back(o);
          continue;
        }
        array e = expand_dims(o, {oax});
        Shape shape = e.shape();
        shape[oax] = batch;
        results.push_back(broadcast_to(e, shape));
        continue;
      }
      if (oax < 0) throw std::invalid_argument("[vmap] Cannot use an out axis of None for a mapped output.");
      auto [arr, ax] = it->second;
      if (oax > arr.ndim() - 1) {
        throw std::invalid_argument(msg("[vmap] Axis ", oax, " is out of bounds for output with ", arr.ndim(),
                                        " dimensions."));
      }
      results.push_back(moveaxis(arr, ax, oax));
    }
    return results;
  };
}

} // namespace mlx::core
