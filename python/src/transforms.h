// Function transforms: eval, async_eval, grad, value_and_grad, vjp, jvp, vmap.
#pragma once
#include <nanobind/nanobind.h>

namespace nb = nanobind;

void init_transforms(nb::module_& m);
