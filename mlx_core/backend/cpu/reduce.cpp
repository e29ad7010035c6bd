// Kernels of Reduce and ArgReduce.
//
// A row-contiguous input whose axes, once adjacent reduced / kept axes are merged, read
// [kept, reduced] ("rows") or [kept, reduced, kept] ("columns") is reduced in place, split
// over the thread pool; a large input of any other layout is first copied so that its
// reduced axes come last. Partial results are formed over fixed blocks, so the result does
// not depend on the number of threads.
#include <limits>
#include <memory>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/extreme_values.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/backend/cpu/simd_loops.h"
#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/primitives/reduce.h"

namespace mlx::core {

namespace {

// Integer sums and products wrap around as NumPy's do: they run in an unsigned type at
// least as wide as int (so that nothing promotes to a signed int) and convert back.
template <typename T>
using accumulator_t = typename std::conditional_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, cpu::wrap_type<T>,
                                           std::type_identity<T>>::type;

// A reduction: the accumulator type, its identity, how an element enters it, how two
// accumulators combine and how the result is stored.
template <typename T>
struct SumReducer {
  using Acc = accumulator_t<T>;
  Acc init() const { return Acc(0); }
  Acc load(T v) const { return static_cast<Acc>(v); }
  Acc operator()(Acc a, Acc b) const {
    if constexpr (std::is_integral_v<Acc> && !std::is_same_v<Acc, bool>) return a + b;
    else return cpu::AddOp{}(a, b);
  }
  T store(Acc a) const { return static_cast<T>(a); }
};

template <typename T>
struct ProdReducer {
  using Acc = accumulator_t<T>;
  Acc init() const { return Acc(1); }
  Acc load(T v) const { return static_cast<Acc>(v); }
  Acc operator()(Acc a, Acc b) const {
    if constexpr (std::is_integral_v<Acc> && !std::is_same_v<Acc, bool>) return a * b;
    else return cpu::ProductStepOp{}(a, b);
  }
  T store(Acc a) const { return static_cast<T>(a); }
};

template <typename T>
struct SumSquaresReducer {
  using Acc = std::conditional_t<is_half_v<T>, float, T>;
  Acc init() const { return Acc(0); }
  Acc load(T v) const { return static_cast<Acc>(v) * static_cast<Acc>(v); }
  Acc operator()(Acc a, Acc b) const { return a + b; }
  T store(Acc a) const { return static_cast<T>(a); }
};

// sum of s[i] * s[i] with several independent partial sums, as cpu::sum_contiguous.
template <typename T>
MLX_SIMD_CLONES T sum_squares_contiguous(const T* s, int64_t n) {
  constexpr int W = 128 / sizeof(T);
  T acc[W] = {};
  int64_t i = 0;
  for (; i + W <= n; i += W) {
#pragma omp simd
    for (int j = 0; j < W; ++j) acc[j] += s[i + j] * s[i + j];
  }
  for (int j = 0; i + j < n; ++j) acc[j] += s[i + j] * s[i + j];
  for (int w = W / 2; w > 0; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
  }
  return acc[0];
}

template <typename T, typename Op, bool IsMax>
struct ExtremeReducer {
  using Acc = T;
  Acc init() const { return IsMax ? cpu::lowest_value<T>() : cpu::highest_value<T>(); }
  Acc load(T v) const { return v; }
  Acc operator()(Acc a, Acc b) const { return Op{}(a, b); }
  T store(Acc a) const { return a; }
};
template <typename T>
using MaxReducer = ExtremeReducer<T, cpu::MaximumOp, true>;
template <typename T>
using MinReducer = ExtremeReducer<T, cpu::MinimumOp, false>;

// Elements per partial result of a long run: fixed, so that results do not depend on the
// number of threads.
constexpr int64_t block_elems = int64_t(1) << 15;

// Largest (IsMax) or smallest element of a float run in a form that vectorizes: NaNs are
// skipped by the compares and counted on the side; any NaN makes the result NaN.
template <typename T, bool IsMax>
MLX_SIMD_CLONES T extreme_contiguous(const T* s, int64_t n) {
  constexpr int W = 128 / sizeof(T);
  T acc[W];
  int nan[W];
  for (int j = 0; j < W; ++j) acc[j] = IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity(), nan[j] = 0;
  int64_t i = 0;
  for (; i + W <= n; i += W) {
#pragma omp simd
    for (int j = 0; j < W; ++j) {
      T v = s[i + j];
      acc[j] = (IsMax ? v > acc[j] : v < acc[j]) ? v : acc[j];
      nan[j] |= v != v;
    }
  }
  for (int j = 0; i + j < n; ++j) {
    T v = s[i + j];
    acc[j] = (IsMax ? v > acc[j] : v < acc[j]) ? v : acc[j];
    nan[j] |= v != v;
  }
  T r = acc[0];
  int any_nan = nan[0];
  for (int j = 1; j < W; ++j) {
    r = (IsMax ? acc[j] > r : acc[j] < r) ? acc[j] : r;
    any_nan |= nan[j];
  }
  return any_nan ? std::numeric_limits<T>::quiet_NaN() : r;
}

// Folds a contiguous run of n elements (n <= block_elems for reproducible blocks).
template <typename T, typename R>
typename R::Acc reduce_run(const T* s, int64_t n, const R& r) {
  using Acc = typename R::Acc;
  constexpr bool is_real = std::is_same_v<T, float> || std::is_same_v<T, double>;
  if constexpr (is_real && std::is_same_v<R, SumReducer<T>>) {
    return cpu::sum_contiguous(s, n);
  } else if constexpr (is_real && std::is_same_v<R, SumSquaresReducer<T>>) {
    return sum_squares_contiguous(s, n);
  } else if constexpr (is_real && std::is_same_v<R, MaxReducer<T>>) {
    return extreme_contiguous<T, true>(s, n);
  } else if constexpr (is_real && std::is_same_v<R, MinReducer<T>>) {
    return extreme_contiguous<T, false>(s, n);
  } else if constexpr (std::is_same_v<T, complex64_t> && std::is_same_v<R, ProdReducer<T>>) {
    // Complex products in element order (as NumPy's): with infinities the order decides
    // between inf and NaN components.
    Acc acc = r.init();
    for (int64_t i = 0; i < n; ++i) acc = r(acc, r.load(s[i]));
    return acc;
  } else {
    // Independent accumulators let the compiler keep several vector registers busy.
    constexpr int W = 16;
    Acc acc[W];
    for (int j = 0; j < W; ++j) acc[j] = r.init();
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      for (int j = 0; j < W; ++j) acc[j] = r(acc[j], r.load(s[i + j]));
    }
    for (int j = 0; i + j < n; ++j) acc[j] = r(acc[j], r.load(s[i + j]));
    for (int w = W / 2; w > 0; w /= 2) {
      for (int j = 0; j < w; ++j) acc[j] = r(acc[j], acc[j + w]);
    }
    return acc[0];
  }
}

// out[i] = reduction of in[i * len, (i + 1) * len) for i < rows (input row-contiguous).
template <typename T, typename R>
void reduce_rows(const T* in, T* out, int64_t rows, int64_t len, const R& r) {
  using Acc = typename R::Acc;
  int64_t nb = (len + block_elems - 1) / block_elems;
  if (nb <= 1) {
    cpu::parallel_for(rows, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = r.store(reduce_run(in + i * len, len, r));
    }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(len, 1)));
    return;
  }
  auto partial = std::make_unique<Acc[]>(static_cast<size_t>(rows * nb));
  cpu::parallel_for(rows * nb, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) {
      int64_t i = k / nb, b = k % nb;
      int64_t begin = b * block_elems, n = std::min(block_elems, len - begin);
      partial[k] = reduce_run(in + i * len + begin, n, r);
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / block_elems));
  for (int64_t i = 0; i < rows; ++i) {
    Acc acc = partial[i * nb];
    for (int64_t b = 1; b < nb; ++b) acc = r(acc, partial[i * nb + b]);
    out[i] = r.store(acc);
  }
}

// out[g, j] = reduction over k of in[g, k, j], shapes [groups, len, width] (row-contiguous).
// A piece of work reads whole rows (up to a wide tile) of consecutive k, so that memory is
// read in order; when the output alone gives too few pieces, k is cut into segments whose
// partial rows are combined at the end (segments depend on the shape only).
template <typename T, typename R>
void reduce_columns(const T* in, T* out, int64_t groups, int64_t len, int64_t width, const R& r) {
  using Acc = typename R::Acc;
  int64_t tile = width <= 8192 ? width : 4096;
  int64_t ntiles = (width + tile - 1) / tile;
  int64_t cols = groups * ntiles;
  int64_t total = groups * len * width;
  constexpr int64_t want_pieces = 32;
  int64_t segs = 1;
  if (cols < want_pieces) {
    segs = std::min({(want_pieces + cols - 1) / cols, total / cols / block_elems, len});
    segs = std::max<int64_t>(segs, 1);
  }
  int64_t seg_len = (len + segs - 1) / segs;
  segs = (len + seg_len - 1) / seg_len;
  int64_t on = groups * width;
  auto partial = std::make_unique<Acc[]>(segs > 1 ? static_cast<size_t>(segs * on) : 0);
  cpu::parallel_for(cols * segs, [&](int64_t lo, int64_t hi) {
    auto acc = std::make_unique<Acc[]>(static_cast<size_t>(tile));
    for (int64_t it = lo; it < hi; ++it) {
      int64_t s = it % segs, t = (it / segs) % ntiles, g = it / (segs * ntiles);
      int64_t j0 = t * tile, nj = std::min(tile, width - j0);
      int64_t k0 = s * seg_len, k1 = std::min(len, k0 + seg_len);
      Acc* a = acc.get();
      for (int64_t j = 0; j < nj; ++j) a[j] = r.init();
      for (int64_t k = k0; k < k1; ++k) {
        const T* row = in + (g * len + k) * width + j0;
#pragma omp simd
        for (int64_t j = 0; j < nj; ++j) a[j] = r(a[j], r.load(row[j]));
      }
      if (segs == 1) {
        for (int64_t j = 0; j < nj; ++j) out[g * width + j0 + j] = r.store(a[j]);
      } else {
        Acc* p = partial.get() + s * on + g * width + j0;
        for (int64_t j = 0; j < nj; ++j) p[j] = a[j];
      }
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(seg_len * tile, 1)));
  if (segs > 1) {
    cpu::parallel_for(on, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        Acc a = partial[i];
        for (int64_t s = 1; s < segs; ++s) a = r(a, partial[s * on + i]);
        out[i] = r.store(a);
      }
    }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / segs));
  }
}

// Any layout, on the calling thread: every input element folds into its output slot.
template <typename T, typename R>
void reduce_general(const array& in, array& out, const R& r) {
  using Acc = typename R::Acc;
  T* po = out.data<T>();
  const T* pi = in.data<T>();
  size_t on = out.size();
  auto acc = std::make_unique<Acc[]>(on);
  for (size_t i = 0; i < on; ++i) acc[i] = r.init();
  Strides ostr = out.strides();
  for (int i = 0; i < in.ndim(); ++i) {
    if (out.shape()[i] == 1 && in.shape()[i] != 1) ostr[i] = 0;
  }
  cpu::for_each_run<2>(in.shape(), {&ostr, &in.strides()}, [&](auto offs, int64_t n, auto inner) {
    Acc* o = acc.get() + offs[0];
    const T* s = pi + offs[1];
    int64_t so = inner[0], si = inner[1];
    if (so == 0) {
      Acc a = *o;
      for (int64_t i = 0; i < n; ++i) a = r(a, r.load(s[i * si]));
      *o = a;
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = r(o[i * so], r.load(s[i * si]));
    }
  });
  for (size_t i = 0; i < on; ++i) po[i] = r.store(acc[i]);
}

// The input's non-unit axes with adjacent axes of the same kind (reduced or kept) merged:
// (size, reduced) pairs, valid as a layout when the input is row-contiguous.
std::vector<std::pair<int64_t, bool>> merged_axes(const array& in, const array& out) {
  std::vector<std::pair<int64_t, bool>> blocks;
  for (int i = 0; i < in.ndim(); ++i) {
    if (in.shape()[i] == 1) continue;
    bool red = out.shape()[i] == 1;
    if (!blocks.empty() && blocks.back().second == red) blocks.back().first *= in.shape()[i];
    else blocks.push_back({in.shape()[i], red});
  }
  return blocks;
}

// Reduces a row-contiguous input laid out as rows or columns; false for other layouts.
template <typename T, typename R>
bool reduce_contiguous(const T* pi, T* po, const std::vector<std::pair<int64_t, bool>>& b, const R& r) {
  size_t nb = b.size();
  if (nb == 0) {
    po[0] = r.store(r.load(pi[0]));
    return true;
  }
  if (b.back().second) { // [kept?, reduced]
    if (nb > 2) return false;
    reduce_rows(pi, po, nb == 2 ? b[0].first : 1, b.back().first, r);
    return true;
  }
  if (nb == 1) { // nothing reduced but size-1 axes
    reduce_rows(pi, po, b[0].first, 1, r);
    return true;
  }
  if (nb > 3) return false; // [kept?, reduced, kept]
  reduce_columns(pi, po, nb == 3 ? b[0].first : 1, b[nb - 2].first, b.back().first, r);
  return true;
}

template <typename T, typename R>
void reduce_kernel(const array& in, array& out, const R& r) {
  T* po = out.data<T>();
  if (in.size() == 0) {
    for (size_t i = 0; i < out.size(); ++i) po[i] = r.store(r.init());
    return;
  }
  if (in.flags().row_contiguous && reduce_contiguous(in.data<T>(), po, merged_axes(in, out), r)) return;
  if (static_cast<int64_t>(in.size()) < cpu::parallel_threshold) {
    reduce_general<T>(in, out, r);
    return;
  }
  // A large input of another layout: copy it with the kept axes first, then reduce rows.
  std::vector<int> perm;
  for (int i = 0; i < in.ndim(); ++i) if (out.shape()[i] != 1 || in.shape()[i] == 1) perm.push_back(i);
  for (int i = 0; i < in.ndim(); ++i) if (out.shape()[i] == 1 && in.shape()[i] != 1) perm.push_back(i);
  Shape pshape(in.ndim());
  Strides dst(in.ndim());
  int64_t st = 1;
  for (int j = in.ndim() - 1; j >= 0; --j) {
    pshape[j] = in.shape()[perm[j]];
    dst[perm[j]] = st;
    st *= pshape[j];
  }
  array tmp(pshape, in.dtype(), nullptr, {});
  cpu::allocate_output(tmp);
  cpu::copy_strided(in, tmp.raw_data(), in.dtype(), dst);
  int64_t rows = static_cast<int64_t>(out.size());
  reduce_rows(tmp.data<T>(), po, rows, static_cast<int64_t>(in.size()) / rows, r);
}

// Index of the first extreme element of each run; NaN counts as the extreme.
template <typename T>
void arg_reduce_kernel(const array& in, array& out, int axis, bool is_max) {
  uint32_t* po = out.data<uint32_t>();
  const T* pi = in.data<T>();
  int64_t len = in.shape()[axis];
  int64_t step = in.strides()[axis];
  Shape oshape = in.shape();
  oshape[axis] = 1;
  cpu::parallel_for_each_run<2>(oshape, {&out.strides(), &in.strides()}, [&](auto offs, int64_t n, auto inner) {
    for (int64_t j = 0; j < n; ++j) {
      const T* s = pi + offs[1] + j * inner[1];
      uint32_t best = 0;
      T bv = s[0];
      if (!cpu::is_nan_value(bv)) {
        for (int64_t i = 1; i < len; ++i) {
          T v = s[i * step];
          if (cpu::is_nan_value(v)) {
            best = static_cast<uint32_t>(i);
            break;
          }
          if (is_max ? cpu::less_than(bv, v) : cpu::less_than(v, bv)) {
            bv = v;
            best = static_cast<uint32_t>(i);
          }
        }
      }
      po[offs[0] + j * inner[0]] = best;
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(len, 1)));
}

} // namespace

const char* Reduce::name() const {
  switch (type_) {
    case ReduceType::Sum: return "Sum";
    case ReduceType::SumSquares: return "SumSquares";
    case ReduceType::Prod: return "Prod";
    case ReduceType::Max: return "Max";
    case ReduceType::Min: return "Min";
  }
  return "Reduce";
}

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out, type = type_]() mutable {
    cpu::dispatch_dtype(in.dtype(), [&]<typename T>(T) {
      switch (type) {
        case ReduceType::Sum: return reduce_kernel<T>(in, out, SumReducer<T>{});
        case ReduceType::SumSquares:
          if constexpr (std::is_floating_point_v<T> || is_half_v<T>) return reduce_kernel<T>(in, out, SumSquaresReducer<T>{});
          else throw std::invalid_argument("[SumSquares] Float inputs only.");
        case ReduceType::Prod: return reduce_kernel<T>(in, out, ProdReducer<T>{});
        case ReduceType::Max: return reduce_kernel<T>(in, out, MaxReducer<T>{});
        case ReduceType::Min: return reduce_kernel<T>(in, out, MinReducer<T>{});
      }
    });
  });
}

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out, axis = axis_, type = type_]() mutable {
    cpu::dispatch_dtype(in.dtype(), [&]<typename T>(T) {
      arg_reduce_kernel<T>(in, out, axis, type == ArgReduceType::ArgMax);
    });
  });
}

} // namespace mlx::core
