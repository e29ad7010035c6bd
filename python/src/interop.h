// The interface to the buffer-protocol / DLPack / transforms bindings written in their own
// files. Declares the functions here only while those headers do not exist yet.
#pragma once
#include <nanobind/nanobind.h>

#include <optional>

#include "mlx_core/array.h"

namespace nb = nanobind;

#if __has_include("python/src/buffer.h")
#include "python/src/buffer.h"
#else
PyType_Slot* array_buffer_slots();
std::optional<mlx::core::array> array_from_buffer(nb::handle obj, bool share);
#endif

#if __has_include("python/src/dlpack.h")
#include "python/src/dlpack.h"
#else
void add_dlpack_methods(nb::class_<mlx::core::array>& cls);
void init_dlpack(nb::module_& m);
std::optional<mlx::core::array> array_from_dlpack(nb::handle obj, std::optional<bool> copy);
#endif

#if __has_include("python/src/transforms.h")
#include "python/src/transforms.h"
#else
void init_transforms(nb::module_& m);
#endif
