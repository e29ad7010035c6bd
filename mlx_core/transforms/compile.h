// mx.compile's engine half: tracing a function once on placeholder inputs, keeping the
// recorded graph, and replaying it on new inputs without calling the function again.
// Element-wise chains of the recorded graph are fused (transforms/compile_fuse.h).
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core {

// Whether mx.compile compiles (false when the environment variable MLX_DISABLE_COMPILE was
// set at start, or after disable_compile()); when false compiled functions call through.
bool compile_enabled();
// Turns compilation off (compiled functions call the plain function) / back on.
void disable_compile();
void enable_compile();

// A traced function: placeholders stand for the flattened inputs, outputs are what the
// function returned, tape lists the nodes that depend on a placeholder, each after its
// inputs. Everything else reachable from the outputs is a constant of the graph.
struct CompiledGraph {
  std::vector<array> inputs;
  std::vector<array> outputs;
  std::vector<array> tape;
  bool shapeless = false;
  int fused_nodes = 0; // how many Compiled (fused) nodes the tape holds
  // Shapeless graphs: for each constant that a tape node reads through a Broadcast to the
  // traced shape (the 2 of `x * 2`), what it broadcasts, so that a replay broadcasts it to
  // the new shape. Kept at build time: evaluating a replay detaches the Broadcast node.
  std::unordered_map<uintptr_t, array> broadcast_sources;
};

// Placeholders with the shapes and dtypes of `examples`: tracers with no data, whose
// evaluation raises ValueError (the reference's message for an eval inside compile).
// Call the traced function inside a detail::TracingScope.
std::vector<array> compile_placeholders(const std::vector<array>& examples);

// Records the graph from `placeholders` (made by compile_placeholders) to `outputs`, fusing
// element-wise chains unless `fuse` is false.
std::shared_ptr<CompiledGraph> compile_build(
    std::vector<array> placeholders, std::vector<array> outputs, bool shapeless, bool fuse = true);

// Builds the graph of `g` again over `inputs` (one per placeholder, same dtypes; same shapes
// unless g.shapeless, where output shapes are inferred again) and returns its outputs
// (unevaluated). Raises ValueError where a shapeless graph cannot infer a shape.
std::vector<array> compile_replay(const CompiledGraph& g, const std::vector<array>& inputs);

} // namespace mlx::core
