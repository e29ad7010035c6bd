// The .npy format (NumPy's single-array files, versions 1.0 to 3.0).
#pragma once
#include "mlx_core/io/stream.h"

namespace mlx::core::io {

// Reads one .npy array that starts at `offset` of the source. Checks the header against the
// source size before allocating; Fortran-order files give a column-major array, big-endian
// ones are byte-swapped. `consumed`, when given, receives the bytes the array occupied.
array load_npy(Reader& r, uint64_t offset = 0, uint64_t* consumed = nullptr);

// Writes an evaluated array as .npy (version 1.0, or 2.0 when the header needs it).
void save_npy(Writer& w, const array& a);

} // namespace mlx::core::io
