// Kernels of Concatenate (each input copied into its slice of the output) and Pad (one
// pass over the output: border elements filled, interior runs copied).
#include <algorithm>
#include <cstring>
#include <utility>

#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/primitives/concat_pad.h"

namespace mlx::core {

namespace {

// How the pad kernels cut `rows` output rows of `len` elements for the thread pool: whole
// rows when there are about four per thread, else each row in up to len / 16384 pieces.
// Returns {pieces per row, elements per piece}.
std::pair<int64_t, int64_t> row_pieces(int64_t rows, int64_t len) {
  int64_t want = int64_t(cpu::worker_count()) * 4;
  int64_t pieces = rows >= want ? 1 : std::max<int64_t>(1, std::min((want + rows - 1) / rows, len / 16384));
  int64_t piece = (len + pieces - 1) / pieces;
  return {(len + piece - 1) / piece, piece};
}

} // namespace

void Concatenate::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([inputs, out, axis = axis_]() mutable {
    char* base = static_cast<char*>(out.raw_data());
    int64_t step = out.strides()[axis] * static_cast<int64_t>(out.itemsize());
    int64_t pos = 0;
    for (auto& in : inputs) {
      cpu::copy_strided(in, base + pos * step, out.dtype(), out.strides());
      pos += in.shape()[axis];
    }
  });
}

namespace {

struct Bytes16 {
  uint64_t lo, hi;
};

// Fills out (row-contiguous) with v outside the box [low, low + in.shape) and copies `in`
// inside it. The output is cut into rows along its last axis; rows (or pieces of a row,
// when there are few rows) are shared over the thread pool.
template <typename E>
void pad_kernel(const array& in, const array& val, array& out, const Shape& low) {
  E v;
  std::memcpy(&v, val.raw_data(), sizeof(E));
  E* o = out.data<E>();
  const E* src = in.data<E>();
  int nd = out.ndim();
  const Shape& os = out.shape();
  const Shape& is = in.shape();
  int64_t L = os[nd - 1];
  if (out.size() == 0) return;
  int64_t rows = static_cast<int64_t>(out.size()) / L;
  int64_t lo_last = low[nd - 1], n_last = is[nd - 1], s_last = in.strides()[nd - 1];
  bool in_empty = in.size() == 0;
  // Plain variables, not a structured binding: the lambda below captures them, which clang
  // before 19 rejects for bindings under -fopenmp-simd.
  const std::pair<int64_t, int64_t> split = row_pieces(rows, L);
  const int64_t pieces = split.first, piece = split.second;
  cpu::parallel_for(rows * pieces, [&](int64_t b, int64_t e) {
    for (int64_t it = b; it < e; ++it) {
      int64_t r = it / pieces, p = it % pieces;
      int64_t c0 = p * piece, c1 = std::min(L, c0 + piece);
      E* row = o + r * L;
      // The input row that lands in this output row, if any.
      bool inside = !in_empty;
      int64_t soff = 0, rem = r;
      for (int d = nd - 2; d >= 0 && inside; --d) {
        int64_t i = rem % os[d] - low[d];
        rem /= os[d];
        if (i < 0 || i >= is[d]) inside = false;
        else soff += i * in.strides()[d];
      }
      if (!inside) {
        std::fill(row + c0, row + c1, v);
        continue;
      }
      int64_t a = std::clamp(lo_last, c0, c1), z = std::clamp(lo_last + n_last, c0, c1);
      std::fill(row + c0, row + a, v);
      const E* sp = src + soff + (a - lo_last) * s_last;
      if (s_last == 1) std::memcpy(row + a, sp, (z - a) * sizeof(E));
      else for (int64_t j = 0; j < z - a; ++j) row[a + j] = sp[j * s_last];
      std::fill(row + z, row + c1, v);
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / std::max<int64_t>(piece, 1)));
}

} // namespace

void Pad::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], val = inputs[1], out, low = low_]() mutable {
    switch (out.itemsize()) {
      case 1: pad_kernel<uint8_t>(in, val, out, low); break;
      case 2: pad_kernel<uint16_t>(in, val, out, low); break;
      case 4: pad_kernel<uint32_t>(in, val, out, low); break;
      case 8: pad_kernel<uint64_t>(in, val, out, low); break;
      case 16: pad_kernel<Bytes16>(in, val, out, low); break;
      default: throw std::runtime_error("[pad] Unsupported element size.");
    }
  });
}

} // namespace mlx::core

namespace mlx::core {

namespace {

// out[o, i, r, k] = in[o, i, k] for r < reps: in is row-contiguous (outer, n, inner).
template <typename E>
void repeat_kernel(const E* src, E* dst, int64_t rows, int64_t inner, int64_t reps) {
  int64_t block = inner * reps;
  cpu::parallel_for(rows, [&](int64_t lo, int64_t hi) {
    if (inner == 1) {
      E* o = dst + lo * reps;
      if (reps == 2) {
        for (int64_t i = lo; i < hi; ++i, o += 2) o[0] = o[1] = src[i];
      } else {
        for (int64_t i = lo; i < hi; ++i, o += reps) std::fill(o, o + reps, src[i]);
      }
      return;
    }
    for (int64_t i = lo; i < hi; ++i) {
      const E* s = src + i * inner;
      E* o = dst + i * block;
      for (int64_t r = 0; r < reps; ++r) std::memcpy(o + r * inner, s, inner * sizeof(E));
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / std::max<int64_t>(block, 1)));
}

} // namespace

void Repeat::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out, axis = axis_, reps = repeats_]() mutable {
    if (out.size() == 0) return;
    array x = in.flags().row_contiguous ? in : cpu::contiguous_copy(in, in.dtype());
    int64_t inner = 1;
    for (int i = axis + 1; i < x.ndim(); ++i) inner *= x.shape()[i];
    int64_t rows = static_cast<int64_t>(x.size()) / inner;
    const void* s = x.raw_data();
    void* d = out.raw_data();
    switch (out.itemsize()) {
      case 1: repeat_kernel(static_cast<const uint8_t*>(s), static_cast<uint8_t*>(d), rows, inner, reps); break;
      case 2: repeat_kernel(static_cast<const uint16_t*>(s), static_cast<uint16_t*>(d), rows, inner, reps); break;
      case 4: repeat_kernel(static_cast<const uint32_t*>(s), static_cast<uint32_t*>(d), rows, inner, reps); break;
      case 8: repeat_kernel(static_cast<const uint64_t*>(s), static_cast<uint64_t*>(d), rows, inner, reps); break;
      case 16: repeat_kernel(static_cast<const Bytes16*>(s), static_cast<Bytes16*>(d), rows, inner, reps); break;
      default: throw std::runtime_error("[repeat] Unsupported element size.");
    }
  });
}

} // namespace mlx::core

namespace mlx::core {

namespace {

// The input position that output position o copies along an axis of n > 0 elements
// padded by lo in front.
int64_t mirror_index(int64_t o, int64_t n, int64_t lo, int mode) {
  int64_t i = o - lo;
  if (mode == 0 || (mode == 1 && n == 1)) return std::clamp<int64_t>(i, 0, n - 1);
  int64_t p = mode == 1 ? 2 * (n - 1) : 2 * n;
  i %= p;
  if (i < 0) i += p;
  if (i >= n) i = mode == 1 ? p - i : p - 1 - i;
  return i;
}

std::vector<int64_t> mirror_table(int64_t n, int64_t lo, int64_t len, int mode) {
  std::vector<int64_t> t(len);
  for (int64_t o = 0; o < len; ++o) t[o] = mirror_index(o, n, lo, mode);
  return t;
}

// The last axis as runs: output positions [start[k], start[k + 1]) copy the input from
// position src[k] on (start ends with the axis length).
struct Runs {
  std::vector<int64_t> start, src;
  void add(int64_t c, int64_t from) {
    if (!start.empty() && from == src.back() + (c - start.back())) return; // extends the last run
    start.push_back(c);
    src.push_back(from);
  }
};

// out[o] = in[tables[0][o0], ..., tables[nd-1][o_last]] in one pass over the row-contiguous
// output. The source row of each output row comes from the tables of the outer axes;
// inside a row, runs where the last table counts up by one are copied whole.
template <typename E>
void gather_tables(const array& in, array& out, const std::vector<std::vector<int64_t>>& tables, const Runs& runs) {
  int nd = out.ndim();
  const Shape& os = out.shape();
  const E* src = in.data<E>();
  E* o = out.data<E>();
  int64_t L = os[nd - 1];
  int64_t rows = static_cast<int64_t>(out.size()) / L;
  int64_t s_last = in.strides()[nd - 1];
  std::vector<int64_t> run_start = runs.start;
  run_start.push_back(L);
  // Plain variables, not a structured binding: the lambda below captures them, which clang
  // before 19 rejects for bindings under -fopenmp-simd.
  const std::pair<int64_t, int64_t> split = row_pieces(rows, L);
  const int64_t pieces = split.first, piece = split.second;
  cpu::parallel_for(rows * pieces, [&](int64_t b, int64_t e) {
    for (int64_t it = b; it < e; ++it) {
      int64_t r = it / pieces, p = it % pieces;
      int64_t c0 = p * piece, c1 = std::min(L, c0 + piece);
      int64_t soff = 0, rem = r;
      for (int d = nd - 2; d >= 0; --d) {
        soff += tables[d][rem % os[d]] * in.strides()[d];
        rem /= os[d];
      }
      E* row = o + r * L;
      const E* sp = src + soff;
      size_t k = std::upper_bound(run_start.begin(), run_start.end(), c0) - run_start.begin() - 1;
      for (int64_t c = c0; c < c1; ++k) {
        int64_t end = std::min(run_start[k + 1], c1);
        const E* from = sp + (runs.src[k] + (c - run_start[k])) * s_last;
        if (s_last == 1 && end - c >= 16) std::memcpy(row + c, from, (end - c) * sizeof(E));
        else for (int64_t j = 0; j < end - c; ++j) row[c + j] = from[j * s_last];
        c = end;
      }
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / std::max<int64_t>(piece, 1)));
}

void gather_tables_any(size_t itemsize, const array& in, array& out, const std::vector<std::vector<int64_t>>& t,
                       const Runs& r) {
  switch (itemsize) {
    case 1: gather_tables<uint8_t>(in, out, t, r); break;
    case 2: gather_tables<uint16_t>(in, out, t, r); break;
    case 4: gather_tables<uint32_t>(in, out, t, r); break;
    case 8: gather_tables<uint64_t>(in, out, t, r); break;
    case 16: gather_tables<Bytes16>(in, out, t, r); break;
    default: throw std::runtime_error("[gather_tables] Unsupported element size.");
  }
}

} // namespace

void PadMirror::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out, low = low_, mode = mode_]() mutable {
    if (out.size() == 0) return;
    int nd = out.ndim();
    std::vector<std::vector<int64_t>> tables(nd - 1);
    for (int d = 0; d + 1 < nd; ++d) tables[d] = mirror_table(in.shape()[d], low[d], out.shape()[d], mode);
    int64_t n = in.shape()[nd - 1], lo = low[nd - 1], len = out.shape()[nd - 1];
    Runs runs;
    for (int64_t c = 0; c < lo; ++c) runs.add(c, mirror_index(c, n, lo, mode));
    runs.add(lo, 0);
    for (int64_t c = lo + n; c < len; ++c) runs.add(c, mirror_index(c, n, lo, mode));
    gather_tables_any(out.itemsize(), in, out, tables, runs);
  });
}

void Roll::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out, shift = shift_]() mutable {
    if (out.size() == 0) return;
    int nd = out.ndim();
    std::vector<std::vector<int64_t>> tables(nd - 1);
    for (int d = 0; d + 1 < nd; ++d) {
      int64_t n = out.shape()[d];
      tables[d].resize(n);
      for (int64_t o = 0; o < n; ++o) tables[d][o] = o >= shift[d] ? o - shift[d] : o - shift[d] + n;
    }
    int64_t n = out.shape()[nd - 1], k = shift[nd - 1];
    Runs runs;
    if (k > 0) runs.add(0, n - k);
    runs.add(k, 0);
    gather_tables_any(out.itemsize(), in, out, tables, runs);
  });
}

} // namespace mlx::core
