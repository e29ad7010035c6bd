// mx.custom_function (user vjp/jvp/vmap rules for a Python function) and mx.checkpoint.
#include <memory>

#include <nanobind/stl/string.h>

#include "mlx_core/transforms/custom.h"
#include "python/src/common.h"
#include "python/src/trees.h"

using namespace nb::literals;

namespace {

// Python objects that engine closures hold. The closures live in graph nodes, which may be
// dropped on a stream's worker thread: the objects are released with the GIL taken.
struct PyHeld {
  nb::object fun, vjp, jvp, vmap; // the function and its rules (null when not given)
  nb::object args, kwargs;        // the call's arguments (array leaves are the primals)
  nb::object out_tree;            // the structure of the function's result
  PyHeld() = default;
  PyHeld(const PyHeld&) = default;
  ~PyHeld() {
    if (!Py_IsInitialized()) {
      for (nb::object* o : {&fun, &vjp, &jvp, &vmap, &args, &kwargs, &out_tree}) o->release();
      return;
    }
    nb::gil_scoped_acquire gil;
    for (nb::object* o : {&fun, &vjp, &jvp, &vmap, &args, &kwargs, &out_tree}) o->reset();
  }
};

nb::object call_with_kwargs(const nb::object& fn, nb::handle positional, const nb::object& kwargs) {
  PyObject* r = PyObject_Call(fn.ptr(), positional.ptr(), kwargs.ptr());
  if (!r) throw nb::python_error();
  return nb::steal(r);
}

// The primals as the rules receive them: the single positional argument, or a tuple.
nb::object primals_object(const PyHeld& h, const std::vector<mx::array>& values) {
  size_t i = 0;
  nb::object rebuilt = tree_unflatten(h.args, values, i);
  nb::tuple t = nb::borrow<nb::tuple>(rebuilt);
  return t.size() == 1 ? nb::object(t[0]) : nb::object(t);
}

std::vector<mx::array> flatten_result(nb::handle r) { return tree_flatten(r, false); }

class CustomFunction {
 public:
  explicit CustomFunction(nb::callable f) { rules_.fun = f; }

  nb::object call(nb::args args, nb::kwargs kwargs) const {
    if (cleared()) throw std::runtime_error("[custom_function] The wrapped function was cleared.");
    auto held = std::make_shared<PyHeld>(rules_);
    held->args = nb::tuple(args);
    held->kwargs = nb::dict(kwargs);
    std::vector<mx::array> primals = tree_flatten(held->args, false);
    // Closures hold a weak reference: the node holds `held` through `fun` below.
    std::weak_ptr<PyHeld> weak = held;
    mx::VectorFn fun = [held](const std::vector<mx::array>& values) {
      size_t i = 0;
      nb::object a = tree_unflatten(held->args, values, i);
      nb::object r = call_with_kwargs(held->fun, a, held->kwargs);
      held->out_tree = r;
      return flatten_result(r);
    };
    mx::CustomRules rules;
    if (rules_.vjp.is_valid()) {
      rules.vjp = [weak](const std::vector<mx::array>& p, const std::vector<mx::array>& cots,
                         const std::vector<mx::array>& outs) {
        auto h = weak.lock();
        size_t i = 0, j = 0;
        nb::object c = tree_unflatten(h->out_tree, cots, i);
        nb::object o = tree_unflatten(h->out_tree, outs, j);
        nb::object r = call_with_kwargs(h->vjp, nb::make_tuple(primals_object(*h, p), c, o), h->kwargs);
        return flatten_result(r);
      };
    }
    if (rules_.jvp.is_valid()) {
      rules.jvp = [weak](const std::vector<mx::array>& p, const std::vector<mx::array>& tans) {
        auto h = weak.lock();
        nb::object r = call_with_kwargs(
            h->jvp, nb::make_tuple(primals_object(*h, p), primals_object(*h, tans)), h->kwargs);
        return flatten_result(r);
      };
    }
    if (rules_.vmap.is_valid()) {
      rules.vmap = [weak](const std::vector<mx::array>& p, const std::vector<int>& axes) {
        auto h = weak.lock();
        size_t k = 0;
        nb::object axes_tree = tree_map(h->args, [&](nb::handle leaf) -> nb::object {
          if (!nb::isinstance<mx::array>(leaf)) return nb::none();
          int ax = axes[k++];
          return ax < 0 ? nb::none() : nb::object(nb::int_(ax));
        });
        nb::tuple at = nb::borrow<nb::tuple>(axes_tree);
        nb::object axes_obj = at.size() == 1 ? nb::object(at[0]) : nb::object(at);
        nb::object r = call_with_kwargs(h->vmap, nb::make_tuple(primals_object(*h, p), axes_obj), h->kwargs);
        if (!nb::isinstance<nb::tuple>(r) || nb::len(r) != 2) {
          throw std::invalid_argument("[custom_function] The vmap function must return (outputs, axes).");
        }
        std::vector<mx::array> outs = flatten_result(r[0]);
        std::vector<int> out_axes;
        tree_visit(r[1], [&](nb::handle leaf) {
          out_axes.push_back(leaf.is_none() ? -1 : nb::cast<int>(leaf));
        });
        if (out_axes.size() == 1 && outs.size() > 1) out_axes.assign(outs.size(), out_axes[0]);
        return std::make_pair(outs, out_axes);
      };
    }
    auto outs = mx::custom_function(fun, primals, std::move(rules));
    size_t i = 0;
    return tree_unflatten(held->out_tree, outs, i);
  }

  // A custom_function with one rule replaced (the decorators set it here too).
  CustomFunction with_rule(nb::object PyHeld::*rule, nb::callable f) {
    rules_.*rule = f;
    return *this;
  }

  // The garbage collector's view of the function and its rules (see the type slots below).
  int traverse(visitproc visit, void* arg) const {
    for (const nb::object* o : {&rules_.fun, &rules_.vjp, &rules_.jvp, &rules_.vmap}) Py_VISIT(o->ptr());
    return 0;
  }
  void clear() {
    for (nb::object* o : {&rules_.fun, &rules_.vjp, &rules_.jvp, &rules_.vmap}) o->reset();
  }
  bool cleared() const { return !rules_.fun.is_valid(); }

 private:
  PyHeld rules_;
};

// custom_function and checkpoint objects take part in garbage collection: a cycle through
// the function they wrap (a closure that refers back to where the object is kept) is
// collected.
int custom_function_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  return nb::inst_ptr<CustomFunction>(self)->traverse(visit, arg);
}

int custom_function_clear(PyObject* self) {
  nb::inst_ptr<CustomFunction>(self)->clear();
  return 0;
}

PyType_Slot custom_function_slots[] = {
    {Py_tp_traverse, reinterpret_cast<void*>(custom_function_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(custom_function_clear)},
    {0, nullptr}};

} // namespace

void init_custom_function(nb::module_& m) {
  nb::class_<CustomFunction>(m, "custom_function", nb::type_slots(custom_function_slots),
      "custom_function(f: Callable)\n\n"
      "Wraps f so that function transforms may use user-given rules.\n\n"
      "The instance is called like f. Under ``grad``/``vjp``, ``jvp`` and ``vmap`` the rules\n"
      "registered with the decorators :meth:`vjp`, :meth:`jvp` and :meth:`vmap` replace the\n"
      "transform of f; a rule not given falls back to the transform of f. Arrays f captures\n"
      "instead of receiving them are constants to the transforms (no gradient flows to them).\n\n"
      "Args:\n"
      "    f (Callable): the function; its positional arguments are trees of arrays (array\n"
      "        leaves are the primals; other leaves pass through); keyword arguments are\n"
      "        constants passed on to f and to the rules.\n\n"
      "Example::\n\n"
      "    @mx.custom_function\n"
      "    def f(x, y):\n"
      "        return mx.sin(x) * y\n\n"
      "    @f.vjp\n"
      "    def f_vjp(primals, cotangent, output):\n"
      "        x, y = primals\n"
      "        return cotangent * mx.cos(x) * y, cotangent * mx.sin(x)\n")
      .def("__init__", checked_fn("custom_function", [](CustomFunction* self, nb::callable f) {
             new (self) CustomFunction(f);
           }, "f"_a), "f"_a)
      .def("__call__", &CustomFunction::call, "args"_a, "kwargs"_a,
           "Calls the wrapped function (its outputs carry the custom rules).")
      .def("vjp", [](CustomFunction& self, nb::callable f) { return self.with_rule(&PyHeld::vjp, f); },
           "f"_a,
           "Sets the vjp rule ``f(primals, cotangents, outputs, **kwargs)``: primals is the\n"
           "single positional argument or a tuple of them, cotangents and outputs have the\n"
           "structure of the function's result. Returns the cotangents of the primals, in\n"
           "order (missing ones are zeros). Usable as a decorator.")
      .def("jvp", [](CustomFunction& self, nb::callable f) { return self.with_rule(&PyHeld::jvp, f); },
           "f"_a,
           "Sets the jvp rule ``f(primals, tangents, **kwargs)`` returning the tangents of the\n"
           "outputs. Usable as a decorator.")
      .def("vmap", [](CustomFunction& self, nb::callable f) { return self.with_rule(&PyHeld::vmap, f); },
           "f"_a,
           "Sets the vmap rule ``f(inputs, axes, **kwargs)`` returning ``(outputs, out_axes)``;\n"
           "an axis is None for an input that is not batched. Usable as a decorator.");

  def_op(m, "checkpoint", [](nb::callable fun) { return CustomFunction(fun); }, "fun"_a,
        nb::sig("def checkpoint(fun: Callable) -> Callable"),
        "Returns a function computing what fun computes whose gradient recomputes fun's\n"
        "forward pass instead of keeping its intermediate values: less memory held between\n"
        "the forward and the backward pass, for more computation.\n\n"
        "Args:\n"
        "    fun (Callable): the function to checkpoint.\n\n"
        "Returns:\n"
        "    Callable: fun, checkpointed.\n\n"
        "Example::\n\n"
        "    layer = mx.checkpoint(lambda x: mx.tanh(x @ w))\n");
}
