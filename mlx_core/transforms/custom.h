// custom_function's engine: a function whose vjp, jvp and vmap may be given by the user.
#pragma once
#include <functional>
#include <utility>
#include <vector>

#include "mlx_core/transforms/autodiff.h"

namespace mlx::core {

// User rules for a function of n primals. Each is optional; a missing one falls back to the
// transform of the function itself (the vjp and jvp recompute it: checkpointing).
struct CustomRules {
  // (primals, cotangents of every output, outputs) -> cotangents of the primals, in order
  // (fewer than the primals: the rest are zeros).
  std::function<std::vector<array>(const std::vector<array>&, const std::vector<array>&,
                                   const std::vector<array>&)>
      vjp;
  // (primals, tangents of every primal (zeros where not differentiated)) -> tangents of the
  // outputs.
  std::function<std::vector<array>(const std::vector<array>&, const std::vector<array>&)> jvp;
  // (primals, their batch axes (-1: not batched)) -> (outputs, their batch axes).
  std::function<std::pair<std::vector<array>, std::vector<int>>(const std::vector<array>&,
                                                                const std::vector<int>&)>
      vmap;
};

// fun(primals), as outputs whose transforms follow `rules`. Arrays the function captures
// (rather than receives) are constants to the transforms.
std::vector<array> custom_function(const VectorFn& fun, const std::vector<array>& primals, CustomRules rules);

} // namespace mlx::core
