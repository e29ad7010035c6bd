// Kernel of View: shares the input's bytes under the new dtype, or copies them first when
// the layout cannot be expressed in units of the new item size.
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/primitives/view.h"

namespace mlx::core {

namespace {

// Strides (in units of the output item) that read `in`'s bytes as `out`, if they exist: the
// last axis must be dense and every other stride and the offset aligned to the new size.
bool view_strides(const array& in, const array& out, Strides& strides) {
  int64_t isz = static_cast<int64_t>(in.itemsize()), osz = static_cast<int64_t>(out.itemsize());
  if (in.offset() % osz != 0) return false;
  strides = in.strides();
  int nd = in.ndim();
  if (isz == osz) return true;
  if (in.shape(nd - 1) > 1 && in.strides()[nd - 1] != 1) return false;
  for (int i = 0; i < nd - 1; ++i) {
    int64_t bytes = in.strides()[i] * isz;
    if (bytes % osz != 0) return false;
    strides[i] = bytes / osz;
  }
  strides[nd - 1] = 1;
  return true;
}

} // namespace

void View::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = inputs[0];
  Strides strides;
  if (!view_strides(in, out, strides)) {
    in = cpu::contiguous_copy(in, in.dtype());
    view_strides(in, out, strides);
  }
  Flags f = compute_layout_flags(out.shape(), strides);
  size_t ds = f.contiguous ? out.size() : in.data_size() * in.itemsize() / out.itemsize();
  out.copy_shared_buffer(in, strides, f, ds, in.offset());
}

} // namespace mlx::core
