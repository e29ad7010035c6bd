// repr / str / format of arrays, in MLX's printing format.
#pragma once
#include <nanobind/nanobind.h>

#include <string>

#include "mlx_core/array.h"

namespace nb = nanobind;

// "array([1, 2], dtype=int32)"; evaluates the array.
std::string array_repr(mlx::core::array a);
// __format__: an empty spec gives repr; 0-d arrays format their item with the spec.
std::string array_format(mlx::core::array a, const std::string& spec);

// The print options: set_printoptions, get_printoptions, printoptions and PrintOptions.
// precision -1 prints floats with 6 significant digits (%g); n >= 0 prints n digits after
// the decimal point.
void init_print_options(nb::module_& m);
