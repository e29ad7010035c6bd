"""Transform behaviours as in the reference: how vmap matches in_axes to its arguments, what
it refuses to map (pad's fill value, searchsorted's sorted sequence), and NamedTuples and
tuple subclasses keeping their type through grad and vmap."""
from collections import namedtuple

import pytest

import mlx.core as mx

X = mx.ones((3, 2))


class TS(tuple):
    pass


P = namedtuple("P", ["a", "b"])

# (function, in_axes, arguments, expected output shape or the exception), as the reference.
IN_AXES = [
    ("dict for one dict", lambda d: d["a"] + d["b"], {"a": 0, "b": 1}, ({"a": X, "b": X.T},), (3, 2)),
    ("dict wrapped in a tuple", lambda d: d["a"] + d["b"], ({"a": 0, "b": 1},), ({"a": X, "b": X.T},), ValueError),
    ("dict for two arguments", lambda d, e: d["a"] + e, {"a": 0}, ({"a": X}, X), ValueError),
    ("list for one list", lambda l: l[0] + l[1].T, [0, 1], ([X, X.T],), (3, 2)),
    ("list for one list, nested", lambda l: l[0] + l[1].T, [[0, 1]], ([X, X.T],), ValueError),
    ("list for one list, in a tuple", lambda l: l[0] + l[1].T, ([0, 1],), ([X, X.T],), ValueError),
    ("tuple for one tuple", lambda t: t[0] + t[1].T, (0, 1), ((X, X.T),), (3, 2)),
    ("tuple for one tuple, nested", lambda t: t[0] + t[1].T, ((0, 1),), ((X, X.T),), ValueError),
    ("one-tuple for one array", lambda a: a * 2, (1,), (X,), (2, 3)),
    ("two-tuple for one array", lambda a: a * 2, (0, 0), (X,), ValueError),
    ("list for one array", lambda a: a * 2, [0], (X,), ValueError),
    ("tuple for two arrays", lambda a, b: a + b.T, (0, 1), (X, X.T), (3, 2)),
    ("one-tuple for a one-list", lambda l: l[0] * 2, (0,), ([X, X],), ValueError),
    ("one-tuple for a one-tuple", lambda t: t[0] * 2, (1,), ((X,),), (2, 3)),
    ("dict inside a tuple for two", lambda d, e: d["a"] + e, ({"a": 1}, 0), ({"a": X.T}, X), (3, 2)),
    ("namedtuple axes", lambda p: p.a + p.b, P(0, 1), (P(X, X.T),), (3, 2)),
    ("namedtuple axes in a tuple", lambda p: p.a + p.b, (P(0, 1),), (P(X, X.T),), ValueError),
]


@pytest.mark.parametrize("fun,in_axes,args,want", [c[1:] for c in IN_AXES], ids=[c[0] for c in IN_AXES])
def test_vmap_in_axes_matching(fun, in_axes, args, want):
    f = mx.vmap(fun, in_axes=in_axes)
    if isinstance(want, type):
        with pytest.raises(want):
            f(*args)
    else:
        assert f(*args).shape == want


def test_vmap_pad_fill_value_raises():
    with pytest.raises(ValueError, match="padding value"):
        mx.vmap(lambda c: mx.pad(mx.ones((2,)), 1, constant_values=c))(mx.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="padding value"):
        mx.vmap(lambda a, c: mx.pad(a, 1, constant_values=c))(mx.ones((3, 2)), mx.array([1.0, 2.0, 3.0]))
    out = mx.vmap(lambda a: mx.pad(a, 1, constant_values=mx.array(2.0)))(mx.ones((3, 2)))
    assert out.tolist() == [[2, 1, 1, 2]] * 3


def test_vmap_searchsorted_sequence_raises():
    s = mx.array([[1.0, 2.0], [0.0, 1.0]])
    v = mx.array([[1.5], [0.5]])
    with pytest.raises(ValueError, match="sorted sequence"):
        mx.vmap(lambda s: mx.searchsorted(s, mx.array([1.5])))(s)
    with pytest.raises(ValueError, match="sorted sequence"):
        mx.vmap(mx.searchsorted)(s, v)
    assert mx.vmap(lambda v: mx.searchsorted(mx.array([1.0, 2.0]), v))(v).tolist() == [[1], [0]]


def test_namedtuple_through_grad():
    p = P(mx.array(1.0), mx.array(2.0))
    g = mx.grad(lambda p: p.a * p.b)(p)
    assert type(g) is P and g.a.item() == 2.0 and g.b.item() == 1.0
    (v, aux), g = mx.value_and_grad(lambda p: (p.a * p.b, P(p.a, p.b)))(p)
    assert type(aux) is P and type(g) is P
    g = mx.grad(lambda d: d["p"].a * 2)({"p": p})
    assert type(g["p"]) is P and g["p"].b.item() == 0.0


def test_tuple_subclass_through_grad():
    g = mx.grad(lambda t: t[0] * t[1])(TS((mx.array(1.0), mx.array(2.0))))
    assert type(g) is TS and [x.item() for x in g] == [2.0, 1.0]


def test_namedtuple_through_vmap():
    out = mx.vmap(lambda p: p.a * p.b)(P(mx.ones(3), mx.ones(3)))
    assert out.shape == (3,)
    out = mx.vmap(lambda x: P(x, 2 * x))(mx.ones(3))
    assert type(out) is P and out.b.tolist() == [2, 2, 2]
    out = mx.vmap(lambda x: TS((x, 2 * x)))(mx.ones(3))
    assert type(out) is TS
    out = mx.vmap(lambda x: P(x, x), out_axes=P(0, 1))(mx.ones((3, 2)))
    assert type(out) is P and out.a.shape == (3, 2) and out.b.shape == (2, 3)


def test_namedtuple_through_vjp_jvp():
    outs, _ = mx.vjp(lambda a: P(a, a), [mx.array(1.0)], [mx.array(1.0), mx.array(1.0)])
    assert len(outs) == 2
    outs, tans = mx.jvp(lambda a: P(a, a), [mx.array(1.0)], [mx.array(1.0)])
    assert len(tans) == 2
