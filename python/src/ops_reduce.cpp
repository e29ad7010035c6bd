// Reductions, scans and softmax.
#include "python/src/common.h"

using namespace nb::literals;

void init_ops_reduce(nb::module_& m) {
  (void)m;
}
