// mx.compile, mx.disable_compile, mx.enable_compile.
//
// A compiled function keeps a cache from a key (the structure of its arguments, the shapes
// and dtypes of their arrays, the values of their constant leaves, and the captured state's
// layout) to a traced graph (mlx_core/transforms/compile.h). A miss calls the Python
// function once on placeholders; a hit replays the graph on the new arrays without calling
// Python. `inputs`/`outputs` name state (trees of arrays, nn.Module, mx.random.state) that
// the function reads and writes: its arrays are extra inputs, and after each call the
// outputs state's leaves are replaced by the new values.
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nanobind/stl/string.h>

#include "mlx_core/primitives/compiled.h"
#include "mlx_core/transforms/compile.h"
#include "mlx_core/transforms/tracing.h"
#include "mlx_core/utils.h"
#include "python/src/common.h"
#include "python/src/trees.h"

using namespace nb::literals;

namespace {

// ---- state slots: where the arrays of an inputs/outputs tree sit ----------------------

// mx.random.state (and any object of that class) is a one-entry mutable sequence.
bool is_state_sequence(nb::handle h) {
  const char* name = Py_TYPE(h.ptr())->tp_name;
  size_t n = std::char_traits<char>::length(name);
  static const char kSuffix[] = "_RandomState";
  size_t k = sizeof(kSuffix) - 1;
  return n >= k && std::char_traits<char>::compare(name + n - k, kSuffix, k) == 0;
}

// The keys leading from the root of a state tree to one array leaf.
using Path = std::vector<nb::object>;

void collect_slots(nb::handle tree, Path& path, std::vector<Path>& out) {
  if (nb::isinstance<mx::array>(tree)) {
    out.push_back(path);
  } else if (nb::isinstance<nb::list>(tree) || nb::isinstance<nb::tuple>(tree) || is_state_sequence(tree)) {
    size_t n = nb::len(tree);
    for (size_t i = 0; i < n; ++i) {
      path.push_back(nb::int_(i));
      collect_slots(tree[path.back()], path, out);
      path.pop_back();
    }
  } else if (nb::isinstance<nb::dict>(tree)) {
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) {
      path.push_back(nb::borrow(k));
      collect_slots(v, path, out);
      path.pop_back();
    }
  }
}

std::vector<Path> state_slots(nb::handle tree) {
  std::vector<Path> out;
  if (!tree.is_valid() || tree.is_none()) return out;
  Path path;
  collect_slots(tree, path, out);
  return out;
}

mx::array slot_get(nb::handle root, const Path& path) {
  nb::object h = nb::borrow(root);
  for (auto& k : path) h = h[k];
  return nb::cast<mx::array>(h);
}

// Puts value at path[depth:] under node; returns the node to keep in its parent (a new
// tuple when node is a tuple, node itself otherwise).
nb::object slot_put(nb::handle node, const Path& path, size_t depth, nb::handle value) {
  nb::handle key = path[depth];
  nb::object item = depth + 1 == path.size() ? nb::borrow(value) : slot_put(node[key], path, depth + 1, value);
  if (nb::isinstance<nb::tuple>(node)) {
    nb::list items(node);
    items[nb::cast<size_t>(key)] = item;
    return rebuild_tuple(node, nb::tuple(items));
  }
  if (depth + 1 == path.size() || !item.is(node[key])) node[key] = item;
  return nb::borrow(node);
}

void slot_set(nb::handle root, const Path& path, const mx::array& value) {
  if (path.empty()) return; // the state is a bare array: it cannot be replaced in place
  slot_put(root, path, 0, nb::cast(value));
}

// ---- cache keys ------------------------------------------------------------------------

void key_array(const mx::array& a, bool shapeless, std::string& key) {
  key += 'A';
  key += std::to_string(static_cast<int>(a.dtype().val));
  if (shapeless) {
    key += ':' + std::to_string(a.ndim());
  } else {
    for (auto d : a.shape()) key += ',' + std::to_string(d);
  }
  key += ';';
}

// Appends tree's structure and constants to key and its arrays to arrays.
void key_of(nb::handle h, bool shapeless, std::string& key, std::vector<mx::array>& arrays) {
  if (nb::isinstance<mx::array>(h)) {
    arrays.push_back(nb::cast<mx::array>(h));
    key_array(arrays.back(), shapeless, key);
  } else if (nb::isinstance<nb::list>(h) || nb::isinstance<nb::tuple>(h)) {
    key += nb::isinstance<nb::list>(h) ? '[' : '(';
    for (nb::handle item : h) key_of(item, shapeless, key, arrays);
    key += ']';
  } else if (nb::isinstance<nb::dict>(h)) {
    key += '{';
    for (auto [k, v] : nb::borrow<nb::dict>(h)) {
      std::string ks = nb::cast<std::string>(nb::repr(k));
      key += std::to_string(ks.size()) + ':' + ks;
      key_of(v, shapeless, key, arrays);
    }
    key += '}';
  } else if (h.is_none()) {
    key += 'N';
  } else if (PyBool_Check(h.ptr())) {
    key += h.ptr() == Py_True ? "b1" : "b0";
  } else if (PyLong_Check(h.ptr())) {
    key += 'i' + nb::cast<std::string>(nb::str(h)) + ';';
  } else if (PyFloat_Check(h.ptr())) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "f%a;", PyFloat_AS_DOUBLE(h.ptr()));
    key += buf;
  } else if (PyUnicode_Check(h.ptr())) {
    std::string s = nb::cast<std::string>(h);
    key += 's' + std::to_string(s.size()) + ':' + s;
  } else {
    throw std::invalid_argument(mx::msg(
        "[compile] Function arguments must be trees of arrays or constants (floats, ints, strings, or None), "
        "but received type ", arg_type_name(h), "."));
  }
}

// ---- the compiled function -------------------------------------------------------------

struct CacheEntry {
  std::shared_ptr<mx::CompiledGraph> graph;
  nb::object out_tree; // what the function returned while traced (its array leaves replaced)
  size_t n_out = 0;    // array leaves of out_tree; the graph's other outputs are the state's
};

struct CompiledFunction {
  nb::object fun;
  nb::object inputs;  // captured state read by the function (or None)
  nb::object outputs; // captured state written by the function (or None)
  bool shapeless = false;
  std::string name;
  std::unordered_map<std::string, CacheEntry> cache;
};

// Calls the Python function on placeholders and records its graph.
CacheEntry trace(CompiledFunction& cf, const nb::args& args, const nb::kwargs& kwargs,
                 const std::vector<mx::array>& arrays, size_t n_args, const std::vector<Path>& in_slots) {
  std::vector<mx::array> ph = mx::compile_placeholders(arrays);
  std::vector<mx::array> arg_ph(ph.begin(), ph.begin() + n_args);
  auto restore_inputs = [&] {
    for (size_t i = 0; i < in_slots.size(); ++i) slot_set(cf.inputs, in_slots[i], arrays[n_args + i]);
  };
  nb::object out;
  std::vector<mx::array> outs;
  {
    mx::detail::TracingScope tracing;
    try {
      size_t index = 0;
      nb::object targs = tree_unflatten(args, arg_ph, index);
      nb::object tkwargs = tree_unflatten(kwargs, arg_ph, index);
      for (size_t i = 0; i < in_slots.size(); ++i) slot_set(cf.inputs, in_slots[i], ph[n_args + i]);
      out = cf.fun(*targs, **tkwargs);
      outs = tree_flatten(out, false);
      for (auto& p : state_slots(cf.outputs)) outs.push_back(slot_get(cf.outputs, p));
    } catch (...) {
      restore_inputs();
      throw;
    }
  }
  restore_inputs();
  CacheEntry e;
  e.n_out = tree_flatten(out, false).size();
  e.out_tree = std::move(out);
  e.graph = mx::compile_build(std::move(ph), std::move(outs), cf.shapeless);
  return e;
}

nb::object call_compiled(CompiledFunction& cf, const nb::args& args, const nb::kwargs& kwargs) {
  if (!cf.fun.is_valid()) throw std::runtime_error("[compile] The wrapped function was cleared.");
  if (!mx::compile_enabled()) return cf.fun(*args, **kwargs);
  std::string key;
  std::vector<mx::array> arrays;
  key_of(args, cf.shapeless, key, arrays);
  key_of(kwargs, cf.shapeless, key, arrays);
  size_t n_args = arrays.size();
  std::vector<Path> in_slots = state_slots(cf.inputs);
  key += "|S";
  for (auto& p : in_slots) {
    arrays.push_back(slot_get(cf.inputs, p));
    key_array(arrays.back(), cf.shapeless, key);
  }
  key += "|O" + std::to_string(state_slots(cf.outputs).size());

  auto it = cf.cache.find(key);
  if (it == cf.cache.end()) {
    CacheEntry e = trace(cf, args, kwargs, arrays, n_args, in_slots);
    it = cf.cache.emplace(key, std::move(e)).first;
  }
  CacheEntry& entry = it->second;
  std::vector<mx::array> results = mx::compile_replay(*entry.graph, arrays);
  std::vector<Path> out_slots = state_slots(cf.outputs);
  if (out_slots.size() + entry.n_out != results.size()) {
    throw std::runtime_error("[compile] The outputs state changed its structure during the call.");
  }
  for (size_t i = 0; i < out_slots.size(); ++i) slot_set(cf.outputs, out_slots[i], results[entry.n_out + i]);
  results.erase(results.begin() + entry.n_out, results.end());
  return tree_unflatten(entry.out_tree, results);
}

int compiled_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  auto* f = nb::inst_ptr<CompiledFunction>(self);
  Py_VISIT(f->fun.ptr());
  Py_VISIT(f->inputs.ptr());
  Py_VISIT(f->outputs.ptr());
  for (auto& [k, e] : f->cache) Py_VISIT(e.out_tree.ptr());
  return 0;
}

int compiled_clear(PyObject* self) {
  auto* f = nb::inst_ptr<CompiledFunction>(self);
  f->fun.reset();
  f->inputs.reset();
  f->outputs.reset();
  f->cache.clear();
  return 0;
}

PyType_Slot compiled_slots[] = {
    {Py_tp_traverse, reinterpret_cast<void*>(compiled_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(compiled_clear)},
    {0, nullptr}};

} // namespace

void init_compile(nb::module_& m) {
  nb::class_<CompiledFunction>(m, "_compiled_function", nb::type_slots(compiled_slots),
      "A function returned by compile: calls replay its traced graph.")
      .def("__call__", [](CompiledFunction& f, nb::args args, nb::kwargs kwargs) {
        return call_compiled(f, args, kwargs);
      }, "args"_a, "kwargs"_a, "Calls the compiled function.")
      .def("__getattr__", [](const CompiledFunction& f, const std::string& attr) -> nb::object {
        if (attr == "__name__") return nb::str(f.name.c_str());
        if (attr == "__wrapped__" && f.fun.is_valid()) return f.fun;
        throw nb::attribute_error(("'_compiled_function' object has no attribute '" + attr + "'").c_str());
      }, "name"_a, "The wrapped function's __name__ (and __wrapped__).");
  def_op(m,
      "compile",
      [](nb::object fun, nb::object inputs, nb::object outputs, bool shapeless) {
        if (!PyCallable_Check(fun.ptr())) {
          throw nb::type_error(mx::msg("[compile] Expected fun to be a callable, but got ", arg_type_name(fun), ".").c_str());
        }
        CompiledFunction f;
        nb::object name = nb::getattr(fun, "__name__", nb::none());
        f.name = nb::isinstance<nb::str>(name) ? nb::cast<std::string>(name) : "function";
        f.fun = std::move(fun);
        f.inputs = std::move(inputs);
        f.outputs = std::move(outputs);
        f.shapeless = shapeless;
        return f;
      },
      "fun"_a, "inputs"_a = nb::none(), "outputs"_a = nb::none(), "shapeless"_a = false,
      nb::sig("def compile(fun: Callable, inputs: object | None = None, outputs: object | None = None, "
              "shapeless: bool = False) -> Callable"),
      "Returns a compiled version of fun.\n"
      "\n"
      "The first call with a new argument signature (tree structure, array shapes and dtypes,\n"
      "values of non-array arguments) calls fun once on placeholder arrays and records its\n"
      "graph; later calls with the same signature replay that graph without calling fun.\n"
      "Chains of element-wise ops in the graph run as one fused pass over memory.\n"
      "\n"
      "Args:\n"
      "    fun (Callable): A function of arrays (trees of arrays and constants: ints, floats,\n"
      "        strings, None) returning a tree of arrays.\n"
      "    inputs (list or dict, optional): State the function reads implicitly (arrays in a\n"
      "        tree, an nn.Module's state, mx.random.state). Default: None.\n"
      "    outputs (list or dict, optional): State the function updates; its arrays are\n"
      "        replaced by the new values after every call. Default: None.\n"
      "    shapeless (bool, optional): Reuse one trace for every input shape of the same\n"
      "        rank and dtype (shapes are inferred again on each call). Default: False.\n"
      "\n"
      "Returns:\n"
      "    Callable: The compiled function.\n"
      "\n"
      "Example:\n"
      "    >>> f = mx.compile(lambda x: mx.maximum(x * 2 + 1, 0))\n"
      "    >>> f(mx.array([1.0, -3.0]))  # array([3, 0])\n");
  m.def("_compile_stats", [] {
        nb::dict d;
        d["fused_kernels"] = mx::fused_kernel_count();
        return d;
      },
      "Internal counters of compile: ``fused_kernels`` is how many fused element-wise kernels\n"
      "have run in this process (tests use it to see that a chain ran as one kernel).");
  m.def("disable_compile", &mx::disable_compile,
        "Turns compilation off globally: compiled functions call the plain function.\n\n"
        "The environment variable ``MLX_DISABLE_COMPILE`` (set to anything) does the same at\n"
        "start.");
  m.def("enable_compile", &mx::enable_compile,
        "Turns compilation back on globally (undoes disable_compile or MLX_DISABLE_COMPILE).");
}
