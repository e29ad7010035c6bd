// The GGUF format (versions 2 and 3): metadata key/values, tensor infos, aligned data.
#pragma once
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mlx_core/io/safetensors.h"
#include "mlx_core/io/stream.h"

namespace mlx::core::io {

// A scalar metadata value as read from a file: its dtype and its bytes (little-endian, the
// rest zero). Kept this small so that a file of a million scalars stays small in memory.
struct GGUFScalar {
  Dtype dtype = uint8;
  uint64_t bits = 0;
};

// A metadata value: a number or bool (a GGUFScalar when read, or a 0-d array), a numeric
// list (1-d array), a string or a list of strings.
using GGUFValue = std::variant<array, std::string, std::vector<std::string>, GGUFScalar>;
using GGUFMetadata = std::vector<std::pair<std::string, GGUFValue>>;

// The 0-d array holding a scalar metadata value.
array gguf_scalar_array(const GGUFScalar& s);

// Reads every tensor and (when `with_metadata`) the metadata; a key given more than once
// keeps its last value, in the place of its first. Tensors of types F32, F16, BF16, F64, I8,
// I16, I32 and I64 load as arrays; Q4_0, Q4_1 and Q8_0 tensors load as the packed triple of
// the reference: `name` (uint32 words of 4- or 8-bit values, 32 per group), and `P.scales`
// and `P.biases` (float16, one per group), where P is `name` without a trailing ".weight";
// other quantized types are refused with an error naming the type, and so are two tensors
// that give the same name. Every count, length, dimension and offset is checked against the
// file size before anything is allocated.
std::pair<NamedArrays, GGUFMetadata> load_gguf(Reader& r, bool with_metadata = true);

// Checks that the arrays and metadata can be stored; throws otherwise.
void check_gguf(const NamedArrays& arrays, const GGUFMetadata& metadata);

// Writes evaluated arrays (any layout) and metadata as GGUF version 3.
void save_gguf(Writer& w, const NamedArrays& arrays, const GGUFMetadata& metadata);

} // namespace mlx::core::io
