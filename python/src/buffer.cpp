// Buffer protocol export/import and __array__ (see buffer.h).
#include "python/src/buffer.h"
#include "python/src/eval_util.h"

#include <algorithm>
#include <complex>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nanobind/stl/optional.h>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "python/src/errors.h"

namespace {

// Set while __array__ exports a bfloat16 array to itself as uint16 ("H").
thread_local bool bf16_as_uint16 = false;

// What an export holds on to until the consumer releases it.
struct ExportInfo {
  mx::array arr;
  std::vector<Py_ssize_t> shape;
  std::vector<Py_ssize_t> strides;
};

int set_error_from_current_exception() {
  set_python_error_from_current_exception();
  return -1;
}

int array_getbuffer(PyObject* obj, Py_buffer* view, int flags) {
  view->obj = nullptr;
  try {
    mx::array& a = *nb::inst_ptr<mx::array>(obj);
    bool bf16_raw = false;
    if (a.dtype() == mx::bfloat16) {
      if (!bf16_as_uint16) {
        PyErr_SetString(
            PyExc_BufferError,
            "bfloat16 arrays cannot be exported through the buffer protocol (no consumer "
            "understands the format). Use np.array(a) with ml_dtypes installed, or cast "
            "first, e.g. a.astype(mx.float32).");
        return -1;
      }
      bf16_raw = true;
    }
    eval_released(a);
    // Memory a read-only producer lent us stays read-only in every consumer.
    bool readonly = a.data_shared_ptr() && a.data_shared_ptr()->readonly;
    if (readonly && (flags & PyBUF_WRITABLE) == PyBUF_WRITABLE) {
      PyErr_SetString(PyExc_BufferError,
                      "The array shares read-only memory (its producer is read-only); a writable "
                      "buffer cannot be exported. Copy it first, e.g. mx.array(a).");
      return -1;
    }
    auto info = std::make_unique<ExportInfo>(ExportInfo{a, {}, {}});
    Py_ssize_t itemsize = static_cast<Py_ssize_t>(a.itemsize());
    // A stride of an axis of size 0 or 1 is never used (and may be anything as_strided
    // was given): it is exported as the row-major one, which cannot overflow.
    mx::Strides rm = mx::row_major_strides(a.shape());
    for (int i = 0; i < a.ndim(); ++i) {
      info->shape.push_back(a.shape()[i]);
      int64_t st = a.shape()[i] > 1 ? a.strides()[i] : rm[i];
      info->strides.push_back(static_cast<Py_ssize_t>(st) * itemsize);
    }
    mx::Flags layout = mx::compute_layout_flags(a.shape(), a.strides());
    bool c_contig = a.size() == 0 || layout.row_contiguous;
    bool f_contig = a.size() == 0 || layout.col_contiguous;
    if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !c_contig) {
      PyErr_SetString(PyExc_BufferError, "The array is not C-contiguous.");
      return -1;
    }
    if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !f_contig) {
      PyErr_SetString(PyExc_BufferError, "The array is not Fortran-contiguous.");
      return -1;
    }
    if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS && !c_contig && !f_contig) {
      PyErr_SetString(PyExc_BufferError, "The array is not contiguous.");
      return -1;
    }
    if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !c_contig) {
      PyErr_SetString(PyExc_BufferError, "The array is not C-contiguous; request strides.");
      return -1;
    }
    view->buf = a.size() == 0 && !a.is_available() ? nullptr : a.raw_data();
    view->len = static_cast<Py_ssize_t>(a.nbytes());
    view->readonly = readonly ? 1 : 0;
    view->itemsize = itemsize;
    view->format = (flags & PyBUF_FORMAT) ? const_cast<char*>(bf16_raw ? "H" : buffer_format(a.dtype()))
                                          : nullptr;
    view->ndim = a.ndim();
    view->shape = (flags & PyBUF_ND) == PyBUF_ND ? info->shape.data() : nullptr;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? info->strides.data() : nullptr;
    view->suboffsets = nullptr;
    view->internal = info.release();
    view->obj = Py_NewRef(obj);
    return 0;
  } catch (...) {
    return set_error_from_current_exception();
  }
}

void array_releasebuffer(PyObject*, Py_buffer* view) {
  delete static_cast<ExportInfo*>(view->internal);
  view->internal = nullptr;
}

PyType_Slot buffer_slots[] = {
    {Py_bf_getbuffer, reinterpret_cast<void*>(array_getbuffer)},
    {Py_bf_releasebuffer, reinterpret_cast<void*>(array_releasebuffer)},
    {0, nullptr},
};

// Dtype of a PEP 3118 format and item size. complex128 maps to complex64 (the caller
// then has to convert); *convert_c128 tells.
mx::Dtype dtype_from_format(const char* format_in, Py_ssize_t itemsize, bool* convert_c128) {
  *convert_c128 = false;
  std::string format = format_in ? format_in : "B";
  size_t pos = 0;
  if (!format.empty()) {
    char order = format[0];
    if (order == '>' || order == '!') {
      throw std::invalid_argument(
          "[array] Big-endian buffers are not supported; convert to native byte order "
          "first (e.g. x.astype(x.dtype.newbyteorder('=')) in NumPy).");
    }
    if (order == '<' || order == '=' || order == '@' || order == '|') {
      pos = 1;
    }
  }
  std::string code = format.substr(pos);
  auto bad = [&]() -> mx::Dtype {
    throw std::invalid_argument(mx::msg("[array] Unsupported buffer format '", format, "'."));
  };
  if (code.size() == 2 && code[0] == 'Z') {
    if (code[1] == 'f' && itemsize == 8) {
      return mx::complex64;
    }
    if (code[1] == 'd' && itemsize == 16) {
      *convert_c128 = true;
      return mx::complex64;
    }
    return bad();
  }
  if (code.size() != 1) {
    return bad();
  }
  char c = code[0];
  auto by_size = [&](mx::Dtype d1, mx::Dtype d2, mx::Dtype d4, mx::Dtype d8) -> mx::Dtype {
    switch (itemsize) {
      case 1: return d1;
      case 2: return d2;
      case 4: return d4;
      case 8: return d8;
      default: return bad();
    }
  };
  switch (c) {
    case '?':
      return itemsize == 1 ? mx::bool_ : bad();
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n':
      return by_size(mx::int8, mx::int16, mx::int32, mx::int64);
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N':
      return by_size(mx::uint8, mx::uint16, mx::uint32, mx::uint64);
    case 'e':
      return itemsize == 2 ? mx::float16 : bad();
    case 'f':
      return itemsize == 4 ? mx::float32 : bad();
    case 'd':
      return itemsize == 8 ? mx::float64 : bad();
    default:
      return bad();
  }
}

} // namespace

namespace {

// An array over memory it does not own; valid while the producer holds the memory.
mx::array borrowed(const char* base, mx::Shape shape, mx::Strides strides, mx::Dtype dtype) {
  auto data = std::make_shared<mx::Data>(const_cast<char*>(base), 0, [] {});
  return mx::array(std::move(data), std::move(shape), std::move(strides), dtype, 0);
}

mx::array evaluated(mx::array a) {
  eval_released(a);
  return a;
}

} // namespace

mx::array copy_foreign(
    const char* base,
    const mx::Shape& shape,
    std::vector<int64_t> byte_strides,
    size_t itemsize,
    mx::Dtype dtype,
    bool c128) {
  auto isize = static_cast<int64_t>(itemsize);
  // Strides that split elements, or a start not aligned to the item, are read as bytes.
  bool typed = std::all_of(byte_strides.begin(), byte_strides.end(), [&](int64_t s) { return s % isize == 0; }) &&
      reinterpret_cast<uintptr_t>(base) % std::min<size_t>(itemsize, 8) == 0;
  std::optional<mx::array> staged;
  if (!typed) {
    // Strides that split elements: gather the bytes first, then read them as elements.
    mx::Shape bshape = shape;
    bshape.push_back(static_cast<mx::ShapeElem>(itemsize));
    mx::Strides bstrides(byte_strides.begin(), byte_strides.end());
    bstrides.push_back(1);
    staged = evaluated(mx::copy(borrowed(base, bshape, bstrides, mx::uint8)));
    base = staged->data<char>();
    byte_strides = mx::row_major_strides(shape);
    for (auto& s : byte_strides) s *= isize;
  }
  if (c128) {
    // complex128 as pairs of float64, cast to float32 pairs, read back as complex64.
    mx::Shape pshape = shape;
    pshape.push_back(2);
    mx::Strides pstrides;
    for (auto s : byte_strides) pstrides.push_back(s / 8);
    pstrides.push_back(1);
    mx::array f = evaluated(mx::astype(borrowed(base, pshape, pstrides, mx::float64), mx::float32));
    return mx::array(f.data_shared_ptr(), shape, mx::row_major_strides(shape), mx::complex64, 0);
  }
  mx::Strides strides;
  for (auto s : byte_strides) strides.push_back(s / isize);
  if (dtype == mx::bool_) {
    // Foreign bool bytes may be any value (a uint8 array viewed as bool): kernels only
    // ever see 0 and 1.
    mx::array bytes = borrowed(base, shape, std::move(strides), mx::uint8);
    return evaluated(mx::not_equal(bytes, mx::array(static_cast<uint8_t>(0), mx::uint8)));
  }
  return evaluated(mx::copy(borrowed(base, shape, std::move(strides), dtype)));
}

bool bool_bytes_are_0_or_1(const char* base, const mx::Shape& shape, const std::vector<int64_t>& byte_strides) {
  size_t n = mx::shape_size(shape);
  if (n == 0) return true;
  int nd = static_cast<int>(shape.size());
  std::vector<int64_t> idx(nd, 0);
  int64_t off = 0;
  for (size_t k = 0; k < n; ++k) {
    if (static_cast<unsigned char>(base[off]) > 1) return false;
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        off += byte_strides[d];
        break;
      }
      off -= byte_strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
  return true;
}

namespace {

struct BufferGuard {
  Py_buffer* view;
  ~BufferGuard() {
    if (view) {
      PyBuffer_Release(view);
      delete view;
    }
  }
};

nb::object numpy_from_self(nb::handle self, bool bf16) {
  bf16_as_uint16 = bf16;
  PyObject* mv = PyMemoryView_FromObject(self.ptr());
  bf16_as_uint16 = false;
  if (!mv) {
    throw nb::python_error();
  }
  nb::object memview = nb::steal(mv);
  return nb::module_::import_("numpy").attr("asarray")(memview);
}

nb::object array_dunder_array(nb::handle self, nb::object dtype, std::optional<bool> copy) {
  mx::array& a = nb::cast<mx::array&>(self);
  nb::object arr;
  if (a.dtype() == mx::bfloat16) {
    nb::object ml_dtypes;
    try {
      ml_dtypes = nb::module_::import_("ml_dtypes");
    } catch (nb::python_error&) {
      throw nb::type_error(
          "Cannot convert a bfloat16 array to NumPy: NumPy has no bfloat16 type and the "
          "ml_dtypes package that provides one is not installed. Install ml_dtypes, or "
          "cast first with a.astype(mx.float32).");
    }
    arr = numpy_from_self(self, true).attr("view")(ml_dtypes.attr("bfloat16"));
  } else {
    arr = numpy_from_self(self, false);
  }
  if (!dtype.is_none()) {
    nb::object np = nb::module_::import_("numpy");
    nb::object want = np.attr("dtype")(dtype);
    if (!want.equal(arr.attr("dtype"))) {
      if (copy.has_value() && !*copy) {
        throw nb::value_error("Unable to avoid copy while creating an array as requested.");
      }
      return arr.attr("astype")(want);
    }
  }
  if (copy.value_or(false)) {
    return arr.attr("copy")();
  }
  return arr;
}

} // namespace

PyType_Slot* array_buffer_slots() {
  return buffer_slots;
}

const char* buffer_format(mx::Dtype dtype) {
  switch (dtype.val) {
    case mx::Dtype::Val::bool_: return "?";
    case mx::Dtype::Val::uint8: return "B";
    case mx::Dtype::Val::uint16: return "H";
    case mx::Dtype::Val::uint32: return "I";
    case mx::Dtype::Val::uint64: return "Q";
    case mx::Dtype::Val::int8: return "b";
    case mx::Dtype::Val::int16: return "h";
    case mx::Dtype::Val::int32: return "i";
    case mx::Dtype::Val::int64: return "q";
    case mx::Dtype::Val::float16: return "e";
    case mx::Dtype::Val::bfloat16: return "bfloat16";
    case mx::Dtype::Val::float32: return "f";
    case mx::Dtype::Val::float64: return "d";
    case mx::Dtype::Val::complex64: return "Zf";
  }
  return "B";
}

std::optional<mx::array> array_from_buffer(nb::handle obj, bool share) {
  if (PyBytes_Check(obj.ptr()) || PyUnicode_Check(obj.ptr())) {
    return std::nullopt;
  }
  nb::object source = nb::borrow(obj);
  bool is_bf16 = false;
  // NumPy arrays of ml_dtypes.bfloat16 cannot export a buffer: read them as uint16.
  if (nb::hasattr(obj, "dtype") && nb::hasattr(obj, "view")) {
    nb::object mod = nb::getattr(nb::handle((PyObject*)Py_TYPE(obj.ptr())), "__module__", nb::none());
    if (!mod.is_none() && nb::str(mod).equal(nb::str("numpy"))) {
      nb::object name = nb::getattr(obj.attr("dtype"), "name", nb::none());
      if (!name.is_none() && nb::str(name).equal(nb::str("bfloat16"))) {
        source = obj.attr("view")("uint16");
        is_bf16 = true;
      }
    }
  }
  if (!PyObject_CheckBuffer(source.ptr())) {
    return std::nullopt;
  }
  Py_buffer* view = new Py_buffer;
  BufferGuard guard{nullptr};
  int rc = -1;
  if (share) {
    rc = PyObject_GetBuffer(source.ptr(), view, PyBUF_RECORDS);
    if (rc != 0) {
      PyErr_Clear();
    }
  }
  if (rc != 0 && PyObject_GetBuffer(source.ptr(), view, PyBUF_RECORDS_RO) != 0) {
    delete view;
    throw nb::python_error();
  }
  guard.view = view;

  bool c128 = false;
  mx::Dtype dtype = is_bf16 ? mx::bfloat16 : dtype_from_format(view->format, view->itemsize, &c128);
  mx::Shape shape;
  std::vector<int64_t> byte_strides;
  int64_t expected = view->itemsize;
  for (int i = view->ndim - 1; i >= 0; --i) {
    Py_ssize_t dim = view->shape ? view->shape[i] : 0;
    if (dim > std::numeric_limits<mx::ShapeElem>::max()) {
      throw std::overflow_error(mx::msg(
          "[array] The input has a dimension of size ", dim, " (axis ", i,
          "), but array dimensions are 32-bit integers: each must be below 2**31 = 2147483648. "
          "Reshape the data so that no axis is that long."));
    }
    byte_strides.insert(byte_strides.begin(), view->strides ? view->strides[i] : expected);
    shape.insert(shape.begin(), static_cast<mx::ShapeElem>(dim));
    expected *= dim;
  }
  if (view->ndim > 0 && !view->shape) {
    // Only a 1-d bytes-like view comes without shape.
    shape = {static_cast<mx::ShapeElem>(view->len / view->itemsize)};
    byte_strides = {view->itemsize};
  }
  size_t size = mx::shape_size(shape);
  bool strides_ok = true;
  for (auto s : byte_strides) {
    strides_ok = strides_ok && (s % view->itemsize == 0);
  }

  // bool data holding bytes other than 0 and 1 is normalized by a copy.
  bool clean = dtype != mx::bool_ || bool_bytes_are_0_or_1(static_cast<const char*>(view->buf), shape, byte_strides);
  // Kernels read elements with aligned (vector) loads: memory not aligned to the item is
  // copied.
  bool aligned = size == 0 || reinterpret_cast<uintptr_t>(view->buf) % std::min<Py_ssize_t>(view->itemsize, 8) == 0;
  if (share && !c128 && strides_ok && clean && aligned) {
    mx::Strides strides;
    int64_t lo = 0, hi = 0;
    for (size_t i = 0; i < shape.size(); ++i) {
      strides.push_back(byte_strides[i] / view->itemsize);
      int64_t span = byte_strides[i] * (static_cast<int64_t>(shape[i]) - 1);
      if (shape[i] > 0) {
        (span < 0 ? lo : hi) += span;
      }
    }
    if (size == 0) {
      lo = hi = 0;
      strides = mx::row_major_strides(shape);
    }
    char* start = size == 0 ? nullptr : static_cast<char*>(view->buf) + lo;
    size_t nbytes = size == 0 ? 0 : static_cast<size_t>(hi - lo + view->itemsize);
    int64_t offset = -lo; // bytes
    guard.view = nullptr; // owned by the Data from here on
    Py_buffer* held = view;
    auto release = [held]() {
      if (Py_IsInitialized()) {
        nb::gil_scoped_acquire gil;
        PyBuffer_Release(held);
      }
      delete held;
    };
    std::shared_ptr<mx::Data> data;
    try {
      data = std::make_shared<mx::Data>(start, nbytes, release);
      data->readonly = view->readonly != 0;
    } catch (...) {
      guard.view = held;
      throw;
    }
    return mx::array(std::move(data), std::move(shape), std::move(strides), dtype, offset);
  }

  return copy_foreign(static_cast<const char*>(view->buf), shape, std::move(byte_strides),
                      static_cast<size_t>(view->itemsize), dtype, c128);
}

void add_array_interop_methods(nb::class_<mx::array>& cls) {
  cls.def(
      "__array__",
      [](nb::handle self, nb::object dtype, std::optional<bool> copy) {
        return array_dunder_array(self, dtype, copy);
      },
      nb::arg("dtype") = nb::none(),
      nb::arg("copy") = nb::none(),
      "A NumPy array with the data of this array (a view unless a copy is needed or "
      "asked for). bfloat16 arrays need the ml_dtypes package.");
}
