#include "mlx_core/allocator.h"

#include <cstdlib>
#include <cstring>

#include "mlx_core/cpu_allocator.h"

namespace mlx::core::allocator {

namespace {

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

} // namespace

Allocator& allocator() {
  // Never destroyed: arrays held by Python objects may be freed during static teardown.
  static Allocator* a = new CpuAllocator(env_flag("OPENMLX_EXACT_ALLOC"));
  return *a;
}

Buffer malloc(size_t size) { return allocator().malloc(size); }
void free(Buffer buffer) { allocator().free(buffer); }

size_t get_active_memory() { return allocator().get_active_memory(); }
size_t get_peak_memory() { return allocator().get_peak_memory(); }
void reset_peak_memory() { allocator().reset_peak_memory(); }
size_t get_cache_memory() { return allocator().get_cache_memory(); }
size_t set_cache_limit(size_t limit) { return allocator().set_cache_limit(limit); }
size_t set_memory_limit(size_t limit) { return allocator().set_memory_limit(limit); }
size_t get_memory_limit() { return allocator().get_memory_limit(); }
size_t set_wired_limit(size_t limit) { return allocator().set_wired_limit(limit); }
void clear_cache() { allocator().clear_cache(); }

bool over_memory_limit() {
  auto& a = allocator();
  return a.get_active_memory() >= a.get_memory_limit();
}

} // namespace mlx::core::allocator
