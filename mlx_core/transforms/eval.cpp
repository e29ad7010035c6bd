#include "mlx_core/transforms/eval.h"

#include <optional>
#include <unordered_set>

#include "mlx_core/primitives/primitive.h"

namespace mlx::core {

void eval(std::vector<array> outputs) {
  // Post-order walk with an explicit stack: `tape` lists every pending node after all
  // of its inputs.
  std::vector<std::optional<array>> tape;
  std::unordered_set<uintptr_t> visited;
  std::vector<std::pair<array, size_t>> stack; // node, index of the next input to visit
  for (auto& out : outputs) {
    if (out.is_available() || !visited.insert(out.id()).second) continue;
    stack.emplace_back(out, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        const array& in = node.inputs()[next++];
        if (!in.is_available() && visited.insert(in.id()).second) {
          stack.emplace_back(in, 0);
        }
        continue;
      }
      tape.push_back(std::move(node));
      stack.pop_back();
    }
  }
  for (auto& slot : tape) {
    array& node = *slot;
    if (node.is_available()) {
      slot.reset(); // a sibling computed it
      continue;
    }
    if (!node.has_primitive()) {
      throw std::runtime_error("[eval] Attempting to evaluate an array without a primitive or data.");
    }
    std::vector<array> outs = node.outputs();
    node.primitive().eval_cpu(node.inputs(), outs);
    // Tracers keep their graph for the transform that traces them; others become leaves
    // so their inputs can be freed.
    if (!node.is_tracer()) node.detach();
    slot.reset(); // drop the tape's reference so memory is released as we go
  }
}

} // namespace mlx::core
