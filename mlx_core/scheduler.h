// Stream workers: every stream has one worker thread (started on first use) that runs the
// tasks enqueued on it in order. Work on different streams overlaps.
#pragma once
#include <functional>
#include <mutex>
#include <vector>

#include "mlx_core/device.h"

namespace mlx::core::scheduler {

// Appends `task` to the stream's queue. The task must not throw.
void enqueue(const Stream& s, std::function<void()> task);

// Blocks until every task enqueued on the stream before this call has run.
void synchronize(const Stream& s);

// Blocks until every stream's queue is empty.
void synchronize_all();

// The number of tasks queued or running on all streams.
size_t pending_tasks();

// The lock every evaluation holds while it claims nodes and enqueues their tasks, so
// evaluations are ordered and a task only ever waits on work claimed before it.
std::mutex& schedule_mutex();

// Drains and stops the workers of these stream indices.
void stop_workers(const std::vector<int>& indices);

} // namespace mlx::core::scheduler
