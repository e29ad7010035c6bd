// float8 (E4M3, "fn": no infinities, 448 the largest) conversions stored as uint8.
#pragma once
#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// x (a real floating array) rounded to the nearest E4M3 value (ties to even), as its uint8
// code; beyond +-448 (and NaN or inf) saturates to +-448 as in the reference.
array to_fp8(const array& x, StreamOrDevice s = {});
// The values of E4M3 codes (a uint8 array) as `dtype` (a real floating type).
array from_fp8(const array& x, Dtype dtype = bfloat16, StreamOrDevice s = {});

} // namespace mlx::core
