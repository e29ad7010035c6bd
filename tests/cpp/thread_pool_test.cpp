// Checks of the CPU thread pool (cpu::parallel_for), built and run by tests/test_thread_pool.py.
// Exits 0 when every check passes; prints the failed check otherwise.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mlx_core/backend/cpu/parallel.h"

using namespace mlx::core::cpu;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::printf("FAILED line %d: %s\n", __LINE__, #cond);          \
      std::exit(1);                                                   \
    }                                                                 \
  } while (0)

struct CustomError {
  int code;
};

// Every index visited once, by more than one thread.
void covers_range() {
  int64_t n = 1 << 22;
  std::vector<std::atomic<int>> hits(n);
  std::mutex mu;
  std::set<std::thread::id> ids;
  parallel_for(n, [&](int64_t lo, int64_t hi) {
    {
      std::lock_guard<std::mutex> lk(mu);
      ids.insert(std::this_thread::get_id());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    for (int64_t i = lo; i < hi; ++i) hits[i]++;
  });
  for (int64_t i = 0; i < n; ++i) CHECK(hits[i] == 1);
  CHECK(thread_count() == 1 ? ids.size() == 1 : ids.size() > 1);
}

// An exception thrown on a pool worker reaches the caller with its type.
void worker_exceptions() {
  auto caller = std::this_thread::get_id();
  auto throw_off_caller = [&](auto make) {
    parallel_for(1 << 20, [&](int64_t, int64_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (std::this_thread::get_id() != caller) throw make();
    });
  };
  bool caught = false;
  if (thread_count() > 1) {
    try {
      throw_off_caller([] { return std::out_of_range("index 7 out of range"); });
    } catch (const std::out_of_range& e) {
      caught = std::string(e.what()) == "index 7 out of range";
    }
    CHECK(caught);
    caught = false;
    try {
      throw_off_caller([] { return CustomError{42}; });
    } catch (const CustomError& e) {
      caught = e.code == 42;
    }
    CHECK(caught);
  }
  // Thrown on the calling thread too.
  caught = false;
  try {
    parallel_for(1 << 20, [&](int64_t lo, int64_t) {
      if (lo == 0) throw std::invalid_argument("first chunk");
    });
  } catch (const std::invalid_argument&) {
    caught = true;
  }
  CHECK(caught);
  // The pool still works afterwards.
  std::atomic<int64_t> total{0};
  parallel_for(1 << 20, [&](int64_t lo, int64_t hi) { total += hi - lo; });
  CHECK(total == (1 << 20));
}

// parallel_for inside parallel_for runs inline and completes.
void nested() {
  std::atomic<int64_t> total{0};
  parallel_for(1 << 20, [&](int64_t lo, int64_t hi) {
    CHECK(thread_count() == 1 || in_parallel_region());
    parallel_for(1 << 20, [&](int64_t a, int64_t b) { total += (b - a) * (hi - lo); });
  });
  CHECK(total == int64_t(1 << 20) * (1 << 20));
}

// Several threads share the pool at once.
void concurrent_callers() {
  std::vector<std::thread> ts;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      for (int rep = 0; rep < 100; ++rep) {
        int64_t n = (1 << 17) + t * 1000 + rep;
        std::atomic<int64_t> s{0};
        parallel_for(n, [&](int64_t lo, int64_t hi) {
          int64_t acc = 0;
          for (int64_t i = lo; i < hi; ++i) acc += i;
          s += acc;
        });
        if (s != n * (n - 1) / 2) bad++;
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(bad == 0);
}

// A forked child gets a working pool of its own.
void after_fork() {
  pid_t pid = fork();
  if (pid == 0) {
    alarm(20);
    std::atomic<int64_t> total{0};
    parallel_for(1 << 22, [&](int64_t lo, int64_t hi) { total += hi - lo; });
    _exit(total == (1 << 22) ? 0 : 3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main() {
  const char* env = std::getenv("MLX_NUM_THREADS");
  CHECK(env != nullptr && thread_count() == std::atoi(env));
  covers_range();
  worker_exceptions();
  nested();
  concurrent_callers();
  after_fork();
  std::printf("ok\n");
  return 0;
}
