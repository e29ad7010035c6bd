// Gather/scatter ops (take, take_along_axis, put_along_axis, slice_update, .at) and sorting.
#include "python/src/common.h"

using namespace nb::literals;

void init_ops_indexing(nb::module_& m) {
  (void)m;
}
