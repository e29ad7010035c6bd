// Kernels of Reduce and ArgReduce.
//
// A row-contiguous input whose axes, once adjacent reduced / kept axes are merged, read
// [kept, reduced] ("rows") or [kept, reduced, kept] ("columns") is reduced in place, split
// over the thread pool; any other layout (transposed views, as_strided windows, several
// reduced axes apart) is walked in memory order by reduce_strided, in place. Partial results
// are formed over fixed blocks, so the result does not depend on the number of threads.
#include <algorithm>
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
  Acc operator()(Acc a, Acc b) const {
    if constexpr (std::is_floating_point_v<T>) {
      // Op's result (a NaN wins, a tie keeps a) without branches, so that loops vectorize.
      bool take_b = (IsMax ? b > a : b < a) | (b != b);
      take_b &= a == a;
      return take_b ? b : a;
    } else {
      return Op{}(a, b);
    }
  }
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

// out[i] = the fold over s < segs of partial[s * on + i]: segments' partial results, combined
// in order.
template <typename T, typename R>
void combine_segments(const typename R::Acc* partial, int64_t segs, int64_t on, T* out, const R& r) {
  using Acc = typename R::Acc;
  cpu::parallel_for(on, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      Acc a = partial[i];
      for (int64_t s = 1; s < segs; ++s) a = r(a, partial[s * on + i]);
      out[i] = r.store(a);
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / segs));
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
  if (segs > 1) combine_segments(partial.get(), segs, on, out, r);
}

// Any layout, on the calling thread, in the input's logical order: every element folds into
// its output slot. Small products take it: their overflow to inf (and inf * 0 = NaN)
// depends on the order, and this one is NumPy's.
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
    for (int64_t i = 0; i < n; ++i) o[i * so] = r(o[i * so], r.load(s[i * si]));
  });
  for (size_t i = 0; i < on; ++i) po[i] = r.store(acc[i]);
}

// An axis of a strided reduction: its size, the input's stride and the output's (0 when
// the axis is reduced).
struct RedAxis {
  int64_t size, is, os;
  bool reduced() const { return os == 0; }
};

// The input's non-unit axes in memory order (largest input stride first; on a tie a reduced
// axis goes before a kept one, so that the innermost loop runs over the output), with
// neighbours of the same kind whose strides chain in both arrays merged.
std::vector<RedAxis> memory_order_axes(const array& in, const array& out) {
  std::vector<RedAxis> ax;
  for (int i = 0; i < in.ndim(); ++i) {
    if (in.shape()[i] == 1) continue;
    bool red = out.shape()[i] == 1;
    ax.push_back({in.shape()[i], in.strides()[i], red ? 0 : out.strides()[i]});
  }
  std::stable_sort(ax.begin(), ax.end(), [](const RedAxis& a, const RedAxis& b) {
    int64_t x = a.is < 0 ? -a.is : a.is, y = b.is < 0 ? -b.is : b.is;
    if (x != y) return x > y;
    return a.reduced() && !b.reduced();
  });
  std::vector<RedAxis> m;
  for (const auto& a : ax) {
    if (!m.empty() && m.back().reduced() == a.reduced() && m.back().is == a.is * a.size &&
        m.back().os == a.os * a.size) {
      m.back() = {m.back().size * a.size, a.is, a.os};
    } else {
      m.push_back(a);
    }
  }
  return m;
}

// Walks the multi-indices of some axes in row-major order from a flat position, keeping
// the input offset of the current one.
struct Odometer {
  const std::vector<RedAxis>& ax;
  std::vector<int64_t> idx;
  int64_t off = 0;
  explicit Odometer(const std::vector<RedAxis>& axes) : ax(axes), idx(axes.size()) {}
  // Moves to the flat position `flat`.
  void seek(int64_t flat) {
    off = 0;
    for (int d = static_cast<int>(ax.size()) - 1; d >= 0; --d) {
      idx[d] = flat % ax[d].size;
      flat /= ax[d].size;
      off += idx[d] * ax[d].is;
    }
  }
  void next() {
    for (int d = static_cast<int>(ax.size()) - 1; d >= 0; --d) {
      if (++idx[d] < ax[d].size) {
        off += ax[d].is;
        return;
      }
      off -= ax[d].is * (ax[d].size - 1);
      idx[d] = 0;
    }
  }
};

// Input and output offsets of the flat position `flat` over the kept axes `ax`.
std::pair<int64_t, int64_t> kept_offsets(const std::vector<RedAxis>& ax, int64_t flat) {
  int64_t in = 0, out = 0;
  for (int d = static_cast<int>(ax.size()) - 1; d >= 0; --d) {
    int64_t i = flat % ax[d].size;
    flat /= ax[d].size;
    in += i * ax[d].is;
    out += i * ax[d].os;
  }
  return {in, out};
}

int64_t axes_size(const std::vector<RedAxis>& ax) {
  int64_t n = 1;
  for (const auto& a : ax) n *= a.size;
  return n;
}

// Pieces of work per parallel job below which the reduced axes are also cut into segments
// (whose partial results are combined in order at the end; their number depends on the
// shape only, so results do not depend on the number of threads).
constexpr int64_t want_pieces = 32;

int64_t segment_count(int64_t items, int64_t reduced, int64_t total) {
  if (items >= want_pieces) return 1;
  int64_t segs = std::min({(want_pieces + items - 1) / items, total / items / block_elems, reduced});
  return std::max<int64_t>(segs, 1);
}

// Folds n elements `stride` apart.
template <typename T, typename R>
typename R::Acc reduce_run_strided(const T* s, int64_t n, int64_t stride, const R& r) {
  using Acc = typename R::Acc;
  if (stride == 1) return reduce_run(s, n, r);
  constexpr int W = 8;
  Acc acc[W];
  for (int j = 0; j < W; ++j) acc[j] = r.init();
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    for (int j = 0; j < W; ++j) acc[j] = r(acc[j], r.load(s[(i + j) * stride]));
  }
  for (int j = 0; i + j < n; ++j) acc[j] = r(acc[j], r.load(s[(i + j) * stride]));
  for (int w = W / 2; w > 0; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] = r(acc[j], acc[j + w]);
  }
  return acc[0];
}

// Any layout: the axes are taken in memory order (memory_order_axes). When the innermost
// one is reduced and long, each output folds runs along it ("rows"); otherwise a tile of
// outputs along the kept axis of smallest input stride accumulates, for every position of
// the reduced axes, a strip of input read in memory order ("columns"; a short reduced
// innermost axis is folded inside the strip). Outputs, and segments of the reduced axes
// when the outputs are too few, are split over the thread pool.
template <typename T, typename R>
void reduce_strided(const array& in, array& out, const R& r) {
  using Acc = typename R::Acc;
  const T* pi = in.data<T>();
  T* po = out.data<T>();
  int64_t on = static_cast<int64_t>(out.size()), total = static_cast<int64_t>(in.size());
  std::vector<RedAxis> ax = memory_order_axes(in, out);
  if (ax.empty()) {
    po[0] = r.store(r.load(pi[0]));
    return;
  }
  int jk = -1; // the kept axis of smallest input stride (the last kept one)
  for (int d = static_cast<int>(ax.size()) - 1; d >= 0 && jk < 0; --d) {
    if (!ax[d].reduced()) jk = d;
  }
  const RedAxis inner = ax.back();
  constexpr int64_t short_run = 16;
  if (inner.reduced() && (jk < 0 || inner.size >= short_run)) {
    // Rows: every output folds the reduced space (outer reduced axes x the inner run).
    std::vector<RedAxis> kept, red;
    for (size_t d = 0; d + 1 < ax.size(); ++d) (ax[d].reduced() ? red : kept).push_back(ax[d]);
    int64_t len = inner.size, space = axes_size(red) * len;
    int64_t segs = segment_count(on, space, total);
    int64_t seg_len = (space + segs - 1) / segs;
    segs = (space + seg_len - 1) / seg_len;
    auto partial = std::make_unique<Acc[]>(segs > 1 ? static_cast<size_t>(segs * on) : 0);
    cpu::parallel_for(on * segs, [&](int64_t lo, int64_t hi) {
      Odometer od(red);
      for (int64_t it = lo; it < hi; ++it) {
        int64_t s = it % segs;
        auto [ki, ko] = kept_offsets(kept, it / segs);
        int64_t f = s * seg_len, f1 = std::min(space, f + seg_len);
        od.seek(f / len);
        int64_t i0 = f % len;
        Acc acc = r.init();
        while (f < f1) {
          int64_t n = std::min(len - i0, f1 - f);
          const T* p = pi + ki + od.off + i0 * inner.is;
          for (int64_t b = 0; b < n; b += block_elems) {
            acc = r(acc, reduce_run_strided(p + b * inner.is, std::min(block_elems, n - b), inner.is, r));
          }
          f += n;
          i0 = 0;
          od.next();
        }
        if (segs == 1) po[ko] = r.store(acc);
        else partial[s * on + ko] = acc;
      }
    }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(seg_len, 1)));
    if (segs > 1) combine_segments(partial.get(), segs, on, po, r);
    return;
  }
  // Columns: a tile along the kept axis J, with an optional short reduced axis M inside.
  const RedAxis J = ax[jk];
  bool micro = inner.reduced();
  const RedAxis M = micro ? inner : RedAxis{1, 0, 0};
  std::vector<RedAxis> kept, red;
  for (size_t d = 0; d < ax.size(); ++d) {
    if (static_cast<int>(d) == jk || (micro && d + 1 == ax.size())) continue;
    (ax[d].reduced() ? red : kept).push_back(ax[d]);
  }
  int64_t tile = J.size <= 8192 ? J.size : 4096;
  int64_t ntiles = (J.size + tile - 1) / tile;
  int64_t items = axes_size(kept) * ntiles, rc = axes_size(red);
  int64_t segs = segment_count(items, rc, total);
  int64_t seg_len = (rc + segs - 1) / segs;
  segs = (rc + seg_len - 1) / seg_len;
  auto partial = std::make_unique<Acc[]>(segs > 1 ? static_cast<size_t>(segs * on) : 0);
  cpu::parallel_for(items * segs, [&](int64_t lo, int64_t hi) {
    auto acc = std::make_unique<Acc[]>(static_cast<size_t>(tile));
    Acc* a = acc.get();
    Odometer od(red);
    for (int64_t it = lo; it < hi; ++it) {
      int64_t s = it % segs, t = (it / segs) % ntiles;
      auto [ki, ko] = kept_offsets(kept, it / segs / ntiles);
      int64_t j0 = t * tile, nj = std::min(tile, J.size - j0);
      int64_t k0 = s * seg_len, k1 = std::min(rc, k0 + seg_len);
      for (int64_t j = 0; j < nj; ++j) a[j] = r.init();
      od.seek(k0);
      for (int64_t k = k0; k < k1; ++k, od.next()) {
        const T* row = pi + ki + od.off + j0 * J.is;
        if (micro) {
          for (int64_t j = 0; j < nj; ++j) {
            Acc v = a[j];
            for (int64_t i = 0; i < M.size; ++i) v = r(v, r.load(row[j * J.is + i * M.is]));
            a[j] = v;
          }
        } else if (J.is == 1) {
#pragma omp simd
          for (int64_t j = 0; j < nj; ++j) a[j] = r(a[j], r.load(row[j]));
        } else {
          for (int64_t j = 0; j < nj; ++j) a[j] = r(a[j], r.load(row[j * J.is]));
        }
      }
      int64_t o = ko + j0 * J.os;
      if (segs == 1) {
        for (int64_t j = 0; j < nj; ++j) po[o + j * J.os] = r.store(a[j]);
      } else {
        for (int64_t j = 0; j < nj; ++j) partial[s * on + o + j * J.os] = a[j];
      }
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(seg_len * tile * M.size, 1)));
  if (segs > 1) combine_segments(partial.get(), segs, on, po, r);
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
  if (std::is_same_v<R, ProdReducer<T>> && static_cast<int64_t>(in.size()) < cpu::parallel_threshold) {
    reduce_general<T>(in, out, r);
    return;
  }
  reduce_strided<T>(in, out, r);
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
    if (step != 1 && inner[0] == 1 && inner[1] == 1) {
      // Outputs adjacent in the input (an axis other than the last): a tile of them is
      // updated row by row, so that memory is read in order.
      constexpr int64_t W = 256;
      T bv[W];
      uint32_t best[W];
      bool done[W];
      for (int64_t j0 = 0; j0 < n; j0 += W) {
        int64_t nj = std::min(W, n - j0);
        const T* s = pi + offs[1] + j0;
        for (int64_t j = 0; j < nj; ++j) {
          bv[j] = s[j];
          best[j] = 0;
          done[j] = cpu::is_nan_value(bv[j]);
        }
        for (int64_t i = 1; i < len; ++i) {
          const T* row = s + i * step;
          for (int64_t j = 0; j < nj; ++j) {
            if (done[j]) continue;
            T v = row[j];
            if (cpu::is_nan_value(v)) {
              best[j] = static_cast<uint32_t>(i);
              done[j] = true;
            } else if (is_max ? cpu::less_than(bv[j], v) : cpu::less_than(v, bv[j])) {
              bv[j] = v;
              best[j] = static_cast<uint32_t>(i);
            }
          }
        }
        for (int64_t j = 0; j < nj; ++j) po[offs[0] + j0 + j] = best[j];
      }
      return;
    }
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
