// Bindings that order or inspect evaluation: depends, get_array_buffer_size.
#include <nanobind/nanobind.h>
#include <nanobind/stl/vector.h>

#include <unordered_set>

#include "mlx_core/primitives/depends.h"
#include "python/src/trees.h"
#include "python/src/eval_util.h"

namespace nb = nanobind;
namespace mx = mlx::core;
using namespace nb::literals;

void init_runtime(nb::module_& m) {
  m.def("depends", [](nb::object inputs, nb::object dependencies) -> nb::object {
    bool single = nb::isinstance<mx::array>(inputs);
    auto xs = tree_flatten(inputs);
    auto deps = tree_flatten(dependencies);
    auto outs = mx::depends(xs, deps);
    if (single) return nb::cast(outs[0]);
    return nb::cast(outs);
  }, "inputs"_a, "dependencies"_a,
  "The inputs, unchanged, but evaluated only after the dependencies.");
  m.def("get_array_buffer_size", [](nb::args args) {
    auto arrays = tree_flatten(args, false);
    std::unordered_set<const void*> seen;
    size_t total = 0;
    for (auto& a : arrays) {
      eval_released(a);
      if (seen.insert(a.data_shared_ptr().get()).second) total += a.nbytes();
    }
    return total;
  }, "args"_a, "The bytes of the buffers behind the arrays (each buffer counted once).");
}
