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
// The export evaluates the array and shares its memory writably (strides in bytes, views
// exported as they are). bfloat16 arrays refuse the export (BufferError) because no buffer
// consumer understands them; NumPy then falls back to __array__.
PyType_Slot* array_buffer_slots();

// The PEP 3118 format string of a dtype ("f", "Zf", ...; "bfloat16" for bfloat16).
const char* buffer_format(mx::Dtype dtype);

// An array from an object exporting the buffer protocol, or nullopt when obj has none
// (bytes and str count as having none). share: wrap the memory without copying (the
// buffer is held until the array's data is freed); otherwise copy into a fresh
// row-contiguous array. NumPy bfloat16 arrays (ml_dtypes) are recognised by their dtype.
// Raises ValueError for unsupported formats and big-endian data.
std::optional<mx::array> array_from_buffer(nb::handle obj, bool share);

// Copies `shape` elements of src_itemsize bytes laid out with byte_strides (any sign)
// into dst, row-major. c128_to_c64: the source holds complex128 and dst gets complex64.
void strided_copy_bytes(
    const char* src,
    char* dst,
    const mx::Shape& shape,
    const std::vector<int64_t>& byte_strides,
    size_t src_itemsize,
    bool c128_to_c64 = false);

// Adds __array__(dtype=None, copy=None) (NumPy 2 semantics; bfloat16 through ml_dtypes).
void add_array_interop_methods(nb::class_<mx::array>& cls);
