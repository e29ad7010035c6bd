// Devices and streams. The CPU stream evaluates in the calling thread.
#pragma once
#include <variant>

namespace mlx::core {

struct Device {
  enum class DeviceType { cpu, gpu };
  static constexpr DeviceType cpu = DeviceType::cpu;
  static constexpr DeviceType gpu = DeviceType::gpu;

  DeviceType type;
  int index;

  constexpr Device(DeviceType t, int i = 0) : type(t), index(i) {}
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

struct Stream {
  int index;
  Device device;
  Stream(int i, Device d) : index(i), device(d) {}
  bool operator==(const Stream& o) const { return index == o.index && device == o.device; }
  bool operator!=(const Stream& o) const { return !(*this == o); }
};

// What an op's `stream` argument may be: nothing (the default), a stream or a device.
using StreamOrDevice = std::variant<std::monostate, Stream, Device>;

// Whether a device of this type can run work in this build (GPU: Metal only).
bool is_available(const Device& d);
const Device& default_device();
// Raises std::invalid_argument for a device that is not available.
void set_default_device(const Device& d);
Stream default_stream(Device d);
void set_default_stream(Stream s);
Stream new_stream(Device d);
// The stream an op runs on, resolved from its argument.
Stream to_stream(StreamOrDevice s);

} // namespace mlx::core
