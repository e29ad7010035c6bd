// Bindings of function export: export_function, import_function, exporter /
// FunctionExporter and export_to_dot.
#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "mlx_core/errors.h"
#include "mlx_core/transforms/export.h"
#include "mlx_core/transforms/export_registry.h"
#include "python/src/trees.h"

namespace nb = nanobind;
namespace mx = mlx::core;
using namespace nb::literals;

namespace {

// The arrays of a call: positional ones, then the keyword ones sorted by name.
struct CallArgs {
  std::vector<mx::array> arrays;
  uint64_t n_args = 0;
  std::vector<std::string> kwarg_names;
};

// Reads `*args, **kwargs` as arrays, or a single tuple/list and/or dict of arrays in args.
CallArgs parse_call(nb::args args, nb::kwargs kwargs, const char* name) {
  nb::object pos = args, kw = kwargs;
  auto is_seq = [](nb::handle h) { return nb::isinstance<nb::tuple>(h) || nb::isinstance<nb::list>(h); };
  if (kwargs.size() == 0 && args.size() == 2 && is_seq(args[0]) && nb::isinstance<nb::dict>(args[1])) {
    pos = args[0];
    kw = args[1];
  } else if (kwargs.size() == 0 && args.size() == 1 && is_seq(args[0])) {
    pos = args[0];
  } else if (kwargs.size() == 0 && args.size() == 1 && nb::isinstance<nb::dict>(args[0])) {
    pos = nb::tuple();
    kw = args[0];
  }
  auto bad = [name]() {
    return std::invalid_argument(mx::msg("[", name, "] Inputs can either be a variable number of positional and keyword "
                                         "arrays or a single tuple and/or dictionary of arrays."));
  };
  CallArgs out;
  for (nb::handle h : pos) {
    if (!nb::isinstance<mx::array>(h)) throw bad();
    out.arrays.push_back(nb::cast<mx::array>(h));
  }
  out.n_args = out.arrays.size();
  std::vector<std::pair<std::string, mx::array>> named;
  for (auto [k, v] : nb::borrow<nb::dict>(kw)) {
    if (!nb::isinstance<nb::str>(k) || !nb::isinstance<mx::array>(v)) throw bad();
    named.emplace_back(nb::cast<std::string>(k), nb::cast<mx::array>(v));
  }
  std::sort(named.begin(), named.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [k, v] : named) {
    out.kwarg_names.push_back(k);
    out.arrays.push_back(v);
  }
  return out;
}

// Traces the Python function on the call's arrays.
mx::ExportedTrace trace_python(nb::callable fun, const CallArgs& call, bool shapeless) {
  uint64_t n_args = call.n_args;
  auto names = call.kwarg_names;
  mx::VectorFn f = [fun, n_args, names](const std::vector<mx::array>& xs) {
    nb::list pos;
    nb::dict kw;
    for (uint64_t i = 0; i < xs.size(); ++i) {
      if (i < n_args) pos.append(nb::cast(xs[i]));
      else kw[nb::str(names[i - n_args].c_str())] = nb::cast(xs[i]);
    }
    nb::object out = fun(*nb::tuple(pos), **kw);
    auto bad = std::invalid_argument("[export_function] Outputs can be either a single array, a tuple, or a list of arrays.");
    if (nb::isinstance<mx::array>(out)) return std::vector<mx::array>{nb::cast<mx::array>(out)};
    if (!nb::isinstance<nb::tuple>(out) && !nb::isinstance<nb::list>(out)) throw bad;
    std::vector<mx::array> outs;
    for (nb::handle h : out) {
      if (!nb::isinstance<mx::array>(h)) throw bad;
      outs.push_back(nb::cast<mx::array>(h));
    }
    return outs;
  };
  return mx::export_trace(f, call.arrays, call.n_args, call.kwarg_names, shapeless);
}

std::string shape_text(const mx::Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + ")";
}

// One line per input: "  1: (2,3) float32" or "  \"name\": (3) int32".
void describe_inputs(std::string& out, uint64_t n_args, const std::vector<std::string>& kw, const std::vector<mx::Shape>& shapes,
                     const std::vector<mx::Dtype>& dtypes, const char* indent) {
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::string label = i < n_args ? std::to_string(i + 1) : "\"" + kw[i - n_args] + "\"";
    out += indent + label + ": " + shape_text(shapes[i]) + " " + mx::dtype_name(dtypes[i]) + "\n";
  }
}

std::string no_match_message(const mx::ExportedFunction& f, const CallArgs& call) {
  std::string m = "[import_function::call] No imported function found which matches the given positional and keyword "
                  "arguments. Possible functions include:\n";
  for (size_t k = 0; k < f.traces.size(); ++k) {
    auto& t = f.traces[k];
    m += " " + std::to_string(k + 1) + ". Function with " + std::to_string(t.n_args) + " positional inputs and " +
         std::to_string(t.kwarg_names.size()) + " keyword inputs:\n";
    std::vector<mx::Shape> shapes;
    std::vector<mx::Dtype> dtypes;
    for (auto& v : t.inputs) {
      shapes.push_back(v.shape);
      dtypes.push_back(v.dtype);
    }
    describe_inputs(m, t.n_args, t.kwarg_names, shapes, dtypes, "   ");
  }
  m += "\nCalled with " + std::to_string(call.n_args) + " positional inputs and " +
       std::to_string(call.kwarg_names.size()) + " keyword inputs:\n";
  std::vector<mx::Shape> shapes;
  std::vector<mx::Dtype> dtypes;
  for (auto& a : call.arrays) {
    shapes.push_back(a.shape());
    dtypes.push_back(a.dtype());
  }
  describe_inputs(m, call.n_args, call.kwarg_names, shapes, dtypes, "  ");
  return m;
}

// Calls an imported function: the first trace matching the arrays' signature, replayed.
nb::tuple call_imported(const mx::ExportedFunction& f, nb::args args, nb::kwargs kwargs) {
  CallArgs call = parse_call(args, kwargs, "import_function::call");
  for (auto& t : f.traces) {
    if (!mx::trace_matches(t, f.shapeless, call.n_args, call.kwarg_names, call.arrays)) continue;
    auto outs = mx::replay_trace(t, f.shapeless, call.arrays);
    nb::list l;
    for (auto& o : outs) l.append(nb::cast(o));
    return nb::tuple(l);
  }
  throw std::invalid_argument(no_match_message(f, call));
}

bool same_signature(const mx::ExportedTrace& a, const mx::ExportedTrace& b, bool shapeless) {
  if (a.n_args != b.n_args || a.kwarg_names != b.kwarg_names || a.inputs.size() != b.inputs.size()) return false;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    if (a.inputs[i].dtype != b.inputs[i].dtype) return false;
    if (shapeless ? a.inputs[i].shape.size() != b.inputs[i].shape.size() : a.inputs[i].shape != b.inputs[i].shape) {
      return false;
    }
  }
  return true;
}

// Reports a trace to the export callback as the reference does: one dict per section and
// one per primitive, arrays named A, B, ... by value id.
void report_trace(nb::callable cb, const mx::ExportedTrace& t) {
  auto name_of = [](uint64_t id) {
    std::string s;
    for (uint64_t n = id + 1; n > 0; n = (n - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
    return s;
  };
  auto info = [&](uint64_t id, const mx::Shape& shape, mx::Dtype dtype) {
    nb::list dims;
    for (auto d : shape) dims.append(d);
    return nb::make_tuple(name_of(id), nb::tuple(dims), nb::cast(dtype));
  };
  std::vector<std::pair<mx::Shape, mx::Dtype>> values;
  for (auto& v : t.inputs) values.emplace_back(v.shape, v.dtype);
  for (auto& c : t.constants) values.emplace_back(c.shape(), c.dtype());
  for (auto& n : t.nodes) {
    for (auto& o : n.outputs) values.emplace_back(o.shape, o.dtype);
  }
  auto list_of = [&](uint64_t first, uint64_t count) {
    nb::list l;
    for (uint64_t i = first; i < first + count; ++i) l.append(info(i, values[i].first, values[i].second));
    return l;
  };
  nb::dict d;
  d["type"] = "inputs";
  d["inputs"] = list_of(0, t.inputs.size());
  cb(d);
  nb::list kws;
  for (size_t i = 0; i < t.kwarg_names.size(); ++i) kws.append(nb::make_tuple(t.kwarg_names[i], name_of(t.n_args + i)));
  d = nb::dict();
  d["type"] = "keyword_inputs";
  d["keywords"] = kws;
  cb(d);
  nb::list outs;
  for (auto id : t.outputs) outs.append(info(id, values[id].first, values[id].second));
  d = nb::dict();
  d["type"] = "outputs";
  d["outputs"] = outs;
  cb(d);
  d = nb::dict();
  d["type"] = "constants";
  nb::list consts;
  for (size_t i = 0; i < t.constants.size(); ++i) consts.append(nb::make_tuple(name_of(t.inputs.size() + i), t.constants[i]));
  d["constants"] = consts;
  cb(d);
  uint64_t next = t.inputs.size() + t.constants.size();
  for (auto& n : t.nodes) {
    nb::list ins, args;
    for (auto id : n.inputs) ins.append(info(id, values[id].first, values[id].second));
    nb::list no;
    for (size_t k = 0; k < n.outputs.size(); ++k, ++next) no.append(info(next, n.outputs[k].shape, n.outputs[k].dtype));
    for (auto& v : mx::exporting::describe_state(n.key, n.state)) {
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
              nb::list l;
              for (auto e : x) l.append(e);
              args.append(nb::tuple(l));
            } else {
              args.append(nb::cast(x));
            }
          },
          v);
    }
    d = nb::dict();
    d["type"] = "primitive";
    d["name"] = n.name;
    d["inputs"] = ins;
    d["outputs"] = no;
    d["arguments"] = args;
    cb(d);
  }
}

// The exporter behind mx.exporter: traces added one call at a time, the file rewritten
// after each so that it always holds every trace so far.
class FunctionExporter {
 public:
  FunctionExporter(std::string file, nb::callable fun, bool shapeless, std::optional<std::string> metadata)
      : file_(std::move(file)), fun_(std::move(fun)) {
    f_.shapeless = shapeless;
    f_.metadata = metadata.value_or("");
    mx::write_function_file(file_, f_); // fails early on a bad path; imports with no traces
  }
  void call(nb::args args, nb::kwargs kwargs) {
    if (closed_) throw std::runtime_error("[export_function] Attempting to write after exporting is closed.");
    CallArgs call = parse_call(args, kwargs, "export_function");
    auto t = trace_python(fun_, call, f_.shapeless);
    for (auto& old : f_.traces) {
      if (same_signature(old, t, f_.shapeless)) {
        throw std::runtime_error(
            "[export_function] Attempting to export a function twice with the same signature is not allowed.");
      }
    }
    f_.traces.push_back(std::move(t));
    mx::write_function_file(file_, f_);
  }
  void close() {
    closed_ = true;
    fun_ = nb::callable();
  }

 private:
  std::string file_;
  nb::callable fun_;
  mx::ExportedFunction f_;
  bool closed_ = false;
};

} // namespace

void init_export(nb::module_& m) {
  m.def(
      "export_function",
      [](nb::object file_or_callback, nb::callable fun, nb::args args, bool shapeless, std::optional<std::string> metadata,
         nb::kwargs kwargs) {
        CallArgs call = parse_call(args, kwargs, "export_function");
        if (!nb::isinstance<nb::str>(file_or_callback)) {
          if (!PyCallable_Check(file_or_callback.ptr())) {
            throw mx::type_error("[export_function] The first argument must be a file path or a callable.");
          }
          if (metadata) {
            throw std::invalid_argument(
                "[export_function] The metadata argument is only supported when exporting to a file, not when using a "
                "callback.");
          }
          report_trace(nb::borrow<nb::callable>(file_or_callback), trace_python(fun, call, shapeless));
          return;
        }
        mx::ExportedFunction f;
        f.shapeless = shapeless;
        f.metadata = metadata.value_or("");
        f.traces.push_back(trace_python(fun, call, shapeless));
        mx::write_function_file(nb::cast<std::string>(file_or_callback), f);
      },
      "file_or_callback"_a, "fun"_a, "args"_a, nb::kw_only(), "shapeless"_a = false, "metadata"_a = nb::none(),
      "kwargs"_a,
      nb::sig("def export_function(file_or_callback: str | Callable, fun: Callable, *args, shapeless: bool = False, "
              "metadata: str | None = None, **kwargs) -> None"),
      "Export a function traced on example arrays to a file (or describe its graph to a callback).\n\n"
      "The example inputs are ``*args`` and ``**kwargs`` arrays, or one tuple of arrays and/or one dict\n"
      "of arrays. Arrays the function uses that do not depend on its inputs are stored as constants.\n"
      "With ``shapeless=True`` the imported function accepts inputs of other shapes (same number of\n"
      "dimensions and dtypes). ``metadata`` is a string stored with the function (files only).");

  m.def(
      "import_function",
      [](const std::string& file, bool return_metadata) -> nb::object {
        auto f = std::make_shared<mx::ExportedFunction>(mx::read_function_file(file));
        nb::object fn = nb::cpp_function(
            [f](nb::args args, nb::kwargs kwargs) { return call_imported(*f, args, kwargs); },
            nb::sig("def imported_function(*args, **kwargs) -> tuple[array, ...]"));
        if (return_metadata) return nb::make_tuple(fn, f->metadata);
        return fn;
      },
      "file"_a, "return_metadata"_a = false,
      nb::sig("def import_function(file: str, return_metadata: bool = False) -> Callable | tuple[Callable, str]"),
      "Import a function written by export_function or exporter.\n\n"
      "The returned function takes ``*args`` and ``**kwargs`` arrays (or one tuple and/or dict of\n"
      "arrays), runs the trace whose signature matches them, and returns a tuple of arrays. With\n"
      "``return_metadata=True``, returns ``(function, metadata)``.");

  nb::class_<FunctionExporter>(m, "FunctionExporter",
                               "Exports several traces of one function to one file; made by :func:`exporter`.")
      .def("__call__", &FunctionExporter::call, "args"_a, "kwargs"_a,
           nb::sig("def __call__(self, *args, **kwargs) -> None"), "Trace the function on these arrays and add the trace.")
      .def("close", &FunctionExporter::close, "Finish exporting; later calls raise.")
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); },
           nb::sig("def __enter__(self) -> FunctionExporter"), "Enter the export context.")
      .def(
          "__exit__", [](FunctionExporter& e, nb::object, nb::object, nb::object) { e.close(); },
          "exc_type"_a = nb::none(), "exc_value"_a = nb::none(), "traceback"_a = nb::none(),
          "Close the exporter.");

  m.def(
      "exporter",
      [](const std::string& file, nb::callable fun, bool shapeless, std::optional<std::string> metadata) {
        return new FunctionExporter(file, std::move(fun), shapeless, std::move(metadata));
      },
      "file"_a, "fun"_a, nb::kw_only(), "shapeless"_a = false, "metadata"_a = nb::none(), nb::rv_policy::take_ownership,
      "Make a FunctionExporter that writes every trace it is called with to one file.\n\n"
      "Use it as a context manager; each call traces ``fun`` on new example arrays. Importing the\n"
      "file gives a function that dispatches each call to the trace matching its arrays.");

  m.def(
      "export_to_dot",
      [](nb::object file, nb::args args, nb::kwargs kwargs) {
        std::vector<mx::array> outputs = tree_flatten(args, true);
        std::vector<std::pair<std::string, mx::array>> names;
        for (auto [k, v] : kwargs) {
          auto arrays = tree_flatten(v, true);
          for (auto& a : arrays) names.emplace_back(nb::cast<std::string>(k), a);
        }
        std::string dot = mx::graph_to_dot(outputs, names);
        if (nb::isinstance<nb::str>(file)) {
          std::string path = nb::cast<std::string>(file);
          std::ofstream os(path);
          if (!os) throw std::runtime_error("[export_to_dot] Failed to open " + path);
          os << dot;
          return;
        }
        if (!nb::hasattr(file, "write")) {
          throw std::invalid_argument("[export_to_dot] Accepts file-like objects or strings to be used as filenames.");
        }
        file.attr("write")(dot);
      },
      "file"_a, "args"_a, "kwargs"_a, nb::sig("def export_to_dot(file: object, *args, **kwargs) -> None"),
      "Write the graph behind the given output arrays in Graphviz DOT format.\n\n"
      "``file`` is a path or an object with ``write`` (text). Keyword arrays name nodes of the graph;\n"
      "the others are named A, B, ... Every unevaluated input is included, recursively.");
}
