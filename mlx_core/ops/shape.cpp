#include "mlx_core/ops/shape.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "mlx_core/errors.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/primitives/shape.h"
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
