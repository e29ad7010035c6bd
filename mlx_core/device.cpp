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
  std::thread::id owner; // the thread that may evaluate work on it
  bool alive;
  bool any_thread; // a thread-unsafe stream: every thread may evaluate work on it
};

struct StreamRegistry {
  std::mutex mtx;
  Device default_dev{Device::cpu, 0};
  // The thread that loaded the library: its default CPU stream is index 0, never destroyed.
  std::thread::id main_thread = std::this_thread::get_id();
  std::vector<StreamRecord> streams{{Stream(0, Device(Device::cpu, 0)), main_thread, true, false}};
  int next_thread_local = 0;
};

StreamRegistry& registry() {
  static StreamRegistry* r = new StreamRegistry(); // workers may outlive static teardown
  return *r;
}

thread_local detail::StreamOverride stream_override;

Stream make_stream(Device d, bool any_thread = false) {
  auto& r = registry();
  std::lock_guard<std::mutex> lk(r.mtx);
  Stream s(static_cast<int>(r.streams.size()), d);
  r.streams.push_back({s, std::this_thread::get_id(), true, any_thread});
  return s;
}

// Marks the streams the calling thread made as destroyed (stream 0 excepted) and stops
// their workers once their queued work has run.
void destroy_own_streams() {
  std::vector<int> doomed;
  {
    auto& r = registry();
    std::lock_guard<std::mutex> lk(r.mtx);
    for (auto& rec : r.streams) {
      if (rec.stream.index != 0 && rec.alive && !rec.any_thread && rec.owner == std::this_thread::get_id()) {
        rec.alive = false;
        doomed.push_back(rec.stream.index);
      }
    }
  }
  if (!doomed.empty()) scheduler::stop_workers(doomed);
}

// The calling thread's streams: its default CPU stream (made on first use) and the streams
// of the thread-local handles it resolved. When a thread other than the main one ends, the
// streams it made go with it (no other thread could evaluate work on them).
struct ThreadStreams {
  int default_index = -1;
  bool made_streams = false;
  std::unordered_map<int, Stream> local;
  ~ThreadStreams() {
    if (made_streams && std::this_thread::get_id() != registry().main_thread) destroy_own_streams();
  }
};
thread_local ThreadStreams thread_streams;

Stream make_own_stream(Device d) {
  thread_streams.made_streams = true;
  return make_stream(d);
}

// The index of the calling thread's default CPU stream (made on first use).
int thread_default_index() {
  auto& t = thread_streams;
  if (t.default_index < 0) {
    t.default_index =
        std::this_thread::get_id() == registry().main_thread ? 0 : make_own_stream(Device(Device::cpu, 0)).index;
  }
  return t.default_index;
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
  return Stream(thread_default_index(), d);
}

bool is_thread_default_stream(const Stream& s) {
  if (s.device != Device(Device::cpu, 0)) return false;
  int own = thread_streams.default_index;
  if (own < 0 && s.index == 0) return std::this_thread::get_id() == registry().main_thread;
  return s.index == own;
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
  return make_own_stream(d);
}

Stream new_thread_unsafe_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[new_thread_unsafe_stream] Cannot make gpu stream without gpu backend.");
  }
  return make_stream(d, true);
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
  auto& local = thread_streams.local;
  auto it = local.find(s.id);
  if (it != local.end()) return it->second;
  Stream st = make_own_stream(s.device);
  local.emplace(s.id, st);
  return st;
}

void clear_streams() {
  destroy_own_streams();
  thread_streams.local.clear();
  if (thread_streams.default_index != 0) thread_streams.default_index = -1;
  stream_override.set = false;
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

void check_stream_thread(const Stream& s) {
  if (is_thread_default_stream(s)) return;
  auto& r = registry();
  {
    std::lock_guard<std::mutex> lk(r.mtx);
    if (s.index >= 0 && s.index < static_cast<int>(r.streams.size())) {
      const StreamRecord& rec = r.streams[s.index];
      if (rec.alive && rec.stream.device == s.device && (rec.any_thread || rec.owner == std::this_thread::get_id())) {
        return;
      }
    }
  }
  throw std::runtime_error(
      msg("There is no Stream(", s.device.type == Device::cpu ? "cpu" : "gpu", ", ", s.index, ") in current thread."));
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
