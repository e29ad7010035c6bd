// The kernels of the collectives: make the input row-contiguous, give the output a buffer
// (the input's own, for an in-place reduction, when nothing else sees it), and hand both to
// the group's backend on the stream's thread.
#include <optional>

#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/primitives/distributed.h"

namespace mlx::core {

namespace {

using Transport = void (distributed::GroupImpl::*)(const array&, array&, const Stream&);

void run_collective(const DistPrimitive& p, const array& input, array& out, Transport op) {
  std::optional<array> copy;
  if (!input.flags().row_contiguous) copy = cpu::contiguous_copy(input, input.dtype());
  const array& in = copy ? *copy : input;
  cpu::donate_or_allocate(in, out);
  cpu::get_command_encoder(p.stream()).dispatch([g = p.group().impl_ptr(), in, out, s = p.stream(), op]() mutable {
    ((*g).*op)(in, out, s);
  });
}

} // namespace

void AllReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  Transport op = type_ == Sum   ? &distributed::GroupImpl::all_sum
                 : type_ == Max ? &distributed::GroupImpl::all_max
                                : &distributed::GroupImpl::all_min;
  run_collective(*this, inputs[0], out, op);
}

void AllGather::eval_cpu(const std::vector<array>& inputs, array& out) {
  run_collective(*this, inputs[0], out, &distributed::GroupImpl::all_gather);
}

void SumScatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  run_collective(*this, inputs[0], out, &distributed::GroupImpl::sum_scatter);
}

void Send::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& x = inputs[0];
  out.copy_shared_buffer(x);
  array in = x.flags().row_contiguous ? x : cpu::contiguous_copy(x, x.dtype());
  cpu::get_command_encoder(stream()).dispatch([g = group().impl_ptr(), in, dst = dst_, s = stream()]() {
    g->send(in, dst, s);
  });
}

void Recv::eval_cpu(const std::vector<array>&, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([g = group().impl_ptr(), out, src = src_, s = stream()]() mutable {
    g->recv(out, src, s);
  });
}

} // namespace mlx::core
