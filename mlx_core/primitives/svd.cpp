// Gradient and batching rules of Svd.
#include "mlx_core/primitives/svd.h"

#include "mlx_core/ops.h"
#include "mlx_core/ops/norm.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

std::vector<Shape> Svd::output_shapes(const std::vector<array>& inputs) {
  const Shape& in = inputs[0].shape();
  Shape batch(in.begin(), in.end() - 2);
  ShapeElem m = in[in.size() - 2], n = in[in.size() - 1], k = std::min(m, n);
  Shape s = batch;
  s.push_back(k);
  if (!compute_uv_) return {s};
  Shape u = batch, vt = batch;
  u.insert(u.end(), {m, k});
  vt.insert(vt.end(), {k, n});
  return {u, s, vt};
}

std::vector<array> Svd::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                            const std::vector<int>&, const std::vector<array>&) {
  if (compute_uv_) {
    throw std::invalid_argument("[linalg::svd] The gradient of the singular vectors is not implemented.");
  }
  // dS_i = u_i^T dA v_i, so the cotangent of A is U diag(g) Vt.
  auto f = linalg::svd_factors(primals[0], stream());
  array g = expand_dims(cotangents[0], {-2}, stream());
  return {matmul(multiply(f[0], g, stream()), f[2], stream())};
}

std::vector<array> Svd::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                            const std::vector<int>&) {
  if (compute_uv_) {
    throw std::invalid_argument("[linalg::svd] The derivative of the singular vectors is not implemented.");
  }
  // dS_i = (U^T dA V)_ii = sum_j U_ji (dA Vt^T)_ji.
  auto f = linalg::svd_factors(primals[0], stream());
  array dav = matmul(tangents[0], swapaxes(f[2], -1, -2, stream()), stream());
  return {sum(multiply(f[0], dav, stream()), {-2}, false, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Svd::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes) {
  array x = detail::batch_to_front(inputs[0], axes[0]);
  if (!compute_uv_) return {{linalg::singular_values(x, stream())}, {0}};
  auto f = linalg::svd_factors(x, stream());
  return {f, {0, 0, 0}};
}

} // namespace mlx::core
