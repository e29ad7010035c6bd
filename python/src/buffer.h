// The Python buffer protocol both ways, and NumPy's __array__.
#pragma once
#include <optional>
#include <vector>

#include <nanobind/nanobind.h>

#include "mlx_core/array.h"

namespace nb = nanobind;
namespace mx = mlx::core;

// {Py_bf_getbuffer, Py_bf_releasebuffer, {0, nullptr}}: pass as
// nb::type_slots(array_buffer_slots()) when declaring the array class.
// The export evaluates the array and shares its memory (strides in bytes, views exported
// as they are); writably, unless the memory came from a read-only producer (then the
// view is read-only and a request for a writable buffer raises BufferError). bfloat16
// arrays refuse the export (BufferError) because no buffer consumer understands them;
// NumPy then falls back to __array__.
PyType_Slot* array_buffer_slots();

// The PEP 3118 format string of a dtype ("f", "Zf", ...; "bfloat16" for bfloat16).
const char* buffer_format(mx::Dtype dtype);

// An array from an object exporting the buffer protocol, or nullopt when obj has none
// (bytes and str count as having none). share: wrap the memory without copying (the
// buffer is held until the array's data is freed); otherwise copy into a fresh
// row-contiguous array. Read-only producers give arrays whose memory stays read-only in
// every export; bool data with bytes other than 0/1 is copied as 0/1. NumPy bfloat16
// arrays (ml_dtypes) are recognised by their dtype.
// Raises ValueError for unsupported formats and big-endian data.
std::optional<mx::array> array_from_buffer(nb::handle obj, bool share);

// A new row-contiguous array holding a copy of foreign memory: base points at element
// [0, ..., 0], byte_strides may have any sign and need not be multiples of itemsize.
// c128: the source holds complex128, converted to complex64. Runs through the engine's
// strided copy (collapsed dims, memcpy for contiguous data). The caller keeps the memory
// valid for the duration of the call.
mx::array copy_foreign(
    const char* base,
    const mx::Shape& shape,
    std::vector<int64_t> byte_strides,
    size_t itemsize,
    mx::Dtype dtype,
    bool c128 = false);

// Whether every byte of a strided bool block is 0 or 1 (foreign memory may hold others).
bool bool_bytes_are_0_or_1(const char* base, const mx::Shape& shape, const std::vector<int64_t>& byte_strides);

// Adds __array__(dtype=None, copy=None) (NumPy 2 semantics; bfloat16 through ml_dtypes).
void add_array_interop_methods(nb::class_<mx::array>& cls);
