// Devices and streams. A stream is an ordered queue of work on a device. Each thread has a
// default stream per device; a stream belongs to the thread that made it, and only that
// thread evaluates work on it (thread-unsafe streams excepted). A thread's default CPU
// stream evaluates synchronous work in that thread; every other stream runs its work in
// order on a worker thread of its own (see scheduler.h).
#pragma once
#include <string>
#include <unordered_map>
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

// A handle that stands for a distinct stream in each thread that uses it.
struct ThreadLocalStream {
  int id;
  Device device;
};

struct Stream {
  int index;
  Device device;
  Stream(int i, Device d) : index(i), device(d) {}
  // The calling thread's stream for a thread-local handle.
  Stream(const ThreadLocalStream& t);
  bool operator==(const Stream& o) const { return index == o.index && device == o.device; }
  bool operator!=(const Stream& o) const { return !(*this == o); }
};

// What an op's `stream` argument may be: nothing (the default), a stream or a device.
using StreamOrDevice = std::variant<std::monostate, Stream, Device>;

// Whether a device of this type can run work in this build (GPU: no backend yet).
bool is_available(const Device& d);
// The number of devices of a type in this build.
int device_count(Device::DeviceType type);
// Facts about a device (architecture, name), as strings and numbers.
std::unordered_map<std::string, std::variant<std::string, size_t>> device_info(const Device& d);

// The default device of the calling thread (set by set_default_device or a stream scope).
Device default_device();
// Sets the process-wide default device; raises std::invalid_argument if not available.
void set_default_device(const Device& d);
// The default stream of a device in the calling thread: the thread that loaded the library
// has stream 0; every other thread gets a stream of its own on first use.
Stream default_stream(Device d);
// Makes `s` the calling thread's default stream (and its device the default device).
void set_default_stream(Stream s);
// A new stream on the device. It belongs to the calling thread: only that thread may
// evaluate work on it (other threads may build ops on it and synchronize with it).
Stream new_stream(Device d);
// A new stream on the device that any thread may evaluate work on (the callers order it).
Stream new_thread_unsafe_stream(Device d);
// A new thread-local stream handle: each thread that uses it gets a stream of its own.
ThreadLocalStream new_thread_local_stream(Device d);
// The calling thread's stream for a thread-local handle (made on first use).
Stream resolve_stream(const ThreadLocalStream& s);
// Destroys the streams made by the calling thread (after their queued work has run) and
// resets its default stream (a thread other than the library's first gets a new one).
void clear_streams();
// Raises std::runtime_error if `s` was destroyed or never made.
void check_stream(const Stream& s);
// Raises std::runtime_error unless the calling thread may evaluate work on `s`: its own
// default stream, a stream it made (new_stream, a thread-local stream it resolved) or a
// thread-unsafe stream, alive.
void check_stream_thread(const Stream& s);
// Whether `s` is the calling thread's default stream of its device, whose work runs in the
// calling thread (without a worker) when it is evaluated synchronously.
bool is_thread_default_stream(const Stream& s);
// The stream an op runs on, resolved from its argument.
Stream to_stream(StreamOrDevice s);

namespace detail {
// The calling thread's default stream, when a stream scope or set_default_stream set one.
struct StreamOverride {
  bool set = false;
  Stream stream{0, Device(Device::cpu, 0)};
};
StreamOverride get_stream_override();
void set_stream_override(const StreamOverride& o);
} // namespace detail

} // namespace mlx::core
