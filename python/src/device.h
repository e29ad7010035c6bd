// Device and stream bindings. Ops take `mx::StreamOrDevice` directly: nanobind's variant
// caster maps None -> default, a Stream, a Device, or a DeviceType (implicitly a Device).
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/stl/variant.h>

#include "mlx_core/device.h"

namespace nb = nanobind;

void init_device(nb::module_& m);
