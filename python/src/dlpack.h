// DLPack export (__dlpack__, __dlpack_device__) and import (mx.from_dlpack).
#pragma once
#include <optional>

#include <nanobind/nanobind.h>

#include "mlx_core/array.h"

namespace nb = nanobind;
namespace mx = mlx::core;

// Adds __dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None) and
// __dlpack_device__() to the array class.
void add_dlpack_methods(nb::class_<mx::array>& cls);

// Adds mx.from_dlpack(x, /, *, copy=None).
void init_dlpack(nb::module_& m);

// An array from an object with __dlpack__ (or a "dltensor" capsule), or nullopt when obj
// has neither. copy: true copies; false/None share the producer's memory (held until the
// array's data is freed); memory of a read-only producer stays read-only in every export.
// bool data with bytes other than 0/1 is copied as 0/1 (ValueError when copy is False).
// Raises ValueError "[from_dlpack] ..." for non-CPU data and unsupported dtypes.
std::optional<mx::array> array_from_dlpack(nb::handle obj, std::optional<bool> copy);
