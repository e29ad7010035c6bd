// The samplers built on erf/erfinv/log1p/floor (normal, truncated_normal, laplace, randint) and on
// argsort/take (permutation).
#include <cmath>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/ops/indexing.h"
#include "mlx_core/ops/math.h"
#include "mlx_core/ops/random.h"
#include "mlx_core/ops/sort.h"
#include "mlx_core/primitives/psd_sqrt.h"
#include "mlx_core/utils.h"
#include "mlx_core/primitives/view.h"

namespace mlx::core::random {

namespace {

// sqrt(2) * erfinv(u) for u uniform in (-1, 1): standard normal float32 values.
array erfinv_normal(const array& u, const array& factor, StreamOrDevice s) {
  return multiply(mlx::core::erfinv(u, s), factor, s);
}

constexpr float kSqrt2 = 1.41421356237309504880f;

} // namespace

array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key_in, StreamOrDevice s) {
  if (!is_integral(dtype) && dtype != bool_) {
    throw std::invalid_argument("[randint] randint only accepts integer dtypes and bool.");
  }
  array lo = astype(low, float32, s);
  array hi = astype(high, float32, s);
  array u = uniform(lo, hi, shape, float32, key_in, s);
  // floor(u), clamped to [low, high - 1].
  array t = mlx::core::floor(u, s);
  t = maximum(minimum(t, subtract(hi, array(1.0f), s), s), lo, s);
  return astype(t, dtype, s);
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
  // Uniform in (-1, 1), then sqrt(2) erfinv: computed in float32 and cast to dtype.
  float lo = std::nextafter(-1.0f, 0.0f);
  array u = uniform(array(lo), array(1.0f), draw, float32, key, s);
  array factor = array(kSqrt2);
  if (cplx) {
    // Each part has variance 1/2.
    factor = multiply(factor, array(static_cast<float>(M_SQRT1_2)), s);
  } else if (scale) {
    factor = multiply(factor, astype(*scale, float32, s), s);
  }
  array out = erfinv_normal(u, factor, s);
  if (cplx) {
    out = reshape(view(out, complex64, s), shape, s);
    if (scale) out = multiply(out, astype(*scale, complex64, s), s);
  }
  if (loc) out = add(out, astype(*loc, cplx ? complex64 : float32, s), s);
  return astype(out, dtype, s);
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
  array lo = astype(lower, dtype, s), hi = astype(upper, dtype, s);
  array r2 = array(kSqrt2, dtype);
  array a = erf(divide(lo, r2, s), s), b = erf(divide(hi, r2, s), s);
  array u = uniform(a, b, sh, dtype, key, s);
  array out = multiply(erfinv(u, s), r2, s);
  return minimum(maximum(out, lo, s), hi, s);
}

array laplace(const Shape& shape, Dtype dtype, float loc, float scale, const std::optional<array>& key,
              StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument("[laplace] Only real floating point types are supported.");
  }
  // u uniform in (-1, 1): sign(u) * log1p(-|u|), in float32, then loc + scale * x.
  array u = uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), shape, float32, key, s);
  array x = multiply(sign(u, s), log1p(negative(abs(u, s), s), s), s);
  x = add(multiply(x, array(scale), s), array(loc), s);
  return astype(x, dtype, s);
}

array permutation(int n, const std::optional<array>& key, StreamOrDevice s) {
  if (n < 0) throw std::invalid_argument("[bits] Negative dimensions not allowed.");
  // The order of random words: argsort of n words.
  return astype(argsort(bits({n}, key, s), 0, s), uint32, s);
}

array permutation(const array& x, int axis, const std::optional<array>& key, StreamOrDevice s) {
  int nd = x.ndim();
  if (axis < -nd || axis >= nd) {
    throw std::out_of_range(msg("[permutation] Invalid axis ", axis, " for an array with ", nd, " dimensions."));
  }
  if (axis < 0) axis += nd;
  array perm = permutation(static_cast<int>(x.shape(axis)), key, s);
  return take(x, perm, axis, s);
}

} // namespace mlx::core::random
