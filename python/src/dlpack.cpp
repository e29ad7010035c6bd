// DLPack both ways (see dlpack.h). The structs follow the DLPack 1.x C ABI.
#include "python/src/dlpack.h"
#include "python/src/eval_util.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include <nanobind/stl/optional.h>

#include "mlx_core/errors.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/shape_check.h"
#include "mlx_core/transforms/eval.h"
#include "python/src/buffer.h"
#include "python/src/common.h"

namespace {

// ---- DLPack ABI ------------------------------------------------------------------------

enum DLDeviceType : int32_t { kDLCPU = 1, kDLCUDAHost = 3 };

enum DLDataTypeCode : uint8_t {
  kDLInt = 0,
  kDLUInt = 1,
  kDLFloat = 2,
  kDLOpaqueHandle = 3,
  kDLBfloat = 4,
  kDLComplex = 5,
  kDLBool = 6,
};

struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};

struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};

struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides; // in elements; NULL: row-major
  uint64_t byte_offset;
};

struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor* self);
};

struct DLPackVersion {
  uint32_t major;
  uint32_t minor;
};

struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned* self);
  uint64_t flags;
  DLTensor dl_tensor;
};

constexpr uint64_t kFlagReadOnly = 1ull << 0;
constexpr uint64_t kFlagIsCopied = 1ull << 1;

constexpr const char* kLegacyName = "dltensor";
constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kUsedLegacyName = "used_dltensor";
constexpr const char* kUsedVersionedName = "used_dltensor_versioned";

// ---- export ----------------------------------------------------------------------------

// Owns what the exported tensor points at; manager_ctx of both kinds of manager.
struct ExportCtx {
  mx::array arr;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
};

DLDataType to_dl_dtype(mx::Dtype d) {
  uint8_t bits = static_cast<uint8_t>(d.size * 8);
  switch (d.val) {
    case mx::Dtype::Val::bool_: return {kDLBool, 8, 1};
    case mx::Dtype::Val::uint8:
    case mx::Dtype::Val::uint16:
    case mx::Dtype::Val::uint32:
    case mx::Dtype::Val::uint64: return {kDLUInt, bits, 1};
    case mx::Dtype::Val::int8:
    case mx::Dtype::Val::int16:
    case mx::Dtype::Val::int32:
    case mx::Dtype::Val::int64: return {kDLInt, bits, 1};
    case mx::Dtype::Val::float16:
    case mx::Dtype::Val::float32:
    case mx::Dtype::Val::float64: return {kDLFloat, bits, 1};
    case mx::Dtype::Val::bfloat16: return {kDLBfloat, 16, 1};
    case mx::Dtype::Val::complex64: return {kDLComplex, 64, 1};
  }
  return {kDLUInt, bits, 1};
}

void fill_tensor(DLTensor& t, ExportCtx* ctx) {
  mx::array& a = ctx->arr;
  // The stride of an axis of size 0 or 1 is never used (as_strided may have given it any
  // value): it is exported as the row-major one, so a consumer's byte strides cannot overflow.
  mx::Strides rm = mx::row_major_strides(a.shape());
  for (int i = 0; i < a.ndim(); ++i) {
    ctx->shape.push_back(a.shape()[i]);
    ctx->strides.push_back(a.shape()[i] > 1 ? a.strides()[i] : rm[i]);
  }
  t.data = a.is_available() ? a.raw_data() : nullptr;
  t.device = {kDLCPU, 0};
  t.ndim = a.ndim();
  t.dtype = to_dl_dtype(a.dtype());
  t.shape = ctx->shape.data();
  t.strides = ctx->strides.data();
  t.byte_offset = 0;
}

void legacy_deleter(DLManagedTensor* self) {
  delete static_cast<ExportCtx*>(self->manager_ctx);
  delete self;
}

void versioned_deleter(DLManagedTensorVersioned* self) {
  delete static_cast<ExportCtx*>(self->manager_ctx);
  delete self;
}

// Capsule destructors: free the manager unless a consumer took it (renamed the capsule).
void legacy_capsule_destructor(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, kLegacyName)) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kLegacyName));
    if (m && m->deleter) {
      m->deleter(m);
    }
  }
}

void versioned_capsule_destructor(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, kVersionedName)) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, kVersionedName));
    if (m && m->deleter) {
      m->deleter(m);
    }
  }
}

// (a, b) from a 2-sequence of ints (IntEnums included).
std::pair<int, int> int_pair(nb::handle h, const char* what) {
  try {
    if (nb::len(h) == 2) {
      return {nb::cast<int>(nb::int_(h[0])), nb::cast<int>(nb::int_(h[1]))};
    }
  } catch (nb::python_error&) {
  } catch (nb::cast_error&) {
  }
  throw nb::type_error(mx::msg("[__dlpack__] ", what, " must be a pair of ints.").c_str());
}

nb::object dunder_dlpack(
    mx::array& self,
    nb::object stream,
    nb::object max_version_obj,
    nb::object dl_device_obj,
    std::optional<bool> copy) {
  (void)stream; // CPU data: nothing to synchronise.
  std::optional<std::pair<int, int>> max_version;
  if (!max_version_obj.is_none()) {
    max_version = int_pair(max_version_obj, "max_version");
  }
  if (!dl_device_obj.is_none()) {
    auto dev = int_pair(dl_device_obj, "dl_device");
    if (!(dev.first == kDLCPU && dev.second == 0)) {
      throw nb::buffer_error(
          mx::msg("[__dlpack__] Cannot export to device (", dev.first, ", ", dev.second,
                  "); arrays live on the CPU (1, 0).")
              .c_str());
    }
  }
  bool versioned = max_version.has_value() && max_version->first >= 1;
  mx::array a = self;
  eval_released(a);
  // Memory lent by a read-only producer: shared only when the consumer asks for no copy
  // and the capsule can say read-only (versioned). Otherwise the consumer gets a copy:
  // consumers that ignore the flag (PyTorch) must not write into the producer's memory.
  bool readonly = a.data_shared_ptr() && a.data_shared_ptr()->readonly;
  if (readonly && copy == false && !versioned) {
    throw nb::buffer_error(
        "[__dlpack__] The array shares read-only memory, which a legacy (unversioned) DLPack "
        "capsule cannot mark read-only; pass max_version=(1, 0) or allow a copy.");
  }
  bool copied = false;
  if (copy.value_or(false) || (readonly && !copy.has_value())) {
    a = mx::copy(a);
    eval_released(a);
    copied = true;
    readonly = false;
  }
  auto* ctx = new ExportCtx{a, {}, {}};
  if (versioned) {
    auto* m = new DLManagedTensorVersioned{};
    m->version = {1, 0};
    m->manager_ctx = ctx;
    m->deleter = versioned_deleter;
    m->flags = (copied ? kFlagIsCopied : 0) | (readonly ? kFlagReadOnly : 0);
    fill_tensor(m->dl_tensor, ctx);
    PyObject* cap = PyCapsule_New(m, kVersionedName, versioned_capsule_destructor);
    if (!cap) {
      versioned_deleter(m);
      throw nb::python_error();
    }
    return nb::steal(cap);
  }
  auto* m = new DLManagedTensor{};
  m->manager_ctx = ctx;
  m->deleter = legacy_deleter;
  fill_tensor(m->dl_tensor, ctx);
  PyObject* cap = PyCapsule_New(m, kLegacyName, legacy_capsule_destructor);
  if (!cap) {
    legacy_deleter(m);
    throw nb::python_error();
  }
  return nb::steal(cap);
}

// ---- import ----------------------------------------------------------------------------

// The mx dtype of a DLPack dtype; *c128 is set for complex128 (copied to complex64).
mx::Dtype from_dl_dtype(DLDataType t, bool* c128) {
  *c128 = false;
  auto bad = [&]() -> mx::Dtype {
    throw std::invalid_argument(mx::msg(
        "[from_dlpack] Unsupported DLPack dtype (code ", int(t.code), ", bits ", int(t.bits),
        ", lanes ", int(t.lanes), ")."));
  };
  if (t.lanes != 1) {
    return bad();
  }
  switch (t.code) {
    case kDLInt:
      switch (t.bits) {
        case 8: return mx::int8;
        case 16: return mx::int16;
        case 32: return mx::int32;
        case 64: return mx::int64;
      }
      break;
    case kDLUInt:
      switch (t.bits) {
        case 8: return mx::uint8;
        case 16: return mx::uint16;
        case 32: return mx::uint32;
        case 64: return mx::uint64;
      }
      break;
    case kDLFloat:
      switch (t.bits) {
        case 16: return mx::float16;
        case 32: return mx::float32;
        case 64: return mx::float64;
      }
      break;
    case kDLBfloat:
      if (t.bits == 16) {
        return mx::bfloat16;
      }
      break;
    case kDLComplex:
      if (t.bits == 64) {
        return mx::complex64;
      }
      if (t.bits == 128) {
        *c128 = true;
        return mx::complex64;
      }
      break;
    case kDLBool:
      if (t.bits == 8) {
        return mx::bool_;
      }
      break;
  }
  return bad();
}

// Calls a producer's deleter with the GIL held (producers such as NumPy touch Python
// objects); after interpreter shutdown the memory is left alone.
template <typename M>
void call_deleter(M* m) {
  if (!m || !m->deleter) {
    return;
  }
  if (Py_IsInitialized()) {
    nb::gil_scoped_acquire gil;
    m->deleter(m);
  }
}

template <typename M>
mx::array import_managed(M* m, bool read_only, std::optional<bool> copy, PyObject* capsule, const char* used_name) {
  DLTensor& t = m->dl_tensor;
  if (t.device.device_type != kDLCPU && t.device.device_type != kDLCUDAHost) {
    throw std::invalid_argument(mx::msg(
        "[from_dlpack] Only CPU data can be imported; got DLPack device type ",
        t.device.device_type, "."));
  }
  bool c128 = false;
  mx::Dtype dtype = from_dl_dtype(t.dtype, &c128);
  size_t itemsize = c128 ? 16 : dtype.size;
  if (t.ndim < 0) {
    throw std::invalid_argument("[from_dlpack] Negative ndim.");
  }
  mx::Shape shape;
  mx::Strides strides;
  for (int i = 0; i < t.ndim; ++i) {
    if (t.shape[i] < 0 || t.shape[i] > std::numeric_limits<mx::ShapeElem>::max()) {
      throw std::invalid_argument("[from_dlpack] Invalid dimension size.");
    }
    shape.push_back(static_cast<mx::ShapeElem>(t.shape[i]));
  }
  strides = t.strides ? mx::Strides(t.strides, t.strides + t.ndim) : mx::row_major_strides(shape);
  // The stride of an axis of size 0 or 1 is never used, and may be anything: drop it.
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] <= 1) strides[i] = 0;
  }
  size_t size = mx::checked_shape_size(shape, itemsize, "from_dlpack");
  // The lowest and highest element the tensor reaches, relative to its first element, in
  // bytes; checked for overflow before anything is computed from them.
  int64_t lo = 0, hi = 0;
  if (size > 0) {
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t span = 0;
      if (shape[i] > 1 &&
          (__builtin_mul_overflow(strides[i], static_cast<int64_t>(shape[i]) - 1, &span) ||
           __builtin_mul_overflow(span, static_cast<int64_t>(itemsize), &span) ||
           __builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi))) {
        throw std::invalid_argument("[from_dlpack] The tensor's strides reach beyond the 64-bit address range.");
      }
    }
  }
  char* base = static_cast<char*>(t.data) + t.byte_offset;
  // Kernels read elements with aligned (vector) loads: misaligned memory is copied.
  bool misaligned = size > 0 && reinterpret_cast<uintptr_t>(base) % std::min<size_t>(itemsize, 8) != 0;

  // bool bytes other than 0 and 1 are normalized by a copy (kernels only see 0 and 1).
  bool dirty_bool = false;
  if (dtype == mx::bool_ && !copy.value_or(false)) {
    std::vector<int64_t> byte_strides(strides.begin(), strides.end());
    dirty_bool = !bool_bytes_are_0_or_1(base, shape, byte_strides);
  }
  bool do_copy = copy.value_or(false) || c128 || dirty_bool || misaligned;
  if (copy.has_value() && !*copy && misaligned) {
    throw std::invalid_argument(
        "Unable to avoid copy while creating an array as requested (copy=False, but the data is not "
        "aligned to its item size; use copy=None or True).");
  }
  if (copy.has_value() && !*copy && c128) {
    throw std::invalid_argument(
        "Unable to avoid copy while creating an array as requested (copy=False, but complex128 data "
        "becomes complex64; use copy=None or True).");
  }
  if (copy.has_value() && !*copy && dirty_bool) {
    throw std::invalid_argument(
        "Unable to avoid copy while creating an array as requested (copy=False, but bool data holds "
        "bytes other than 0 and 1; use copy=None or True).");
  }

  if (do_copy) {
    std::vector<int64_t> byte_strides;
    for (auto s : strides) {
      byte_strides.push_back(s * static_cast<int64_t>(itemsize));
    }
    mx::array copied = copy_foreign(base, shape, std::move(byte_strides), itemsize, dtype, c128);
    PyCapsule_SetName(capsule, used_name);
    if (m->deleter) {
      m->deleter(m); // the GIL is held here
    }
    return copied;
  }

  if (size == 0) {
    strides = mx::row_major_strides(shape);
    base = nullptr; // nothing is read: no address is formed from the producer's pointer
  }
  // The buffer starts at the lowest byte the tensor reaches; the array's offset (in bytes)
  // leads from there to its first element.
  char* start = size == 0 ? nullptr : base + lo;
  size_t nbytes = size == 0 ? 0 : static_cast<size_t>(hi - lo) + itemsize;
  auto data = std::make_shared<mx::Data>(start, nbytes, [m]() { call_deleter(m); });
  data->readonly = read_only; // exports keep the producer's read-only mark
  PyCapsule_SetName(capsule, used_name);
  return mx::array(std::move(data), std::move(shape), std::move(strides), dtype, -lo);
}

} // namespace

std::optional<mx::array> array_from_dlpack(nb::handle obj, std::optional<bool> copy) {
  nb::object capsule;
  if (PyCapsule_CheckExact(obj.ptr())) {
    capsule = nb::borrow(obj);
  } else {
    if (!nb::hasattr(obj, "__dlpack__")) {
      return std::nullopt;
    }
    if (nb::hasattr(obj, "__dlpack_device__")) {
      nb::object dev = obj.attr("__dlpack_device__")();
      int type = nb::cast<int>(dev[0]);
      if (type != kDLCPU && type != kDLCUDAHost) {
        throw std::invalid_argument(mx::msg(
            "[from_dlpack] Only CPU data can be imported; the input is on DLPack device type ",
            type, "."));
      }
    }
    try {
      capsule = obj.attr("__dlpack__")(nb::arg("max_version") = nb::make_tuple(1, 0));
    } catch (nb::python_error& e) {
      if (!e.matches(PyExc_TypeError)) {
        throw;
      }
      capsule = obj.attr("__dlpack__")();
    }
  }
  PyObject* cap = capsule.ptr();
  if (PyCapsule_IsValid(cap, kVersionedName)) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(cap, kVersionedName));
    if (m->version.major != 1) {
      throw std::invalid_argument(mx::msg(
          "[from_dlpack] Unsupported DLPack version ", m->version.major, ".", m->version.minor, "."));
    }
    bool read_only = (m->flags & kFlagReadOnly) != 0;
    return import_managed(m, read_only, copy, cap, kUsedVersionedName);
  }
  if (PyCapsule_IsValid(cap, kLegacyName)) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, kLegacyName));
    return import_managed(m, false, copy, cap, kUsedLegacyName);
  }
  throw std::invalid_argument(
      "[from_dlpack] __dlpack__ did not return an unused \"dltensor\" or \"dltensor_versioned\" capsule.");
}

void add_dlpack_methods(nb::class_<mx::array>& cls) {
  cls.def(
      "__dlpack__",
      &dunder_dlpack,
      nb::kw_only(),
      nb::arg("stream") = nb::none(),
      nb::arg("max_version") = nb::none(),
      nb::arg("dl_device") = nb::none(),
      nb::arg("copy") = nb::none(),
      "A DLPack capsule sharing this array's memory (evaluated first). Versioned "
      "(\"dltensor_versioned\") when max_version >= (1, 0), else the legacy \"dltensor\". "
      "Memory of a read-only producer is copied unless copy=False, which shares it marked "
      "read-only (versioned capsules only).");
  cls.def(
      "__dlpack_device__",
      [](const mx::array&) { return nb::make_tuple(static_cast<int>(kDLCPU), 0); },
      "The DLPack device of the array: (1, 0), the CPU.");
}

void init_dlpack(nb::module_& m) {
  def_op(m, "from_dlpack",
      [](nb::object x, std::optional<bool> copy) {
        auto a = array_from_dlpack(x, copy);
        if (!a) {
          throw mx::type_error("[from_dlpack] Expected x to implement __dlpack__, but got " + arg_type_name(x) + ".");
        }
        return *a;
      },
      nb::arg(),
      nb::kw_only(),
      nb::arg("copy") = nb::none(),
      nb::sig("def from_dlpack(x: object, /, *, copy: bool | None = None) -> array"),
      "Creates an array from an object that supports DLPack. copy=True always copies; "
      "otherwise the memory is shared with the producer (read-only memory stays read-only "
      "in every export).");
}
