"""Pytree helpers: nested lists, tuples and dicts of arrays (or anything else).

A tree is a list, tuple or dict whose items are trees; everything else is a leaf.
``nn.Module`` is a dict, so a model is a tree of its parameters.
"""

from collections import defaultdict
from itertools import zip_longest
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

__all__ = [
    "tree_flatten",
    "tree_unflatten",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_merge",
]


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _rebuild_sequence(like, items):
    """A sequence of the same type as ``like`` holding ``items``."""
    if _is_namedtuple(like):
        return type(like)(*items)
    return type(like)(items)


def tree_map(fn: Callable, tree: Any, *rest: Any, is_leaf: Optional[Callable] = None) -> Any:
    """Apply ``fn`` to the leaves of ``tree`` (and the matching leaves of ``rest``).

    The result has the structure of ``tree``; the trees in ``rest`` must contain the
    structure of ``tree`` (they may go deeper: their subtrees are passed to ``fn``).
    Dicts come back as plain dicts, lists and tuples keep their type.
    """
    if is_leaf is not None and is_leaf(tree):
        return fn(tree, *rest)
    if isinstance(tree, (list, tuple)):
        items = (
            tree_map(fn, child, *(r[i] for r in rest), is_leaf=is_leaf)
            for i, child in enumerate(tree)
        )
        return _rebuild_sequence(tree, list(items))
    if isinstance(tree, dict):
        return {
            k: tree_map(fn, child, *(r[k] for r in rest), is_leaf=is_leaf)
            for k, child in tree.items()
        }
    return fn(tree, *rest)


def tree_map_with_path(
    fn: Callable,
    tree: Any,
    *rest: Any,
    is_leaf: Optional[Callable] = None,
    path: Optional[Any] = None,
) -> Any:
    """Like :func:`tree_map`, but ``fn`` also receives the dotted path of each leaf
    as its first argument (``"a.0.b"``); ``path`` is the path of ``tree`` itself."""

    def child_path(key):
        return str(key) if path is None else f"{path}.{key}"

    if is_leaf is not None and is_leaf(tree):
        return fn(path, tree, *rest)
    if isinstance(tree, (list, tuple)):
        items = [
            tree_map_with_path(fn, child, *(r[i] for r in rest), is_leaf=is_leaf, path=child_path(i))
            for i, child in enumerate(tree)
        ]
        return _rebuild_sequence(tree, items)
    if isinstance(tree, dict):
        return {
            k: tree_map_with_path(fn, child, *(r[k] for r in rest), is_leaf=is_leaf, path=child_path(k))
            for k, child in tree.items()
        }
    return fn(path, tree, *rest)


def tree_flatten(
    tree: Any,
    prefix: str = "",
    is_leaf: Optional[Callable] = None,
    destination: Union[List[Tuple[str, Any]], Dict[str, Any], None] = None,
) -> Union[List[Tuple[str, Any]], Dict[str, Any]]:
    """The leaves of ``tree`` as ``(dotted_key, leaf)`` pairs, depth first.

    ``destination`` may be a list (pairs are appended) or a dict (``key -> leaf``);
    it is returned. As in MLX, the first character of ``prefix`` is dropped, so a
    prefix is normally written with a leading dot (``".model"``).
    """
    if destination is None:
        destination = []
    if isinstance(destination, list):
        add = lambda key, value: destination.append((key, value))  # noqa: E731
    elif isinstance(destination, dict):
        add = destination.__setitem__
    else:
        raise ValueError("Destination should be either a list or a dictionary or None")

    def walk(node, key):
        if is_leaf is not None and is_leaf(node):
            add(key[1:], node)
        elif isinstance(node, (list, tuple)):
            for i, child in enumerate(node):
                walk(child, f"{key}.{i}")
        elif isinstance(node, dict):
            for k, child in node.items():
                walk(child, f"{key}.{k}")
        else:
            add(key[1:], node)

    walk(tree, prefix)
    return destination


def tree_unflatten(tree: Union[List[Tuple[str, Any]], Dict[str, Any]]) -> Any:
    """Rebuild a tree from ``(dotted_key, leaf)`` pairs or a ``{dotted_key: leaf}`` dict.

    A level whose keys are all integers becomes a list (missing positions hold ``{}``);
    any other level becomes a dict. The inverse of :func:`tree_flatten`.
    """
    items = tree.items() if isinstance(tree, dict) else tree
    items = list(items)
    if len(items) == 1 and items[0][0] == "":
        return items[0][1]

    children = defaultdict(list)
    for key, value in items:
        head, _, tail = key.partition(".")
        children[head].append((tail, value))

    if all(k.isdigit() for k in children) and children:
        indexed = {int(k): v for k, v in children.items()}
        out = [{} for _ in range(max(indexed) + 1)]
        for i, sub in indexed.items():
            out[i] = tree_unflatten(sub)
        return out
    if not children:
        return []
    return {k: tree_unflatten(sub) for k, sub in children.items()}


def tree_reduce(fn, tree, initializer=None, is_leaf=None):
    """Fold ``fn(accumulator, leaf)`` over the leaves of ``tree``, depth first.

    Without an ``initializer`` the first leaf starts the accumulation.
    """
    accumulator = initializer
    started = initializer is not None

    def walk(node):
        nonlocal accumulator, started
        if is_leaf is not None and is_leaf(node):
            leaf(node)
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            for child in node.values():
                walk(child)
        else:
            leaf(node)

    def leaf(node):
        nonlocal accumulator, started
        if started:
            accumulator = fn(accumulator, node)
        else:
            accumulator, started = node, True

    walk(tree)
    return accumulator


def tree_merge(tree_a, tree_b, merge_fn=None):
    """Merge two trees that hold leaves at different places.

    ``None`` and empty containers count as absent. Where both trees hold a leaf,
    ``merge_fn(a, b)`` decides; without it that is a ``ValueError``.
    """
    if isinstance(tree_a, (dict, list, tuple)) and len(tree_a) == 0:
        tree_a = None
    if isinstance(tree_b, (dict, list, tuple)) and len(tree_b) == 0:
        tree_b = None
    if tree_a is None:
        return tree_b
    if tree_b is None:
        return tree_a

    if isinstance(tree_a, (list, tuple)) and isinstance(tree_b, (list, tuple)):
        merged = [tree_merge(a, b, merge_fn) for a, b in zip_longest(tree_a, tree_b)]
        return _rebuild_sequence(tree_a, merged)
    if isinstance(tree_a, dict) and isinstance(tree_b, dict):
        keys = list(tree_a) + [k for k in tree_b if k not in tree_a]
        return {k: tree_merge(tree_a.get(k), tree_b.get(k), merge_fn) for k in keys}
    if merge_fn is None:
        raise ValueError(
            "Trees contain elements at the same locations but no merge function was provided"
        )
    return merge_fn(tree_a, tree_b)
