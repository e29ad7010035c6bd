// The mlx.core.array class: construction, properties, conversions to Python, operators
// and the methods that mirror ops.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "python/src/common.h"
#include "python/src/eval_util.h"
#include "python/src/convert.h"
#include "python/src/indexing.h"
#include "python/src/buffer.h"
#include "python/src/dlpack.h"
#include "python/src/repr.h"

using namespace nb::literals;

namespace {

// Nested empty lists for an array without elements (no data pointer is formed).
nb::object empty_list_axis(const mx::array& a, int axis) {
  nb::list out;
  if (a.shape(axis) == 0) return out;
  for (int i = 0; i < a.shape(axis); ++i) out.append(empty_list_axis(a, axis + 1));
  return out;
}

template <typename T>
nb::object tolist_axis(const mx::array& a, const T* p, int axis) {
  if (axis == a.ndim()) return py_scalar(*p);
  int n = a.shape(axis);
  int64_t st = a.strides()[axis];
  nb::list out;
  for (int i = 0; i < n; ++i) out.append(tolist_axis(a, p + i * st, axis + 1));
  return out;
}

nb::object tolist(mx::array a) {
  eval_released(a);
  return dispatch_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (a.size() == 0) return empty_list_axis(a, 0);
    return tolist_axis(a, a.data<T>(), 0);
  });
}

// The single element of a size-1 array as a Python scalar.
nb::object item(mx::array a) {
  if (a.size() != 1)
    throw std::invalid_argument("[convert] Only length-1 arrays can be converted to Python scalars.");
  eval_released(a);
  return dispatch_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return py_scalar(*a.data<T>());
  });
}

// Iterates over the first axis.
struct ArrayIterator {
  mx::array a;
  int i = 0;
};

// The other operand of a binary operator as an array, or nullopt when the operator should
// return NotImplemented. Lists, tuples and strings raise like the reference.
std::optional<mx::array> operand(const mx::array& self, nb::handle other, const char* opname,
                                 bool strict) {
  if (nb::isinstance<mx::array>(other)) return nb::cast<mx::array>(other);
  if (is_scalar(other)) return weak_scalar(other, self.dtype());
  if (PyList_Check(other.ptr()) || PyTuple_Check(other.ptr()) || PyUnicode_Check(other.ptr())) {
    if (!strict) return std::nullopt;
    throw std::invalid_argument(std::string("Cannot perform ") + opname +
                                " on an mlx.core.array and " + value_type_name(other));
  }
  // Other array-likes take this array's dtype, as in the reference.
  if (PyObject_CheckBuffer(other.ptr()) || nb::hasattr(other, "__dlpack__") ||
      nb::hasattr(other, "__array__"))
    return to_array(other, self.dtype());
  return std::nullopt;
}

using BinFn = mx::array (*)(const mx::array&, const mx::array&, mx::StreamOrDevice);

// Adds __op__ and __rop__ for a binary op.
void def_binop(nb::class_<mx::array>& cls, const char* name, const char* rname, BinFn fn,
               const char* opname) {
  cls.def(name, [fn, opname](const mx::array& self, nb::handle other) -> nb::object {
    auto o = operand(self, other, opname, true);
    if (!o) return nb::borrow(Py_NotImplemented);
    return nb::cast(fn(self, *o, {}));
  }, "other"_a.none());
  if (rname) {
    cls.def(rname, [fn, opname](const mx::array& self, nb::handle other) -> nb::object {
      auto o = operand(self, other, opname, true);
      if (!o) return nb::borrow(Py_NotImplemented);
      return nb::cast(fn(*o, self, {}));
    }, "other"_a.none());
  }
}

// In-place operators replace the array's node (other references see the new value).
void def_inplace(nb::class_<mx::array>& cls, const char* name, BinFn fn, const char* opname) {
  cls.def(name, [fn, opname](nb::handle self_h, nb::handle other) -> nb::object {
    mx::array& self = nb::cast<mx::array&>(self_h);
    auto o = operand(self, other, opname, true);
    if (!o) return nb::borrow(Py_NotImplemented);
    self = fn(self, *o, {});
    return nb::borrow(self_h);
  }, "other"_a.none());
}

mx::array size1_check(const mx::array& a) {
  if (a.size() != 1)
    throw std::invalid_argument("[convert] Only length-1 arrays can be converted to Python scalars.");
  return a;
}

// Ints given either as several arguments or as one sequence (reshape's shape, transpose's
// axes); TypeError naming the argument for anything else.
std::vector<int> varargs_ints(const nb::args& args, const char* what, const char* name) {
  if (args.size() == 1) return to_axes(AxisArg{nb::borrow(args[0])}, what, name);
  std::vector<int> out;
  for (nb::handle h : args) out.push_back(axis_value(h, what, name));
  return out;
}

// The reference's dtype codes in pickles (its Dtype::Val order), indexed by ours.
int pickle_code(mx::Dtype d) {
  switch (d.val) {
    case mx::Dtype::Val::bool_: return 0;
    case mx::Dtype::Val::uint8: return 1;
    case mx::Dtype::Val::uint16: return 2;
    case mx::Dtype::Val::uint32: return 3;
    case mx::Dtype::Val::uint64: return 4;
    case mx::Dtype::Val::int8: return 5;
    case mx::Dtype::Val::int16: return 6;
    case mx::Dtype::Val::int32: return 7;
    case mx::Dtype::Val::int64: return 8;
    case mx::Dtype::Val::float16: return 9;
    case mx::Dtype::Val::float32: return 10;
    case mx::Dtype::Val::float64: return 11;
    case mx::Dtype::Val::bfloat16: return 12;
    case mx::Dtype::Val::complex64: return 13;
  }
  return -1;
}

mx::Dtype dtype_from_pickle_code(int code) {
  static const mx::Dtype by_code[] = {
      mx::bool_, mx::uint8, mx::uint16, mx::uint32, mx::uint64, mx::int8, mx::int16,
      mx::int32, mx::int64, mx::float16, mx::float32, mx::float64, mx::bfloat16, mx::complex64};
  if (code < 0 || code >= 14)
    throw std::invalid_argument("[array.__setstate__] Invalid dtype code " + std::to_string(code) + " in pickled state.");
  return by_code[code];
}

nb::tuple getstate(const mx::array& a) {
  mx::array x = a.dtype() == mx::bfloat16 ? mx::view(a, mx::uint16) : a;
  // A read-only NumPy view of the memory: pickle copies it once, and the view cannot be
  // used to change this array.
  nb::object values = nb::cast(x).attr("__array__")();
  values.attr("setflags")("write"_a = false);
  return nb::make_tuple(values, pickle_code(a.dtype()));
}

mx::array setstate(const nb::tuple& state) {
  if (state.size() != 2)
    throw std::invalid_argument("[array.__setstate__] Expected a (values, dtype code) tuple.");
  mx::Dtype d = dtype_from_pickle_code(nb::cast<int>(state[1]));
  // The values NumPy unpickled belong to nobody else: share their memory (asarray), cast
  // only when the codes disagree with their dtype.
  if (d == mx::bfloat16) return mx::view(asarray(state[0], mx::uint16, std::nullopt), mx::bfloat16);
  return asarray(state[0], d, std::nullopt);
}

mx::Device array_device(const mx::array& a) {
  if (a.has_primitive()) return a.primitive().stream().device;
  return mx::Device(mx::Device::cpu);
}

constexpr const char* kArrayDoc =
    "An N-dimensional array object.\n\n"
    "array(val, dtype=None)\n\n"
    "Args:\n"
    "    val (scalar, list, tuple, bytes, buffer, DLPack or NumPy array, or array): The\n"
    "        values. Nested sequences must be rectangular. Python bools give bool, ints\n"
    "        int32 (int64/uint64 when they do not fit), floats float32, complex complex64;\n"
    "        bytes and bytearray give uint8; NumPy float64 data becomes float32 unless\n"
    "        dtype says otherwise. The values are always copied.\n"
    "    dtype (Dtype, optional): The element type; inferred from val when None.\n\n"
    "Example:\n"
    "    >>> mx.array([[1, 2], [3, 4]], dtype=mx.float32)";

} // namespace

void init_array(nb::module_& m) {
  nb::class_<ArrayIterator>(m, "ArrayIterator")
      .def("__iter__", [](nb::handle self) { return nb::borrow(self); })
      .def("__next__", [](ArrayIterator& it) {
        if (it.i >= it.a.shape(0)) throw nb::stop_iteration();
        return get_item(it.a, nb::int_(it.i++));
      });

  // Pooled: freed array objects are kept (up to 1024) and reused, which spares every new array
  // an allocation and nanobind's instance-table insert (the eval round trip makes several).
  nb::class_<mx::array> cls(m, "array", nb::type_slots(array_buffer_slots()),
                            nb::is_weak_referenceable(), nb::pooled(1024), kArrayDoc);
  checked_defs{cls, "array"}.def("__init__", [](mx::array* self, nb::handle val, std::optional<mx::Dtype> dtype) {
        new (self) mx::array(to_array(val, dtype));
      }, "val"_a.none(), "dtype"_a = nb::none(),
      nb::sig("def __init__(self, val: scalar | list | tuple | DLPackCompatible | array, "
              "dtype: Dtype | None = None) -> None"));

  cls.def_prop_ro("shape", [](const mx::array& a) {
        nb::list l;
        for (auto d : a.shape()) l.append(d);
        return nb::tuple(l);
      }, "The array's dimensions, as a tuple of ints.")
      .def_prop_ro("ndim", &mx::array::ndim, "The number of dimensions (len(shape)).")
      .def_prop_ro("size", &mx::array::size, "The number of elements (the product of shape).")
      .def_prop_ro("dtype", &mx::array::dtype, "The element type, an mlx.core.Dtype.")
      .def_prop_ro("itemsize", &mx::array::itemsize, "The size of one element in bytes.")
      .def_prop_ro("nbytes", &mx::array::nbytes, "The bytes the elements take (size * itemsize).")
      .def_prop_ro("T", [](const mx::array& a) { return mx::transpose(a); }, "The array with its axes reversed (transpose()).")
      .def_prop_ro("mT", [](const mx::array& a) {
        if (a.ndim() < 2)
          throw std::invalid_argument("[matrix_transpose] Input array must have at least 2 dimensions.");
        return mx::swapaxes(a, -1, -2);
      }, "The transpose of the last two axes (Array API standard); needs ndim >= 2.")
      .def_prop_ro("device", &array_device,
                   "The device the array lives on (Array API standard): the device of the stream\n"
                   "that computes it, or the CPU for arrays made from data.");

  cls.def("item", &item,
      "The value of a one-element array as a Python scalar (evaluates the array).\n"
      "\n"
      "Returns:\n"
      "    bool, int, float or complex: The element, by the array's dtype kind.\n"
      "\n"
      "Raises:\n"
      "    ValueError: When the array does not have exactly one element.\n"
      "\n"
      "Example:\n"
      "    >>> mx.array([[2.5]]).item()  # 2.5\n")
      .def("tolist", &tolist,
      "The array as nested Python lists of scalars (evaluates the array).\n"
      "\n"
      "Returns:\n"
      "    list or scalar: Lists nested ndim deep holding bool, int, float or complex values;\n"
      "    a 0-d array gives its scalar.\n"
      "\n"
      "Example:\n"
      "    >>> mx.array([[1, 2], [3, 4]]).tolist()  # [[1, 2], [3, 4]]\n")
      .def("__repr__", &array_repr)
      .def("__str__", &array_repr)
      .def("__format__", &array_format, "spec"_a)
      .def("__len__", [](const mx::array& a) {
        if (a.ndim() == 0) throw mx::type_error("len() 0-dimensional array.");
        return a.shape(0);
      })
      .def("__iter__", [](const mx::array& a) {
        if (a.ndim() == 0) throw mx::type_error("iter() 0-dimensional array.");
        return ArrayIterator{a, 0};
      })
      .def("__bool__", [](const mx::array& a) {
        return PyObject_IsTrue(item(size1_check(a)).ptr()) == 1;
      })
      .def("__float__", [](const mx::array& a) {
        PyObject* r = PyNumber_Float(item(size1_check(a)).ptr());
        if (!r) throw nb::python_error();
        return nb::steal(r);
      })
      .def("__int__", [](const mx::array& a) {
        // A complex item raises TypeError, as int(complex) does in Python.
        PyObject* r = PyNumber_Long(item(size1_check(a)).ptr());
        if (!r) throw nb::python_error();
        return nb::steal(r);
      })
      .def("__complex__", [](const mx::array& a) {
        nb::object v = item(size1_check(a));
        Py_complex c = PyComplex_AsCComplex(v.ptr());
        if (c.real == -1.0 && PyErr_Occurred()) throw nb::python_error();
        return nb::steal(PyComplex_FromCComplex(c));
      })
      .def("__index__", [](const mx::array& a) {
        if (a.ndim() != 0 || !mx::is_integral(a.dtype()))
          throw mx::type_error("Only 0-dimensional integer arrays can be converted to an index.");
        return item(a);
      })
      .def("__hash__", [](const mx::array& a) { return static_cast<Py_ssize_t>(a.id()); })
      .def("__copy__", [](const mx::array& a) { return mx::copy(a); },
           "A new array with the same values (copy.copy).")
      .def("__deepcopy__", [](const mx::array& a, nb::handle) { return mx::copy(a); }, "memo"_a,
           "A new array with the same values (copy.deepcopy).")
      .def("__getstate__", &getstate,
           "The state pickle stores (evaluates the array).\n\n"
           "Returns:\n"
           "    tuple: (read-only NumPy view of the values, dtype code). bfloat16 values\n"
           "    are stored as their uint16 bits. The dtype codes are the reference's, so\n"
           "    pickles move between the two.")
      .def("__setstate__", [](mx::array& self, const nb::tuple& state) {
        new (&self) mx::array(setstate(state));
      }, "state"_a, "Restores an array from the state __getstate__ returned.")
      .def("__getitem__", &get_item, "index"_a.none())
      .def("__array_namespace__", [](const mx::array&, nb::handle) {
        return nb::module_::import_("mlx.core");
      }, "api_version"_a = nb::none(),
      "The namespace of functions that work on this array (Array API standard): mlx.core.\n\n"
      "Args:\n"
      "    api_version (str, optional): The requested version of the standard; ignored.\n\n"
      "Returns:\n"
      "    module: mlx.core, whose __array_namespace_info__() describes devices and dtypes.")
      ;
  checked_defs{cls}.def("to_device", [](nb::handle self, const mx::Device& d, nb::handle) {
        if (d.type != mx::Device::cpu)
          throw std::invalid_argument("[to_device] Only the CPU device is available in this build.");
        return nb::borrow(self);
      }, "device"_a, nb::kw_only(), "stream"_a = nb::none(),
      "The array on `device` (Array API standard). CPU arrays are returned as they are.\n\n"
      "Args:\n"
      "    device (Device): The target device; only the CPU exists in this build.\n"
      "    stream: Accepted for the standard's signature; unused.\n\n"
      "Returns:\n"
      "    array: The same array.");

  // Operators (scalars follow the array's dtype).
  def_binop(cls, "__add__", "__radd__", &mx::add, "addition");
  def_binop(cls, "__sub__", "__rsub__", &mx::subtract, "subtraction");
  def_binop(cls, "__mul__", "__rmul__", &mx::multiply, "multiplication");
  def_binop(cls, "__truediv__", "__rtruediv__", &mx::divide, "division");
  def_binop(cls, "__floordiv__", "__rfloordiv__", &mx::floor_divide, "floor division");
  def_binop(cls, "__mod__", "__rmod__", &mx::remainder, "modulus");
  def_binop(cls, "__pow__", "__rpow__", &mx::power, "power");
  // Matrix products take arrays only (no scalars), as in the reference.
  cls.def("__matmul__", [](const mx::array& a, const mx::array& b) { return mx::matmul(a, b); }, "other"_a);
  cls.def("__rmatmul__", [](const mx::array& a, const mx::array& b) { return mx::matmul(b, a); }, "other"_a);
  def_binop(cls, "__lt__", nullptr, &mx::less, "less than");
  def_binop(cls, "__le__", nullptr, &mx::less_equal, "less than or equal");
  def_binop(cls, "__gt__", nullptr, &mx::greater, "greater than");
  def_binop(cls, "__ge__", nullptr, &mx::greater_equal, "greater than or equal");
  def_binop(cls, "__and__", "__rand__", &mx::bitwise_and, "bitwise and");
  def_binop(cls, "__or__", "__ror__", &mx::bitwise_or, "bitwise or");
  def_binop(cls, "__xor__", "__rxor__", &mx::bitwise_xor, "bitwise xor");
  def_binop(cls, "__lshift__", "__rlshift__", &mx::left_shift, "left shift");
  def_binop(cls, "__rshift__", "__rrshift__", &mx::right_shift, "right shift");
  // == and != with something that is not array-like: NotImplemented (Python then compares
  // identities, giving False / True).
  cls.def("__eq__", [](const mx::array& self, nb::handle other) -> nb::object {
    auto o = operand(self, other, "equal", false);
    if (!o) return nb::borrow(Py_NotImplemented);
    return nb::cast(mx::equal(self, *o));
  }, "other"_a.none());
  cls.def("__ne__", [](const mx::array& self, nb::handle other) -> nb::object {
    auto o = operand(self, other, "not equal", false);
    if (!o) return nb::borrow(Py_NotImplemented);
    return nb::cast(mx::not_equal(self, *o));
  }, "other"_a.none());
  def_inplace(cls, "__iadd__", &mx::add, "addition");
  def_inplace(cls, "__isub__", &mx::subtract, "subtraction");
  def_inplace(cls, "__imul__", &mx::multiply, "multiplication");
  // a /= b may not turn an integer (or bool) array into a float one (as the reference).
  def_inplace(cls, "__itruediv__", [](const mx::array& a, const mx::array& b, mx::StreamOrDevice s) {
    if (!mx::issubdtype(a.dtype(), mx::DtypeCategory::inexact))
      throw std::invalid_argument("[division] In-place division cannot cast to non-floating point type " +
                                  mx::dtype_name(a.dtype()) + ".");
    return mx::divide(a, b, s);
  }, "division");
  def_inplace(cls, "__ifloordiv__", &mx::floor_divide, "floor division");
  def_inplace(cls, "__imod__", &mx::remainder, "modulus");
  def_inplace(cls, "__ipow__", &mx::power, "power");
  cls.def("__imatmul__", [](nb::handle self_h, const mx::array& other) -> nb::object {
    mx::array& self = nb::cast<mx::array&>(self_h);
    self = mx::matmul(self, other);
    return nb::borrow(self_h);
  }, "other"_a);
  def_inplace(cls, "__iand__", &mx::bitwise_and, "bitwise and");
  def_inplace(cls, "__ior__", &mx::bitwise_or, "bitwise or");
  def_inplace(cls, "__ixor__", &mx::bitwise_xor, "bitwise xor");
  def_inplace(cls, "__ilshift__", &mx::left_shift, "left shift");
  def_inplace(cls, "__irshift__", &mx::right_shift, "right shift");
  cls.def("__neg__", [](const mx::array& a) { return mx::negative(a); })
      .def("__pos__", [](const mx::array& a) { return a; })
      .def("__abs__", [](const mx::array& a) { return mx::abs(a); })
      .def("__invert__", [](const mx::array& a) { return mx::bitwise_invert(a); });

  // Methods mirroring ops.
  checked_defs{cls}.def("astype", [](const mx::array& a, const DtypeArg& d, mx::StreamOrDevice s) {
        return mx::astype(a, to_dtype(d, "astype"), s);
      }, "dtype"_a, "stream"_a = nb::none(),
      "A copy of the array cast to dtype (floats to integers round toward zero).\n\n"
      "Args:\n"
      "    dtype (Dtype): The element type of the result.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: The cast array.\n\n"
      "Example:\n"
      "    >>> mx.array([1.5, 2.5]).astype(mx.int32)  # array([1, 2], dtype=int32)")
      .def("view", [](const mx::array& a, const DtypeArg& d, mx::StreamOrDevice s) {
        return mx::view(a, to_dtype(d, "view"), s);
      }, "dtype"_a, "stream"_a = nb::none(),
      "The array's bytes reinterpreted as dtype (see mlx.core.view).\n\n"
      "Args:\n"
      "    dtype (Dtype): The element type to read the bytes as; when the item sizes differ\n"
      "        the last axis scales by their ratio.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n"
      "Returns:\n"
      "    array: The reinterpreted array.")
      .def("reshape", [](const mx::array& a, nb::args shape, mx::StreamOrDevice s) {
        auto v = varargs_ints(shape, "reshape", "shape");
        return mx::reshape(a, mx::Shape(v.begin(), v.end()), s);
      }, "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
      "The same values with a new shape (see mlx.core.reshape).\n"
      "\n"
      "Args:\n"
      "    *shape (int or Sequence[int]): The new shape, as separate ints or one sequence;\n"
      "        one dimension may be -1.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "\n"
      "Returns:\n"
      "    array: The reshaped array.\n"
      "\n"
      "Example:\n"
      "    >>> mx.arange(6).reshape(2, 3).shape  # (2, 3)\n")
      .def("transpose", [](const mx::array& a, nb::args axes, mx::StreamOrDevice s) {
        if (axes.size() == 0) return mx::transpose(a, s);
        return mx::transpose(a, varargs_ints(axes, "transpose", "axes"), s);
      }, "axes"_a, nb::kw_only(), "stream"_a = nb::none(),
      "Permutes the axes (see mlx.core.transpose).\n"
      "\n"
      "Args:\n"
      "    *axes (int or Sequence[int]): The new order, as separate ints or one sequence;\n"
      "        none reverses the axes.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "\n"
      "Returns:\n"
      "    array: A view with permuted axes.\n")
      .def("swapaxes", [](const mx::array& a, int a1, int a2, mx::StreamOrDevice s) {
        return mx::swapaxes(a, a1, a2, s);
      }, "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a = nb::none(),
      "Swaps two axes (see mlx.core.swapaxes).\n"
      "\n"
      "Args:\n"
      "    axis1 (int): The first axis.\n"
      "    axis2 (int): The second axis.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "\n"
      "Returns:\n"
      "    array: A view with the two axes exchanged.\n")
      .def("squeeze", [](const mx::array& a, std::optional<AxisArg> axis, mx::StreamOrDevice s) {
        return axis ? mx::squeeze(a, to_axes(*axis, "squeeze"), s) : mx::squeeze(a, s);
      }, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      "Removes axes of size 1 (see mlx.core.squeeze).\n"
      "\n"
      "Args:\n"
      "    axis (int or Sequence[int], optional): The axes to remove. Default: None, every\n"
      "        size-1 axis.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "\n"
      "Returns:\n"
      "    array: A view without those axes.\n")
      .def("flatten", [](const mx::array& a, int start, int end, mx::StreamOrDevice s) {
        return mx::flatten(a, start, end, s);
      }, "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
"Merges the axes start_axis through end_axis into one (see mlx.core.flatten).\n"
      "\n"
      "Args:\n"
      "    start_axis (int, optional): The first axis to merge. Default: 0.\n"
      "    end_axis (int, optional): The last axis to merge. Default: -1.\n"
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n"
      "\n"
      "Returns:\n"
      "    array: The flattened array.\n");

#define REDUCE_METHOD(NAME)                                                                 \
  checked_defs{cls}.def(#NAME, [](const mx::array& a, std::optional<AxisArg> axis, bool keepdims,         \
                    mx::StreamOrDevice s) {                                                 \
        return reduce_arg(a, axis, keepdims, s, #NAME,                                      \
            [](const mx::array& x, const std::vector<int>& ax, bool k, mx::StreamOrDevice st) { \
              return mx::NAME(x, ax, k, st); },                                             \
            [](const mx::array& x, bool k, mx::StreamOrDevice st) { return mx::NAME(x, k, st); }); \
      }, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), \
      "The " #NAME " of the elements over axis (see mlx.core." #NAME ").\n\n"                    \
      "Args:\n"                                                                               \
      "    axis (int or Sequence[int], optional): The axes to reduce. Default: None, all.\n"   \
      "    keepdims (bool, optional): Keep the reduced axes with size 1. Default: False.\n"    \
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n" \
      "Returns:\n"                                                                            \
      "    array: The reduced array.\n");
  REDUCE_METHOD(sum)
  REDUCE_METHOD(mean)
  REDUCE_METHOD(max)
  REDUCE_METHOD(min)
  REDUCE_METHOD(prod)
#undef REDUCE_METHOD
#define ARG_METHOD(NAME)                                                                    \
  checked_defs{cls}.def(#NAME, [](const mx::array& a, std::optional<int> axis, bool keepdims,             \
                    mx::StreamOrDevice s) {                                                 \
        return arg_reduce(a, axis, keepdims, s,                                             \
            [](const mx::array& x, int ax, bool k, mx::StreamOrDevice st) { return mx::NAME(x, ax, k, st); }, \
            [](const mx::array& x, bool k, mx::StreamOrDevice st) { return mx::NAME(x, k, st); }); \
      }, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), \
      "The index (uint32) of the " #NAME " value along axis (see mlx.core." #NAME ").\n\n"  \
      "Args:\n"                                                                               \
      "    axis (int, optional): The axis to search. Default: None, the flattened array.\n"    \
      "    keepdims (bool, optional): Keep the reduced axis with size 1. Default: False.\n"    \
      "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n" \
      "Returns:\n"                                                                            \
      "    array: The indices (the first one on ties).\n");
  ARG_METHOD(argmax)
  ARG_METHOD(argmin)
#undef ARG_METHOD
#define UNARY_METHOD(NAME)                                                                  \
  checked_defs{cls}.def(#NAME, [](const mx::array& a, mx::StreamOrDevice s) { return mx::NAME(a, s); },   \
          nb::kw_only(), "stream"_a = nb::none(),                                           \
          "Element-wise " #NAME " of the array (see mlx.core." #NAME ").\n\n"                 \
          "Args:\n"                                                                           \
          "    stream (Stream or Device, optional): Where to compute. Default: the default stream.\n\n" \
          "Returns:\n"                                                                        \
          "    array: The result, element by element.\n");
  UNARY_METHOD(abs)
  UNARY_METHOD(exp)
  UNARY_METHOD(log)
  UNARY_METHOD(sqrt)
  UNARY_METHOD(square)
  UNARY_METHOD(sin)
  UNARY_METHOD(cos)
#undef UNARY_METHOD

  init_print_options(m);
  m.def("__array_namespace_info__", []() {
        return nb::module_::import_("mlx._array_api_info").attr("ArrayNamespaceInfo")();
      },
      "The Array API standard's inspection namespace for mlx.core.\n\n"
      "Returns:\n"
      "    ArrayNamespaceInfo: An object whose capabilities(), default_device(), devices(),\n"
      "    default_dtypes() and dtypes(kind=...) describe what mlx.core supports.\n\n"
      "Example:\n"
      "    >>> mx.__array_namespace_info__().default_dtypes()[\"real floating\"]  # float32");
  struct ArrayLikeObj {
    nb::object obj;
  };
  nb::class_<ArrayLikeObj>(m, "ArrayLike",
                           "Any Python object with an ``__mlx_array__`` method that returns an\n"
                           "array; functions that take arrays accept such objects.")
      .def("__init__", [](ArrayLikeObj* self, nb::object o) { new (self) ArrayLikeObj{o}; }, "obj"_a)
      .def("__mlx_array__", [](const ArrayLikeObj& a) { return to_array(a.obj); },
           "The wrapped object as an array.");
  add_dlpack_methods(cls);
  add_array_interop_methods(cls);
}
