"""The functions the transforms return take part in garbage collection: a cycle through the
wrapped function (d["f"] = mx.grad(f) where f refers to d, as nn.Module builds with
value_and_grad of its own methods) is collected, and memory returns to where it started."""
import gc
import tracemalloc
import weakref

import pytest

import mlx.core as mx


def _custom_with_rule(f):
    cf = mx.custom_function(f)

    @cf.vjp
    def rule(primals, cotangent, output):
        return 2 * primals * cotangent

    return cf


TRANSFORMS = {
    "grad": mx.grad,
    "value_and_grad": mx.value_and_grad,
    "vmap": mx.vmap,
    "checkpoint": mx.checkpoint,
    "custom_function": mx.custom_function,
    "custom_function_rule": _custom_with_rule,
}


def _cycle(transform):
    d = {"w": mx.ones((64,))}

    def f(x):
        return (x * d["w"]).sum()

    d["f"] = transform(f)
    mx.eval(d["f"](mx.ones((64,))))
    return weakref.ref(f)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_cycle_is_collected(name):
    ref = _cycle(TRANSFORMS[name])
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_memory_returns_after_1000_cycles(name):
    transform = TRANSFORMS[name]
    for _ in range(20):  # warm caches (the buffer cache, interned names, ...)
        _cycle(transform)
    gc.collect()
    tracemalloc.start()
    try:
        py0 = tracemalloc.get_traced_memory()[0]
        mx0 = mx.get_active_memory()
        for _ in range(1000):
            _cycle(transform)
        gc.collect()
        py1 = tracemalloc.get_traced_memory()[0]
        mx1 = mx.get_active_memory()
    finally:
        tracemalloc.stop()
    # A leak is ~20 KB per cycle (20 MB here); allow a little noise.
    assert py1 - py0 < 200_000, (name, py1 - py0)
    assert mx1 - mx0 <= 0, (name, mx1 - mx0)


def test_gc_func_is_callable_and_named():
    def loss(x):
        return (x * x).sum()

    g = mx.grad(loss)
    assert g.__name__ == "loss"
    assert g(mx.array([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert mx.vmap(loss).__name__ == "loss"
    assert mx.value_and_grad(loss).__name__ == "loss"


class _Sentinel:
    pass


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_cycle_through_the_transformed_function_itself(name):
    # The wrapped function refers to the object the transform returned (g's closure holds
    # g): collected too, with everything the cycle holds.
    sentinel = _Sentinel()
    box = [sentinel]

    def f(x):
        box  # noqa: B018
        return (x * x).sum()

    box.append(TRANSFORMS[name](f))
    ref = weakref.ref(sentinel)
    del sentinel, box, f
    gc.collect()
    assert ref() is None
