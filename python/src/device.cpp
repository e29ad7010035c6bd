#include "python/src/device.h"

#include <nanobind/stl/string.h>

#include <string>

namespace mx = mlx::core;
using namespace nb::literals;

namespace {

std::string device_repr(const mx::Device& d) {
  return std::string("Device(") + (d.type == mx::Device::cpu ? "cpu" : "gpu") + ", " +
      std::to_string(d.index) + ")";
}

} // namespace

void init_device(nb::module_& m) {
  nb::enum_<mx::Device::DeviceType>(m, "DeviceType")
      .value("cpu", mx::Device::cpu)
      .value("gpu", mx::Device::gpu);
  m.attr("cpu") = m.attr("DeviceType").attr("cpu");
  m.attr("gpu") = m.attr("DeviceType").attr("gpu");

  nb::class_<mx::Device>(m, "Device")
      .def(nb::init<mx::Device::DeviceType, int>(), "type"_a, "index"_a = 0)
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

  nb::class_<mx::Stream>(m, "Stream")
      .def(nb::init<int, mx::Device>(), "index"_a, "device"_a)
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

  m.def("default_device", &mx::default_device, nb::rv_policy::copy,
        "Get the default device.");
  m.def("set_default_device", &mx::set_default_device, "device"_a,
        "Set the default device.");
  m.def("default_stream", &mx::default_stream, "device"_a,
        "Get the device's default stream.");
  m.def("set_default_stream", &mx::set_default_stream, "stream"_a,
        "Set the default stream of the stream's device.");
  m.def("new_stream", &mx::new_stream, "device"_a, "Make a new stream on the device.");
  m.def("is_available", &mx::is_available, "device"_a,
        "Whether the device can run work in this build.");
}
