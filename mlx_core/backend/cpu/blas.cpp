// Run-time lookup of the OpenBLAS entry points that only some builds of the library have.
#include <dlfcn.h>

#include "mlx_core/backend/cpu/blas.h"

namespace mlx::core::cpu {

void* optional_blas_symbol(const char* name) {
  // The library that provides sgemm (found through the address the loader bound it to),
  // opened again without loading anything, so that the lookup stays inside it.
  static void* lib = [] {
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(&scipy_cblas_sgemm64_), &info) || !info.dli_fname) return (void*)nullptr;
    return dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  }();
  return lib ? dlsym(lib, name) : nullptr;
}

namespace {

// OpenBLAS on one thread from the moment the engine loads (see split_product).
struct BlasOnOneThread {
  BlasOnOneThread() {
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(optional_blas_symbol("scipy_openblas_set_num_threads64_"))) set(1);
  }
} blas_on_one_thread;

} // namespace

} // namespace mlx::core::cpu
