// The persistent worker pool behind cpu::parallel_for.
//
// A call puts a job (a count of pieces and an atomic "next piece" counter) on a queue,
// wakes the workers and claims pieces itself until none is left, then waits for the
// pieces others claimed. Workers spin briefly after a job before sleeping on a futex, so
// back-to-back kernels do not pay a wake-up each. The pool is created on first use and
// never destroyed: its threads are detached and sleep in the kernel at exit, so nothing
// joins them in a static destructor. A forked child starts a fresh pool on first use.
#include "mlx_core/backend/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <signal.h>
#endif
#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace mlx::core::cpu {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long an idle worker (or a waiting caller) spins before it sleeps.
constexpr auto spin_time = std::chrono::microseconds(100);

struct Job {
  void (*task)(void*, int64_t);
  void* ctx;
  int64_t ntasks;
  std::atomic<int64_t> next{0};
  std::atomic<int32_t> done{0}; // pieces finished, capped at ntasks (32 bits: a plain futex)
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  std::exception_ptr error;
};

// > 0 on a pool worker and while a thread runs a piece of a job.
thread_local int parallel_depth = 0;

// Claims and runs pieces of `job` until none is left.
void work_on(Job& job) {
  ++parallel_depth;
  int64_t i;
  while ((i = job.next.fetch_add(1, std::memory_order_relaxed)) < job.ntasks) {
    if (!job.failed.load(std::memory_order_relaxed)) {
      try {
        job.task(job.ctx, i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(job.error_mu);
        if (!job.error) job.error = std::current_exception();
        job.failed.store(true, std::memory_order_relaxed);
      }
    }
    if (job.done.fetch_add(1, std::memory_order_acq_rel) + 1 == job.ntasks) job.done.notify_all();
  }
  --parallel_depth;
}

int configured_threads() {
  int n = 0;
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
#endif
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (const char* env = std::getenv("MLX_NUM_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= 1) n = static_cast<int>(std::min<long>(v, 1024));
  }
  return std::max(1, n);
}

class Pool {
 public:
  explicit Pool(int nthreads) : nthreads_(nthreads) {
#if defined(__unix__) || defined(__APPLE__)
    // Workers block asynchronous signals so that they reach the interpreter's thread.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
#endif
    for (int i = 1; i < nthreads_; ++i) std::thread([this] { worker_loop(); }).detach();
#if defined(__unix__) || defined(__APPLE__)
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
#endif
  }

  int size() const { return nthreads_; }

  void run(int64_t ntasks, void (*task)(void*, int64_t), void* ctx) {
    auto job = std::make_shared<Job>();
    job->task = task;
    job->ctx = ctx;
    job->ntasks = ntasks;
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.push_back(job);
    }
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) generation_.notify_all();
    work_on(*job);
    {
      std::lock_guard<std::mutex> lk(mu_);
      auto it = std::find(queue_.begin(), queue_.end(), job);
      if (it != queue_.end()) queue_.erase(it);
    }
    wait_done(*job);
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  static void wait_done(Job& job) {
    auto until = std::chrono::steady_clock::now() + spin_time;
    for (int k = 0;; ++k) {
      int32_t d = job.done.load(std::memory_order_acquire);
      if (d >= job.ntasks) return;
      if ((k & 63) == 63 && std::chrono::steady_clock::now() > until) {
        job.done.wait(d, std::memory_order_acquire);
      } else {
        cpu_relax();
      }
    }
  }

  // The oldest job with unclaimed pieces; exhausted jobs are dropped from the queue.
  std::shared_ptr<Job> take() {
    std::lock_guard<std::mutex> lk(mu_);
    while (!queue_.empty()) {
      auto& front = queue_.front();
      if (front->next.load(std::memory_order_relaxed) < front->ntasks) return front;
      queue_.pop_front();
    }
    return nullptr;
  }

  void worker_loop() {
    parallel_depth = 1;
    while (true) {
      uint32_t seen = generation_.load(std::memory_order_seq_cst);
      if (auto job = take()) {
        work_on(*job);
        continue;
      }
      auto until = std::chrono::steady_clock::now() + spin_time;
      bool woke = false;
      for (int k = 0; !woke; ++k) {
        woke = generation_.load(std::memory_order_acquire) != seen;
        if ((k & 63) == 63 && std::chrono::steady_clock::now() > until) break;
        cpu_relax();
      }
      if (woke) continue;
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      if (generation_.load(std::memory_order_seq_cst) == seen) generation_.wait(seen, std::memory_order_seq_cst);
      sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  int nthreads_;
  std::mutex mu_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> sleepers_{0};
};

std::mutex pool_mu;
std::atomic<Pool*> pool_ptr{nullptr};
std::atomic<int> pool_size{0};

#if defined(__unix__) || defined(__APPLE__)
// The child of a fork has none of the parent's workers: it abandons the parent's pool
// (its locks may be held by threads that no longer exist) and builds its own when needed.
void before_fork() { pool_mu.lock(); }
void after_fork_parent() { pool_mu.unlock(); }
void after_fork_child() {
  pool_ptr.store(nullptr);
  pool_mu.unlock();
}
#endif

Pool& pool() {
  Pool* p = pool_ptr.load(std::memory_order_acquire);
  if (p) return *p;
  std::lock_guard<std::mutex> lk(pool_mu);
  p = pool_ptr.load(std::memory_order_acquire);
  if (!p) {
#if defined(__unix__) || defined(__APPLE__)
    static bool registered = (pthread_atfork(before_fork, after_fork_parent, after_fork_child), true);
    (void)registered;
#endif
    p = new Pool(thread_count()); // never deleted: workers may still sleep on it at exit
    pool_ptr.store(p, std::memory_order_release);
  }
  return *p;
}

} // namespace

int thread_count() {
  int n = pool_size.load(std::memory_order_relaxed);
  if (n == 0) {
    n = configured_threads();
    pool_size.store(n, std::memory_order_relaxed);
  }
  return n;
}

bool in_parallel_region() { return parallel_depth > 0; }

void run_parallel(int64_t ntasks, void (*task)(void*, int64_t), void* ctx) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || parallel_depth > 0 || thread_count() == 1) {
    for (int64_t i = 0; i < ntasks; ++i) task(ctx, i);
    return;
  }
  if (ntasks > INT32_MAX) throw std::length_error("[parallel_for] Too many pieces of work.");
  pool().run(ntasks, task, ctx);
}

} // namespace mlx::core::cpu
