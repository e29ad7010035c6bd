// Memory for array data: an allocator with a cache of freed buffers.
#pragma once
#include <cstddef>

namespace mlx::core::allocator {

// A block of at least `size` bytes, 64-byte aligned; reuses a cached block when one fits.
void* malloc(size_t size);
// Returns a block to the cache (or to the system when the cache is full).
void free(void* ptr, size_t size);

size_t get_active_memory();
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
// Sets the cache limit in bytes and returns the previous one.
size_t set_cache_limit(size_t limit);
// Sets the memory limit in bytes (advisory) and returns the previous one.
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();
void clear_cache();

} // namespace mlx::core::allocator
