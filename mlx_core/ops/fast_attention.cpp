#include "mlx_core/ops/fast_attention.h"

#include <limits>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/ops/softmax.h"
#include "mlx_core/primitives/fast_attention.h"
#include "mlx_core/utils.h"

namespace mlx::core::fast {

namespace {

constexpr const char* kOp = "[scaled_dot_product_attention] ";

// The score a boolean or causal mask gives a masked-out key: the dtype's lowest finite
// value, so that a row with every key masked averages the values (as the reference does).
array masked_score(Dtype d) {
  if (d == float64) return array(std::numeric_limits<double>::lowest(), float64);
  return array(std::numeric_limits<float>::lowest(), float32);
}

} // namespace

array attention_with_ops(const array& q_in, const array& k_in, const array& v_in, float scale, bool causal,
                         const std::optional<array>& mask, const std::optional<array>& sinks, StreamOrDevice s) {
  Dtype out_dtype = q_in.dtype();
  // Scores and softmax in float32 for half inputs (float64 stays float64).
  Dtype acc = out_dtype == float64 ? float64 : float32;
  array q = astype(q_in, acc, s), k = astype(k_in, acc, s), v = astype(v_in, acc, s);
  int B = q.shape(0), H = q.shape(1), Lq = q.shape(2), D = q.shape(3);
  int Hkv = k.shape(1), Lk = k.shape(2), Dv = v.shape(3);
  int G = Hkv > 0 ? H / Hkv : 1;
  // Query heads of one key/value head side by side: [B, Hkv, G, Lq, D] against [B, Hkv, 1, Lk, D].
  array q5 = reshape(multiply(q, array(scale, acc), s), {B, Hkv, G, Lq, D}, s);
  array k5 = expand_dims(k, {2}, s), v5 = expand_dims(v, {2}, s);
  array scores = matmul(q5, swapaxes(k5, -1, -2, s), s); // [B, Hkv, G, Lq, Lk]
  if (mask) {
    array m = reshape(*mask, {B, Hkv, G, Lq, Lk}, s);
    scores = m.dtype() == bool_ ? where(m, scores, masked_score(acc), s) : add(scores, astype(m, acc, s), s);
  }
  if (causal) {
    array row = reshape(arange(0, Lq, 1, int32, s), {Lq, 1}, s);
    array col = reshape(arange(0, Lk, 1, int32, s), {1, Lk}, s);
    array keep = greater_equal(add(row, array(Lk - Lq, int32), s), col, s);
    scores = where(keep, scores, masked_score(acc), s);
  }
  if (sinks) {
    array sk = broadcast_to(reshape(astype(*sinks, acc, s), {1, Hkv, G, 1, 1}, s), {B, Hkv, G, Lq, 1}, s);
    array p = softmax(concatenate({sk, scores}, 4, s), std::vector<int>{4}, true, s);
    scores = slice(p, {0, 0, 0, 0, 1}, {B, Hkv, G, Lq, Lk + 1}, {1, 1, 1, 1, 1}, s);
  } else {
    scores = softmax(scores, std::vector<int>{4}, true, s);
  }
  array o = matmul(scores, v5, s); // [B, Hkv, G, Lq, Dv]
  return astype(reshape(o, {B, H, Lq, Dv}, s), out_dtype, s);
}

array scaled_dot_product_attention(const array& q_in, const array& k_in, const array& v_in, float scale,
                                   const std::string& mask_mode, const std::optional<array>& mask_in,
                                   const std::optional<array>& sinks_in, StreamOrDevice s) {
  if (!mask_mode.empty() && mask_mode != "causal") {
    throw std::invalid_argument(msg(kOp, "invalid mask option '", mask_mode, "'. Must be 'causal', or an array."));
  }
  for (const array* a : {&q_in, &k_in, &v_in}) {
    if (a->ndim() != 4) {
      throw std::invalid_argument(msg(kOp, "input with shape ", shape_str(a->shape()), " expected to be rank 4"));
    }
  }
  int B = q_in.shape(0), H = q_in.shape(1), Lq = q_in.shape(2);
  for (const array* a : {&k_in, &v_in}) {
    if (a->shape(0) != B) {
      throw std::invalid_argument(msg(kOp, "mismatching batch dimension for input with shape ", shape_str(a->shape()), "."));
    }
  }
  int Hkv = k_in.shape(1), Lk = k_in.shape(2);
  if (v_in.shape(1) != Hkv) {
    throw std::invalid_argument(msg(kOp, "keys, values expected to have matching n_kv_heads; found keys with n_heads ",
                                    Hkv, " for values with n_heads ", v_in.shape(1), "."));
  }
  if (Hkv == 0 ? H != 0 : H % Hkv != 0) {
    throw std::invalid_argument(msg(kOp, "n_heads must be a multiple of n_kv_heads, found n_heads ", H,
                                    " for n_kv_heads ", Hkv, "."));
  }
  if (q_in.shape(3) != k_in.shape(3)) {
    throw std::invalid_argument(msg(kOp, "query, keys expected to have matching last dimension; found query shape ",
                                    shape_str(q_in.shape()), " for keys shape ", shape_str(k_in.shape()), "."));
  }
  if (v_in.shape(2) != Lk) {
    throw std::invalid_argument(msg(kOp, "keys, values expected to have the same number of entries; found keys shape ",
                                    shape_str(k_in.shape()), " for values shape ", shape_str(v_in.shape()), "."));
  }
  Dtype dt = promote_types(promote_types(q_in.dtype(), k_in.dtype()), v_in.dtype());
  if (!is_floating_point(dt)) throw std::invalid_argument(msg(kOp, "Received unsupported type ", dtype_name(dt), "."));
  std::vector<array> inputs{astype(q_in, dt, s), astype(k_in, dt, s), astype(v_in, dt, s)};
  Shape full{B, H, Lq, Lk};
  bool has_mask = mask_in.has_value();
  if (has_mask) {
    const array& m = *mask_in;
    if (m.ndim() > 4) {
      throw std::invalid_argument(msg(kOp, "the mask with shape ", shape_str(m.shape()), " expected to have at most rank 4."));
    }
    if (m.dtype() != bool_ && promote_types(m.dtype(), dt) != dt) {
      throw std::invalid_argument(msg(kOp, "Mask type must promote to output type ", dtype_name(dt), "."));
    }
    Shape b = broadcast_shapes(m.shape(), full);
    if (b != full) {
      throw std::invalid_argument(msg(kOp, "the mask with shape ", shape_str(m.shape()),
                                      " does not broadcast to the scores' shape ", shape_str(full), "."));
    }
    inputs.push_back(broadcast_to(m.dtype() == bool_ ? m : astype(m, dt, s), full, s));
  }
  bool has_sinks = sinks_in.has_value();
  if (has_sinks) {
    const array& sk = *sinks_in;
    if (sk.ndim() != 1 || sk.shape(0) != H) {
      throw std::invalid_argument(msg(kOp, "Received invalid shape for sinks ", shape_str(sk.shape()), "."));
    }
    if (promote_types(sk.dtype(), dt) != dt) {
      throw std::invalid_argument(msg(kOp, "Type of sinks must promote to output type ", dtype_name(dt), "."));
    }
    inputs.push_back(astype(sk, dt, s));
  }
  Shape out_shape{B, H, Lq, v_in.shape(3)};
  return array(out_shape, dt,
               std::make_shared<ScaledDotProductAttention>(to_stream(s), scale, mask_mode == "causal", has_mask, has_sinks),
               std::move(inputs));
}

} // namespace mlx::core::fast
