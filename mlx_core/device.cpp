#include "mlx_core/device.h"

#include <mutex>
#include <stdexcept>
#include <vector>

namespace mlx::core {

namespace {
struct StreamRegistry {
  std::mutex mtx;
  Device default_dev{Device::cpu, 0};
  std::vector<Stream> streams{Stream(0, Device(Device::cpu, 0))};
  Stream default_cpu{0, Device(Device::cpu, 0)};
};
StreamRegistry& registry() {
  static StreamRegistry r;
  return r;
}
} // namespace

bool is_available(const Device& d) {
  return d.type == Device::cpu;
}

const Device& default_device() {
  return registry().default_dev;
}

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[set_default_device] Cannot set gpu device without gpu backend.");
  }
  registry().default_dev = d;
}

Stream default_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[default_stream] Cannot get gpu stream without gpu backend.");
  }
  return registry().default_cpu;
}

void set_default_stream(Stream s) {
  if (!is_available(s.device)) {
    throw std::invalid_argument("[set_default_stream] Cannot set gpu stream without gpu backend.");
  }
  auto& r = registry();
  r.default_cpu = s;
  r.default_dev = s.device;
}

Stream new_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[new_stream] Cannot make gpu stream without gpu backend.");
  }
  auto& r = registry();
  std::lock_guard<std::mutex> lk(r.mtx);
  Stream s(static_cast<int>(r.streams.size()), d);
  r.streams.push_back(s);
  return s;
}

Stream to_stream(StreamOrDevice s) {
  if (std::holds_alternative<Stream>(s)) return std::get<Stream>(s);
  if (std::holds_alternative<Device>(s)) return default_stream(std::get<Device>(s));
  return default_stream(default_device());
}

} // namespace mlx::core

#include "mlx_core/backend/cpu/encoder.h"

namespace mlx::core::cpu {

CommandEncoder& get_command_encoder(const Stream&) {
  static CommandEncoder encoder; // stateless: every CPU stream runs its tasks where it executes
  return encoder;
}

} // namespace mlx::core::cpu
