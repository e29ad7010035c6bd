// The .npy format (NumPy's single-array files, versions 1.0 to 3.0).
#pragma once
#include <functional>

#include "mlx_core/io/stream.h"

namespace mlx::core::io {

// Reads one .npy array that starts at `offset` of the source. Checks the header against the
// source size before allocating; Fortran-order files give a column-major array, big-endian
// ones are byte-swapped. `consumed`, when given, receives the bytes the array occupied.
array load_npy(Reader& r, uint64_t offset = 0, uint64_t* consumed = nullptr);

// Reads up to n bytes into dst and returns how many it gave (0 at the end of the source).
using StreamRead = std::function<uint64_t(void* dst, uint64_t n)>;

// Reads one .npy array from a sequential source whose content is not known to be there (a
// compressed zip member): `limit` bounds the bytes it may hold. Data of up to `direct` bytes
// (a size the caller can vouch for) is read into memory allocated at once; beyond that,
// memory grows with the data actually read, so a header that claims more than the source
// gives fails after allocating a small multiple of what arrived (or 16 MB), never the
// claimed size.
array load_npy_stream(const StreamRead& read, uint64_t limit, uint64_t direct = 0);

// Writes an evaluated array as .npy (version 1.0, or 2.0 when the header needs it).
void save_npy(Writer& w, const array& a);

} // namespace mlx::core::io
