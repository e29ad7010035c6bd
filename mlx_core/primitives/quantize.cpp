// Gradient and batching rules of the quantization primitives (written with ops).
#include "mlx_core/primitives/quantize.h"

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"
#include "mlx_core/utils.h"

namespace mlx::core {

namespace {

bool affine(const QuantParams& p) { return p.mode == QuantizationMode::Affine; }

// The raw quantized values of a packed affine matrix as floats (scale 1, bias 0).
array raw_values(const array& w, const array& scales, const QuantParams& p, Dtype dt) {
  return dequantize(w, ones_like(scales), zeros_like(scales), p.group_size, p.bits, "affine", std::nullopt, dt);
}

// g (..., rows, cols) summed over each group of the last axis: (..., rows, cols / gs).
array group_sum(const array& g, int gs) {
  Shape sh = g.shape();
  sh.back() /= gs;
  sh.push_back(gs);
  return sum(reshape(g, sh), std::vector<int>{static_cast<int>(sh.size()) - 1});
}

// Cotangents of scales and biases given the cotangent gw of the dequantized matrix.
std::pair<array, array> scale_bias_grads(const array& gw, const array& w, const array& scales, const QuantParams& p) {
  array q = raw_values(w, scales, p, gw.dtype());
  return {astype(group_sum(multiply(gw, q), p.group_size), scales.dtype()),
          astype(group_sum(gw, p.group_size), scales.dtype())};
}

[[noreturn]] void no_grad_wrt(const char* prim, const char* what) {
  throw std::runtime_error(msg("[", prim, "] No gradient with respect to ", what, "."));
}

// Moves every batched input's batch axis to the front and broadcasts the unbatched ones
// listed in `expand` along a new front axis.
std::vector<array> front_batched(const std::vector<array>& inputs, const std::vector<int>& axes,
                                 const std::vector<bool>& expand) {
  int b = detail::batch_size(inputs, axes);
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    out.push_back(axes[i] >= 0 || expand[i] ? detail::batched_at_front(inputs[i], axes[i], b) : inputs[i]);
  }
  return out;
}

} // namespace

// ---- Quantize -------------------------------------------------------------------------

std::vector<array> Quantize::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                                 const std::vector<array>&) {
  throw std::invalid_argument("[Quantize] Quantization is not differentiable; use dequantize(quantize(w)) "
                              "with stop_gradient for a straight-through estimate.");
}
std::vector<array> Quantize::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  throw std::invalid_argument("[Quantize] Quantization is not differentiable.");
}
std::pair<std::vector<array>, std::vector<int>> Quantize::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  if (inputs.size() > 1 && axes[1] >= 0) {
    throw std::invalid_argument("[Quantize] vmap over the global scale is not supported.");
  }
  array w = detail::batch_to_front(inputs[0], axes[0]);
  if (axes[0] == static_cast<int>(inputs[0].ndim()) - 1) {
    throw std::invalid_argument("[Quantize] vmap over the quantized (last) axis is not supported.");
  }
  std::optional<array> g;
  if (inputs.size() > 1) g = inputs[1];
  auto outs = quantize(w, p_.group_size, p_.bits, mode_name(p_.mode), g, stream());
  return {outs, std::vector<int>(outs.size(), 0)};
}
std::vector<Shape> Quantize::output_shapes(const std::vector<array>& inputs) {
  Shape qs = inputs[0].shape(), ss = inputs[0].shape();
  qs.back() = qs.back() * p_.bits / 32;
  ss.back() = ss.back() / p_.group_size;
  if (affine(p_)) return {qs, ss, ss};
  return {qs, ss};
}

// ---- Dequantize -----------------------------------------------------------------------

bool Dequantize::is_equivalent(const Primitive& o) const {
  auto& d = static_cast<const Dequantize&>(o);
  return p_ == d.p_ && has_biases_ == d.has_biases_ && has_global_ == d.has_global_ && dtype_ == d.dtype_;
}

std::vector<array> Dequantize::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) no_grad_wrt("Dequantize", "the quantized matrix");
    if (!affine(p_) || a > 2) no_grad_wrt("Dequantize", "the fp8/fp4 scales or the global scale");
    auto [gs, gb] = scale_bias_grads(cotangents[0], primals[0], primals[1], p_);
    out.push_back(a == 1 ? gs : gb);
  }
  return out;
}
std::vector<array> Dequantize::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                   const std::vector<int>& argnums) {
  Dtype dt = primals[1].dtype();
  std::optional<array> res;
  for (size_t i = 0; i < argnums.size(); ++i) {
    int a = argnums[i];
    if (a == 0) no_grad_wrt("Dequantize", "the quantized matrix");
    if (!affine(p_) || a > 2) no_grad_wrt("Dequantize", "the fp8/fp4 scales or the global scale");
    const array& t = tangents[i];
    array term = a == 1 ? dequantize(primals[0], t, zeros_like(t), p_.group_size, p_.bits, "affine", std::nullopt, dt)
                        : dequantize(primals[0], zeros_like(t), t, p_.group_size, p_.bits, "affine", std::nullopt, dt);
    res = res ? add(*res, term) : term;
  }
  return {*res};
}
std::pair<std::vector<array>, std::vector<int>> Dequantize::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  size_t n = inputs.size() - (has_global_ ? 1 : 0);
  std::vector<array> in(inputs.begin(), inputs.begin() + n);
  std::vector<int> ax(axes.begin(), axes.begin() + n);
  for (size_t i = 0; i < n; ++i) {
    if (ax[i] == static_cast<int>(in[i].ndim()) - 1) {
      throw std::invalid_argument("[Dequantize] vmap over the packed (last) axis is not supported.");
    }
  }
  if (has_global_ && axes.back() >= 0) throw std::invalid_argument("[Dequantize] vmap over the global scale is not supported.");
  in = front_batched(in, ax, std::vector<bool>(n, true));
  std::optional<array> b, g;
  if (has_biases_) b = in[2];
  if (has_global_) g = inputs.back();
  return {{dequantize(in[0], in[1], b, p_.group_size, p_.bits, mode_name(p_.mode), g, dtype_, stream())}, {0}};
}
std::vector<Shape> Dequantize::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs[0].shape();
  s.back() = s.back() * 32 / p_.bits;
  return {s};
}

// ---- QuantizedMatmul ------------------------------------------------------------------

bool QuantizedMatmul::is_equivalent(const Primitive& o) const {
  auto& d = static_cast<const QuantizedMatmul&>(o);
  return p_ == d.p_ && transpose_ == d.transpose_ && has_biases_ == d.has_biases_;
}

namespace {

std::optional<array> opt_biases(const std::vector<array>& in, bool has) {
  if (has) return in[3];
  return std::nullopt;
}

// sum over the leading axes of a so that it has `nd` dimensions.
array sum_leading(const array& a, int nd) {
  if (a.ndim() <= nd) return a;
  std::vector<int> axes(a.ndim() - nd);
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int>(i);
  return sum(a, axes);
}

} // namespace

std::vector<array> QuantizedMatmul::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                        const std::vector<int>& argnums, const std::vector<array>&) {
  const array& x = primals[0];
  const array& w = primals[1];
  const array& g = cotangents[0];
  auto b = opt_biases(primals, has_biases_);
  std::vector<array> out;
  std::optional<std::pair<array, array>> sb;
  for (int a : argnums) {
    if (a == 0) {
      array gx = quantized_matmul(g, w, primals[2], b, !transpose_, p_.group_size, p_.bits, mode_name(p_.mode), stream());
      out.push_back(astype(gx, x.dtype()));
    } else if (a == 1) {
      no_grad_wrt("QuantizedMatmul", "the quantized weights");
    } else {
      if (!affine(p_)) no_grad_wrt("QuantizedMatmul", "the fp8/fp4 scales");
      if (!sb) {
        Dtype dt = inexact_dtype(g.dtype());
        array xf = astype(x, dt), gf = astype(g, dt);
        // Cotangent of the dequantized matrix, summed over x's extra batch axes.
        array gw = transpose_ ? matmul(swapaxes(gf, -1, -2), xf) : matmul(swapaxes(xf, -1, -2), gf);
        gw = sum_leading(gw, w.ndim());
        sb = scale_bias_grads(gw, w, primals[2], p_);
      }
      out.push_back(a == 2 ? sb->first : sb->second);
    }
  }
  return out;
}

std::vector<array> QuantizedMatmul::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                        const std::vector<int>& argnums) {
  auto b = opt_biases(primals, has_biases_);
  std::optional<array> res;
  for (size_t i = 0; i < argnums.size(); ++i) {
    int a = argnums[i];
    array term = primals[0];
    if (a == 0) {
      term = quantized_matmul(tangents[i], primals[1], primals[2], b, transpose_, p_.group_size, p_.bits,
                              mode_name(p_.mode), stream());
    } else if (a == 1) {
      no_grad_wrt("QuantizedMatmul", "the quantized weights");
    } else {
      if (!affine(p_)) no_grad_wrt("QuantizedMatmul", "the fp8/fp4 scales");
      const array& t = tangents[i];
      Dtype dt = inexact_dtype(promote_types(primals[0].dtype(), t.dtype()));
      array wt = a == 2 ? dequantize(primals[1], t, zeros_like(t), p_.group_size, p_.bits, "affine", std::nullopt, dt)
                        : dequantize(primals[1], zeros_like(t), t, p_.group_size, p_.bits, "affine", std::nullopt, dt);
      term = matmul(astype(primals[0], dt), transpose_ ? swapaxes(wt, -1, -2) : wt);
    }
    res = res ? add(*res, term) : term;
  }
  return {*res};
}

std::pair<std::vector<array>, std::vector<int>> QuantizedMatmul::vmap(const std::vector<array>& inputs,
                                                                      const std::vector<int>& axes) {
  size_t n = inputs.size();
  for (size_t i = 1; i < n; ++i) {
    if (axes[i] >= inputs[i].ndim() - 2) {
      throw std::invalid_argument("[QuantizedMatmul] vmap over the matrix axes of the weights is not supported.");
    }
  }
  int bs = detail::batch_size(inputs, axes);
  bool xb = axes[0] >= 0, wb = false;
  for (size_t i = 1; i < n; ++i) wb |= axes[i] >= 0;
  // x with the vmapped axis in front (a batched vector becomes a one-row matrix).
  array x = xb ? moveaxis(inputs[0], axes[0], 0) : inputs[0];
  bool vec = x.ndim() - (xb ? 1 : 0) == 1;
  if (vec) x = expand_dims(x, std::vector<int>{x.ndim() - 1});
  std::vector<array> in{x};
  for (size_t i = 1; i < n; ++i) in.push_back(wb ? detail::batched_at_front(inputs[i], axes[i], bs) : inputs[i]);
  if (wb) {
    // Both carry the vmapped axis in front; pad the shorter batch with singleton axes
    // behind it so that the remaining batch axes line up.
    if (!xb) in[0] = expand_dims(in[0], std::vector<int>{0});
    int xr = in[0].ndim(), wr = in[1].ndim();
    auto pad = [](const array& a, int k) {
      Shape sh = a.shape();
      sh.insert(sh.begin() + 1, k, 1);
      return reshape(a, sh);
    };
    if (xr > wr) {
      for (size_t i = 1; i < n; ++i) in[i] = pad(in[i], xr - wr);
    } else if (wr > xr) {
      in[0] = pad(in[0], wr - xr);
    }
  }
  auto b = opt_biases(in, has_biases_);
  array out = quantized_matmul(in[0], in[1], in[2], b, transpose_, p_.group_size, p_.bits, mode_name(p_.mode), stream());
  if (vec) out = squeeze(out, std::vector<int>{out.ndim() - 2});
  return {{out}, {0}};
}

std::vector<Shape> QuantizedMatmul::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs[0].shape();
  const array& w = inputs[1];
  s.back() = transpose_ ? w.shape()[w.ndim() - 2] : w.shape().back() * 32 / p_.bits;
  return {s};
}

// ---- GatherQMM ------------------------------------------------------------------------

bool GatherQMM::is_equivalent(const Primitive& o) const {
  auto& d = static_cast<const GatherQMM&>(o);
  return p_ == d.p_ && transpose_ == d.transpose_ && has_biases_ == d.has_biases_;
}

std::vector<array> GatherQMM::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums, const std::vector<array>&) {
  const array& x = primals[0];
  const array& w = primals[1];
  const array& g = cotangents[0];
  size_t ni = primals.size();
  const array& li = primals[ni - 2];
  const array& ri = primals[ni - 1];
  auto b = opt_biases(primals, has_biases_);
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      // Each output's x-cotangent, added into the x matrix it came from.
      Shape ishape = li.shape();
      int64_t cnt = li.size();
      array flat_g = reshape(g, {static_cast<ShapeElem>(cnt), g.shape()[g.ndim() - 2], g.shape().back()});
      array pos = arange(0.0, double(cnt), 1.0, uint32);
      array gx = gather_qmm(flat_g, w, primals[2], b, pos, flatten(ri), !transpose_, p_.group_size, p_.bits,
                            mode_name(p_.mode));
      int64_t xb = 1;
      for (int d = 0; d < x.ndim() - 2; ++d) xb *= x.shape()[d];
      Shape xf{static_cast<ShapeElem>(xb), x.shape()[x.ndim() - 2], x.shape().back()};
      array acc = zeros(xf, gx.dtype());
      Shape upd = gx.shape();
      upd.insert(upd.begin() + 1, 1);
      acc = scatter(acc, {flatten(li)}, reshape(gx, upd), {0}, ScatterReduce::Add);
      out.push_back(astype(reshape(acc, x.shape()), x.dtype()));
    } else if (a == 1 || a >= static_cast<int>(ni) - 2) {
      no_grad_wrt("GatherQMM", a == 1 ? "the quantized weights" : "the indices");
    } else {
      if (!affine(p_)) no_grad_wrt("GatherQMM", "the fp8/fp4 scales");
      // The cotangent of each gathered weight matrix, added into w's batch positions.
      int64_t cnt = li.size();
      Dtype dt = inexact_dtype(g.dtype());
      array xs = take(reshape(astype(x, dt), {-1, x.shape()[x.ndim() - 2], x.shape().back()}), flatten(li), 0);
      array gs = reshape(astype(g, dt), {static_cast<ShapeElem>(cnt), g.shape()[g.ndim() - 2], g.shape().back()});
      array gw = transpose_ ? matmul(swapaxes(gs, -1, -2), xs) : matmul(swapaxes(xs, -1, -2), gs);
      int64_t wb = 1;
      for (int d = 0; d < w.ndim() - 2; ++d) wb *= w.shape()[d];
      Shape wf{static_cast<ShapeElem>(wb), gw.shape()[1], gw.shape()[2]};
      array acc = zeros(wf, gw.dtype());
      Shape upd = gw.shape();
      upd.insert(upd.begin() + 1, 1);
      acc = scatter(acc, {flatten(ri)}, reshape(gw, upd), {0}, ScatterReduce::Add);
      Shape wfull = w.shape();
      wfull.back() = static_cast<ShapeElem>(gw.shape()[2]);
      auto [gsc, gbi] = scale_bias_grads(reshape(acc, wfull), w, primals[2], p_);
      out.push_back(a == 2 ? gsc : gbi);
    }
  }
  return out;
}

std::vector<array> GatherQMM::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>& argnums) {
  size_t ni = primals.size();
  auto b = opt_biases(primals, has_biases_);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] != 0) no_grad_wrt("GatherQMM", "anything but x (forward mode)");
  }
  return {gather_qmm(tangents[0], primals[1], primals[2], b, primals[ni - 2], primals[ni - 1], transpose_,
                     p_.group_size, p_.bits, mode_name(p_.mode))};
}

std::pair<std::vector<array>, std::vector<int>> GatherQMM::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  // A batched call is one gather over a larger index set: fold the vmapped axis into the
  // batch dimensions of x and w and offset the indices accordingly.
  size_t ni = inputs.size();
  int bs = detail::batch_size(inputs, axes);
  for (size_t i = 0; i + 2 < ni; ++i) {
    if (axes[i] >= inputs[i].ndim() - 2) {
      throw std::invalid_argument("[GatherQMM] vmap over a matrix axis is not supported.");
    }
  }
  auto fold = [&](const array& a, int ax, array& idx_off) {
    // a with the vmapped axis in front, its batch flattened: (bs or 1, count, r, c).
    array f = detail::batch_to_front(a, ax);
    int lead = ax >= 0 ? 1 : 0;
    int64_t c = 1;
    for (int d = lead; d < f.ndim() - 2; ++d) c *= f.shape()[d];
    Shape sh{ax >= 0 ? f.shape()[0] : 1, static_cast<ShapeElem>(c), f.shape()[f.ndim() - 2], f.shape().back()};
    f = reshape(f, sh);
    idx_off = ax >= 0 ? multiply(arange(0.0, double(bs), 1.0, uint32), array(static_cast<uint32_t>(c))) : array(0u, uint32);
    return reshape(f, {-1, sh[2], sh[3]});
  };
  array lo = array(0u, uint32), ro = array(0u, uint32);
  array x = fold(inputs[0], axes[0], lo);
  std::vector<array> ws;
  array dummy = array(0u, uint32);
  for (size_t i = 1; i + 2 < ni; ++i) ws.push_back(fold(inputs[i], axes[i], i == 1 ? ro : dummy));
  bool w_batched = false;
  for (size_t i = 1; i + 2 < ni; ++i) w_batched |= axes[i] >= 0;
  if (w_batched) {
    for (size_t i = 1; i + 2 < ni; ++i) {
      if (axes[i] < 0) throw std::invalid_argument("[GatherQMM] vmap needs w, scales and biases batched together.");
    }
  }
  array li = detail::batched_at_front(inputs[ni - 2], axes[ni - 2], bs);
  array ri = detail::batched_at_front(inputs[ni - 1], axes[ni - 1], bs);
  Shape off_shape(li.ndim(), 1);
  off_shape[0] = -1;
  li = add(li, reshape(lo, lo.ndim() ? off_shape : Shape{}));
  ri = add(ri, reshape(ro, ro.ndim() ? off_shape : Shape{}));
  std::optional<array> b;
  if (has_biases_) b = ws[2];
  return {{gather_qmm(x, ws[0], ws[1], b, li, ri, transpose_, p_.group_size, p_.bits, mode_name(p_.mode))}, {0}};
}

std::vector<Shape> GatherQMM::output_shapes(const std::vector<array>& inputs) {
  size_t ni = inputs.size();
  Shape s = inputs[ni - 1].shape();
  const array& x = inputs[0];
  const array& w = inputs[1];
  s.push_back(x.shape()[x.ndim() - 2]);
  s.push_back(transpose_ ? w.shape()[w.ndim() - 2] : w.shape().back() * 32 / p_.bits);
  return {s};
}

} // namespace mlx::core
