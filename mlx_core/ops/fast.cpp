#include "mlx_core/ops/fast.h"

#include <stdexcept>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/fast.h"
#include "mlx_core/utils.h"

namespace mlx::core::fast {

namespace {

// Checks a norm's weight or bias: 1-d with the size of x's last axis.
void check_norm_param(const array& p, const array& x, const char* op, const char* what) {
  if (p.ndim() != 1)
    throw std::invalid_argument(msg("[", op, "] ", what, " must have 1 dimension but has ", p.ndim(), " dimensions."));
  if (p.shape(0) != x.shape(-1))
    throw std::invalid_argument(msg("[", op, "] ", what, " must have the same size as the last dimension of x but has ",
                                    p.size(), " elements."));
}

void check_norm_input(const array& x, const char* op) {
  if (x.ndim() == 0)
    throw std::invalid_argument(
        msg("[", op, "] Input must have at least 1 dimension but got input with 0 dimensions."));
}

void check_norm_dtype(Dtype t, const char* op) {
  if (!is_floating_point(t)) throw std::invalid_argument(msg("[", op, "] Received unsupported type ", dtype_name(t), "."));
}

} // namespace

array rms_norm(const array& x, const std::optional<array>& weight, float eps, StreamOrDevice s) {
  const char* op = "rms_norm";
  check_norm_input(x, op);
  Dtype t = x.dtype();
  if (weight) {
    check_norm_param(*weight, x, op, "(*weight)");
    t = promote_types(t, weight->dtype());
  }
  check_norm_dtype(t, op);
  std::vector<array> inputs{astype(x, t, s)};
  if (weight) inputs.push_back(astype(*weight, t, s));
  return array(x.shape(), t, std::make_shared<RMSNorm>(to_stream(s), eps, weight.has_value()), std::move(inputs));
}

array layer_norm(const array& x, const std::optional<array>& weight, const std::optional<array>& bias, float eps,
                 StreamOrDevice s) {
  const char* op = "layer_norm";
  check_norm_input(x, op);
  Dtype t = x.dtype();
  if (weight) {
    check_norm_param(*weight, x, op, "weight");
    t = promote_types(t, weight->dtype());
  }
  if (bias) {
    check_norm_param(*bias, x, op, "bias");
    t = promote_types(t, bias->dtype());
  }
  check_norm_dtype(t, op);
  std::vector<array> inputs{astype(x, t, s)};
  if (weight) inputs.push_back(astype(*weight, t, s));
  if (bias) inputs.push_back(astype(*bias, t, s));
  return array(x.shape(), t,
               std::make_shared<LayerNorm>(to_stream(s), eps, weight.has_value(), bias.has_value()),
               std::move(inputs));
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, const array& offset,
           const std::optional<array>& freqs, StreamOrDevice s) {
  if (x.ndim() < 3)
    throw std::invalid_argument(
        msg("[rope] Input must have at least 3 dimensions but got input with ", x.ndim(), " dimensions."));
  if (!is_floating_point(x.dtype()))
    throw std::invalid_argument(msg("[rope] Input must be a floating type but got ", dtype_name(x.dtype()), "."));
  if (dims <= 0) throw std::invalid_argument(msg("[rope] dims must be positive but got ", dims, "."));
  if (dims % 2 != 0) throw std::invalid_argument(msg("[rope] dims must be even but got ", dims, "."));
  if (dims > x.shape(-1))
    throw std::invalid_argument(
        msg("[rope] dims must not exceed the input's last dimension (", x.shape(-1), ") but got ", dims, "."));
  if (!base && !freqs) throw std::invalid_argument("[rope] Neither base nor freqs has a value.");
  if (base && freqs) throw std::invalid_argument("[rope] Only one of base or freqs can have a value.");
  if (freqs && (freqs->ndim() != 1 || freqs->shape(0) != dims / 2))
    throw std::invalid_argument(msg("[rope] freqs must be one dimensional with size ", dims / 2, " but got shape ",
                                    shape_str(freqs->shape()), "."));
  if (freqs && !is_floating_point(inexact_dtype(freqs->dtype())))
    throw std::invalid_argument(msg("[rope] freqs must be real but got ", dtype_name(freqs->dtype()), "."));
  if (!is_integral(offset.dtype()))
    throw std::invalid_argument(msg("[rope] offset must be an integer but got type ", dtype_name(offset.dtype()), "."));
  if (offset.ndim() > 1)
    throw std::invalid_argument(
        msg("[rope] offset must have at most one dimension but has shape ", shape_str(offset.shape()), "."));
  if (offset.ndim() == 1 && offset.shape(0) != x.shape(0))
    throw std::invalid_argument(msg("[rope] offset must be a scalar or vector with ", x.shape(0),
                                    " elements but has shape ", shape_str(offset.shape()), "."));
  std::vector<array> inputs{x, astype(offset, int64, s)};
  if (freqs) inputs.push_back(astype(*freqs, float32, s));
  return array(x.shape(), x.dtype(),
               std::make_shared<RoPE>(to_stream(s), dims, traditional, base.value_or(0.0f), scale, freqs.has_value()),
               std::move(inputs));
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, int offset,
           const std::optional<array>& freqs, StreamOrDevice s) {
  return rope(x, dims, traditional, base, scale, array(static_cast<int64_t>(offset)), freqs, s);
}

array cross_entropy(const array& logits, const array& targets, StreamOrDevice s) {
  if (logits.ndim() == 0)
    throw std::invalid_argument(
        "[cross_entropy] logits must have at least 1 dimension but got input with 0 dimensions.");
  if (!is_floating_point(logits.dtype()))
    throw std::invalid_argument(
        msg("[cross_entropy] Received unsupported logits type ", dtype_name(logits.dtype()), "."));
  if (!is_integral(targets.dtype()))
    throw std::invalid_argument(
        msg("[cross_entropy] targets must be integer class indices but got ", dtype_name(targets.dtype()), "."));
  Shape rows(logits.shape().begin(), logits.shape().end() - 1);
  if (targets.shape() != rows)
    throw std::invalid_argument(msg("[cross_entropy] targets shape ", shape_str(targets.shape()),
                                    " does not match logits shape ", shape_str(logits.shape()),
                                    " with the last axis removed."));
  if (logits.shape(-1) == 0 && targets.size() > 0)
    throw std::invalid_argument("[cross_entropy] logits have an empty last axis: there is no class to pick.");
  return array(rows, float32, std::make_shared<CrossEntropy>(to_stream(s)), {logits, astype(targets, int64, s)});
}

std::vector<array> gated_delta_update(const array& q, const array& k, const array& v, const array& gamma,
                                      const array& beta, const std::optional<array>& initial_state,
                                      const std::optional<array>& mask, StreamOrDevice s) {
  auto bad = [](auto... parts) { return std::invalid_argument(msg("[gated_delta_update] ", parts...)); };
  if (q.ndim() != 4) throw bad("q must have shape (B, T, Hk, Dk) but has shape ", shape_str(q.shape()), ".");
  if (k.shape() != q.shape())
    throw bad("k must have the shape of q ", shape_str(q.shape()), " but has shape ", shape_str(k.shape()), ".");
  int B = q.shape(0), T = q.shape(1), Hk = q.shape(2), Dk = q.shape(3);
  if (v.ndim() != 4 || v.shape(0) != B || v.shape(1) != T)
    throw bad("v must have shape (", B, ", ", T, ", Hv, Dv) but has shape ", shape_str(v.shape()), ".");
  int Hv = v.shape(2), Dv = v.shape(3);
  if (Hk == 0 || Hv % Hk != 0)
    throw bad("the value heads (", Hv, ") must be a multiple of the key heads (", Hk, ").");
  Shape bth{B, T, Hv};
  bool lead_ok = gamma.ndim() >= 3 && gamma.shape(0) == B && gamma.shape(1) == T && gamma.shape(2) == Hv;
  bool per_dim = lead_ok && gamma.ndim() == 4 && gamma.shape(3) == Dk && Dk != 1;
  if (!lead_ok || !(gamma.ndim() == 3 || per_dim || (gamma.ndim() == 4 && gamma.shape(3) == 1)))
    throw bad("gamma must have shape ", shape_str(bth), " or ", shape_str({B, T, Hv, Dk}), " but has shape ",
              shape_str(gamma.shape()), ".");
  if (beta.shape() != bth)
    throw bad("beta must have shape ", shape_str(bth), " but has shape ", shape_str(beta.shape()), ".");
  Dtype common = q.dtype();
  for (const array* a : {&k, &v, &gamma, &beta}) common = promote_types(common, a->dtype());
  if (initial_state) common = promote_types(common, initial_state->dtype());
  if (is_complex(common)) throw bad("complex inputs are not supported.");
  Dtype acc = common == float64 ? float64 : float32;
  Dtype out_t = inexact_dtype(promote_types(promote_types(q.dtype(), k.dtype()), v.dtype()));
  Shape sshape{B, Hv, Dv, Dk};
  array state = zeros(sshape, acc, s);
  if (initial_state) {
    if (initial_state->ndim() != 4)
      throw bad("initial_state must have shape ", shape_str(sshape), " but has shape ",
                shape_str(initial_state->shape()), ".");
    for (int i = 0; i < 4; ++i) {
      if (initial_state->shape(i) != sshape[i] && initial_state->shape(i) != 1)
        throw bad("initial_state must have shape ", shape_str(sshape), " but has shape ",
                  shape_str(initial_state->shape()), ".");
    }
    state = broadcast_to(astype(*initial_state, acc, s), sshape, s);
  }
  array g = per_dim ? gamma : reshape(gamma, bth, s);
  std::vector<array> inputs{astype(q, acc, s), astype(k, acc, s), astype(v, acc, s), astype(g, acc, s),
                            astype(beta, acc, s), state};
  if (mask) {
    if (mask->ndim() > 2 || is_complex(mask->dtype()))
      throw bad("mask must have shape ", shape_str({B, T}), " but has shape ", shape_str(mask->shape()), ".");
    array m = mask->dtype() == bool_ ? *mask : not_equal(*mask, array(0, mask->dtype()), s);
    Shape bt{B, T};
    try {
      m = broadcast_to(m, bt, s);
    } catch (const std::invalid_argument&) {
      throw bad("mask must have shape ", shape_str(bt), " but has shape ", shape_str(mask->shape()), ".");
    }
    inputs.push_back(m);
  }
  auto outs = array::make_arrays({{B, T, Hv, Dv}, sshape}, {acc, acc},
                                 std::make_shared<GatedDelta>(to_stream(s), mask.has_value()), inputs);
  return {astype(outs[0], out_t, s), outs[1]};
}

} // namespace mlx::core::fast
