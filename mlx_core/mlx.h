// Everything public in the engine.
#pragma once
#include "mlx_core/allocator.h"
#include "mlx_core/array.h"
#include "mlx_core/device.h"
#include "mlx_core/dtype.h"
#include "mlx_core/ops.h"
#include "mlx_core/transforms.h"
