// Kernels of the layout primitives: most only set up views of the input buffer.
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/primitives/shape.h"

namespace mlx::core {

namespace {

void set_view(array& out, const array& in, Strides strides, int64_t offset) {
  Flags f = compute_layout_flags(out.shape(), strides);
  size_t ds = f.contiguous ? out.size() : in.data_size();
  out.copy_shared_buffer(in, strides, f, ds, offset);
}

} // namespace

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous) {
    set_view(out, in, row_major_strides(out.shape()), in.offset());
    return;
  }
  cpu::allocate_output(out);
  // Copy the input in row-major order into the output's (row-major) buffer.
  cpu::copy_strided(in, out.raw_data(), out.dtype(), row_major_strides(in.shape()));
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Strides s(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) s[i] = in.strides()[axes_[i]];
  set_view(out, in, std::move(s), in.offset());
}

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  int diff = out.ndim() - in.ndim();
  Strides s(out.ndim(), 0);
  for (int i = 0; i < in.ndim(); ++i) {
    s[i + diff] = (in.shape()[i] == 1 && out.shape()[i + diff] != 1) ? 0 : in.strides()[i];
  }
  set_view(out, in, std::move(s), in.offset());
}

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  int64_t offset = in.offset();
  Strides s(in.ndim());
  for (int i = 0; i < in.ndim(); ++i) {
    if (out.shape()[i] > 0) offset += static_cast<int64_t>(start_[i]) * in.strides()[i];
    s[i] = in.strides()[i] * strides_[i];
  }
  if (out.size() == 0) offset = in.offset();
  set_view(out, in, std::move(s), offset);
}

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& upd = inputs[1];
  cpu::allocate_output(out);
  cpu::copy_strided(src, out.raw_data(), out.dtype(), out.strides());
  if (upd.size() == 0) return;
  int64_t offset = 0;
  Strides s(out.ndim());
  for (int i = 0; i < out.ndim(); ++i) {
    offset += static_cast<int64_t>(start_[i]) * out.strides()[i];
    s[i] = out.strides()[i] * strides_[i];
  }
  char* base = static_cast<char*>(out.raw_data()) + offset * static_cast<int64_t>(out.itemsize());
  cpu::copy_strided(upd, base, out.dtype(), s);
}

} // namespace mlx::core
