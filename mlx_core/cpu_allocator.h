// The CPU allocator: system memory (64-byte aligned) with a cache of freed blocks.
#pragma once
#include <mutex>

#include "mlx_core/allocator.h"
#include "mlx_core/buffer_cache.h"

namespace mlx::core::allocator {

class CpuAllocator : public Allocator {
 public:
  // `exact`: no cache and no rounding, each block exactly the size asked for, so that
  // AddressSanitizer sees an overflow of a few bytes (set by OPENMLX_EXACT_ALLOC=1).
  explicit CpuAllocator(bool exact);

  Buffer malloc(size_t size) override;
  void free(Buffer buffer) override;
  size_t size(const Buffer& buffer) const override { return buffer.size; }

  size_t get_active_memory() const override;
  size_t get_peak_memory() const override;
  void reset_peak_memory() override;
  size_t get_cache_memory() const override;
  size_t set_cache_limit(size_t limit) override;
  size_t set_memory_limit(size_t limit) override;
  size_t get_memory_limit() const override;
  size_t set_wired_limit(size_t limit) override;
  void clear_cache() override;

  bool exact() const { return exact_; }

 private:
  void add_active(size_t bytes);

  const bool exact_;
  mutable std::mutex mtx_;
  BufferCache cache_;
  size_t active_ = 0;
  size_t peak_ = 0;
  size_t memory_limit_;
  size_t cache_limit_;
};

// 80% of the machine's physical memory: the reference's default memory limit on the CPU.
size_t default_memory_limit();

} // namespace mlx::core::allocator
