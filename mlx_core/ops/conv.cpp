// Validation and graph construction of the convolution ops.
#include "mlx_core/ops/conv.h"

#include <algorithm>
#include <sstream>

#include "mlx_core/errors.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/conv.h"
#include "mlx_core/utils.h"

namespace mlx::core {

namespace {

std::string ints_str(const std::vector<int>& v) {
  Shape s(v.begin(), v.end());
  return shape_str(s);
}

// A per-axis parameter: length 1 applies to every axis; any other length but `nsp` raises.
std::vector<int> per_axis(std::vector<int> v, int nsp, const char* what) {
  if (v.size() == 1 && nsp > 1) v.assign(nsp, v[0]);
  if (static_cast<int>(v.size()) != nsp) {
    throw std::invalid_argument(msg("[conv] Invalid ", what, " ", ints_str(v), " for ", nsp, "D convolution."));
  }
  return v;
}

void check_positive(const std::vector<int>& v, const char* cap, const char* what) {
  for (int x : v) {
    if (x <= 0) throw std::invalid_argument(msg("[conv] ", cap, " sizes must be positive. Got ", what, " ", ints_str(v), "."));
  }
}

} // namespace

array conv_general(const array& input, const array& weight, std::vector<int> stride, std::vector<int> lo,
                   std::vector<int> hi, std::vector<int> kdil, std::vector<int> idil, int groups, bool flip,
                   StreamOrDevice s) {
  int nd = input.ndim();
  if (nd < 3 || nd > 5) {
    throw std::invalid_argument(
        "[conv] Only works for inputs with 1-3 spatial dimensions. The inputs must be in the format [N, ..., C_in]");
  }
  int nsp = nd - 2;
  if (weight.ndim() != nd) {
    throw std::invalid_argument(msg("[conv] Invalid weight array with ", weight.ndim(), " dimensions for ", nsp,
                                    "D convolution. Expected an array with ", nd,
                                    " dimensions following the format [C_out, ..., C_in]."));
  }
  if (!is_floating_point(input.dtype())) {
    throw std::invalid_argument(msg("[conv] Invalid input array with type ", dtype_name(input.dtype()),
                                    ". Convolution currently only supports floating point types"));
  }
  Dtype dt = promote_types(input.dtype(), weight.dtype());
  if (!is_floating_point(dt)) {
    throw std::invalid_argument(msg("[conv] Invalid weight array with type ", dtype_name(weight.dtype()),
                                    ". Convolution currently only supports floating point types"));
  }
  if (groups < 1) throw std::invalid_argument(msg("[conv] The number of groups must be positive. Got ", groups, "."));
  int64_t cin = input.shape().back(), cout = weight.shape()[0];
  if (cin % groups != 0) {
    throw std::invalid_argument(msg("[conv] The input channels must be divisible by the number of groups. Got input with shape ",
                                    shape_str(input.shape()), " and ", groups, " groups."));
  }
  if (groups > 1 && cout % groups != 0) {
    throw std::invalid_argument(msg("[conv] If groups > 1, the output channels must be divisible by the number of groups. Got ",
                                    cout, " output channels and ", groups, " groups."));
  }
  if (int64_t(weight.shape().back()) * groups != cin) {
    throw std::invalid_argument(msg("[conv] Expect the input channels in the input and weight array to match but got shapes - input: ",
                                    shape_str(input.shape()), " and weight: ", shape_str(weight.shape())));
  }
  stride = per_axis(std::move(stride), nsp, "strides");
  if (lo.size() == 1 && hi.size() == 1 && nsp > 1) {
    lo.assign(nsp, lo[0]);
    hi.assign(nsp, hi[0]);
  }
  if (static_cast<int>(lo.size()) != nsp || static_cast<int>(hi.size()) != nsp) {
    throw std::invalid_argument(msg("[conv] Invalid padding ", ints_str(lo), " | ", ints_str(hi), " for ", nsp, "D convolution."));
  }
  kdil = per_axis(std::move(kdil), nsp, "kernel dilation");
  idil = per_axis(std::move(idil), nsp, "input dilation");
  check_positive(stride, "Stride", "strides");
  check_positive(kdil, "Kernel dilation", "kernel dilation");
  check_positive(idil, "Input dilation", "input dilation");
  Shape out_shape{input.shape()[0]};
  for (int i = 0; i < nsp; ++i) {
    int64_t k = weight.shape()[i + 1];
    if (k <= 0) {
      throw std::invalid_argument(msg("[conv] Weight spatial dimensions must be positive. Got weight of shape ",
                                      shape_str(weight.shape()), "."));
    }
    int64_t in = input.shape()[i + 1];
    int64_t in_v = in == 0 ? int64_t(lo[i]) + hi[i] : (in - 1) * idil[i] + 1 + lo[i] + hi[i];
    if (in_v < (k - 1) * kdil[i] + 1) {
      throw std::invalid_argument(msg(
          "[conv] Spatial dimensions of input after padding cannot be smaller than weight spatial dimensions. Got error at axis ",
          i + 1, " for input with shape ", shape_str(input.shape()), ", padding low ", ints_str(lo), ", padding high ",
          ints_str(hi), ", and weight of shape ", shape_str(weight.shape()), "."));
    }
    out_shape.push_back(static_cast<ShapeElem>(detail::conv_out_size(in, k, stride[i], lo[i], hi[i], kdil[i], idil[i])));
  }
  out_shape.push_back(static_cast<ShapeElem>(cout));
  ConvParams p{std::move(stride), std::move(lo), std::move(hi), std::move(kdil), std::move(idil), groups, flip};
  return array(out_shape, dt, std::make_shared<Convolution>(to_stream(s), std::move(p)),
               {astype(input, dt, s), astype(weight, dt, s)});
}

array conv_nd(const array& input, const array& weight, const std::vector<int>& stride,
              const std::vector<int>& padding, const std::vector<int>& dilation, int groups, StreamOrDevice s) {
  return conv_general(input, weight, stride, padding, padding, dilation, {1}, groups, false, s);
}

array conv1d(const array& input, const array& weight, int stride, int padding, int dilation, int groups,
             StreamOrDevice s) {
  return conv_nd(input, weight, {stride}, {padding}, {dilation}, groups, s);
}

array conv_transpose_nd(const array& input, const array& weight, const std::vector<int>& stride_in,
                        const std::vector<int>& padding_in, const std::vector<int>& dilation_in,
                        const std::vector<int>& output_padding_in, int groups, StreamOrDevice s) {
  int nsp = std::max(input.ndim() - 2, 1);
  if (weight.ndim() != input.ndim() || input.ndim() < 3 || input.ndim() > 5) {
    // conv_general's checks describe the problem.
    return conv_general(input, weight, stride_in, padding_in, padding_in, dilation_in, {1}, groups, true, s);
  }
  auto stride = per_axis(stride_in, nsp, "strides");
  auto padding = per_axis(padding_in, nsp, "padding");
  auto dilation = per_axis(dilation_in, nsp, "kernel dilation");
  auto out_pad = per_axis(output_padding_in, nsp, "output padding");
  check_positive(dilation, "Kernel dilation", "kernel dilation");
  std::vector<int> lo(nsp), hi(nsp);
  for (int i = 0; i < nsp; ++i) {
    int64_t span = int64_t(dilation[i]) * (weight.shape()[i + 1] - 1);
    int64_t l = span - padding[i], h = span - padding[i] + out_pad[i];
    if (l < INT32_MIN || l > INT32_MAX || h < INT32_MIN || h > INT32_MAX) {
      throw std::invalid_argument("[conv_transpose] The padding is out of range.");
    }
    lo[i] = static_cast<int>(l);
    hi[i] = static_cast<int>(h);
  }
  return conv_general(input, weight, {1}, lo, hi, dilation, stride, groups, true, s);
}

array convolve(const array& a, const array& v, const std::string& mode, StreamOrDevice s) {
  if (a.ndim() != 1 || v.ndim() != 1) throw std::invalid_argument("[convolve] Inputs must be 1D.");
  if (a.size() == 0 || v.size() == 0) throw std::invalid_argument("[convolve] Inputs cannot be empty.");
  if (mode != "full" && mode != "same" && mode != "valid") throw std::invalid_argument("[convolve] Invalid mode.");
  // NumPy convolves the longer with the shorter.
  const array& x = a.size() >= v.size() ? a : v;
  const array& k = a.size() >= v.size() ? v : a;
  int m = static_cast<int>(k.size());
  int lo = 0, hi = 0;
  if (mode == "full") {
    lo = hi = m - 1;
  } else if (mode == "same") {
    lo = m - 1 - (m - 1) / 2;
    hi = (m - 1) - lo;
  }
  Shape xs{1, x.shape()[0], 1}, ks{1, k.shape()[0], 1};
  array out = conv_general(reshape(x, xs, s), reshape(k, ks, s), {1}, {lo}, {hi}, {1}, {1}, 1, true, s);
  return reshape(out, {out.shape()[1]}, s);
}

} // namespace mlx::core
