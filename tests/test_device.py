"""Devices and streams as far as issue 2 goes; reprs read off the reference."""

import pytest

import mlx.core as mx


def test_device_types():
    assert repr(mx.cpu) == "DeviceType.cpu"
    assert repr(mx.gpu) == "DeviceType.gpu"
    assert mx.cpu == mx.DeviceType.cpu
    assert mx.gpu == mx.DeviceType.gpu
    assert mx.cpu != mx.gpu


def test_device_objects():
    d = mx.Device(mx.cpu)
    assert repr(d) == "Device(cpu, 0)"
    assert str(d) == "Device(cpu, 0)"
    assert d.type == mx.cpu
    assert repr(mx.Device(mx.gpu, 1)) == "Device(gpu, 1)"
    assert repr(mx.Device(mx.cpu, 0)) == "Device(cpu, 0)"
    assert mx.Device(mx.cpu) == mx.Device(mx.cpu)
    assert mx.Device(mx.cpu) == mx.cpu
    assert mx.Device(mx.cpu) != mx.Device(mx.gpu)


def test_default_device():
    d = mx.default_device()
    assert isinstance(d, mx.Device)
    assert repr(d) == "Device(cpu, 0)"
    assert d == mx.cpu


def test_set_default_device_cpu():
    assert mx.set_default_device(mx.cpu) is None
    assert mx.default_device() == mx.cpu
    mx.set_default_device(mx.Device(mx.cpu))
    assert mx.default_device() == mx.cpu


def test_set_default_device_gpu_raises():
    with pytest.raises(ValueError):
        mx.set_default_device(mx.gpu)
    with pytest.raises(ValueError):
        mx.set_default_device(mx.Device(mx.gpu))
    assert mx.default_device() == mx.cpu


def test_streams():
    s = mx.default_stream(mx.cpu)
    assert isinstance(s, mx.Stream)
    assert repr(s) == "Stream(Device(cpu, 0), 0)"
    assert s.device == mx.Device(mx.cpu)
    assert repr(mx.default_stream(mx.default_device())) == "Stream(Device(cpu, 0), 0)"
    assert mx.default_stream(mx.cpu) == mx.default_stream(mx.cpu)
    with pytest.raises(TypeError):
        mx.Stream(mx.cpu)


def test_gpu_stream_raises():
    with pytest.raises(ValueError):
        mx.default_stream(mx.gpu)


def test_availability():
    assert mx.metal.is_available() is False
    assert mx.is_available(mx.cpu) is True
    assert mx.is_available(mx.gpu) is False


def test_stream_and_device_arguments_to_ops():
    assert mx.zeros((2,), stream=mx.cpu).tolist() == [0.0, 0.0]
    assert mx.add(mx.ones((2,)), 1, stream=mx.cpu).tolist() == [2.0, 2.0]
    assert mx.add(mx.ones((2,)), 1, stream=mx.default_stream(mx.cpu)).tolist() == [2.0, 2.0]
    assert mx.sum(mx.ones((3,)), stream=mx.Device(mx.cpu)).item() == 3.0
    with pytest.raises(ValueError):
        mx.add(mx.ones((2,)), 1, stream=mx.gpu)
