#include "mlx_core/allocator.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

namespace mlx::core::allocator {

namespace {

// Sizes are rounded up so that blocks of nearby sizes are interchangeable.
size_t bucket_size(size_t size) {
  if (size <= 64) return 64;
  if (size <= 4096) {
    size_t b = 64;
    while (b < size) b <<= 1;
    return b;
  }
  return (size + 4095) & ~size_t(4095);
}

struct Cache {
  std::mutex mtx;
  std::multimap<size_t, void*> free_blocks;
  size_t cache_bytes = 0;
  size_t active = 0;
  size_t peak = 0;
  size_t cache_limit = size_t(4) << 30;
  size_t memory_limit = size_t(16) << 30;

  ~Cache() {
    for (auto& [s, p] : free_blocks) std::free(p);
  }
};

Cache& cache() {
  static Cache* c = new Cache(); // never destroyed: buffers may outlive static teardown
  return *c;
}

} // namespace

void* malloc(size_t size) {
  size_t b = bucket_size(size);
  auto& c = cache();
  {
    std::lock_guard<std::mutex> lk(c.mtx);
    // Blocks are kept by bucket, so a cached block of the same bucket fits exactly.
    auto it = c.free_blocks.find(b);
    if (it != c.free_blocks.end()) {
      void* p = it->second;
      c.cache_bytes -= b;
      c.active += b;
      if (c.active > c.peak) c.peak = c.active;
      c.free_blocks.erase(it);
      return p;
    }
  }
  void* p = std::aligned_alloc(64, b);
  if (!p) throw std::bad_alloc();
  std::lock_guard<std::mutex> lk(c.mtx);
  c.active += b;
  if (c.active > c.peak) c.peak = c.active;
  return p;
}

void free(void* ptr, size_t size) {
  if (!ptr) return;
  size_t b = bucket_size(size);
  auto& c = cache();
  std::lock_guard<std::mutex> lk(c.mtx);
  c.active -= b;
  if (c.cache_bytes + b <= c.cache_limit) {
    c.free_blocks.emplace(b, ptr);
    c.cache_bytes += b;
  } else {
    std::free(ptr);
  }
}

size_t get_active_memory() { return cache().active; }
size_t get_peak_memory() { return cache().peak; }
void reset_peak_memory() {
  auto& c = cache();
  std::lock_guard<std::mutex> lk(c.mtx);
  c.peak = c.active;
}
size_t get_cache_memory() { return cache().cache_bytes; }
size_t set_cache_limit(size_t limit) {
  auto& c = cache();
  std::lock_guard<std::mutex> lk(c.mtx);
  size_t old = c.cache_limit;
  c.cache_limit = limit;
  while (c.cache_bytes > c.cache_limit && !c.free_blocks.empty()) {
    auto it = std::prev(c.free_blocks.end());
    c.cache_bytes -= it->first;
    std::free(it->second);
    c.free_blocks.erase(it);
  }
  return old;
}
size_t set_memory_limit(size_t limit) {
  auto& c = cache();
  size_t old = c.memory_limit;
  c.memory_limit = limit;
  return old;
}
size_t get_memory_limit() { return cache().memory_limit; }
void clear_cache() {
  auto& c = cache();
  std::lock_guard<std::mutex> lk(c.mtx);
  for (auto& [s, p] : c.free_blocks) std::free(p);
  c.free_blocks.clear();
  c.cache_bytes = 0;
}

} // namespace mlx::core::allocator
