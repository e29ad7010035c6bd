// The one table of exportable primitives: each class's key, how its parameters are written
// and read back (through its state() tuple), and the checks an imported node must pass.
#pragma once
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {
class Primitive;
}

namespace mlx::core::exporting {

struct EncodedPrimitive {
  std::string key;   // the class (Unary, Reduce, ...)
  std::string state; // its parameters (export_state.h encoding)
};

// The key and parameters of p; std::invalid_argument "[export] Primitive X cannot be
// exported." for a class outside the table.
EncodedPrimitive encode_primitive(const Primitive& p);

// A new primitive of class `key` with the encoded parameters on stream s; raises
// std::runtime_error (a malformed file) for an unknown key or a bad encoding.
std::shared_ptr<Primitive> decode_primitive(const std::string& key, const std::string& state, Stream s);

// Checks an imported node before it joins a graph: the invariants its kernel relies on that
// the op building it would have checked (axes in range, matching shapes and dtypes, ...)
// and the output dtypes the node records, where its class fixes them. Raises
// std::runtime_error (a malformed file) when one fails.
void check_node(const std::string& key, const std::string& state, const std::vector<array>& inputs,
                const std::vector<Dtype>& out_dtypes);

// One parameter as the export callback shows it.
using StateValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>>;
// The parameters of an encoded primitive, flattened to simple values.
std::vector<StateValue> describe_state(const std::string& key, const std::string& state);

} // namespace mlx::core::exporting
