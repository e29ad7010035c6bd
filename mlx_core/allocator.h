// Memory for array data: an abstract allocator that hands out buffers, and the active one.
// The CPU allocator (cpu_allocator.cpp) is the implementation today; a CUDA or Metal allocator
// implements the same interface later and `allocator()` returns it.
#pragma once
#include <cstddef>
#include <new>
#include <string>

namespace mlx::core::allocator {

// A block of memory handed out by an allocator.
struct Buffer {
  void* ptr = nullptr;    // host-visible address of the first byte (nullptr: no block)
  size_t size = 0;        // bytes in the block; at least the size that was asked for
  void* handle = nullptr; // backend object (an MTLBuffer, a CUDA block); unused on the CPU

  explicit operator bool() const { return ptr != nullptr || handle != nullptr; }
};

// Raised when the system cannot give memory even after the cache was emptied. It is a
// std::bad_alloc (Python sees MemoryError) that says how much was asked for.
class out_of_memory : public std::bad_alloc {
 public:
  explicit out_of_memory(std::string msg) : msg_(std::move(msg)) {}
  const char* what() const noexcept override { return msg_.c_str(); }

 private:
  std::string msg_;
};

// The interface every backend allocator implements. All methods are thread-safe.
//
// Limits (same meaning as in the reference):
// - The memory limit is a guideline for graph evaluation, not a hard cap: an allocation that
//   would take active + cached memory over it first frees cached blocks, and eval throttles
//   against it, but a single allocation larger than the limit still succeeds when the system
//   has the memory (as in the reference; raising would break programs that run there). Only a
//   failed system allocation (after emptying the cache and retrying) raises out_of_memory.
// - The cache limit bounds the bytes kept in the cache of freed blocks; a freed block larger
//   than it goes straight back to the system.
class Allocator {
 public:
  virtual ~Allocator() = default;

  // A block of at least `size` bytes, 64-byte aligned (a cached block of a nearby size when one
  // fits). `size == 0` gives an empty Buffer. Throws out_of_memory.
  virtual Buffer malloc(size_t size) = 0;
  // Returns a block from malloc (to the cache, or to the system).
  virtual void free(Buffer buffer) = 0;
  // The usable size of a block from malloc.
  virtual size_t size(const Buffer& buffer) const = 0;

  // Bytes in blocks handed out and not yet freed.
  virtual size_t get_active_memory() const = 0;
  // The largest active memory since start or the last reset_peak_memory.
  virtual size_t get_peak_memory() const = 0;
  // Sets the peak memory to zero.
  virtual void reset_peak_memory() = 0;
  // Bytes held in the cache of freed blocks.
  virtual size_t get_cache_memory() const = 0;
  // Sets the cache limit in bytes (trimming the cache now); returns the previous one.
  virtual size_t set_cache_limit(size_t limit) = 0;
  // Sets the memory limit in bytes; returns the previous one.
  virtual size_t set_memory_limit(size_t limit) = 0;
  virtual size_t get_memory_limit() const = 0;
  // Sets the wired (kept-resident) limit; returns the previous one. CPU memory is never wired,
  // so the CPU allocator keeps nothing and returns 0, as the reference does.
  virtual size_t set_wired_limit(size_t limit) = 0;
  // Frees every cached block.
  virtual void clear_cache() = 0;
};

// The active allocator (the CPU allocator in this build). It lives for the whole process.
Allocator& allocator();

// Free functions forwarding to allocator(); kept for callers that predate the interface.
Buffer malloc(size_t size);
void free(Buffer buffer);

size_t get_active_memory();
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
size_t set_cache_limit(size_t limit);
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();
size_t set_wired_limit(size_t limit);
void clear_cache();

// Whether active memory is at or over the memory limit (eval throttles on this).
bool over_memory_limit();

} // namespace mlx::core::allocator
