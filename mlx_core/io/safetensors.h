// The safetensors format: an 8-byte little-endian header length, a JSON header, the data.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "mlx_core/io/stream.h"

namespace mlx::core::io {

using NamedArrays = std::vector<std::pair<std::string, array>>;
using StringMap = std::vector<std::pair<std::string, std::string>>;

// Reads every tensor and the "__metadata__" map (empty when absent). The header is checked
// completely (dtypes, shapes, data_offsets inside the data section, no overlaps, sizes
// matching the shapes) before any tensor memory is allocated.
std::pair<NamedArrays, StringMap> load_safetensors(Reader& r);

// Checks that every array can be stored (dtype supported); throws otherwise.
void check_safetensors(const NamedArrays& arrays);

// Writes evaluated arrays (any layout) and the metadata; metadata is omitted when empty.
void save_safetensors(Writer& w, const NamedArrays& arrays, const StringMap& metadata);

} // namespace mlx::core::io
