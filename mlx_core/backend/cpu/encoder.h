// The command encoder of a CPU stream. A kernel's eval_cpu allocates its outputs (and sets
// up views), then hands the computation to dispatch(). The scheduler runs every node of a
// stream on the thread that executes that stream (the calling thread for a synchronous eval
// on the default stream, the stream's worker otherwise), so dispatch() runs the task there.
// Tasks capture arrays by value so that their buffers stay alive as long as the task.
#pragma once
#include <utility>

#include "mlx_core/device.h"

namespace mlx::core::cpu {

class CommandEncoder {
 public:
  // Runs `task` as the stream's next piece of work. Exceptions propagate to the scheduler,
  // which marks the node as failed and rethrows where the user waits.
  template <typename F>
  void dispatch(F&& task) {
    std::forward<F>(task)();
  }
};

// The encoder of a CPU stream.
CommandEncoder& get_command_encoder(const Stream& s);

} // namespace mlx::core::cpu
