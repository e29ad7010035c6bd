// The GGUF format (versions 2 and 3): metadata key/values, tensor infos, aligned data.
#pragma once
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mlx_core/io/safetensors.h"
#include "mlx_core/io/stream.h"

namespace mlx::core::io {

// A metadata value: a number or bool (0-d array), a numeric list (1-d array), a string or
// a list of strings.
using GGUFValue = std::variant<array, std::string, std::vector<std::string>>;
using GGUFMetadata = std::vector<std::pair<std::string, GGUFValue>>;

// Reads every tensor (F32, F16, BF16, F64, I8, I16, I32, I64; quantized types are refused
// with an error naming the type) and the metadata. Every count, length, dimension and
// offset is checked against the file size before anything is allocated.
std::pair<NamedArrays, GGUFMetadata> load_gguf(Reader& r);

// Checks that the arrays and metadata can be stored; throws otherwise.
void check_gguf(const NamedArrays& arrays, const GGUFMetadata& metadata);

// Writes evaluated arrays (any layout) and metadata as GGUF version 3.
void save_gguf(Writer& w, const NamedArrays& arrays, const GGUFMetadata& metadata);

} // namespace mlx::core::io
