// Order-preserving unsigned keys for every dtype, and an LSD radix sort over them.
// key(a) < key(b) exactly when a sorts before b: ascending, NaN last (all NaNs equal),
// -0 equal to 0, complex lexicographic on (real, imag). Shared by the sort, searchsorted and
// unique kernels.
#pragma once
#include <algorithm>
#include <complex>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/types/half_types.h"

namespace mlx::core::cpu {

template <typename T>
struct OrderKey;

// Integers: signed ones have their sign bit flipped. Keys are lossless.
template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
struct OrderKey<T> {
  using U = std::make_unsigned_t<T>;
  static constexpr bool lossy = false;
  static constexpr U flip = std::is_signed_v<T> ? U(U(1) << (sizeof(T) * 8 - 1)) : U(0);
  static U key(T v) { return static_cast<U>(static_cast<U>(v) ^ flip); }
  static T decode(U k) { return static_cast<T>(static_cast<U>(k ^ flip)); }
  static bool special(T) { return false; }
};

template <>
struct OrderKey<bool> {
  using U = uint8_t;
  static constexpr bool lossy = false;
  static U key(bool v) { return v ? 1 : 0; }
  static bool decode(U k) { return k != 0; }
  static bool special(bool) { return false; }
};

// IEEE floats (and bfloat16) of width sizeof(U): negative values have all bits inverted,
// others their sign bit set. Every NaN maps to the largest key and -0 to the key of +0, so
// the key is lossy there: special() says which values decode() cannot give back.
template <typename T, typename UT, UT exp_mask>
struct FloatOrderKey {
  using U = UT;
  static constexpr bool lossy = true;
  static constexpr U sign = U(U(1) << (sizeof(U) * 8 - 1));
  static constexpr U nan_key = U(~U(0));
  static constexpr U zero_key = sign;
  static U bits(T v) {
    U b;
    std::memcpy(&b, &v, sizeof(U));
    return b;
  }
  static U key(T v) {
    U b = bits(v);
    U mag = static_cast<U>(b & U(~sign));
    if (mag > exp_mask) return nan_key;
    if (mag == 0) return zero_key;
    // Negative: all bits inverted; else the sign bit set. Branch-free: signs are random.
    U neg = static_cast<U>(U(0) - static_cast<U>(b >> (sizeof(U) * 8 - 1)));
    return static_cast<U>(b ^ (neg | sign));
  }
  static T decode(U k) {
    U b = (k & sign) ? U(k ^ sign) : U(~k);
    T v;
    std::memcpy(&v, &b, sizeof(U));
    return v;
  }
  // -0 and NaN (whose bits the key loses).
  static bool special(T v) {
    U b = bits(v);
    return b == sign || static_cast<U>(b & U(~sign)) > exp_mask;
  }
};

template <>
struct OrderKey<float> : FloatOrderKey<float, uint32_t, 0x7f800000u> {};
template <>
struct OrderKey<double> : FloatOrderKey<double, uint64_t, 0x7ff0000000000000ull> {};
template <>
struct OrderKey<float16_t> : FloatOrderKey<float16_t, uint16_t, 0x7c00u> {};
template <>
struct OrderKey<bfloat16_t> : FloatOrderKey<bfloat16_t, uint16_t, 0x7f80u> {};

// complex64: (key(real), key(imag)) in one 64-bit key. No decode: complex values are sorted
// through their indices.
template <>
struct OrderKey<std::complex<float>> {
  using U = uint64_t;
  static constexpr bool lossy = true;
  static U key(std::complex<float> v) {
    return (uint64_t(OrderKey<float>::key(v.real())) << 32) | OrderKey<float>::key(v.imag());
  }
};

// A long run cut into one contiguous chunk per thread, each of at least per_thread items (a
// single chunk inside a parallel region); run(f) calls f(t, lo, hi) for every chunk t on
// the thread pool.
struct RunChunks {
  int threads = 1;
  int64_t n, chunk;
  RunChunks(int64_t n_items, int64_t per_thread) : n(n_items) {
    if (n >= 2 * per_thread && !in_parallel_region()) {
      threads = static_cast<int>(std::min<int64_t>(thread_count(), n / per_thread));
    }
    chunk = (n + threads - 1) / threads;
  }
  template <typename F>
  void run(F&& f) const {
    parallel_for(threads, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) f(t, t * chunk, std::min(n, (t + 1) * chunk));
    }, 1);
  }
};

// LSD radix sort (stable) of n items by key(item), an unsigned integer of key_bits bits.
// The items come from load(i), stored into a while the digit histograms are counted; b is
// scratch of n items. The sorted items go to store(position, item), from the last pass
// (which saves a pass over the output). Passes in which every item has the same digit are
// skipped. A long run is shared by the thread pool: each thread counts and scatters one
// contiguous chunk (stable, as chunks keep their order), and counts its chunk's digits again
// before each later pass. n < 2**32.
template <int key_bits, int db, typename Item, typename Load, typename KeyFn, typename Store>
void radix_sort_digits(Item* a, Item* b, int64_t n, Load load, KeyFn key, Store store) {
  constexpr int passes = (key_bits + db - 1) / db;
  constexpr uint32_t nb = 1u << db;
  RunChunks chunks(n, int64_t(1) << 16);
  int threads = chunks.threads;
  std::vector<uint32_t> hist(static_cast<size_t>(threads) * passes * nb, 0);
  chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
    uint32_t* h = &hist[t * passes * nb];
    for (int64_t i = lo; i < hi; ++i) {
      Item it = load(i);
      a[i] = it;
      auto k = key(it);
      for (int p = 0; p < passes; ++p) ++h[p * nb + static_cast<uint32_t>((k >> (p * db)) & (nb - 1))];
    }
  });
  // The passes that move items: those where the items' digits differ (the totals over the
  // chunks are right for every pass, whatever order later passes leave the items in).
  int last = -1;
  bool moves[passes];
  for (int p = 0; p < passes; ++p) {
    uint32_t d0 = static_cast<uint32_t>((key(a[0]) >> (p * db)) & (nb - 1));
    uint64_t first = 0;
    for (int t = 0; t < threads; ++t) first += hist[(t * passes + p) * nb + d0];
    moves[p] = first != static_cast<uint64_t>(n);
    if (moves[p]) last = p;
  }
  if (last < 0) {
    chunks.run([&](int64_t, int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) store(i, a[i]);
    });
    return;
  }
  bool recount = false;
  for (int p = 0; p <= last; ++p) {
    if (!moves[p]) continue;
    int shift = p * db;
    if (threads > 1 && recount) {
      // The chunks hold other items since the last pass: count their digits again.
      chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
        uint32_t* h = &hist[(t * passes + p) * nb];
        std::fill(h, h + nb, 0u);
        for (int64_t i = lo; i < hi; ++i) ++h[static_cast<uint32_t>((key(a[i]) >> shift) & (nb - 1))];
      });
    }
    recount = true;
    uint32_t sum = 0;
    for (uint32_t d = 0; d < nb; ++d) {
      for (int t = 0; t < threads; ++t) {
        uint32_t& c = hist[(t * passes + p) * nb + d];
        uint32_t v = c;
        c = sum;
        sum += v;
      }
    }
    bool final_pass = p == last;
    chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
      uint32_t* __restrict h = &hist[(t * passes + p) * nb];
      const Item* __restrict src = a;
      Item* __restrict dst = b;
      if (final_pass) {
        for (int64_t i = lo; i < hi; ++i) {
          Item it = src[i];
          store(h[static_cast<uint32_t>((key(it) >> shift) & (nb - 1))]++, it);
        }
      } else {
        for (int64_t i = lo; i < hi; ++i) {
          Item it = src[i];
          dst[h[static_cast<uint32_t>((key(it) >> shift) & (nb - 1))]++] = it;
        }
      }
    });
    std::swap(a, b);
  }
}

// Stable sort of a run of n items whose keys agree above their low `bits` bits, in place in
// `a` (b is scratch of n items): an insertion sort for a few items; else, for a long run with
// many bits left, one most-significant digit pass and the same sort of each digit's items
// (which keeps the work inside the caches); else least-significant digit passes with digits
// sized to the run (histograms much longer than the run cost more than they save).
template <typename Item, typename KeyFn>
void sort_low_bits(Item* a, Item* b, int64_t n, int bits, KeyFn key) {
  using K = decltype(key(a[0]));
  if (n <= 32) {
    for (int64_t i = 1; i < n; ++i) {
      Item it = a[i];
      K k = key(it);
      int64_t j = i;
      for (; j > 0 && key(a[j - 1]) > k; --j) a[j] = a[j - 1];
      a[j] = it;
    }
    return;
  }
  if (bits <= 0) return;
  int width = 64 - __builtin_clzll(static_cast<uint64_t>(n));
  if (n > (int64_t(1) << 16) && bits > 16) {
    int db = 11;
    int shift = bits - db;
    constexpr uint32_t nb = 1u << 11;
    std::vector<int64_t> start(nb + 1, 0);
    for (int64_t i = 0; i < n; ++i) ++start[1 + ((key(a[i]) >> shift) & (nb - 1))];
    for (uint32_t d = 0; d < nb; ++d) start[d + 1] += start[d];
    std::vector<int64_t> next(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < n; ++i) b[next[(key(a[i]) >> shift) & (nb - 1)]++] = a[i];
    std::memcpy(static_cast<void*>(a), b, static_cast<size_t>(n) * sizeof(Item));
    for (uint32_t d = 0; d < nb; ++d) sort_low_bits(a + start[d], b + start[d], start[d + 1] - start[d], shift, key);
    return;
  }
  int db = std::clamp(width - 2, 4, 11);
  int passes = (bits + db - 1) / db;
  db = (bits + passes - 1) / passes;
  uint32_t nb = 1u << db, mask = nb - 1;
  thread_local std::vector<uint32_t> hist;
  hist.assign(static_cast<size_t>(passes) * nb, 0);
  for (int64_t i = 0; i < n; ++i) {
    K k = key(a[i]);
    for (int p = 0; p < passes; ++p) ++hist[p * nb + static_cast<uint32_t>((k >> (p * db)) & mask)];
  }
  Item* src = a;
  Item* dst = b;
  for (int p = 0; p < passes; ++p) {
    uint32_t* h = &hist[p * nb];
    int shift = p * db;
    if (h[static_cast<uint32_t>((key(src[0]) >> shift) & mask)] == static_cast<uint32_t>(n)) continue;
    uint32_t sum = 0;
    for (uint32_t d = 0; d < nb; ++d) {
      uint32_t v = h[d];
      h[d] = sum;
      sum += v;
    }
    for (int64_t i = 0; i < n; ++i) {
      Item it = src[i];
      dst[h[static_cast<uint32_t>((key(it) >> shift) & mask)]++] = it;
    }
    std::swap(src, dst);
  }
  if (src != a) std::memcpy(static_cast<void*>(a), src, static_cast<size_t>(n) * sizeof(Item));
}

// Radix sort (stable) of a long run: one most-significant digit pass over the bits in which
// the keys differ, shared by the thread pool (each thread counts and scatters one chunk of
// the items), then each digit's items sorted by sort_low_bits, the digits shared out among
// the threads in contiguous groups of about equal size. Arguments as radix_sort_digits.
template <typename Item, typename Load, typename KeyFn, typename Store>
void radix_sort_msd(Item* a, Item* b, int64_t n, Load load, KeyFn key, Store store) {
  using K = decltype(key(a[0]));
  RunChunks chunks(n, int64_t(1) << 15);
  int threads = chunks.threads;
  int64_t chunk = chunks.chunk;
  // Load the items and find the bits in which their keys differ.
  K k0 = key(load(0));
  std::vector<K> differ(threads, 0);
  chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
    K d = 0;
    for (int64_t i = lo; i < hi; ++i) {
      Item it = load(i);
      a[i] = it;
      d |= static_cast<K>(key(it) ^ k0);
    }
    differ[t] = d;
  });
  K diff = 0;
  for (K d : differ) diff |= d;
  int bits = diff == 0 ? 0 : 64 - __builtin_clzll(static_cast<uint64_t>(diff));
  if (bits == 0) {
    chunks.run([&](int64_t, int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) store(i, a[i]);
    });
    return;
  }
  int width = 64 - __builtin_clzll(static_cast<uint64_t>(n));
  int db = std::min(bits, std::clamp(width - 8, 8, 12));
  int shift = bits - db;
  uint32_t nb = 1u << db, mask = nb - 1;
  std::vector<int64_t> hist(static_cast<size_t>(threads) * nb, 0);
  chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
    int64_t* h = &hist[t * nb];
    for (int64_t i = lo; i < hi; ++i) ++h[static_cast<uint32_t>((key(a[i]) >> shift) & mask)];
  });
  std::vector<int64_t> start(nb + 1, 0);
  int64_t sum = 0;
  for (uint32_t d = 0; d < nb; ++d) {
    start[d] = sum;
    for (int t = 0; t < threads; ++t) {
      int64_t v = hist[t * nb + d];
      hist[t * nb + d] = sum;
      sum += v;
    }
  }
  start[nb] = n;
  chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
    int64_t* __restrict h = &hist[t * nb];
    for (int64_t i = lo; i < hi; ++i) {
      Item it = a[i];
      b[h[static_cast<uint32_t>((key(it) >> shift) & mask)]++] = it;
    }
  });
  // Thread t sorts the digits whose items start in [t n / threads, (t + 1) n / threads).
  std::vector<uint32_t> first(threads + 1, nb);
  for (int t = 0, d = 0; t < threads; ++t) {
    while (d < static_cast<int>(nb) && start[d] < t * chunk) ++d;
    first[t] = d;
  }
  first[0] = 0;
  chunks.run([&](int64_t t, int64_t, int64_t) {
    for (uint32_t d = first[t]; d < first[t + 1]; ++d) {
      int64_t lo = start[d], m = start[d + 1] - lo;
      if (m == 0) continue;
      sort_low_bits(b + lo, a + lo, m, shift, key);
      for (int64_t i = 0; i < m; ++i) store(lo + i, b[lo + i]);
    }
  });
}

// radix_sort with digits of 8 bits for keys of 16 bits or less and for short runs, 11 bits
// for runs of a few thousand items, and a most-significant digit first sort for long runs.
template <int key_bits, typename Item, typename Load, typename KeyFn, typename Store>
void radix_sort(Item* a, Item* b, int64_t n, Load load, KeyFn key, Store store) {
  if constexpr (key_bits <= 16) {
    radix_sort_digits<key_bits, 8>(a, b, n, load, key, store);
  } else {
    if (n >= (int64_t(1) << 15)) {
      radix_sort_msd(a, b, n, load, key, store);
    } else if (n < (int64_t(1) << 13)) {
      radix_sort_digits<key_bits, 8>(a, b, n, load, key, store);
    } else {
      radix_sort_digits<key_bits, 11>(a, b, n, load, key, store);
    }
  }
}

// Scratch memory for runs, left uninitialized and reused while large enough. It comes from
// the allocator, whose buffer cache spares large sorts fresh pages (and their page faults).
template <typename T>
struct Scratch {
  std::shared_ptr<Data> data;
  int64_t cap = 0;
  T* get(int64_t n) {
    if (n > cap) {
      data = std::make_shared<Data>(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(T));
      cap = n;
    }
    return static_cast<T*>(data->ptr);
  }
};

// Runs shorter than this use a comparison sort.
inline constexpr int64_t small_run = 256;

// An item of an index sort: the key with the index below it. 32-bit keys and narrower pack
// into one uint64 (ordering by key then index); 64-bit keys use a pair.
template <typename U>
struct IndexItems {
  using Item = uint64_t;
  static Item make(U k, uint32_t i) { return (uint64_t(k) << 32) | i; }
  static uint32_t index(Item it) { return static_cast<uint32_t>(it); }
  static uint64_t key(Item it) { return it >> 32; }
  static bool less(Item a, Item b) { return a < b; }
};

struct KeyIndex64 {
  uint64_t k;
  uint32_t i;
};

template <>
struct IndexItems<uint64_t> {
  using Item = KeyIndex64;
  static Item make(uint64_t k, uint32_t i) { return {k, i}; }
  static uint32_t index(Item it) { return it.i; }
  static uint64_t key(Item it) { return it.k; }
  static bool less(Item a, Item b) { return a.k < b.k || (a.k == b.k && a.i < b.i); }
};

// Partitions one long run around position kth with its keys and indices (the kth smallest
// item there, smaller or equal items before it, larger or equal ones after), handing the
// items to store(position, item): one pass finds the key bits that vary, one counts a digit
// of the highest of them, and one writes the items whose digit is below or above kth's
// straight to their side, in input order; only the items sharing kth's digit go through
// nth_element. The passes are shared by the thread pool (each thread takes one chunk of the
// run and writes its items after those of the chunks before it).
template <typename T, typename Store>
void select_run(const T* in, int64_t step, int64_t n, int64_t kth,
                Scratch<typename IndexItems<typename OrderKey<T>::U>::Item>& a, Store store) {
  using K = OrderKey<T>;
  using U = typename K::U;
  using I = IndexItems<U>;
  RunChunks chunks(n, int64_t(1) << 16);
  int threads = chunks.threads;
  U k0 = K::key(in[0]);
  std::vector<U> differ(threads, 0);
  chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
    U d = 0;
    for (int64_t i = lo; i < hi; ++i) d |= static_cast<U>(K::key(in[i * step]) ^ k0);
    differ[t] = d;
  });
  U diff = 0;
  for (U d : differ) diff |= d;
  if (diff == 0) {
    for (int64_t i = 0; i < n; ++i) store(i, I::make(k0, static_cast<uint32_t>(i)));
    return;
  }
  int bits = 64 - __builtin_clzll(static_cast<uint64_t>(diff));
  int db = std::min(bits, 11);
  int shift = bits - db;
  uint32_t mask = (1u << db) - 1;
  size_t nb = size_t(1) << db;
  auto digit = [&](U k) { return static_cast<uint32_t>((k >> shift) & mask); };
  std::vector<int64_t> hist(threads * nb, 0);
  chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
    int64_t* h = &hist[t * nb];
    for (int64_t i = lo; i < hi; ++i) ++h[digit(K::key(in[i * step]))];
  });
  // kth's digit d, the items below it (all chunks) and each chunk's first positions.
  std::vector<int64_t> total(nb, 0);
  for (int t = 0; t < threads; ++t) {
    for (size_t g = 0; g < nb; ++g) total[g] += hist[t * nb + g];
  }
  uint32_t d = 0;
  int64_t below = 0;
  while (below + total[d] <= kth) below += total[d++];
  int64_t m = total[d];
  std::vector<int64_t> left(threads), right(threads), mid_at(threads);
  for (int64_t t = 0, l = 0, r = below + m, c = 0; t < threads; ++t) {
    left[t] = l, right[t] = r, mid_at[t] = c;
    for (size_t g = 0; g < nb; ++g) {
      int64_t v = hist[t * nb + g];
      if (g < d) l += v;
      if (g > d) r += v;
    }
    c += hist[t * nb + d];
  }
  auto* mid = a.get(m);
  chunks.run([&](int64_t t, int64_t lo, int64_t hi) {
    int64_t l = left[t], r = right[t], c = mid_at[t];
    for (int64_t i = lo; i < hi; ++i) {
      U k = K::key(in[i * step]);
      uint32_t g = digit(k);
      auto it = I::make(k, static_cast<uint32_t>(i));
      if (g == d) {
        mid[c++] = it;
        continue;
      }
      // Which side is random: choose the position without a branch.
      bool below_d = g < d;
      store(below_d ? l : r, it);
      l += below_d;
      r += !below_d;
    }
  });
  std::nth_element(mid, mid + (kth - below), mid + m, I::less);
  for (int64_t j = 0; j < m; ++j) store(below + j, mid[j]);
}

// Sorts (or, with kth >= 0, partitions) one run's keys with their indices, and hands the
// ordered items to store(position, item).
template <typename T, typename Store>
void order_run(const T* in, int64_t step, int64_t n, int64_t kth,
               Scratch<typename IndexItems<typename OrderKey<T>::U>::Item>& a,
               Scratch<typename IndexItems<typename OrderKey<T>::U>::Item>& b, Store store) {
  using U = typename OrderKey<T>::U;
  using I = IndexItems<U>;
  auto load = [&](int64_t i) { return I::make(OrderKey<T>::key(in[i * step]), static_cast<uint32_t>(i)); };
  if (kth >= 0 && n >= (int64_t(1) << 16)) {
    select_run<T>(in, step, n, kth, a, store);
    return;
  }
  auto* p = a.get(n);
  if (kth >= 0 || n < small_run) {
    for (int64_t i = 0; i < n; ++i) p[i] = load(i);
    if (kth >= 0) {
      std::nth_element(p, p + kth, p + n, I::less);
    } else {
      std::sort(p, p + n, I::less);
    }
    for (int64_t i = 0; i < n; ++i) store(i, p[i]);
    return;
  }
  radix_sort<sizeof(U) * 8>(p, b.get(n), n, load, [](const typename I::Item& it) { return I::key(it); }, store);
}

} // namespace mlx::core::cpu
