// Kernel of View: shares the input's bytes under the new dtype, or copies them first when
// the layout cannot be expressed in units of the new item size.
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/strided.h"
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
  if (out.dtype() == bool_ && in.dtype() != bool_) {
    // Bytes of another dtype read as bool may hold any value: kernels only ever see 0 and
    // 1, so nonzero bytes become 1 in a copy.
    array bytes(in.data_shared_ptr(), out.shape(), strides, uint8, in.offset());
    cpu::allocate_output(out);
    cpu::get_command_encoder(stream()).dispatch([bytes, out]() mutable {
      const uint8_t* src = bytes.data<uint8_t>();
      uint8_t* dst = static_cast<uint8_t*>(out.raw_data());
      cpu::for_each_run<2>(out.shape(), {&out.strides(), &bytes.strides()}, [&](auto offs, int64_t n, auto inner) {
        for (int64_t i = 0; i < n; ++i) dst[offs[0] + i * inner[0]] = src[offs[1] + i * inner[1]] != 0;
      });
    });
    return;
  }
  Flags f = compute_layout_flags(out.shape(), strides);
  size_t ds = f.contiguous ? out.size() : in.data_size() * in.itemsize() / out.itemsize();
  out.copy_shared_buffer(in, strides, f, ds, in.offset());
}

} // namespace mlx::core
