#include "mlx_core/transforms/custom.h"

#include "mlx_core/ops.h"
#include "mlx_core/primitives/primitive.h"
#include "mlx_core/transforms/vmap.h"

namespace mlx::core {

namespace {

// Inputs [stop_gradient(raw outputs) (n_out), primals ...]: output i shares raw output i's
// buffer; the transforms call the rules (or transform `fun` again) with the primals only.
class CustomTransforms : public Primitive {
 public:
  CustomTransforms(Stream s, int n_out, VectorFn fun, CustomRules rules)
      : Primitive(s), n_out_(n_out), fun_(std::move(fun)), rules_(std::move(rules)) {}

  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override {
    for (int i = 0; i < n_out_; ++i) outputs[i].copy_shared_buffer(inputs[i]);
  }
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override {
    eval_cpu(inputs, outputs);
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    std::vector<Shape> out;
    for (int i = 0; i < n_out_; ++i) out.push_back(inputs[i].shape());
    return out;
  }

  std::vector<array> vjp(const std::vector<array>& inputs, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override {
    auto primals = primals_of(inputs);
    std::vector<array> grads = rules_.vjp ? rules_.vjp(primals, cotangents, outputs)
                                          : core::vjp(fun_, primals, cotangents).second;
    std::vector<array> out;
    for (int a : argnums) {
      size_t k = static_cast<size_t>(a - n_out_);
      if (a >= n_out_ && k < grads.size()) {
        if (grads[k].shape() != inputs[a].shape()) {
          throw std::invalid_argument("[custom_function] The vjp returned a cotangent of the wrong shape.");
        }
        out.push_back(astype(grads[k], inputs[a].dtype()));
      } else {
        out.push_back(zeros_like(inputs[a]));
      }
    }
    return out;
  }

  std::vector<array> jvp(const std::vector<array>& inputs, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override {
    auto primals = primals_of(inputs);
    std::vector<array> tans;
    for (auto& p : primals) tans.push_back(zeros_like(p));
    for (size_t k = 0; k < argnums.size(); ++k) {
      if (argnums[k] >= n_out_) tans[argnums[k] - n_out_] = tangents[k];
    }
    auto out = rules_.jvp ? rules_.jvp(primals, tans) : core::jvp(fun_, primals, tans).second;
    if (static_cast<int>(out.size()) != n_out_) {
      throw std::invalid_argument("[custom_function] The jvp must return one tangent per output.");
    }
    return out;
  }

  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override {
    if (!rules_.vmap) {
      // The raw outputs were batched by the walk that reached this node.
      return {std::vector<array>(inputs.begin(), inputs.begin() + n_out_),
              std::vector<int>(axes.begin(), axes.begin() + n_out_)};
    }
    auto res = rules_.vmap(primals_of(inputs), std::vector<int>(axes.begin() + n_out_, axes.end()));
    if (static_cast<int>(res.first.size()) != n_out_ || res.second.size() != res.first.size()) {
      throw std::invalid_argument("[custom_function] The vmap must return one output and one axis per output.");
    }
    return res;
  }

  const char* name() const override { return "CustomTransforms"; }

 private:
  std::vector<array> primals_of(const std::vector<array>& inputs) const {
    return std::vector<array>(inputs.begin() + n_out_, inputs.end());
  }
  int n_out_;
  VectorFn fun_;
  CustomRules rules_;
};

} // namespace

std::vector<array> custom_function(const VectorFn& fun, const std::vector<array>& primals, CustomRules rules) {
  auto raw = fun(primals);
  if (raw.empty()) return raw;
  std::vector<array> inputs;
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& r : raw) {
    inputs.push_back(stop_gradient(r));
    shapes.push_back(r.shape());
    dtypes.push_back(r.dtype());
  }
  inputs.insert(inputs.end(), primals.begin(), primals.end());
  auto p = std::make_shared<CustomTransforms>(to_stream({}), static_cast<int>(raw.size()), fun, std::move(rules));
  return array::make_arrays(std::move(shapes), dtypes, p, inputs);
}

} // namespace mlx::core
