// Element-wise math ops beyond the basic arithmetic (trigonometric, rounding, predicates, clip, isclose ...).
#include "python/src/common.h"

using namespace nb::literals;

void init_ops_math(nb::module_& m) {
  (void)m;
}
