// The fusion pass of mx.compile: chains of element-wise ops in a traced graph become single
// Compiled nodes (primitives/compiled.h).
#pragma once
#include "mlx_core/transforms/compile.h"

namespace mlx::core {

// Whether `a` is the output of a Broadcast node (an evaluated array has no node).
bool is_broadcast(const array& a);

// Replaces each maximal group of element-wise nodes of g.tape (unary and binary ops, where,
// casts; of one output shape, on CPU streams, of dtypes the interpreter runs) whose
// intermediates are used only inside the group by one Compiled node computing the group's
// last node. Broadcasts feeding the group are folded in (the Compiled node reads their
// sources with broadcasting). Updates g.tape, g.outputs and g.fused_nodes.
void fuse_elementwise(CompiledGraph& g);

} // namespace mlx::core
