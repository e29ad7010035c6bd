#include "mlx_core/device.h"

#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "mlx_core/errors.h"
#include "mlx_core/scheduler.h"

namespace mlx::core {

namespace {

struct StreamRecord {
  Stream stream;
  std::thread::id creator;
  bool alive;
};

struct StreamRegistry {
  std::mutex mtx;
  Device default_dev{Device::cpu, 0};
  // Index 0 is the default CPU stream; it is never destroyed.
  std::vector<StreamRecord> streams{{Stream(0, Device(Device::cpu, 0)), {}, true}};
  int next_thread_local = 0;
};

StreamRegistry& registry() {
  static StreamRegistry* r = new StreamRegistry(); // workers may outlive static teardown
  return *r;
}

thread_local detail::StreamOverride stream_override;
thread_local std::unordered_map<int, Stream>* thread_local_streams = nullptr;

Stream make_stream(Device d) {
  auto& r = registry();
  std::lock_guard<std::mutex> lk(r.mtx);
  Stream s(static_cast<int>(r.streams.size()), d);
  r.streams.push_back({s, std::this_thread::get_id(), true});
  return s;
}

std::string cpu_name() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      if (pos != std::string::npos) return line.substr(line.find_first_not_of(' ', pos + 1));
    }
  }
  return "cpu";
}

std::string architecture() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "arm64";
#else
  return "unknown";
#endif
}

} // namespace

Stream::Stream(const ThreadLocalStream& t) : Stream(resolve_stream(t)) {}

bool is_available(const Device& d) {
  return d.type == Device::cpu;
}

int device_count(Device::DeviceType type) {
  return type == Device::cpu ? 1 : 0;
}

std::unordered_map<std::string, std::variant<std::string, size_t>> device_info(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[device_info] Cannot get gpu device info without gpu backend.");
  }
  return {{"architecture", architecture()}, {"device_name", cpu_name()}};
}

Device default_device() {
  if (stream_override.set) return stream_override.stream.device;
  return registry().default_dev;
}

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[set_default_device] Cannot set gpu device without gpu backend.");
  }
  registry().default_dev = d;
  if (stream_override.set && stream_override.stream.device != d) stream_override.set = false;
}

Stream default_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[default_stream] Cannot get gpu stream without gpu backend.");
  }
  if (stream_override.set && stream_override.stream.device == d) return stream_override.stream;
  return Stream(0, d);
}

void set_default_stream(Stream s) {
  if (!is_available(s.device)) {
    throw std::invalid_argument("[set_default_stream] Cannot set gpu stream without gpu backend.");
  }
  check_stream(s);
  stream_override = {true, s};
}

Stream new_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[new_stream] Cannot make gpu stream without gpu backend.");
  }
  return make_stream(d);
}

ThreadLocalStream new_thread_local_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[new_thread_local_stream] Cannot make gpu stream without gpu backend.");
  }
  auto& r = registry();
  std::lock_guard<std::mutex> lk(r.mtx);
  return ThreadLocalStream{r.next_thread_local++, d};
}

Stream resolve_stream(const ThreadLocalStream& s) {
  if (!thread_local_streams) thread_local_streams = new std::unordered_map<int, Stream>();
  auto it = thread_local_streams->find(s.id);
  if (it != thread_local_streams->end()) return it->second;
  Stream st = make_stream(s.device);
  thread_local_streams->emplace(s.id, st);
  return st;
}

void clear_streams() {
  std::vector<int> doomed;
  {
    auto& r = registry();
    std::lock_guard<std::mutex> lk(r.mtx);
    for (auto& rec : r.streams) {
      if (rec.stream.index != 0 && rec.alive && rec.creator == std::this_thread::get_id()) {
        rec.alive = false;
        doomed.push_back(rec.stream.index);
      }
    }
  }
  if (thread_local_streams) thread_local_streams->clear();
  stream_override.set = false;
  scheduler::stop_workers(doomed);
}

void check_stream(const Stream& s) {
  if (s.index == 0) return;
  auto& r = registry();
  std::lock_guard<std::mutex> lk(r.mtx);
  if (s.index < 0 || s.index >= static_cast<int>(r.streams.size()) || !r.streams[s.index].alive ||
      r.streams[s.index].stream.device != s.device) {
    throw std::runtime_error(msg("There is no Stream(", s.device.type == Device::cpu ? "cpu" : "gpu", ", ", s.index,
                                 ") in current thread."));
  }
}

Stream to_stream(StreamOrDevice s) {
  if (std::holds_alternative<Stream>(s)) {
    const Stream& st = std::get<Stream>(s);
    if (!is_available(st.device)) {
      throw std::invalid_argument("[stream] Cannot use a gpu stream without gpu backend.");
    }
    check_stream(st);
    return st;
  }
  if (std::holds_alternative<Device>(s)) return default_stream(std::get<Device>(s));
  if (stream_override.set) return stream_override.stream;
  return default_stream(registry().default_dev);
}

namespace detail {

StreamOverride get_stream_override() { return stream_override; }

void set_stream_override(const StreamOverride& o) { stream_override = o; }

} // namespace detail

} // namespace mlx::core

#include "mlx_core/backend/cpu/encoder.h"

namespace mlx::core::cpu {

CommandEncoder& get_command_encoder(const Stream&) {
  static CommandEncoder encoder; // stateless: every CPU stream runs its tasks where it executes
  return encoder;
}

} // namespace mlx::core::cpu
