// Kernels of the layout primitives: most only set up views of the input buffer.
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/primitives/shape.h"

namespace mlx::core {

namespace {

void set_view(array& out, const array& in, Strides strides, int64_t offset) {
  Flags f = compute_layout_flags(out.shape(), strides);
  size_t ds = f.contiguous ? out.size() : in.data_size();
  out.copy_shared_buffer(in, strides, f, ds, offset);
}

// Strides that present `in`'s data with `shape` without moving it, when they exist:
// groups of input dims that multiply to groups of output dims must be contiguous
// among themselves (as NumPy's no-copy reshape).
bool reshape_as_view(const array& in, const Shape& shape, Strides& out) {
  Shape ish;
  Strides ist;
  for (int i = 0; i < in.ndim(); ++i) {
    if (in.shape()[i] != 1) {
      ish.push_back(in.shape()[i]);
      ist.push_back(in.strides()[i]);
    }
  }
  out.assign(shape.size(), 0);
  size_t oi = 0, ii = 0;
  int on = static_cast<int>(shape.size()), in_n = static_cast<int>(ish.size());
  while (static_cast<int>(ii) < in_n && static_cast<int>(oi) < on) {
    size_t ie = ii + 1, oe = oi + 1;
    int64_t ip = ish[ii], op = shape[oi];
    while (ip != op) {
      if (ip < op) ip *= ish[ie++];
      else op *= shape[oe++];
    }
    for (size_t k = ii; k + 1 < ie; ++k) {
      if (ist[k] != ist[k + 1] * ish[k + 1]) return false;
    }
    out[oe - 1] = ist[ie - 1];
    for (size_t k = oe - 1; k > oi; --k) out[k - 1] = out[k] * shape[k];
    ii = ie;
    oi = oe;
  }
  // Trailing size-1 output dims keep stride 0 (any stride is valid for them).
  return true;
}

} // namespace

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous) {
    set_view(out, in, row_major_strides(out.shape()), in.offset());
    return;
  }
  Strides strides;
  if (in.size() > 0 && reshape_as_view(in, out.shape(), strides)) {
    set_view(out, in, std::move(strides), in.offset());
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
    if (out.shape()[i] > 0) offset += static_cast<int64_t>(start_[i]) * in.strides()[i] * static_cast<int64_t>(in.itemsize());
    s[i] = in.strides()[i] * strides_[i];
  }
  if (out.size() == 0) offset = in.offset();
  set_view(out, in, std::move(s), offset);
}

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  bool in_place = cpu::donate_or_allocate(inputs[0], out);
  int64_t offset = 0;
  Strides s(out.ndim());
  for (int i = 0; i < out.ndim(); ++i) {
    offset += static_cast<int64_t>(start_[i]) * out.strides()[i];
    s[i] = out.strides()[i] * strides_[i];
  }
  cpu::get_command_encoder(stream()).dispatch([src = inputs[0], upd = inputs[1], out, offset, s = std::move(s),
                                               in_place]() mutable {
    if (!in_place) cpu::copy_strided(src, out.raw_data(), out.dtype(), out.strides());
    if (upd.size() == 0) return;
    char* base = static_cast<char*>(out.raw_data()) + offset * static_cast<int64_t>(out.itemsize());
    cpu::copy_strided(upd, base, out.dtype(), s);
  });
}

} // namespace mlx::core

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/strided.h"

namespace mlx::core {

void AsStrided::eval_cpu(const std::vector<array>& inputs, array& out) {
  // The view indexes the input's elements in row-major order: a row-contiguous input is
  // used in place, any other is copied first.
  array in = inputs[0].flags().row_contiguous ? inputs[0] : cpu::contiguous_copy(inputs[0], inputs[0].dtype());
  Flags f = compute_layout_flags(out.shape(), strides_);
  size_t ds = f.contiguous ? out.size() : in.size();
  // An empty view reads nothing: its offset (which the op does not bound) is not applied.
  int64_t offset = out.size() == 0 ? in.offset() : in.offset() + offset_ * static_cast<int64_t>(in.itemsize());
  out.copy_shared_buffer(in, strides_, f, ds, offset);
}

void StridedAccumulate::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out, strides = strides_, offset = offset_]() mutable {
    cpu::dispatch_dtype(out.dtype(), [&]<typename T>(T) {
      T* o = out.data<T>();
      std::fill(o, o + out.size(), T(0));
      const T* src = in.data<T>();
      // Overlapping targets: one thread, in order.
      cpu::for_each_run<2>(in.shape(), {&in.strides(), &strides}, [&](auto offs, int64_t n, auto inner) {
        const T* sp = src + offs[0];
        T* op = o + offset + offs[1];
        for (int64_t i = 0; i < n; ++i) op[i * inner[1]] = static_cast<T>(op[i * inner[1]] + sp[i * inner[0]]);
      });
    });
  });
}

void Contiguous::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous || (allow_col_major_ && in.flags().col_contiguous)) {
    out.copy_shared_buffer(in);
    return;
  }
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in, out]() mutable {
    cpu::copy_strided(in, out.raw_data(), out.dtype(), out.strides());
  });
}

void Diagonal::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Strides s;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i != axis1_ && i != axis2_) s.push_back(in.strides()[i]);
  }
  s.push_back(in.strides()[axis1_] + in.strides()[axis2_]);
  int64_t offset = in.offset();
  if (out.size() > 0) {
    int64_t first = offset_ >= 0 ? static_cast<int64_t>(offset_) * in.strides()[axis2_]
                                 : -static_cast<int64_t>(offset_) * in.strides()[axis1_];
    offset += first * static_cast<int64_t>(in.itemsize());
  }
  set_view(out, in, std::move(s), offset);
}

} // namespace mlx::core
