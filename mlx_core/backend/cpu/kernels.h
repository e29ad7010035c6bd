// Shared helpers of the CPU kernels.
#pragma once
#include <initializer_list>
#include <memory>

#include "mlx_core/array.h"

namespace mlx::core::cpu {

// Gives `out` a fresh row-contiguous buffer (from the allocator's cache).
inline void allocate_output(array& out) {
  out.set_data(std::make_shared<Data>(std::max<size_t>(out.nbytes(), 1)));
}

// True when every element of a is the same memory location (a broadcast scalar).
inline bool is_scalar_like(const array& a) {
  for (size_t i = 0; i < a.strides().size(); ++i) {
    if (a.shape()[i] != 1 && a.strides()[i] != 0) return false;
  }
  return true;
}

// Whether `x` covers its whole buffer in one dense block laid out as `out` is (so the two
// can be walked as flat runs of equal offsets).
inline bool same_dense_layout(const array& x, const array& out) {
  if (x.flags().row_contiguous && out.flags().row_contiguous) return true;
  return x.flags().contiguous && x.data_size() == x.size() && x.strides() == out.strides();
}

// Whether `out` may take over `in`'s buffer and write its result there (buffer donation):
// nothing else can see `in` (is_donatable: no other handle, view or export, memory from the
// allocator), `out` is not a tracer (a transform may still read `in`), the elements have one
// size and `in` covers its whole buffer densely: row-contiguous, or (with `any_dense`) in
// any axis order, which `out` then takes. A kernel that writes into a donated buffer must
// not fail after it starts writing (a retry reads `in`).
inline bool can_donate(const array& in, const array& out, bool any_dense = false) {
  return in.itemsize() == out.itemsize() && in.shape() == out.shape() &&
         (in.flags().row_contiguous || (any_dense && in.flags().contiguous)) && in.offset() == 0 &&
         in.data_size() == in.size() && !out.is_tracer() && in.is_donatable();
}

// Gives `out` the buffer of `in` (of out's dtype) when can_donate allows it, for an op that
// updates a copy of `in` (scatter, slice update) in place; otherwise a fresh buffer. Returns
// whether it donated.
inline bool donate_or_allocate(const array& in, array& out) {
  if (in.dtype() == out.dtype() && can_donate(in, out)) {
    out.copy_shared_buffer(in);
    return true;
  }
  allocate_output(out);
  return false;
}

// For an op that computes each element of `out` from the same element of its inputs only
// (element-wise ops, casts, select): `out` takes the buffer (and layout) of the first of
// `ins` that can_donate allows, of any dtype of out's element size; a donor that is not
// row-contiguous qualifies when every other input is a broadcast scalar or laid out as it
// is. Otherwise `out` gets a fresh row-contiguous buffer. Returns the donor's position in
// `ins`, or -1.
inline int donate_or_allocate(std::initializer_list<const array*> ins, array& out) {
  int i = 0;
  for (const array* in : ins) {
    bool any_dense = true;
    for (const array* other : ins) {
      if (other != in && !is_scalar_like(*other) && other->strides() != in->strides()) any_dense = false;
    }
    if (can_donate(*in, out, any_dense)) {
      out.copy_shared_buffer(*in);
      return i;
    }
    ++i;
  }
  allocate_output(out);
  return -1;
}

// Copies `in` (any layout) into `dst`, laid out with dst_strides (elements), casting to
// dst_dtype. dst points at element [0, ..., 0].
void copy_strided(const array& in, void* dst, Dtype dst_dtype, const Strides& dst_strides);

// A row-contiguous copy of `in` cast to dtype (a new, evaluated array).
array contiguous_copy(const array& in, Dtype dtype);

} // namespace mlx::core::cpu
