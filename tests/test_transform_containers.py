"""grad and value_and_grad hand the function the caller's own lists and dicts: what the
function does to them stays after the call (as in the reference, which mlx.nn training
relies on), and the leaves it did not replace are the caller's arrays, identical."""

import mlx.core as mx


def test_assignment_in_a_list_persists():
    def loss(m):
        m[1] = mx.array(2.0)
        return m[0] * 3

    model = [mx.array(1.0), mx.array(5.0)]
    id0 = id(model[0])
    g = mx.grad(loss)(model)
    assert [x.item() for x in g] == [3.0, 0.0]
    assert model[1].item() == 2.0
    assert id(model[0]) == id0
    assert isinstance(model, list) and len(model) == 2


def test_untouched_leaves_keep_identity():
    model = {"w": mx.array([1.0, 2.0]), "b": [mx.array(0.5), (mx.array(1.5), mx.array(2.5))]}
    ids = (id(model["w"]), id(model["b"]), id(model["b"][0]), id(model["b"][1]),
           id(model["b"][1][0]), id(model["b"][1][1]))

    def loss(m):
        return (m["w"] * m["b"][0] + m["b"][1][0] * m["b"][1][1]).sum()

    v, g = mx.value_and_grad(loss)(model)
    assert v.item() == (1.0 * 0.5 + 2.0 * 0.5) + 2 * 1.5 * 2.5
    assert g["w"].tolist() == [0.5, 0.5]
    assert g["b"][0].item() == 3.0
    assert isinstance(g["b"][1], tuple)
    assert (g["b"][1][0].item(), g["b"][1][1].item()) == (5.0, 3.0)
    assert (id(model["w"]), id(model["b"]), id(model["b"][0]), id(model["b"][1]),
            id(model["b"][1][0]), id(model["b"][1][1])) == ids


def test_nested_dict_replacement_persists():
    def loss(d):
        d["a"]["x"] = d["a"]["x"] * 2
        return d["a"]["x"].sum()

    m = {"a": {"x": mx.array(1.0)}, "b": mx.array(2.0)}
    ia, ib = id(m["a"]), id(m["b"])
    g = mx.grad(loss)(m)
    assert g["a"]["x"].item() == 2.0 and g["b"].item() == 0.0
    assert m["a"]["x"].item() == 2.0
    assert id(m["a"]) == ia and id(m["b"]) == ib
    # The stored value is an ordinary array after the call.
    assert (m["a"]["x"] + 1).item() == 3.0


def test_value_from_a_traced_leaf_persists():
    def loss(m):
        m[1] = m[0] * 5
        return m[0].sum()

    model = [mx.array(1.0), mx.array(0.0)]
    g = mx.grad(loss)(model)
    assert [x.item() for x in g] == [1.0, 0.0]
    assert model[1].item() == 5.0
    assert (model[1] + 1).item() == 6.0


def test_swapped_leaves_are_the_callers_arrays():
    def loss(m):
        m[0], m[1] = m[1], m[0]
        return m[0] * 2

    a, b = mx.array(1.0), mx.array(2.0)
    model = [a, b]
    g = mx.grad(loss)(model)
    assert [x.item() for x in g] == [0.0, 2.0]
    assert model[0] is b and model[1] is a


def test_value_and_grad_with_argnums_and_untraced_containers():
    def loss(a, b, c):
        a[0] = a[0] + 1
        c["k"] = mx.array(9.0)
        return (a[0] * b).sum()

    A, B, C = [mx.array(1.0)], mx.array(2.0), {"k": mx.array(1.0)}
    v, (ga, gb) = mx.value_and_grad(loss, argnums=(0, 1))(A, B, C)
    assert v.item() == 4.0
    assert ga[0].item() == 2.0 and gb.item() == 2.0
    assert A[0].item() == 2.0
    assert C["k"].item() == 9.0


def test_structure_changes_persist_and_gradients_follow_the_input_structure():
    def loss(d):
        d["new"] = mx.array(7.0)
        d["l"].append(d["x"])
        d["l"].append((d["x"], [d["x"]]))
        del d["b"]
        return d["x"] * 2

    x = mx.array(1.0)
    m = {"x": x, "b": mx.array(2.0), "l": []}
    g = mx.grad(loss)(m)
    assert sorted(g) == ["b", "l", "x"]
    assert g["x"].item() == 2.0 and g["b"].item() == 0.0 and g["l"] == []
    assert sorted(m) == ["l", "new", "x"]
    assert m["x"] is x and m["new"].item() == 7.0
    # The traced leaf the function stored in new containers is the caller's array again.
    assert m["l"][0] is x
    assert isinstance(m["l"][1], tuple) and m["l"][1][0] is x and m["l"][1][1][0] is x


def test_tuples_are_given_back_as_they_were():
    inner = [mx.array(1.0)]
    t = (inner, mx.array(2.0))

    def loss(t):
        t[0][0] = mx.array(4.0)
        return t[1] * 3

    g = mx.grad(loss)(t)
    assert isinstance(g, tuple) and g[1].item() == 3.0
    assert t[0] is inner and inner[0].item() == 4.0

    model = [(mx.array(1.0), mx.array(2.0))]
    pair = model[0]
    mx.grad(lambda m: m[0][0] * m[0][1])(model)
    assert model[0] is pair


def test_keyword_argnames_containers_persist():
    def loss(x, d=None):
        d["z"] = d["w"] * 2
        return (x * d["w"]).sum()

    w = mx.array(3.0)
    D = {"w": w}
    g_pos, g_kw = mx.grad(loss, argnums=0, argnames="d")(mx.array(2.0), d=D)
    assert g_pos.item() == 3.0 and g_kw["d"]["w"].item() == 2.0
    assert D["w"] is w and D["z"].item() == 6.0


def test_containers_are_restored_when_the_function_raises():
    a = mx.array(1.0)
    model = [a]

    def loss(m):
        m.append(m[0])
        raise RuntimeError("boom")

    try:
        mx.grad(loss)(model)
    except RuntimeError as e:
        assert "boom" in str(e)
    else:
        raise AssertionError("no error")
    assert model[0] is a and model[1] is a


def test_same_array_twice():
    a = mx.array(1.0)
    model = [a, a]
    g = mx.grad(lambda m: m[0] + m[1])(model)
    assert [x.item() for x in g] == [1.0, 1.0]
    assert model[0] is a and model[1] is a


def test_training_step_updates_the_model_in_place():
    # The pattern mlx.nn uses: a function that writes the traced parameters into a
    # dict it receives and reads them from there.
    params = {"w": mx.array([1.0, -2.0])}
    store = {}

    def loss(p):
        store.update(p)
        return (store["w"] ** 2).sum()

    for _ in range(3):
        g = mx.grad(loss)(params)
        params["w"] = params["w"] - 0.25 * g["w"]
    assert params["w"].tolist() == [0.125, -0.25]
