// The kernel of NumberOfElements: one scalar from the input's shape.
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/primitives/number_of_elements.h"

namespace mlx::core {

void NumberOfElements::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  double v = value(inputs[0].shape());
  cpu::get_command_encoder(stream()).dispatch([out, v]() mutable {
    cpu::dispatch_dtype(out.dtype(), [&]<typename T>(T) { *out.data<T>() = cast_value<T>(v); });
  });
}

} // namespace mlx::core
