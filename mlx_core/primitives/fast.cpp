// Gradient and batching rules of the mx.fast primitives (written with ops).
#include "mlx_core/primitives/fast.h"

#include <stdexcept>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/ops/math.h"
#include "mlx_core/ops/softmax.h"
#include "mlx_core/primitives/batching.h"
#include "mlx_core/transforms.h"

namespace mlx::core {

namespace {

std::vector<int> last_axis(const array& x) { return {x.ndim() - 1}; }

// `s` with its last dimension replaced by n.
Shape concat_last(Shape s, int n) {
  s.back() = n;
  return s;
}
array mean_last(const array& x) { return mean(x, last_axis(x), true); }

// Sums a (..., n) gradient over every axis but the last: the gradient of a 1-d parameter.
array sum_to_last(const array& g) {
  std::vector<int> axes;
  for (int i = 0; i < g.ndim() - 1; ++i) axes.push_back(i);
  return axes.empty() ? g : sum(g, axes, false);
}

// Half precision computes its gradients in float32.
Dtype grad_dtype(Dtype d) { return d == float64 ? float64 : float32; }

// A 1-d parameter (n,), batched along `axis` (or not), shaped to multiply x (V, ..., n).
array param_for(const array& p, int axis, int batch, int ndim) {
  array b = detail::batched_at_front(p, axis, batch);
  Shape s(ndim, 1);
  s.front() = batch;
  s.back() = b.shape(-1);
  return reshape(b, s);
}

// (x - mean) * rsqrt(var + eps), or x * rsqrt(mean(x^2) + eps) when `center` is false,
// and the rsqrt factor.
std::pair<array, array> normalized(const array& x, float eps, bool center) {
  array xc = center ? subtract(x, mean_last(x)) : x;
  array r = rsqrt(add(mean_last(square(xc)), array(eps, x.dtype())));
  return {multiply(xc, r), r};
}

} // namespace

// ---- RMSNorm / LayerNorm ----------------------------------------------------------------
// With xhat = normalized x and g' = g * w: dx = r * (g' - [mean(g')] - xhat * mean(g' * xhat)),
// the bracket for layer_norm only; dw = sum(g * xhat); db = sum(g).

namespace {

std::vector<array> norm_vjp(const std::vector<array>& primals, const array& cot, const std::vector<int>& argnums,
                            float eps, bool center, bool has_weight) {
  Dtype ct = grad_dtype(primals[0].dtype());
  array x = astype(primals[0], ct);
  array g = astype(cot, ct);
  auto [xhat, r] = normalized(x, eps, center);
  std::vector<array> out;
  for (int a : argnums) {
    Dtype pt = primals[a].dtype();
    if (a == 0) {
      array gw = has_weight ? multiply(g, astype(primals[1], ct)) : g;
      array inner = multiply(xhat, mean_last(multiply(gw, xhat)));
      if (center) inner = add(inner, mean_last(gw));
      out.push_back(astype(multiply(r, subtract(gw, inner)), pt));
    } else if (a == 1 && has_weight) {
      out.push_back(astype(sum_to_last(multiply(g, xhat)), pt));
    } else {
      out.push_back(astype(sum_to_last(g), pt)); // the bias
    }
  }
  return out;
}

array norm_jvp(const std::vector<array>& primals, const std::vector<array>& tangents, const std::vector<int>& argnums,
               float eps, bool center, bool has_weight) {
  Dtype ct = grad_dtype(primals[0].dtype());
  array x = astype(primals[0], ct);
  auto [xhat, r] = normalized(x, eps, center);
  std::optional<array> total;
  auto acc = [&](array t) { total = total ? add(*total, t) : t; };
  for (size_t i = 0; i < argnums.size(); ++i) {
    array t = astype(tangents[i], ct);
    int a = argnums[i];
    if (a == 0) {
      array inner = multiply(xhat, mean_last(multiply(xhat, t)));
      if (center) inner = add(inner, mean_last(t));
      array d = multiply(r, subtract(t, inner));
      acc(has_weight ? multiply(d, astype(primals[1], ct)) : d);
    } else if (a == 1 && has_weight) {
      acc(multiply(xhat, t));
    } else {
      acc(broadcast_to(t, x.shape()));
    }
  }
  return astype(*total, primals[0].dtype());
}

} // namespace

bool RMSNorm::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const RMSNorm&>(o);
  return eps_ == p.eps_ && has_weight_ == p.has_weight_;
}

std::vector<array> RMSNorm::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  return norm_vjp(primals, cotangents[0], argnums, eps_, false, has_weight_);
}

std::vector<array> RMSNorm::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  return {norm_jvp(primals, tangents, argnums, eps_, false, has_weight_)};
}

std::pair<std::vector<array>, std::vector<int>> RMSNorm::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  array x = detail::batched_at_front(inputs[0], axes[0], batch);
  bool params_batched = has_weight_ && axes[1] >= 0;
  std::vector<array> in{x};
  if (has_weight_ && !params_batched) in.push_back(inputs[1]);
  array y(x.shape(), x.dtype(), std::make_shared<RMSNorm>(stream(), eps_, has_weight_ && !params_batched), in);
  if (params_batched) y = multiply(y, param_for(inputs[1], axes[1], batch, x.ndim()));
  return {{y}, {0}};
}

bool LayerNorm::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const LayerNorm&>(o);
  return eps_ == p.eps_ && has_weight_ == p.has_weight_ && has_bias_ == p.has_bias_;
}

std::vector<array> LayerNorm::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums, const std::vector<array>&) {
  return norm_vjp(primals, cotangents[0], argnums, eps_, true, has_weight_);
}

std::vector<array> LayerNorm::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>& argnums) {
  return {norm_jvp(primals, tangents, argnums, eps_, true, has_weight_)};
}

std::pair<std::vector<array>, std::vector<int>> LayerNorm::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  array x = detail::batched_at_front(inputs[0], axes[0], batch);
  bool params_batched = false;
  for (size_t i = 1; i < inputs.size(); ++i) params_batched |= axes[i] >= 0;
  if (!params_batched) {
    std::vector<array> in(inputs.begin(), inputs.end());
    in[0] = x;
    return {{array(x.shape(), x.dtype(), std::make_shared<LayerNorm>(stream(), eps_, has_weight_, has_bias_), in)},
            {0}};
  }
  array y(x.shape(), x.dtype(), std::make_shared<LayerNorm>(stream(), eps_, false, false), {x});
  size_t i = 1;
  if (has_weight_) y = multiply(y, param_for(inputs[i], axes[i], batch, x.ndim())), ++i;
  if (has_bias_) y = add(y, param_for(inputs[i], axes[i], batch, x.ndim()));
  return {{y}, {0}};
}

// ---- RoPE -------------------------------------------------------------------------------
// A rotation by angles linear in `scale`: its transpose is the rotation with -scale.

bool RoPE::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const RoPE&>(o);
  return dims_ == p.dims_ && traditional_ == p.traditional_ && base_ == p.base_ && scale_ == p.scale_ &&
         has_freqs_ == p.has_freqs_;
}

namespace {

// The two halves of the rotated features: (x[2i], x[2i+1]) or (x[i], x[i + dims/2]).
std::pair<array, array> rope_halves(const array& y, int dims, bool traditional) {
  int nd = y.ndim();
  Shape start(nd, 0), stop = y.shape(), step(nd, 1);
  auto part = [&](int b, int e, int st) {
    Shape a = start, z = stop, k = step;
    a.back() = b, z.back() = e, k.back() = st;
    return slice(y, a, z, k);
  };
  if (traditional) return {part(0, dims, 2), part(1, dims, 2)};
  return {part(0, dims / 2, 1), part(dims / 2, dims, 1)};
}

// d theta / d freqs up to the frequency's own factor: -(offset + t) * scale, shaped to
// multiply a (B, *, T, dims/2) half.
array rope_dtheta(const array& x, const array& offset, float scale, Dtype ct) {
  int nd = x.ndim();
  int T = x.shape(-2);
  Shape pshape(nd, 1);
  pshape[nd - 2] = T;
  array pos = reshape(arange(0, T, 1, ct), pshape);
  if (offset.ndim() == 0) {
    pos = add(pos, astype(offset, ct));
  } else {
    Shape oshape(nd, 1);
    oshape[0] = offset.shape(0);
    pos = add(pos, reshape(astype(offset, ct), oshape));
  }
  return multiply(pos, array(-static_cast<double>(scale), ct));
}

} // namespace

// With y the output and theta_i = pos * scale / freqs_i: dy1/dtheta = -y2, dy2/dtheta = y1.
std::vector<array> RoPE::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>& argnums, const std::vector<array>& outputs) {
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      std::vector<array> in(primals.begin(), primals.end());
      in[0] = cotangents[0];
      out.push_back(array(cotangents[0].shape(), cotangents[0].dtype(),
                          std::make_shared<RoPE>(stream(), dims_, traditional_, base_, -scale_, has_freqs_), in));
    } else if (a == 1) {
      throw std::invalid_argument("[rope] Cannot calculate the gradient with respect to the integer offset.");
    } else {
      Dtype ct = grad_dtype(primals[0].dtype());
      auto [y1, y2] = rope_halves(astype(outputs[0], ct), dims_, traditional_);
      auto [g1, g2] = rope_halves(astype(cotangents[0], ct), dims_, traditional_);
      array d = multiply(subtract(multiply(g2, y1), multiply(g1, y2)), rope_dtheta(primals[0], primals[1], scale_, ct));
      std::vector<int> axes;
      for (int i = 0; i < d.ndim() - 1; ++i) axes.push_back(i);
      array f = astype(primals[2], ct);
      out.push_back(astype(divide(sum(d, axes), square(f)), primals[2].dtype()));
    }
  }
  return out;
}

std::vector<array> RoPE::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>& argnums) {
  std::optional<array> out;
  auto acc = [&](const array& t) { out = out ? add(*out, t) : t; };
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      std::vector<array> in(primals.begin(), primals.end());
      in[0] = tangents[i];
      acc(array(primals[0].shape(), primals[0].dtype(),
                std::make_shared<RoPE>(stream(), dims_, traditional_, base_, scale_, has_freqs_), in));
    } else if (argnums[i] == 2) {
      // d theta = -pos * scale * dfreqs / freqs^2; dy1 = -y2 d theta, dy2 = y1 d theta.
      array y(primals[0].shape(), primals[0].dtype(),
              std::make_shared<RoPE>(stream(), dims_, traditional_, base_, scale_, has_freqs_), primals);
      Dtype ct = grad_dtype(primals[0].dtype());
      auto [y1, y2] = rope_halves(astype(y, ct), dims_, traditional_);
      array f = astype(primals[2], ct);
      array dth = multiply(rope_dtheta(primals[0], primals[1], scale_, ct), divide(astype(tangents[i], ct), square(f)));
      array d1 = negative(multiply(y2, dth)), d2 = multiply(y1, dth);
      array rot = traditional_ ? reshape(stack({d1, d2}, -1), concat_last(d1.shape(), dims_))
                               : concatenate({d1, d2}, -1);
      int rest = primals[0].shape(-1) - dims_;
      if (rest > 0) {
        Shape zs = rot.shape();
        zs.back() = rest;
        rot = concatenate({rot, zeros(zs, ct)}, -1);
      }
      acc(astype(rot, primals[0].dtype()));
    }
  }
  return {out ? *out : zeros_like(primals[0])};
}

std::pair<std::vector<array>, std::vector<int>> RoPE::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  if (has_freqs_ && axes[2] >= 0) throw std::invalid_argument("[rope] vmap over freqs is not supported.");
  auto make = [&](const array& x, const array& offset) {
    std::vector<array> in(inputs.begin(), inputs.end());
    in[0] = x;
    in[1] = offset;
    return array(x.shape(), x.dtype(), std::make_shared<RoPE>(stream(), dims_, traditional_, base_, scale_, has_freqs_),
                 in);
  };
  if (axes[1] < 0) {
    // The batch axis goes right after rope's own batch axis: positions stay along axis -2.
    return {{make(moveaxis(inputs[0], axes[0], 1), inputs[1])}, {1}};
  }
  // Batched offsets: merge the vmap axis into rope's batch axis, one offset per entry.
  int V = detail::batch_size(inputs, axes);
  array x = detail::batched_at_front(inputs[0], axes[0], V); // (V, B, ..., T, D)
  int B = x.shape(1);
  array off = detail::batch_to_front(inputs[1], axes[1]);     // (V,) or (V, B)
  off = broadcast_to(off.ndim() == 1 ? reshape(off, {V, 1}) : off, {V, B});
  Shape merged(x.shape().begin() + 1, x.shape().end());
  merged[0] = V * B;
  array y = make(reshape(x, merged), reshape(off, {V * B}));
  return {{reshape(y, x.shape())}, {0}};
}

// ---- CrossEntropy -----------------------------------------------------------------------
// d loss / d logits = softmax(logits) - onehot(target).

namespace {

array softmax_minus_onehot(const array& logits, const array& targets) {
  Dtype ct = grad_dtype(logits.dtype());
  int c = logits.shape(-1);
  array t = where(less(targets, array(int64_t(0))), add(targets, array(int64_t(c))), targets);
  array onehot = equal(arange(0, c, 1, int64), expand_dims(t, {-1}));
  return subtract(softmax(astype(logits, ct), std::vector<int>{logits.ndim() - 1}), astype(onehot, ct));
}

} // namespace

std::vector<array> CrossEntropy::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                     const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      array d = softmax_minus_onehot(primals[0], primals[1]);
      out.push_back(astype(multiply(expand_dims(astype(cotangents[0], d.dtype()), {-1}), d), primals[0].dtype()));
    } else {
      throw std::invalid_argument("[cross_entropy] Cannot calculate the gradient with respect to the integer targets.");
    }
  }
  return out;
}

std::vector<array> CrossEntropy::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                     const std::vector<int>& argnums) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] != 0) continue;
    array d = softmax_minus_onehot(primals[0], primals[1]);
    return {astype(sum(multiply(d, astype(tangents[i], d.dtype())), std::vector<int>{d.ndim() - 1}), float32)};
  }
  return {zeros(primals[1].shape(), float32)};
}

std::pair<std::vector<array>, std::vector<int>> CrossEntropy::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  array l = detail::batched_at_front(inputs[0], axes[0], batch);
  array t = detail::batched_at_front(inputs[1], axes[1], batch);
  return {{array(t.shape(), float32, std::make_shared<CrossEntropy>(stream()), {l, t})}, {0}};
}

// ---- GatedDelta -------------------------------------------------------------------------
// The derivatives are those of the same recurrence written with ops (the kernel runs
// forward only).

namespace {

// The recurrence with ops over primals {q, k, v, gamma, beta, state}; `mask` (B, T) or none.
std::vector<array> gated_delta_ops(const std::vector<array>& p, const std::optional<array>& mask) {
  const array &q = p[0], &k = p[1], &v = p[2], &gamma = p[3], &beta = p[4];
  int T = q.shape(1), Hk = q.shape(2), Hv = v.shape(2);
  bool per_dim = gamma.ndim() == 4;
  array state = p[5];
  std::vector<array> outs;
  auto step = [&](const array& a, int t) {
    Shape start(a.ndim(), 0), stop = a.shape(), strides(a.ndim(), 1);
    start[1] = t;
    stop[1] = t + 1;
    return squeeze(slice(a, start, stop, strides), {1});
  };
  for (int t = 0; t < T; ++t) {
    array qt = repeat(step(q, t), Hv / Hk, 1), kt = repeat(step(k, t), Hv / Hk, 1); // (B, Hv, Dk)
    array gt = per_dim ? expand_dims(step(gamma, t), {2}) : expand_dims(step(gamma, t), {2, 3});
    array a = multiply(state, gt);                                        // (B, Hv, Dv, Dk)
    array kv = matmul(a, expand_dims(kt, {-1}));                          // (B, Hv, Dv, 1)
    array d = multiply(subtract(expand_dims(step(v, t), {-1}), kv), expand_dims(step(beta, t), {2, 3}));
    array sn = add(a, multiply(d, expand_dims(kt, {2})));
    array o = squeeze(matmul(sn, expand_dims(qt, {-1})), {-1});          // (B, Hv, Dv)
    if (mask) {
      array mt = step(*mask, t);
      state = where(expand_dims(mt, {1, 2, 3}), sn, state);
      o = where(expand_dims(mt, {1, 2}), o, zeros_like(o));
    } else {
      state = sn;
    }
    outs.push_back(o);
  }
  Shape oshape{q.shape(0), 0, Hv, v.shape(3)};
  array out = T > 0 ? stack(outs, 1) : zeros(oshape, q.dtype());
  return {out, state};
}

} // namespace

std::vector<Shape> GatedDelta::output_shapes(const std::vector<array>& inputs) {
  const array &q = inputs[0], &v = inputs[2];
  return {{q.shape(0), q.shape(1), v.shape(2), v.shape(3)}, inputs[5].shape()};
}

std::vector<array> GatedDelta::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums, const std::vector<array>&) {
  std::optional<array> mask;
  if (has_mask_) mask = primals[6];
  std::vector<array> p(primals.begin(), primals.begin() + 6);
  auto [outs, grads] = core::vjp([&](const std::vector<array>& in) { return gated_delta_ops(in, mask); }, p,
                                 cotangents);
  std::vector<array> r;
  for (int a : argnums) r.push_back(a < 6 ? grads[a] : zeros_like(primals[a]));
  return r;
}

std::vector<array> GatedDelta::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                   const std::vector<int>& argnums) {
  std::optional<array> mask;
  if (has_mask_) mask = primals[6];
  std::vector<array> p(primals.begin(), primals.begin() + 6), t;
  for (const array& a : p) t.push_back(zeros_like(a));
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] < 6) t[argnums[i]] = tangents[i];
  }
  return core::jvp([&](const std::vector<array>& in) { return gated_delta_ops(in, mask); }, p, t).second;
}

std::pair<std::vector<array>, std::vector<int>> GatedDelta::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  std::vector<array> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    array a = detail::batched_at_front(inputs[i], axes[i], batch);
    Shape merged(a.shape().begin() + 1, a.shape().end());
    merged[0] *= batch;
    in.push_back(reshape(a, merged));
  }
  auto shapes = output_shapes(in);
  auto outs = array::make_arrays(shapes, {inputs[0].dtype(), inputs[5].dtype()},
                                 std::make_shared<GatedDelta>(stream(), has_mask_), in);
  for (auto& o : outs) {
    Shape s = o.shape();
    s[0] /= batch;
    s.insert(s.begin(), batch);
    o = reshape(o, s);
  }
  return {outs, {0, 0}};
}

} // namespace mlx::core
