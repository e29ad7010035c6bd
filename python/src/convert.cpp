#include "python/src/convert.h"
#include "python/src/eval_util.h"

#include <nanobind/stl/string.h>

#include <climits>
#include <complex>
#include <string>

#include "python/src/buffer.h"
#include "python/src/dlpack.h"
#include "python/src/type_name.h"

namespace {

// Kinds of Python scalars, in widening order.
enum Kind { kBool = 0, kInt = 1, kFloat = 2, kComplex = 3 };



[[noreturn]] void invalid_type(nb::handle v) {
  throw array_init_error("Invalid type " + value_type_name(v) + " received in array initialization.", v.ptr());
}

// numpy.generic if NumPy has been imported (never imports it ourselves).
nb::handle numpy_generic() {
  static nb::object generic;
  if (!generic.is_valid()) {
    nb::handle mods = PyImport_GetModuleDict();
    PyObject* np = PyDict_GetItemString(mods.ptr(), "numpy");
    if (!np) return nb::handle();
    generic = nb::borrow(np).attr("generic");
  }
  return generic;
}

bool is_numpy_scalar(nb::handle v) {
  nb::handle g = numpy_generic();
  return g.is_valid() && PyObject_IsInstance(v.ptr(), g.ptr()) == 1;
}

// The kind of a NumPy scalar, from its dtype's kind character.
Kind numpy_scalar_kind(nb::handle v) {
  char k = nb::cast<std::string>(v.attr("dtype").attr("kind"))[0];
  switch (k) {
    case 'b': return kBool;
    case 'i': case 'u': return kInt;
    case 'c': return kComplex;
    case 'f': case 'V': return kFloat;
    default: invalid_type(v);
  }
}

// A Python (or NumPy) scalar reduced to a plain Python bool/int/float/complex object.
nb::object as_python_scalar(nb::handle v, Kind& kind) {
  if (PyBool_Check(v.ptr())) { kind = kBool; return nb::borrow(v); }
  if (PyLong_Check(v.ptr())) { kind = kInt; return nb::borrow(v); }
  if (PyFloat_Check(v.ptr())) { kind = kFloat; return nb::borrow(v); }
  if (PyComplex_Check(v.ptr())) { kind = kComplex; return nb::borrow(v); }
  kind = numpy_scalar_kind(v);
  PyObject* out = nullptr;
  switch (kind) {
    case kBool: return nb::bool_(PyObject_IsTrue(v.ptr()) == 1);
    case kInt: out = PyNumber_Long(v.ptr()); break;
    case kFloat: out = PyNumber_Float(v.ptr()); break;
    default:
      out = PyComplex_FromDoubles(nb::cast<double>(v.attr("real")), nb::cast<double>(v.attr("imag")));
      break;
  }
  if (!out) throw nb::python_error();
  return nb::steal(out); // a new reference: stealing it is what keeps it from leaking

}

// A Python int for an error message (very long ints are described by their size, as
// str() refuses ints of more than a few thousand digits).
std::string int_repr(nb::handle v) {
  int overflow = 0;
  PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  PyErr_Clear();
  if (overflow != 0) {
    int64_t bits = nb::cast<int64_t>(v.attr("bit_length")());
    if (bits > 256) return std::string(overflow < 0 ? "-" : "") + "(an int of " + std::to_string(bits) + " bits)";
  }
  return nb::cast<std::string>(nb::str(v));
}

// A Python int as int64 bits; values in [2^63, 2^64) come back as their uint64 bits with
// `big` set. Anything wider raises OverflowError.
int64_t int_bits(nb::handle v, bool& big) {
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  big = false;
  if (overflow == 0) return x;
  if (overflow > 0) {
    unsigned long long u = PyLong_AsUnsignedLongLong(v.ptr());
    if (!PyErr_Occurred()) {
      big = true;
      return static_cast<int64_t>(u);
    }
    PyErr_Clear();
  }
  throw std::overflow_error("[array] Python int " + int_repr(v) + " is too large to convert to an mlx array.");
}

// A Python int as a double; OverflowError (not a NULL passed on) when it exceeds the
// float range.
double int_as_double(nb::handle v) {
  double x = PyLong_AsDouble(v.ptr());
  if (x == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    throw std::overflow_error("[array] Python int " + int_repr(v) +
                              " is too large to convert to a floating point value.");
  }
  return x;
}

// A 0-d array from a Python scalar of the given kind, in `dtype` (or the kind's default).
mx::array scalar_array(nb::handle v, Kind kind, std::optional<mx::Dtype> dtype) {
  switch (kind) {
    case kBool:
      return mx::array(v.ptr() == Py_True, dtype.value_or(mx::bool_));
    case kInt: {
      bool big;
      int64_t x = int_bits(v, big);
      if (big) return mx::array(static_cast<uint64_t>(x), dtype.value_or(mx::uint64));
      mx::Dtype d = dtype.value_or((x < INT32_MIN || x > INT32_MAX) ? mx::int64 : mx::int32);
      if (mx::is_inexact(d)) return mx::array(static_cast<double>(x), d);
      return mx::array(x, d);
    }
    case kFloat:
      return mx::array(PyFloat_AsDouble(v.ptr()), dtype.value_or(mx::float32));
    default: {
      Py_complex c = PyComplex_AsCComplex(v.ptr());
      return mx::array(mx::complex64_t(c.real, c.imag), dtype.value_or(mx::complex64));
    }
  }
}

bool is_sequence(nb::handle v) { return PyList_Check(v.ptr()) || PyTuple_Check(v.ptr()); }

// What a nested sequence holds: its shape, widest scalar kind, and array elements' dtype.
struct NestedInfo {
  mx::Shape shape;
  int kind = -1;
  bool need_int64 = false;
  bool need_uint64 = false;
  std::optional<mx::Dtype> arr_dtype;
};

// Arrays met inside a sequence (mx.array, NumPy arrays, ...), already evaluated.
mx::array element_array(nb::handle v) {
  mx::array a = nb::isinstance<mx::array>(v) ? nb::cast<mx::array>(v) : to_array(v);
  eval_released(a);
  return a;
}

// An element's shape and dtype: an mx.array as it is (not evaluated: it may be a tracer),
// anything else converted.
mx::array element_meta(nb::handle v) {
  return nb::isinstance<mx::array>(v) ? nb::cast<mx::array>(v) : element_array(v);
}

// Whether a nested sequence holds an mx.array anywhere.
bool holds_mx_array(nb::handle v) {
  if (nb::isinstance<mx::array>(v)) return true;
  if (!is_sequence(v)) return false;
  for (nb::handle e : nb::borrow<nb::sequence>(v)) {
    if (holds_mx_array(e)) return true;
  }
  return false;
}

// Checks that the sequence is rectangular (to info.shape) and gathers its kinds.
void scan(nb::handle v, size_t depth, NestedInfo& info) {
  size_t nd = info.shape.size();
  if (is_sequence(v)) {
    if (depth >= nd) throw std::invalid_argument("Initialization encountered extra dimension.");
    nb::sequence seq = nb::borrow<nb::sequence>(v);
    if (static_cast<mx::ShapeElem>(nb::len(seq)) != info.shape[depth])
      throw std::invalid_argument("Initialization encountered non-uniform length.");
    for (nb::handle e : seq) scan(e, depth + 1, info);
    return;
  }
  if (PyBool_Check(v.ptr()) || PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr()) ||
      PyComplex_Check(v.ptr()) || is_numpy_scalar(v)) {
    if (depth != nd) throw std::invalid_argument("Initialization encountered non-uniform length.");
    Kind k;
    nb::object s = as_python_scalar(v, k);
    if (k == kInt) {
      bool big;
      int64_t x = int_bits(s, big);
      if (big) info.need_uint64 = true;
      else if (x < INT32_MIN || x > INT32_MAX) info.need_int64 = true;
    }
    info.kind = std::max(info.kind, static_cast<int>(k));
    return;
  }
  if (PyUnicode_Check(v.ptr()) || v.is_none()) invalid_type(v);
  mx::array a = element_meta(v);
  mx::Shape rest(info.shape.begin() + std::min(depth, nd), info.shape.end());
  if (depth > nd || a.shape() != rest) {
    if (depth + a.ndim() > nd) throw std::invalid_argument("Initialization encountered extra dimension.");
    throw std::invalid_argument("Initialization encountered non-uniform length.");
  }
  info.arr_dtype = info.arr_dtype ? mx::promote_types(*info.arr_dtype, a.dtype()) : a.dtype();
}

// Appends the values of a checked nested sequence in row-major order.
template <typename T>
void fill(nb::handle v, std::vector<T>& out) {
  if (is_sequence(v)) {
    for (nb::handle e : nb::borrow<nb::sequence>(v)) fill(e, out);
    return;
  }
  if (PyBool_Check(v.ptr()) || PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr()) ||
      PyComplex_Check(v.ptr()) || is_numpy_scalar(v)) {
    Kind k;
    nb::object s = as_python_scalar(v, k);
    if constexpr (std::is_same_v<T, mx::complex64_t>) {
      Py_complex c = PyComplex_AsCComplex(s.ptr());
      out.emplace_back(static_cast<float>(c.real), static_cast<float>(c.imag));
    } else if constexpr (std::is_same_v<T, double>) {
      out.push_back(PyFloat_AsDouble(s.ptr()));
    } else {
      bool big;
      out.push_back(k == kBool ? (s.ptr() == Py_True) : int_bits(s, big));
    }
    return;
  }
  read_elements(element_array(v), out);
}

// An array of dtype `out` from host values (cast element by element).
template <typename Src>
mx::array host_cast(const std::vector<Src>& src, const mx::Shape& shape, mx::Dtype out) {
  return dispatch_dtype(out, [&](auto tag) {
    using T = decltype(tag);
    std::vector<char> bytes(std::max<size_t>(src.size(), 1) * sizeof(T));
    T* dst = reinterpret_cast<T*>(bytes.data());
    for (size_t i = 0; i < src.size(); ++i) dst[i] = mx::cast_value<T>(src[i]);
    return mx::array(bytes.data(), shape, out);
  });
}

// A checked nested sequence holding mx.arrays as a graph of the pieces: stacks of the
// elements, each cast to `out` (scalars become 0-d arrays of it). Gradients and vmap go
// through it like through any op.
mx::array stack_elements(nb::handle v, mx::Dtype out) {
  if (is_sequence(v)) {
    std::vector<mx::array> parts;
    for (nb::handle e : nb::borrow<nb::sequence>(v)) parts.push_back(stack_elements(e, out));
    // An empty sequence ends the shape (the checks made it a last axis of length 0).
    return parts.empty() ? mx::zeros({0}, out) : mx::stack(parts, 0);
  }
  if (is_scalar(v)) {
    Kind k;
    nb::object s = as_python_scalar(v, k);
    return scalar_array(s, k, out);
  }
  mx::array a = element_meta(v);
  return a.dtype() == out ? a : mx::astype(a, out);
}

mx::array from_sequence(nb::handle v, std::optional<mx::Dtype> dtype) {
  NestedInfo info;
  nb::handle h = v;
  while (is_sequence(h)) {
    size_t n = nb::len(h);
    info.shape.push_back(static_cast<mx::ShapeElem>(n));
    if (n == 0) break;
    h = nb::borrow<nb::sequence>(h)[0];
  }
  if (!is_sequence(h) && !is_scalar(h)) {
    if (PyUnicode_Check(h.ptr()) || h.is_none()) invalid_type(h);
    mx::array a = element_meta(h);
    info.shape.insert(info.shape.end(), a.shape().begin(), a.shape().end());
  }
  scan(v, 0, info);

  // The dtype the values ask for: widest scalar kind, promoted with array elements.
  std::optional<mx::Dtype> sd;
  switch (info.kind) {
    case kBool: sd = mx::bool_; break;
    case kInt: sd = info.need_uint64 ? mx::uint64 : info.need_int64 ? mx::int64 : mx::int32; break;
    case kFloat: sd = mx::float32; break;
    case kComplex: sd = mx::complex64; break;
    default: break;
  }
  mx::Dtype natural = sd && info.arr_dtype ? mx::promote_types(*sd, *info.arr_dtype)
                      : sd                 ? *sd
                      : info.arr_dtype     ? *info.arr_dtype
                                           : mx::float32;
  mx::Dtype out = dtype.value_or(natural);
  // mx.arrays inside (perhaps traced): a graph op, so that grad and vmap see through it.
  if (info.shape.size() > 0 && info.shape[0] > 0 && holds_mx_array(v)) return stack_elements(v, out);

  // Read into the widest container of the right family, then cast once on the host.
  if (mx::is_complex(natural)) {
    std::vector<mx::complex64_t> buf;
    buf.reserve(mx::shape_size(info.shape));
    fill(v, buf);
    return host_cast(buf, info.shape, out);
  }
  if (mx::is_floating_point(natural)) {
    std::vector<double> buf;
    buf.reserve(mx::shape_size(info.shape));
    fill(v, buf);
    return host_cast(buf, info.shape, out);
  }
  std::vector<int64_t> buf;
  buf.reserve(mx::shape_size(info.shape));
  fill(v, buf);
  if (natural == mx::uint64) {
    std::vector<uint64_t> ubuf(buf.begin(), buf.end());
    return host_cast(ubuf, info.shape, out);
  }
  return host_cast(buf, info.shape, out);
}

bool has_buffer(nb::handle v) { return PyObject_CheckBuffer(v.ptr()) == 1; }

} // namespace

bool is_scalar(nb::handle v) {
  return PyBool_Check(v.ptr()) || PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr()) ||
      PyComplex_Check(v.ptr()) || is_numpy_scalar(v);
}

mx::array to_array(nb::handle v, std::optional<mx::Dtype> dtype) {
  if (nb::isinstance<mx::array>(v)) {
    mx::array a = nb::cast<mx::array>(v);
    return dtype && *dtype != a.dtype() ? mx::astype(a, *dtype) : mx::copy(a);
  }
  if (PyBool_Check(v.ptr()) || PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr()) ||
      PyComplex_Check(v.ptr())) {
    Kind k;
    nb::object s = as_python_scalar(v, k);
    return scalar_array(s, k, dtype);
  }
  if (is_sequence(v)) return from_sequence(v, dtype);
  if (v.is_none()) throw mx::type_error("Invalid type NoneType received in array initialization.");
  if (nb::hasattr(v, "__mlx_array__")) {
    nb::object r = v.attr("__mlx_array__")();
    if (!nb::isinstance<mx::array>(r))
      throw mx::type_error("[array] __mlx_array__ must return an mlx.core.array, got " + value_type_name(r) + ".");
    mx::array a = nb::cast<mx::array>(r);
    return dtype && *dtype != a.dtype() ? mx::astype(a, *dtype) : a;
  }
  if (PyUnicode_Check(v.ptr())) invalid_type(v);
  if (PyBytes_Check(v.ptr()) || PyByteArray_Check(v.ptr())) {
    // bytes and bytearray: their bytes as uint8, as in the reference.
    char* p = PyBytes_Check(v.ptr()) ? PyBytes_AS_STRING(v.ptr()) : PyByteArray_AS_STRING(v.ptr());
    Py_ssize_t n = PyBytes_Check(v.ptr()) ? PyBytes_GET_SIZE(v.ptr()) : PyByteArray_GET_SIZE(v.ptr());
    if (n > INT32_MAX)
      throw std::overflow_error("[array] bytes longer than 2**31 - 1 cannot make an array (32-bit dimensions).");
    mx::array a = copy_foreign(p, {static_cast<mx::ShapeElem>(n)}, {1}, 1, mx::uint8);
    return dtype && *dtype != mx::uint8 ? mx::astype(a, *dtype) : a;
  }
  if (has_buffer(v)) {
    std::optional<mx::array> a;
    try {
      a = array_from_buffer(v, /*share=*/false);
    } catch (nb::python_error& e) {
      // Some producers (JAX with bfloat16) refuse the buffer protocol but speak DLPack.
      if (!nb::hasattr(v, "__dlpack__")) throw;
    }
    if (a) {
      // NumPy's default float64 becomes float32 unless asked for (MLX's rule).
      mx::Dtype d = dtype.value_or(a->dtype() == mx::float64 ? mx::float32 : a->dtype());
      return d != a->dtype() ? mx::astype(*a, d) : *a;
    }
  }
  if (nb::hasattr(v, "__dlpack__")) {
    if (auto a = array_from_dlpack(v, true)) return dtype ? mx::astype(*a, *dtype) : *a;
  }
  if (nb::hasattr(v, "__array__")) return to_array(v.attr("__array__")(), dtype);
  invalid_type(v);
}

mx::array asarray(nb::handle v, std::optional<mx::Dtype> dtype, std::optional<bool> copy) {
  auto retype = [&](mx::array a, bool copied) -> mx::array {
    if (dtype && *dtype != a.dtype()) {
      if (copy == false)
        throw std::invalid_argument("Unable to avoid copy while creating an array as requested "
                                    "(copy=False, but the dtype must change).");
      return mx::astype(a, *dtype);
    }
    return copy == true && !copied ? mx::copy(a) : a;
  };
  if (nb::isinstance<mx::array>(v)) return retype(nb::cast<mx::array>(v), false);
  if (!is_sequence(v) && !is_scalar(v) && !PyUnicode_Check(v.ptr()) && !v.is_none()) {
    if (has_buffer(v)) {
      if (auto a = array_from_buffer(v, /*share=*/copy != true)) {
        // The import copies data it cannot share as it is (complex128, bool bytes other
        // than 0/1, strides that split elements): memory from the allocator.
        if (copy == false && a->size() > 0 && a->data_shared_ptr() && !a->data_shared_ptr()->release)
          throw std::invalid_argument("Unable to avoid copy while creating an array as requested (copy=False, "
                                      "but the data must be converted: complex128, bool bytes other than 0 "
                                      "and 1, or memory not aligned to the item size).");
        return retype(*a, copy == true);
      }
    }
    if (nb::hasattr(v, "__dlpack__")) {
      if (auto a = array_from_dlpack(v, copy)) return retype(*a, copy == true);
    }
    if (nb::hasattr(v, "__array__")) return asarray(v.attr("__array__")(), dtype, copy);
  }
  if (copy == false)
    throw std::invalid_argument("Unable to avoid copy while creating an array as requested (copy=False, "
                                "but a " + value_type_name(v) + " must be copied).");
  return to_array(v, dtype);
}

mx::array weak_scalar(nb::handle v, mx::Dtype d) {
  Kind k;
  nb::object s = as_python_scalar(v, k);
  switch (k) {
    case kBool:
      return scalar_array(s, k, d);
    case kInt: {
      if (d == mx::bool_) return scalar_array(s, k, mx::int32);
      if (mx::is_integral(d)) {
        // The value must fit the array's integer type.
        bool big = false, fits;
        int64_t x = 0;
        try {
          x = int_bits(s, big);
        } catch (const std::overflow_error&) {
          big = true;
          x = -1;
          d = mx::bool_; // forces the error below
        }
        auto lim = [&](auto tag) {
          using T = decltype(tag);
          if (big) return std::is_same_v<T, uint64_t> && d != mx::bool_;
          if constexpr (std::is_same_v<T, uint64_t>) return x >= 0;
          else return x >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                      x <= static_cast<int64_t>(std::numeric_limits<T>::max());
        };
        fits = d != mx::bool_ && dispatch_dtype(d, [&](auto tag) -> bool {
          using T = decltype(tag);
          if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) return lim(tag);
          else return false;
        });
        if (!fits)
          throw std::invalid_argument("Converting " + int_repr(s) + " to " +
                                      mx::dtype_name(d) + " would result in overflow.");
        return big ? mx::array(static_cast<uint64_t>(x), d) : mx::array(x, d);
      }
      return mx::array(int_as_double(s), d);
    }
    case kFloat:
      return scalar_array(s, k, mx::inexact_dtype(d));
    default:
      return scalar_array(s, k, mx::complex64);
  }
}

std::vector<mx::array> to_arrays(const std::vector<nb::handle>& vals) {
  // mx.array operands are strong. Other array-likes (NumPy arrays, lists) take their
  // promoted dtype, as in the reference; then the scalars follow the result.
  std::optional<mx::Dtype> strong;
  std::vector<std::optional<mx::array>> out(vals.size());
  auto promote = [&](mx::Dtype d) { strong = strong ? mx::promote_types(*strong, d) : d; };
  for (size_t i = 0; i < vals.size(); ++i) {
    if (!nb::isinstance<mx::array>(vals[i])) continue;
    out[i] = nb::cast<mx::array>(vals[i]);
    promote(out[i]->dtype());
  }
  std::optional<mx::Dtype> from_arrays = strong;
  for (size_t i = 0; i < vals.size(); ++i) {
    if (out[i] || is_scalar(vals[i])) continue;
    out[i] = to_array(vals[i], from_arrays);
    promote(out[i]->dtype());
  }
  std::vector<mx::array> res;
  res.reserve(vals.size());
  for (size_t i = 0; i < vals.size(); ++i) {
    if (out[i]) res.push_back(*out[i]);
    else if (strong) res.push_back(weak_scalar(vals[i], *strong));
    else {
      Kind k;
      nb::object s = as_python_scalar(vals[i], k);
      res.push_back(scalar_array(s, k, std::nullopt));
    }
  }
  return res;
}

std::pair<mx::array, mx::array> to_arrays(nb::handle a, nb::handle b) {
  auto v = to_arrays(std::vector<nb::handle>{a, b});
  return {v[0], v[1]};
}
