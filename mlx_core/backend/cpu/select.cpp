// Kernel of the Select primitive (where).
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/elementwise.h"

namespace mlx::core {

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  // The output may take the buffer of x, y or (for a one-byte output) the condition.
  cpu::donate_or_allocate({&inputs[1], &inputs[2], &inputs[0]}, out);
  cpu::get_command_encoder(stream()).dispatch([c = inputs[0], x = inputs[1], y = inputs[2], out]() mutable {
    const bool* pc = c.data<bool>();
    cpu::dispatch_dtype(out.dtype(), [&]<typename T>(T) {
      const T* px = x.data<T>();
      const T* py = y.data<T>();
      T* po = out.data<T>();
      cpu::for_each_run<4>(out.shape(), {&out.strides(), &c.strides(), &x.strides(), &y.strides()},
                           [&](auto offs, int64_t m, auto inner) {
        for (int64_t i = 0; i < m; ++i) {
          po[offs[0] + i * inner[0]] = pc[offs[1] + i * inner[1]] ? px[offs[2] + i * inner[2]]
                                                                  : py[offs[3] + i * inner[3]];
        }
      });
    });
  });
}

} // namespace mlx::core
