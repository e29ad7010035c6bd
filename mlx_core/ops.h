// The public C++ op API.
#pragma once
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/elementwise.h"
#include "mlx_core/ops/indexing.h"
#include "mlx_core/ops/linalg.h"
#include "mlx_core/ops/reduce.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/ops/fp8.h"
#include "mlx_core/ops/sort.h"
#include "mlx_core/primitives/depends.h"
#include "mlx_core/primitives/view.h"
