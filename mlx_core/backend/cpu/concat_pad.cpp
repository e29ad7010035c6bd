// Kernels of Concatenate (each input copied into its slice of the output) and Pad (one
// pass over the output: border elements filled, interior runs copied).
#include <algorithm>
#include <cstring>

#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/primitives/concat_pad.h"

namespace mlx::core {

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
  int64_t want = int64_t(cpu::worker_count()) * 4;
  int64_t pieces = rows >= want ? 1 : std::max<int64_t>(1, std::min((want + rows - 1) / rows, L / 16384));
  int64_t piece = (L + pieces - 1) / pieces;
  pieces = (L + piece - 1) / piece;
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

// For each output position along an axis, the input position it copies (n > 0).
std::vector<int64_t> mirror_table(int64_t n, int64_t lo, int64_t len, int mode) {
  std::vector<int64_t> t(len);
  for (int64_t o = 0; o < len; ++o) {
    int64_t i = o - lo;
    if (mode == 0 || (mode == 1 && n == 1)) {
      i = std::clamp<int64_t>(i, 0, n - 1);
    } else if (mode == 1) {
      int64_t p = 2 * (n - 1);
      i %= p;
      if (i < 0) i += p;
      if (i >= n) i = p - i;
    } else {
      int64_t p = 2 * n;
      i %= p;
      if (i < 0) i += p;
      if (i >= n) i = p - 1 - i;
    }
    t[o] = i;
  }
  return t;
}

// One pass over the row-contiguous output: the source row of each output row comes from
// the tables of the outer axes; inside a row, the interior is one run of the input.
template <typename E>
void mirror_kernel(const array& in, array& out, const Shape& low, int mode) {
  int nd = out.ndim();
  const Shape& os = out.shape();
  const Shape& is = in.shape();
  std::vector<std::vector<int64_t>> tables(nd);
  for (int d = 0; d < nd; ++d) tables[d] = mirror_table(is[d], low[d], os[d], mode);
  const E* src = in.data<E>();
  E* o = out.data<E>();
  int64_t L = os[nd - 1];
  int64_t rows = static_cast<int64_t>(out.size()) / L;
  int64_t lo_last = low[nd - 1], n_last = is[nd - 1], s_last = in.strides()[nd - 1];
  const std::vector<int64_t>& last = tables[nd - 1];
  int64_t want = int64_t(cpu::worker_count()) * 4;
  int64_t pieces = rows >= want ? 1 : std::max<int64_t>(1, std::min((want + rows - 1) / rows, L / 16384));
  int64_t piece = (L + pieces - 1) / pieces;
  pieces = (L + piece - 1) / piece;
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
      int64_t a = std::clamp(lo_last, c0, c1), z = std::clamp(lo_last + n_last, c0, c1);
      for (int64_t c = c0; c < a; ++c) row[c] = sp[last[c] * s_last];
      if (s_last == 1) std::memcpy(row + a, sp + (a - lo_last), (z - a) * sizeof(E));
      else for (int64_t c = a; c < z; ++c) row[c] = sp[(c - lo_last) * s_last];
      for (int64_t c = z; c < c1; ++c) row[c] = sp[last[c] * s_last];
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / std::max<int64_t>(piece, 1)));
}

} // namespace

void PadMirror::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch([in = inputs[0], out, low = low_, mode = mode_]() mutable {
    if (out.size() == 0) return;
    switch (out.itemsize()) {
      case 1: mirror_kernel<uint8_t>(in, out, low, mode); break;
      case 2: mirror_kernel<uint16_t>(in, out, low, mode); break;
      case 4: mirror_kernel<uint32_t>(in, out, low, mode); break;
      case 8: mirror_kernel<uint64_t>(in, out, low, mode); break;
      case 16: mirror_kernel<Bytes16>(in, out, low, mode); break;
      default: throw std::runtime_error("[pad] Unsupported element size.");
    }
  });
}

} // namespace mlx::core
