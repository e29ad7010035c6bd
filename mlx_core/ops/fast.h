// mx.fast: fused operations (normalization, rotary embedding, cross entropy, the gated delta
// update). Each builds one primitive whose CPU kernel makes one pass over memory.
#pragma once
#include <optional>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core::fast {

// x * rsqrt(mean(x^2, -1) + eps) * weight over the last axis; weight (last-axis size, 1-d)
// is optional. The result has the promoted dtype of x and weight; halves accumulate in float32.
array rms_norm(const array& x, const std::optional<array>& weight, float eps, StreamOrDevice s = {});

// (x - mean) * rsqrt(var + eps) * weight + bias over the last axis; weight and bias optional.
array layer_norm(const array& x, const std::optional<array>& weight, const std::optional<array>& bias,
                 float eps, StreamOrDevice s = {});

// Rotary positional encoding of the first `dims` features of x (B, *, T, D) at positions
// offset + t, scaled by `scale`; frequencies base^(-2i/dims), or 1/freqs when freqs is given
// (exactly one of base and freqs). offset: an integer scalar, or one offset per batch entry.
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           const array& offset, const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, int offset,
           const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});

// logsumexp(logits, -1) - logits[..., targets], in float32 (float32 accumulation).
array cross_entropy(const array& logits, const array& targets, StreamOrDevice s = {});

// The gated delta rule over time: for each step t and value head h (key head h / (Hv/Hk)),
// S = gamma * S; S += beta * (v - S k) k^T; out = S q. q, k: (B, T, Hk, Dk); v: (B, T, Hv, Dv);
// gamma: (B, T, Hv) or (B, T, Hv, Dk); beta: (B, T, Hv); state: (B, Hv, Dv, Dk), zeros when
// absent; mask (B, T): a step where it is false leaves the state and outputs zeros.
// Returns {out (B, T, Hv, Dv), final state}.
std::vector<array> gated_delta_update(const array& q, const array& k, const array& v, const array& gamma,
                                      const array& beta, const std::optional<array>& initial_state = std::nullopt,
                                      const std::optional<array>& mask = std::nullopt, StreamOrDevice s = {});

} // namespace mlx::core::fast
