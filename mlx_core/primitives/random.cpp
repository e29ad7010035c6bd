// Transform rules of RandomBits: a key has no gradient; vmap draws per key.
#include "mlx_core/primitives/random.h"

#include "mlx_core/ops.h"
#include "mlx_core/ops/math.h"
#include "mlx_core/primitives/batching.h"
#include "mlx_core/primitives/no_gradient.h"

namespace mlx::core {

// A key is an integer input: asking for its gradient is an error (as in the reference),
// never a silent zero. (A key that does not depend on the differentiated values never
// gets here.)
std::vector<array> RandomBits::vjp(const std::vector<array>&, const std::vector<array>&,
                                   const std::vector<int>&, const std::vector<array>&) {
  throw std::invalid_argument("[RandomBits] Cannot calculate VJP with respect to the key.");
}
std::vector<array> RandomBits::jvp(const std::vector<array>&, const std::vector<array>&,
                                   const std::vector<int>&) {
  throw std::invalid_argument("[RandomBits] Cannot calculate JVP with respect to the key.");
}

std::pair<std::vector<array>, std::vector<int>> RandomBits::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  // The kernel draws once per key of a batch: keys (B, ..., 2) -> outputs (B, ..., *shape).
  array keys = detail::batch_to_front(inputs[0], axes[0]);
  Shape out_shape(keys.shape().begin(), keys.shape().end() - 1);
  out_shape.insert(out_shape.end(), shape_.begin(), shape_.end());
  Dtype dt = unit_float_ ? float32 : uint32;
  return {{array(std::move(out_shape), dt, std::make_shared<RandomBits>(stream(), shape_, unit_float_), {keys})}, {0}};
}

std::vector<Shape> RandomBits::output_shapes(const std::vector<array>& inputs) {
  Shape out(inputs[0].shape().begin(), inputs[0].shape().end() - 1);
  out.insert(out.end(), shape_.begin(), shape_.end());
  return {out};
}

// SamplerMath: element-wise, so vmap maps it as is; the derivatives are those of the exact
// functions, written with the public ops.
std::vector<array> SamplerMath::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                    const std::vector<int>&, const std::vector<array>& outputs) {
  return jvp(primals, cotangents, {0});
}
std::vector<array> SamplerMath::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>&) {
  using random::detail::SamplerFn;
  const array& x = primals[0];
  Dtype dt = x.dtype();
  const array& t = tangents[0];
  switch (fn_) {
    case SamplerFn::Erfinv: {
      // d erfinv(x) = sqrt(pi) / 2 * exp(erfinv(x)^2)
      array y = erfinv(x, stream());
      return {multiply(t, multiply(array(0.886226925452758, dt), exp(square(y, stream()), stream()), stream()),
                       stream())};
    }
    case SamplerFn::Gumbel:
      // d/du -log(-log(u)) = -1 / (u log(u))
      return {divide(t, negative(multiply(x, log(x, stream()), stream()), stream()), stream())};
    case SamplerFn::ErfinvOpen:
    case SamplerFn::LaplaceOpen:
      // Functions of the random words only (nothing a gradient reaches).
      return {zeros_like(x, stream())};
    case SamplerFn::Erf:
      // d erf(x) = 2 / sqrt(pi) * exp(-x^2)
      return {multiply(t, multiply(array(1.1283791670955126, dt), exp(negative(square(x, stream()), stream()), stream()),
                                   stream()),
                       stream())};
  }
  throw std::logic_error("[SamplerMath] Unknown function.");
}
std::pair<std::vector<array>, std::vector<int>> SamplerMath::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  return {{array(inputs[0].shape(), inputs[0].dtype(), std::make_shared<SamplerMath>(stream(), fn_), {inputs[0]})},
          {axes[0]}};
}

// RandIntBits: integer samples, so no gradient; vmap draws per batch entry.
std::vector<array> RandIntBits::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  return detail::zero_cotangents(primals, argnums);
}
std::vector<array> RandIntBits::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                    const std::vector<int>&) {
  return {zeros(primals[0].shape(), dtype_)};
}
std::pair<std::vector<array>, std::vector<int>> RandIntBits::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  // Batches at the front; a bound of more than one value broadcast to the words' shape.
  int b = detail::batch_size(inputs, axes);
  array w = detail::batched_at_front(inputs[0], axes[0], b);
  std::vector<array> ins{w};
  for (size_t i = 1; i < inputs.size(); ++i) {
    array x = inputs[i];
    if (i == 4) {
      // The second words (64-bit dtypes) are batched as the first.
      ins.push_back(broadcast_to(detail::batched_at_front(x, axes[i], b), w.shape()));
      continue;
    }
    if (axes[i] < 0 && x.size() == 1) {
      ins.push_back(x);
      continue;
    }
    x = detail::batched_at_front(x, axes[i], b);
    // Align the bound's own axes with the trailing axes of the words.
    Shape sh = x.shape();
    if (w.ndim() > x.ndim()) sh.insert(sh.begin() + 1, w.ndim() - x.ndim(), 1);
    ins.push_back(broadcast_to(reshape(x, sh), w.shape()));
  }
  return {{array(w.shape(), dtype_, std::make_shared<RandIntBits>(stream(), dtype_), ins)}, {0}};
}

// CategoricalCdf: integer samples, so no gradient; vmap folds the batch into the rows.
std::vector<array> CategoricalCdf::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                       const std::vector<int>& argnums, const std::vector<array>&) {
  return detail::zero_cotangents(primals, argnums);
}
std::vector<array> CategoricalCdf::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                       const std::vector<int>&) {
  return {zeros(primals[1].shape(), uint32)};
}
std::pair<std::vector<array>, std::vector<int>> CategoricalCdf::vmap(const std::vector<array>& inputs,
                                                                     const std::vector<int>& axes) {
  int b = detail::batch_size(inputs, axes);
  array lg = detail::batched_at_front(inputs[0], axes[0], b);
  array u = detail::batched_at_front(inputs[1], axes[1], b);
  int rows = lg.shape(1);
  int m = u.shape(2);
  lg = reshape(lg, {b * rows, lg.shape(2)});
  u = reshape(u, {b * rows, m});
  array out(Shape{b * rows, m}, uint32, std::make_shared<CategoricalCdf>(stream()), {lg, u});
  return {{reshape(out, {b, rows, m})}, {0}};
}

} // namespace mlx::core
