// Pytree utilities (see trees.h).
#include "python/src/trees.h"

#include <stdexcept>

#include <nanobind/stl/string.h>

namespace {

bool is_seq(nb::handle h) {
  return nb::isinstance<nb::list>(h) || nb::isinstance<nb::tuple>(h);
}

[[noreturn]] void prefix_error() {
  throw std::invalid_argument(
      "[tree_map] Additional input tree is not a valid prefix of the first tree.");
}

void flatten_into(nb::handle tree, bool strict, std::vector<mx::array>& out) {
  if (is_seq(tree)) {
    for (nb::handle item : tree) {
      flatten_into(item, strict, out);
    }
  } else if (nb::isinstance<nb::dict>(tree)) {
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) {
      flatten_into(v, strict, out);
    }
  } else if (nb::isinstance<mx::array>(tree)) {
    out.push_back(nb::cast<mx::array>(tree));
  } else if (strict) {
    throw std::invalid_argument("[tree_flatten] The argument should contain only arrays");
  }
}

// A tuple of `like`'s type (NamedTuples and other tuple subclasses keep theirs) or a list.
nb::object rebuild_seq(nb::handle like, nb::list items) {
  if (nb::isinstance<nb::tuple>(like)) {
    return rebuild_tuple(like, nb::tuple(items));
  }
  return std::move(items);
}

} // namespace

nb::object rebuild_tuple(nb::handle like, nb::tuple items) {
  if (PyTuple_CheckExact(like.ptr())) return std::move(items);
  nb::handle type(reinterpret_cast<PyObject*>(Py_TYPE(like.ptr())));
  // A NamedTuple takes its fields as arguments; other subclasses an iterable, as tuple does.
  if (nb::hasattr(type, "_fields")) {
    PyObject* r = PyObject_Call(type.ptr(), items.ptr(), nullptr);
    if (!r) throw nb::python_error();
    return nb::steal(r);
  }
  return type(items);
}

bool tree_is_node(nb::handle h) {
  return is_seq(h) || nb::isinstance<nb::dict>(h);
}

std::vector<mx::array> tree_flatten(nb::handle tree, bool strict) {
  std::vector<mx::array> out;
  flatten_into(tree, strict, out);
  return out;
}

nb::object tree_unflatten(nb::handle tree, const std::vector<mx::array>& values, size_t& index) {
  if (is_seq(tree)) {
    nb::list items;
    for (nb::handle item : tree) {
      items.append(tree_unflatten(item, values, index));
    }
    return rebuild_seq(tree, items);
  }
  if (nb::isinstance<nb::dict>(tree)) {
    nb::dict d;
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) {
      d[k] = tree_unflatten(v, values, index);
    }
    return std::move(d);
  }
  if (nb::isinstance<mx::array>(tree)) {
    if (index >= values.size()) {
      throw std::invalid_argument("[tree_unflatten] Not enough values for the tree.");
    }
    return nb::cast(values[index++]);
  }
  return nb::borrow(tree);
}

nb::object tree_unflatten(nb::handle tree, const std::vector<mx::array>& values) {
  size_t index = 0;
  return tree_unflatten(tree, values, index);
}

void tree_visit(nb::handle tree, const std::function<void(nb::handle)>& visit) {
  if (is_seq(tree)) {
    for (nb::handle item : tree) {
      tree_visit(item, visit);
    }
  } else if (nb::isinstance<nb::dict>(tree)) {
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) {
      tree_visit(v, visit);
    }
  } else {
    visit(tree);
  }
}

nb::object tree_map(nb::handle tree, const std::function<nb::object(nb::handle)>& transform) {
  if (is_seq(tree)) {
    nb::list items;
    for (nb::handle item : tree) {
      items.append(tree_map(item, transform));
    }
    return rebuild_seq(tree, items);
  }
  if (nb::isinstance<nb::dict>(tree)) {
    nb::dict d;
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) {
      d[k] = tree_map(v, transform);
    }
    return std::move(d);
  }
  return transform(tree);
}

nb::object tree_map(
    const std::vector<nb::object>& trees,
    const std::function<nb::object(const std::vector<nb::object>&)>& transform) {
  const nb::object& first = trees[0];
  // Child `i` (or key) of each tree: a leaf of an additional tree stays itself.
  auto children = [&](auto get_child) {
    std::vector<nb::object> sub;
    sub.reserve(trees.size());
    sub.push_back(get_child(first));
    for (size_t j = 1; j < trees.size(); ++j) {
      sub.push_back(tree_is_node(trees[j]) ? get_child(trees[j]) : trees[j]);
    }
    return sub;
  };
  if (is_seq(first)) {
    size_t n = nb::len(first);
    for (size_t j = 1; j < trees.size(); ++j) {
      if (tree_is_node(trees[j]) && (!is_seq(trees[j]) || nb::len(trees[j]) != n)) {
        prefix_error();
      }
    }
    nb::list items;
    for (size_t i = 0; i < n; ++i) {
      items.append(tree_map(children([i](const nb::object& t) { return nb::object(t[i]); }), transform));
    }
    return rebuild_seq(first, items);
  }
  if (nb::isinstance<nb::dict>(first)) {
    auto d0 = nb::borrow<nb::dict>(first);
    for (size_t j = 1; j < trees.size(); ++j) {
      if (!tree_is_node(trees[j])) {
        continue;
      }
      if (!nb::isinstance<nb::dict>(trees[j]) || nb::len(trees[j]) != nb::len(d0)) {
        prefix_error();
      }
      auto dj = nb::borrow<nb::dict>(trees[j]);
      for (auto [k, v] : d0) {
        if (!dj.contains(k)) {
          prefix_error();
        }
      }
    }
    nb::dict d;
    for (auto [k, v] : d0) {
      nb::object key = nb::borrow(k);
      d[key] = tree_map(children([&key](const nb::object& t) { return nb::object(t[key]); }), transform);
    }
    return std::move(d);
  }
  // A leaf of the first tree: the additional trees must be leaves here too.
  for (size_t j = 1; j < trees.size(); ++j) {
    if (tree_is_node(trees[j])) {
      prefix_error();
    }
  }
  return transform(trees);
}

nb::object LeafSwap::fill(nb::handle tree, const std::vector<mx::array>& values, size_t& index) {
  if (nb::isinstance<nb::list>(tree)) {
    nb::list l = nb::borrow<nb::list>(tree);
    for (size_t i = 0, n = nb::len(l); i < n; ++i) {
      nb::object item = l[i];
      nb::object filled = fill(item, values, index);
      if (!filled.is(item)) {
        l[i] = filled;
      }
    }
    return nb::borrow(tree);
  }
  if (nb::isinstance<nb::dict>(tree)) {
    nb::dict d = nb::borrow<nb::dict>(tree);
    nb::list keys = d.keys();
    for (nb::handle k : keys) {
      nb::object item = d[k];
      nb::object filled = fill(item, values, index);
      if (!filled.is(item)) {
        d[k] = filled;
      }
    }
    return nb::borrow(tree);
  }
  if (nb::isinstance<nb::tuple>(tree)) {
    nb::list items;
    for (nb::handle item : tree) {
      items.append(fill(item, values, index));
    }
    nb::object t = rebuild_tuple(tree, nb::tuple(items));
    originals_[t.ptr()] = nb::borrow(tree);
    stand_ins_.push_back(t);
    return t;
  }
  if (nb::isinstance<mx::array>(tree)) {
    if (index >= values.size()) {
      throw std::invalid_argument("[tree_fill] Not enough values for the tree.");
    }
    nb::object v = nb::cast(values[index++]);
    originals_[v.ptr()] = nb::borrow(tree);
    stand_ins_.push_back(v);
    return v;
  }
  return nb::borrow(tree);
}

std::optional<nb::object> LeafSwap::restore_node(nb::handle h, std::unordered_set<PyObject*>& seen) {
  auto it = originals_.find(h.ptr());
  if (it != originals_.end()) {
    nb::object orig = it->second;
    if (nb::isinstance<nb::tuple>(orig)) {
      restore_node(orig, seen); // its lists and dicts were filled in place
    }
    return orig;
  }
  if (!tree_is_node(h) || !seen.insert(h.ptr()).second) {
    return std::nullopt;
  }
  if (nb::isinstance<nb::list>(h)) {
    nb::list l = nb::borrow<nb::list>(h);
    for (size_t i = 0; i < nb::len(l); ++i) {
      if (auto r = restore_node(nb::object(l[i]), seen)) {
        l[i] = *r;
      }
    }
  } else if (nb::isinstance<nb::dict>(h)) {
    nb::dict d = nb::borrow<nb::dict>(h);
    nb::list keys = d.keys();
    for (nb::handle k : keys) {
      if (auto r = restore_node(nb::object(d[k]), seen)) {
        d[k] = *r;
      }
    }
  } else {
    // A tuple the function built: rebuilt when one of its items changes.
    nb::list items;
    bool changed = false;
    for (nb::handle item : h) {
      auto r = restore_node(item, seen);
      changed = changed || r.has_value();
      items.append(r ? *r : nb::borrow(item));
    }
    if (changed) {
      return rebuild_tuple(h, nb::tuple(items));
    }
  }
  return std::nullopt;
}

void LeafSwap::restore(nb::handle tree) {
  std::unordered_set<PyObject*> seen;
  restore_node(tree, seen);
}
