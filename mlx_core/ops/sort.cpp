#include "mlx_core/ops/sort.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>

#include "mlx_core/errors.h"
#include "mlx_core/utils.h"
#include "mlx_core/ops/creation.h"
#include "mlx_core/ops/elementwise.h"
#include "mlx_core/ops/indexing.h"
#include "mlx_core/ops/reduce.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/sort.h"

namespace mlx::core {

namespace {

int check_axis(const array& a, int axis, const char* op) {
  auto in_range = axis_in_range(axis, a.ndim());
  if (!in_range) {
    throw std::out_of_range(msg("[", op, "] Axis ", axis, " is out of bounds for array with ", a.ndim(), " dimensions."));
  }
  int ax = *in_range;
  if (a.shape()[ax] > static_cast<int64_t>(std::numeric_limits<uint32_t>::max())) {
    throw std::invalid_argument(msg("[", op, "] Axis ", axis, " has ", a.shape()[ax],
                                    " elements; at most 2**32 - 1 can be sorted along one axis."));
  }
  return ax;
}

array sort_node(const array& a, SortKind kind, int axis, int kth, const char* op, StreamOrDevice s) {
  int ax = check_axis(a, axis, op);
  bool partition = kind == SortKind::Partition || kind == SortKind::ArgPartition;
  int n = static_cast<int>(a.shape()[ax]);
  if (partition) {
    if (kth >= n || kth < -n) {
      throw std::invalid_argument(msg("[", op, "] Received invalid kth ", kth, " along axis ", axis,
                                      " for array with shape: ", shape_str(a.shape()), "."));
    }
    if (kth < 0) kth += n;
  }
  bool index = kind == SortKind::ArgSort || kind == SortKind::ArgPartition;
  return array(a.shape(), index ? uint32 : a.dtype(), std::make_shared<Sort>(to_stream(s), kind, ax, kth), {a});
}

array flat(const array& a, StreamOrDevice s) { return reshape(a, {-1}, s); }

} // namespace

array sort(const array& a, int axis, StreamOrDevice s) { return sort_node(a, SortKind::Sort, axis, 0, "sort", s); }
array sort(const array& a, StreamOrDevice s) { return sort(flat(a, s), 0, s); }
array argsort(const array& a, int axis, StreamOrDevice s) {
  return sort_node(a, SortKind::ArgSort, axis, 0, "argsort", s);
}
array argsort(const array& a, StreamOrDevice s) { return argsort(flat(a, s), 0, s); }
array partition(const array& a, int kth, int axis, StreamOrDevice s) {
  return sort_node(a, SortKind::Partition, axis, kth, "partition", s);
}
array partition(const array& a, int kth, StreamOrDevice s) { return partition(flat(a, s), kth, 0, s); }
array argpartition(const array& a, int kth, int axis, StreamOrDevice s) {
  return sort_node(a, SortKind::ArgPartition, axis, kth, "argpartition", s);
}
array argpartition(const array& a, int kth, StreamOrDevice s) { return argpartition(flat(a, s), kth, 0, s); }

array topk(const array& a, int k, int axis, StreamOrDevice s) {
  int ax = check_axis(a, axis, "topk");
  int n = static_cast<int>(a.shape()[ax]);
  if (k < 0 || k > n) {
    throw std::invalid_argument(msg("[topk] Received invalid k=", k, " along axis ", axis,
                                    " for array with shape: ", shape_str(a.shape()), "."));
  }
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  start[ax] = n - k;
  if (k == 0) return slice(a, start, stop, step, s);
  return slice(partition(a, n - k, ax, s), start, stop, step, s);
}
array topk(const array& a, int k, StreamOrDevice s) { return topk(flat(a, s), k, 0, s); }

array median(const array& a, const std::vector<int>& axes_in, bool keepdims, StreamOrDevice s) {
  std::set<int> axes;
  for (int ax : axes_in) {
    auto n = axis_in_range(ax, a.ndim());
    if (!n) {
      throw std::out_of_range(msg("[median] axis ", ax, " is out of bounds for array with ", a.ndim(), " dimensions."));
    }
    if (!axes.insert(*n).second) throw std::invalid_argument("[median] Received duplicate axis.");
  }
  Dtype dt = inexact_dtype(a.dtype());
  array x = astype(a, dt, s);
  // The reduced axes moved to the end and merged into one of length n.
  std::vector<int> perm;
  Shape kept;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!axes.count(i)) {
      perm.push_back(i);
      kept.push_back(a.shape()[i]);
    }
  }
  int64_t n = 1;
  for (int ax : axes) {
    perm.push_back(ax);
    n *= a.shape()[ax];
  }
  if (n == 0) throw std::invalid_argument("[median] Cannot take median along empty axis.");
  Shape flat_shape = kept;
  flat_shape.push_back(static_cast<ShapeElem>(n));
  x = reshape(transpose(x, perm, s), flat_shape, s);
  int last = static_cast<int>(flat_shape.size()) - 1;
  auto pick = [&](int64_t k) {
    Shape start(flat_shape.size(), 0), stop = flat_shape, step(flat_shape.size(), 1);
    start[last] = static_cast<ShapeElem>(k);
    stop[last] = static_cast<ShapeElem>(k + 1);
    return slice(partition(x, static_cast<int>(k), last, s), start, stop, step, s);
  };
  array m = pick(n / 2);
  if (n % 2 == 0) m = multiply(add(pick(n / 2 - 1), m, s), astype(array(0.5f), dt, s), s);
  if (is_inexact(dt)) {
    // NaN anywhere in a run makes its median NaN (partition puts NaN last).
    array has_nan = max(not_equal(x, x, s), std::vector<int>{last}, true, s);
    m = where(has_nan, astype(array(std::numeric_limits<float>::quiet_NaN()), dt, s), m, s);
  }
  Shape out_shape;
  for (int i = 0; i < a.ndim(); ++i) {
    if (axes.count(i)) {
      if (keepdims) out_shape.push_back(1);
    } else {
      out_shape.push_back(a.shape()[i]);
    }
  }
  return reshape(m, out_shape, s);
}

array median(const array& a, bool keepdims, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) axes[i] = i;
  return median(a, axes, keepdims, s);
}

array searchsorted(const array& sorted, const array& values, bool right, StreamOrDevice s) {
  if (sorted.ndim() != 1) {
    throw std::invalid_argument(
        msg("[searchsorted] The sorted sequence must be 1-D but has ", sorted.ndim(), " dimensions."));
  }
  Dtype dt = promote_types(sorted.dtype(), values.dtype());
  return array(values.shape(), uint32, std::make_shared<SearchSorted>(to_stream(s), right, 0),
               {astype(sorted, dt, s), astype(values, dt, s)});
}

std::vector<array> unique(const array& a, int64_t size, const std::optional<array>& fill_value, StreamOrDevice s) {
  if (size < 0) throw std::invalid_argument(msg("[unique] Received negative size ", size, "."));
  if (size > static_cast<int64_t>(std::numeric_limits<ShapeElem>::max())) {
    throw std::invalid_argument(msg("[unique] Size ", size, " is too large."));
  }
  int64_t n = static_cast<int64_t>(a.size());
  if (n > static_cast<int64_t>(std::numeric_limits<uint32_t>::max())) {
    throw std::invalid_argument(msg("[unique] The input has ", n, " elements; at most 2**32 - 1 are supported."));
  }
  std::optional<array> fill;
  if (fill_value) {
    if (fill_value->size() != 1) {
      throw std::invalid_argument(msg("[unique] Fill value must have one element, but got shape ",
                                      shape_str(fill_value->shape()), "."));
    }
    fill = astype(reshape(*fill_value, {}, s), a.dtype(), s);
  }
  if (n == 0 && size > 0 && !fill) {
    throw std::invalid_argument("[unique] A fill value is required for an empty input with a non-zero size.");
  }
  array x = flat(a, s);
  ShapeElem sz = static_cast<ShapeElem>(size);
  auto outs = array::make_arrays({{sz}, {static_cast<ShapeElem>(n)}, {sz}}, {uint32, uint32, int32},
                                 std::make_shared<Unique>(to_stream(s), size), {x});
  array index = outs[0], inverse = reshape(outs[1], a.shape(), s), counts = outs[2];
  // The values are gathered from x so that their gradient reaches the first occurrences
  // (and, without a fill value, the first unique element for every padding entry).
  // (The positions are constants to differentiation: a gather asks for no index gradient.)
  array values = n > 0 ? take(x, stop_gradient(index, s), 0, s) : size == 0 ? x : broadcast_to(*fill, {sz}, s);
  if (fill && n > 0) values = where(greater(counts, array(0, int32), s), values, *fill, s);
  return {values, index, inverse, counts};
}

namespace detail {
array permute_along_axis(const array& x, const array& perm, int axis, bool inverse, StreamOrDevice s) {
  return array(x.shape(), x.dtype(), std::make_shared<PermuteAlongAxis>(to_stream(s), axis, inverse),
               {x, astype(perm, uint32, s)});
}
} // namespace detail

} // namespace mlx::core
