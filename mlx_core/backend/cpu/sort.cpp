// Kernels of Sort (sort, argsort, partition, argpartition) and PermuteAlongAxis.
// Each run along the axis is copied into scratch as order keys, sorted (radix sort, or a
// comparison sort for short runs) or partitioned (nth_element), and written out. Runs are
// shared over the thread pool.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/sort_keys.h"
#include "mlx_core/primitives/sort.h"

namespace mlx::core {

namespace {

using cpu::IndexItems;
using cpu::OrderKey;
using cpu::order_run;
using cpu::small_run;

// The runs along `axis` of arrays of one shape: run r starts at offset(k, r) in array k.
template <int N>
struct Runs {
  int64_t count = 1, len = 0;
  std::array<int64_t, N> step{};
  Shape outer;
  std::array<std::vector<int64_t>, N> outer_strides;

  Runs(const Shape& shape, int axis, const std::array<const Strides*, N>& strides) {
    len = shape[axis];
    for (int k = 0; k < N; ++k) step[k] = (*strides[k])[axis];
    for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
      if (d == axis) continue;
      outer.push_back(shape[d]);
      count *= shape[d];
      for (int k = 0; k < N; ++k) outer_strides[k].push_back((*strides[k])[d]);
    }
  }
  std::array<int64_t, N> offsets(int64_t r) const {
    std::array<int64_t, N> o{};
    for (int d = static_cast<int>(outer.size()) - 1; d >= 0; --d) {
      int64_t i = r % outer[d];
      r /= outer[d];
      for (int k = 0; k < N; ++k) o[k] += i * outer_strides[k][d];
    }
    return o;
  }
};

// Calls f(first, last) over chunks of runs, on the thread pool when the work is large.
template <typename F>
void for_runs(int64_t count, int64_t len, F&& f) {
  cpu::parallel_for(count, f, std::max<int64_t>(1, cpu::parallel_threshold / 4 / std::max<int64_t>(len, 1)));
}

// Sorted values of one run through the keys alone (for dtypes whose keys decode).
template <typename T>
void sort_values_run(const T* in, int64_t is, T* out, int64_t os, int64_t n, cpu::Scratch<typename OrderKey<T>::U>& a,
                     cpu::Scratch<typename OrderKey<T>::U>& b) {
  using K = OrderKey<T>;
  using U = typename K::U;
  if (n < small_run) {
    U* r = a.get(n);
    for (int64_t i = 0; i < n; ++i) r[i] = K::key(in[i * is]);
    std::sort(r, r + n);
    for (int64_t i = 0; i < n; ++i) out[i * os] = K::decode(r[i]);
  } else {
    cpu::radix_sort<sizeof(U) * 8>(a.get(n), b.get(n), n, [&](int64_t i) { return K::key(in[i * is]); },
                                   [](U k) { return k; }, [&](int64_t pos, U k) { out[pos * os] = K::decode(k); });
  }
  if constexpr (K::lossy) {
    // The runs of zeros and NaNs hold equal keys: refill them from the input in order, so
    // that -0 and NaN payloads come back as they were (ties keep their input order).
    auto first_key_above = [&](U k, bool or_equal) {
      int64_t lo = 0, hi = n;
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        U km = K::key(out[mid * os]);
        if (or_equal ? km < k : km <= k) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    };
    for (U sk : {K::zero_key, K::nan_key}) {
      int64_t j = first_key_above(sk, true);
      int64_t end = first_key_above(sk, false);
      for (int64_t i = 0; j < end; ++i) {
        if (K::key(in[i * is]) == sk) out[(j++) * os] = in[i * is];
      }
    }
  }
}

template <typename T>
void sort_kernel(const array& in, array& out, SortKind kind, int axis, int kth) {
  Runs<2> runs(in.shape(), axis, {&in.strides(), &out.strides()});
  int64_t n = runs.len;
  if (n == 0 || runs.count == 0) return;
  if (runs.step[0] != 1 && runs.count > 1 && static_cast<int64_t>(in.size()) >= cpu::parallel_threshold) {
    // Strided runs of a large array: sort a copy with the axis last (runs contiguous and
    // cache-friendly), then copy the result back into place.
    int nd = in.ndim();
    std::vector<int> perm;
    for (int d = 0; d < nd; ++d) if (d != axis) perm.push_back(d);
    perm.push_back(axis);
    Shape pshape(nd);
    Strides to_tmp(nd), to_out(nd);
    int64_t st = 1;
    for (int j = nd - 1; j >= 0; --j) {
      pshape[j] = in.shape()[perm[j]];
      to_tmp[perm[j]] = st;
      to_out[j] = out.strides()[perm[j]];
      st *= pshape[j];
    }
    array tmp(pshape, in.dtype(), nullptr, {});
    cpu::allocate_output(tmp);
    cpu::copy_strided(in, tmp.raw_data(), in.dtype(), to_tmp);
    array tmp_out(pshape, out.dtype(), nullptr, {});
    cpu::allocate_output(tmp_out);
    sort_kernel<T>(tmp, tmp_out, kind, nd - 1, kth);
    cpu::copy_strided(tmp_out, out.raw_data(), out.dtype(), to_out);
    return;
  }
  const T* pi = in.data<T>();
  using U = typename OrderKey<T>::U;
  using Item = typename IndexItems<U>::Item;
  bool want_index = kind == SortKind::ArgSort || kind == SortKind::ArgPartition;
  bool partition = kind == SortKind::Partition || kind == SortKind::ArgPartition;
  constexpr bool decodes = !std::is_same_v<T, complex64_t>;
  for_runs(runs.count, n, [&](int64_t first, int64_t last) {
    cpu::Scratch<Item> a, b;
    cpu::Scratch<U> ka, kb;
    for (int64_t r = first; r < last; ++r) {
      auto o = runs.offsets(r);
      const T* src = pi + o[0];
      if constexpr (decodes) {
        if (kind == SortKind::Sort) {
          sort_values_run<T>(src, runs.step[0], out.data<T>() + o[1], runs.step[1], n, ka, kb);
          continue;
        }
      }
      int64_t is = runs.step[0], os = runs.step[1];
      if (want_index) {
        uint32_t* dst = out.data<uint32_t>() + o[1];
        order_run<T>(src, is, n, partition ? kth : -1, a, b,
                     [&](int64_t pos, const Item& it) { dst[pos * os] = IndexItems<U>::index(it); });
      } else {
        // Partitioned values follow argpartition's order exactly, which the gradient relies on.
        T* dst = out.data<T>() + o[1];
        order_run<T>(src, is, n, partition ? kth : -1, a, b,
                     [&](int64_t pos, const Item& it) { dst[pos * os] = src[IndexItems<U>::index(it) * is]; });
      }
    }
  });
}

template <typename T>
void permute_kernel(const array& x, const array& perm, array& out, int axis, bool inverse) {
  Runs<3> runs(x.shape(), axis, {&x.strides(), &perm.strides(), &out.strides()});
  int64_t n = runs.len;
  if (n == 0 || runs.count == 0) return;
  const T* px = x.data<T>();
  const uint32_t* pp = perm.data<uint32_t>();
  T* po = out.data<T>();
  for_runs(runs.count, n, [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      auto o = runs.offsets(r);
      const T* xs = px + o[0];
      const uint32_t* ps = pp + o[1];
      T* os = po + o[2];
      for (int64_t i = 0; i < n; ++i) {
        int64_t p = ps[i * runs.step[1]];
        if (p >= n) {
          throw std::out_of_range("[PermuteAlongAxis] Index " + std::to_string(p) + " is out of bounds for axis of size " +
                                  std::to_string(n) + ".");
        }
        if (inverse) {
          os[p * runs.step[2]] = xs[i * runs.step[0]];
        } else {
          os[i * runs.step[2]] = xs[p * runs.step[0]];
        }
      }
    }
  });
}

} // namespace

const char* Sort::name() const {
  switch (kind_) {
    case SortKind::Sort: return "Sort";
    case SortKind::ArgSort: return "ArgSort";
    case SortKind::Partition: return "Partition";
    case SortKind::ArgPartition: return "ArgPartition";
  }
  return "Sort";
}

void Sort::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out, kind = kind_, axis = axis_, kth = kth_]() mutable {
    cpu::dispatch_dtype(in.dtype(), [&]<typename T>(T) { sort_kernel<T>(in, out, kind, axis, kth); });
  });
}

void PermuteAlongAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch(
      [x = inputs[0], perm = inputs[1], out, axis = axis_, inverse = inverse_]() mutable {
        cpu::dispatch_dtype(x.dtype(), [&]<typename T>(T) { permute_kernel<T>(x, perm, out, axis, inverse); });
      });
}

} // namespace mlx::core
