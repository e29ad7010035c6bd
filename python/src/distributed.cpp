// The mlx.core.distributed submodule: the communication group and the collectives.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "mlx_core/distributed/ops.h"
#include "python/src/common.h"
#include "python/src/convert.h"

using namespace nb::literals;
namespace md = mlx::core::distributed;

OPENMLX_ARG_EXPECT(md::Group, "an mlx.core.distributed.Group")

namespace {

using OptGroup = std::optional<md::Group>;

// A collective's array operand: an array or a scalar (a list or tuple is refused, as in
// the reference, rather than read as an array).
mx::array operand(nb::handle v) {
  if (nb::isinstance<mx::array>(v)) return nb::cast<mx::array>(v);
  if (PyList_Check(v.ptr()) || PyTuple_Check(v.ptr()))
    throw array_init_error("Invalid type " + arg_type_name(v) + " received in array initialization.", v.ptr());
  return to_array(v);
}

using Collective = mx::array (*)(const mx::array&, OptGroup, mx::StreamOrDevice);

void def_collective(nb::module_& m, const char* name, Collective f, const char* doc) {
  std::string sig = std::string("def ") + name +
                    "(x: array, *, group: Group | None = None, stream: Stream | Device | None = None) -> array";
  def_op(m, name, [f](nb::handle x, OptGroup g, mx::StreamOrDevice s) { return f(operand(x), g, s); }, "x"_a,
         nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(), nb::sig(sig.c_str()), doc);
}

// The docstring of an all-reduce: "<what> ``x`` over the processes ...".
std::string reduction_doc(const char* what, const char* result) {
  return std::string(what) + R"( ``x`` over the processes of the group, elementwise.

Args:
    x (array): The array to reduce; every process passes the same shape and dtype.
    group (Group, optional): The group. Default: ``None`` (the global group).
    stream (Stream, optional): Stream or device. Default: ``None``.

Returns:
    array: The )" + result + ", the same on every process.";
}

} // namespace

void init_distributed(nb::module_& parent) {
  nb::module_ m = parent.def_submodule(
      "distributed", "Communication between processes: the group of processes and the collective operations.\n\n"
                     "This build has no multi-process backend yet: :func:`init` gives a group of one\n"
                     "process, on which every collective returns its input.");

  nb::class_<md::Group>(m, "Group", "A group of independent processes that communicate through collectives.")
      .def("rank", &md::Group::rank, "The rank of this process in the group.")
      .def("size", &md::Group::size, "The number of processes in the group.")
      .def("split", [](const md::Group& g, int color, int key) { return g.split(color, key); }, "color"_a,
           "key"_a = -1,
           R"(Split the group into subgroups by ``color``.

The processes that pass the same color form one subgroup, ranked by ``key``
(smaller keys first; a negative key keeps the rank in this group). A group of one
process cannot be split (RuntimeError).

Args:
    color (int): The subgroup this process joins.
    key (int, optional): Orders the ranks in the subgroup. Default: ``-1``.

Returns:
    Group: The subgroup of this process.)");

  def_op(m, "is_available", [](const std::string& backend) { return md::is_available(backend); },
         "backend"_a = "any",
         R"(Whether this build can create a group with the named backend.

It reports the capability, not whether the current launch allows a group; use
``init(strict=True)`` for that. This build has no multi-process backend yet, so it
returns ``False``.

Args:
    backend (str, optional): ``"any"``, ``"mpi"``, ``"ring"``, ``"nccl"`` or
      ``"jaccl"``. Default: ``"any"``.

Returns:
    bool: Whether the backend is available.)");

  def_op(m, "init",
         [](bool strict, const std::string& backend, nb::object all_gather_factory) {
           if (!all_gather_factory.is_none() && !PyCallable_Check(all_gather_factory.ptr()))
             throw mx::type_error("[init] Expected all_gather_factory to be a callable or None, but got " +
                                  arg_type_name(all_gather_factory) + ".");
           return md::init(strict, backend);
         },
         "strict"_a = false, "backend"_a = "any", nb::kw_only(), "all_gather_factory"_a = nb::none(),
         nb::sig("def init(strict: bool = False, backend: str = 'any', *, all_gather_factory: "
                 "Callable[[int, int], Callable[[bytes, int], bytes]] | None = None) -> Group"),
         R"(Initialize the communication backend and return the global group.

The first group a backend creates becomes the global group, returned again by later
calls and used by the collectives when they are given no ``group``. Without an
available backend the result is a group of this process alone, unless ``strict``.

Args:
    strict (bool, optional): Raise a RuntimeError instead of returning a group of one
      process when no backend can be initialized. Default: ``False``.
    backend (str, optional): ``"any"`` (try each available backend), ``"mpi"``,
      ``"ring"``, ``"nccl"`` or ``"jaccl"``; any other name is a ValueError.
      Default: ``"any"``.
    all_gather_factory (Callable, optional): Only used by the ``jaccl`` backend (a
      byte-level all-gather for exchanging connection data); accepted for
      compatibility.

Returns:
    Group: The group of the launched processes.)");

  // The three reductions share one docstring.
  static const std::string reduce_docs[3] = {
      reduction_doc("Sum", "sum"), reduction_doc("Maximum of", "maximum"),
      reduction_doc("Minimum of", "minimum")};
  def_collective(m, "all_sum", md::all_sum, reduce_docs[0].c_str());
  def_collective(m, "all_max", md::all_max, reduce_docs[1].c_str());
  def_collective(m, "all_min", md::all_min, reduce_docs[2].c_str());

  def_collective(m, "all_gather", md::all_gather, R"(Concatenate the processes' ``x`` along the first axis, in rank order.

A scalar ``x`` gathers into a vector of one element per process. With one process
the result is ``x``.

Args:
    x (array): This process's part.
    group (Group, optional): The group. Default: ``None`` (the global group).
    stream (Stream, optional): Stream or device. Default: ``None``.

Returns:
    array: The concatenation, the same on every process.)");

  def_collective(m, "sum_scatter", md::sum_scatter, R"(Sum ``x`` over the processes and give each its block of the result.

The first axis of the sum is split into ``group.size()`` equal blocks; process ``r``
gets block ``r``. The first axis must divide by the group size (a group of one takes
any ``x`` and returns it).

Args:
    x (array): This process's term.
    group (Group, optional): The group. Default: ``None`` (the global group).
    stream (Stream, optional): Stream or device. Default: ``None``.

Returns:
    array: This process's block of the sum.)");

  def_op(m, "send",
         [](nb::handle x, int dst, OptGroup g, mx::StreamOrDevice s) { return md::send(operand(x), dst, g, s); },
         "x"_a, "dst"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(),
         nb::sig("def send(x: array, dst: int, *, group: Group | None = None, stream: Stream | Device | None = None) "
                 "-> array"),
         R"(Send ``x`` to the process of rank ``dst``.

A group of one process has no one to send to (ValueError).

Args:
    x (array): The array to send.
    dst (int): The rank of the receiving process.
    group (Group, optional): The group. Default: ``None`` (the global group).
    stream (Stream, optional): Stream or device. Default: ``None``.

Returns:
    array: ``x``; evaluating it performs the send.)");

  def_op(m, "recv",
         [](const ShapeArg& shape, const DtypeArg& dtype, int src, OptGroup g, mx::StreamOrDevice s) {
           return md::recv(to_shape(shape, "recv"), to_dtype(dtype, "recv"), src, g, s);
         },
         "shape"_a, "dtype"_a, "src"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(),
         nb::sig("def recv(shape: Sequence[int], dtype: Dtype, src: int, *, group: Group | None = None, "
                 "stream: Stream | Device | None = None) -> array"),
         R"(Receive an array of ``shape`` and ``dtype`` from the process of rank ``src``.

A group of one process has no one to receive from (ValueError).

Args:
    shape (tuple(int)): The shape of the array.
    dtype (Dtype): Its data type.
    src (int): The rank of the sending process.
    group (Group, optional): The group. Default: ``None`` (the global group).
    stream (Stream, optional): Stream or device. Default: ``None``.

Returns:
    array: The array received.)");

  def_op(m, "recv_like",
         [](nb::handle x, int src, OptGroup g, mx::StreamOrDevice s) { return md::recv_like(operand(x), src, g, s); },
         "x"_a, "src"_a, nb::kw_only(), "group"_a = nb::none(), "stream"_a = nb::none(),
         nb::sig("def recv_like(x: array, src: int, *, group: Group | None = None, "
                 "stream: Stream | Device | None = None) -> array"),
         R"(Receive an array with the shape and dtype of ``x`` from the process of rank ``src``.

Args:
    x (array): An array of the shape and dtype to receive.
    src (int): The rank of the sending process.
    group (Group, optional): The group. Default: ``None`` (the global group).
    stream (Stream, optional): Stream or device. Default: ``None``.

Returns:
    array: The array received.)");
}
