#include "mlx_core/distributed/group.h"

#include <mutex>
#include <stdexcept>
#include <vector>

#include "mlx_core/errors.h"

namespace mlx::core::distributed {

namespace {

// A multi-process backend this build knows: whether it can be used at all, and a factory
// that makes the global group from the launch's environment (nullptr when this launch gives
// none; `strict` lets it raise a more precise error instead).
struct Backend {
  const char* name;
  bool (*available)();
  std::shared_ptr<GroupImpl> (*init)(bool strict);
};

// The backends compiled in. None yet: a multi-process transport (MPI, ring over sockets)
// adds its entry here and implements GroupImpl.
const std::vector<Backend> kBackends = {};

// The names init() and is_available() accept, as the reference's.
constexpr const char* kNames[] = {"any", "mpi", "nccl", "jaccl", "ring"};

bool known_name(const std::string& backend) {
  for (const char* n : kNames)
    if (backend == n) return true;
  return false;
}

bool matches(const Backend& b, const std::string& backend) { return backend == "any" || backend == b.name; }

} // namespace

Group Group::split(int color, int key) const { return Group(impl_->split(color, key)); }

bool is_available(const std::string& backend) {
  for (const Backend& b : kBackends)
    if (matches(b, backend) && b.available()) return true;
  return false;
}

Group init(bool strict, const std::string& backend) {
  if (!known_name(backend))
    throw std::invalid_argument(msg("[distributed] The only valid values for backend are 'any', 'mpi', 'nccl', "
                                    "'jaccl' and 'ring' but '", backend, "' was provided."));
  static std::mutex mutex;
  static std::shared_ptr<GroupImpl> global;
  std::lock_guard<std::mutex> lock(mutex);
  if (global && (backend == "any" || backend == global->backend())) return Group(global);
  for (const Backend& b : kBackends) {
    if (!matches(b, backend) || !b.available()) continue;
    if (auto g = b.init(strict)) {
      if (!global) global = g;
      return Group(g);
    }
  }
  if (strict) {
    if (backend == "any") throw std::runtime_error("[distributed] Couldn't initialize any backend.");
    throw std::runtime_error(msg("[distributed] Cannot initialize the '", backend,
                                 "' backend: this build has no multi-process backend yet."));
  }
  static std::shared_ptr<GroupImpl> local = make_local_group();
  return Group(local);
}

} // namespace mlx::core::distributed
