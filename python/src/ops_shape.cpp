// Shape ops (concatenate, stack, split, pad, tile, repeat, ...) and creation helpers (tri, diag, meshgrid, windows).
#include "python/src/common.h"

using namespace nb::literals;

void init_ops_shape(nb::module_& m) {
  (void)m;
}
