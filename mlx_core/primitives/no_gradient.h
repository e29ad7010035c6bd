// Rules for primitives whose outputs carry no gradient (integer samples, positions).
#pragma once
#include <vector>

#include "mlx_core/ops/creation.h"

namespace mlx::core::detail {

// The vjp of such a primitive: a zero cotangent for each input in `argnums`.
inline std::vector<array> zero_cotangents(const std::vector<array>& primals, const std::vector<int>& argnums) {
  std::vector<array> out;
  out.reserve(argnums.size());
  for (int i : argnums) out.push_back(zeros_like(primals[i]));
  return out;
}

} // namespace mlx::core::detail
