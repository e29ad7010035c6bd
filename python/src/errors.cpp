#include "python/src/errors.h"

#include <exception>
#include <new>
#include <stdexcept>

#include "mlx_core/errors.h"

namespace mx = mlx::core;

// The one table. Order matters: mx::type_error derives from std::invalid_argument, and
// nanobind's builtin exceptions from std::runtime_error.
void set_python_error_from_current_exception() {
  try {
    throw;
  } catch (nb::python_error& e) {
    e.restore();
  } catch (const nb::builtin_exception& e) {
    PyObject* type = PyExc_RuntimeError;
    switch (e.type()) {
      case nb::exception_type::buffer_error: type = PyExc_BufferError; break;
      case nb::exception_type::type_error: type = PyExc_TypeError; break;
      case nb::exception_type::value_error: type = PyExc_ValueError; break;
      case nb::exception_type::index_error: type = PyExc_IndexError; break;
      case nb::exception_type::key_error: type = PyExc_KeyError; break;
      case nb::exception_type::attribute_error: type = PyExc_AttributeError; break;
      case nb::exception_type::stop_iteration: type = PyExc_StopIteration; break;
      case nb::exception_type::import_error: type = PyExc_ImportError; break;
      default: break;
    }
    PyErr_SetString(type, e.what());
  } catch (const mx::type_error& e) {
    PyErr_SetString(PyExc_TypeError, e.what());
  } catch (const std::invalid_argument& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::out_of_range& e) {
    PyErr_SetString(PyExc_IndexError, e.what());
  } catch (const std::bad_alloc& e) {
    PyErr_SetString(PyExc_MemoryError, e.what());
  } catch (const std::overflow_error& e) {
    PyErr_SetString(PyExc_OverflowError, e.what());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "Unknown C++ exception.");
  }
}

void init_errors(nb::module_&) {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (...) {
      set_python_error_from_current_exception();
    }
  });
}
