// Bindings of the matrix-product family (addmm, tensordot, vecdot, einsum, einsum_path,
// gather_mm, segmented_mm, block_masked_mm, hadamard_transform) and mlx.core.linalg.norm
// (also exposed as mlx.core.matrix_norm, as the reference does).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "mlx_core/ops/einsum.h"
#include "mlx_core/ops/matmul_family.h"
#include "mlx_core/ops/norm.h"
#include "python/src/common.h"
#include "python/src/convert.h"

using namespace nb::literals;

namespace {

// An operand given as an array or anything convertible to one.
mx::array arg(nb::handle v) {
  if (nb::isinstance<mx::array>(v)) return nb::cast<mx::array>(v);
  return to_array(v);
}

// An optional array argument (None or anything convertible to an array).
std::optional<mx::array> opt_array(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return arg(h);
}

// One int of a tensordot axes specification.
int axes_int(nb::handle h) {
  if (!PyLong_Check(h.ptr()) || PyBool_Check(h.ptr())) {
    throw mx::type_error("[tensordot] axes must be an int or a pair of sequences of ints, but got " +
                         arg_type_name(h) + ".");
  }
  return nb::cast<int>(h);
}

mx::array tensordot_binding(const mx::array& a, const mx::array& b, nb::handle axes, mx::StreamOrDevice s) {
  if (PyLong_Check(axes.ptr()) && !PyBool_Check(axes.ptr())) return mx::tensordot(a, b, nb::cast<int>(axes), s);
  if (!PySequence_Check(axes.ptr()) || PyUnicode_Check(axes.ptr()) || nb::len(axes) != 2) {
    throw mx::type_error("[tensordot] axes must be an int or a pair of sequences of ints, but got " +
                         arg_type_name(axes) + ".");
  }
  std::vector<int> xa, xb;
  auto side = [](nb::handle h, std::vector<int>& out) {
    if (PySequence_Check(h.ptr()) && !PyUnicode_Check(h.ptr())) {
      for (nb::handle v : nb::iter(h)) out.push_back(axes_int(v));
    } else {
      out.push_back(axes_int(h));  // NumPy's (axis_a, axis_b) form
    }
  };
  side(axes[0], xa);
  side(axes[1], xb);
  return mx::tensordot(a, b, xa, xb, s);
}

mx::array norm_binding(const mx::array& a, nb::handle ord, std::optional<AxisArg> axis, bool keepdims,
                       mx::StreamOrDevice s) {
  std::optional<std::vector<int>> ax;
  if (axis && !axis->obj.is_none()) ax = to_axes(*axis, "linalg::norm");
  if (ord.is_none()) return mx::linalg::norm(a, std::nullopt, ax, keepdims, s);
  if (PyUnicode_Check(ord.ptr())) return mx::linalg::norm(a, nb::cast<std::string>(ord), ax, keepdims, s);
  if (PyLong_Check(ord.ptr()) || PyFloat_Check(ord.ptr())) {
    return mx::linalg::norm(a, PyFloat_AsDouble(ord.ptr()), ax, keepdims, s);
  }
  throw mx::type_error("[linalg::norm] Expected ord to be None, a number or a str, but got " + arg_type_name(ord) + ".");
}

} // namespace

void init_matmul_family(nb::module_& m) {
  def_op(m, "addmm", [](const mx::array& c, const mx::array& a, const mx::array& b, float alpha, float beta,
                        mx::StreamOrDevice s) { return mx::addmm(c, a, b, alpha, beta, s); },
      nb::arg(), nb::arg(), nb::arg(), "alpha"_a = 1.0f, "beta"_a = 1.0f, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def addmm(c: array, a: array, b: array, /, alpha: float = 1.0, beta: float = 1.0, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Matrix product with addition: ``alpha * (a @ b) + beta * c``.

Args:
    c (array): The addend; broadcasts against the product.
    a (array): Left operand of the product.
    b (array): Right operand of the product.
    alpha (float, optional): Scale of the product. Default: ``1.0``.
    beta (float, optional): Scale of ``c``. Default: ``1.0``.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: The result (integer inputs compute in float32).
)");

  def_op(m, "tensordot", [](const mx::array& a, const mx::array& b, nb::handle axes, mx::StreamOrDevice s) {
        return tensordot_binding(a, b, axes, s);
      }, nb::arg(), nb::arg(), "axes"_a = 2, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def tensordot(a: array, b: array, /, axes: int | list[collections.abc.Sequence[int]] = 2, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Tensor contraction over given axes.

Args:
    a (array): Left input.
    b (array): Right input.
    axes (int or list[list[int]], optional): An int contracts the last ``axes`` axes of
      ``a`` with the first ``axes`` axes of ``b``; a pair of lists names the axes of each.
      Default: ``2``.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: The free axes of ``a`` followed by those of ``b``.
)");

  def_op(m, "vecdot", [](const mx::array& a, const mx::array& b, int axis, mx::StreamOrDevice s) {
        return mx::vecdot(a, b, axis, s);
      }, nb::arg(), nb::arg(), "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def vecdot(a: array, b: array, /, axis: int = -1, *, stream: Stream | Device | None = None) -> array"),
      R"(Vector dot product ``sum(conj(a) * b)`` along ``axis``, after broadcasting.

Args:
    a (array): First input (conjugated when complex).
    b (array): Second input.
    axis (int, optional): The axis to contract. Default: ``-1``.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: The dot products.
)");

  def_op(m, "einsum", [](const std::string& subscripts, nb::args operands, mx::StreamOrDevice s) {
        std::vector<mx::array> ops;
        for (nb::handle h : operands) ops.push_back(arg(h));
        return mx::einsum(subscripts, ops, s);
      }, "subscripts"_a, "operands"_a, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def einsum(subscripts: str, *operands, stream: Stream | Device | None = None) -> array"),
      R"(Einstein summation.

The operands are contracted two at a time, each pair through one batched matrix
product, in the order :func:`einsum_path` reports.

Args:
    subscripts (str): The subscripts (NumPy's notation, with ``...`` and an optional ``->``).
    *operands (array): The inputs.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: The result.
)");

  def_op(m, "einsum_path", [](const std::string& subscripts, nb::args operands) {
        std::vector<mx::array> ops;
        for (nb::handle h : operands) ops.push_back(arg(h));
        auto [path, report] = mx::einsum_path(subscripts, ops);
        nb::list steps;
        for (auto& st : path) {
          nb::list t;
          for (int v : st) t.append(v);
          steps.append(nb::tuple(t));
        }
        return nb::make_tuple(steps, report);
      }, "subscripts"_a, "operands"_a,
      nb::sig("def einsum_path(subscripts: str, *operands)"),
      R"(The contraction order :func:`einsum` uses, and a report of its cost.

Args:
    subscripts (str): The subscripts.
    *operands (array): The inputs.

Returns:
    tuple(list(tuple(int, ...)), str): The path (pairs of positions in the running list of
    operands; each result is appended) and the report.
)");

  def_op(m, "gather_mm", [](const mx::array& a, const mx::array& b, nb::handle lhs, nb::handle rhs, bool sorted,
                            mx::StreamOrDevice s) {
        return mx::gather_mm(a, b, opt_array(lhs), opt_array(rhs), sorted, s);
      }, nb::arg(), nb::arg(), "lhs_indices"_a = nb::none(), "rhs_indices"_a = nb::none(), nb::kw_only(),
      "sorted_indices"_a = false, "stream"_a = nb::none(),
      nb::sig("def gather_mm(a: array, b: array, /, lhs_indices: array | None = None, rhs_indices: array | None = None, "
              "*, sorted_indices: bool = False, stream: Stream | Device | None = None) -> array"),
      R"(Matrix products of matrices picked from batches.

``lhs_indices`` picks matrices from ``a``'s flattened batch and ``rhs_indices`` from
``b``'s (by default every matrix in order); the index arrays broadcast together and their
shape leads the output's.

Args:
    a (array): Left operand, shape ``(..., M, K)``.
    b (array): Right operand, shape ``(..., K, N)``.
    lhs_indices (array, optional): Integer indices into ``a``'s batch.
    rhs_indices (array, optional): Integer indices into ``b``'s batch.
    sorted_indices (bool, optional): A hint that the indices are sorted. Default: ``False``.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: Shape ``indices.shape + (M, N)``.
)");

  def_op(m, "segmented_mm", [](const mx::array& a, const mx::array& b, const mx::array& segments,
                               mx::StreamOrDevice s) { return mx::segmented_mm(a, b, segments, s); },
      nb::arg(), nb::arg(), "segments"_a, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def segmented_mm(a: array, b: array, /, segments: array, *, stream: Stream | Device | None = None) "
              "-> array"),
      R"(Matrix products over segments of the inner dimension.

For each ``[start, end)`` pair in ``segments`` (shape ``(..., 2)``) computes
``a[:, start:end] @ b[start:end, :]``.

Args:
    a (array): Left operand, shape ``(M, K)``.
    b (array): Right operand, shape ``(K, N)``.
    segments (array): Integer segment bounds, shape ``(..., 2)``.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: Shape ``segments.shape[:-1] + (M, N)``.
)");

  def_op(m, "block_masked_mm", [](const mx::array& a, const mx::array& b, int block_size, nb::handle mask_out,
                                  nb::handle mask_lhs, nb::handle mask_rhs, mx::StreamOrDevice s) {
        return mx::block_masked_mm(a, b, block_size, opt_array(mask_out), opt_array(mask_lhs), opt_array(mask_rhs), s);
      }, nb::arg(), nb::arg(), "block_size"_a = 64, "mask_out"_a = nb::none(), "mask_lhs"_a = nb::none(),
      "mask_rhs"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def block_masked_mm(a: array, b: array, /, block_size: int = 64, mask_out: array | None = None, "
              "mask_lhs: array | None = None, mask_rhs: array | None = None, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Matrix product with block masking.

Each ``block_size x block_size`` tile of the output, ``a`` and ``b`` is masked (boolean
mask) or scaled (floating mask) by the tile's entry of ``mask_out``, ``mask_lhs`` and
``mask_rhs``.

Args:
    a (array): Left operand, shape ``(..., M, K)``.
    b (array): Right operand, shape ``(..., K, N)``.
    block_size (int, optional): The tile size, 32 or 64. Default: ``64``.
    mask_out (array, optional): Shape ``(..., ceil(M/bs), ceil(N/bs))``.
    mask_lhs (array, optional): Shape ``(..., ceil(M/bs), ceil(K/bs))``.
    mask_rhs (array, optional): Shape ``(..., ceil(K/bs), ceil(N/bs))``.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: The masked product.
)");

  def_op(m, "hadamard_transform", [](const mx::array& a, std::optional<float> scale, mx::StreamOrDevice s) {
        return mx::hadamard_transform(a, scale, s);
      }, nb::arg(), "scale"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def hadamard_transform(a: array, /, scale: float | None = None, *, stream: Stream | Device | None = None) "
              "-> array"),
      R"(The Walsh-Hadamard transform along the last axis.

The last axis must have size ``m * 2**k`` with ``m`` in ``(1, 12, 20, 28)``.

Args:
    a (array): The input (integer inputs compute in float32).
    scale (float, optional): Scale of the output. Default: ``1 / sqrt(a.shape[-1])``.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: The transformed array.
)");

  nb::module_ linalg = nb::hasattr(m, "linalg") ? nb::borrow<nb::module_>(m.attr("linalg"))
                                                : m.def_submodule("linalg", "Linear algebra.");
  def_op(linalg, "norm", [](const mx::array& a, nb::handle ord, std::optional<AxisArg> axis, bool keepdims,
                            mx::StreamOrDevice s) { return norm_binding(a, ord, axis, keepdims, s); },
      nb::arg(), "ord"_a = nb::none(), "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),
      "stream"_a = nb::none(),
      nb::sig("def norm(a: array, /, ord: None | int | float | str = None, axis: None | int | list[int] = None, "
              "keepdims: bool = False, *, stream: Stream | Device | None = None) -> array"),
      R"(Matrix or vector norm.

With ``axis`` of one axis (or a 1-D input and no axis) a vector norm: ``ord`` in
``inf, -inf, 0`` or any p. With two axes (or a 2-D input) a matrix norm: ``ord`` in
``'fro', inf, -inf, 1, -1``. With neither ``ord`` nor ``axis`` the 2-norm of the
flattened input of any rank.

Args:
    a (array): The input (integer inputs compute in float32, complex ones by modulus).
    ord (int, float or str, optional): The order. Default: ``None`` (2-norm / Frobenius).
    axis (int or list[int], optional): The axes of the norm. Default: ``None``.
    keepdims (bool, optional): Keep the reduced axes with size 1. Default: ``False``.
    stream (Stream or Device, optional): Where to compute.

Returns:
    array: The norm.
)");
  m.attr("matrix_norm") = linalg.attr("norm");
}
