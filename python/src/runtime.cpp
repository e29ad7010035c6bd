// Bindings that order or inspect evaluation: depends, get_array_buffer_size.
#include <nanobind/nanobind.h>
#include <nanobind/stl/vector.h>

#include <unordered_set>

#include "mlx_core/primitives/depends.h"
#include "python/src/trees.h"
#include "python/src/eval_util.h"
#include "python/src/common.h"

namespace nb = nanobind;
namespace mx = mlx::core;
using namespace nb::literals;

void init_runtime(nb::module_& m) {
  def_op(m, "depends", [](nb::object inputs, nb::object dependencies) -> nb::object {
    bool single = nb::isinstance<mx::array>(inputs);
    auto xs = tree_flatten(inputs);
    auto deps = tree_flatten(dependencies);
    auto outs = mx::depends(xs, deps);
    if (single) return nb::cast(outs[0]);
    return nb::cast(outs);
  }, nb::sig("def depends(inputs: object, dependencies: object, /) -> object"), nb::arg(), nb::arg(),
  "Returns the inputs, unchanged, but evaluated only after the dependencies.\n\n"
  "Args:\n"
  "    inputs (array or tree of arrays): The arrays to return.\n"
  "    dependencies (array or tree of arrays): Arrays that are evaluated before the\n"
  "        returned ones.\n\n"
  "Returns:\n"
  "    array or list[array]: Arrays with the values of inputs (a single array when inputs\n"
  "    is one).");
  def_op(m, "get_array_buffer_size", [](nb::args args) {
    auto arrays = tree_flatten(args, false);
    std::unordered_set<const void*> seen;
    size_t total = 0;
    for (auto& a : arrays) {
      eval_released(a);
      if (seen.insert(a.data_shared_ptr().get()).second) total += a.nbytes();
    }
    return total;
  }, "args"_a,
  "The bytes of the buffers behind arrays, each buffer counted once (evaluates them).\n\n"
  "Args:\n"
  "    *args (array or tree of arrays): The arrays.\n\n"
  "Returns:\n"
  "    int: The total size in bytes of the distinct buffers.");
}
