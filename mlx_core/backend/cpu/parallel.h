// Splitting large work across the cores, on the process-wide thread pool.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>

#include "mlx_core/backend/cpu/strided.h"
#include "mlx_core/backend/cpu/thread_pool.h"

namespace mlx::core::cpu {

// Items (elements of an element-wise kernel) below which one thread does all the work.
inline constexpr int64_t parallel_threshold = int64_t(1) << 16;

// Threads that share a large job (the pool's workers plus the caller).
inline int worker_count() { return thread_count(); }

// Calls fn(begin, end) over [0, n) in contiguous chunks of at least `grain` items, split over
// the thread pool when there are two chunks or more (else fn(0, n) runs here). Chunks of
// thousands of items are multiples of 64 so that no two threads write one cache line. An
// exception thrown by fn is rethrown here with its type. A parallel_for called from inside
// another one runs inline.
template <typename F>
void parallel_for(int64_t n, F&& fn, int64_t grain = parallel_threshold / 2) {
  grain = std::max<int64_t>(grain, 1);
  if (n < 2 * grain || in_parallel_region()) {
    if (n > 0) fn(int64_t(0), n);
    return;
  }
  int threads = thread_count();
  if (threads <= 1) {
    fn(int64_t(0), n);
    return;
  }
  // A few chunks per thread, so that a thread the OS delays does not hold up the others.
  int64_t chunks = std::min<int64_t>(n / grain, int64_t(threads) * 4);
  int64_t chunk = (n + chunks - 1) / chunks;
  if (chunk >= 4096) chunk = (chunk + 63) / 64 * 64;
  chunks = (n + chunk - 1) / chunk;
  struct Ctx {
    std::remove_reference_t<F>* fn;
    int64_t n, chunk;
  } ctx{&fn, n, chunk};
  run_parallel(chunks, [](void* p, int64_t i) {
    auto* c = static_cast<Ctx*>(p);
    int64_t b = i * c->chunk;
    (*c->fn)(b, std::min(c->n, b + c->chunk));
  }, &ctx);
}

// for_each_run split over the thread pool: f(offsets, n, inner_strides) is called for every
// innermost run, and long runs are cut into pieces when there are too few runs to share.
// Calls may run concurrently, on disjoint runs (or disjoint pieces of one run).
template <int N, typename F>
void parallel_for_each_run(const Shape& shape, const std::array<const Strides*, N>& strides, F&& f,
                           int64_t grain = parallel_threshold / 2) {
  grain = std::max<int64_t>(grain, 1);
  int64_t total = 1;
  for (auto d : shape) total *= d;
  if (total < 2 * grain || in_parallel_region() || thread_count() <= 1) {
    for_each_run<N>(shape, strides, f);
    return;
  }
  auto lay = collapse_layout<N>(shape, strides);
  int nd = static_cast<int>(lay.shape.size());
  int64_t n = lay.shape[nd - 1];
  int64_t runs = total / n;
  std::array<int64_t, N> inner;
  for (int k = 0; k < N; ++k) inner[k] = lay.strides[k][nd - 1];
  int64_t want = int64_t(thread_count()) * 4;
  int64_t pieces = runs >= want ? 1 : std::max<int64_t>(1, std::min((want + runs - 1) / runs, n / grain));
  int64_t piece = (n + pieces - 1) / pieces;
  pieces = (n + piece - 1) / piece;
  parallel_for(runs * pieces, [&](int64_t lo, int64_t hi) {
    // Multi-index and offsets of run lo / pieces.
    std::vector<int64_t> idx(std::max(nd - 1, 0));
    std::array<int64_t, N> offs{};
    int64_t rem = lo / pieces;
    for (int d = nd - 2; d >= 0; --d) {
      idx[d] = rem % lay.shape[d];
      rem /= lay.shape[d];
      for (int k = 0; k < N; ++k) offs[k] += idx[d] * lay.strides[k][d];
    }
    int64_t p = lo % pieces;
    for (int64_t it = lo; it < hi; ++it) {
      int64_t b = p * piece, e = std::min(n, b + piece);
      std::array<int64_t, N> o;
      for (int k = 0; k < N; ++k) o[k] = offs[k] + b * inner[k];
      f(o, e - b, inner);
      if (++p < pieces) continue;
      p = 0;
      for (int d = nd - 2; d >= 0; --d) {
        if (++idx[d] < lay.shape[d]) {
          for (int k = 0; k < N; ++k) offs[k] += lay.strides[k][d];
          break;
        }
        for (int k = 0; k < N; ++k) offs[k] -= lay.strides[k][d] * (lay.shape[d] - 1);
        idx[d] = 0;
      }
    }
  }, std::max<int64_t>(1, grain / piece));
}

// parallel_for_each_run for element-wise kernels whose inputs may be transposed against the
// output: when an input is strided along the innermost axis `a` and walks another axis `b`
// faster, a and b are visited in tiles (runs of up to 64 along a, 16 rows of b), so that the
// cache lines of that input are used whole before they are evicted. Other layouts go to
// parallel_for_each_run. Calls may run concurrently, on disjoint runs.
template <int N, typename F>
void parallel_for_each_run_tiled(const Shape& shape, const std::array<const Strides*, N>& strides, F&& f,
                                 int64_t grain = parallel_threshold / 2) {
  auto lay = collapse_layout<N>(shape, strides);
  int nd = static_cast<int>(lay.shape.size());
  auto mag = [](int64_t v) { return v < 0 ? -v : v; };
  int a = nd - 1, b = -1;
  if (nd >= 2 && lay.shape[a] >= 16) {
    for (int k = 1; k < N && b < 0; ++k) {
      if (mag(lay.strides[k][a]) <= 1) continue;
      int best = -1;
      for (int d = 0; d < a; ++d) {
        if (best < 0 || mag(lay.strides[k][d]) < mag(lay.strides[k][best])) best = d;
      }
      if (mag(lay.strides[k][best]) < mag(lay.strides[k][a]) && lay.shape[best] >= 8) b = best;
    }
  }
  if (b < 0) {
    parallel_for_each_run<N>(shape, strides, f, grain);
    return;
  }
  constexpr int64_t TA = 64, TB = 16;
  int64_t na = lay.shape[a], nb = lay.shape[b];
  int64_t ta = (na + TA - 1) / TA, tb = (nb + TB - 1) / TB;
  std::vector<int> outer;
  int64_t nouter = 1;
  for (int d = 0; d < a; ++d) {
    if (d != b) {
      outer.push_back(d);
      nouter *= lay.shape[d];
    }
  }
  std::array<int64_t, N> inner;
  for (int k = 0; k < N; ++k) inner[k] = lay.strides[k][a];
  parallel_for(nouter * tb * ta, [&](int64_t lo, int64_t hi) {
    for (int64_t it = lo; it < hi; ++it) {
      int64_t t_a = it % ta, t_b = (it / ta) % tb, rem = it / ta / tb;
      std::array<int64_t, N> base{};
      for (int q = static_cast<int>(outer.size()) - 1; q >= 0; --q) {
        int d = outer[q];
        int64_t i = rem % lay.shape[d];
        rem /= lay.shape[d];
        for (int k = 0; k < N; ++k) base[k] += i * lay.strides[k][d];
      }
      int64_t a0 = t_a * TA, len = std::min(TA, na - a0);
      int64_t b1 = std::min(nb, (t_b + 1) * TB);
      for (int64_t j = t_b * TB; j < b1; ++j) {
        std::array<int64_t, N> o;
        for (int k = 0; k < N; ++k) o[k] = base[k] + j * lay.strides[k][b] + a0 * inner[k];
        f(o, len, inner);
      }
    }
  }, std::max<int64_t>(1, grain / (TA * TB)));
}

} // namespace mlx::core::cpu
