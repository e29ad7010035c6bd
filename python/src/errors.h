// The one place that turns C++ exceptions into Python ones.
#pragma once
#include <nanobind/nanobind.h>

namespace nb = nanobind;

// Registers the translator: std::invalid_argument -> ValueError, std::out_of_range ->
// IndexError, mx::type_error -> TypeError, std::bad_alloc -> MemoryError,
// std::overflow_error -> OverflowError, other std::exception -> RuntimeError.
void init_errors(nb::module_& m);

// Sets the Python error for the C++ exception being handled, by the same table (call it inside
// a catch block; for C-API slots such as the buffer protocol that return -1 instead of throwing).
// nanobind's python_error is restored as it is.
void set_python_error_from_current_exception();
