#include "python/src/device.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unordered_map.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>

#include "mlx_core/transforms/eval.h"
#include "python/src/common.h"

namespace mx = mlx::core;
using namespace nb::literals;

namespace {

std::string device_repr(const mx::Device& d) {
  return std::string("Device(") + (d.type == mx::Device::cpu ? "cpu" : "gpu") + ", " +
      std::to_string(d.index) + ")";
}

// The object behind `with mx.stream(s):` — sets the calling thread's default stream (or
// device) on entry and restores the previous one on exit.
struct StreamContext {
  std::variant<mx::Stream, mx::Device> target;
  std::optional<mx::detail::StreamOverride> saved;

  void enter() {
    saved = mx::detail::get_stream_override();
    mx::Stream s = std::holds_alternative<mx::Stream>(target) ? std::get<mx::Stream>(target)
                                                               : mx::default_stream(std::get<mx::Device>(target));
    mx::check_stream(s);
    mx::detail::set_stream_override({true, s});
  }
  void exit() {
    if (saved) mx::detail::set_stream_override(*saved);
    saved.reset();
  }
};

using StreamLike = std::variant<mx::Stream, mx::ThreadLocalStream, mx::Device>;

std::variant<mx::Stream, mx::Device> to_target(const StreamLike& s) {
  if (auto* t = std::get_if<mx::ThreadLocalStream>(&s)) return mx::resolve_stream(*t);
  if (auto* st = std::get_if<mx::Stream>(&s)) return *st;
  mx::Device d = std::get<mx::Device>(s);
  mx::default_stream(d); // raises for a device without a backend
  return d;
}

} // namespace

OPENMLX_ARG_EXPECT(StreamLike, "a Stream or a Device")

void init_device(nb::module_& m) {
  mx::default_stream(mx::default_device()); // the importing thread's default stream is stream 0
  nb::enum_<mx::Device::DeviceType>(m, "DeviceType",
                                    "The kind of a device: cpu or gpu (also mx.cpu and mx.gpu).")
      .value("cpu", mx::Device::cpu)
      .value("gpu", mx::Device::gpu);
  m.attr("cpu") = m.attr("DeviceType").attr("cpu");
  m.attr("gpu") = m.attr("DeviceType").attr("gpu");

  nb::class_<mx::Device>(m, "Device",
                         "A device that computes: its type and index.\n\n"
                         "Device(type, index=0)\n\n"
                         "Args:\n"
                         "    type (DeviceType): mx.cpu or mx.gpu.\n"
                         "    index (int, optional): Which device of that type. Default: 0.\n\n"
                         "A DeviceType is accepted wherever a Device is expected.\n\n"
                         "Example:\n"
                         "    >>> mx.Device(mx.cpu) == mx.cpu  # True")
      .def("__init__", checked_fn("Device", [](mx::Device* self, mx::Device::DeviceType t, int index) {
             new (self) mx::Device(t, index);
           }, "type"_a, "index"_a = 0), "type"_a, "index"_a = 0)
      .def_ro("type", &mx::Device::type)
      .def_ro("index", &mx::Device::index)
      .def("__repr__", &device_repr)
      .def("__eq__", [](const mx::Device& a, nb::handle b) {
        if (nb::isinstance<mx::Device>(b)) return a == nb::cast<mx::Device>(b);
        if (nb::isinstance<mx::Device::DeviceType>(b))
          return a == mx::Device(nb::cast<mx::Device::DeviceType>(b));
        return false;
      })
      .def("__hash__", [](const mx::Device& d) {
        return static_cast<int>(d.type) * 1000003 + d.index;
      });
  // A DeviceType is accepted wherever a Device is expected.
  nb::implicitly_convertible<mx::Device::DeviceType, mx::Device>();

  nb::class_<mx::ThreadLocalStream>(m, "ThreadLocalStream",
                                    "A stream that is distinct in each thread that uses it.")
      .def_ro("device", &mx::ThreadLocalStream::device)
      .def("__repr__", [](const mx::ThreadLocalStream& s) {
        return "ThreadLocalStream(" + device_repr(s.device) + ", " + std::to_string(s.id) + ")";
      });

  nb::class_<mx::Stream>(m, "Stream",
                         "An ordered queue of work on a device. Ops take one through their stream\n"
                         "argument; make them with mx.new_stream(device).\n\n"
                         "Attributes:\n"
                         "    device (Device): The device the work runs on.\n"
                         "    index (int): The stream's number.")
      // Only for the implicit conversion of a thread-local stream (the calling thread's).
      .def(nb::init_implicit<mx::ThreadLocalStream>(), "stream"_a)
      .def_ro("device", &mx::Stream::device)
      .def_ro("index", &mx::Stream::index)
      .def("__repr__", [](const mx::Stream& s) {
        return "Stream(" + device_repr(s.device) + ", " + std::to_string(s.index) + ")";
      })
      .def("__eq__", [](const mx::Stream& a, nb::handle b) {
        return nb::isinstance<mx::Stream>(b) && a == nb::cast<mx::Stream>(b);
      })
      .def("__hash__", [](const mx::Stream& s) {
        return (static_cast<int>(s.device.type) * 1000003 + s.device.index) * 31 + s.index;
      });


  nb::class_<StreamContext>(m, "StreamContext", "A context manager that sets the default device and stream.")
      .def("__init__", [](StreamContext* self, const StreamLike& s) {
        new (self) StreamContext{to_target(s), std::nullopt};
      }, "s"_a)
      .def("__enter__", [](StreamContext& c) { c.enter(); })
      .def("__exit__", [](StreamContext& c, nb::args) { c.exit(); });

  def_op(m, "stream", [](const StreamLike& s) { return StreamContext{to_target(s), std::nullopt}; },
        "s"_a,
        "A context manager that makes s the default stream (or device) inside a with block.\n"
        "\n"
        "Args:\n"
        "    s (Stream or Device): The stream, or a device whose default stream to use.\n"
        "\n"
        "Returns:\n"
        "    StreamContext: The context manager; the previous default is restored on exit.\n"
        "\n"
        "Example:\n"
        "    >>> with mx.stream(mx.cpu):\n"
        "    ...     y = mx.ones(3) + 1  # computed on the CPU's default stream\n");
  def_op(m, "default_device", &mx::default_device,
        "The device ops run on when no stream is given.\n"
        "\n"
        "Returns:\n"
        "    Device: The default device (the CPU in this build).\n");
  def_op(m, "set_default_device", &mx::set_default_device, "device"_a,
        "Sets the device ops run on when no stream is given.\n"
        "\n"
        "Args:\n"
        "    device (Device or DeviceType): The new default device; it must be available.\n");
  def_op(m, "default_stream", &mx::default_stream, "device"_a,
        "The default stream of a device.\n"
        "\n"
        "Args:\n"
        "    device (Device or DeviceType): The device.\n"
        "\n"
        "Returns:\n"
        "    Stream: The calling thread's default stream of the device. Each thread has\n"
        "    its own: work on it is evaluated only by that thread.\n");
  def_op(m, "set_default_stream", &mx::set_default_stream, "stream"_a,
"Sets the default stream (and so the default device) for the calling thread.\n"
        "\n"
        "Args:\n"
        "    stream (Stream): The stream ops use when none is given.\n");
  def_op(m, "new_stream", &mx::new_stream, "device"_a,
        "Makes a new stream on a device; its work runs in order on its own thread.\n"
        "\n"
        "The stream belongs to the calling thread: evaluating work on it from another\n"
        "thread raises RuntimeError (other threads may still build ops on it and\n"
        "synchronize with it). Use new_thread_unsafe_stream for a stream every thread\n"
        "may evaluate on.\n"
        "\n"
        "Args:\n"
        "    device (Device or DeviceType): The device.\n"
        "\n"
        "Returns:\n"
        "    Stream: The new stream.\n");
  def_op(m, "new_thread_unsafe_stream", &mx::new_thread_unsafe_stream, "device"_a,
"Makes a new stream that any thread may evaluate work on (the callers order the work).\n"
        "\n"
        "Args:\n"
        "    device (Device or DeviceType): The device.\n"
        "\n"
        "Returns:\n"
        "    Stream: The new stream.\n");
  def_op(m, "new_thread_local_stream", &mx::new_thread_local_stream, "device"_a,
"Makes a stream that is a distinct stream in each thread that uses it.\n"
        "\n"
        "Args:\n"
        "    device (Device or DeviceType): The device.\n"
        "\n"
        "Returns:\n"
        "    ThreadLocalStream: The thread-local stream.\n");
  def_op(m, "clear_streams", &mx::clear_streams, "Destroys the streams created in the calling thread (after their work finishes).\n");
  def_op(m, "synchronize", [](std::optional<StreamLike> s) {
    mx::Stream st = !s ? mx::default_stream(mx::default_device())
                       : std::visit([](auto& v) -> mx::Stream {
                           using V = std::decay_t<decltype(v)>;
                           if constexpr (std::is_same_v<V, mx::Device>) return mx::default_stream(v);
                           else return mx::Stream(v);
                         }, *s);
    // Any thread may wait for any stream; a destroyed stream has nothing left to wait for.
    nb::gil_scoped_release nogil;
    mx::synchronize(st);
  }, "stream"_a = nb::none(),
    "Waits until the work queued on a stream has finished.\n"
        "\n"
        "Args:\n"
        "    stream (Stream or Device, optional): The stream (or a device's default stream).\n"
        "        Default: None, the default device's default stream.\n");
  def_op(m, "is_available", &mx::is_available, "device"_a,
"Whether a device can run work in this build.\n"
        "\n"
        "Args:\n"
        "    device (Device or DeviceType): The device.\n"
        "\n"
        "Returns:\n"
        "    bool: True for the CPU; False for the GPU in this build.\n");
  def_op(m, "device_count", &mx::device_count, "device_type"_a,
"The number of available devices of a type.\n"
        "\n"
        "Args:\n"
        "    device_type (DeviceType): mx.cpu or mx.gpu.\n"
        "\n"
        "Returns:\n"
        "    int: How many such devices this build can use.\n");
  def_op(m, "device_info", [](std::optional<mx::Device> d) {
    return mx::device_info(d ? *d : mx::default_device());
  }, "d"_a = nb::none(),
  "Information about a device.\n"
        "\n"
        "Args:\n"
        "    d (Device, optional): The device. Default: None, the default device.\n"
        "\n"
        "Returns:\n"
        "    dict: Properties of the device (such as its name and memory size).\n");

  nb::module_ cuda = m.def_submodule("cuda", "CUDA backend (not available in this build).");
  cuda.def("is_available", []() { return false; },
           "Whether the CUDA backend is available.\n"
           "\n"
           "Returns:\n"
           "    bool: False: this build has no CUDA backend.\n");
}
