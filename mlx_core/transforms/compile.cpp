#include "mlx_core/transforms/compile.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "mlx_core/errors.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/utils.h"
#include "mlx_core/primitives/elementwise.h"
#include "mlx_core/primitives/primitive.h"
#include "mlx_core/primitives/shape.h"
#include "mlx_core/transforms/compile_fuse.h"
#include "mlx_core/transforms/tape.h"

namespace mlx::core {

namespace {

bool env_disables_compile() {
  // As in the reference, the variable being set at all (even to "" or "0") disables.
  return std::getenv("MLX_DISABLE_COMPILE") != nullptr;
}

std::atomic<bool>& compile_flag() {
  static std::atomic<bool> enabled{!env_disables_compile()};
  return enabled;
}

// The stand-in for an input while a compiled function is traced: it has no data.
class CompilePlaceholder : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>&, array&) override {
    throw std::invalid_argument(
        "[eval] Attempting to eval an array during function transformations like compile or vmap is not allowed.");
  }
  const char* name() const override { return "Placeholder"; }
};

// Whether a node broadcasts its inputs to one shape (its inputs are Broadcast nodes where
// the shapes differed when it was traced).
bool broadcasts_inputs(const Primitive& p) {
  return dynamic_cast<const Binary*>(&p) || dynamic_cast<const Select*>(&p) || dynamic_cast<const DivMod*>(&p);
}

// For a shapeless replay of a broadcasting node: the inputs before their traced Broadcast
// (mapped to the new graph), broadcast again to the shape they now share.
template <typename Lookup>
std::vector<array> rebroadcast(const CompiledGraph& g, const array& node, Lookup&& lookup, Shape& shape) {
  std::vector<array> sources;
  shape.clear();
  for (auto& in : node.inputs()) {
    auto constant = g.broadcast_sources.find(in.id());
    if (constant != g.broadcast_sources.end()) {
      sources.push_back(lookup(constant->second));
    } else {
      sources.push_back(is_broadcast(in) ? lookup(in.inputs()[0]) : lookup(in));
    }
    shape = sources.size() == 1 ? sources.back().shape() : broadcast_shapes(shape, sources.back().shape());
  }
  for (auto& a : sources) a = broadcast_to(a, shape);
  return sources;
}

// The shape a traced reshape gives in a shapeless replay. A reshape that only removes or
// inserts size-1 dims (how squeeze, expand_dims and keepdims-free reductions reshape) makes
// the same edit to the new input shape; any other reshape keeps its traced target, which
// must still fit the input.
Shape replay_reshape(const array& traced, const array& input) {
  const Shape& in = traced.inputs()[0].shape();
  const Shape& out = traced.shape();
  const Shape& now = input.shape();
  Shape result;
  bool unit_edit = now.size() == in.size();
  size_t i = 0, j = 0;
  while (unit_edit && (i < in.size() || j < out.size())) {
    if (i < in.size() && j < out.size() && in[i] == out[j]) {
      result.push_back(now[i++]);
      ++j;
    } else if (i < in.size() && in[i] == 1) {
      unit_edit = now[i++] == 1;
    } else if (j < out.size() && out[j] == 1) {
      result.push_back(1);
      ++j;
    } else {
      unit_edit = false;
    }
  }
  Shape target = unit_edit ? result : out;
  if (shape_size(target) != input.size()) {
    throw std::invalid_argument(
        msg("[reshape] Cannot reshape array of size ", input.size(), " into shape ", shape_str(target), "."));
  }
  return target;
}

} // namespace

bool compile_enabled() { return compile_flag().load(std::memory_order_relaxed); }
void disable_compile() { compile_flag().store(false); }
void enable_compile() { compile_flag().store(true); }

std::vector<array> compile_placeholders(const std::vector<array>& examples) {
  std::vector<array> out;
  out.reserve(examples.size());
  auto prim = std::make_shared<CompilePlaceholder>(default_stream(default_device()));
  for (auto& e : examples) {
    array p(e.shape(), e.dtype(), prim, {});
    p.set_tracer(true);
    out.push_back(std::move(p));
  }
  return out;
}

std::shared_ptr<CompiledGraph> compile_build(
    std::vector<array> placeholders, std::vector<array> outputs, bool shapeless, bool fuse) {
  auto g = std::make_shared<CompiledGraph>();
  g->tape = detail::dependent_tape(outputs, placeholders);
  g->inputs = std::move(placeholders);
  g->outputs = std::move(outputs);
  g->shapeless = shapeless;
  if (fuse) fuse_elementwise(*g);
  if (shapeless) {
    std::unordered_set<uintptr_t> in_tape;
    for (auto& n : g->tape) in_tape.insert(n.id());
    for (auto& n : g->tape) {
      for (auto& in : n.inputs()) {
        if (!in_tape.count(in.id()) && is_broadcast(in)) g->broadcast_sources.emplace(in.id(), in.inputs()[0]);
      }
    }
  }
  return g;
}

std::vector<array> compile_replay(const CompiledGraph& g, const std::vector<array>& inputs) {
  if (inputs.size() != g.inputs.size()) {
    throw std::invalid_argument("[compile] Wrong number of inputs for the compiled graph.");
  }
  std::unordered_map<uintptr_t, array> env;
  env.reserve(g.tape.size() * 2 + inputs.size());
  bool same_shapes = true;
  for (size_t i = 0; i < inputs.size(); ++i) {
    env.emplace(g.inputs[i].id(), inputs[i]);
    same_shapes = same_shapes && inputs[i].shape() == g.inputs[i].shape();
  }
  auto lookup = [&](const array& a) -> const array& {
    auto it = env.find(a.id());
    return it == env.end() ? a : it->second;
  };
  std::vector<array> new_inputs;
  for (auto& node : g.tape) {
    if (env.count(node.id())) continue; // a sibling of a node already rebuilt
    new_inputs.clear();
    auto outs = node.outputs();
    std::vector<Shape> shapes;
    if (g.shapeless && !same_shapes && broadcasts_inputs(node.primitive())) {
      Shape shape;
      new_inputs = rebroadcast(g, node, lookup, shape);
      shapes.assign(outs.size(), shape);
    } else if (g.shapeless && !same_shapes) {
      for (auto& in : node.inputs()) new_inputs.push_back(lookup(in));
      if (dynamic_cast<const Reshape*>(&node.primitive())) {
        shapes = {replay_reshape(node, new_inputs[0])};
      } else {
        shapes = node.primitive().output_shapes(new_inputs);
      }
    } else {
      for (auto& in : node.inputs()) new_inputs.push_back(lookup(in));
      for (auto& o : outs) shapes.push_back(o.shape());
    }
    if (outs.size() == 1) {
      env.emplace(outs[0].id(), array(std::move(shapes[0]), outs[0].dtype(), node.primitive_ptr(), new_inputs));
    } else {
      std::vector<Dtype> dtypes;
      for (auto& o : outs) dtypes.push_back(o.dtype());
      auto made = array::make_arrays(std::move(shapes), dtypes, node.primitive_ptr(), new_inputs);
      for (size_t k = 0; k < outs.size(); ++k) env.emplace(outs[k].id(), std::move(made[k]));
    }
  }
  std::vector<array> result;
  result.reserve(g.outputs.size());
  for (auto& o : g.outputs) result.push_back(lookup(o));
  return result;
}

} // namespace mlx::core
