#include "mlx_core/ops/linalg.h"

#include "mlx_core/errors.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/shape.h"
#include "mlx_core/utils.h"

namespace mlx::core {

array matmul(const array& a_in, const array& b_in, StreamOrDevice s) {
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    throw std::invalid_argument("[matmul] Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype t = promote_types(a_in.dtype(), b_in.dtype());
  array a = astype(a_in, t, s);
  array b = astype(b_in, t, s);
  bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  if (a_vec) a = reshape(a, {1, a.shape()[0]}, s);
  if (b_vec) b = reshape(b, {b.shape()[0], 1}, s);
  if (a.shape(-1) != b.shape(-2)) {
    throw std::invalid_argument(msg("[matmul] Last dimension of first input with shape ", shape_str(a_in.shape()),
                                    " must match second to last dimension of second input with shape ",
                                    shape_str(b_in.shape()), "."));
  }
  Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b);
  Shape sa = batch, sb = batch;
  sa.insert(sa.end(), a.shape().end() - 2, a.shape().end());
  sb.insert(sb.end(), b.shape().end() - 2, b.shape().end());
  a = broadcast_to(a, sa, s);
  b = broadcast_to(b, sb, s);
  Shape out_shape = batch;
  out_shape.push_back(a.shape(-2));
  out_shape.push_back(b.shape(-1));
  array out(out_shape, t, std::make_shared<Matmul>(to_stream(s)), {a, b});
  if (a_vec) out = squeeze(out, {-2}, s);
  if (b_vec) out = squeeze(out, {-1}, s);
  return out;
}

} // namespace mlx::core
