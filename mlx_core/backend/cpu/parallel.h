// Splitting large element-wise work across the cores.
#pragma once
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace mlx::core::cpu {

// Elements below which one thread does all the work (thread start-up costs ~20 us).
inline constexpr int64_t parallel_threshold = int64_t(1) << 18;

inline int worker_count() {
  static const int n = std::max(1u, std::thread::hardware_concurrency());
  return n;
}

// Calls fn(begin, end) over [0, n) in contiguous chunks, on up to worker_count() threads
// when n is large. fn must not throw.
template <typename F>
void parallel_for(int64_t n, F&& fn) {
  int workers = static_cast<int>(std::min<int64_t>(worker_count(), n / (parallel_threshold / 2)));
  if (n < parallel_threshold || workers <= 1) {
    fn(int64_t(0), n);
    return;
  }
  // Chunks are multiples of 64 elements so that no two threads share a cache line.
  int64_t chunk = ((n + workers - 1) / workers + 63) / 64 * 64;
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) {
    int64_t b = w * chunk, e = std::min(n, b + chunk);
    if (b >= e) break;
    threads.emplace_back([&fn, b, e] { fn(b, e); });
  }
  fn(int64_t(0), std::min(n, chunk));
  for (auto& t : threads) t.join();
}

} // namespace mlx::core::cpu
