// The memory API (mx.get_active_memory, mx.set_memory_limit, ...) and the deprecated
// mx.metal module whose memory functions are aliases of it.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <atomic>
#include <string>

#include "mlx_core/allocator.h"
#include "python/src/common.h"

namespace nb = nanobind;
namespace al = mlx::core::allocator;
using namespace nb::literals;

namespace {

// Prints the reference's deprecation notice for mx.metal.<name> to sys.stderr, once per name.
void deprecated(const char* name, std::atomic<bool>& warned) {
  if (warned.exchange(true)) return;
  std::string msg = std::string("mx.metal.") + name +
      " is deprecated and will be removed in a future version. Use mx." + name + " instead.\n";
  PySys_FormatStderr("%s", msg.c_str());
}

// Defines mx.metal.<name> as `f` preceded by the deprecation notice.
template <typename R, typename... Args, typename... Extra>
void alias(nb::module_& metal, const char* name, R (*f)(Args...), const Extra&... extra) {
  static_assert(sizeof...(Args) <= 1);
  // One flag and docstring per alias, for the life of the module.
  auto* warned = new std::atomic<bool>(false);
  auto* doc = new std::string(std::string("Deprecated: use mx.") + name + " instead.");
  auto fn = [name, f, warned](Args... args) -> R {
    deprecated(name, *warned);
    return f(args...);
  };
  metal.def(name, checked_fn(name, fn, extra...), extra..., doc->c_str());
}

} // namespace

void init_memory(nb::module_& m) {
  def_op(m, "get_active_memory", &al::get_active_memory,
        "The memory held by live arrays, in bytes (the blocks they were given).\n\n"
        "Returns:\n    int: The active memory in bytes.");
  def_op(m, "get_peak_memory", &al::get_peak_memory,
        "The largest active memory since the start or since reset_peak_memory().\n\n"
        "Returns:\n    int: The peak memory in bytes.");
  def_op(m, "reset_peak_memory", &al::reset_peak_memory, "Sets the recorded peak memory to zero (get_peak_memory() then counts from now).");
  def_op(m, "get_cache_memory", &al::get_cache_memory,
        "The memory of freed blocks kept in the cache for reuse.\n\n"
        "Returns:\n    int: The cache size in bytes.");
  def_op(m, "clear_cache", &al::clear_cache,
        "Gives every cached block back to the system; get_cache_memory() is then 0.");
  def_op(m, "set_memory_limit", &al::set_memory_limit, "limit"_a,
        "Sets the memory limit and returns the previous one.\n\n"
        "Args:\n    limit (int): The new limit in bytes.\n\n"
        "Returns:\n    int: The previous limit in bytes.\n\n"
        "The limit guides evaluation: an allocation that would take active plus cached memory\n"
        "over it first frees cached blocks, and evaluation waits for running work before going\n"
        "over it. A single array larger than the limit is still allocated when the system has\n"
        "the memory; MemoryError is raised only when the system has none. The default is 80%\n"
        "of the machine's memory.");
  def_op(m, "get_memory_limit", &al::get_memory_limit, "The memory limit (see set_memory_limit).\n\n"
        "Returns:\n    int: The limit in bytes.");
  def_op(m, "set_cache_limit", &al::set_cache_limit, "limit"_a,
        "Sets the limit of the cache of freed blocks and returns the previous one.\n\n"
        "Args:\n    limit (int): The new limit in bytes.\n\n"
        "Returns:\n    int: The previous limit in bytes.\n\n"
        "Cached blocks beyond the new limit are freed now; 0 disables the cache. The default\n"
        "is the memory limit.");
  def_op(m, "set_wired_limit", &al::set_wired_limit, "limit"_a,
        "Sets the limit of memory kept resident (wired) and returns the previous one.\n\n"
        "Args:\n    limit (int): The new limit in bytes.\n\n"
        "Returns:\n    int: The previous limit in bytes.\n\n"
        "CPU memory is never wired: this build keeps no limit and returns 0.");

  nb::module_ metal = m.def_submodule("metal", "Metal backend (not available in this build).");
  metal.def("is_available", []() { return false; }, "Whether the Metal backend is available.");
  static std::atomic<bool> info_warned{false};
  metal.def("device_info", []() {
    deprecated("device_info", info_warned);
    return nb::dict();
  }, "Deprecated: use mx.device_info instead. Empty: there is no Metal device.");
  metal.def("start_capture", [](const std::string&) {}, "path"_a,
            "Starts a Metal capture; does nothing without Metal.");
  metal.def("stop_capture", []() {}, "Stops a Metal capture; does nothing without Metal.");
  alias(metal, "get_active_memory", &al::get_active_memory);
  alias(metal, "get_peak_memory", &al::get_peak_memory);
  alias(metal, "reset_peak_memory", &al::reset_peak_memory);
  alias(metal, "get_cache_memory", &al::get_cache_memory);
  alias(metal, "clear_cache", &al::clear_cache);
  alias(metal, "set_memory_limit", &al::set_memory_limit, "limit"_a);
  alias(metal, "set_cache_limit", &al::set_cache_limit, "limit"_a);
  alias(metal, "set_wired_limit", &al::set_wired_limit, "limit"_a);
}
