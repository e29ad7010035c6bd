// The process-wide pool of worker threads that splits large kernels across the cores.
// Every stream shares it. The caller of run() works on its own job too, so a job always
// completes even when every worker is busy (or, after fork, when there are none).
#pragma once
#include <cstdint>

namespace mlx::core::cpu {

// Threads that work on one job: the pool's workers plus the calling thread. The cores
// this process may use, or the environment variable MLX_NUM_THREADS when set (>= 1).
int thread_count();

// True on a pool worker, and on any thread while it runs a piece of a pool job: a
// parallel_for from there runs inline instead of waiting on the pool it occupies.
bool in_parallel_region();

// Runs task(ctx, i) for every i in [0, ntasks) on the pool and the calling thread, and
// returns when all have finished. The first exception a task throws is rethrown here with
// its type; tasks not yet started when it was thrown are skipped.
void run_parallel(int64_t ntasks, void (*task)(void* ctx, int64_t i), void* ctx);

} // namespace mlx::core::cpu
