// Quantization: quantize, dequantize, quantized_matmul, gather_qmm, qqmm, gather_qqmm.
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <optional>
#include <string>

#include "mlx_core/ops/quantize.h"
#include "python/src/common.h"
#include "python/src/convert.h"

using namespace nb::literals;
using OptArray = std::optional<mx::array>;

void init_quantize(nb::module_& m) {
  def_op(m, "quantize", [](const mx::array& w, std::optional<int> group_size, std::optional<int> bits,
                           const std::string& mode, OptArray global_scale, mx::StreamOrDevice s) {
        auto r = mx::quantize(w, group_size, bits, mode, global_scale, s);
        if (r.size() == 2) return nb::make_tuple(r[0], r[1]);
        return nb::make_tuple(r[0], r[1], r[2]);
      }, nb::arg(), "group_size"_a.none() = nb::none(), "bits"_a.none() = nb::none(), "mode"_a = "affine",
      "global_scale"_a.none() = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def quantize(w: array, /, group_size: int | None = None, bits: int | None = None, mode: str = 'affine', global_scale: array | None = None, *, stream: Stream | Device | None = None) -> tuple[array, array, array]"),
      R"(Quantize the matrix ``w`` group by group along its last axis.

Every ``group_size`` consecutive elements of a row share a scale (and, in ``"affine"``
mode, a bias). The codes are packed into ``uint32`` words from the least significant bits
up, as a continuous bit stream per row (so 3, 5 and 6-bit codes cross word boundaries).

======  ============  ===================  ===========  =====
mode    group size    bits                 scales       bias
======  ============  ===================  ===========  =====
affine  32, 64*, 128  1, 2, 3, 4*, 5, 6, 8  w's dtype    yes
mxfp4   32            4 (E2M1)             E8M0 uint8   no
mxfp8   32            8 (E4M3)             E8M0 uint8   no
nvfp4   16            4 (E2M1)             E4M3 uint8   no
======  ============  ===================  ===========  =====

(* the default). Affine: with ``s = (max - min) / (2**bits - 1)``, adjusted so that the
extreme of larger magnitude is exactly representable, each code is
``round((w - bias) / s)``; ``w ~ s * code + bias``.

Args:
    w (array): A real floating array of at least 2 dimensions whose last axis is a
      multiple of ``group_size``.
    group_size (int, optional): Elements per scale. Default: per mode (above).
    bits (int, optional): Bits per element. Default: per mode (above).
    mode (str, optional): ``"affine"``, ``"mxfp4"``, ``"mxfp8"`` or ``"nvfp4"``.
      Default: ``"affine"``.
    global_scale (array, optional): ``nvfp4`` only: the tensor's absolute maximum as a
      float32 scalar; the block scales are then stored relative to it.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    tuple: ``(w_q, scales, biases)`` for ``"affine"``, ``(w_q, scales)`` otherwise.
)");

  def_op(m, "dequantize", [](const mx::array& w, const mx::array& scales, OptArray biases,
                             std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
                             OptArray global_scale, std::optional<DtypeArg> dtype, mx::StreamOrDevice s) {
        return mx::dequantize(w, scales, biases, group_size, bits, mode, global_scale,
                              to_dtype_opt(dtype, "dequantize"), s);
      }, nb::arg(), "scales"_a, "biases"_a.none() = nb::none(), "group_size"_a.none() = nb::none(),
      "bits"_a.none() = nb::none(), "mode"_a = "affine", "global_scale"_a.none() = nb::none(),
      "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def dequantize(w: array, /, scales: array, biases: array | None = None, group_size: int | None = None, bits: int | None = None, mode: str = 'affine', global_scale: array | None = None, dtype: Dtype | None = None, *, stream: Stream | Device | None = None) -> array"),
      R"(Dequantize a matrix packed by :func:`quantize`.

Affine: ``w = scale * code + bias`` per group; the fp modes: ``w = element * scale``.

Args:
    w (array): The packed ``uint32`` matrix.
    scales (array): The scales of the groups.
    biases (array, optional): The biases (affine only). Default: ``None``.
    group_size (int, optional): Elements per scale. Default: per mode.
    bits (int, optional): Bits per element. Default: per mode.
    mode (str, optional): The quantization mode. Default: ``"affine"``.
    global_scale (array, optional): ``nvfp4`` only: the global scale used to quantize.
    dtype (Dtype, optional): The output type. Default: the scales' type for affine,
      ``bfloat16`` for the fp modes.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The dequantized matrix.
)");

  def_op(m, "quantized_matmul", [](const mx::array& x, const mx::array& w, const mx::array& scales, OptArray biases,
                                   bool transpose, std::optional<int> group_size, std::optional<int> bits,
                                   const std::string& mode, mx::StreamOrDevice s) {
        return mx::quantized_matmul(x, w, scales, biases, transpose, group_size, bits, mode, s);
      }, nb::arg(), nb::arg(), "scales"_a, "biases"_a.none() = nb::none(), "transpose"_a = true,
      "group_size"_a.none() = nb::none(), "bits"_a.none() = nb::none(), "mode"_a = "affine", nb::kw_only(),
      "stream"_a = nb::none(),
      nb::sig("def quantized_matmul(x: array, w: array, /, scales: array, biases: array | None = None, transpose: bool = True, group_size: int | None = None, bits: int | None = None, mode: str = 'affine', *, stream: Stream | Device | None = None) -> array"),
      R"(Matrix product with a packed matrix: ``x @ dequantize(w).T`` (``transpose``) or
``x @ dequantize(w)``, computed from the packed words without dequantizing the whole
matrix. Batch dimensions of ``x`` and ``w`` broadcast.

Args:
    x (array): Input array.
    w (array): The packed ``uint32`` matrix.
    scales (array): The scales of the groups.
    biases (array, optional): The biases (affine only). Default: ``None``.
    transpose (bool, optional): Multiply by the transposed matrix. Default: ``True``.
    group_size (int, optional): Elements per scale. Default: per mode.
    bits (int, optional): Bits per element. Default: per mode.
    mode (str, optional): The quantization mode. Default: ``"affine"``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The product.
)");

  def_op(m, "gather_qmm", [](const mx::array& x, const mx::array& w, const mx::array& scales, OptArray biases,
                             OptArray lhs_indices, OptArray rhs_indices, bool transpose,
                             std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
                             OptArray global_scale, bool sorted_indices, mx::StreamOrDevice s) {
        return mx::gather_qmm(x, w, scales, biases, lhs_indices, rhs_indices, transpose, group_size, bits, mode,
                              global_scale, sorted_indices, s);
      }, nb::arg(), nb::arg(), "scales"_a, "biases"_a.none() = nb::none(), "lhs_indices"_a.none() = nb::none(),
      "rhs_indices"_a.none() = nb::none(), "transpose"_a = true, "group_size"_a.none() = nb::none(),
      "bits"_a.none() = nb::none(), "mode"_a = "affine", "global_scale"_a.none() = nb::none(), nb::kw_only(),
      "sorted_indices"_a = false, "stream"_a = nb::none(),
      nb::sig("def gather_qmm(x: array, w: array, /, scales: array, biases: array | None = None, lhs_indices: array | None = None, rhs_indices: array | None = None, transpose: bool = True, group_size: int | None = None, bits: int | None = None, mode: str = 'affine', global_scale: array | None = None, *, sorted_indices: bool = False, stream: Stream | Device | None = None) -> array"),
      R"(:func:`quantized_matmul` with matrix-level gather (the quantized :func:`gather_mm`).

``lhs_indices`` and ``rhs_indices`` are flat indices over the batch dimensions of ``x``
and ``w`` (``scales`` and ``biases`` share ``w``'s batch shape); they default to every
batch position and broadcast together to the output's batch shape.

Args:
    x (array): Input array of at least 2 dimensions.
    w (array): The packed ``uint32`` matrices.
    scales (array): The scales of the groups.
    biases (array, optional): The biases (affine only). Default: ``None``.
    lhs_indices (array, optional): Integer indices into x's batch. Default: ``None``.
    rhs_indices (array, optional): Integer indices into w's batch. Default: ``None``.
    transpose (bool, optional): Multiply by the transposed matrices. Default: ``True``.
    group_size (int, optional): Elements per scale. Default: per mode.
    bits (int, optional): Bits per element. Default: per mode.
    mode (str, optional): The quantization mode. Default: ``"affine"``.
    global_scale (array, optional): Only supported on the GPU; raises here.
    sorted_indices (bool, optional): A hint that the indices are sorted. Default: ``False``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The gathered products.
)");

  def_op(m, "qqmm", [](const mx::array& x, const mx::array& w, OptArray scales, std::optional<int> group_size,
                       std::optional<int> bits, const std::string& mode, OptArray gsx, OptArray gsw,
                       mx::StreamOrDevice s) {
        return mx::qqmm(x, w, scales, group_size, bits, mode, gsx, gsw, s);
      }, nb::arg(), nb::arg(), "scales"_a.none() = nb::none(), "group_size"_a.none() = nb::none(),
      "bits"_a.none() = nb::none(), "mode"_a = "nvfp4", "global_scale_x"_a.none() = nb::none(),
      "global_scale_w"_a.none() = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def qqmm(x: array, w: array, /, scales: array | None = None, group_size: int | None = None, bits: int | None = None, mode: str = 'nvfp4', global_scale_x: array | None = None, global_scale_w: array | None = None, *, stream: Stream | Device | None = None) -> array"),
      R"(Matrix product of a quantized-on-the-fly ``x`` with ``w``: ``q(x) @ q(w).T``.

``w`` is used as is when already packed (``uint32``, with ``scales``), otherwise quantized
on the fly with the same mode. Gradients reach ``x`` and an unquantized ``w`` straight
through the rounding.

Args:
    x (array): Input array (float32, float16 or bfloat16).
    w (array): Weight matrix, packed or not.
    scales (array, optional): The scales of a packed ``w``. Default: ``None``.
    group_size (int, optional): Elements per scale. Default: per mode.
    bits (int, optional): Bits per element. Default: per mode.
    mode (str, optional): ``"nvfp4"`` or ``"mxfp8"`` (also ``"mxfp4"`` and ``"affine"``
      with an unquantized ``w``). Default: ``"nvfp4"``.
    global_scale_x (array, optional): nvfp4 global scale of ``x``.
    global_scale_w (array, optional): nvfp4 global scale of ``w``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The product.
)");

  def_op(m, "gather_qqmm", [](const mx::array& x, const mx::array& w, OptArray scales, OptArray lhs_indices,
                              OptArray rhs_indices, std::optional<int> group_size, std::optional<int> bits,
                              const std::string& mode, OptArray gsx, OptArray gsw, bool sorted_indices,
                              mx::StreamOrDevice s) {
        return mx::gather_qqmm(x, w, scales, lhs_indices, rhs_indices, group_size, bits, mode, gsx, gsw,
                               sorted_indices, s);
      }, nb::arg(), nb::arg(), "scales"_a.none() = nb::none(), "lhs_indices"_a.none() = nb::none(),
      "rhs_indices"_a.none() = nb::none(), "group_size"_a.none() = nb::none(), "bits"_a.none() = nb::none(),
      "mode"_a = "nvfp4", "global_scale_x"_a.none() = nb::none(), "global_scale_w"_a.none() = nb::none(),
      nb::kw_only(), "sorted_indices"_a = false, "stream"_a = nb::none(),
      nb::sig("def gather_qqmm(x: array, w: array, /, scales: array | None = None, lhs_indices: array | None = None, rhs_indices: array | None = None, group_size: int | None = None, bits: int | None = None, mode: str = 'nvfp4', global_scale_x: array | None = None, global_scale_w: array | None = None, *, sorted_indices: bool = False, stream: Stream | Device | None = None) -> array"),
      R"(:func:`qqmm` with matrix-level gather (indices as :func:`gather_qmm`'s).

Args:
    x (array): Input array (float32, float16 or bfloat16).
    w (array): Weight matrices, packed or not.
    scales (array, optional): The scales of a packed ``w``. Default: ``None``.
    lhs_indices (array, optional): Integer indices into x's batch. Default: ``None``.
    rhs_indices (array, optional): Integer indices into w's batch. Default: ``None``.
    group_size (int, optional): Elements per scale. Default: per mode.
    bits (int, optional): Bits per element. Default: per mode.
    mode (str, optional): The quantization mode. Default: ``"nvfp4"``.
    global_scale_x (array, optional): nvfp4 global scale of ``x``.
    global_scale_w (array, optional): nvfp4 global scale of ``w``.
    sorted_indices (bool, optional): A hint that the indices are sorted. Default: ``False``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The gathered products.
)");
}
