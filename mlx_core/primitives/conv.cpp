// Gradient and batching rules of Convolution, written with the conv ops themselves: the
// input gradient is a transposed convolution of the cotangent; the weight gradient is a
// ConvWeightGrad node (a GEMM kernel over the rows; its own rules are written with conv ops),
// or for depthwise convolutions a convolution of the input with the cotangent.
#include "mlx_core/primitives/conv.h"

#include <numeric>

#include "mlx_core/ops.h"
#include "mlx_core/ops/conv.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

namespace {

array make_conv(const array& x, const array& w, const ConvParams& p, const Stream& s) {
  return conv_general(x, w, p.stride, p.pad_lo, p.pad_hi, p.kernel_dilation, p.input_dilation, p.groups, p.flip, s);
}

// Per group, swaps a weight's output and input channels: (G*Co, K..., Ci) -> (G*Ci, K..., Co).
array swap_weight_channels(const array& w, int groups) {
  int nd = w.ndim();
  Shape sh = w.shape();
  int co = sh[0] / groups, ci = sh[nd - 1];
  Shape split{groups, co};
  split.insert(split.end(), sh.begin() + 1, sh.end());
  array t = reshape(w, split);
  std::vector<int> perm{0, nd};
  for (int i = 2; i < nd; ++i) perm.push_back(i);
  perm.push_back(1);
  t = transpose(t, perm);
  Shape merged{groups * ci};
  merged.insert(merged.end(), sh.begin() + 1, sh.end() - 1);
  merged.push_back(co);
  return reshape(t, merged);
}

// Gradient with respect to the input x (shape xs) of conv(x, w) for cotangent g.
array input_grad(const array& g, const array& w, const Shape& xs, const ConvParams& p, const Stream& s) {
  int nsp = static_cast<int>(xs.size()) - 2;
  ConvParams q;
  q.groups = p.groups;
  q.flip = !p.flip;
  q.kernel_dilation = p.kernel_dilation;
  q.input_dilation = p.stride;
  q.stride = p.input_dilation;
  for (int i = 0; i < nsp; ++i) {
    int64_t k = w.shape()[i + 1], d = p.kernel_dilation[i];
    int64_t span = (k - 1) * d;
    int64_t lo = span - p.pad_lo[i];
    int64_t gv = (int64_t(g.shape()[i + 1]) - 1) * p.stride[i] + 1;
    int64_t hi = (int64_t(xs[i + 1]) - 1) * p.input_dilation[i] + span + 1 - gv - lo;
    q.pad_lo.push_back(static_cast<int>(lo));
    q.pad_hi.push_back(static_cast<int>(hi));
  }
  return make_conv(g, swap_weight_channels(w, p.groups), q, s);
}

// Gradient with respect to the weight (shape ws) of conv(x, w) for cotangent g: a
// convolution whose batch is the input channels and whose kernel is the cotangent.
array weight_grad(const array& g, const array& x, const Shape& ws, const ConvParams& p, const Stream& s) {
  int nd = x.ndim(), nsp = nd - 2, G = p.groups;
  int n = x.shape()[0], cin = x.shape()[nd - 1], cig = cin / G;
  // x: (N, S..., G*Ci) -> (Ci, S..., G*N) with channel (g, n).
  Shape xsplit(x.shape().begin(), x.shape().end() - 1);
  xsplit.push_back(G);
  xsplit.push_back(cig);
  std::vector<int> xperm{nd};
  for (int i = 1; i <= nsp; ++i) xperm.push_back(i);
  xperm.push_back(nd - 1);
  xperm.push_back(0);
  Shape xmerged{cig};
  xmerged.insert(xmerged.end(), x.shape().begin() + 1, x.shape().end() - 1);
  xmerged.push_back(G * n);
  array xt = reshape(transpose(reshape(x, xsplit, s), xperm, s), xmerged, s);
  // g: (N, O..., G*Co) -> (G*Co, O..., N).
  std::vector<int> gperm{nd - 1};
  for (int i = 1; i <= nsp; ++i) gperm.push_back(i);
  gperm.push_back(0);
  array gt = transpose(g, gperm, s);
  ConvParams q;
  q.groups = G;
  q.flip = false;
  q.stride = p.kernel_dilation;
  q.kernel_dilation = p.stride;
  q.input_dilation = p.input_dilation;
  q.pad_lo = p.pad_lo;
  for (int i = 0; i < nsp; ++i) {
    int64_t k = ws[i + 1], in = x.shape()[i + 1], lo_len = g.shape()[i + 1];
    int64_t xv = (in - 1) * p.input_dilation[i] + 1;
    int64_t hi = (k - 1) * p.kernel_dilation[i] + (lo_len - 1) * p.stride[i] + 1 - xv - p.pad_lo[i];
    q.pad_hi.push_back(static_cast<int>(hi));
  }
  array r = make_conv(xt, gt, q, s); // (Ci, K..., G*Co)
  std::vector<int> rperm{nd - 1};
  for (int i = 1; i <= nsp; ++i) rperm.push_back(i);
  rperm.push_back(0);
  r = transpose(r, rperm, s); // (G*Co, K..., Ci)
  if (p.flip) {
    std::vector<int> axes(nsp);
    std::iota(axes.begin(), axes.end(), 1);
    r = flip(r, axes, s);
  }
  return r;
}

// The weight gradient through the ConvWeightGrad kernel (a blocked GEMM over the rows).
array weight_grad_node(const array& g, const array& x, const Shape& ws, const ConvParams& p, Dtype dt,
                       const Stream& s) {
  return array(ws, dt, std::make_shared<ConvWeightGrad>(s, p, ws), {astype(g, dt, s), astype(x, dt, s)});
}

} // namespace

std::vector<Shape> Convolution::output_shapes(const std::vector<array>& inputs) {
  const array &x = inputs[0], &w = inputs[1];
  int nsp = x.ndim() - 2;
  Shape out{x.shape()[0]};
  for (int i = 0; i < nsp; ++i) {
    out.push_back(static_cast<ShapeElem>(detail::conv_out_size(x.shape()[i + 1], w.shape()[i + 1], p_.stride[i], p_.pad_lo[i],
                                                               p_.pad_hi[i], p_.kernel_dilation[i], p_.input_dilation[i])));
  }
  out.push_back(w.shape()[0]);
  return {out};
}

std::vector<array> Convolution::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  const array &x = primals[0], &w = primals[1], &g = cotangents[0];
  std::vector<array> out;
  if (x.size() == 0) {
    // An empty input (possibly with padded empty spatial axes): nothing flows anywhere.
    for (int a : argnums) out.push_back(zeros(a == 0 ? x.shape() : w.shape(), a == 0 ? x.dtype() : w.dtype()));
    return out;
  }
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(input_grad(g, w, x.shape(), p_, stream()));
    } else {
      // Depthwise (one input and one output channel per group): the op formulation, whose
      // kernel vectorises over the channels; else the GEMM kernel.
      int cig = x.shape().back() / p_.groups, cog = w.shape()[0] / p_.groups;
      out.push_back(cig == 1 && cog == 1 ? weight_grad(g, x, w.shape(), p_, stream())
                                         : weight_grad_node(g, x, w.shape(), p_, w.dtype(), stream()));
    }
  }
  return out;
}

std::vector<array> Convolution::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  // Bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw).
  std::optional<array> out;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array t = argnums[i] == 0 ? make_conv(tangents[i], primals[1], p_, stream())
                              : make_conv(primals[0], tangents[i], p_, stream());
    out = out ? add(*out, t) : t;
  }
  return {*out};
}

std::pair<std::vector<array>, std::vector<int>> Convolution::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  int bx = axes[0], bw = axes[1];
  int B = detail::batch_size(inputs, axes);
  const Stream& s = stream();
  array x = detail::batch_to_front(inputs[0], bx);
  array w = detail::batch_to_front(inputs[1], bw);
  int G = p_.groups;
  if (bw < 0) {
    // Fold the batch into the convolution's batch axis.
    Shape xs(x.shape().begin() + 1, x.shape().end());
    xs[0] *= B;
    array out = make_conv(reshape(x, xs, s), w, p_, s);
    Shape os = out.shape();
    os[0] /= B;
    os.insert(os.begin(), B);
    return {{reshape(out, os, s)}, {0}};
  }
  int nd = w.ndim() - 1;
  int cout = w.shape()[1], cog = cout / G;
  if (bx < 0) {
    // Fold the batch into the output channels, keeping them grouped: (G, B, Co).
    Shape ws{B, G, cog};
    ws.insert(ws.end(), w.shape().begin() + 2, w.shape().end());
    std::vector<int> perm{1, 0};
    for (int i = 2; i < static_cast<int>(ws.size()); ++i) perm.push_back(i);
    Shape merged{G * B * cog};
    merged.insert(merged.end(), w.shape().begin() + 2, w.shape().end());
    array wm = reshape(transpose(reshape(w, ws, s), perm, s), merged, s);
    array out = make_conv(x, wm, p_, s); // (N, O..., G*B*Co)
    Shape os(out.shape().begin(), out.shape().end() - 1);
    os.push_back(G);
    os.push_back(B);
    os.push_back(cog);
    array r = reshape(out, os, s);
    r = moveaxis(r, nd, 0); // (B, N, O..., G, Co)
    Shape fs(r.shape().begin(), r.shape().end() - 2);
    fs.push_back(cout);
    return {{reshape(r, fs, s)}, {0}};
  }
  // Both batched: the batch becomes an outer level of groups.
  int cin = x.shape().back();
  array xm = moveaxis(x, 0, nd - 1); // (N, S..., B, Cin)
  Shape xs(xm.shape().begin(), xm.shape().end() - 2);
  xs.push_back(B * cin);
  xm = reshape(xm, xs, s);
  Shape ws(w.shape().begin() + 1, w.shape().end());
  ws[0] *= B;
  array wm = reshape(w, ws, s);
  ConvParams q = p_;
  q.groups = B * G;
  array out = make_conv(xm, wm, q, s); // (N, O..., B*Cout)
  Shape os(out.shape().begin(), out.shape().end() - 1);
  os.push_back(B);
  os.push_back(cout);
  return {{moveaxis(reshape(out, os, s), nd - 1, 0, s)}, {0}};
}

} // namespace mlx::core

namespace mlx::core {

// <ConvWeightGrad(g, x), C> = <g, conv(x, C)>: bilinear in (g, x).
std::vector<array> ConvWeightGrad::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                       const std::vector<int>& argnums, const std::vector<array>&) {
  const array &g = primals[0], &x = primals[1], &c = cotangents[0];
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(astype(make_conv(x, c, p_, stream()), g.dtype(), stream()));
    } else if (x.size() == 0) {
      out.push_back(zeros(x.shape(), x.dtype()));
    } else {
      out.push_back(astype(input_grad(g, c, x.shape(), p_, stream()), x.dtype(), stream()));
    }
  }
  return out;
}

std::vector<array> ConvWeightGrad::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                       const std::vector<int>& argnums) {
  std::optional<array> out;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array t = argnums[i] == 0 ? weight_grad_node(tangents[i], primals[1], wshape_, p_, primals[0].dtype(), stream())
                              : weight_grad_node(primals[0], tangents[i], wshape_, p_, primals[0].dtype(), stream());
    out = out ? add(*out, t) : t;
  }
  return {*out};
}

// The batch becomes an outer level of groups (as Convolution's vmap does when both are batched).
std::pair<std::vector<array>, std::vector<int>> ConvWeightGrad::vmap(const std::vector<array>& inputs,
                                                                     const std::vector<int>& axes) {
  int B = detail::batch_size(inputs, axes);
  const Stream& s = stream();
  array g = detail::batched_at_front(inputs[0], axes[0], B), x = detail::batched_at_front(inputs[1], axes[1], B);
  auto fold = [&](const array& a) { // (B, N, S..., C) -> (N, S..., B*C)
    int nd = a.ndim() - 1;
    array m = moveaxis(a, 0, nd - 1, s);
    Shape sh(m.shape().begin(), m.shape().end() - 2);
    sh.push_back(B * a.shape().back());
    return reshape(m, sh, s);
  };
  ConvParams q = p_;
  q.groups = B * p_.groups;
  Shape ws = wshape_;
  ws[0] *= B;
  array r = weight_grad_node(fold(g), fold(x), ws, q, inputs[0].dtype(), s);
  Shape os = wshape_;
  os.insert(os.begin(), B);
  return {{reshape(r, os, s)}, {0}};
}

} // namespace mlx::core
