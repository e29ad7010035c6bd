// The mlx.core.fast submodule, shared by the files that register its functions
// (fast.cpp: norms, rope, cross_entropy, gated_delta_update, GPU-kernel entry points;
// fast_attention.cpp: scaled_dot_product_attention).
#pragma once
#include <nanobind/nanobind.h>

namespace nb = nanobind;

// mlx.core.fast: created on the first call, the same submodule on every later one.
inline nb::module_ fast_module(nb::module_& m) {
  if (nb::hasattr(m, "fast")) return nb::borrow<nb::module_>(m.attr("fast"));
  return m.def_submodule("fast", "Fused operations (normalization, rotary embedding, attention, ...).");
}
