#include "mlx_core/primitives/depends.h"

#include "mlx_core/ops.h"

namespace mlx::core {

std::vector<array> depends(const std::vector<array>& inputs, const std::vector<array>& dependencies) {
  if (inputs.empty()) return {};
  std::vector<array> all = inputs;
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& x : inputs) {
    shapes.push_back(x.shape());
    dtypes.push_back(x.dtype());
  }
  auto p = std::make_shared<Depends>(to_stream({}), static_cast<int>(inputs.size()));
  return array::make_arrays(std::move(shapes), dtypes, p, all);
}

void Depends::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (int i = 0; i < n_; ++i) outputs[i].copy_shared_buffer(inputs[i]);
}

std::vector<Shape> Depends::output_shapes(const std::vector<array>& inputs) {
  std::vector<Shape> out;
  for (int i = 0; i < n_; ++i) out.push_back(inputs[i].shape());
  return out;
}

std::vector<array> Depends::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) out.push_back(i < n_ ? cotangents[i] : zeros_like(primals[i]));
  return out;
}

std::vector<array> Depends::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i = 0; i < n_; ++i) out.push_back(zeros_like(primals[i]));
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] < n_) out[argnums[k]] = tangents[k];
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Depends::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  std::vector<array> xs(inputs.begin(), inputs.begin() + n_);
  std::vector<array> deps(inputs.begin() + n_, inputs.end());
  return {depends(xs, deps), std::vector<int>(axes.begin(), axes.begin() + n_)};
}

} // namespace mlx::core
