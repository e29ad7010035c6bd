// Evaluation of the lazy graph.
#pragma once
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// Evaluates every array in `outputs` and waits for them. The graph is walked iteratively
// (never recursively); each pending node is claimed by this evaluation (or waited for when
// another one owns it), run once on its stream, and detached (except tracers) so that
// intermediates are freed as the evaluation goes. Nodes on the calling thread's default CPU
// stream run in the calling thread; nodes on other streams run on their stream's worker. A
// pending node on a stream the calling thread may not evaluate (check_stream_thread) raises
// std::runtime_error before anything runs. The first error raised by a kernel is rethrown
// here; failed nodes stay unevaluated. Kernels may write their output into an input's
// buffer when nothing else can see that input (see cpu::can_donate).
void eval(std::vector<array> outputs);

// Evaluates `a` at once in the calling thread when that is cheap and cannot wait on other
// threads: a node on the calling thread's default CPU stream with at most `max_size` elements (and at most
// 4 * max_size elements in and out together), every input evaluated, not claimed by another
// evaluation, and no memory throttling due. Returns false (having done nothing) otherwise.
// Lets the bindings skip releasing the GIL for tiny evals.
bool eval_inline_if_small(const array& a, size_t max_size);

// Schedules the evaluation of `outputs` on their streams' workers and returns at once.
// eval, item, printing and exports wait for what they need.
void async_eval(std::vector<array> outputs);

// Waits for all the work queued on a stream (or on every stream).
void synchronize(const Stream& s);
void synchronize();

} // namespace mlx::core
