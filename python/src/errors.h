// The one place that turns C++ exceptions into Python ones.
#pragma once
#include <nanobind/nanobind.h>

namespace nb = nanobind;

// Registers the translator: std::invalid_argument -> ValueError, std::out_of_range ->
// IndexError, mx::type_error -> TypeError, std::bad_alloc -> MemoryError, other
// std::exception -> RuntimeError.
void init_errors(nb::module_& m);
