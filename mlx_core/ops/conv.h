// Convolutions in MLX's channels-last layout: input (N, spatial..., C_in), weight
// (C_out, kernel spatial..., C_in / groups), output (N, out spatial..., C_out).
#pragma once
#include <string>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core {

// The general convolution over 1 to 3 spatial dimensions: per spatial axis a stride, a
// (low, high) padding (negative pads crop), a kernel dilation and an input dilation (zeros
// inserted between input elements); `flip` turns the cross-correlation into a convolution.
// A parameter vector of length 1 applies to every spatial axis.
array conv_general(const array& input, const array& weight, std::vector<int> stride,
                   std::vector<int> padding_lo, std::vector<int> padding_hi,
                   std::vector<int> kernel_dilation, std::vector<int> input_dilation, int groups = 1,
                   bool flip = false, StreamOrDevice s = {});

// A cross-correlation with symmetric padding over input.ndim() - 2 spatial axes (1 to 3).
array conv_nd(const array& input, const array& weight, const std::vector<int>& stride,
              const std::vector<int>& padding, const std::vector<int>& dilation, int groups,
              StreamOrDevice s = {});
array conv1d(const array& input, const array& weight, int stride = 1, int padding = 0, int dilation = 1,
             int groups = 1, StreamOrDevice s = {});

// Transposed convolution (the gradient of a convolution with respect to its input) over
// input.ndim() - 2 spatial axes; `output_padding` extra elements at the high end of each.
array conv_transpose_nd(const array& input, const array& weight, const std::vector<int>& stride,
                        const std::vector<int>& padding, const std::vector<int>& dilation,
                        const std::vector<int>& output_padding, int groups = 1, StreamOrDevice s = {});

// NumPy's 1-d discrete convolution of a and v; mode "full", "same" or "valid".
array convolve(const array& a, const array& v, const std::string& mode = "full", StreamOrDevice s = {});

} // namespace mlx::core
