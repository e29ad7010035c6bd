// Quantization: packing weights into low-bit integers or small floats (affine, mxfp4,
// mxfp8, nvfp4), and the matrix products that compute from the packed form.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

enum class QuantizationMode { Affine, Mxfp4, Mxfp8, Nvfp4 };

// The mode named by `mode` ("affine", "mxfp4", "mxfp8", "nvfp4"); ValueError naming `op`
// otherwise.
QuantizationMode quantization_mode(const std::string& mode, const char* op);
// The mode's name.
const char* mode_name(QuantizationMode mode);

// w (at least 2-d, a real floating type, last axis divisible by the group size) packed into
// uint32 words, with its per-group scales (and, for affine, biases). group_size and bits
// default per mode (affine: 64 and 4; mxfp4: 32, 4; mxfp8: 32, 8; nvfp4: 16, 4).
// global_scale (nvfp4 only) is a float32 scalar: the tensor's absolute maximum.
std::vector<array> quantize(const array& w, std::optional<int> group_size = std::nullopt,
                            std::optional<int> bits = std::nullopt, const std::string& mode = "affine",
                            const std::optional<array>& global_scale = std::nullopt, StreamOrDevice s = {});

// The floating-point matrix that quantize packed: scale * q + bias per group (affine) or
// element * scale (the fp modes), as `dtype` (default: the scales' type for affine,
// bfloat16 for the fp modes).
array dequantize(const array& w, const array& scales, const std::optional<array>& biases = std::nullopt,
                 std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                 const std::string& mode = "affine", const std::optional<array>& global_scale = std::nullopt,
                 std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});

// x @ dequantize(w).T (transpose) or x @ dequantize(w), computed from the packed weights.
// Batch dimensions of x and w broadcast.
array quantized_matmul(const array& x, const array& w, const array& scales,
                       const std::optional<array>& biases = std::nullopt, bool transpose = true,
                       std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                       const std::string& mode = "affine", StreamOrDevice s = {});

// quantized_matmul with matrix-level gather: output [i] is x[lhs_indices[i]] times
// w[rhs_indices[i]] (flat indices over the batch dimensions; both default to the batch
// positions, and the two index arrays broadcast).
array gather_qmm(const array& x, const array& w, const array& scales,
                 const std::optional<array>& biases = std::nullopt,
                 const std::optional<array>& lhs_indices = std::nullopt,
                 const std::optional<array>& rhs_indices = std::nullopt, bool transpose = true,
                 std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                 const std::string& mode = "affine", const std::optional<array>& global_scale = std::nullopt,
                 bool sorted_indices = false, StreamOrDevice s = {});

// x quantized on the fly (nvfp4 or mxfp8; affine accepted too) times w, quantized on the
// fly unless it is given packed (uint32, with scales): x_q @ w_q.T. Gradients reach x and
// an unquantized w as for x @ w.T (straight through the rounding).
array qqmm(const array& x, const array& w, const std::optional<array>& scales = std::nullopt,
           std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
           const std::string& mode = "nvfp4", const std::optional<array>& global_scale_x = std::nullopt,
           const std::optional<array>& global_scale_w = std::nullopt, StreamOrDevice s = {});

// qqmm with matrix-level gather (indices as gather_qmm's).
array gather_qqmm(const array& x, const array& w, const std::optional<array>& scales = std::nullopt,
                  const std::optional<array>& lhs_indices = std::nullopt,
                  const std::optional<array>& rhs_indices = std::nullopt,
                  std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                  const std::string& mode = "nvfp4", const std::optional<array>& global_scale_x = std::nullopt,
                  const std::optional<array>& global_scale_w = std::nullopt, bool sorted_indices = false,
                  StreamOrDevice s = {});

} // namespace mlx::core
