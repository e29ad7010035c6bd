#include "mlx_core/ops/shape.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "mlx_core/errors.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/elementwise.h"
#include "mlx_core/ops/linalg.h"
#include "mlx_core/ops/reduce.h"
#include "mlx_core/primitives/concat_pad.h"
#include "mlx_core/primitives/shape.h"
#include "mlx_core/shape_check.h"
#include "mlx_core/utils.h"

namespace mlx::core {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const Shape& big = a.size() >= b.size() ? a : b;
  const Shape& small = a.size() >= b.size() ? b : a;
  Shape out = big;
  size_t diff = big.size() - small.size();
  for (size_t i = 0; i < small.size(); ++i) {
    auto x = big[i + diff], y = small[i];
    if (x == y || y == 1) continue;
    if (x == 1) {
      out[i + diff] = y;
      continue;
    }
    throw std::invalid_argument(
        msg("[broadcast_shapes] Shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast."));
  }
  checked_shape_size(out, 1, "broadcast_shapes");
  return out;
}

namespace {
// A dimension computed in 64 bits (`wrapped`: beyond 64 bits) as a ShapeElem;
// OverflowError beyond 32 bits.
ShapeElem checked_dim(uint64_t d, bool wrapped, const char* op) {
  if (wrapped || d > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max())) {
    std::string dim = wrapped ? std::string("beyond 2**64") : std::to_string(d);
    throw std::overflow_error(msg("[", op, "] Shape dimension ", dim, " is outside the supported range [",
                                  std::numeric_limits<ShapeElem>::min(), ", ",
                                  std::numeric_limits<ShapeElem>::max(),
                                  "]: shape dimensions are 32-bit integers."));
  }
  return static_cast<ShapeElem>(d);
}
} // namespace

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  int infer = -1;
  // The product of the known dimensions; `overflow` once it exceeds 64 bits (then it
  // cannot equal the array's size, which fits in memory).
  uint64_t known = 1;
  bool overflow = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("[reshape] Reshape can only infer one dimension.");
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument(msg("[reshape] Invalid dimension ", shape[i], " in shape."));
    } else {
      overflow = __builtin_mul_overflow(known, static_cast<uint64_t>(shape[i]), &known) || overflow;
    }
  }
  if (infer >= 0) {
    if (known == 0) {
      throw std::invalid_argument("[reshape] Cannot infer the shape of an empty array.");
    }
    if (!overflow && a.size() % known == 0) {
      shape[infer] = checked_dim(a.size() / known, false, "reshape");
      known *= shape[infer];
    } else {
      overflow = true; // no integer dimension fits: the size check below raises
    }
  }
  if (overflow || known != a.size()) {
    if (infer >= 0) shape[infer] = -1;
    throw std::invalid_argument(
        msg("[reshape] Cannot reshape array of size ", a.size(), " into shape ", shape_str(shape), "."));
  }
  if (shape == a.shape()) return a;
  return array(shape, a.dtype(), std::make_shared<Reshape>(to_stream(s), shape), {a});
}

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  if (static_cast<int>(axes.size()) != a.ndim()) {
    throw std::invalid_argument(msg("[transpose] Received ", axes.size(), " axes for array with ", a.ndim(),
                                    " dimensions."));
  }
  std::vector<bool> seen(a.ndim(), false);
  Shape shape(a.ndim());
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = normalize_axis(axes[i], a.ndim(), "transpose");
    if (seen[ax]) throw std::invalid_argument("[transpose] Repeat axes not allowed.");
    seen[ax] = true;
    axes[i] = ax;
    shape[i] = a.shape()[ax];
  }
  bool identity = true;
  for (size_t i = 0; i < axes.size(); ++i) identity &= axes[i] == static_cast<int>(i);
  if (identity) return a;
  return array(shape, a.dtype(), std::make_shared<Transpose>(to_stream(s), axes), {a});
}

array transpose(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose(a, axes, s);
}

array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  int a1 = normalize_axis(axis1, a.ndim(), "swapaxes");
  int a2 = normalize_axis(axis2, a.ndim(), "swapaxes");
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[a1], axes[a2]);
  return transpose(a, axes, s);
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  int src = normalize_axis(source, a.ndim(), "moveaxis");
  int dst = normalize_axis(destination, a.ndim(), "moveaxis");
  std::vector<int> axes;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != src) axes.push_back(i);
  }
  axes.insert(axes.begin() + dst, src);
  return transpose(a, axes, s);
}

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  std::vector<bool> drop(a.ndim(), false);
  for (int ax : axes) {
    int n = normalize_axis(ax, a.ndim(), "squeeze");
    if (drop[n]) throw std::invalid_argument("[squeeze] Received duplicate axes.");
    if (a.shape()[n] != 1) {
      throw std::invalid_argument(
          msg("[squeeze] Cannot squeeze axis ", ax, " with size ", a.shape()[n], " which is not equal to 1."));
    }
    drop[n] = true;
  }
  Shape shape;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!drop[i]) shape.push_back(a.shape()[i]);
  }
  return reshape(a, shape, s);
}

array squeeze(const array& a, StreamOrDevice s) {
  std::vector<int> axes;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape()[i] == 1) axes.push_back(i);
  }
  return squeeze(a, axes, s);
}

array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int out_nd = a.ndim() + static_cast<int>(axes.size());
  std::vector<bool> is_new(out_nd, false);
  for (int ax : axes) {
    int n = normalize_axis(ax, out_nd, "expand_dims");
    if (is_new[n]) throw std::invalid_argument("[expand_dims] Received duplicate axes.");
    is_new[n] = true;
  }
  Shape shape;
  int k = 0;
  for (int i = 0; i < out_nd; ++i) shape.push_back(is_new[i] ? 1 : a.shape()[k++]);
  return reshape(a, shape, s);
}

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("[broadcast_to] Negative dimensions not allowed.");
  }
  checked_shape_size(shape, a.itemsize(), "broadcast_to");
  Shape out = broadcast_shapes(a.shape(), shape);
  if (out != shape) {
    throw std::invalid_argument(
        msg("[broadcast_to] Cannot broadcast array of shape ", shape_str(a.shape()), " to shape ",
            shape_str(shape), "."));
  }
  return array(shape, a.dtype(), std::make_shared<Broadcast>(to_stream(s), shape), {a});
}

std::vector<array> broadcast_arrays(const std::vector<array>& inputs, StreamOrDevice s) {
  Shape shape;
  for (auto& in : inputs) shape = broadcast_shapes(shape, in.shape());
  std::vector<array> out;
  for (auto& in : inputs) out.push_back(broadcast_to(in, shape, s));
  return out;
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1}, s);
  int st = normalize_axis(start_axis, a.ndim(), "flatten");
  int en = normalize_axis(end_axis, a.ndim(), "flatten");
  if (st > en) {
    throw std::invalid_argument("[flatten] start_axis must be less than or equal to end_axis.");
  }
  Shape shape(a.shape().begin(), a.shape().begin() + st);
  uint64_t merged = 1;
  bool overflow = false;
  for (int i = st; i <= en; ++i) {
    overflow = __builtin_mul_overflow(merged, static_cast<uint64_t>(a.shape()[i]), &merged) || overflow;
  }
  shape.push_back(checked_dim(merged, overflow, "flatten"));
  shape.insert(shape.end(), a.shape().begin() + en + 1, a.shape().end());
  return reshape(a, shape, s);
}

namespace {
// Canonical bounds of a slice of n elements from start by step (n >= 0).
SliceBounds canonical_slice(int64_t start, int64_t step, int64_t n) {
  if (n == 0) return {0, 0, 1, 0};
  if (n == 1) return {start, start + 1, 1, 1};
  int64_t last = start + (n - 1) * step;
  return {start, last + (step > 0 ? 1 : -1), step, n};
}

// The number of elements of start:stop:step (no clamping; |values| < 2^62).
int64_t slice_length(int64_t start, int64_t stop, int64_t step) {
  if (step > 0 && start < stop) return (stop - start - 1) / step + 1;
  if (step < 0 && stop < start) return (start - stop - 1) / (-step) + 1;
  return 0;
}
} // namespace

SliceBounds normalize_slice(int64_t size, int64_t start, int64_t stop, int64_t step, const char* op) {
  if (step == 0) throw std::invalid_argument(msg("[", op, "] Slice step cannot be zero."));
  if (step == std::numeric_limits<int64_t>::min()) step = -std::numeric_limits<int64_t>::max();
  auto clamp = [&](int64_t v) {
    if (v < 0) {
      v += size; // no overflow: v < 0 <= size
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= size) {
      v = step < 0 ? size - 1 : size;
    }
    return v;
  };
  // Both bounds end up in [-1, size]: the length cannot overflow, and with two or more
  // elements inside [0, size), |step| <= size - 1.
  start = clamp(start);
  stop = clamp(stop);
  return canonical_slice(start, step, slice_length(start, stop, step));
}

namespace {
// Checks that a slice given as normalized bounds (as normalize_slice returns them, or any
// bounds whose elements all lie inside the axis) stays inside `a`, puts the bounds in
// canonical form and returns the output shape.
Shape slice_shape(const array& a, Shape& start, Shape& stop, Shape& strides, const char* op) {
  if (static_cast<int>(start.size()) != a.ndim() || stop.size() != start.size() || strides.size() != start.size()) {
    throw std::invalid_argument(msg("[", op, "] Invalid number of indices or strides for array with dimension ",
                                    a.ndim(), "."));
  }
  Shape shape(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) {
    int64_t size = a.shape()[i], st = strides[i];
    if (st == 0) throw std::invalid_argument(msg("[", op, "] Slice step cannot be zero."));
    // int32 bounds: every product and difference below fits in 64 bits.
    int64_t n = slice_length(start[i], stop[i], st);
    int64_t last = start[i] + (n - 1) * st;
    if (n > 0 && (start[i] < 0 || start[i] >= size || last < 0 || last >= size)) {
      throw std::out_of_range(msg("[", op, "] Slice ", start[i], ":", stop[i], ":", st,
                                  " reaches outside axis ", i, " of size ", size, "."));
    }
    SliceBounds b = canonical_slice(start[i], st, n);
    start[i] = static_cast<ShapeElem>(b.start);
    stop[i] = static_cast<ShapeElem>(b.stop);
    strides[i] = static_cast<ShapeElem>(b.step);
    shape[i] = static_cast<ShapeElem>(b.length);
  }
  return shape;
}
} // namespace

array slice(const array& a, Shape start, Shape stop, Shape strides, StreamOrDevice s) {
  Shape shape = slice_shape(a, start, stop, strides, "slice");
  if (shape == a.shape() && std::all_of(strides.begin(), strides.end(), [](auto v) { return v == 1; })) {
    return a;
  }
  return array(shape, a.dtype(), std::make_shared<Slice>(to_stream(s), start, stop, strides), {a});
}

array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape strides, StreamOrDevice s) {
  Shape shape = slice_shape(src, start, stop, strides, "slice_update");
  array upd = broadcast_to(astype(update, src.dtype(), s), shape, s);
  return array(src.shape(), src.dtype(), std::make_shared<SliceUpdate>(to_stream(s), start, stop, strides),
               {src, upd});
}

} // namespace mlx::core

// ---------------------------------------------------------------------------------------
// Joining, splitting, padding, repeating.


namespace mlx::core {

namespace {

// a * b for dimensions, OverflowError beyond 32 bits.
ShapeElem mul_dims(int64_t a, int64_t b, const char* op) {
  uint64_t r;
  bool wrapped = __builtin_mul_overflow(static_cast<uint64_t>(a), static_cast<uint64_t>(b), &r);
  return checked_dim(r, wrapped, op);
}

// a[start:stop] along one axis (bounds already inside the axis).
array slice_axis(const array& a, int axis, int64_t start, int64_t stop, StreamOrDevice s) {
  Shape st(a.ndim(), 0), sp = a.shape(), str(a.ndim(), 1);
  st[axis] = static_cast<ShapeElem>(start);
  sp[axis] = static_cast<ShapeElem>(stop);
  return slice(a, st, sp, str, s);
}

} // namespace

array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) throw std::invalid_argument("[concatenate] No arrays provided for concatenation.");
  int nd = arrays[0].ndim();
  Dtype dt = arrays[0].dtype();
  for (auto& x : arrays) {
    if (x.ndim() != nd) {
      throw std::invalid_argument(msg("[concatenate] All the input arrays must have the same number of dimensions, "
                                      "got arrays with dimensions ", nd, " and ", x.ndim(), "."));
    }
    dt = promote_types(dt, x.dtype());
  }
  int ax = normalize_axis(axis, nd, "concatenate");
  Shape shape = arrays[0].shape();
  int64_t total = 0;
  for (auto& x : arrays) {
    for (int i = 0; i < nd; ++i) {
      if (i != ax && x.shape()[i] != shape[i]) {
        throw std::invalid_argument(msg("[concatenate] All the input array dimensions must match exactly except for "
                                        "the concatenation axis, got shapes ", shape_str(arrays[0].shape()), " and ",
                                        shape_str(x.shape()), " with axis ", ax, "."));
      }
    }
    total += x.shape()[ax];
  }
  shape[ax] = checked_dim(static_cast<uint64_t>(total), false, "concatenate");
  if (arrays.size() == 1) return astype(arrays[0], dt, s);
  for (auto& x : arrays) x = astype(x, dt, s);
  return array(std::move(shape), dt, std::make_shared<Concatenate>(to_stream(s), ax), std::move(arrays));
}

array concatenate(std::vector<array> arrays, StreamOrDevice s) {
  for (auto& x : arrays) x = flatten(x, 0, -1, s);
  return concatenate(std::move(arrays), 0, s);
}

array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) throw std::invalid_argument("[stack] No arrays provided for stacking.");
  for (auto& x : arrays) {
    if (x.shape() != arrays[0].shape()) {
      throw std::invalid_argument(msg("[stack] All arrays must have the same shape, got ", shape_str(arrays[0].shape()),
                                      " and ", shape_str(x.shape()), "."));
    }
  }
  int ax = normalize_axis(axis, arrays[0].ndim() + 1, "stack");
  std::vector<array> parts;
  for (auto& x : arrays) parts.push_back(expand_dims(x, {ax}, s));
  return concatenate(std::move(parts), ax, s);
}

std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  if (num_splits <= 0) {
    throw std::invalid_argument(msg("[split] num_splits must be positive and non-zero but got ", num_splits, "."));
  }
  int64_t n = a.shape()[ax];
  if (n % num_splits != 0) {
    throw std::invalid_argument(msg("[split] Array split does not result in sub arrays with equal size: attempting ",
                                    num_splits, " splits along axis ", ax, " for shape ", shape_str(a.shape()), "."));
  }
  std::vector<int64_t> idx;
  for (int k = 1; k < num_splits; ++k) idx.push_back(k * (n / num_splits));
  return split(a, idx, ax, s);
}

std::vector<array> split(const array& a, const std::vector<int64_t>& indices, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  int64_t n = a.shape()[ax];
  std::vector<array> out;
  int64_t prev = 0;
  for (size_t k = 0; k <= indices.size(); ++k) {
    int64_t stop = k < indices.size() ? indices[k] : n;
    SliceBounds b = normalize_slice(n, prev, stop, 1, "split");
    out.push_back(slice_axis(a, ax, b.start, b.stop, s));
    prev = stop;
  }
  return out;
}

std::vector<array> unstack(const array& a, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "unstack");
  std::vector<array> out;
  for (int64_t i = 0; i < a.shape()[ax]; ++i) out.push_back(squeeze(slice_axis(a, ax, i, i + 1, s), {ax}, s));
  return out;
}

namespace {

// Pads one axis by mirroring: "edge" repeats the end elements, "reflect" mirrors about
// them, "symmetric" mirrors including them (as NumPy, large widths mirror repeatedly).
array pad_mirror(array x, int ax, int64_t lo, int64_t hi, const std::string& mode, StreamOrDevice s) {
  int64_t n = x.shape()[ax];
  if (n == 0) {
    throw std::invalid_argument(msg("[pad] Cannot extend the empty axis ", ax, " with mode '", mode, "'."));
  }
  if (mode == "edge" || (mode == "reflect" && n == 1)) {
    std::vector<array> parts;
    Shape sh = x.shape();
    if (lo > 0) {
      sh[ax] = static_cast<ShapeElem>(lo);
      parts.push_back(broadcast_to(slice_axis(x, ax, 0, 1, s), sh, s));
    }
    parts.push_back(x);
    if (hi > 0) {
      sh[ax] = static_cast<ShapeElem>(hi);
      parts.push_back(broadcast_to(slice_axis(x, ax, n - 1, n, s), sh, s));
    }
    return concatenate(std::move(parts), ax, s);
  }
  bool refl = mode == "reflect";
  while (lo > 0 || hi > 0) {
    int64_t cur = x.shape()[ax];
    int64_t avail = refl ? cur - 1 : cur;
    int64_t cl = std::min(lo, avail), ch = std::min(hi, avail);
    std::vector<array> parts;
    int64_t first = refl ? 1 : 0;
    if (cl > 0) parts.push_back(flip(slice_axis(x, ax, first, first + cl, s), {ax}, s));
    parts.push_back(x);
    int64_t last = refl ? cur - 1 : cur;
    if (ch > 0) parts.push_back(flip(slice_axis(x, ax, last - ch, last, s), {ax}, s));
    x = concatenate(std::move(parts), ax, s);
    lo -= cl;
    hi -= ch;
  }
  return x;
}

} // namespace

array pad(const array& a, const std::vector<std::pair<int64_t, int64_t>>& pad_width, const array& pad_value,
          const std::string& mode, StreamOrDevice s) {
  if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "symmetric") {
    throw std::invalid_argument(msg("[pad] Invalid padding mode (", mode,
                                    "); expected 'constant', 'edge', 'reflect' or 'symmetric'."));
  }
  if (static_cast<int>(pad_width.size()) != a.ndim()) {
    throw std::invalid_argument(msg("[pad] Invalid number of padding sizes (", pad_width.size(),
                                    ") passed to pad for an array with ", a.ndim(), " dimensions."));
  }
  Shape low, high, shape;
  bool any = false;
  for (int i = 0; i < a.ndim(); ++i) {
    auto [lo, hi] = pad_width[i];
    if (lo < 0 || hi < 0) {
      throw std::invalid_argument(msg("[pad] Invalid ", lo < 0 ? "low" : "high", " padding size (", lo < 0 ? lo : hi,
                                      ") passed to pad for axis ", i, ". Padding sizes must be non-negative."));
    }
    uint64_t d = static_cast<uint64_t>(a.shape()[i]);
    bool wrapped = __builtin_add_overflow(d, static_cast<uint64_t>(lo), &d);
    wrapped = __builtin_add_overflow(d, static_cast<uint64_t>(hi), &d) || wrapped;
    shape.push_back(checked_dim(d, wrapped, "pad"));
    low.push_back(static_cast<ShapeElem>(lo));
    high.push_back(static_cast<ShapeElem>(hi));
    any = any || lo > 0 || hi > 0;
  }
  if (pad_value.size() != 1) {
    throw std::invalid_argument(msg("[pad] constant_values must be a scalar, got an array of shape ",
                                    shape_str(pad_value.shape()), "."));
  }
  if (!any) return a;
  if (mode == "constant") {
    array v = astype(reshape(pad_value, {}, s), a.dtype(), s);
    return array(std::move(shape), a.dtype(), std::make_shared<Pad>(to_stream(s), low, high), {a, v});
  }
  int m = mode == "edge" ? 0 : mode == "reflect" ? 1 : 2;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape()[i] == 0 && (low[i] > 0 || high[i] > 0)) {
      throw std::invalid_argument(msg("[pad] Cannot extend the empty axis ", i, " with mode '", mode, "'."));
    }
  }
  return array(std::move(shape), a.dtype(), std::make_shared<PadMirror>(to_stream(s), low, high, m), {a});
}

namespace detail {
array pad_mirror_ops(const array& a, const Shape& low, const Shape& high, int mode, StreamOrDevice s) {
  static const char* names[] = {"edge", "reflect", "symmetric"};
  array x = a;
  for (int i = 0; i < a.ndim(); ++i) {
    if (low[i] > 0 || high[i] > 0) x = pad_mirror(x, i, low[i], high[i], names[mode], s);
  }
  return x;
}
} // namespace detail

array tile(const array& a, std::vector<int64_t> reps, StreamOrDevice s) {
  for (auto r : reps) {
    if (r < 0) throw std::invalid_argument(msg("[tile] Negative repetitions (", r, ") are not allowed."));
  }
  int nd = std::max<int>(a.ndim(), static_cast<int>(reps.size()));
  reps.insert(reps.begin(), nd - reps.size(), 1);
  Shape in = a.shape();
  in.insert(in.begin(), nd - a.ndim(), 1);
  Shape expanded, target, out;
  for (int i = 0; i < nd; ++i) {
    expanded.insert(expanded.end(), {1, in[i]});
    target.insert(target.end(), {checked_dim(static_cast<uint64_t>(reps[i]), false, "tile"), in[i]});
    out.push_back(mul_dims(reps[i], in[i], "tile"));
  }
  return reshape(broadcast_to(reshape(a, expanded, s), target, s), out, s);
}

array repeat(const array& a, int64_t repeats, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "repeat");
  if (repeats < 0) throw std::invalid_argument("[repeat] Number of repeats cannot be negative.");
  checked_dim(static_cast<uint64_t>(repeats), false, "repeat");
  Shape out = a.shape();
  out[ax] = mul_dims(a.shape()[ax], repeats, "repeat");
  if (repeats == 1) return a;
  return array(std::move(out), a.dtype(), std::make_shared<Repeat>(to_stream(s), ax, static_cast<int>(repeats)), {a});
}

array repeat(const array& a, int64_t repeats, StreamOrDevice s) { return repeat(flatten(a, 0, -1, s), repeats, 0, s); }

namespace {
// shift mod n in [0, n) (n > 0).
int64_t wrap_shift(int64_t shift, int64_t n) {
  int64_t k = shift % n;
  return k < 0 ? k + n : k;
}

} // namespace

array roll(const array& a, const std::vector<int64_t>& shift, const std::vector<int>& axes, StreamOrDevice s) {
  if (shift.empty() || axes.empty()) {
    if (shift.empty() && axes.empty()) return a;
    throw std::invalid_argument("[roll] The shift and axis arguments must not be empty.");
  }
  std::vector<int64_t> shifts = shift;
  if (axes.size() == 1 && shift.size() > 1) {
    shifts = {0};
    int ax = normalize_axis(axes[0], a.ndim(), "roll");
    int64_t n = std::max<int64_t>(a.shape()[ax], 1);
    for (auto v : shift) shifts[0] = wrap_shift(shifts[0] + wrap_shift(v, n), n);
  } else if (shift.size() == 1) {
    shifts.assign(axes.size(), shift[0]);
  } else if (shift.size() != axes.size()) {
    throw std::invalid_argument(msg("[roll] The shift (", shift.size(), " values) and axis (", axes.size(),
                                    " values) must have the same length."));
  }
  // Shifts along one axis add up.
  std::vector<int64_t> per(a.ndim(), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = normalize_axis(axes[i], a.ndim(), "roll");
    int64_t n = std::max<int64_t>(a.shape()[ax], 1);
    per[ax] = wrap_shift(per[ax] + wrap_shift(shifts[i], n), n);
  }
  if (a.size() == 0 || std::all_of(per.begin(), per.end(), [](int64_t k) { return k == 0; })) return a;
  return array(a.shape(), a.dtype(), std::make_shared<Roll>(to_stream(s), per), {a});
}

array roll(const array& a, const std::vector<int64_t>& shift, StreamOrDevice s) {
  if (a.size() == 0) return a;
  int64_t n = static_cast<int64_t>(a.size()), k = 0;
  for (auto v : shift) k = wrap_shift(k + wrap_shift(v, n), n);
  return reshape(roll(flatten(a, 0, -1, s), {k}, {0}, s), a.shape(), s);
}

array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  std::vector<bool> rev(a.ndim(), false);
  for (int ax : axes) {
    int n = normalize_axis(ax, a.ndim(), "flip");
    rev[n] = !rev[n];
  }
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  for (int i = 0; i < a.ndim(); ++i) {
    if (rev[i] && a.shape()[i] > 1) {
      start[i] = a.shape()[i] - 1;
      stop[i] = -1;
      step[i] = -1;
    }
  }
  return slice(a, start, stop, step, s);
}

array flip(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return flip(a, axes, s);
}

array matrix_transpose(const array& a, StreamOrDevice s) {
  if (a.ndim() < 2) {
    throw std::invalid_argument(msg("[matrix_transpose] Input array must have at least 2 dimensions, got ", a.ndim(),
                                    "."));
  }
  return swapaxes(a, -1, -2, s);
}

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "unflatten");
  if (shape.empty()) throw std::invalid_argument("[unflatten] Shape to unflatten to cannot be empty.");
  int infer = -1;
  uint64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("[unflatten] Can only infer one dimension.");
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument(msg("[unflatten] Invalid dimension ", shape[i], " in shape."));
    } else if (__builtin_mul_overflow(known, static_cast<uint64_t>(shape[i]), &known)) {
      known = ~uint64_t(0);
    }
  }
  uint64_t n = static_cast<uint64_t>(a.shape()[ax]);
  if (infer >= 0 && known != 0 && n % known == 0) {
    shape[infer] = static_cast<ShapeElem>(n / known);
    known = n;
  }
  if (known != n || (infer >= 0 && shape[infer] < 0)) {
    throw std::invalid_argument(msg("[unflatten] Cannot unflatten axis ", axis, " with size ", n, " into shape ",
                                    shape_str(shape), "."));
  }
  Shape out(a.shape().begin(), a.shape().begin() + ax);
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), a.shape().begin() + ax + 1, a.shape().end());
  return reshape(a, out, s);
}

array atleast_1d(const array& a, StreamOrDevice s) { return a.ndim() == 0 ? reshape(a, {1}, s) : a; }

array atleast_2d(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1, 1}, s);
  if (a.ndim() == 1) return reshape(a, {1, a.shape()[0]}, s);
  return a;
}

array atleast_3d(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1, 1, 1}, s);
  if (a.ndim() == 1) return reshape(a, {1, a.shape()[0], 1}, s);
  if (a.ndim() == 2) return reshape(a, {a.shape()[0], a.shape()[1], 1}, s);
  return a;
}

array as_strided(const array& a, Shape shape, Strides strides, int64_t offset, StreamOrDevice s) {
  if (shape.size() != strides.size()) {
    throw std::invalid_argument(msg("[as_strided] The shape (", shape.size(), " dimensions) and strides (",
                                    strides.size(), " values) must have the same length."));
  }
  uint64_t size = 1;
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument(msg("[as_strided] Invalid dimension ", d, " in shape."));
    size *= static_cast<uint64_t>(d); // 32-bit factors: no 64-bit wrap before a zero
    if (size > (uint64_t(1) << 62)) size = uint64_t(1) << 62;
  }
  if (size > 0) {
    // The lowest and highest element offsets the view reads must lie inside a.
    __int128 lo = offset, hi = offset;
    for (size_t i = 0; i < shape.size(); ++i) {
      __int128 span = static_cast<__int128>(shape[i] - 1) * strides[i];
      (span < 0 ? lo : hi) += span;
    }
    if (lo < 0 || hi >= static_cast<__int128>(a.size())) {
      throw std::invalid_argument(msg("[as_strided] The view with shape ", shape_str(shape), ", strides (",
                                      [&] {
                                        std::string r;
                                        for (size_t i = 0; i < strides.size(); ++i)
                                          r += (i ? ", " : "") + std::to_string(strides[i]);
                                        return r;
                                      }(),
                                      ") and offset ", offset, " reads outside the array's ", a.size(),
                                      " elements."));
    }
  }
  return array(shape, a.dtype(), std::make_shared<AsStrided>(to_stream(s), shape, std::move(strides), offset), {a});
}

array strided_accumulate(const array& a, const Strides& strides, int64_t offset, ShapeElem size, StreamOrDevice s) {
  return array({size}, a.dtype(), std::make_shared<StridedAccumulate>(to_stream(s), strides, offset, size), {a});
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<Contiguous>(to_stream(s), allow_col_major), {a});
}

array diff(const array& a, int n, int axis, StreamOrDevice s) {
  if (n < 0) throw std::invalid_argument(msg("[diff] Order `n` must be non-negative, got ", n, "."));
  auto in_range = axis_in_range(axis, a.ndim());
  if (!in_range) {
    throw std::out_of_range(msg("[diff] Axis ", axis, " is out of bounds for an array with ", a.ndim(),
                                " dimensions."));
  }
  int ax = *in_range;
  array x = a;
  for (int i = 0; i < n; ++i) {
    int64_t len = x.shape()[ax];
    if (len == 0) break;
    array hi = slice_axis(x, ax, 1, len, s), lo = slice_axis(x, ax, 0, len - 1, s);
    x = x.dtype() == bool_ ? not_equal(hi, lo, s) : subtract(hi, lo, s);
  }
  return x;
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  if (a.size() == 0 || b.size() == 0) throw std::invalid_argument("[kron] Input arrays cannot be empty.");
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  int nd = std::max(a.ndim(), b.ndim());
  Shape sa = a.shape(), sb = b.shape();
  sa.insert(sa.begin(), nd - a.ndim(), 1);
  sb.insert(sb.begin(), nd - b.ndim(), 1);
  Shape ea, eb, out;
  for (int i = 0; i < nd; ++i) {
    ea.insert(ea.end(), {sa[i], 1});
    eb.insert(eb.end(), {1, sb[i]});
    out.push_back(mul_dims(sa[i], sb[i], "kron"));
  }
  return reshape(multiply(reshape(a, ea, s), reshape(b, eb, s), s), out, s);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  array fa = reshape(a, {checked_dim(a.size(), false, "outer"), 1}, s);
  return multiply(fa, flatten(b, 0, -1, s), s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  if (a.shape().back() != b.shape().back()) {
    throw std::invalid_argument(msg("[inner] a and b must have the same last dimension, got shapes ",
                                    shape_str(a.shape()), " and ", shape_str(b.shape()), "."));
  }
  ShapeElem k = a.shape().back();
  auto rows = [&](const array& x) {
    uint64_t r = 1;
    for (int i = 0; i + 1 < x.ndim(); ++i) r *= static_cast<uint64_t>(x.shape()[i]);
    return checked_dim(r, false, "inner");
  };
  array m = matmul(reshape(a, {rows(a), k}, s), transpose(reshape(b, {rows(b), k}, s), s), s);
  Shape out(a.shape().begin(), a.shape().end() - 1);
  out.insert(out.end(), b.shape().begin(), b.shape().end() - 1);
  return reshape(m, out, s);
}

array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  if (a.ndim() < 2) {
    throw std::invalid_argument(msg("[diagonal] Array must have at least two dimensions, but got ", a.ndim(),
                                    " dimensions."));
  }
  int a1 = normalize_axis(axis1, a.ndim(), "diagonal");
  int a2 = normalize_axis(axis2, a.ndim(), "diagonal");
  if (a1 == a2) throw std::invalid_argument("[diagonal] axis1 and axis2 cannot be the same axis.");
  auto p = std::make_shared<Diagonal>(to_stream(s), offset, a1, a2);
  Shape shape = p->output_shapes({a})[0];
  return array(std::move(shape), a.dtype(), std::move(p), {a});
}

array diag(const array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 2) return diagonal(a, k, 0, 1, s);
  if (a.ndim() != 1) {
    throw std::invalid_argument(msg("[diag] array must be 1-D or 2-D, got array with ", a.ndim(), " dimensions."));
  }
  int64_t ak = k < 0 ? -static_cast<int64_t>(k) : k;
  ShapeElem n = checked_dim(static_cast<uint64_t>(a.shape()[0] + ak), false, "diag");
  array col = pad(a, {{k < 0 ? ak : 0, k < 0 ? 0 : ak}}, array(0, a.dtype()), "constant", s);
  return where(eye(n, n, k, bool_, s), reshape(col, {n, 1}, s), array(0, a.dtype()), s);
}

array trace(const array& a, int offset, int axis1, int axis2, std::optional<Dtype> dtype, StreamOrDevice s) {
  if (a.ndim() < 2) {
    throw std::invalid_argument(msg("[trace] Array must have at least two dimensions, but got ", a.ndim(),
                                    " dimensions."));
  }
  array d = diagonal(a, offset, axis1, axis2, s);
  if (dtype) d = astype(d, *dtype, s);
  return sum(d, std::vector<int>{-1}, false, s);
}

} // namespace mlx::core
