// File IO: save/load of .npy, .npz, .safetensors and .gguf. The formats are parsed and
// written by mlx_core/io; this file maps Python paths and file objects onto its readers and
// writers, and uses Python's zipfile for the .npz container.
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "mlx_core/errors.h"
#include "mlx_core/io/gguf.h"
#include "mlx_core/io/npy.h"
#include "mlx_core/io/safetensors.h"
#include "mlx_core/transforms/eval.h"
#include "python/src/common.h"

using namespace nb::literals;
namespace io = mx::io;

namespace {

// A Python binary file object as a Reader: offsets count from where the file stood when it
// was wrapped. `known_size` spares seeking to the end (zip members).
class PyReader : public io::Reader {
 public:
  PyReader(nb::object f, std::optional<uint64_t> known_size = std::nullopt) : f_(std::move(f)) {
    if (!known_size && nb::hasattr(f_, "seekable") && !nb::cast<bool>(f_.attr("seekable")())) {
      // A stream that cannot seek (a pipe, a socket) is read whole first.
      nb::object data = f_.attr("read")();
      if (!nb::isinstance<nb::bytes>(data))
        throw std::invalid_argument("[load] Input must be a file-like object opened in binary mode, or string");
      mem_ = data;
      size_ = static_cast<uint64_t>(PyBytes_GET_SIZE(mem_.ptr()));
      return;
    }
    base_ = nb::cast<uint64_t>(f_.attr("tell")());
    pos_ = 0;
    if (known_size) {
      size_ = *known_size;
    } else {
      uint64_t end = nb::cast<uint64_t>(f_.attr("seek")(0, 2));
      size_ = end >= base_ ? end - base_ : 0;
      f_.attr("seek")(base_);
    }
  }
  uint64_t size() const override { return size_; }
  std::string label() const override { return "<file>"; }
  void read_at(void* dst, uint64_t n, uint64_t offset) override {
    if (offset > size_ || n > size_ - offset) throw std::runtime_error("[load] Unexpected end of file");
    if (mem_.is_valid()) {
      if (n) std::memcpy(dst, PyBytes_AS_STRING(mem_.ptr()) + offset, n);
      return;
    }
    try {
      if (offset != pos_) {
        f_.attr("seek")(base_ + offset);
        pos_ = offset;
      }
      auto* p = static_cast<char*>(dst);
      while (n > 0) {
        uint64_t chunk = std::min<uint64_t>(n, 1ull << 30);
        nb::object mv = nb::steal(PyMemoryView_FromMemory(p, static_cast<Py_ssize_t>(chunk), PyBUF_WRITE));
        if (!mv.is_valid()) throw nb::python_error();
        nb::object got = f_.attr("readinto")(mv);
        uint64_t k = got.is_none() ? 0 : nb::cast<uint64_t>(got);
        if (k == 0 || k > chunk) throw std::runtime_error("[load] Unexpected end of file");
        p += k;
        n -= k;
        pos_ += k;
      }
    } catch (nb::python_error& e) {
      throw std::runtime_error(std::string("[load] Failed to read the file: ") + e.what());
    }
  }
  // Leaves the file just after the first `n` bytes (the next array of a stream of them).
  void finish(uint64_t n) {
    if (!mem_.is_valid()) f_.attr("seek")(base_ + n);
  }

 private:
  nb::object f_;
  nb::object mem_; // the whole content of a stream that cannot seek
  uint64_t base_ = 0, size_ = 0, pos_ = 0;
};

// A Python binary file object as a Writer.
class PyWriter : public io::Writer {
 public:
  explicit PyWriter(nb::object f) : f_(std::move(f)) {}
  void write(const void* src, uint64_t n) override {
    auto* p = static_cast<const char*>(src);
    while (n > 0) {
      uint64_t chunk = std::min<uint64_t>(n, 1ull << 30);
      nb::object mv = nb::steal(PyMemoryView_FromMemory(const_cast<char*>(p), static_cast<Py_ssize_t>(chunk), PyBUF_READ));
      if (!mv.is_valid()) throw nb::python_error();
      nb::object r = f_.attr("write")(mv);
      uint64_t k = r.is_none() ? chunk : nb::cast<uint64_t>(r);
      if (k == 0 || k > chunk) throw std::runtime_error("[save] The file object did not accept the data");
      p += k;
      n -= k;
    }
  }

 private:
  nb::object f_;
};

bool is_path(nb::handle f) { return nb::isinstance<nb::str>(f) || nb::hasattr(f, "__fspath__"); }

std::string path_of(nb::handle f) {
  nb::object p = nb::module_::import_("os").attr("fsdecode")(f);
  return nb::cast<std::string>(p);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A path with `ext` appended unless it already ends with it.
std::string with_ext(nb::handle f, const std::string& ext) {
  std::string p = path_of(f);
  return ends_with(p, ext) ? p : p + ext;
}

void check_writable(nb::handle f, const char* fn) {
  if (!is_path(f) && !nb::hasattr(f, "write"))
    throw mx::type_error(mx::msg("[", fn, "] file must be a path (str or pathlib.Path) or a binary file object, got ",
                                 nb::type_name(f.type()).c_str()));
}

void check_readable(nb::handle f) {
  if (is_path(f)) return;
  if (!nb::hasattr(f, "read") || !nb::hasattr(f, "seek"))
    throw std::invalid_argument("[load] Input must be a file-like object opened in binary mode, or string");
  nb::object text_io = nb::module_::import_("io").attr("TextIOBase");
  if (nb::isinstance(f, text_io))
    throw std::invalid_argument("[load] Input must be a file-like object opened in binary mode, or string");
}

mx::array as_array(nb::handle v, const char* fn, const std::string& what) {
  mx::array* a = nullptr;
  if (!nb::try_cast<mx::array*>(v, a) || !a)
    throw mx::type_error(mx::msg("[", fn, "] ", what, " must be an mlx.core.array, got ", nb::type_name(v.type()).c_str()));
  return *a;
}

void eval_all(const std::vector<mx::array>& arrays) {
  std::vector<mx::array> todo;
  for (auto& a : arrays)
    if (!a.is_available()) todo.push_back(a);
  if (todo.empty()) return;
  nb::gil_scoped_release nogil;
  mx::eval(todo);
}

// Runs `save(writer)` on the path (GIL released) or the file object.
template <typename F>
void write_to(nb::handle file, const std::string& path_ext, const char* fn, F&& save) {
  if (is_path(file)) {
    std::string path = with_ext(file, path_ext);
    nb::gil_scoped_release nogil;
    io::FileWriter w(path, fn);
    save(w);
    w.close();
  } else {
    PyWriter w(nb::borrow(file));
    save(w);
  }
}

io::NamedArrays named_arrays(nb::handle arrays, const char* fn) {
  if (!nb::isinstance<nb::dict>(arrays))
    throw mx::type_error(mx::msg("[", fn, "] arrays must be a dict mapping str to array, got ",
                                 nb::type_name(arrays.type()).c_str()));
  io::NamedArrays out;
  for (auto [k, v] : nb::borrow<nb::dict>(arrays)) {
    if (!nb::isinstance<nb::str>(k))
      throw mx::type_error(mx::msg("[", fn, "] array names must be str, got ", nb::type_name(k.type()).c_str()));
    std::string name = nb::cast<std::string>(k);
    out.emplace_back(name, as_array(v, fn, "the value of '" + name + "'"));
  }
  return out;
}

nb::str decode(const std::string& s) {
  return nb::steal<nb::str>(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace"));
}

nb::dict to_dict(io::NamedArrays&& arrays) {
  nb::dict d;
  for (auto& [k, a] : arrays) d[decode(k)] = nb::cast(std::move(a));
  return d;
}

mx::array load_npy_array(nb::handle file) {
  if (is_path(file)) {
    std::string path = path_of(file);
    nb::gil_scoped_release nogil;
    io::FileReader r(path, "load");
    return io::load_npy(r);
  }
  PyReader r(nb::borrow(file));
  uint64_t used = 0;
  mx::array a = io::load_npy(r, 0, &used);
  r.finish(used);
  return a;
}

[[noreturn]] void npz_fail(const std::string& what) {
  throw std::runtime_error("[load_npz] " + what);
}

// Reads one member of an open ZipFile. Nothing the zip directory claims is allocated before
// it is checked against the archive: a stored member's size is bounded by its bytes in the
// archive, which must lie inside the file; a compressed member of up to 16 times its
// compressed bytes (real data rarely compresses more) is inflated into memory allocated at
// once, a larger one into memory that grows with the data that really comes out, up to the
// size its npy header gives.
mx::array load_npz_member(nb::handle zf, nb::handle info, const std::string& name, uint64_t archive) {
  uint64_t size = nb::cast<uint64_t>(info.attr("file_size"));
  uint64_t csize = nb::cast<uint64_t>(info.attr("compress_size"));
  uint64_t offset = nb::cast<uint64_t>(info.attr("header_offset"));
  int method = nb::cast<int>(info.attr("compress_type"));
  if (offset > archive || csize > archive - offset)
    npz_fail(mx::msg("Member '", name, "' claims ", csize, " bytes at offset ", offset, " of an archive of ", archive,
                     " bytes"));
  if (method == 0 && size > csize)
    npz_fail(mx::msg("Member '", name, "' is stored uncompressed in ", csize, " bytes but claims ", size));
  // Deflate expands at most ~1032x: a bigger claim is a lie.
  if (method == 8 && size / 1100 > csize + 1024)
    npz_fail(mx::msg("Member '", name, "' claims an impossible size ", size, " for ", csize, " compressed bytes"));
  nb::object member = zf.attr("open")(info);
  try {
    mx::array a = [&] {
      if (method == 0) {
        PyReader r(member, size);
        return io::load_npy(r);
      }
      nb::object readinto = member.attr("readinto");
      return io::load_npy_stream(
          [&](void* dst, uint64_t n) -> uint64_t {
            n = std::min<uint64_t>(n, 1ull << 30);
            nb::object mv = nb::steal(PyMemoryView_FromMemory(static_cast<char*>(dst), static_cast<Py_ssize_t>(n), PyBUF_WRITE));
            if (!mv.is_valid()) throw nb::python_error();
            nb::object got = readinto(mv);
            return got.is_none() ? 0 : nb::cast<uint64_t>(got);
          },
          size, csize * 16);
    }();
    member.attr("close")();
    return a;
  } catch (...) {
    member.attr("close")();
    throw;
  }
}

nb::dict load_npz(nb::handle file) {
  nb::module_ zipfile = nb::module_::import_("zipfile");
  nb::object zf;
  try {
    zf = zipfile.attr("ZipFile")(file, "r");
  } catch (nb::python_error& e) {
    if (e.matches(PyExc_FileNotFoundError) || e.matches(PyExc_IsADirectoryError) || e.matches(PyExc_PermissionError))
      throw std::runtime_error(mx::msg("[load] Failed to open file ", nb::str(file).c_str()));
    throw std::invalid_argument(std::string("[load_npz] Input must be a zip file or a file-like object that "
                                            "can be opened with zipfile.ZipFile: ") + e.what());
  }
  nb::dict out;
  try {
    uint64_t archive = nb::cast<uint64_t>(zf.attr("fp").attr("seek")(0, 2));
    nb::list infos = nb::borrow<nb::list>(zf.attr("infolist")());
    // A name the directory gives more than once keeps its last entry (as the dict would, and
    // NumPy): only that one is read.
    std::unordered_map<std::string, size_t> last;
    std::vector<std::string> names(infos.size());
    for (size_t k = 0; k < infos.size(); ++k) {
      names[k] = nb::cast<std::string>(infos[k].attr("filename"));
      if (ends_with(names[k], ".npy")) last[names[k]] = k;
    }
    for (size_t k = 0; k < infos.size(); ++k) {
      const std::string& name = names[k];
      if (!ends_with(name, ".npy") || last[name] != k) continue;
      out[decode(name.substr(0, name.size() - 4))] = nb::cast(load_npz_member(zf, infos[k], name, archive));
    }
  } catch (nb::python_error& e) {
    zf.attr("close")();
    if (e.matches(PyExc_MemoryError) || e.matches(PyExc_KeyboardInterrupt)) throw;
    throw std::runtime_error(std::string("[load_npz] Corrupt archive: ") + e.what());
  } catch (...) {
    zf.attr("close")();
    throw;
  }
  zf.attr("close")();
  return out;
}

template <typename Loader>
auto load_with(nb::handle file, Loader&& loader) {
  if (is_path(file)) {
    std::string path = path_of(file);
    nb::gil_scoped_release nogil;
    io::FileReader r(path, "load");
    return loader(r);
  }
  PyReader r(nb::borrow(file));
  return loader(r);
}

nb::object gguf_value(io::GGUFValue&& v) {
  if (auto* a = std::get_if<mx::array>(&v)) return nb::cast(std::move(*a));
  if (auto* sc = std::get_if<io::GGUFScalar>(&v)) return nb::cast(io::gguf_scalar_array(*sc));
  if (auto* s = std::get_if<std::string>(&v)) return decode(*s);
  nb::list l;
  for (auto& s : std::get<std::vector<std::string>>(v)) l.append(decode(s));
  return l;
}

std::string infer_format(nb::handle file) {
  std::string name;
  if (is_path(file)) {
    name = path_of(file);
  } else if (nb::hasattr(file, "name") && nb::isinstance<nb::str>(file.attr("name"))) {
    name = nb::cast<std::string>(file.attr("name"));
  } else {
    throw std::invalid_argument("[load] Could not infer the file format of a file object without a name: pass format=");
  }
  auto dot = name.rfind('.');
  auto slash = name.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    throw std::invalid_argument("[load] Could not infer file format from extension");
  return name.substr(dot + 1);
}

nb::object load(nb::handle file, std::optional<std::string> format, bool return_metadata, mx::StreamOrDevice s) {
  mx::to_stream(s);
  check_readable(file);
  std::string fmt = format ? *format : infer_format(file);
  if (fmt != "npy" && fmt != "npz" && fmt != "safetensors" && fmt != "gguf")
    throw std::invalid_argument("[load] Unknown file format " + fmt);
  if (return_metadata && (fmt == "npy" || fmt == "npz"))
    throw std::invalid_argument("[load] metadata not supported for format " + fmt);
  if (fmt == "npy") return nb::cast(load_npy_array(file));
  if (fmt == "npz") return load_npz(file);
  if (fmt == "safetensors") {
    auto [arrays, meta] = load_with(file, [](io::Reader& r) { return io::load_safetensors(r); });
    nb::dict d = to_dict(std::move(arrays));
    if (!return_metadata) return d;
    nb::dict m;
    for (auto& [k, v] : meta) m[decode(k)] = decode(v);
    return nb::make_tuple(d, m);
  }
  auto [arrays, meta] = load_with(file, [&](io::Reader& r) { return io::load_gguf(r, return_metadata); });
  nb::dict d = to_dict(std::move(arrays));
  if (!return_metadata) return d;
  nb::dict m;
  for (auto& [k, v] : meta) m[decode(k)] = gguf_value(std::move(v));
  return nb::make_tuple(d, m);
}

void save(nb::handle file, nb::handle arr) {
  check_writable(file, "save");
  mx::array a = as_array(arr, "save", "arr");
  eval_all({a});
  write_to(file, ".npy", "save", [&](io::Writer& w) { io::save_npy(w, a); });
}

void savez_impl(nb::handle file, nb::args args, nb::kwargs kwargs, bool compressed) {
  const char* fn = compressed ? "savez_compressed" : "savez";
  check_writable(file, fn);
  std::vector<std::pair<std::string, mx::array>> items;
  for (size_t k = 0; k < args.size(); ++k)
    items.emplace_back("arr_" + std::to_string(k), as_array(args[k], fn, "positional argument " + std::to_string(k)));
  for (auto [k, v] : kwargs) {
    std::string name = nb::cast<std::string>(k);
    for (auto& it : items)
      if (it.first == name)
        throw std::invalid_argument(mx::msg("[", fn, "] Cannot use un-named variables and keyword ", name));
    items.emplace_back(name, as_array(v, fn, "keyword argument '" + name + "'"));
  }
  std::vector<mx::array> all;
  for (auto& it : items) all.push_back(it.second);
  eval_all(all);
  nb::module_ zipfile = nb::module_::import_("zipfile");
  nb::object target = is_path(file) ? nb::cast(with_ext(file, ".npz")) : nb::borrow(file);
  nb::object zf = zipfile.attr("ZipFile")(target, "w", zipfile.attr(compressed ? "ZIP_DEFLATED" : "ZIP_STORED"),
                                          "allowZip64"_a = true);
  try {
    for (auto& [name, a] : items) {
      nb::object member = zf.attr("open")(name + ".npy", "w", "force_zip64"_a = true);
      try {
        PyWriter w(member);
        io::save_npy(w, a);
      } catch (...) {
        member.attr("close")();
        throw;
      }
      member.attr("close")();
    }
  } catch (...) {
    zf.attr("close")();
    throw;
  }
  zf.attr("close")();
}

void save_safetensors(nb::handle file, nb::handle arrays, nb::handle metadata) {
  check_writable(file, "save_safetensors");
  io::NamedArrays named = named_arrays(arrays, "save_safetensors");
  io::StringMap meta;
  if (!metadata.is_none()) {
    if (!nb::isinstance<nb::dict>(metadata))
      throw std::invalid_argument("[save_safetensors] Metadata must be a dictionary with string keys and values");
    for (auto [k, v] : nb::borrow<nb::dict>(metadata)) {
      if (!nb::isinstance<nb::str>(k) || !nb::isinstance<nb::str>(v))
        throw std::invalid_argument("[save_safetensors] Metadata must be a dictionary with string keys and values");
      meta.emplace_back(nb::cast<std::string>(k), nb::cast<std::string>(v));
    }
  }
  io::check_safetensors(named);
  std::vector<mx::array> all;
  for (auto& it : named) all.push_back(it.second);
  eval_all(all);
  write_to(file, ".safetensors", "save_safetensors", [&](io::Writer& w) { io::save_safetensors(w, named, meta); });
}

void save_gguf(nb::handle file, nb::handle arrays, nb::handle metadata) {
  check_writable(file, "save_gguf");
  io::NamedArrays named = named_arrays(arrays, "save_gguf");
  io::GGUFMetadata meta;
  std::vector<mx::array> all;
  if (!metadata.is_none()) {
    if (!nb::isinstance<nb::dict>(metadata))
      throw mx::type_error("[save_gguf] metadata must be a dict mapping str to an array, a str or a list of str");
    for (auto [k, v] : nb::borrow<nb::dict>(metadata)) {
      if (!nb::isinstance<nb::str>(k)) throw mx::type_error("[save_gguf] Metadata keys must be str");
      std::string key = nb::cast<std::string>(k);
      mx::array* a = nullptr;
      if (nb::isinstance<nb::str>(v)) {
        meta.emplace_back(key, nb::cast<std::string>(v));
      } else if (nb::try_cast<mx::array*>(v, a) && a) {
        meta.emplace_back(key, *a);
        all.push_back(*a);
      } else if (nb::isinstance<nb::list>(v)) {
        std::vector<std::string> l;
        for (nb::handle s : nb::borrow<nb::list>(v)) {
          if (!nb::isinstance<nb::str>(s))
            throw mx::type_error(mx::msg("[save_gguf] Metadata '", key, "': a list must hold only str, found ",
                                         nb::type_name(s.type()).c_str()));
          l.push_back(nb::cast<std::string>(s));
        }
        meta.emplace_back(key, std::move(l));
      } else {
        throw mx::type_error(mx::msg("[save_gguf] Metadata '", key, "' must be an array, a str or a list of str, got ",
                                     nb::type_name(v.type()).c_str()));
      }
    }
  }
  for (auto& it : named) all.push_back(it.second);
  eval_all(all);
  io::check_gguf(named, meta);
  write_to(file, ".gguf", "save_gguf", [&](io::Writer& w) { io::save_gguf(w, named, meta); });
}

} // namespace

void init_io(nb::module_& m) {
  def_op(m, "save", &save, "file"_a, "arr"_a,
        nb::sig("def save(file: typing.Union[str, os.PathLike, typing.BinaryIO], arr: array) -> None"),
        R"(Save an array to a binary file in NumPy's ``.npy`` format.

Args:
    file (str, pathlib.Path or binary file object): Where to write. A path that does not
      end in ``.npy`` gets ``.npy`` appended. A file object is written from its current
      position.
    arr (array): The array to save (any dtype; ``bfloat16`` is stored as ``'<V2'``, which
      :func:`load` reads back as ``bfloat16``).

Example:
    >>> mx.save("weights.npy", mx.arange(4))
)");
  def_op(m, "savez", [](nb::handle f, nb::args a, nb::kwargs k) { savez_impl(f, a, k, false); }, "file"_a, "args"_a,
        "kwargs"_a,
        nb::sig("def savez(file: typing.Union[str, os.PathLike, typing.BinaryIO], *args: array, **kwargs: array) -> None"),
        R"(Save several arrays to an uncompressed ``.npz`` file (a zip of ``.npy`` files).

Args:
    file (str, pathlib.Path or binary file object): Where to write; ``.npz`` is appended to
      a path that lacks it.
    *args (array): Arrays stored under the names ``arr_0``, ``arr_1``, ...
    **kwargs (array): Arrays stored under their keyword names.

Example:
    >>> mx.savez("model.npz", w=mx.ones((2, 2)), b=mx.zeros(2))
)");
  def_op(m, "savez_compressed", [](nb::handle f, nb::args a, nb::kwargs k) { savez_impl(f, a, k, true); }, "file"_a,
        "args"_a, "kwargs"_a,
        nb::sig("def savez_compressed(file: typing.Union[str, os.PathLike, typing.BinaryIO], *args: array, **kwargs: array) -> None"),
        R"(Save several arrays to a compressed (deflate) ``.npz`` file.

Args:
    file (str, pathlib.Path or binary file object): Where to write; ``.npz`` is appended to
      a path that lacks it.
    *args (array): Arrays stored under the names ``arr_0``, ``arr_1``, ...
    **kwargs (array): Arrays stored under their keyword names.
)");
  def_op(m, "load", &load, nb::arg(), "format"_a = nb::none(), "return_metadata"_a = false,
        nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def load(file: typing.Union[str, os.PathLike, typing.BinaryIO], /, format: typing.Optional[str] = None, "
                "return_metadata: bool = False, *, stream: typing.Union[None, Stream, Device] = None) -> "
                "typing.Union[array, dict[str, array], tuple[dict[str, array], dict[str, typing.Any]]]"),
        R"(Load array(s) from a ``.npy``, ``.npz``, ``.safetensors`` or ``.gguf`` file.

The file is read and checked completely: a malformed, truncated or inconsistent file
raises ``RuntimeError`` (as does a file that cannot be opened) and nothing is
allocated beyond what the file can hold.

Args:
    file (str, pathlib.Path or binary file object): What to read. A file object is read
      from its current position (after an ``.npy`` array it is left just past it).
    format (str, optional): ``"npy"``, ``"npz"``, ``"safetensors"`` or ``"gguf"``.
      Default: ``None``, inferred from the file name's extension.
    return_metadata (bool, optional): Also return the file's metadata (``.safetensors``:
      a dict of str; ``.gguf``: a dict of arrays, str and lists of str). Default: ``False``.
    stream (Stream or Device, optional): Accepted for compatibility; the data is read
      eagerly into CPU memory. Default: ``None``.

Returns:
    array, dict or tuple: an array for ``.npy``; a dict of name to array for the other
    formats; ``(arrays, metadata)`` when ``return_metadata`` is ``True``.

GGUF tensors of the types F32, F16, BF16, F64, I8, I16, I32 and I64 load as arrays;
Q4_0, Q4_1 and Q8_0 tensors load as a packed triple: ``name`` (uint32 words of 4- or 8-bit
values), ``P.scales`` and ``P.biases`` (float16, one per group of 32), where ``P`` is
``name`` without a trailing ``.weight`` (``value * scale + bias`` per group: the layout of
MLX's quantized weights with ``group_size=32``); other quantized types raise
``RuntimeError``. Safetensors ``F8_E4M3``
and ``F8_E8M0`` tensors load as their bytes (uint8).

Example:
    >>> weights = mx.load("model.safetensors")
)");
  def_op(m, "save_safetensors", &save_safetensors, "file"_a, "arrays"_a, "metadata"_a = nb::none(),
        nb::sig("def save_safetensors(file: typing.Union[str, os.PathLike, typing.BinaryIO], arrays: dict[str, array], "
                "metadata: typing.Optional[dict[str, str]] = None) -> None"),
        R"(Save arrays to a ``.safetensors`` file.

Args:
    file (str, pathlib.Path or binary file object): Where to write; ``.safetensors`` is
      appended to a path that lacks it.
    arrays (dict[str, array]): Names to arrays (every dtype: BOOL, U8-U64, I8-I64, F16,
      BF16, F32, F64, C64).
    metadata (dict[str, str], optional): Stored in the header's ``__metadata__``.
      Default: ``None``.

Example:
    >>> mx.save_safetensors("w.safetensors", {"w": mx.ones(3)}, {"format": "mlx"})
)");
  def_op(m, "save_gguf", &save_gguf, "file"_a, "arrays"_a, "metadata"_a = nb::none(),
        nb::sig("def save_gguf(file: typing.Union[str, os.PathLike, typing.BinaryIO], arrays: dict[str, array], "
                "metadata: typing.Optional[dict[str, typing.Union[array, str, list[str]]]] = None) -> None"),
        R"(Save arrays and metadata to a ``.gguf`` file (GGUF version 3).

Args:
    file (str, pathlib.Path or binary file object): Where to write; ``.gguf`` is appended to
      a path that lacks it.
    arrays (dict[str, array]): Names to arrays of dtype float32, float16, bfloat16, float64,
      int8, int16, int32 or int64.
    metadata (dict, optional): Names to values: a scalar or 1-D array (bool, (u)int8-64,
      float32 or float64), a str, or a list of str. Default: ``None``.

Example:
    >>> mx.save_gguf("m.gguf", {"w": mx.ones(3)}, {"general.name": "demo"})
)");
}
