#include "mlx_core/scheduler.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <thread>
#include <unordered_map>

namespace mlx::core::scheduler {

namespace {

std::atomic<size_t> pending{0};

// One stream's queue and the thread that drains it.
class Worker {
 public:
  Worker() : thread_([this] { run(); }) {}

  void enqueue(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lk(mtx_);
      queue_.push_back(std::move(task));
      ++enqueued_;
      pending.fetch_add(1, std::memory_order_relaxed);
    }
    cv_.notify_one();
  }

  void synchronize() {
    std::unique_lock<std::mutex> lk(mtx_);
    uint64_t target = enqueued_;
    done_cv_.wait(lk, [&] { return completed_ >= target; });
  }

  // Runs what is queued, then ends the thread.
  void stop() {
    {
      std::lock_guard<std::mutex> lk(mtx_);
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lk(mtx_);
        cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
      task = nullptr; // release what the task holds before reporting completion
      {
        std::lock_guard<std::mutex> lk(mtx_);
        ++completed_;
      }
      pending.fetch_sub(1, std::memory_order_relaxed);
      done_cv_.notify_all();
    }
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<std::function<void()>> queue_;
  uint64_t enqueued_ = 0;
  uint64_t completed_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

struct Workers {
  std::mutex mtx;
  std::unordered_map<int, std::shared_ptr<Worker>> by_stream;
};

Workers& workers() {
  static Workers* w = new Workers(); // never destroyed: threads may run during static teardown
  return *w;
}

std::shared_ptr<Worker> find(const Stream& s, bool create) {
  auto& w = workers();
  std::lock_guard<std::mutex> lk(w.mtx);
  auto it = w.by_stream.find(s.index);
  if (it != w.by_stream.end()) return it->second;
  if (!create) return nullptr;
  auto worker = std::make_shared<Worker>();
  w.by_stream.emplace(s.index, worker);
  return worker;
}

} // namespace

void enqueue(const Stream& s, std::function<void()> task) {
  find(s, true)->enqueue(std::move(task));
}

void synchronize(const Stream& s) {
  if (auto w = find(s, false)) w->synchronize();
}

void synchronize_all() {
  std::vector<std::shared_ptr<Worker>> all;
  {
    auto& w = workers();
    std::lock_guard<std::mutex> lk(w.mtx);
    for (auto& [i, worker] : w.by_stream) all.push_back(worker);
  }
  for (auto& w : all) w->synchronize();
}

size_t pending_tasks() { return pending.load(std::memory_order_relaxed); }

std::mutex& schedule_mutex() {
  static std::mutex* m = new std::mutex();
  return *m;
}

void stop_workers(const std::vector<int>& indices) {
  std::vector<std::shared_ptr<Worker>> doomed;
  {
    auto& w = workers();
    std::lock_guard<std::mutex> lk(w.mtx);
    for (int i : indices) {
      auto it = w.by_stream.find(i);
      if (it != w.by_stream.end()) {
        doomed.push_back(it->second);
        w.by_stream.erase(it);
      }
    }
  }
  for (auto& w : doomed) w->stop();
}

} // namespace mlx::core::scheduler
