"""mlx.utils tree helpers; expected values were read off the reference (MLX 0.32)."""

from collections import namedtuple

import pytest

import mlx.core as mx
from mlx.utils import (
    tree_flatten,
    tree_map,
    tree_map_with_path,
    tree_merge,
    tree_reduce,
    tree_unflatten,
)

TREE = {"a": [1, (2, 3)], "b": {"c": 4}}


def test_flatten_keys_and_destinations():
    assert tree_flatten(TREE) == [("a.0", 1), ("a.1.0", 2), ("a.1.1", 3), ("b.c", 4)]
    # The first character of the prefix is dropped, as in the reference.
    assert tree_flatten(TREE, prefix="foo")[0] == ("oo.a.0", 1)
    assert tree_flatten([1, [2]], prefix=".x") == [("x.0", 1), ("x.1.0", 2)]
    assert tree_flatten(TREE, destination={}) == {"a.0": 1, "a.1.0": 2, "a.1.1": 3, "b.c": 4}
    out = []
    assert tree_flatten([7], destination=out) is out and out == [("0", 7)]
    assert tree_flatten(5) == [("", 5)]
    assert tree_flatten({"a": None, "b": []}) == [("a", None)]
    assert tree_flatten([1, 2], is_leaf=lambda x: isinstance(x, list)) == [("", [1, 2])]
    assert tree_flatten({1: 2, "x": {2: 3}}) == [("1", 2), ("x.2", 3)]
    with pytest.raises(ValueError, match="Destination should be either a list or a dictionary"):
        tree_flatten(TREE, destination=5)


def test_unflatten():
    assert tree_unflatten([("a.0", 1), ("a.1.0", 2), ("b", 3)]) == {"a": [1, [2]], "b": 3}
    assert tree_unflatten({"a.0": 1, "b": 3}) == {"a": [1], "b": 3}
    assert tree_unflatten([("0", 1), ("1", 2)]) == [1, 2]
    assert tree_unflatten([("x", 1)]) == {"x": 1}
    assert tree_unflatten([("a.1", 1)]) == {"a": [{}, 1]}
    assert tree_unflatten([("a.2", 1), ("a.0", 3), ("a.10", 5)]) == {
        "a": [3, {}, 1, {}, {}, {}, {}, {}, {}, {}, 5]
    }
    assert tree_unflatten([("a.b", 1), ("a.c.0", 2)]) == {"a": {"b": 1, "c": [2]}}
    assert tree_unflatten([]) == []
    assert tree_unflatten([("", 5)]) == 5
    assert tree_unflatten(tree_flatten({"w": [mx.ones(2), {"k": mx.zeros(1)}]}))["w"][1]["k"].shape == (1,)


def test_map_and_map_with_path():
    assert tree_map(lambda x, y: x + y, {"a": 1, "b": [2]}, {"a": 10, "b": [20]}) == {"a": 11, "b": [22]}
    assert tree_map(lambda x: x * 2, (1, [2])) == (2, [4])
    assert tree_map(lambda x: x, 3) == 3
    P = namedtuple("P", "x y")
    out = tree_map(lambda x: x + 1, P(1, 2))
    assert isinstance(out, P) and out == P(2, 3)
    assert tree_map(lambda x: x, {"a": None}) == {"a": None}
    # the other trees may be deeper: their subtrees reach fn
    assert tree_map(lambda x, y: (x, y), {"a": 1}, {"a": [2, 3]}) == {"a": (1, [2, 3])}
    with pytest.raises(KeyError):
        tree_map(lambda x, y: x, {"a": 1, "b": 2}, {"a": 2})
    with pytest.raises(IndexError):
        tree_map(lambda x, y: x, [1, 2], [2])
    assert tree_map_with_path(lambda p, x: (p, x), {"a": 1, "b": [2, {"c": 3}]}) == {
        "a": ("a", 1),
        "b": [("b.0", 2), {"c": ("b.1.c", 3)}],
    }
    assert tree_map_with_path(lambda p, x, y: (p, x + y), [1, 2], [3, 4], path="pre") == [
        ("pre.0", 4),
        ("pre.1", 6),
    ]
    # arrays are leaves
    doubled = tree_map(lambda a: a * 2, {"w": mx.array([1.0, 2.0])})
    assert doubled["w"].tolist() == [2.0, 4.0]


def test_reduce_and_merge():
    assert tree_reduce(lambda acc, x: acc + x, {"a": 1, "b": [2, 3]}, 0) == 6
    assert tree_reduce(lambda acc, x: acc + x, {"a": 1, "b": [2, 3]}) == 6
    assert tree_reduce(lambda a, x: a + [x], {"a": [1, 2]}, [], is_leaf=lambda x: isinstance(x, list)) == [[1, 2]]
    total = tree_reduce(lambda acc, x: acc + x.sum(), {"w": mx.ones((2, 2)), "b": [mx.ones(3)]}, 0.0)
    assert total.item() == 7.0
    merged = tree_merge({"a": 1, "b": {"c": 2}}, {"b": {"d": 3}, "e": 4})
    assert merged == {"e": 4, "a": 1, "b": {"c": 2, "d": 3}}
    assert tree_merge([1, None], [None, 2]) == [1, 2]
    assert tree_merge({"a": 1}, {"a": 2}, lambda a, b: a + b) == {"a": 3}
    assert tree_merge([1], [2, 3], lambda a, b: (a, b)) == [(1, 2), 3]
    with pytest.raises(ValueError, match="no merge function was provided"):
        tree_merge({"a": 1}, {"a": 2})
