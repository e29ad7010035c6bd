// The samplers built on erf/erfinv/log1p (normal, truncated_normal, laplace), randint, and
// argsort/take (permutation). Each follows the reference's sampler step for step (the same
// float arithmetic, in the same dtype and order), so that a key gives the reference's bits.
#include <cmath>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/ops/indexing.h"
#include "mlx_core/ops/math.h"
#include "mlx_core/ops/random.h"
#include "mlx_core/ops/sort.h"
#include "mlx_core/primitives/psd_sqrt.h"
#include "mlx_core/primitives/random.h"
#include "mlx_core/primitives/view.h"
#include "mlx_core/utils.h"

namespace mlx::core::random {

namespace detail {

array sampler_math(const array& x, SamplerFn fn, StreamOrDevice s) {
  if (x.dtype() != float32 && x.dtype() != float16 && x.dtype() != bfloat16) {
    throw std::invalid_argument("[random] Expected a float32, float16 or bfloat16 array.");
  }
  return array(x.shape(), x.dtype(), std::make_shared<SamplerMath>(to_stream(s), fn), {x});
}

} // namespace detail

namespace {

using detail::sampler_math;
using detail::SamplerFn;

// A bound of randint widened for its kernel, broadcast to shape unless it is one value.
array widen_bound(const array& b, Dtype wide, const Shape& shape, StreamOrDevice s) {
  array w = astype(b, wide, s);
  return w.size() == 1 ? w : broadcast_to(w, shape, s);
}

} // namespace

array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key_in, StreamOrDevice s) {
  if (!is_integral(dtype) && dtype != bool_) {
    throw std::invalid_argument("[randint] randint only accepts integer dtypes and bool.");
  }
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("[randint] Negative dimensions not allowed.");
  }
  Shape bs = broadcast_shapes(shape, broadcast_shapes(low.shape(), high.shape()));
  if (bs != shape) {
    throw std::invalid_argument("[randint] The shape of low or high does not broadcast to the output shape.");
  }
  // The kernel reads the bounds exactly: as int64, uint64 or (any float bound) float64.
  bool fl = is_floating_point(low.dtype()) || is_floating_point(high.dtype());
  bool u64 = low.dtype() == uint64 || high.dtype() == uint64;
  Dtype wide = fl ? float64 : u64 ? uint64 : int64;
  if (is_complex(low.dtype()) || is_complex(high.dtype())) {
    throw std::invalid_argument("[randint] The bounds must be real.");
  }
  // high - 1 as the reference computes it (in high's own float type for a float bound).
  array hm1 = is_floating_point(high.dtype())
                  ? subtract(high, array(1.0, high.dtype()), s)
                  : subtract(astype(high, u64 ? uint64 : int64, s), array(1, u64 ? uint64 : int64), s);
  array k = key_in ? *key_in : next_key();
  std::vector<array> ins{bits(shape, k, s), widen_bound(low, wide, shape, s), widen_bound(high, wide, shape, s),
                         widen_bound(hm1, wide, shape, s)};
  if (size_of(dtype) == 8) {
    // Ranges of more than 2**32 integers take a second word from a key split off this one.
    ins.push_back(bits(shape, reshape(split(k, 1, s), {2}, s), s));
  }
  return array(shape, dtype, std::make_shared<RandIntBits>(to_stream(s), dtype), std::move(ins));
}

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc, const std::optional<array>& scale,
             const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype) && dtype != complex64) {
    throw std::invalid_argument("[normal] Only floating point and complex64 types are supported.");
  }
  bool cplx = dtype == complex64;
  Shape draw = shape;
  if (cplx) draw.push_back(2);
  if (!cplx) {
    // The parameters must broadcast to shape.
    Shape bs = shape;
    if (loc) bs = broadcast_shapes(bs, loc->shape());
    if (scale) bs = broadcast_shapes(bs, scale->shape());
    if (bs != shape) {
      throw std::invalid_argument("[normal] The shape of loc or scale does not broadcast to the output shape.");
    }
  }
  // erfinv of a float32 uniform in (-1, 1); complex64 takes the pairs as its parts (each of
  // variance 1/2); a real dtype casts, then scales by sqrt(2) (times scale) in the dtype.
  array e = sampler_math(uniform(array(0.0f), array(1.0f), draw, float32, key, s), SamplerFn::ErfinvOpen, s);
  array out = e;
  if (cplx) {
    out = reshape(view(e, complex64, s), shape, s);
    if (scale) out = multiply(astype(*scale, complex64, s), out, s);
    if (loc) out = add(astype(*loc, complex64, s), out, s);
    return out;
  }
  array applied = array(std::sqrt(2.0), dtype);
  if (scale) applied = multiply(applied, astype(*scale, dtype, s), s);
  out = multiply(applied, astype(e, dtype, s), s);
  if (loc) out = add(astype(*loc, dtype, s), out, s);
  return out;
}

array multivariate_normal(const array& mean, const array& cov, const Shape& shape, Dtype dtype,
                          const std::optional<array>& key, StreamOrDevice s) {
  if (dtype != float32) throw std::invalid_argument("[multivariate_normal] dtype must be float32.");
  if (mean.ndim() < 1) throw std::invalid_argument("[multivariate_normal] mean must have at least one dimension.");
  if (cov.ndim() < 2) throw std::invalid_argument("[multivariate_normal] cov must have at least two dimensions.");
  int n = mean.shape().back();
  if (cov.shape()[cov.ndim() - 1] != cov.shape()[cov.ndim() - 2]) {
    throw std::invalid_argument("[multivariate_normal] last two dimensions of cov must be equal.");
  }
  if (cov.shape().back() != n) {
    throw std::invalid_argument("[multivariate_normal] mean and cov must have compatible shapes.");
  }
  Shape batch = broadcast_shapes(Shape(mean.shape().begin(), mean.shape().end() - 1),
                                 Shape(cov.shape().begin(), cov.shape().end() - 2));
  Shape draw = shape.empty() ? batch : shape;
  if (!shape.empty() && broadcast_shapes(shape, batch) != shape) {
    throw std::invalid_argument(msg("[multivariate_normal] The shape ", shape_str(shape),
                                    " does not broadcast with the batch shape ", shape_str(batch), " of mean and cov."));
  }
  draw.push_back(n);
  // mean + z A with z standard normal and A the symmetric square root of cov (A A = cov).
  array z = normal(draw, float32, std::nullopt, std::nullopt, key, s);
  array c = astype(cov, float32, s);
  array a = array(c.shape(), float32, std::make_shared<PsdSqrt>(to_stream(s)), {c});
  array za = squeeze(matmul(expand_dims(z, {-2}, s), a, s), {-2}, s);
  return add(astype(mean, float32, s), za, s);
}

array truncated_normal(const array& lower, const array& upper, const std::optional<Shape>& shape, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument("[trunc_normal] trunc_normal only accepts floating point dtypes.");
  }
  Shape sh = shape ? *shape : broadcast_shapes(lower.shape(), upper.shape());
  // The inverse CDF of a uniform between erf(lower / sqrt(2)) and erf(upper / sqrt(2)), all
  // in dtype, clipped to upper first, then to lower (so that lower wins when lower > upper).
  array sq = array(std::sqrt(2.0), dtype);
  array lo = astype(lower, dtype, s), hi = astype(upper, dtype, s);
  array a = sampler_math(divide(lo, sq, s), SamplerFn::Erf, s);
  array b = sampler_math(divide(hi, sq, s), SamplerFn::Erf, s);
  array u = uniform(a, b, sh, dtype, key, s);
  array out = multiply(sq, sampler_math(u, SamplerFn::Erfinv, s), s);
  return maximum(minimum(hi, out, s), lo, s);
}

array laplace(const Shape& shape, Dtype dtype, float loc, float scale, const std::optional<array>& key,
              StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument("[laplace] Only real floating point types are supported.");
  }
  // sign(u) * log1p(-|u|) for u uniform in (-1, 1), in float32, cast to dtype, then
  // scale * x + loc in dtype.
  array u = uniform(array(0.0f), array(1.0f), shape, float32, key, s);
  array x = astype(sampler_math(u, SamplerFn::LaplaceOpen, s), dtype, s);
  return add(multiply(x, array(scale, dtype), s), array(loc, dtype), s);
}

array permutation(int n, const std::optional<array>& key, StreamOrDevice s) {
  if (n < 0) throw std::invalid_argument("[bits] Negative dimensions not allowed.");
  // The order of random words: argsort of n words.
  return astype(argsort(bits({n}, key, s), 0, s), uint32, s);
}

array permutation(const array& x, int axis, const std::optional<array>& key, StreamOrDevice s) {
  int nd = x.ndim();
  auto ax = axis_in_range(axis, nd);
  if (!ax) throw std::out_of_range(msg("[permutation] Invalid axis ", axis, " for an array with ", nd, " dimensions."));
  axis = *ax;
  array perm = permutation(static_cast<int>(x.shape(axis)), key, s);
  return take(x, perm, axis, s);
}

} // namespace mlx::core::random
