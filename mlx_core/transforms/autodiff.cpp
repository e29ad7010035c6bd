#include "mlx_core/transforms/autodiff.h"

#include <unordered_map>
#include <unordered_set>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/copy.h"
#include "mlx_core/primitives/primitive.h"
#include "mlx_core/transforms/tape.h"
#include "mlx_core/transforms/tracing.h"
#include "mlx_core/utils.h"

namespace mlx::core {

namespace {

// The traced stand-ins of the primals: aliases that share the primals' memory, as the
// reference's tracers do, so tracing copies no weights. A write into a traced value (e.g.
// through a NumPy view) therefore reaches the caller's array, as in the reference.
std::vector<array> make_tracers(const std::vector<array>& primals) {
  std::vector<array> out;
  out.reserve(primals.size());
  for (auto& p : primals) {
    array t = alias(p);
    t.set_tracer(true);
    out.push_back(std::move(t));
  }
  return out;
}

using CotangentFn = std::function<std::vector<array>(const std::vector<array>&)>;

std::pair<std::vector<array>, std::vector<array>> vjp_impl(
    const VectorFn& fun, const std::vector<array>& primals, const CotangentFn& make_cotangents) {
  detail::TracingScope tracing;
  auto tracers = make_tracers(primals);
  auto outputs = fun(tracers);
  auto cotangents = make_cotangents(outputs);
  if (cotangents.size() > outputs.size()) {
    throw std::invalid_argument("[vjp] Number of outputs to compute gradients for must match the number of cotangents.");
  }
  std::unordered_map<uintptr_t, array> cot_map;
  auto accumulate = [&](const array& target, array value) {
    auto it = cot_map.find(target.id());
    if (it == cot_map.end()) {
      cot_map.emplace(target.id(), std::move(value));
    } else {
      it->second = add(it->second, value);
    }
  };
  for (size_t i = 0; i < cotangents.size(); ++i) {
    if (cotangents[i].shape() != outputs[i].shape()) {
      throw std::invalid_argument(msg("[vjp] Output shape ", shape_str(outputs[i].shape()),
                                      " does not match cotangent shape ", shape_str(cotangents[i].shape()), "."));
    }
    accumulate(outputs[i], astype(cotangents[i], outputs[i].dtype()));
  }
  std::unordered_set<uintptr_t> depends;
  auto tape = detail::dependent_tape(
      std::vector<array>(outputs.begin(), outputs.begin() + cotangents.size()), tracers, &depends, true);
  for (auto it = tape.rbegin(); it != tape.rend(); ++it) {
    array& node = *it;
    auto outs = node.outputs();
    std::vector<array> cots;
    bool any = false;
    for (auto& o : outs) {
      auto c = cot_map.find(o.id());
      if (c != cot_map.end()) {
        cots.push_back(c->second);
        any = true;
      } else {
        cots.push_back(zeros_like(o));
      }
    }
    if (!any) continue;
    std::vector<int> argnums;
    for (size_t i = 0; i < node.inputs().size(); ++i) {
      if (depends.count(node.inputs()[i].id())) argnums.push_back(static_cast<int>(i));
    }
    auto vjps = node.primitive().vjp(node.inputs(), cots, argnums, outs);
    for (size_t k = 0; k < argnums.size(); ++k) {
      const array& in = node.inputs()[argnums[k]];
      accumulate(in, vjps[k]);
    }
    for (auto& o : outs) cot_map.erase(o.id());
  }
  std::vector<array> grads;
  for (size_t i = 0; i < tracers.size(); ++i) {
    auto c = cot_map.find(tracers[i].id());
    grads.push_back(c != cot_map.end() ? astype(c->second, primals[i].dtype()) : zeros_like(primals[i]));
  }
  return {outputs, grads};
}

} // namespace

std::pair<std::vector<array>, std::vector<array>> vjp(
    const VectorFn& fun, const std::vector<array>& primals, const std::vector<array>& cotangents) {
  return vjp_impl(fun, primals, [&](const std::vector<array>& outputs) {
    // Extra cotangents are ignored, as in the reference.
    if (outputs.size() > cotangents.size()) {
      throw std::invalid_argument(
          "[vjp] Number of outputs to compute gradients for must match the number of cotangents.");
    }
    return std::vector<array>(cotangents.begin(), cotangents.begin() + outputs.size());
  });
}

std::pair<std::vector<array>, std::vector<array>> jvp(
    const VectorFn& fun, const std::vector<array>& primals, const std::vector<array>& tangents) {
  if (primals.size() != tangents.size()) {
    throw std::invalid_argument("[jvp] Number of inputs does not match number of tangents.");
  }
  for (size_t i = 0; i < primals.size(); ++i) {
    if (primals[i].shape() != tangents[i].shape()) {
      throw std::invalid_argument(msg("[jvp] Input shape ", shape_str(primals[i].shape()),
                                      " does not match tangent shape ", shape_str(tangents[i].shape()), "."));
    }
  }
  detail::TracingScope tracing;
  auto tracers = make_tracers(primals);
  auto outputs = fun(tracers);
  auto tape = detail::dependent_tape(outputs, tracers, nullptr, true);
  std::unordered_map<uintptr_t, array> tan_map;
  for (size_t i = 0; i < tracers.size(); ++i) {
    tan_map.emplace(tracers[i].id(), astype(tangents[i], primals[i].dtype()));
  }
  for (auto& node : tape) {
    std::vector<int> argnums;
    std::vector<array> tans;
    for (size_t i = 0; i < node.inputs().size(); ++i) {
      auto t = tan_map.find(node.inputs()[i].id());
      if (t != tan_map.end()) {
        argnums.push_back(static_cast<int>(i));
        tans.push_back(t->second);
      }
    }
    auto outs = node.outputs();
    auto jvps = node.primitive().jvp(node.inputs(), tans, argnums);
    for (size_t i = 0; i < outs.size(); ++i) tan_map.insert_or_assign(outs[i].id(), jvps[i]);
  }
  std::vector<array> result;
  for (auto& o : outputs) {
    auto t = tan_map.find(o.id());
    result.push_back(t != tan_map.end() ? t->second : zeros_like(o));
  }
  return {outputs, result};
}

std::pair<std::vector<array>, std::vector<array>> value_and_grad(
    const VectorFn& fun, const std::vector<array>& inputs, const std::vector<int>& argnums) {
  if (argnums.empty()) throw std::invalid_argument("[grad] Must specify at least one argument.");
  for (int a : argnums) {
    if (a < 0 || a >= static_cast<int>(inputs.size())) {
      throw std::invalid_argument(msg("[grad] Invalid argument number ", a, " for function with ",
                                      inputs.size(), " inputs."));
    }
  }
  std::vector<array> primals;
  for (int a : argnums) primals.push_back(inputs[a]);
  // The differentiated inputs are replaced by the traced ones; the rest pass through.
  VectorFn inner = [&](const std::vector<array>& traced) {
    std::vector<array> args = inputs;
    for (size_t i = 0; i < argnums.size(); ++i) args[argnums[i]] = traced[i];
    return fun(args);
  };
  return vjp_impl(inner, primals, [](const std::vector<array>& outputs) {
    if (outputs.empty() || outputs[0].size() != 1) {
      throw std::invalid_argument(
          "[value_and_grad] The return value of the function whose gradient we want to compute should be a "
          "scalar array.");
    }
    return std::vector<array>{ones_like(outputs[0])};
  });
}

namespace detail {

// The nodes between the tracers and the outputs that depend on a tracer, each after its
// inputs. Iterative; the tracers themselves are leaves of the walk.
std::vector<array> dependent_tape(
    const std::vector<array>& outputs,
    const std::vector<array>& tracers,
    std::unordered_set<uintptr_t>* depends_out,
    bool differentiating) {
  std::unordered_set<uintptr_t> local;
  std::unordered_set<uintptr_t>& depends = depends_out ? *depends_out : local;
  for (auto& t : tracers) depends.insert(t.id());
  std::unordered_set<uintptr_t> visited(depends);
  std::vector<array> tape;
  std::vector<std::pair<array, size_t>> stack;
  for (auto& out : outputs) {
    if (!visited.insert(out.id()).second) continue;
    stack.emplace_back(out, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        const array& in = node.inputs()[next++];
        if (visited.insert(in.id()).second) stack.emplace_back(in, 0);
        continue;
      }
      bool dep = false;
      for (auto& in : node.inputs()) dep |= depends.count(in.id()) > 0;
      if (dep && node.has_primitive() &&
          !(differentiating && dynamic_cast<const StopGradient*>(&node.primitive()))) {
        for (auto& o : node.outputs()) depends.insert(o.id());
        tape.push_back(node);
      }
      stack.pop_back();
    }
  }
  return tape;
}

} // namespace detail

} // namespace mlx::core
