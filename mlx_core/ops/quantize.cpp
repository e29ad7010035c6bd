#include "mlx_core/ops/quantize.h"

#include <numeric>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/quantize.h"
#include "mlx_core/utils.h"

namespace mlx::core {

namespace {

bool is_real_float(Dtype d) { return d == float16 || d == bfloat16 || d == float32 || d == float64; }

// The group size and bits for `mode`, filling in its defaults and checking the values.
QuantParams resolve(std::optional<int> group_size, std::optional<int> bits, QuantizationMode mode,
                    const char* op) {
  int dgs = 64, dbits = 4;
  if (mode == QuantizationMode::Mxfp4) dgs = 32, dbits = 4;
  if (mode == QuantizationMode::Mxfp8) dgs = 32, dbits = 8;
  if (mode == QuantizationMode::Nvfp4) dgs = 16, dbits = 4;
  QuantParams p{group_size.value_or(dgs), bits.value_or(dbits), mode};
  if (mode == QuantizationMode::Affine) {
    if (p.group_size != 32 && p.group_size != 64 && p.group_size != 128) {
      throw std::invalid_argument(msg("[", op, "] The requested group size ", p.group_size,
                                      " is not supported. The supported group sizes are 32, 64, and 128."));
    }
    if (p.bits < 1 || p.bits > 8 || p.bits == 7) {
      throw std::invalid_argument(msg("[", op, "] The requested number of bits ", p.bits,
                                      " is not supported. The supported bits are 1, 2, 3, 4, 5, 6 and 8."));
    }
  } else {
    if (p.group_size != dgs) {
      throw std::invalid_argument(msg("[", op, "] ", mode_name(mode), " quantization requires group size ", dgs,
                                      " but got ", p.group_size, "."));
    }
    if (p.bits != dbits) {
      throw std::invalid_argument(msg("[", op, "] ", mode_name(mode), " quantization requires bits to be ", dbits,
                                      " but got ", p.bits, "."));
    }
  }
  return p;
}

// A float32 scalar global scale (nvfp4 only).
array check_global_scale(const array& g, QuantizationMode mode, const char* op) {
  if (mode != QuantizationMode::Nvfp4) {
    throw std::invalid_argument(msg("[", op, "] Global scale is only supported for 'nvfp4' quantization mode."));
  }
  if (g.size() != 1) {
    throw std::invalid_argument(msg("[", op, "] The global scale must be a scalar but has shape ",
                                    shape_str(g.shape()), "."));
  }
  if (!is_real_float(g.dtype())) {
    throw std::invalid_argument(msg("[", op, "] The global scale must be floating point but has type ",
                                    dtype_name(g.dtype()), "."));
  }
  return astype(reshape(g, {}), float32);
}

// Checks a packed matrix and its scales/biases; returns the unpacked number of columns.
// `what` phrases the shape error as the op's reference does.
int64_t check_packed(const array& w, const array& scales, const std::optional<array>& biases, const QuantParams& p,
                     const char* op) {
  if (w.dtype() != uint32) {
    if (std::string(op) == "dequantize") throw std::invalid_argument("[dequantize] The matrix should be given as a uint32");
    throw std::invalid_argument(msg("[", op, "] The weight matrix should be uint32 but received ", dtype_name(w.dtype())));
  }
  if (p.mode == QuantizationMode::Affine) {
    if (!biases) throw std::invalid_argument(msg("[", op, "] Biases must be provided for affine quantization."));
    if (!is_real_float(scales.dtype()) || !is_real_float(biases->dtype())) {
      throw std::invalid_argument(msg("[", op, "] Only real floating types are supported but scales.dtype() == ",
                                      dtype_name(scales.dtype()), " and biases.dtype() == ",
                                      dtype_name(biases->dtype()), "."));
    }
    if (biases->shape() != scales.shape()) {
      throw std::invalid_argument(msg("[", op, "] Scales and biases should have the same shape. Received scales with shape ",
                                      shape_str(scales.shape()), " and biases with ", shape_str(biases->shape())));
    }
  } else {
    if (biases) {
      throw std::invalid_argument(msg("[", op, "] Biases are only used by affine quantization, not ",
                                      mode_name(p.mode), "."));
    }
    if (scales.dtype() != uint8) {
      throw std::invalid_argument(msg("[", op, "] Scale type must be uint8 but received type ",
                                      dtype_name(scales.dtype()), "."));
    }
  }
  if (w.ndim() < 1 || scales.ndim() != w.ndim()) {
    throw std::invalid_argument(msg("[", op, "] Weight and scales should have the same number of dimensions. Received weight with shape ",
                                    shape_str(w.shape()), ", scales with ", shape_str(scales.shape()), "."));
  }
  int nd = w.ndim();
  for (int i = 0; i < nd - 1; ++i) {
    if (w.shape()[i] != scales.shape()[i]) {
      throw std::invalid_argument(msg("[", op, "] The shapes of the weight and scales are incompatible. w.shape() == ",
                                      shape_str(w.shape()), " and scales.shape() == ", shape_str(scales.shape()),
                                      " with group_size=", p.group_size, " and bits=", p.bits, "."));
    }
  }
  int64_t cols = int64_t(w.shape()[nd - 1]) * 32 / p.bits;
  if (int64_t(w.shape()[nd - 1]) * 32 % p.bits != 0 || cols != int64_t(scales.shape()[nd - 1]) * p.group_size) {
    throw std::invalid_argument(msg("[", op, "] The shapes of the weight and scales are incompatible based on bits and group_size. w.shape() == ",
                                    shape_str(w.shape()), " and scales.shape() == ", shape_str(scales.shape()),
                                    " with group_size=", p.group_size, " and bits=", p.bits, "."));
  }
  return cols;
}

// Batch shape (all but the last two axes).
Shape batch_of(const array& a) { return Shape(a.shape().begin(), a.shape().end() - 2); }
Shape with_batch(const Shape& batch, const array& a) {
  Shape s = batch;
  s.push_back(a.shape()[a.ndim() - 2]);
  s.push_back(a.shape()[a.ndim() - 1]);
  return s;
}

array index_array(const array& idx, const char* op) {
  if (!is_integral(idx.dtype()) || idx.dtype() == bool_) {
    throw std::invalid_argument(msg("[", op, "] Got indices with invalid dtype. Indices must be integral."));
  }
  return idx;
}

} // namespace

QuantizationMode quantization_mode(const std::string& mode, const char* op) {
  if (mode == "affine") return QuantizationMode::Affine;
  if (mode == "mxfp4") return QuantizationMode::Mxfp4;
  if (mode == "mxfp8") return QuantizationMode::Mxfp8;
  if (mode == "nvfp4") return QuantizationMode::Nvfp4;
  throw std::invalid_argument(msg("[", op, "] Invalid quantization mode '", mode, "'."));
}

const char* mode_name(QuantizationMode mode) {
  switch (mode) {
    case QuantizationMode::Affine: return "affine";
    case QuantizationMode::Mxfp4: return "mxfp4";
    case QuantizationMode::Mxfp8: return "mxfp8";
    default: return "nvfp4";
  }
}

std::vector<array> quantize(const array& w, std::optional<int> group_size, std::optional<int> bits,
                            const std::string& mode_str, const std::optional<array>& global_scale, StreamOrDevice s) {
  auto mode = quantization_mode(mode_str, "quantize");
  auto p = resolve(group_size, bits, mode, "quantize");
  std::vector<array> inputs{w};
  if (global_scale) inputs.push_back(check_global_scale(*global_scale, mode, "quantize"));
  if (!is_real_float(w.dtype())) {
    throw std::invalid_argument(msg("[quantize] Only real floating types can be quantized but w has type ",
                                    dtype_name(w.dtype()), "."));
  }
  if (w.ndim() < 2) {
    throw std::invalid_argument(msg("[quantize] The matrix to be quantized must have at least 2 dimension but it has only ",
                                    w.ndim(), "."));
  }
  int64_t k = w.shape().back();
  if (k % p.group_size != 0) {
    throw std::invalid_argument(msg("[quantize] The last dimension of the matrix needs to be divisible by the quantization group size ",
                                    p.group_size, ". However the provided matrix has shape ", shape_str(w.shape())));
  }
  Shape qs = w.shape(), ss = w.shape();
  qs.back() = static_cast<ShapeElem>(k * p.bits / 32);
  ss.back() = static_cast<ShapeElem>(k / p.group_size);
  Dtype sd = mode == QuantizationMode::Affine ? w.dtype() : uint8;
  std::vector<Shape> shapes{qs, ss};
  std::vector<Dtype> dtypes{uint32, sd};
  if (mode == QuantizationMode::Affine) shapes.push_back(ss), dtypes.push_back(sd);
  return array::make_arrays(shapes, dtypes, std::make_shared<Quantize>(to_stream(s), p), inputs);
}

array dequantize(const array& w, const array& scales, const std::optional<array>& biases, std::optional<int> group_size,
                 std::optional<int> bits, const std::string& mode_str, const std::optional<array>& global_scale,
                 std::optional<Dtype> dtype, StreamOrDevice s) {
  auto mode = quantization_mode(mode_str, "dequantize");
  auto p = resolve(group_size, bits, mode, "dequantize");
  if (w.dtype() != uint32) throw std::invalid_argument("[dequantize] The matrix should be given as a uint32");
  if (w.ndim() < 2) {
    throw std::invalid_argument(msg("[dequantize] The matrix to be dequantized must have at least 2 dimension but it has only ",
                                    w.ndim(), "."));
  }
  if (mode == QuantizationMode::Affine && !biases) {
    throw std::invalid_argument("[dequantize] Biases must be provided for affine quantization.");
  }
  int64_t cols;
  try {
    cols = check_packed(w, scales, biases, p, "dequantize");
  } catch (const std::invalid_argument& e) {
    std::string m = e.what();
    if (m.find("incompatible") == std::string::npos && m.find("dimensions") == std::string::npos) throw;
    throw std::invalid_argument(msg("[dequantize] Shape of scales and biases does not match the matrix given the quantization parameters. Provided matrix of shape ",
                                    shape_str(w.shape()), " and scales/biases of shape ", shape_str(scales.shape()),
                                    " with group_size=", p.group_size, " and bits=", p.bits, "."));
  }
  Dtype out_t = dtype.value_or(mode == QuantizationMode::Affine ? promote_types(scales.dtype(), biases->dtype()) : bfloat16);
  if (!is_real_float(out_t)) {
    throw std::invalid_argument(msg("[dequantize] Only real floating types are supported but output dtype == ",
                                    dtype_name(out_t), "."));
  }
  std::vector<array> inputs{w, scales};
  if (biases) inputs.push_back(*biases);
  if (global_scale) inputs.push_back(check_global_scale(*global_scale, mode, "dequantize"));
  Shape os = w.shape();
  os.back() = static_cast<ShapeElem>(cols);
  return array(os, out_t, std::make_shared<Dequantize>(to_stream(s), p, biases.has_value(), global_scale.has_value(), out_t),
               inputs);
}

namespace {

// The checks shared by quantized_matmul and gather_qmm; returns (K, N) of the product.
std::pair<int64_t, int64_t> check_qmm(const array& x, const array& w, const array& scales,
                                      const std::optional<array>& biases, bool transpose, const QuantParams& p,
                                      const char* op) {
  if (w.dtype() != uint32) {
    throw std::invalid_argument(msg("[", op, "] The weight matrix should be uint32 but received ", dtype_name(w.dtype())));
  }
  if (w.ndim() < 2) {
    throw std::invalid_argument(msg("[", op, "] The weight matrix must have at least 2 dimensions but has shape ",
                                    shape_str(w.shape()), "."));
  }
  if (scales.ndim() != w.ndim() || batch_of(scales) != batch_of(w)) {
    throw std::invalid_argument(msg("[", op, "] Weight and scales should have the same batch shape. Received weight with shape ",
                                    shape_str(w.shape()), ", scales with ", shape_str(scales.shape()), "."));
  }
  int64_t cols = check_packed(w, scales, biases, p, op);
  if (p.mode != QuantizationMode::Affine && !is_real_float(x.dtype())) {
    throw std::invalid_argument(msg("[", op, "] Only real floating types are supported but x.dtype() == ",
                                    dtype_name(x.dtype()), "."));
  }
  if (x.ndim() < 1) {
    throw std::invalid_argument(msg("[", op, "] The input must have at least one dimension but it is a scalar."));
  }
  int64_t rows = w.shape()[w.ndim() - 2];
  int64_t k = transpose ? cols : rows, n = transpose ? rows : cols;
  if (x.shape().back() != k) {
    throw std::invalid_argument(msg("[", op, "] Last dimension of first input with shape (..., ", x.shape().back(),
                                    ") does not match the expanded quantized matrix (", k, ", ", n,
                                    ") computed from shape ", shape_str(w.shape()), " with group_size=", p.group_size,
                                    ", bits=", p.bits, " and transpose=", transpose ? "true" : "false"));
  }
  return {k, n};
}

Dtype qmm_out_dtype(const array& x, const array& scales, const QuantParams& p) {
  if (p.mode != QuantizationMode::Affine) return x.dtype();
  return inexact_dtype(promote_types(x.dtype(), scales.dtype()));
}

} // namespace

array quantized_matmul(const array& x_in, const array& w, const array& scales, const std::optional<array>& biases,
                       bool transpose, std::optional<int> group_size, std::optional<int> bits,
                       const std::string& mode_str, StreamOrDevice s) {
  const char* op = "quantized_matmul";
  auto mode = quantization_mode(mode_str, op);
  auto p = resolve(group_size, bits, mode, op);
  auto [k, n] = check_qmm(x_in, w, scales, biases, transpose, p, op);
  Dtype out_t = qmm_out_dtype(x_in, scales, p);
  bool vec = x_in.ndim() == 1;
  array x = vec ? reshape(x_in, {1, static_cast<ShapeElem>(k)}, s) : x_in;
  std::vector<array> inputs{x, w, scales};
  if (biases) inputs.push_back(*biases);
  if (w.ndim() > 2) {
    Shape batch = broadcast_shapes(batch_of(x), batch_of(w));
    for (auto& a : inputs) a = broadcast_to(a, with_batch(batch, a), s);
  }
  Shape os = inputs[0].shape();
  os.back() = static_cast<ShapeElem>(n);
  array out(os, out_t, std::make_shared<QuantizedMatmul>(to_stream(s), p, transpose, biases.has_value()), inputs);
  return vec ? squeeze(out, std::vector<int>{out.ndim() - 2}, s) : out;
}

array gather_qmm(const array& x, const array& w, const array& scales, const std::optional<array>& biases,
                 const std::optional<array>& lhs_indices, const std::optional<array>& rhs_indices, bool transpose,
                 std::optional<int> group_size, std::optional<int> bits, const std::string& mode_str,
                 const std::optional<array>& global_scale, bool /*sorted_indices*/, StreamOrDevice s) {
  const char* op = "gather_qmm";
  auto mode = quantization_mode(mode_str, op);
  auto p = resolve(group_size, bits, mode, op);
  if (global_scale) {
    check_global_scale(*global_scale, mode, op);
    throw std::invalid_argument("[gather_qmm] A global scale is only supported on the GPU.");
  }
  if (x.ndim() < 2) {
    throw std::invalid_argument(msg("[gather_qmm] Input must have at least two dimensions but got input with shape ",
                                    shape_str(x.shape()), "."));
  }
  auto [k, n] = check_qmm(x, w, scales, biases, transpose, p, op);
  (void)k;
  Dtype out_t = qmm_out_dtype(x, scales, p);
  auto batch_count = [](const array& a) {
    int64_t c = 1;
    for (int i = 0; i < a.ndim() - 2; ++i) c *= a.shape()[i];
    return c;
  };
  // Default indices: every batch position, shaped as the batch.
  auto default_idx = [&](const array& a) {
    array r = arange(0.0, double(batch_count(a)), 1.0, uint32, s);
    return reshape(r, batch_of(a), s);
  };
  array li = lhs_indices ? index_array(*lhs_indices, op) : default_idx(x);
  array ri = rhs_indices ? index_array(*rhs_indices, op) : default_idx(w);
  Shape ishape = broadcast_shapes(li.shape(), ri.shape());
  li = broadcast_to(astype(li, uint32, s), ishape, s);
  ri = broadcast_to(astype(ri, uint32, s), ishape, s);
  std::vector<array> inputs{x, w, scales};
  if (biases) inputs.push_back(*biases);
  inputs.push_back(li);
  inputs.push_back(ri);
  Shape os = ishape;
  os.push_back(x.shape()[x.ndim() - 2]);
  os.push_back(static_cast<ShapeElem>(n));
  return array(os, out_t, std::make_shared<GatherQMM>(to_stream(s), p, transpose, biases.has_value()), inputs);
}

namespace {

// x rounded through the quantization (straight through for gradients).
array fake_quantize(const array& x, const QuantParams& p, const std::optional<array>& gs, StreamOrDevice s) {
  auto q = quantize(stop_gradient(x, s), p.group_size, p.bits, mode_name(p.mode), gs, s);
  std::optional<array> b;
  if (q.size() > 2) b = q[2];
  array d = dequantize(q[0], q[1], b, p.group_size, p.bits, mode_name(p.mode), gs, x.dtype(), s);
  return add(x, stop_gradient(subtract(d, x, s), s), s);
}

// The weight of qqmm as floats: dequantized when packed, fake-quantized otherwise.
array qq_weight(const array& w, const std::optional<array>& scales, const QuantParams& p,
                const std::optional<array>& gs_w, Dtype dt, const char* op, StreamOrDevice s) {
  if (w.dtype() == uint32) {
    if (!scales) throw std::invalid_argument(msg("[", op, "] Scales must be provided if w is quantized."));
    if (p.mode == QuantizationMode::Affine) {
      throw std::invalid_argument(msg("[", op, "] A packed affine weight needs its biases; pass w unquantized."));
    }
    return dequantize(w, *scales, std::nullopt, p.group_size, p.bits, mode_name(p.mode), gs_w, dt, s);
  }
  if (scales) throw std::invalid_argument(msg("[", op, "] Scales are only used when w is quantized (uint32)."));
  if (!is_real_float(w.dtype()) || w.dtype() == float64) {
    throw std::invalid_argument(msg("[", op, "] Only float32, float16 and bfloat16 weights are supported but w.dtype() == ",
                                    dtype_name(w.dtype()), "."));
  }
  return fake_quantize(w, p, gs_w, s);
}

void check_qq_x(const array& x, const char* op) {
  if (x.dtype() != float32 && x.dtype() != float16 && x.dtype() != bfloat16) {
    throw std::invalid_argument(msg("[", op, "] Only float32, float16 and bfloat16 inputs are supported but x.dtype() == ",
                                    dtype_name(x.dtype()), "."));
  }
  if (x.ndim() < 2) {
    throw std::invalid_argument(msg("[", op, "] Input must have at least two dimensions but got input with shape ",
                                    shape_str(x.shape()), "."));
  }
}

// The operands of qqmm / gather_qqmm after checks: x rounded through the quantization
// (fake-quantized) and the dequantized weight.
std::pair<array, array> qq_operands(const array& x, const array& w, const std::optional<array>& scales,
                                    std::optional<int> group_size, std::optional<int> bits,
                                    const std::string& mode_str, const std::optional<array>& gs_x,
                                    const std::optional<array>& gs_w, const char* op, StreamOrDevice s) {
  auto mode = quantization_mode(mode_str, op);
  auto p = resolve(group_size, bits, mode, op);
  check_qq_x(x, op);
  array wf = qq_weight(w, scales, p, gs_w, x.dtype(), op, s);
  if (wf.shape().back() != x.shape().back()) {
    throw std::invalid_argument(msg("[", op, "] Last dimension of x ", shape_str(x.shape()),
                                    " does not match the weight ", shape_str(wf.shape()), "."));
  }
  return {fake_quantize(x, p, gs_x, s), wf};
}

} // namespace

array qqmm(const array& x, const array& w, const std::optional<array>& scales, std::optional<int> group_size,
           std::optional<int> bits, const std::string& mode_str, const std::optional<array>& gs_x,
           const std::optional<array>& gs_w, StreamOrDevice s) {
  auto [xf, wf] = qq_operands(x, w, scales, group_size, bits, mode_str, gs_x, gs_w, "qqmm", s);
  return matmul(xf, swapaxes(wf, -1, -2, s), s);
}

array gather_qqmm(const array& x, const array& w, const std::optional<array>& scales,
                  const std::optional<array>& lhs_indices, const std::optional<array>& rhs_indices,
                  std::optional<int> group_size, std::optional<int> bits, const std::string& mode_str,
                  const std::optional<array>& gs_x, const std::optional<array>& gs_w, bool, StreamOrDevice s) {
  const char* op = "gather_qqmm";
  auto [xf, wf] = qq_operands(x, w, scales, group_size, bits, mode_str, gs_x, gs_w, op, s);
  // Flatten the batches, gather the matrices, multiply.
  auto flat = [&](const array& a) {
    Shape sh{-1, a.shape()[a.ndim() - 2], a.shape()[a.ndim() - 1]};
    return reshape(a, sh, s);
  };
  auto idx = [&](const std::optional<array>& i, const array& a) {
    if (i) return astype(index_array(*i, op), uint32, s);
    int64_t c = 1;
    for (int d = 0; d < a.ndim() - 2; ++d) c *= a.shape()[d];
    return reshape(arange(0.0, double(c), 1.0, uint32, s), batch_of(a), s);
  };
  array li = idx(lhs_indices, xf), ri = idx(rhs_indices, wf);
  Shape ishape = broadcast_shapes(li.shape(), ri.shape());
  array xs = take(flat(xf), broadcast_to(li, ishape, s), 0, s);
  array ws = take(flat(wf), broadcast_to(ri, ishape, s), 0, s);
  return matmul(xs, swapaxes(ws, -1, -2, s), s);
}

} // namespace mlx::core
