#include "mlx_core/transforms/export_registry.h"

#include <cstdlib>
#include <functional>
#include <optional>
#include <typeindex>
#include <unordered_map>

#include "mlx_core/ops.h"
#include "mlx_core/ops/conv.h"
#include "mlx_core/ops/fast.h"
#include "mlx_core/ops/fast_attention.h"
#include "mlx_core/ops/quantize.h"
#include "mlx_core/primitives/concat_pad.h"
#include "mlx_core/primitives/conv.h"
#include "mlx_core/primitives/copy.h"
#include "mlx_core/primitives/depends.h"
#include "mlx_core/primitives/elementwise.h"
#include "mlx_core/primitives/fast.h"
#include "mlx_core/primitives/fast_attention.h"
#include "mlx_core/primitives/indexing.h"
#include "mlx_core/primitives/matmul_family.h"
#include "mlx_core/primitives/number_of_elements.h"
#include "mlx_core/primitives/psd_sqrt.h"
#include "mlx_core/primitives/quantize.h"
#include "mlx_core/primitives/random.h"
#include "mlx_core/primitives/reduce.h"
#include "mlx_core/primitives/scan.h"
#include "mlx_core/primitives/shape.h"
#include "mlx_core/primitives/softmax.h"
#include "mlx_core/primitives/sort.h"
#include "mlx_core/primitives/svd.h"
#include "mlx_core/primitives/view.h"
#include "mlx_core/transforms/export_state.h"
#include "mlx_core/utils.h"

namespace mlx::core::exporting {

namespace {

// Every exportable primitive class, by the name of its key.
#define MLX_EXPORTABLE_PRIMITIVES(X)                                                                 \
  X(Unary) X(Binary) X(Select) X(DivMod)                                                             \
  X(Reshape) X(Transpose) X(Broadcast) X(Slice) X(SliceUpdate) X(AsStrided) X(StridedAccumulate)     \
  X(Contiguous) X(Diagonal) X(Matmul)                                                                \
  X(Concatenate) X(Pad) X(PadMirror) X(Roll) X(Repeat)                                               \
  X(Copy) X(Alias) X(AsType) X(StopGradient) X(Arange)                                               \
  X(Convolution) X(ConvWeightGrad) X(Depends)                                                        \
  X(RMSNorm) X(LayerNorm) X(RoPE) X(CrossEntropy) X(GatedDelta) X(ScaledDotProductAttention)         \
  X(Gather) X(Scatter) X(GatherMM) X(PsdSqrt)                                                        \
  X(Quantize) X(Dequantize) X(QuantizedMatmul) X(GatherQMM)                                          \
  X(RandomBits) X(SamplerMath) X(RandIntBits) X(CategoricalCdf)                                      \
  X(Reduce) X(ArgReduce) X(Scan) X(LogSumExp) X(Softmax)                                             \
  X(Sort) X(PermuteAlongAxis) X(SearchSorted) X(Unique) X(Svd) X(View) X(NumberOfElements)

template <typename P>
using StateOf = decltype(std::declval<const P&>().state());

template <typename P>
StateOf<P> read_state(const std::string& state) {
  ByteReader r(state);
  auto t = read_tuple(r, static_cast<StateOf<P>*>(nullptr));
  if (!r.at_end()) malformed("a primitive's parameters have trailing bytes");
  return t;
}

// ---- Checks of imported nodes -------------------------------------------------------------

void need(bool ok, const char* key, const std::string& what) {
  if (!ok) malformed(msg("a ", key, " node ", what));
}

// The number of inputs a node of class P with these parameters takes (-1: at least one).
template <typename P>
int arity(const StateOf<P>&) {
  return 1;
}
#define MLX_ARITY(P, expr) \
  template <>              \
  int arity<P>([[maybe_unused]] const StateOf<P>& s) { return expr; }
MLX_ARITY(Binary, 2)
MLX_ARITY(Select, 3)
MLX_ARITY(DivMod, 2)
MLX_ARITY(SliceUpdate, 2)
MLX_ARITY(Matmul, 2)
MLX_ARITY(Concatenate, -1)
MLX_ARITY(Pad, 2)
MLX_ARITY(Arange, 0)
MLX_ARITY(Convolution, 2)
MLX_ARITY(ConvWeightGrad, 2)
MLX_ARITY(Depends, -1)
MLX_ARITY(RMSNorm, 1 + std::get<1>(s))
MLX_ARITY(LayerNorm, 1 + std::get<1>(s) + std::get<2>(s))
MLX_ARITY(RoPE, 2 + std::get<4>(s))
MLX_ARITY(CrossEntropy, 2)
MLX_ARITY(GatedDelta, 6 + std::get<0>(s))
MLX_ARITY(ScaledDotProductAttention, 3 + std::get<2>(s) + std::get<3>(s))
MLX_ARITY(Gather, 1 + static_cast<int>(std::get<0>(s).size()))
MLX_ARITY(Scatter, 2 + static_cast<int>(std::get<0>(s).size()))
MLX_ARITY(GatherMM, 4)
MLX_ARITY(Quantize, std::get<0>(s).mode == QuantizationMode::Nvfp4 ? -1 : 1)
MLX_ARITY(Dequantize, 2 + std::get<1>(s) + std::get<2>(s))
MLX_ARITY(QuantizedMatmul, 3 + std::get<2>(s))
MLX_ARITY(GatherQMM, 5 + std::get<2>(s))
MLX_ARITY(RandIntBits, -1)
MLX_ARITY(CategoricalCdf, 2)
MLX_ARITY(PermuteAlongAxis, 2)
MLX_ARITY(SearchSorted, 2)
#undef MLX_ARITY

bool axis_ok(int64_t axis, int ndim) { return axis >= 0 && axis < ndim; }

// Class-specific checks of parameters against the inputs (beyond the count). Parameters are
// named with std::get rather than structured bindings, which clang 16 cannot capture in lambdas.
template <typename P>
void check_params(const StateOf<P>&, const std::vector<array>&) {}

#define MLX_CHECK(P) \
  template <>        \
  void check_params<P>(const StateOf<P>& s, const std::vector<array>& in)

// Inputs of one shape and dtype, as the element-wise kernels expect after broadcasting.
void same_shapes(const std::vector<array>& in, size_t first, const char* key) {
  for (size_t i = first + 1; i < in.size(); ++i) {
    need(in[i].shape() == in[first].shape(), key, "has inputs of different shapes");
  }
}
MLX_CHECK(Unary) { need(in_set(unary_op_dtypes(std::get<0>(s)), in[0].dtype()), "Unary", "has an unsupported dtype"); }
MLX_CHECK(Binary) {
  same_shapes(in, 0, "Binary");
  need(in[0].dtype() == in[1].dtype() && in_set(binary_op_dtypes(std::get<0>(s)), in[0].dtype()), "Binary",
       "has inputs of unsupported or different dtypes");
}
MLX_CHECK(Select) {
  same_shapes(in, 0, "Select");
  need(in[0].dtype() == bool_ && in[1].dtype() == in[2].dtype(), "Select", "has inputs of the wrong dtypes");
}
MLX_CHECK(DivMod) {
  same_shapes(in, 0, "DivMod");
  need(in[0].dtype() == in[1].dtype(), "DivMod", "has inputs of different dtypes");
}
MLX_CHECK(Reshape) { need(shape_size(std::get<0>(s)) == in[0].size(), "Reshape", "changes the number of elements"); }
MLX_CHECK(Broadcast) {
  const Shape& to = std::get<0>(s);
  const Shape& from = in[0].shape();
  bool ok = to.size() >= from.size();
  for (size_t i = 0; ok && i < from.size(); ++i) {
    auto a = from[from.size() - 1 - i], b = to[to.size() - 1 - i];
    ok = a == b || a == 1;
  }
  need(ok, "Broadcast", "has a shape its input does not broadcast to");
}
MLX_CHECK(Transpose) {
  auto axes = std::get<0>(s);
  need(static_cast<int>(axes.size()) == in[0].ndim(), "Transpose", "has the wrong number of axes");
  std::vector<bool> seen(axes.size(), false);
  for (int a : axes) {
    need(axis_ok(a, in[0].ndim()) && !seen[a], "Transpose", "has axes that are not a permutation");
    seen[a] = true;
  }
}
// Every index start + i * stride, i < n, of each axis lies inside the input.
void check_slice(const Shape& start, const Shape& stop, const Shape& strides, const array& a, const char* key) {
  need(start.size() == static_cast<size_t>(a.ndim()) && stop.size() == start.size() && strides.size() == start.size(),
       key, "has parameters of the wrong length");
  for (size_t i = 0; i < start.size(); ++i) {
    int64_t st = strides[i];
    need(st != 0, key, "has a zero stride");
    int64_t n = st > 0 ? (int64_t(stop[i]) - start[i] + st - 1) / st : (int64_t(start[i]) - stop[i] - st - 1) / (-st);
    if (n <= 0) continue;
    int64_t first = start[i], last = first + (n - 1) * st;
    need(first >= 0 && first < a.shape(i) && last >= 0 && last < a.shape(i), key, "reads outside its input");
  }
}
MLX_CHECK(Slice) { check_slice(std::get<0>(s), std::get<1>(s), std::get<2>(s), in[0], "Slice"); }
MLX_CHECK(SliceUpdate) {
  check_slice(std::get<0>(s), std::get<1>(s), std::get<2>(s), in[0], "SliceUpdate");
  Slice probe(Stream(0, Device(Device::cpu, 0)), std::get<0>(s), std::get<1>(s), std::get<2>(s));
  need(probe.output_shapes(in)[0] == in[1].shape() && in[0].dtype() == in[1].dtype(), "SliceUpdate",
       "has an update that does not fit its slice");
}
MLX_CHECK(AsStrided) {
  const Shape& shape = std::get<0>(s);
  const Strides& strides = std::get<1>(s);
  need(shape.size() == strides.size(), "AsStrided", "has parameters of the wrong length");
  int64_t lo = std::get<2>(s), hi = std::get<2>(s);
  bool ok = true;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0 || (strides[i] > 0 ? strides[i] : -strides[i]) > (int64_t(1) << 40)) ok = false;
    if (shape[i] == 0) return;
  }
  for (size_t i = 0; ok && i < shape.size(); ++i) {
    int64_t span = (shape[i] - 1) * strides[i];
    (span > 0 ? hi : lo) += span;
  }
  need(ok && lo >= 0 && hi < static_cast<int64_t>(in[0].size()), "AsStrided", "reads outside its input");
}
MLX_CHECK(StridedAccumulate) {
  const Strides& strides = std::get<0>(s);
  int64_t lo = std::get<1>(s), hi = std::get<1>(s);
  need(strides.size() == static_cast<size_t>(in[0].ndim()) && std::get<2>(s) >= 0, "StridedAccumulate",
       "has parameters of the wrong length");
  if (in[0].size() == 0) return;
  for (size_t i = 0; i < strides.size(); ++i) {
    need(std::abs(strides[i]) <= (int64_t(1) << 40), "StridedAccumulate", "has an absurd stride");
    int64_t span = (in[0].shape(i) - 1) * strides[i];
    (span > 0 ? hi : lo) += span;
  }
  need(lo >= 0 && hi < std::get<2>(s), "StridedAccumulate", "writes outside its output");
}
MLX_CHECK(Diagonal) {
  const auto& off = std::get<0>(s);
  const auto& a1 = std::get<1>(s);
  const auto& a2 = std::get<2>(s);
  need(axis_ok(a1, in[0].ndim()) && axis_ok(a2, in[0].ndim()) && a1 != a2, "Diagonal", "has bad axes");
}
MLX_CHECK(Matmul) {
  const array &a = in[0], &b = in[1];
  bool ok = a.ndim() >= 2 && a.ndim() == b.ndim() && a.dtype() == b.dtype() && a.shape(-1) == b.shape(-2);
  for (int i = 0; ok && i < a.ndim() - 2; ++i) ok = a.shape(i) == b.shape(i);
  need(ok, "Matmul", "has inputs that do not multiply");
}
MLX_CHECK(Concatenate) {
  int axis = std::get<0>(s);
  need(!in.empty() && axis_ok(axis, in[0].ndim()), "Concatenate", "has a bad axis");
  for (auto& x : in) {
    bool ok = x.ndim() == in[0].ndim() && x.dtype() == in[0].dtype();
    for (int i = 0; ok && i < x.ndim(); ++i) ok = i == axis || x.shape(i) == in[0].shape(i);
    need(ok, "Concatenate", "has inputs that do not fit together");
  }
}
void check_pads(const Shape& low, const Shape& high, const array& a, const char* key) {
  need(low.size() == static_cast<size_t>(a.ndim()) && high.size() == low.size(), key, "has pads of the wrong length");
  for (size_t i = 0; i < low.size(); ++i) need(low[i] >= 0 && high[i] >= 0, key, "has negative pads");
}
MLX_CHECK(Pad) {
  check_pads(std::get<0>(s), std::get<1>(s), in[0], "Pad");
  need(in[1].size() == 1 && in[1].dtype() == in[0].dtype(), "Pad", "has a bad pad value");
}
MLX_CHECK(PadMirror) {
  check_pads(std::get<0>(s), std::get<1>(s), in[0], "PadMirror");
  int mode = std::get<2>(s);
  need(mode >= 0 && mode <= 2, "PadMirror", "has an unknown mode");
  for (int i = 0; i < in[0].ndim(); ++i) {
    int64_t lim = mode == 1 ? in[0].shape(i) - 1 : in[0].shape(i);
    bool padded = std::get<0>(s)[i] > 0 || std::get<1>(s)[i] > 0;
    need(!padded || (in[0].shape(i) > 0 && (mode == 0 || (std::get<0>(s)[i] <= lim && std::get<1>(s)[i] <= lim))),
         "PadMirror", "pads more than its input can mirror");
  }
}
MLX_CHECK(Roll) {
  auto& shift = std::get<0>(s);
  need(shift.size() == static_cast<size_t>(in[0].ndim()), "Roll", "has shifts of the wrong length");
  for (size_t i = 0; i < shift.size(); ++i) {
    need(shift[i] >= 0 && (shift[i] < in[0].shape(i) || shift[i] == 0), "Roll", "has a shift out of range");
  }
}
MLX_CHECK(Repeat) { need(axis_ok(std::get<0>(s), in[0].ndim()) && std::get<1>(s) >= 0, "Repeat", "has a bad axis"); }
MLX_CHECK(Depends) { need(std::get<0>(s) >= 0 && static_cast<size_t>(std::get<0>(s)) <= in.size(), "Depends", "has a bad count"); }
MLX_CHECK(Gather) {
  const auto& axes = std::get<0>(s);
  const auto& sizes = std::get<1>(s);
  need(sizes.size() == static_cast<size_t>(in[0].ndim()), "Gather", "has slice sizes of the wrong length");
  for (size_t i = 0; i < sizes.size(); ++i) need(sizes[i] >= 0 && sizes[i] <= in[0].shape(i), "Gather", "has a bad slice size");
  for (int a : axes) need(axis_ok(a, in[0].ndim()), "Gather", "has a bad axis");
  for (size_t i = 2; i < in.size(); ++i) need(in[i].shape() == in[1].shape(), "Gather", "has index arrays of different shapes");
  for (size_t i = 1; i < in.size(); ++i) need(is_integral(in[i].dtype()) && in[i].dtype() != bool_, "Gather", "has non-integer indices");
}
MLX_CHECK(Scatter) {
  auto& axes = std::get<0>(s);
  const array& dst = in[0];
  const array& upd = in.back();
  for (int a : axes) need(axis_ok(a, dst.ndim()), "Scatter", "has a bad axis");
  Shape idx = in.size() > 2 ? in[1].shape() : Shape{};
  for (size_t i = 1; i + 1 < in.size(); ++i) {
    need(in[i].shape() == idx && is_integral(in[i].dtype()) && in[i].dtype() != bool_, "Scatter", "has bad index arrays");
  }
  bool ok = upd.dtype() == dst.dtype() && upd.ndim() == static_cast<int>(idx.size()) + dst.ndim();
  for (size_t i = 0; ok && i < idx.size(); ++i) ok = upd.shape(i) == idx[i];
  for (int i = 0; ok && i < dst.ndim(); ++i) ok = upd.shape(idx.size() + i) <= dst.shape(i);
  need(ok, "Scatter", "has updates that do not fit");
}
MLX_CHECK(Reduce) {
  for (int a : std::get<1>(s)) need(axis_ok(a, in[0].ndim()), "Reduce", "has a bad axis");
}
MLX_CHECK(ArgReduce) { need(axis_ok(std::get<1>(s), in[0].ndim()), "ArgReduce", "has a bad axis"); }
MLX_CHECK(Scan) { need(axis_ok(std::get<1>(s), in[0].ndim()), "Scan", "has a bad axis"); }
MLX_CHECK(Sort) {
  const auto& kind = std::get<0>(s);
  const auto& axis = std::get<1>(s);
  const auto& kth = std::get<2>(s);
  need(axis_ok(axis, in[0].ndim()) && (in[0].shape(axis) == 0 || (kth >= 0 && kth < in[0].shape(axis))), "Sort",
       "has a bad axis or kth");
}
MLX_CHECK(PermuteAlongAxis) {
  need(axis_ok(std::get<0>(s), in[0].ndim()) && in[1].shape() == in[0].shape() && in[1].dtype() == uint32,
       "PermuteAlongAxis", "has a bad axis or permutation");
}
MLX_CHECK(NumberOfElements) {
  for (int a : std::get<0>(s)) need(axis_ok(a, in[0].ndim()), "NumberOfElements", "has a bad axis");
}
MLX_CHECK(Softmax) { need(in[0].ndim() >= 1, "Softmax", "has a 0-d input"); }
MLX_CHECK(LogSumExp) { need(in[0].ndim() >= 1, "LogSumExp", "has a 0-d input"); }
MLX_CHECK(Unique) { need(std::get<0>(s) >= 0 && in[0].ndim() >= 1, "Unique", "has a bad size"); }
MLX_CHECK(RandomBits) {
  need(in[0].dtype() == uint32 && in[0].ndim() >= 1 && in[0].shape(-1) == 2, "RandomBits", "has a bad key");
  for (auto d : std::get<0>(s)) need(d >= 0, "RandomBits", "has a negative size");
}
MLX_CHECK(Arange) { need(std::get<2>(s) >= 0, "Arange", "has a negative size"); }
// The fused and quantized primitives are checked by building the public op on the same
// inputs and parameters (nothing runs): it raises for anything its kernel could not handle.
template <typename F>
void through_op(const char* key, F&& build) {
  try {
    build();
  } catch (const std::exception& e) {
    malformed(msg("a ", key, " node does not fit its inputs (", e.what(), ")"));
  }
}
std::optional<array> input_if(const std::vector<array>& in, bool has, size_t i) {
  return has ? std::optional<array>(in.at(i)) : std::nullopt;
}
void floating_inputs(const std::vector<array>& in, size_t n, const char* key) {
  for (size_t i = 0; i < n; ++i) {
    need(is_floating_point(in[i].dtype()) && in[i].dtype() == in[0].dtype(), key, "has inputs of the wrong dtypes");
  }
}
MLX_CHECK(RMSNorm) {
  floating_inputs(in, in.size(), "RMSNorm");
  through_op("RMSNorm", [&] { fast::rms_norm(in[0], input_if(in, std::get<1>(s), 1), std::get<0>(s)); });
}
MLX_CHECK(LayerNorm) {
  floating_inputs(in, in.size(), "LayerNorm");
  const auto& eps = std::get<0>(s);
  const auto& hw = std::get<1>(s);
  const auto& hb = std::get<2>(s);
  through_op("LayerNorm", [&] { fast::layer_norm(in[0], input_if(in, hw, 1), input_if(in, hb, 1 + hw), eps); });
}
MLX_CHECK(RoPE) {
  const auto& dims = std::get<0>(s);
  const auto& traditional = std::get<1>(s);
  const auto& base = std::get<2>(s);
  const auto& scale = std::get<3>(s);
  const auto& has_freqs = std::get<4>(s);
  need(is_floating_point(in[0].dtype()) && in[0].ndim() >= 2 && dims > 0 && dims % 2 == 0 && dims <= in[0].shape(-1) &&
           is_integral(in[1].dtype()) && (in[1].ndim() == 0 || (in[1].ndim() == 1 && in[1].shape(0) == in[0].shape(0))),
       "RoPE", "does not fit its inputs");
  if (has_freqs) {
    need(in[2].dtype() == float32 && in[2].ndim() == 1 && in[2].shape(0) == dims / 2, "RoPE", "has bad frequencies");
  }
}
MLX_CHECK(ScaledDotProductAttention) {
  const auto& scale = std::get<0>(s);
  const auto& causal = std::get<1>(s);
  const auto& has_mask = std::get<2>(s);
  const auto& has_sinks = std::get<3>(s);
  floating_inputs(in, 3, "ScaledDotProductAttention");
  const array &q = in[0], &k = in[1], &v = in[2];
  bool ok = q.ndim() == 4 && k.ndim() == 4 && v.ndim() == 4 && k.shape(0) == q.shape(0) && v.shape(0) == q.shape(0) &&
            k.shape(3) == q.shape(3) && k.shape(1) == v.shape(1) && k.shape(2) == v.shape(2) && k.shape(1) > 0 &&
            q.shape(1) % k.shape(1) == 0;
  need(ok, "ScaledDotProductAttention", "has inputs of mismatched shapes");
  if (has_mask) {
    need(in[3].shape() == Shape{q.shape(0), q.shape(1), q.shape(2), k.shape(2)}, "ScaledDotProductAttention",
         "has a mask of the wrong shape");
  }
  if (has_sinks) {
    const array& sk = in[3 + has_mask];
    need(sk.ndim() == 1 && sk.shape(0) == q.shape(1) && sk.dtype() == q.dtype(), "ScaledDotProductAttention",
         "has sinks of the wrong shape");
  }
}
MLX_CHECK(CrossEntropy) {
  const array &logits = in[0], &targets = in[1];
  Shape batch(logits.shape().begin(), logits.shape().end() - std::min(1, logits.ndim()));
  need(logits.ndim() >= 1 && targets.shape() == batch && targets.dtype() == int64 && is_floating_point(logits.dtype()),
       "CrossEntropy", "has inputs of mismatched shapes");
}
MLX_CHECK(GatedDelta) {
  through_op("GatedDelta", [&] {
    auto outs = fast::gated_delta_update(in[0], in[1], in[2], in[3], in[4], in[5], input_if(in, std::get<0>(s), 6));
    if (outs[1].dtype() != in[5].dtype() || outs[0].dtype() != in[0].dtype()) throw std::invalid_argument("dtypes");
  });
}
MLX_CHECK(Convolution) {
  const ConvParams& p = std::get<0>(s);
  need(in[0].dtype() == in[1].dtype() && is_floating_point(in[0].dtype()), "Convolution", "has inputs of the wrong dtypes");
  through_op("Convolution", [&] {
    conv_general(in[0], in[1], p.stride, p.pad_lo, p.pad_hi, p.kernel_dilation, p.input_dilation, p.groups, p.flip);
  });
}
MLX_CHECK(ConvWeightGrad) {
  const auto& p = std::get<0>(s);
  const auto& wshape = std::get<1>(s);
  const array &cot = in[0], &x = in[1];
  need(cot.dtype() == x.dtype() && is_floating_point(x.dtype()), "ConvWeightGrad", "has inputs of the wrong dtypes");
  through_op("ConvWeightGrad", [&] {
    array w(wshape, x.dtype(), std::make_shared<Copy>(Stream(0, Device(Device::cpu, 0))), {});
    array out = conv_general(x, w, p.stride, p.pad_lo, p.pad_hi, p.kernel_dilation, p.input_dilation, p.groups, p.flip);
    if (out.shape() != cot.shape()) throw std::invalid_argument("the cotangent does not match");
  });
}
MLX_CHECK(GatherMM) {
  const array &a = in[0], &b = in[1], &li = in[2], &ri = in[3];
  need(a.ndim() == 3 && b.ndim() == 3 && a.shape(2) == b.shape(1) && a.dtype() == b.dtype() &&
           is_floating_point(a.dtype()) && li.dtype() == int64 && ri.dtype() == int64 && li.shape() == ri.shape(),
       "GatherMM", "has inputs of mismatched shapes");
}
MLX_CHECK(Quantize) {
  const QuantParams& p = std::get<0>(s);
  through_op("Quantize", [&] { quantize(in[0], p.group_size, p.bits, mode_name(p.mode), input_if(in, in.size() > 1, 1)); });
}
MLX_CHECK(Dequantize) {
  const auto& p = std::get<0>(s);
  const auto& hb = std::get<1>(s);
  const auto& hg = std::get<2>(s);
  const auto& dtype = std::get<3>(s);
  through_op("Dequantize", [&] {
    dequantize(in[0], in[1], input_if(in, hb, 2), p.group_size, p.bits, mode_name(p.mode), input_if(in, hg, 2 + hb), dtype);
  });
}
MLX_CHECK(QuantizedMatmul) {
  const auto& p = std::get<0>(s);
  const auto& transpose = std::get<1>(s);
  const auto& hb = std::get<2>(s);
  need(in[0].ndim() >= 2, "QuantizedMatmul", "has a 1-d input");
  through_op("QuantizedMatmul", [&] {
    quantized_matmul(in[0], in[1], in[2], input_if(in, hb, 3), transpose, p.group_size, p.bits, mode_name(p.mode));
  });
}
MLX_CHECK(GatherQMM) {
  const auto& p = std::get<0>(s);
  const auto& transpose = std::get<1>(s);
  const auto& hb = std::get<2>(s);
  size_t li = 3 + hb;
  need(in[li].dtype() == uint32 && in[li + 1].dtype() == uint32 && in[li].shape() == in[li + 1].shape(), "GatherQMM",
       "has bad index arrays");
  through_op("GatherQMM", [&] {
    gather_qmm(in[0], in[1], in[2], input_if(in, hb, 3), in[li], in[li + 1], transpose, p.group_size, p.bits,
               mode_name(p.mode));
  });
}
MLX_CHECK(SearchSorted) {
  const auto& right = std::get<0>(s);
  const auto& batch_dims = std::get<1>(s);
  const array &sorted = in[0], &values = in[1];
  bool ok = sorted.dtype() == values.dtype() && batch_dims >= 0 && sorted.ndim() == batch_dims + 1 &&
            values.ndim() >= batch_dims;
  for (int i = 0; ok && i < batch_dims; ++i) ok = sorted.shape(i) == values.shape(i);
  need(ok, "SearchSorted", "has inputs of mismatched shapes");
}
MLX_CHECK(Svd) {
  need(in[0].ndim() >= 2 && (in[0].dtype() == float32 || in[0].dtype() == float64), "Svd", "has a bad input");
}
MLX_CHECK(PsdSqrt) {
  need(in[0].ndim() >= 2 && in[0].shape(-1) == in[0].shape(-2) && in[0].dtype() == float32, "PsdSqrt", "has a bad input");
}
MLX_CHECK(CategoricalCdf) {
  need(in[0].ndim() == 2 && in[1].ndim() == 2 && in[0].shape(0) == in[1].shape(0) && in[0].dtype() == float32 &&
           in[1].dtype() == float32,
       "CategoricalCdf", "has inputs of mismatched shapes");
}
MLX_CHECK(RandIntBits) {
  need(in.size() == 4 || in.size() == 5, "RandIntBits", "has the wrong number of inputs");
  Dtype bound = in[1].dtype();
  bool ok = in[0].dtype() == uint32 && (bound == int64 || bound == uint64 || bound == float64);
  for (size_t i = 1; ok && i < 4; ++i) ok = in[i].dtype() == bound && (in[i].size() == 1 || in[i].shape() == in[0].shape());
  if (in.size() == 5) ok = ok && in[4].dtype() == uint32 && in[4].shape() == in[0].shape();
  need(ok, "RandIntBits", "has inputs of mismatched shapes or dtypes");
}
MLX_CHECK(SamplerMath) { need(is_floating_point(in[0].dtype()), "SamplerMath", "has a non-floating input"); }
#undef MLX_CHECK

// The output dtypes a node of class P must record, where the class fixes them (the kernels
// write the dtype they compute in, so a file may not claim another). nullopt: not checked.
template <typename P>
std::optional<std::vector<Dtype>> out_dtypes(const StateOf<P>&, const std::vector<array>&) {
  return std::nullopt;
}
#define MLX_OUT_DTYPES(P, ...)                                                                  \
  template <>                                                                                   \
  std::optional<std::vector<Dtype>> out_dtypes<P>([[maybe_unused]] const StateOf<P>& s,       \
                                                  [[maybe_unused]] const std::vector<array>& in) { \
    return std::vector<Dtype>{__VA_ARGS__};                                                     \
  }
#define MLX_SAME_DTYPE(P) MLX_OUT_DTYPES(P, in[0].dtype())
MLX_OUT_DTYPES(Unary, unary_out_dtype(std::get<0>(s), in[0].dtype()))
MLX_OUT_DTYPES(Binary, is_comparison(std::get<0>(s)) ? bool_ : in[0].dtype())
MLX_OUT_DTYPES(Select, in[1].dtype())
MLX_OUT_DTYPES(DivMod, in[0].dtype(), in[0].dtype())
MLX_SAME_DTYPE(Reshape)
MLX_SAME_DTYPE(Transpose)
MLX_SAME_DTYPE(Broadcast)
MLX_SAME_DTYPE(Slice)
MLX_SAME_DTYPE(SliceUpdate)
MLX_SAME_DTYPE(AsStrided)
MLX_SAME_DTYPE(StridedAccumulate)
MLX_SAME_DTYPE(Contiguous)
MLX_SAME_DTYPE(Diagonal)
MLX_SAME_DTYPE(Matmul)
MLX_SAME_DTYPE(Concatenate)
MLX_SAME_DTYPE(Pad)
MLX_SAME_DTYPE(PadMirror)
MLX_SAME_DTYPE(Roll)
MLX_SAME_DTYPE(Repeat)
MLX_SAME_DTYPE(Copy)
MLX_SAME_DTYPE(Alias)
MLX_SAME_DTYPE(StopGradient)
MLX_SAME_DTYPE(Reduce)
MLX_SAME_DTYPE(Scan)
MLX_SAME_DTYPE(LogSumExp)
MLX_SAME_DTYPE(Softmax)
MLX_SAME_DTYPE(Gather)
MLX_SAME_DTYPE(Scatter)
MLX_SAME_DTYPE(PermuteAlongAxis)
MLX_OUT_DTYPES(AsType, std::get<0>(s))
MLX_OUT_DTYPES(View, std::get<0>(s))
MLX_OUT_DTYPES(ArgReduce, uint32)
MLX_OUT_DTYPES(SearchSorted, uint32)
MLX_OUT_DTYPES(Sort, (std::get<0>(s) == SortKind::Sort || std::get<0>(s) == SortKind::Partition) ? in[0].dtype() : uint32)
MLX_OUT_DTYPES(RandomBits, std::get<1>(s) ? float32 : uint32)
MLX_OUT_DTYPES(RandIntBits, std::get<0>(s))
MLX_OUT_DTYPES(NumberOfElements, std::get<3>(s))
MLX_SAME_DTYPE(SamplerMath)
MLX_SAME_DTYPE(RMSNorm)
MLX_SAME_DTYPE(LayerNorm)
MLX_SAME_DTYPE(RoPE)
MLX_SAME_DTYPE(ScaledDotProductAttention)
MLX_SAME_DTYPE(Convolution)
MLX_SAME_DTYPE(ConvWeightGrad)
MLX_SAME_DTYPE(GatherMM)
MLX_SAME_DTYPE(PsdSqrt)
MLX_OUT_DTYPES(CrossEntropy, float32)
MLX_OUT_DTYPES(CategoricalCdf, uint32)
MLX_OUT_DTYPES(Dequantize, std::get<3>(s))
#undef MLX_SAME_DTYPE
#undef MLX_OUT_DTYPES

// ---- The table ------------------------------------------------------------------------------

struct Entry {
  const char* key;
  std::function<std::string(const Primitive&)> write;
  std::function<std::shared_ptr<Primitive>(const std::string&, Stream)> make;
  std::function<void(const std::string&, const std::vector<array>&, const std::vector<Dtype>&)> check;
  std::function<std::vector<StateValue>(const std::string&)> describe;
};

void describe_one(std::vector<StateValue>& out, const auto& v) {
  using T = std::decay_t<decltype(v)>;
  if constexpr (std::is_same_v<T, bool>) {
    out.emplace_back(v);
  } else if constexpr (std::is_same_v<T, Dtype>) {
    out.emplace_back(dtype_name(v));
  } else if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) {
    out.emplace_back(static_cast<int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    out.emplace_back(static_cast<double>(v));
  } else if constexpr (std::is_same_v<T, ConvParams>) {
    for (auto* f : {&v.stride, &v.pad_lo, &v.pad_hi, &v.kernel_dilation, &v.input_dilation}) describe_one(out, *f);
    out.emplace_back(static_cast<int64_t>(v.groups));
    out.emplace_back(v.flip);
  } else if constexpr (std::is_same_v<T, QuantParams>) {
    out.emplace_back(static_cast<int64_t>(v.group_size));
    out.emplace_back(static_cast<int64_t>(v.bits));
    out.emplace_back(static_cast<int64_t>(v.mode));
  } else {
    out.emplace_back(std::vector<int64_t>(v.begin(), v.end()));
  }
}

template <typename P>
Entry make_entry(const char* key) {
  return Entry{
      key,
      [](const Primitive& p) {
        ByteWriter w;
        write_tuple(w, static_cast<const P&>(p).state());
        return w.data();
      },
      [](const std::string& state, Stream s) -> std::shared_ptr<Primitive> {
        return std::apply([&](auto&&... a) { return std::make_shared<P>(s, a...); }, read_state<P>(state));
      },
      [key](const std::string& state, const std::vector<array>& in, const std::vector<Dtype>& outs) {
        auto s = read_state<P>(state);
        int n = arity<P>(s);
        need(n < 0 ? !in.empty() : in.size() == static_cast<size_t>(n), key, "has the wrong number of inputs");
        check_params<P>(s, in);
        auto want = out_dtypes<P>(s, in);
        need(!want || *want == outs, key, "records output dtypes its inputs do not give");
      },
      [](const std::string& state) {
        std::vector<StateValue> out;
        std::apply([&](const auto&... v) { (describe_one(out, v), ...); }, read_state<P>(state));
        return out;
      }};
}

struct Table {
  std::unordered_map<std::type_index, const Entry*> by_type;
  std::unordered_map<std::string, Entry> by_key;
  Table() {
#define MLX_REGISTER(P) by_key.emplace(#P, make_entry<P>(#P));
    MLX_EXPORTABLE_PRIMITIVES(MLX_REGISTER)
#undef MLX_REGISTER
#define MLX_REGISTER(P) by_type.emplace(std::type_index(typeid(P)), &by_key.at(#P));
    MLX_EXPORTABLE_PRIMITIVES(MLX_REGISTER)
#undef MLX_REGISTER
  }
};

const Table& table() {
  static const Table t;
  return t;
}

const Entry& entry(const std::string& key) {
  auto it = table().by_key.find(key);
  if (it == table().by_key.end()) malformed(msg("unknown primitive '", key.substr(0, 64), "'"));
  return it->second;
}

} // namespace

EncodedPrimitive encode_primitive(const Primitive& p) {
  auto it = table().by_type.find(std::type_index(typeid(p)));
  if (it == table().by_type.end()) {
    throw std::invalid_argument(msg("[export] Primitive ", p.name(), " cannot be exported."));
  }
  return {it->second->key, it->second->write(p)};
}

std::shared_ptr<Primitive> decode_primitive(const std::string& key, const std::string& state, Stream s) {
  return entry(key).make(state, s);
}

void check_node(const std::string& key, const std::string& state, const std::vector<array>& inputs,
                const std::vector<Dtype>& out_dtypes) {
  entry(key).check(state, inputs, out_dtypes);
}

std::vector<StateValue> describe_state(const std::string& key, const std::string& state) {
  return entry(key).describe(state);
}

} // namespace mlx::core::exporting
