// export_function / import_function: a function traced into a graph of primitives, written
// to a file with its constants, and rebuilt from the file as a function of arrays.
//
// File format (version 1, little-endian): "OMLXFN\0\0", u32 version, u64 body size,
// u64 checksum of the body (export.cpp), then the body: metadata string, shapeless flag, traces.
// A trace: positional count, keyword names, input shapes/dtypes, constants (shape, dtype,
// raw bytes), nodes (primitive key, encoded parameters, input value ids, output
// shapes/dtypes, a flag), output value ids. Value ids number the inputs, then the constants,
// then the node outputs in order; a node may only use ids defined before it, so a graph
// read back is acyclic by construction. Everything is bounds-checked on reading.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/transforms/autodiff.h"

namespace mlx::core {

struct ValueInfo {
  Shape shape;
  Dtype dtype;
};

struct ExportedNode {
  std::string key;   // the primitive's class (export_registry.h)
  std::string name;  // its name() (messages, DOT, the export callback)
  std::string state; // its encoded parameters
  std::vector<uint64_t> inputs;
  std::vector<ValueInfo> outputs;
  // Shapeless Broadcast only: the target shape follows the inputs of the node consuming it
  // (the broadcast of an element-wise op's operands) instead of the traced shape.
  bool follow_shapes = false;
  // Shapeless Reshape only: how each output dimension follows the input's, as pairs
  // (first, last): the product of input dims [first, last); (-1, 0) the traced size; (-2, 0)
  // inferred from the element count. Empty: the traced shape.
  std::vector<std::pair<int64_t, int64_t>> reshape_rule;
};

// One traced signature of a function.
struct ExportedTrace {
  uint64_t n_args = 0;                  // positional inputs
  std::vector<std::string> kwarg_names; // sorted; their arrays follow the positional ones
  std::vector<ValueInfo> inputs;
  std::vector<array> constants; // evaluated and row-contiguous
  std::vector<ExportedNode> nodes;
  std::vector<uint64_t> outputs;

  // Filled by replays, not stored: the decoded primitives (shared by the graphs of every
  // call on the same stream, as mx.compile's replays share theirs) and, for a fixed-shape
  // trace, whether its nodes passed their checks (the shapes never change after that).
  struct ReplayCache;
  std::shared_ptr<ReplayCache> cache;
};

struct ExportedFunction {
  bool shapeless = false;
  std::string metadata;
  std::vector<ExportedTrace> traces;
};

// Traces fun on `inputs` (n_args positional arrays, then one per name of kwarg_names, which
// must be sorted). Arrays the function uses that do not depend on its inputs are evaluated
// and kept as constants. Raises std::invalid_argument "[export] Primitive X cannot be
// exported." for a primitive outside the registry.
ExportedTrace export_trace(const VectorFn& fun, const std::vector<array>& inputs, uint64_t n_args,
                           std::vector<std::string> kwarg_names, bool shapeless);

// Whether a call with these arrays matches the trace: the same positional count and keyword
// names, and the same dtypes and shapes (only the number of dimensions when shapeless).
bool trace_matches(const ExportedTrace& t, bool shapeless, uint64_t n_args, const std::vector<std::string>& kwarg_names,
                   const std::vector<array>& inputs);

// The trace's outputs for these inputs (lazy: a graph of fresh primitives on the default
// stream). Every node is checked before it is built; with shapeless, shapes are inferred.
std::vector<array> replay_trace(const ExportedTrace& t, bool shapeless, const std::vector<array>& inputs);

// The file's bytes, and the function read back from them (std::runtime_error, naming the
// problem, for anything malformed).
std::string serialize_function(const ExportedFunction& f);
ExportedFunction deserialize_function(const std::string& bytes);

// Writes / reads a file (std::runtime_error "[fn] Failed to open <path>" when it cannot).
void write_function_file(const std::string& path, const ExportedFunction& f);
ExportedFunction read_function_file(const std::string& path);

// A Graphviz description of the graph of unevaluated nodes behind `outputs`; `names` label
// some arrays (others get A, B, ...).
std::string graph_to_dot(const std::vector<array>& outputs, const std::vector<std::pair<std::string, array>>& names);

} // namespace mlx::core
