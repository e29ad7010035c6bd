// Function transforms (see transforms.h). Each wraps a Python function as an engine
// VectorFn: the array leaves of the (pytree) arguments are flattened into one vector, and
// the engine calls back a lambda that rebuilds the arguments, calls the Python function
// (in this thread, GIL held) and flattens its output.
#include "python/src/transforms.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "mlx_core/errors.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/transforms/autodiff.h"
#include "mlx_core/transforms/eval.h"
#include "mlx_core/transforms/vmap.h"
#include "mlx_core/utils.h"
#include "python/src/common.h"
#include "python/src/eval_util.h"
#include "python/src/trees.h"

using namespace nb::literals;

namespace {


using mx::shape_str;



nb::str function_name(nb::handle fun) {
  nb::object name = nb::getattr(fun, "__name__", nb::none());
  if (name.is_none() || !nb::isinstance<nb::str>(name)) {
    return nb::str("function");
  }
  return nb::borrow<nb::str>(name);
}

// Checks that outputs and cotangents agree, as vjp does (messages as MLX's).
void check_cotangents(const std::vector<mx::array>& outs, const std::vector<mx::array>& cots) {
  if (cots.size() < outs.size()) {
    throw std::invalid_argument(mx::msg(
        "[vjp] Number of outputs to compute gradients for (", outs.size(),
        ") does not match number of cotangents (", cots.size(), ")."));
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    if (outs[i].shape() != cots[i].shape()) {
      std::string m = mx::msg(
          "[vjp] Output shape ", shape_str(outs[i].shape()), " does not match cotangent shape ",
          shape_str(cots[i].shape()), ".");
      if (outs[i].size() == 1) {
        m += " If you are using grad your function must return a scalar.";
      }
      throw std::invalid_argument(m);
    }
  }
}

// ---- eval ------------------------------------------------------------------------------

void eval_trees(const nb::args& args) {
  std::vector<mx::array> arrays = tree_flatten(args, false);
  bool done = true;
  for (auto& a : arrays) done = done && a.is_available();
  if (done) return;
  if (arrays.size() == 1 && mx::eval_inline_if_small(arrays[0], kEvalHoldingGil)) return;
  nb::gil_scoped_release nogil;
  mx::eval(std::move(arrays));
}

void async_eval_trees(const nb::args& args) {
  std::vector<mx::array> arrays = tree_flatten(args, false);
  nb::gil_scoped_release nogil;
  mx::async_eval(std::move(arrays));
}

// ---- grad / value_and_grad -------------------------------------------------------------

struct GradSpec {
  std::vector<int> argnums;
  bool single = true; // one positional gradient comes back bare, not in a tuple
  std::vector<std::string> argnames;
};

// `tree` with its Python float and complex leaves replaced by float32 / complex64 0-d
// arrays; `tree` itself when it has none (so the caller's containers are kept).
nb::object python_numbers_to_arrays(nb::handle tree) {
  bool found = false;
  tree_visit(tree, [&](nb::handle leaf) {
    found = found || PyFloat_Check(leaf.ptr()) || PyComplex_Check(leaf.ptr());
  });
  if (!found) return nb::borrow(tree);
  return tree_map(tree, [](nb::handle leaf) -> nb::object {
    if (PyFloat_Check(leaf.ptr())) {
      return nb::cast(mx::array(static_cast<float>(PyFloat_AsDouble(leaf.ptr()))));
    }
    if (PyComplex_Check(leaf.ptr())) {
      Py_complex c = PyComplex_AsCComplex(leaf.ptr());
      return nb::cast(mx::array(mx::complex64_t{static_cast<float>(c.real), static_cast<float>(c.imag)}));
    }
    return nb::borrow(leaf);
  });
}

GradSpec make_grad_spec(const std::optional<IntOrVec>& argnums, const StrOrVec& argnames, const char* name) {
  GradSpec spec;
  if (std::holds_alternative<std::string>(argnames)) {
    spec.argnames.push_back(std::get<std::string>(argnames));
  } else {
    for (auto& n : std::get<std::vector<std::string>>(argnames)) {
      if (std::find(spec.argnames.begin(), spec.argnames.end(), n) == spec.argnames.end()) {
        spec.argnames.push_back(n);
      }
    }
  }
  if (!argnums.has_value()) {
    if (spec.argnames.empty()) {
      spec.argnums = {0};
    }
  } else if (std::holds_alternative<int>(*argnums)) {
    spec.argnums = {std::get<int>(*argnums)};
  } else {
    spec.argnums = std::get<std::vector<int>>(*argnums);
    spec.single = spec.argnums.size() == 1;
  }
  for (size_t i = 0; i < spec.argnums.size(); ++i) {
    int a = spec.argnums[i];
    if (a < 0) {
      throw std::invalid_argument(mx::msg(
          "[", name, "] Can't compute the gradient of negative argument index ", a));
    }
    for (size_t j = 0; j < i; ++j) {
      if (spec.argnums[j] == a) {
        throw std::invalid_argument(
            mx::msg("[", name, "] Duplicate argument index ", a, " is not allowed."));
      }
    }
  }
  if (spec.argnums.empty() && spec.argnames.empty()) {
    throw std::invalid_argument(mx::msg("[", name, "] Gradient wrt no argument requested"));
  }
  return spec;
}

// Returns (value, gradients) as Python objects.
std::pair<nb::object, nb::object> call_value_and_grad(
    const nb::callable& fun,
    const GradSpec& spec,
    bool scalar_only,
    const char* name,
    const nb::args& caller_args,
    const nb::kwargs& caller_kwargs) {
  // Python floats (and complex numbers) among the differentiated arguments become 0-d
  // arrays, so that mx.grad(f)(3.0) works as in JAX (the reference raises).
  nb::list args;
  for (nb::handle h : caller_args) args.append(h);
  nb::dict kwargs;
  for (auto [k, v] : caller_kwargs) kwargs[k] = v;
  for (int a : spec.argnums) {
    if (static_cast<size_t>(a) < args.size()) args[a] = python_numbers_to_arrays(args[a]);
  }
  for (auto& n : spec.argnames) {
    if (kwargs.contains(n.c_str())) {
      kwargs[n.c_str()] = python_numbers_to_arrays(kwargs[n.c_str()]);
    }
  }
  size_t nargs = args.size();
  for (int a : spec.argnums) {
    if (static_cast<size_t>(a) >= nargs) {
      throw std::invalid_argument(mx::msg(
          "[", name, "] Can't compute the gradient of argument index ", a,
          " because the function is called with only ", nargs, " positional arguments."));
    }
  }
  for (auto& n : spec.argnames) {
    if (!kwargs.contains(n.c_str())) {
      std::string keys = "{";
      for (auto [k, v] : kwargs) {
        keys += nb::cast<std::string>(nb::str(k)) + ",";
      }
      keys += "}";
      throw std::invalid_argument(mx::msg(
          "[", name, "] Can't compute the gradient of keyword argument '", n,
          "' because the function is called with the following keyword arguments ", keys));
    }
  }

  // The structure of the differentiated arguments as they are now (the gradients follow
  // it, whatever the function does to the containers).
  std::vector<mx::array> inputs;
  std::vector<nb::object> structure;
  for (int a : spec.argnums) {
    auto leaves = tree_flatten(args[a], true);
    inputs.insert(inputs.end(), leaves.begin(), leaves.end());
    structure.push_back(tree_map(args[a], [](nb::handle h) { return nb::borrow(h); }));
  }
  for (auto& n : spec.argnames) {
    auto leaves = tree_flatten(kwargs[n.c_str()], true);
    inputs.insert(inputs.end(), leaves.begin(), leaves.end());
    structure.push_back(tree_map(kwargs[n.c_str()], [](nb::handle h) { return nb::borrow(h); }));
  }

  nb::object py_out;
  auto vfun = [&](const std::vector<mx::array>& xs) -> std::vector<mx::array> {
    // The function gets the caller's own lists and dicts with the tracers in place of
    // the arrays; what it does to them stays, and the leaves it left alone go back.
    LeafSwap swap;
    nb::list new_args;
    for (nb::handle h : args) {
      new_args.append(h);
    }
    nb::dict new_kwargs;
    for (auto [k, v] : kwargs) {
      new_kwargs[k] = v;
    }
    struct Restore {
      LeafSwap& swap;
      std::vector<nb::object> trees;
      ~Restore() {
        // Also on an exception from the function; keep the pending Python error intact.
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        try {
          for (auto& t : trees) swap.restore(t);
        } catch (...) {
        }
        PyErr_Restore(type, value, tb);
      }
    } restore{swap, {}};
    size_t index = 0;
    for (int a : spec.argnums) {
      restore.trees.push_back(args[a]);
      new_args[a] = swap.fill(args[a], xs, index);
    }
    for (auto& n : spec.argnames) {
      restore.trees.push_back(kwargs[n.c_str()]);
      new_kwargs[n.c_str()] = swap.fill(kwargs[n.c_str()], xs, index);
    }
    py_out = fun(*nb::tuple(new_args), **new_kwargs);

    std::vector<mx::array> outs;
    if (nb::isinstance<mx::array>(py_out)) {
      outs.push_back(nb::cast<mx::array>(py_out));
    } else if (scalar_only) {
      throw std::invalid_argument(mx::msg(
          "[", name, "] The return value of the function whose gradient we want to compute "
          "should be a scalar array; but ", value_type_name(py_out), " was returned."));
    } else if (!nb::isinstance<nb::tuple>(py_out)) {
      throw std::invalid_argument(mx::msg(
          "[", name, "] The return value of the function whose gradient we want to compute "
          "should be either a scalar array or a tuple with the first value being a scalar "
          "array (Union[array, tuple[array, Any, ...]]); but ", value_type_name(py_out),
          " was returned."));
    } else {
      nb::tuple t = nb::borrow<nb::tuple>(py_out);
      if (t.size() == 0) {
        throw std::invalid_argument(mx::msg(
            "[", name, "] The return value of the function whose gradient we want to compute "
            "should be either a scalar array or a non-empty tuple. The first value should be a "
            "scalar array and the rest can be anything. Instead, we got an empty tuple."));
      }
      if (!nb::isinstance<mx::array>(t[0])) {
        throw std::invalid_argument(mx::msg(
            "[", name, "] The return value of the function whose gradient we want to compute "
            "should be either a scalar array or a tuple with the first value being a scalar "
            "array (Union[array, tuple[array, Any, ...]]); but it was a tuple with the first "
            "value being of type ", value_type_name(t[0]), " ."));
      }
      outs = tree_flatten(py_out, false);
    }
    if (outs[0].ndim() != 0) {
      check_cotangents({outs[0]}, {mx::array(1.0f)});
    }
    return outs;
  };

  std::vector<int> flat_argnums(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    flat_argnums[i] = static_cast<int>(i);
  }
  std::vector<mx::array> values, grads;
  if (inputs.empty()) {
    // As the reference, for value_and_grad too: the differentiated arguments hold no array.
    throw std::invalid_argument("[grad] Must specify at least one argument.");
  }
  std::tie(values, grads) = mx::value_and_grad(vfun, inputs, flat_argnums);

  nb::object value = nb::isinstance<mx::array>(py_out) ? nb::cast(values.at(0))
                                                       : tree_unflatten(py_out, values);
  size_t index = 0, k = 0;
  nb::object positional = nb::none();
  if (!spec.argnums.empty()) {
    nb::list gs;
    for (size_t i = 0; i < spec.argnums.size(); ++i) {
      gs.append(tree_unflatten(structure[k++], grads, index));
    }
    positional = spec.single ? nb::object(gs[0]) : nb::object(nb::tuple(gs));
  }
  if (spec.argnames.empty()) {
    return {value, positional};
  }
  nb::dict kw;
  for (auto& n : spec.argnames) {
    kw[n.c_str()] = tree_unflatten(structure[k++], grads, index);
  }
  return {value, nb::make_tuple(positional, kw)};
}

// ---- the functions the transforms return -----------------------------------------------

// What grad, value_and_grad and vmap return: a callable Python object that holds the wrapped
// function (and vmap's axes) where the garbage collector sees them, so that a cycle through
// it (d["f"] = mx.grad(f) with f referring to d; nn.Module's value_and_grad of its own
// methods) is collected. The C++ part holds no Python object.
struct GcFunc {
  nb::object fun;   // the wrapped function
  nb::object extra; // other Python state the call needs (vmap's axes), or null
  std::string name;
  std::function<nb::object(const GcFunc&, nb::args, nb::kwargs)> impl;
};

int gc_func_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  GcFunc* f = nb::inst_ptr<GcFunc>(self);
  Py_VISIT(f->fun.ptr());
  Py_VISIT(f->extra.ptr());
  return 0;
}

int gc_func_clear(PyObject* self) {
  GcFunc* f = nb::inst_ptr<GcFunc>(self);
  f->fun.reset();
  f->extra.reset();
  return 0;
}

PyType_Slot gc_func_slots[] = {
    {Py_tp_traverse, reinterpret_cast<void*>(gc_func_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(gc_func_clear)},
    {0, nullptr}};

nb::object make_gc_func(nb::callable fun, nb::object extra,
                        std::function<nb::object(const GcFunc&, nb::args, nb::kwargs)> impl) {
  std::string name = nb::cast<std::string>(function_name(fun));
  return nb::cast(GcFunc{std::move(fun), std::move(extra), std::move(name), std::move(impl)});
}

nb::object make_grad_function(
    nb::callable fun,
    std::optional<IntOrVec> argnums,
    StrOrVec argnames,
    bool with_value) {
  const char* name = with_value ? "value_and_grad" : "grad";
  auto spec = std::make_shared<GradSpec>(make_grad_spec(argnums, argnames, name));
  if (with_value) {
    return make_gc_func(fun, nb::object(), [spec](const GcFunc& f, nb::args args, nb::kwargs kwargs) {
      auto [value, grads] = call_value_and_grad(nb::borrow<nb::callable>(f.fun), *spec, false, "value_and_grad",
                                                args, kwargs);
      return nb::object(nb::make_tuple(value, grads));
    });
  }
  return make_gc_func(fun, nb::object(), [spec](const GcFunc& f, nb::args args, nb::kwargs kwargs) {
    return call_value_and_grad(nb::borrow<nb::callable>(f.fun), *spec, true, "grad", args, kwargs).second;
  });
}

// ---- vjp / jvp -------------------------------------------------------------------------

std::vector<mx::array> outputs_as_arrays(nb::handle out, const char* name) {
  if (nb::isinstance<mx::array>(out)) {
    return {nb::cast<mx::array>(out)};
  }
  if (nb::isinstance<nb::list>(out) || nb::isinstance<nb::tuple>(out)) {
    std::vector<mx::array> outs;
    for (nb::handle h : out) {
      if (!nb::isinstance<mx::array>(h)) {
        throw std::invalid_argument(mx::msg(
            "[", name, "] The function must return an array or a list/tuple of arrays; got a "
            "sequence holding ", value_type_name(h), "."));
      }
      outs.push_back(nb::cast<mx::array>(h));
    }
    return outs;
  }
  throw std::invalid_argument(mx::msg(
      "[", name, "] The function must return an array or a list/tuple of arrays; got ",
      value_type_name(out), "."));
}

mx::VectorFn wrap_simple(const nb::callable& fun, const char* name) {
  return [fun, name](const std::vector<mx::array>& xs) {
    nb::list args;
    for (auto& x : xs) {
      args.append(nb::cast(x));
    }
    nb::object out = fun(*nb::tuple(args));
    return outputs_as_arrays(out, name);
  };
}

std::pair<std::vector<mx::array>, std::vector<mx::array>> py_vjp(
    nb::callable fun,
    std::vector<mx::array> primals,
    std::vector<mx::array> cotangents) {
  mx::VectorFn inner = wrap_simple(fun, "vjp");
  mx::VectorFn checked = [inner, &cotangents](const std::vector<mx::array>& xs) {
    auto outs = inner(xs);
    check_cotangents(outs, cotangents);
    return outs;
  };
  return mx::vjp(checked, primals, cotangents);
}

std::pair<std::vector<mx::array>, std::vector<mx::array>> py_jvp(
    nb::callable fun,
    std::vector<mx::array> primals,
    std::vector<mx::array> tangents) {
  if (primals.size() != tangents.size()) {
    throw std::invalid_argument("[jvp] Number of inputs does not match number of tangents.");
  }
  for (size_t i = 0; i < primals.size(); ++i) {
    if (primals[i].shape() != tangents[i].shape()) {
      throw std::invalid_argument("[jvp] Input shape does not match shape of tangent.");
    }
  }
  return mx::jvp(wrap_simple(fun, "jvp"), primals, tangents);
}

// ---- vmap ------------------------------------------------------------------------------

// An axis leaf of in_axes/out_axes: a Python int (bools count, as in the reference), or
// None (nullopt) where allowed. Ints beyond 64 bits saturate (they are out of range
// for any array and raise IndexError where they are checked).
std::optional<int64_t> axis_leaf(nb::handle h, bool allow_none) {
  if (h.is_none() && allow_none) {
    return std::nullopt;
  }
  if (PyLong_Check(h.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow != 0) {
      return overflow > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
    }
    return static_cast<int64_t>(v);
  }
  throw std::invalid_argument(allow_none ? "[vmap] axis must be int or None."
                                         : "[vmap] Output axis must be an int.");
}

// One axis per array leaf of `tree`, following the axes spec (an int, or a prefix tree).
// A tree that is one array also takes a one-element tuple (in_axes=(0,)), as in the reference.
std::vector<std::optional<int64_t>> leaf_axes(nb::handle tree, nb::handle spec, bool allow_none) {
  std::vector<std::optional<int64_t>> axes;
  if (nb::isinstance<mx::array>(tree) && tree_is_node(spec)) {
    if (!nb::isinstance<nb::tuple>(spec) || nb::len(spec) != 1) {
      throw std::invalid_argument(allow_none ? "[vmap] axis must be int or None." : "[vmap] Output axis must be an int.");
    }
    return {axis_leaf(nb::borrow<nb::tuple>(spec)[0], allow_none)};
  }
  if (!tree_is_node(spec)) {
    std::optional<int64_t> ax = axis_leaf(spec, allow_none);
    tree_visit(tree, [&](nb::handle) { axes.push_back(ax); });
    return axes;
  }
  tree_map(
      std::vector<nb::object>{nb::borrow(tree), nb::borrow(spec)},
      [&](const std::vector<nb::object>& leaves) {
        std::optional<int64_t> ax = axis_leaf(leaves[1], allow_none);
        tree_visit(leaves[0], [&](nb::handle) { axes.push_back(ax); });
        return nb::none();
      });
  return axes;
}

nb::object call_vmap(
    const nb::callable& fun,
    const nb::object& in_axes,
    const nb::object& out_axes,
    const nb::args& args,
    const nb::kwargs& kwargs) {
  if (kwargs.size() > 0) {
    throw nb::type_error("[vmap] Keyword arguments are not supported.");
  }
  std::vector<mx::array> inputs = tree_flatten(args, true);
  // With one positional argument in_axes describes that argument itself (a dict of axes for
  // a dict argument, a list for a list); with several, the tuple of them (the reference's rule).
  nb::object tree = args.size() == 1 ? nb::object(args[0]) : nb::object(args);
  auto axes = leaf_axes(tree, in_axes, true);

  std::vector<int> flat_axes;
  int axis_size = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!axes[i]) {
      flat_axes.push_back(-1);
      continue;
    }
    int64_t ax = *axes[i];
    int64_t nd = inputs[i].ndim();
    auto norm = mx::axis_in_range(ax, nd);
    if (!norm) {
      throw std::out_of_range(mx::msg(
          "[vmap] Invalid vectorization axis ", ax, " for array with shape ",
          shape_str(inputs[i].shape())));
    }
    int size = inputs[i].shape()[*norm];
    if (axis_size >= 0 && size != axis_size) {
      throw std::invalid_argument(
          mx::msg("[vmap] Inconsistent axis sizes: ", axis_size, " and ", size, "."));
    }
    axis_size = size;
    flat_axes.push_back(*norm);
  }
  if (axis_size < 0) {
    throw std::invalid_argument("At least one of in_axes must be non-None.");
  }

  nb::object py_out;
  mx::VectorFn vfun = [&](const std::vector<mx::array>& xs) {
    nb::object new_args = tree_unflatten(args, xs);
    py_out = fun(*new_args);
    return tree_flatten(py_out, true);
  };
  // Every mapped output comes out with the mapped axis first; it is moved to its out
  // axis below, once the output structure is known.
  std::vector<mx::array> outs = mx::vmap(vfun, flat_axes, {})(inputs);

  // Output axes: an int, or a prefix tree of the output (a one-element sequence also
  // works for a single array output).
  nb::object out_spec = out_axes;
  if (nb::isinstance<mx::array>(py_out) && nb::isinstance<nb::list>(out_spec) && nb::len(out_spec) == 1) {
    out_spec = out_spec[0];
  }
  auto oaxes = leaf_axes(py_out, out_spec, false);
  for (size_t i = 0; i < outs.size(); ++i) {
    int64_t ax = *oaxes[i];
    int64_t nd = outs[i].ndim();
    auto norm = mx::axis_in_range(ax, nd);
    if (!norm) {
      mx::Shape inner(outs[i].shape().begin() + std::min<int64_t>(nd, 1), outs[i].shape().end());
      throw std::out_of_range(mx::msg(
          "[vmap] Invalid output vectorization axis ", ax, " for array with shape ",
          shape_str(inner)));
    }
    if (*norm != 0) {
      outs[i] = mx::moveaxis(outs[i], 0, *norm);
    }
  }
  return tree_unflatten(py_out, outs);
}

nb::object make_vmap_function(nb::callable fun, nb::object in_axes, nb::object out_axes) {
  if (in_axes.is_none() || out_axes.is_none()) {
    throw nb::type_error("vmap(): in_axes and out_axes must be an int or a tuple, not None.");
  }
  return make_gc_func(fun, nb::make_tuple(in_axes, out_axes), [](const GcFunc& f, nb::args args, nb::kwargs kwargs) {
    nb::object in_axes = nb::borrow(PyTuple_GET_ITEM(f.extra.ptr(), 0));
    nb::object out_axes = nb::borrow(PyTuple_GET_ITEM(f.extra.ptr(), 1));
    return call_vmap(nb::borrow<nb::callable>(f.fun), in_axes, out_axes, args, kwargs);
  });
}

} // namespace

void init_transforms(nb::module_& m) {
  nb::class_<GcFunc>(m, "_gc_func", nb::type_slots(gc_func_slots),
      "A function returned by grad, value_and_grad or vmap (visible to the garbage collector).")
      .def("__call__", [](const GcFunc& f, nb::args args, nb::kwargs kwargs) {
        if (!f.fun.is_valid()) throw std::runtime_error("[transform] The wrapped function was cleared.");
        return f.impl(f, args, kwargs);
      }, "args"_a, "kwargs"_a, "Calls the transformed function.")
      .def("__getattr__", [](const GcFunc& f, const std::string& attr) -> nb::object {
        // Only reached for names the class lacks: __name__ is the wrapped function's.
        if (attr == "__name__") return nb::str(f.name.c_str());
        throw nb::attribute_error(("'_gc_func' object has no attribute '" + attr + "'").c_str());
      }, "name"_a, "The wrapped function's __name__.");
  m.def(
      "eval",
      [](nb::args args) { eval_trees(args); },
      nb::arg("args"),
"Evaluates arrays: computes their values now and waits for them.\n"
      "\n"
      "Arrays are lazy: ops record a graph, and eval runs it. Printing, item(), tolist()\n"
      "and exports evaluate implicitly.\n"
      "\n"
      "Args:\n"
      "    *args (array or tree of arrays): The arrays to evaluate; lists, tuples and dicts\n"
      "        are walked, and leaves that are not arrays are ignored.\n"
      "\n"
      "Example:\n"
      "    >>> x = mx.ones(3) * 2\n"
      "    >>> mx.eval(x)  # x is now computed\n");
  m.def(
      "async_eval",
      [](nb::args args) { async_eval_trees(args); },
      nb::arg("args"),
"Schedules the evaluation of arrays and returns at once.\n"
      "\n"
      "The work runs on the arrays' streams; eval, item(), printing and exports wait for\n"
      "the results. Use it to overlap building the next graph with computing this one.\n"
      "\n"
      "Args:\n"
      "    *args (array or tree of arrays): The arrays to evaluate; other leaves are ignored.\n");
  def_op(m,
      "grad",
      [](nb::callable fun, std::optional<IntOrVec> argnums, StrOrVec argnames) {
        return make_grad_function(fun, argnums, argnames, false);
      },
      nb::arg("fun"),
      nb::arg("argnums") = nb::none(),
      nb::arg("argnames") = std::vector<std::string>{},
      nb::sig("def grad(fun: Callable, argnums: int | Sequence[int] | None = None, "
              "argnames: str | Sequence[str] = []) -> Callable"),
"Returns a function that computes the gradient of fun.\n"
      "\n"
      "Args:\n"
      "    fun (Callable): A function of arrays (or trees of arrays) returning a scalar array.\n"
      "    argnums (int or Sequence[int], optional): The positional arguments to differentiate\n"
      "        with respect to. Default: None, meaning 0 unless argnames is given.\n"
      "    argnames (str or Sequence[str], optional): Keyword arguments to differentiate with\n"
      "        respect to. Default: [].\n"
      "\n"
      "Returns:\n"
      "    Callable: A function with fun's arguments returning the gradients: one per argnums\n"
      "    entry (a tuple when argnums is a sequence), each shaped like its argument; with\n"
      "    argnames, a pair (positional gradients, dict of keyword gradients).\n"
      "\n"
      "Example:\n"
      "    >>> mx.grad(lambda x: (x * x).sum())(mx.array([1.0, 2.0]))  # array([2, 4])\n");
  def_op(m,
      "value_and_grad",
      [](nb::callable fun, std::optional<IntOrVec> argnums, StrOrVec argnames) {
        return make_grad_function(fun, argnums, argnames, true);
      },
      nb::arg("fun"),
      nb::arg("argnums") = nb::none(),
      nb::arg("argnames") = std::vector<std::string>{},
      nb::sig("def value_and_grad(fun: Callable, argnums: int | Sequence[int] | None = None, "
              "argnames: str | Sequence[str] = []) -> Callable"),
"Returns a function that computes both the value and the gradient of fun.\n"
      "\n"
      "Args:\n"
      "    fun (Callable): A function returning a scalar array, or a tuple whose first element\n"
      "        is a scalar array (the rest is returned as it is, not differentiated).\n"
      "    argnums (int or Sequence[int], optional): The positional arguments to differentiate\n"
      "        with respect to. Default: None, meaning 0 unless argnames is given.\n"
      "    argnames (str or Sequence[str], optional): Keyword arguments to differentiate with\n"
      "        respect to. Default: [].\n"
      "\n"
      "Returns:\n"
      "    Callable: A function returning (value, gradients), the gradients as grad gives them.\n"
      "\n"
      "Example:\n"
      "    >>> loss, g = mx.value_and_grad(lambda w: (w ** 2).sum())(mx.array([3.0]))\n");
  def_op(m,
      "vjp",
      &py_vjp,
      nb::arg("fun"),
      nb::arg("primals"),
      nb::arg("cotangents"),
      nb::sig("def vjp(fun: Callable, primals: list[array], cotangents: list[array]) -> "
              "tuple[list[array], list[array]]"),
"Computes fun(*primals) and the vector-Jacobian products with cotangents.\n"
      "\n"
      "Args:\n"
      "    fun (Callable): A function of arrays returning an array or a list/tuple of arrays.\n"
      "    primals (list[array]): The points at which to evaluate fun.\n"
      "    cotangents (list[array]): One cotangent per output of fun, shaped like it.\n"
      "\n"
      "Returns:\n"
      "    tuple[list[array], list[array]]: The outputs of fun and the products, one per\n"
      "    primal, shaped like it.\n"
      "\n"
      "Example:\n"
      "    >>> outs, vjps = mx.vjp(mx.sin, [mx.array(0.0)], [mx.array(1.0)])  # vjps [1.0]\n");
  def_op(m,
      "jvp",
      &py_jvp,
      nb::arg("fun"),
      nb::arg("primals"),
      nb::arg("tangents"),
      nb::sig("def jvp(fun: Callable, primals: list[array], tangents: list[array]) -> "
              "tuple[list[array], list[array]]"),
"Computes fun(*primals) and the Jacobian-vector products with tangents.\n"
      "\n"
      "Args:\n"
      "    fun (Callable): A function of arrays returning an array or a list/tuple of arrays.\n"
      "    primals (list[array]): The points at which to evaluate fun.\n"
      "    tangents (list[array]): One tangent per primal, shaped like it.\n"
      "\n"
      "Returns:\n"
      "    tuple[list[array], list[array]]: The outputs of fun and the products, one per\n"
      "    output, shaped like it.\n"
      "\n"
      "Example:\n"
      "    >>> outs, jvps = mx.jvp(mx.exp, [mx.array(0.0)], [mx.array(2.0)])  # jvps [2.0]\n");
  def_op(m,
      "vmap",
      &make_vmap_function,
      nb::arg("fun"),
      nb::arg("in_axes") = 0,
      nb::arg("out_axes") = 0,
      nb::sig("def vmap(fun: Callable, in_axes: object = 0, out_axes: object = 0) -> Callable"),
"Returns a vectorized version of fun that maps it over an axis of its inputs.\n"
      "\n"
      "Args:\n"
      "    fun (Callable): A function of arrays (or trees of arrays).\n"
      "    in_axes (int, None or tree, optional): The axis of each input to map over; None\n"
      "        leaves an input unmapped. A tree matching the arguments sets it per input.\n"
      "        Default: 0.\n"
      "    out_axes (int, None or tree, optional): Where the mapped axis goes in each output.\n"
      "        Default: 0.\n"
      "\n"
      "Returns:\n"
      "    Callable: A function with fun's arguments computing fun for every index along\n"
      "    the mapped axes at once.\n"
      "\n"
      "Example:\n"
      "    >>> mx.vmap(lambda x: x.sum())(mx.ones((4, 3)))  # array([3, 3, 3, 3])\n");
}
