// a[index] for ints, slices, None, Ellipsis and tuples of them (views of `a`).
#pragma once
#include <nanobind/nanobind.h>

#include "mlx_core/array.h"

namespace nb = nanobind;

mlx::core::array get_item(const mlx::core::array& a, nb::handle index);
