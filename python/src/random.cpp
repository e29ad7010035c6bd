// The mlx.core.random submodule.
#include "python/src/common.h"

using namespace nb::literals;

void init_random(nb::module_& m) {
  (void)m;
}
