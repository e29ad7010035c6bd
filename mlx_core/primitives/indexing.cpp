// Gradient and batching rules of Gather and Scatter.
#include "mlx_core/primitives/indexing.h"

#include <stdexcept>

#include "mlx_core/ops.h"
#include "mlx_core/primitives/batching.h"

namespace mlx::core {

namespace {

std::vector<array> index_inputs(const std::vector<array>& in, size_t first, size_t n) {
  return std::vector<array>(in.begin() + first, in.begin() + first + n);
}

// The slice sizes of a Scatter: the trailing dst.ndim() dimensions of its updates.
Shape scatter_slice(const array& dst, const array& upd) {
  return Shape(upd.shape().end() - dst.ndim(), upd.shape().end());
}

// Index arrays have no gradient: asking for one (an index that depends on what is
// differentiated) is an error, as in the reference, never a silent zero.
[[noreturn]] void index_gradient_error(const char* op, const char* mode) {
  throw std::invalid_argument(std::string("[") + op + "] Cannot calculate " + mode +
                              " with respect to indices. Use stop_gradient on indices to stop gradients from "
                              "being computed.");
}

// An arange over the batch, shaped to broadcast against index arrays of ndim `nd` + 1
// (batch first).
array batch_index(int batch, int nd) {
  Shape shp(nd + 1, 1);
  shp[0] = batch;
  return reshape(arange(0, batch, 1, int32), shp);
}

} // namespace

std::vector<Shape> Gather::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs.size() > 1 ? inputs[1].shape() : Shape{};
  s.insert(s.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {s};
}

std::vector<array> Gather::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      auto idx = index_inputs(primals, 1, axes_.size());
      out.push_back(scatter(zeros_like(primals[0]), idx, cotangents[0], axes_, ScatterReduce::Add));
    } else {
      index_gradient_error("gather", "VJP");
    }
  }
  return out;
}

std::vector<array> Gather::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  for (int a : argnums) {
    if (a != 0) index_gradient_error("gather", "JVP");
  }
  return {gather(tangents[0], index_inputs(primals, 1, axes_.size()), axes_, slice_sizes_)};
}

std::pair<std::vector<array>, std::vector<int>> Gather::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  int batch = detail::batch_size(inputs, axes);
  bool src_batched = axes[0] >= 0;
  bool idx_batched = false;
  for (size_t i = 1; i < inputs.size(); ++i) idx_batched = idx_batched || axes[i] >= 0;
  int k = static_cast<int>(axes_.size());
  int bnd = k > 0 ? inputs[1].ndim() - (axes[1] >= 0 ? 1 : 0) : 0; // ndim of the unbatched index shape

  if (!idx_batched) {
    // The batch axis of src becomes one more slice axis: output B + (batch,) + slice.
    array src = detail::batch_to_front(inputs[0], axes[0]);
    std::vector<int> ax;
    for (int a : axes_) ax.push_back(a + 1);
    Shape ss = slice_sizes_;
    ss.insert(ss.begin(), batch);
    return {{gather(src, index_inputs(inputs, 1, k), ax, ss)}, {bnd}};
  }
  std::vector<array> idx;
  for (int i = 1; i <= k; ++i) idx.push_back(detail::batched_at_front(inputs[i], axes[i], batch));
  if (!src_batched) {
    return {{gather(inputs[0], idx, axes_, slice_sizes_)}, {0}};
  }
  // Both batched: index the batch axis of src with an arange over the batch.
  array src = detail::batch_to_front(inputs[0], axes[0]);
  std::vector<int> ax{0};
  for (int a : axes_) ax.push_back(a + 1);
  idx.insert(idx.begin(), batch_index(batch, bnd));
  Shape ss = slice_sizes_;
  ss.insert(ss.begin(), 1);
  array g = gather(src, idx, ax, ss);
  return {{squeeze(g, {bnd + 1})}, {0}};
}

std::vector<Shape> Scatter::output_shapes(const std::vector<array>& inputs) { return {inputs[0].shape()}; }

// For a multiplying scatter out = dst * P: P, the product of the updates at each position of
// dst (1 where none lands), and for each update the product of the other updates at its
// target, shaped like the updates. Zero-safe without dividing by zero: a target's nonzero
// updates are multiplied and its zeros counted; an update then sees that product divided
// by itself when it and every other update there are nonzero, the product itself when it
// is the only zero there, and zero otherwise.
std::pair<array, array> Scatter::prod_parts(const std::vector<array>& primals) const {
  int k = static_cast<int>(axes_.size());
  const array& dst = primals[0];
  const array& upd = primals[k + 1];
  auto idx = index_inputs(primals, 1, k);
  Shape ss = scatter_slice(dst, upd);
  auto at_update = [&](const array& per_dst) { return reshape(gather(per_dst, idx, axes_, ss), upd.shape()); };
  array zero = equal(upd, zeros_like(upd));
  array one = ones_like(upd);
  array prod = scatter(ones_like(dst), idx, upd, axes_, ScatterReduce::Prod);
  array nonzero_prod = at_update(scatter(ones_like(dst), idx, where(zero, one, upd), axes_, ScatterReduce::Prod));
  array zeros_at = at_update(scatter(zeros(dst.shape(), int32), idx, astype(zero, int32), axes_, ScatterReduce::Add));
  array none = zeros_like(upd);
  array others = where(zero, where(equal(zeros_at, array(1, int32)), nonzero_prod, none),
                       where(equal(zeros_at, array(0, int32)), divide(nonzero_prod, where(zero, one, upd)), none));
  return {prod, astype(others, upd.dtype())};
}

// The vjp of a multiplying scatter (with ops): dst gets cot * conj(P), an update
// cot * conj(dst * others) at its target (conj for complex inputs, see Unary::vjp).
std::vector<array> Scatter::prod_vjp(const std::vector<array>& primals, const array& cot,
                                     const std::vector<int>& argnums) const {
  int k = static_cast<int>(axes_.size());
  const array& dst = primals[0];
  const array& upd = primals[k + 1];
  auto idx = index_inputs(primals, 1, k);
  Shape ss = scatter_slice(dst, upd);
  bool cplx = is_complex(dst.dtype());
  auto conj = [cplx](const array& a) { return cplx ? conjugate(a) : a; };
  auto [prod, others] = prod_parts(primals);
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(multiply(cot, conj(prod)));
    } else {
      array coef = multiply(reshape(gather(dst, idx, axes_, ss), upd.shape()), others);
      out.push_back(multiply(reshape(gather(cot, idx, axes_, ss), upd.shape()), conj(coef)));
    }
  }
  return out;
}

std::vector<array> Scatter::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>& outputs) {
  int k = static_cast<int>(axes_.size());
  const array& dst = primals[0];
  const array& upd = primals[k + 1];
  auto idx = index_inputs(primals, 1, k);
  const array& cot = cotangents[0];
  Shape ss = scatter_slice(dst, upd);
  for (int i : argnums) {
    if (i != 0 && i != k + 1) index_gradient_error("scatter", "VJP");
  }
  if (reduce_ == ScatterReduce::Prod) return prod_vjp(primals, cot, argnums);
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      switch (reduce_) {
        case ScatterReduce::None:
          out.push_back(scatter(cot, idx, zeros_like(upd), axes_, ScatterReduce::None));
          break;
        case ScatterReduce::Add:
          out.push_back(cot);
          break;
        default: // Max, Min: the cotangent flows where dst's value was kept.
          out.push_back(multiply(cot, astype(equal(dst, outputs[0]), cot.dtype())));
      }
    } else if (i == k + 1) {
      array g = gather(cot, idx, axes_, ss);
      if (reduce_ == ScatterReduce::Max || reduce_ == ScatterReduce::Min) {
        array won = equal(upd, gather(outputs[0], idx, axes_, ss));
        g = multiply(g, astype(won, g.dtype()));
      }
      out.push_back(reshape(g, upd.shape()));
    }
  }
  return out;
}

std::vector<array> Scatter::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  int k = static_cast<int>(axes_.size());
  for (int a : argnums) {
    if (a != 0 && a != k + 1) index_gradient_error("scatter", "JVP");
  }
  if (reduce_ == ScatterReduce::Max || reduce_ == ScatterReduce::Min)
    throw std::invalid_argument("[scatter] Forward-mode derivatives of maximum and minimum scatters are not supported.");
  array td = zeros_like(primals[0]);
  array tu = zeros_like(primals[k + 1]);
  for (size_t j = 0; j < argnums.size(); ++j) {
    if (argnums[j] == 0) td = tangents[j];
    if (argnums[j] == k + 1) tu = tangents[j];
  }
  auto idx = index_inputs(primals, 1, k);
  if (reduce_ != ScatterReduce::Prod) return {scatter(td, idx, tu, axes_, reduce_)};
  // d(x * P) = dx * P + x * sum_k du_k * (the other updates' product at k's target).
  auto [prod, others] = prod_parts(primals);
  array dsum = scatter(zeros_like(td), idx, multiply(tu, others), axes_, ScatterReduce::Add);
  return {add(multiply(td, prod), multiply(primals[0], dsum))};
}

std::pair<std::vector<array>, std::vector<int>> Scatter::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  int k = static_cast<int>(axes_.size());
  int batch = detail::batch_size(inputs, axes);
  array dst = detail::batched_at_front(inputs[0], axes[0], batch);
  const array& upd0 = inputs[k + 1];
  // Unbatched update shape: B + slice; B's ndim from the index arrays.
  int und = axes[k + 1] >= 0 ? upd0.ndim() - 1 : upd0.ndim();
  int bnd = und - inputs[0].ndim() + (axes[0] >= 0 ? 1 : 0);
  std::vector<array> idx{batch_index(batch, bnd)};
  for (int i = 1; i <= k; ++i) idx.push_back(detail::batched_at_front(inputs[i], axes[i], batch));
  array upd = detail::batched_at_front(upd0, axes[k + 1], batch);
  upd = expand_dims(upd, {bnd + 1});
  std::vector<int> ax{0};
  for (int a : axes_) ax.push_back(a + 1);
  return {{scatter(dst, idx, upd, ax, reduce_)}, {0}};
}

} // namespace mlx::core
