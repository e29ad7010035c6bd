// The one family of element-wise op bindings: f(a, /, *, stream=None) and
// f(a, b, /, *, stream=None), as the reference binds every unary and binary op (its
// docstrings show `add(a, b, stream=None)`, but it rejects `add(a=x, b=y)` and a positional
// stream; tests/test_signatures.py checks both).
#pragma once
#include <string>

#include "python/src/common.h"
#include "python/src/convert.h"

using UnaryFn = mx::array (*)(const mx::array&, mx::StreamOrDevice);
using BinaryFn = mx::array (*)(const mx::array&, const mx::array&, mx::StreamOrDevice);

// An op's array operand: arrays pass through, anything else is converted (Python scalars
// with their default dtype).
inline mx::array operand(nb::handle v) {
  if (nb::isinstance<mx::array>(v)) return nb::cast<mx::array>(v);
  return to_array(v);
}

// Defines name(a: scalar | array, /, *, stream=None) calling fn.
inline void def_unary_op(nb::module_& m, const char* name, UnaryFn fn, const std::string& doc) {
  std::string sig = std::string("def ") + name + "(a: scalar | array, /, *, stream: Stream | Device | None = None) -> array";
  def_op(m, name, [fn](nb::handle a, mx::StreamOrDevice s) { return fn(operand(a), s); }, nb::arg(), nb::kw_only(),
         nb::arg("stream") = nb::none(), nb::sig(sig.c_str()), doc.c_str());
}

// Defines name(a: scalar | array, b: scalar | array, /, *, stream=None) calling fn; a Python
// scalar takes the other operand's dtype.
inline void def_binary_op(nb::module_& m, const char* name, BinaryFn fn, const std::string& doc) {
  std::string sig = std::string("def ") + name +
                    "(a: scalar | array, b: scalar | array, /, *, stream: Stream | Device | None = None) -> array";
  def_op(m, name, [fn](nb::handle a, nb::handle b, mx::StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b);
        return fn(x, y, s);
      }, nb::arg(), nb::arg(), nb::kw_only(), nb::arg("stream") = nb::none(), nb::sig(sig.c_str()), doc.c_str());
}
