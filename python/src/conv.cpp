// Convolutions: conv1d/2d/3d, conv_general, conv_transpose1d/2d/3d and convolve.
#include <nanobind/stl/string.h>

#include <climits>
#include <string>
#include <vector>

#include "mlx_core/ops/conv.h"
#include "python/src/common.h"
#include "python/src/convert.h"

using namespace nb::literals;

namespace {

// One int of a conv parameter (an int or an object with __index__); TypeError naming it
// otherwise, ValueError when it does not fit in 32 bits.
int conv_int(nb::handle h, const char* op, const char* name) {
  int overflow = 0;
  long long v = index_element(h, op, name, overflow);
  if (overflow != 0 || v < INT_MIN || v > INT_MAX) {
    throw std::invalid_argument(op_prefix(op) + "The " + name + " is out of range.");
  }
  return static_cast<int>(v);
}

bool is_sequence(nb::handle h) {
  return PySequence_Check(h.ptr()) && !PyUnicode_Check(h.ptr()) && !PyBytes_Check(h.ptr()) &&
         !nb::isinstance<mx::array>(h);
}

// An int (every spatial axis: `n` copies of it) or a sequence of ints (one per axis).
std::vector<int> conv_ints(nb::handle h, const char* op, const char* name, int n = 1) {
  if (!is_sequence(h)) {
    if (PyLong_Check(h.ptr()) || (PyIndex_Check(h.ptr()) && !PyFloat_Check(h.ptr()))) {
      return std::vector<int>(n, conv_int(h, op, name));
    }
    throw mx::type_error(op_prefix(op) + "Expected " + name + " to be an int or a sequence of ints, but got " +
                         arg_type_name(h) + ".");
  }
  std::vector<int> out;
  for (nb::handle d : nb::borrow<nb::sequence>(h)) out.push_back(conv_int(d, op, name));
  return out;
}

// conv_general's padding: an int, a sequence of ints (low = high) or a pair of sequences
// (low, high).
std::pair<std::vector<int>, std::vector<int>> conv_padding(nb::handle h, const char* op) {
  if (is_sequence(h)) {
    nb::sequence seq = nb::borrow<nb::sequence>(h);
    if (nb::len(seq) == 2 && is_sequence(seq[0]) && is_sequence(seq[1])) {
      return {conv_ints(seq[0], op, "padding"), conv_ints(seq[1], op, "padding")};
    }
  }
  auto v = conv_ints(h, op, "padding");
  return {v, v};
}

#define OPENMLX_CONV_SIG_TAIL "*, stream: Stream | Device | None = None) -> array"

const char* conv_doc_tail = R"(
    groups (int, optional): Input and output channels are split into this many groups,
      each convolved separately (``groups`` = channels is a depthwise convolution).
      Default: ``1``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The result, of the promoted floating point type of ``input`` and ``weight``.
)";

} // namespace

void init_conv(nb::module_& m) {
  def_op(m, "conv1d", [](const mx::array& x, const mx::array& w, int stride, int padding, int dilation, int groups,
                         mx::StreamOrDevice s) { return mx::conv1d(x, w, stride, padding, dilation, groups, s); },
      nb::arg(), nb::arg(), nb::arg("stride") = 1, nb::arg("padding") = 0, nb::arg("dilation") = 1,
      nb::arg("groups") = 1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv1d(input: array, weight: array, /, stride: int = 1, padding: int = 0, dilation: int = 1, "
              "groups: int = 1, " OPENMLX_CONV_SIG_TAIL),
      (std::string(R"(1-d convolution (cross-correlation) over channels-last input.

Args:
    input (array): Input of shape ``(N, L, C_in)``.
    weight (array): Kernels of shape ``(C_out, K, C_in / groups)``.
    stride (int, optional): Step between output positions. Default: ``1``.
    padding (int, optional): Zeros added at both ends of the input. Default: ``0``.
    dilation (int, optional): Spacing between kernel taps. Default: ``1``.)") + conv_doc_tail).c_str());

  auto nd_conv = [&m](const char* name, int nsp, const char* sig, const char* doc) {
    def_op(m, name, [name, nsp](const mx::array& x, const mx::array& w, nb::object stride, nb::object padding,
                                nb::object dilation, int groups, mx::StreamOrDevice s) {
          return mx::conv_nd(x, w, conv_ints(stride, name, "stride", nsp), conv_ints(padding, name, "padding", nsp),
                             conv_ints(dilation, name, "dilation", nsp), groups, s);
        }, nb::arg(), nb::arg(), nb::arg("stride") = 1, nb::arg("padding") = 0, nb::arg("dilation") = 1,
        nb::arg("groups") = 1, nb::kw_only(), "stream"_a = nb::none(), nb::sig(sig), doc);
  };
  static const std::string conv2d_doc = std::string(R"(2-d convolution (cross-correlation) over channels-last input.

Args:
    input (array): Input of shape ``(N, H, W, C_in)``.
    weight (array): Kernels of shape ``(C_out, KH, KW, C_in / groups)``.
    stride (int or tuple(int, int), optional): Step between output positions. Default: ``1``.
    padding (int or tuple(int, int), optional): Zeros added at both ends of each axis. Default: ``0``.
    dilation (int or tuple(int, int), optional): Spacing between kernel taps. Default: ``1``.)") + conv_doc_tail;
  static const std::string conv3d_doc = std::string(R"(3-d convolution (cross-correlation) over channels-last input.

Args:
    input (array): Input of shape ``(N, D, H, W, C_in)``.
    weight (array): Kernels of shape ``(C_out, KD, KH, KW, C_in / groups)``.
    stride (int or tuple(int, int, int), optional): Step between output positions. Default: ``1``.
    padding (int or tuple(int, int, int), optional): Zeros added at both ends of each axis. Default: ``0``.
    dilation (int or tuple(int, int, int), optional): Spacing between kernel taps. Default: ``1``.)") + conv_doc_tail;
  nd_conv("conv2d", 2,
          "def conv2d(input: array, weight: array, /, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, "
          "dilation: int | tuple[int, int] = 1, groups: int = 1, " OPENMLX_CONV_SIG_TAIL,
          conv2d_doc.c_str());
  nd_conv("conv3d", 3,
          "def conv3d(input: array, weight: array, /, stride: int | tuple[int, int, int] = 1, padding: int | tuple[int, int, int] = 0, "
          "dilation: int | tuple[int, int, int] = 1, groups: int = 1, " OPENMLX_CONV_SIG_TAIL,
          conv3d_doc.c_str());

  def_op(m, "conv_general", [](const mx::array& x, const mx::array& w, nb::object stride, nb::object padding,
                               nb::object kernel_dilation, nb::object input_dilation, int groups, bool flip,
                               mx::StreamOrDevice s) {
        const char* op = "conv_general";
        auto [lo, hi] = conv_padding(padding, op);
        return mx::conv_general(x, w, conv_ints(stride, op, "stride"), lo, hi,
                                conv_ints(kernel_dilation, op, "kernel_dilation"),
                                conv_ints(input_dilation, op, "input_dilation"), groups, flip, s);
      }, nb::arg(), nb::arg(), nb::arg("stride") = 1, nb::arg("padding") = 0, nb::arg("kernel_dilation") = 1,
      nb::arg("input_dilation") = 1, nb::arg("groups") = 1, nb::arg("flip") = false, nb::kw_only(),
      "stream"_a = nb::none(),
      nb::sig("def conv_general(input: array, weight: array, /, stride: int | collections.abc.Sequence[int] = 1, "
              "padding: int | collections.abc.Sequence[int] | tuple[collections.abc.Sequence[int], collections.abc.Sequence[int]] = 0, "
              "kernel_dilation: int | collections.abc.Sequence[int] = 1, input_dilation: int | collections.abc.Sequence[int] = 1, "
              "groups: int = 1, flip: bool = False, " OPENMLX_CONV_SIG_TAIL),
      (std::string(R"(General convolution over 1 to 3 spatial axes of channels-last input.

Args:
    input (array): Input of shape ``(N, ..., C_in)``.
    weight (array): Kernels of shape ``(C_out, ..., C_in / groups)``.
    stride (int or list(int), optional): Step between output positions. Default: ``1``.
    padding (int, list(int) or tuple(list(int), list(int)), optional): Zeros added to each
      spatial axis: the same at both ends, or a pair ``(low, high)`` of per-axis lists.
      Negative values crop. Default: ``0``.
    kernel_dilation (int or list(int), optional): Spacing between kernel taps. Default: ``1``.
    input_dilation (int or list(int), optional): Spacing between input elements (zeros are
      inserted between them). Default: ``1``.
    flip (bool, optional): Flip the kernels' spatial axes (a true convolution rather than a
      cross-correlation). Default: ``False``.)") + conv_doc_tail).c_str());

  def_op(m, "conv_transpose1d", [](const mx::array& x, const mx::array& w, int stride, int padding, int dilation,
                                   int output_padding, int groups, mx::StreamOrDevice s) {
        return mx::conv_transpose_nd(x, w, {stride}, {padding}, {dilation}, {output_padding}, groups, s);
      }, nb::arg(), nb::arg(), nb::arg("stride") = 1, nb::arg("padding") = 0, nb::arg("dilation") = 1,
      nb::arg("output_padding") = 0, nb::arg("groups") = 1, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_transpose1d(input: array, weight: array, /, stride: int = 1, padding: int = 0, dilation: int = 1, "
              "output_padding: int = 0, groups: int = 1, " OPENMLX_CONV_SIG_TAIL),
      (std::string(R"(1-d transposed convolution over channels-last input.

Args:
    input (array): Input of shape ``(N, L, C_in)``.
    weight (array): Kernels of shape ``(C_out, K, C_in / groups)``.
    stride (int, optional): Upsampling factor. Default: ``1``.
    padding (int, optional): Elements removed from both ends of the output. Default: ``0``.
    dilation (int, optional): Spacing between kernel taps. Default: ``1``.
    output_padding (int, optional): Extra elements at the end of the output. Default: ``0``.)") + conv_doc_tail).c_str());

  auto nd_convt = [&m](const char* name, int nsp, const char* sig, const char* doc) {
    def_op(m, name, [name, nsp](const mx::array& x, const mx::array& w, nb::object stride, nb::object padding,
                                nb::object dilation, nb::object output_padding, int groups, mx::StreamOrDevice s) {
          return mx::conv_transpose_nd(x, w, conv_ints(stride, name, "stride", nsp),
                                       conv_ints(padding, name, "padding", nsp), conv_ints(dilation, name, "dilation", nsp),
                                       conv_ints(output_padding, name, "output_padding", nsp), groups, s);
        }, nb::arg(), nb::arg(), nb::arg("stride") = 1, nb::arg("padding") = 0, nb::arg("dilation") = 1,
        nb::arg("output_padding") = 0, nb::arg("groups") = 1, nb::kw_only(), "stream"_a = nb::none(), nb::sig(sig), doc);
  };
  static const std::string convt2d_doc = std::string(R"(2-d transposed convolution over channels-last input.

Args:
    input (array): Input of shape ``(N, H, W, C_in)``.
    weight (array): Kernels of shape ``(C_out, KH, KW, C_in / groups)``.
    stride (int or tuple(int, int), optional): Upsampling factor. Default: ``1``.
    padding (int or tuple(int, int), optional): Elements removed from both ends of each axis. Default: ``0``.
    dilation (int or tuple(int, int), optional): Spacing between kernel taps. Default: ``1``.
    output_padding (int or tuple(int, int), optional): Extra elements at the end of each axis. Default: ``0``.)") + conv_doc_tail;
  static const std::string convt3d_doc = std::string(R"(3-d transposed convolution over channels-last input.

Args:
    input (array): Input of shape ``(N, D, H, W, C_in)``.
    weight (array): Kernels of shape ``(C_out, KD, KH, KW, C_in / groups)``.
    stride (int or tuple(int, int, int), optional): Upsampling factor. Default: ``1``.
    padding (int or tuple(int, int, int), optional): Elements removed from both ends of each axis. Default: ``0``.
    dilation (int or tuple(int, int, int), optional): Spacing between kernel taps. Default: ``1``.
    output_padding (int or tuple(int, int, int), optional): Extra elements at the end of each axis. Default: ``0``.)") + conv_doc_tail;
  nd_convt("conv_transpose2d", 2,
           "def conv_transpose2d(input: array, weight: array, /, stride: int | tuple[int, int] = 1, "
           "padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, "
           "output_padding: int | tuple[int, int] = 0, groups: int = 1, " OPENMLX_CONV_SIG_TAIL,
           convt2d_doc.c_str());
  nd_convt("conv_transpose3d", 3,
           "def conv_transpose3d(input: array, weight: array, /, stride: int | tuple[int, int, int] = 1, "
           "padding: int | tuple[int, int, int] = 0, dilation: int | tuple[int, int, int] = 1, "
           "output_padding: int | tuple[int, int, int] = 0, groups: int = 1, " OPENMLX_CONV_SIG_TAIL,
           convt3d_doc.c_str());

  def_op(m, "convolve", [](const mx::array& a, const mx::array& v, const std::string& mode, mx::StreamOrDevice s) {
        return mx::convolve(a, v, mode, s);
      }, nb::arg(), nb::arg(), nb::arg("mode") = "full", nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def convolve(a: array, v: array, /, mode: str = 'full', " OPENMLX_CONV_SIG_TAIL),
      R"(The discrete 1-d convolution of two arrays, as :func:`numpy.convolve`.

Args:
    a (array): First 1-d input.
    v (array): Second 1-d input.
    mode (str, optional): ``"full"`` (every overlap), ``"same"`` (the length of the longer
      input, centred) or ``"valid"`` (complete overlaps only). Default: ``"full"``.
    stream (Stream or Device, optional): Where to run the operation.

Returns:
    array: The convolution, of the promoted floating point type of the inputs.

Example:
    >>> mx.convolve(mx.array([1.0, 2.0, 3.0]), mx.array([0.0, 1.0, 0.5]))
    array([0, 1, 2.5, 4, 1.5], dtype=float32)
)");
}
