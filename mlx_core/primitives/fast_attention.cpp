// Gradient, forward-mode and batching rules of the fused attention primitive. The vjp and
// jvp differentiate the same attention written with ops (fast::attention_with_ops); vmap
// folds the vmapped axis into the heads and calls the fused op again.
#include "mlx_core/primitives/fast_attention.h"

#include <algorithm>

#include "mlx_core/ops.h"
#include "mlx_core/ops/fast_attention.h"
#include "mlx_core/primitives/batching.h"
#include "mlx_core/transforms.h"

namespace mlx::core {

namespace {

// Indices of the differentiable inputs (a bool mask is not) and the function of them.
struct Composed {
  std::vector<int> idx;
  VectorFn fn;
};

Composed composed(const std::vector<array>& primals, float scale, bool causal, bool has_mask, bool has_sinks,
                  const Stream& st) {
  int mask_i = has_mask ? 3 : -1;
  int sinks_i = has_sinks ? (has_mask ? 4 : 3) : -1;
  bool bool_mask = has_mask && primals[3].dtype() == bool_;
  Composed c;
  for (int i = 0; i < static_cast<int>(primals.size()); ++i) {
    if (!(bool_mask && i == mask_i)) c.idx.push_back(i);
  }
  std::optional<array> fixed_mask;
  if (bool_mask) fixed_mask = primals[3];
  c.fn = [=, idx = c.idx](const std::vector<array>& x) {
    auto at = [&](int i) { return x[std::find(idx.begin(), idx.end(), i) - idx.begin()]; };
    std::optional<array> mask = fixed_mask, sinks;
    if (mask_i >= 0 && !fixed_mask) mask = at(mask_i);
    if (sinks_i >= 0) sinks = at(sinks_i);
    return std::vector<array>{fast::attention_with_ops(at(0), at(1), at(2), scale, causal, mask, sinks, st)};
  };
  return c;
}

} // namespace

std::vector<array> ScaledDotProductAttention::vjp(const std::vector<array>& primals,
                                                  const std::vector<array>& cotangents,
                                                  const std::vector<int>& argnums, const std::vector<array>&) {
  auto c = composed(primals, scale_, causal_, has_mask_, has_sinks_, stream());
  std::vector<array> xs;
  for (int i : c.idx) xs.push_back(primals[i]);
  auto grads = mlx::core::vjp(c.fn, xs, {cotangents[0]}).second;
  std::vector<array> out;
  for (int a : argnums) {
    auto it = std::find(c.idx.begin(), c.idx.end(), a);
    out.push_back(it == c.idx.end() ? zeros_like(primals[a], stream()) : grads[it - c.idx.begin()]);
  }
  return out;
}

std::vector<array> ScaledDotProductAttention::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                                  const std::vector<int>& argnums) {
  auto c = composed(primals, scale_, causal_, has_mask_, has_sinks_, stream());
  std::vector<array> xs, ts;
  for (int i : c.idx) {
    xs.push_back(primals[i]);
    auto it = std::find(argnums.begin(), argnums.end(), i);
    ts.push_back(it == argnums.end() ? zeros_like(primals[i], stream()) : tangents[it - argnums.begin()]);
  }
  return {mlx::core::jvp(c.fn, xs, ts).second[0]};
}

std::pair<std::vector<array>, std::vector<int>> ScaledDotProductAttention::vmap(const std::vector<array>& inputs,
                                                                                const std::vector<int>& axes) {
  // The vmapped axis (size N) becomes part of the heads: q [B, N*H, Lq, D], k and v
  // [B, N*Hkv, Lk, D], the mask [B, N*H, Lq, Lk], sinks [N*H]. Head n*H + h then reads
  // key head (n*H + h) / G = n*Hkv + h / G, as grouped-query attention needs.
  int N = detail::batch_size(inputs, axes);
  auto fold = [&](int i) {
    array x = detail::batched_at_front(inputs[i], axes[i], N); // [N, B, h, L, D]
    Shape sh = x.shape();
    x = transpose(x, {1, 0, 2, 3, 4}, stream());
    return reshape(x, {sh[1], N * sh[2], sh[3], sh[4]}, stream());
  };
  array q = fold(0), k = fold(1), v = fold(2);
  std::optional<array> mask, sinks;
  if (has_mask_) mask = fold(3);
  if (has_sinks_) {
    int si = has_mask_ ? 4 : 3;
    array sk = detail::batched_at_front(inputs[si], axes[si], N);
    sinks = reshape(sk, {N * sk.shape(1)}, stream());
  }
  array out = fast::scaled_dot_product_attention(q, k, v, scale_, causal_ ? "causal" : "", mask, sinks, stream());
  Shape os = out.shape();
  int H = N > 0 ? os[1] / N : 0;
  return {{reshape(out, {os[0], N, H, os[2], os[3]}, stream())}, {1}};
}

std::vector<Shape> ScaledDotProductAttention::output_shapes(const std::vector<array>& inputs) {
  const auto& q = inputs[0].shape();
  return {{q[0], q[1], q[2], inputs[2].shape(3)}};
}

} // namespace mlx::core
