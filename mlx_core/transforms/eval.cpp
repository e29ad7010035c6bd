#include "mlx_core/transforms/eval.h"

#include <mutex>
#include <optional>

#include "mlx_core/allocator.h"
#include "mlx_core/primitives/primitive.h"
#include "mlx_core/scheduler.h"
#include "mlx_core/transforms/tracing.h"

namespace mlx::core {

namespace {

// Runs one claimed node: waits for inputs that other evaluations or streams own, runs its
// kernel, then marks its outputs available (or failed, with the error). `keep_graph`: the
// node is a tracer, whose graph the running transform still needs.
void run_node(const array& node, bool keep_graph) {
  // A tracer stays one on a stream's worker too (its kernel must not give its inputs'
  // buffers away: the running transform may still read them).
  std::optional<detail::TracingScope> tracing;
  if (keep_graph) tracing.emplace();
  try {
    if (!node.has_primitive()) {
      throw std::runtime_error("[eval] Attempting to evaluate an array without a primitive or data.");
    }
    for (auto& in : node.inputs()) {
      if (!in.is_available()) in.wait();
    }
    std::vector<array> outs = node.outputs();
    Primitive& p = node.primitive();
    if (p.stream().device.type == Device::gpu) {
      p.eval_gpu(node.inputs(), outs);
    } else {
      p.eval_cpu(node.inputs(), outs);
    }
  } catch (...) {
    node.mark_failed(std::current_exception());
    return;
  }
  if (!keep_graph) node.detach();
  node.mark_available();
}

// Raises RuntimeError unless the calling thread may evaluate work on the node's stream.
void check_node_stream(const array& node) {
  if (node.has_primitive()) check_stream_thread(node.primitive().stream());
}

// Claims the pending nodes reachable from `outputs` and lists them after their inputs.
// Nodes that another evaluation owns, or that are available, are not listed. With
// `first_claimed`, outputs[0] is already claimed by the caller. A node on a stream the
// calling thread may not evaluate raises, with every claim of this call released.
std::vector<array> claim_graph(const std::vector<array>& outputs, bool first_claimed = false) {
  std::vector<array> tape;
  std::vector<std::pair<array, size_t>> stack; // node, index of the next input to visit
  try {
    for (auto& out : outputs) {
      bool claimed = first_claimed && &out == &outputs[0];
      if (!claimed && (out.is_available() || !out.try_claim())) continue;
      stack.emplace_back(out, 0);
      check_node_stream(out);
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node.inputs().size()) {
          const array& in = node.inputs()[next++];
          if (!in.is_available() && in.try_claim()) {
            stack.emplace_back(in, 0);
            check_node_stream(in);
          }
          continue;
        }
        tape.push_back(std::move(node));
        stack.pop_back();
      }
    }
  } catch (...) {
    // Nobody waits on these claims yet: they were made under the schedule lock, still held.
    auto error = std::current_exception();
    for (auto& n : tape) n.mark_failed(error);
    for (auto& entry : stack) entry.first.mark_failed(error);
    throw;
  }
  return tape;
}

// Whether a node runs in the calling thread: it is on that thread's default CPU stream.
bool runs_inline(const array& node) { return is_thread_default_stream(node.primitive().stream()); }

// Hands the nodes to their streams' workers; with `all`, the default stream's nodes too.
// Returns the nodes left to run in the calling thread.
std::vector<array> schedule(std::vector<array>& tape, bool all) {
  std::vector<array> local;
  for (auto& node : tape) {
    if (node.has_primitive() && (all || !runs_inline(node))) {
      bool keep = node.is_tracer();
      Stream s = node.primitive().stream();
      // The worker drops the task (and with it the node) as soon as it has run.
      scheduler::enqueue(s, [node = std::move(node), keep] { run_node(node, keep); });
    } else {
      local.push_back(std::move(node));
    }
  }
  return local;
}

// Over the memory limit, lets the queued work finish (and free what it holds) before more
// is scheduled. Safe: the caller holds no claims yet, and queued work never waits on it.
void throttle() {
  if (scheduler::pending_tasks() > 0 && allocator::over_memory_limit()) scheduler::synchronize_all();
}

// Whether a claimed node can run at once in the calling thread: on the default stream, with
// every input evaluated.
bool ready_inline(const array& node) {
  if (!node.has_primitive() || !runs_inline(node)) return false;
  for (auto& in : node.inputs()) {
    if (!in.is_available()) return false;
  }
  return true;
}

} // namespace

void eval(std::vector<array> outputs) {
  bool done = true;
  for (auto& out : outputs) done = done && out.is_available();
  if (done) return;
  throttle();
  std::vector<array> local;
  {
    std::unique_lock<std::mutex> lk(scheduler::schedule_mutex());
    // The common small case (one new node over evaluated inputs) runs without a tape.
    bool first_claimed = outputs.size() == 1 && outputs[0].try_claim();
    if (first_claimed && ready_inline(outputs[0])) {
      lk.unlock();
      run_node(outputs[0], outputs[0].is_tracer());
      outputs[0].wait(); // rethrows the node's error
      return;
    }
    auto tape = claim_graph(outputs, first_claimed);
    local = schedule(tape, false);
  }
  for (auto& node : local) {
    array n = std::move(node); // the list's reference goes as soon as the node has run
    run_node(n, n.is_tracer());
  }
  for (auto& out : outputs) out.wait();
}

bool eval_inline_if_small(const array& a, size_t max_size) {
  if (a.is_available()) return true;
  if (a.size() > max_size || !ready_inline(a)) return false;
  // Large inputs mean real work (a reduction to a few elements, a small matmul of big
  // operands): that runs with the GIL released, so other Python threads go on meanwhile.
  size_t work = a.size();
  for (auto& in : a.inputs()) work += in.size();
  if (work > 4 * max_size) return false;
  if (scheduler::pending_tasks() > 0 && allocator::over_memory_limit()) return false;
  {
    std::lock_guard<std::mutex> lk(scheduler::schedule_mutex());
    if (!a.try_claim()) return false;
  }
  run_node(a, a.is_tracer());
  a.wait(); // rethrows the node's error
  return true;
}

void async_eval(std::vector<array> outputs) {
  throttle();
  std::lock_guard<std::mutex> lk(scheduler::schedule_mutex());
  auto tape = claim_graph(outputs);
  auto local = schedule(tape, true);
  for (auto& node : local) run_node(node, node.is_tracer()); // leaves without a primitive
}

void synchronize(const Stream& s) { scheduler::synchronize(s); }

void synchronize() { scheduler::synchronize_all(); }

} // namespace mlx::core
