// The "local" backend: a group of this process alone. Every collective of one process is
// the identity, so each one copies `in` to `out` (nothing when they share a buffer).
#include <cstring>
#include <stdexcept>

#include "mlx_core/distributed/group.h"

namespace mlx::core::distributed {

namespace {

class LocalGroup : public GroupImpl {
 public:
  int rank() override { return 0; }
  int size() override { return 1; }
  const char* backend() const override { return "local"; }
  std::shared_ptr<GroupImpl> split(int, int) override {
    throw std::runtime_error("[distributed] Cannot split the distributed group further (it has one process).");
  }
  void all_sum(const array& in, array& out, const Stream&) override { copy(in, out); }
  void all_max(const array& in, array& out, const Stream&) override { copy(in, out); }
  void all_min(const array& in, array& out, const Stream&) override { copy(in, out); }
  void all_gather(const array& in, array& out, const Stream&) override { copy(in, out); }
  void sum_scatter(const array& in, array& out, const Stream&) override { copy(in, out); }
  void send(const array&, int, const Stream&) override {
    throw std::invalid_argument("[send] Cannot send to a singleton group.");
  }
  void recv(array&, int, const Stream&) override {
    throw std::invalid_argument("[recv] Cannot recv from a singleton group.");
  }

 private:
  static void copy(const array& in, array& out) {
    if (out.nbytes() != in.nbytes())
      throw std::invalid_argument("[distributed] The output buffer of a one-process collective must match its input.");
    if (out.raw_data() != in.raw_data() && in.nbytes() > 0) std::memcpy(out.raw_data(), in.raw_data(), in.nbytes());
  }
};

} // namespace

std::shared_ptr<GroupImpl> make_local_group() { return std::make_shared<LocalGroup>(); }

} // namespace mlx::core::distributed
