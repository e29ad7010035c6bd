// Function transforms.
#pragma once
#include "mlx_core/transforms/autodiff.h"
#include "mlx_core/transforms/eval.h"
#include "mlx_core/transforms/vmap.h"
#include "mlx_core/transforms/custom.h"
