// mx.fast.scaled_dot_product_attention: multi-head attention in one fused pass.
#pragma once
#include <optional>
#include <string>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core::fast {

// softmax(scale * q k^T + mask) v over [B, H, L, D] inputs, with keys and values of
// H_kv heads (H % H_kv == 0: grouped-query attention). `mask_mode` is "" or "causal"
// (lower-right aligned); `mask` a boolean (true = keep) or additive array broadcastable to
// [B, H, L_q, L_kv]; `sinks` one extra logit per query head in the softmax denominator.
// Half inputs accumulate in float32. Never materialises the L_q x L_kv score matrix.
array scaled_dot_product_attention(const array& q, const array& k, const array& v, float scale,
                                   const std::string& mask_mode = "",
                                   const std::optional<array>& mask = std::nullopt,
                                   const std::optional<array>& sinks = std::nullopt,
                                   StreamOrDevice s = {});

// The same computed with ordinary ops (matmul, softmax): what the gradient and forward-mode
// rules of the fused primitive differentiate. `mask` here has the shape [B, H, L_q, L_kv].
array attention_with_ops(const array& q, const array& k, const array& v, float scale, bool causal,
                         const std::optional<array>& mask, const std::optional<array>& sinks,
                         StreamOrDevice s = {});

} // namespace mlx::core::fast
