// The extension module mlx.core: calls each area's init function in order.
#include <nanobind/nanobind.h>

#include <stdexcept>

#include "mlx_core/allocator.h"
#include "python/src/device.h"
#include "python/src/errors.h"
#include "python/src/dlpack.h"
#include "python/src/transforms.h"

namespace nb = nanobind;
namespace mx = mlx::core;
using namespace nb::literals;

void init_dtype(nb::module_& m);
void init_array(nb::module_& m);
void init_ops(nb::module_& m);
void init_runtime(nb::module_& m);

namespace {

// mx.metal: present for scripts that probe it; this build has no Metal backend.
void init_metal(nb::module_& m) {
  nb::module_ metal = m.def_submodule("metal", "Metal backend (not available in this build).");
  metal.def("is_available", []() { return false; }, "Whether the Metal backend is available.");
  metal.def("device_info", []() -> nb::dict {
    throw std::runtime_error("[metal::device_info] Metal is not available in this build.");
  }, "Information about the Metal device.");
  auto unavailable = [](nb::args, nb::kwargs) {
    throw std::runtime_error("[metal] Metal is not available in this build.");
  };
  metal.def("start_capture", unavailable);
  metal.def("stop_capture", unavailable);
  metal.def("set_wired_limit", [](size_t) -> size_t { return 0; }, "limit"_a);
  namespace al = mx::allocator;
  metal.def("clear_cache", &al::clear_cache);
  metal.def("get_active_memory", &al::get_active_memory);
  metal.def("get_peak_memory", &al::get_peak_memory);
  metal.def("reset_peak_memory", &al::reset_peak_memory);
  metal.def("get_cache_memory", &al::get_cache_memory);
  metal.def("set_cache_limit", &al::set_cache_limit, "limit"_a);
  metal.def("set_memory_limit", &al::set_memory_limit, "limit"_a);
}

} // namespace

NB_MODULE(core, m) {
  m.doc() = "mlx.core: arrays, ops and function transforms (openmlx).";
  m.attr("__version__") = "0.32.0";
  // Arrays still referenced from module-level Python objects at exit are not leaks.
  nb::set_leak_warnings(false);
  init_errors(m);
  init_dtype(m);
  init_device(m);
  init_array(m);
  init_ops(m);
  init_transforms(m);
  init_runtime(m);
  init_dlpack(m);
  init_metal(m);
}
