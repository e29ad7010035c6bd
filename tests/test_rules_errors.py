"""One exception table (python/src/errors.cpp) for every way C++ errors reach Python.

The buffer protocol cannot throw; it sets the Python error through the same table as the
nanobind translator. Each error type an evaluation raises during export reaches Python with
its type, through memoryview (the buffer slot) and NumPy (__array__ / the buffer slot).
"""
import numpy as np
import pytest

import mlx.core as mx


def out_of_bounds_gather():
    return mx.take(mx.array([1, 2]), mx.array([5]))


def int_min_floor_divide():
    return mx.floor_divide(mx.array([-(2**31)], mx.int32), mx.array([-1], mx.int32))


def impossible_allocation():
    return mx.zeros((2**31 - 1, 2**31 - 1), mx.int8) + 1


def failed_lapack_call():
    return mx.random.multivariate_normal(mx.zeros((2,)), mx.array([[float("nan"), 0.0], [0.0, 1.0]]))


CASES = [
    (out_of_bounds_gather, IndexError, r"\[gather\] Index 5 is out of bounds"),
    (int_min_floor_divide, ValueError, r"\[floor_divide\] Integer overflow"),
    (impossible_allocation, MemoryError, r"Unable to allocate"),
    (failed_lapack_call, RuntimeError, r"\[multivariate_normal\]"),
]


@pytest.mark.parametrize("make,exc,match", CASES, ids=[c[1].__name__ for c in CASES])
@pytest.mark.parametrize("export", [memoryview, np.asarray, lambda a: a.tolist(), lambda a: a.max().item()],
                         ids=["memoryview", "numpy", "tolist", "item"])
def test_error_during_export_keeps_its_type(make, exc, match, export):
    with pytest.raises(exc, match=match):
        export(make())


def test_error_type_names_follow_the_reference():
    # The reference names a Python-defined class with its module and a built-in or extension
    # type by its bare name (one helper: python/src/type_name.h).
    import collections

    class Foo:
        pass

    with pytest.raises(ValueError, match=r"Invalid type __main__\.Foo received|Invalid type "
                                         r"test_rules_errors\.Foo received|Invalid type .*\.Foo received"):
        mx.array(Foo())
    with pytest.raises(ValueError, match=r"Invalid type OrderedDict received"):
        mx.array(collections.OrderedDict())
    with pytest.raises(ValueError, match=r"should be a scalar array; but float32 was returned"):
        mx.grad(lambda x: np.float32(1))(mx.array(1.0))
    with pytest.raises(ValueError, match=r"should be a scalar array; but .*\.Foo was returned"):
        mx.grad(lambda x: Foo())(mx.array(1.0))
