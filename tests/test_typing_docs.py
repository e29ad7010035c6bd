"""help() is usable: the functions and methods of the core bindings carry docstrings that
say what they compute, their arguments and what they return."""

import pytest

import mlx.core as mx

# Module functions bound in ops.cpp, dtype.cpp, transforms.cpp, device.cpp, repr.cpp and
# array.cpp (other areas test their own).
FUNCTIONS = """
zeros ones full zeros_like ones_like arange linspace eye identity astype asarray view
stop_gradient abs negative sign exp log sqrt square sin cos tanh sigmoid logical_not
bitwise_invert add subtract multiply divide floor_divide remainder power maximum minimum
equal not_equal less less_equal greater greater_equal logical_and logical_or bitwise_and
bitwise_or bitwise_xor left_shift right_shift divmod where matmul reshape transpose swapaxes
moveaxis squeeze expand_dims broadcast_to broadcast_arrays flatten sum mean max min prod argmax argmin
issubdtype isdtype can_cast result_type set_printoptions get_printoptions printoptions
eval async_eval grad value_and_grad vjp jvp vmap
stream default_device set_default_device default_stream set_default_stream new_stream
synchronize is_available device_count device_info __array_namespace_info__
get_active_memory get_peak_memory get_cache_memory get_memory_limit set_memory_limit
set_cache_limit set_wired_limit depends get_array_buffer_size
""".split()

METHODS = """
item tolist astype view reshape transpose swapaxes squeeze flatten sum mean max min prod
argmax argmin abs exp log sqrt square sin cos __array_namespace__ to_device __getstate__
""".split()

CLASSES = ["array", "finfo", "iinfo", "PrintOptions", "Dtype", "Device", "Stream"]


def body(doc):
    # nanobind puts the signature on the first line of function docstrings.
    lines = (doc or "").strip().splitlines()
    return "\n".join(lines[1:] if lines and "(" in lines[0] and "->" in lines[0] else lines)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_docstring(name):
    doc = body(getattr(mx, name).__doc__)
    assert len(doc) > 60, f"{name}: {doc!r}"
    assert "Args:" in doc or "Returns:" in doc, f"{name}: {doc!r}"


@pytest.mark.parametrize("name", METHODS)
def test_method_docstring(name):
    doc = body(getattr(mx.array, name).__doc__)
    assert len(doc) > 40, f"{name}: {doc!r}"
    assert "Args:" in doc or "Returns:" in doc, f"{name}: {doc!r}"


@pytest.mark.parametrize("name", CLASSES)
def test_class_docstring(name):
    doc = getattr(mx, name).__doc__ or ""
    assert len(doc) > 60 and ("Args:" in doc or "Attributes:" in doc), f"{name}: {doc!r}"


def test_properties_documented():
    for p in ["shape", "ndim", "size", "dtype", "itemsize", "nbytes", "T", "mT", "device"]:
        assert len(getattr(mx.array, p).__doc__ or "") > 15, p
