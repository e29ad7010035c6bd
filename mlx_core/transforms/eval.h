// Evaluation of the lazy graph.
#pragma once
#include <vector>

#include "mlx_core/array.h"

namespace mlx::core {

// Evaluates every array in `outputs`: walks the graph iteratively (never recursively),
// runs each pending node once, and detaches evaluated nodes (except tracers) so that
// intermediates are freed as the walk goes.
void eval(std::vector<array> outputs);

} // namespace mlx::core
