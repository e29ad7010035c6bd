// Pytree utilities: nested lists, tuples and dicts whose leaves are arrays (or, where
// allowed, other Python objects that pass through untouched).
#pragma once
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <optional>
#include <vector>

#include <nanobind/nanobind.h>

#include "mlx_core/array.h"

namespace nb = nanobind;
namespace mx = mlx::core;

// A tuple of like's type holding items: NamedTuples and other tuple subclasses keep their
// type through the transforms (grad's gradients, vmap's outputs), as in the reference.
nb::object rebuild_tuple(nb::handle like, nb::tuple items);

// Whether h is a container node of a tree (list, tuple or dict).
bool tree_is_node(nb::handle h);

// The array leaves of `tree` in depth-first order (dicts in insertion order).
// strict: any non-array leaf raises ValueError "[tree_flatten] The argument should contain
// only arrays"; otherwise non-array leaves are skipped.
std::vector<mx::array> tree_flatten(nb::handle tree, bool strict = true);

// A copy of `tree` in which the array leaves are replaced, in order, by values[index],
// values[index + 1], ...; `index` is advanced past the used values. Non-array leaves are
// kept as they are. Lists and tuples come back as plain lists and tuples.
nb::object tree_unflatten(nb::handle tree, const std::vector<mx::array>& values, size_t& index);
nb::object tree_unflatten(nb::handle tree, const std::vector<mx::array>& values);

// Calls visit on every leaf of tree (arrays and other objects alike).
void tree_visit(nb::handle tree, const std::function<void(nb::handle)>& visit);

// A tree of the structure of `tree` whose leaves are transform(leaf).
nb::object tree_map(nb::handle tree, const std::function<nb::object(nb::handle)>& transform);

// Maps over several trees at once: trees[1..] must be prefixes of trees[0] (a leaf of an
// additional tree applies to the whole subtree of trees[0] under it). Lists and tuples are
// interchangeable; dicts must have the same keys. On a mismatch: ValueError "[tree_map]
// Additional input tree is not a valid prefix of the first tree."
nb::object tree_map(
    const std::vector<nb::object>& trees,
    const std::function<nb::object(const std::vector<nb::object>&)>& transform);

// Swaps the array leaves of the caller's trees for other arrays (the tracers of grad) and
// back, in place, so that what a function does to the containers it receives persists:
// lists and dicts are changed in place, tuples (immutable) are rebuilt around their
// filled children. After the call, restore puts each original leaf back wherever its
// stand-in still sits (containers the function added included), keeping the leaves the
// function did not replace identical to the caller's.
class LeafSwap {
 public:
  // Replaces the array leaves of `tree` (in tree_flatten's order) by values[index], ...;
  // returns the tree to pass on (`tree` itself unless it is a tuple or an array leaf).
  nb::object fill(nb::handle tree, const std::vector<mx::array>& values, size_t& index);
  // Puts the original leaves and tuples back in `tree`, in place.
  void restore(nb::handle tree);

 private:
  // A replacement for h (its original, or a tuple rebuilt with restored items), if any.
  std::optional<nb::object> restore_node(nb::handle h, std::unordered_set<PyObject*>& seen);
  std::unordered_map<PyObject*, nb::object> originals_; // stand-in -> original
  std::vector<nb::object> stand_ins_; // keeps the keys of originals_ alive
};
