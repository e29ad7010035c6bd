// mlx.core.fast: fused normalization, rotary embedding, cross entropy, the gated delta
// update, and the GPU custom-kernel entry points (which raise without that GPU).
#include "python/src/fast.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "mlx_core/ops/fast.h"
#include "python/src/common.h"

using namespace nb::literals;

namespace {

using Dim3 = std::tuple<int, int, int>;

// The custom-kernel entry points: the same signatures as on a GPU build; this build has
// neither Metal nor CUDA, so building (CUDA) or running (Metal) a kernel raises.
void init_gpu_kernels(nb::module_& fast) {
  fast.def(
      "metal_kernel",
      [](const std::string&, const std::vector<std::string>&, const std::vector<std::string>&,
         const std::string&, const std::string&, bool, bool, nb::object) {
        // The kernel object exists (as on a Mac); calling it needs the Metal back-end.
        return nb::cpp_function(
            [](nb::object, nb::object, nb::object, Dim3, Dim3, nb::object, nb::object, bool,
               nb::object) -> nb::object {
              throw std::runtime_error("[metal_kernel] No Metal back-end.");
            },
            nb::kw_only(), "inputs"_a, "output_shapes"_a, "output_dtypes"_a, "grid"_a,
            "threadgroup"_a, "template"_a = nb::none(), "init_value"_a = nb::none(),
            "verbose"_a = false, "stream"_a = nb::none(),
            "Runs the kernel; raises RuntimeError: this build has no Metal back-end.");
      },
      "name"_a, "input_names"_a, "output_names"_a, "source"_a, "header"_a = "",
      "ensure_row_contiguous"_a = true, "atomic_outputs"_a = false,
      "compile_options"_a = nb::none(),
      "A custom Metal kernel. Building it succeeds; running it raises RuntimeError, since this\n"
      "build has no Metal back-end (``mx.metal.is_available()`` is False).");
  fast.def(
      "cuda_kernel",
      [](const std::string&, const std::vector<std::string>&, const std::vector<std::string>&,
         const std::string&, const std::string&, bool, int) -> nb::object {
        throw std::runtime_error("[cuda_kernel] No CUDA back-end.");
      },
      "name"_a, "input_names"_a, "output_names"_a, "source"_a, "header"_a = "",
      "ensure_row_contiguous"_a = true, "shared_memory"_a = 0,
      "A custom CUDA kernel. Raises RuntimeError: this build has no CUDA back-end.");
  fast.def(
      "precompiled_cuda_kernel",
      [](const std::string&, nb::bytes, nb::object, nb::object, nb::object, nb::object, Dim3, Dim3,
         int, nb::object, bool, nb::object) -> std::vector<mx::array> {
        throw std::runtime_error("[cuda_kernel] No CUDA back-end.");
      },
      nb::kw_only(), "name"_a, "compiled_source"_a, "inputs"_a, "output_shapes"_a,
      "output_dtypes"_a, "scalars"_a, "grid"_a, "threadgroup"_a, "shared_memory"_a = 0,
      "init_value"_a = nb::none(), "ensure_row_contiguous"_a = false, "stream"_a = nb::none(),
      "Runs a precompiled CUDA kernel. Raises RuntimeError: this build has no CUDA back-end.");
}


// rms_norm, layer_norm, rope, cross_entropy, gated_delta_update.
void init_fused_ops(nb::module_& fast) {
  def_op(fast, "rms_norm",
         [](const mx::array& x, std::optional<mx::array> weight, float eps, mx::StreamOrDevice s) {
           return mx::fast::rms_norm(x, weight, eps, s);
         },
         "x"_a, "weight"_a.none(), "eps"_a, nb::kw_only(), "stream"_a = nb::none(),
         "Root-mean-square normalization over the last axis.\n\n"
         "Computes ``x * rsqrt(mean(x**2, axis=-1, keepdims=True) + eps) * weight`` in one pass\n"
         "over memory (float16 / bfloat16 inputs accumulate in float32).\n\n"
         "Args:\n"
         "    x (array): The input; normalized over its last axis.\n"
         "    weight (array, optional): A 1-d scale with the size of the last axis, or ``None``.\n"
         "    eps (float): Added to the mean square for numerical stability.\n\n"
         "Returns:\n"
         "    array: The normalized input, in the promoted dtype of ``x`` and ``weight``.");
  def_op(fast, "layer_norm",
         [](const mx::array& x, std::optional<mx::array> weight, std::optional<mx::array> bias, float eps,
            mx::StreamOrDevice s) { return mx::fast::layer_norm(x, weight, bias, eps, s); },
         "x"_a, "weight"_a.none(), "bias"_a.none(), "eps"_a, nb::kw_only(), "stream"_a = nb::none(),
         "Layer normalization over the last axis.\n\n"
         "Computes ``(x - mean) * rsqrt(var + eps) * weight + bias`` (mean and variance over the\n"
         "last axis) in one pass over memory.\n\n"
         "Args:\n"
         "    x (array): The input; normalized over its last axis.\n"
         "    weight (array, optional): A 1-d scale with the size of the last axis, or ``None``.\n"
         "    bias (array, optional): A 1-d shift with the size of the last axis, or ``None``.\n"
         "    eps (float): Added to the variance for numerical stability.\n\n"
         "Returns:\n"
         "    array: The normalized input, in the promoted dtype of the inputs.");
  def_op(fast, "rope",
         [](const mx::array& a, int dims, bool traditional, std::optional<float> base, float scale,
            std::variant<int, mx::array> offset, std::optional<mx::array> freqs, mx::StreamOrDevice s) {
           if (auto* o = std::get_if<int>(&offset))
             return mx::fast::rope(a, dims, traditional, base, scale, *o, freqs, s);
           return mx::fast::rope(a, dims, traditional, base, scale, std::get<mx::array>(offset), freqs, s);
         },
         "a"_a, "dims"_a, nb::kw_only(), "traditional"_a, "base"_a.none(), "scale"_a, "offset"_a,
         "freqs"_a = nb::none(), "stream"_a = nb::none(),
         "Rotary positional encoding.\n\n"
         "Rotates the first ``dims`` features of ``a`` (shape ``(B, *, T, D)``) by angles\n"
         "``(offset + t) * scale * f_i`` for the position ``t`` along axis -2, with frequencies\n"
         "``f_i = base ** (-2 i / dims)`` or ``1 / freqs[i]``; the other features pass through.\n\n"
         "Args:\n"
         "    a (array): The input, at least 3-d.\n"
         "    dims (int): The number of features to rotate (even, at most ``D``).\n"
         "    traditional (bool): Rotate consecutive pairs ``(2i, 2i+1)`` instead of the pairs\n"
         "      ``(i, i + dims/2)``.\n"
         "    base (float, optional): The frequency base; exactly one of ``base`` and ``freqs``\n"
         "      is ``None``.\n"
         "    scale (float): Multiplies the positions.\n"
         "    offset (int or array): The first position: an int, an integer scalar array, or an\n"
         "      integer vector with one offset per batch entry (axis 0).\n"
         "    freqs (array, optional): ``dims // 2`` frequencies to use instead of ``base``.\n\n"
         "Returns:\n"
         "    array: The rotated input, in its dtype.");
  def_op(fast, "cross_entropy",
         [](const mx::array& logits, const mx::array& targets, mx::StreamOrDevice s) {
           return mx::fast::cross_entropy(logits, targets, s);
         },
         "logits"_a, "targets"_a, nb::kw_only(), "stream"_a = nb::none(),
         "Cross entropy with class indices as targets.\n\n"
         "Computes ``logsumexp(logits, axis=-1) - logits[..., targets]`` in one pass over the\n"
         "logits, accumulating in float32.\n\n"
         "Args:\n"
         "    logits (array): Unnormalized scores; classes along the last axis.\n"
         "    targets (array): Integer class indices, shaped as ``logits`` without its last\n"
         "      axis, in ``[-C, C)`` (negative indices count from the end; others raise\n"
         "      IndexError).\n\n"
         "Returns:\n"
         "    array: The loss of each element, float32, shaped as ``targets``.");
  def_op(fast, "gated_delta_update",
         [](const mx::array& q, const mx::array& k, const mx::array& v, const mx::array& gamma,
            const mx::array& beta, std::optional<mx::array> initial_state, std::optional<mx::array> mask,
            mx::StreamOrDevice s) { return mx::fast::gated_delta_update(q, k, v, gamma, beta, initial_state, mask, s); },
         "q"_a, "k"_a, "v"_a, "gamma"_a, "beta"_a, "initial_state"_a = nb::none(), "mask"_a = nb::none(),
         "stream"_a = nb::none(),
         "The gated delta rule (gated delta networks) over a sequence.\n\n"
         "For each step ``t`` and value head ``h`` (using key head ``h // (Hv // Hk)``), with the\n"
         "state ``S`` of shape ``(Dv, Dk)``: ``S = gamma * S``; ``S += beta * (v - S @ k) k^T``;\n"
         "``out = S @ q``. A step whose ``mask`` is false leaves ``S`` unchanged and outputs zeros.\n\n"
         "Args:\n"
         "    q (array): Queries ``(B, T, Hk, Dk)``.\n"
         "    k (array): Keys ``(B, T, Hk, Dk)``.\n"
         "    v (array): Values ``(B, T, Hv, Dv)``; ``Hv`` is a multiple of ``Hk``.\n"
         "    gamma (array): Decay in linear space, ``(B, T, Hv)`` or per key feature\n"
         "      ``(B, T, Hv, Dk)``.\n"
         "    beta (array): Update rates ``(B, T, Hv)``.\n"
         "    initial_state (array, optional): ``(B, Hv, Dv, Dk)``; zeros when ``None``.\n"
         "    mask (array, optional): ``(B, T)``; steps to apply.\n\n"
         "Returns:\n"
         "    list[array]: The outputs ``(B, T, Hv, Dv)`` and the final state ``(B, Hv, Dv, Dk)``\n"
         "    (float32, or float64 when an input is float64).");
}

} // namespace

void init_fast(nb::module_& m) {
  nb::module_ fast = fast_module(m);
  init_fused_ops(fast);
  init_gpu_kernels(fast);
}
