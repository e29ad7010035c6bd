#include "mlx_core/ops/matmul_family.h"

#include <cmath>
#include <numeric>
#include <string>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/matmul_family.h"
#include "mlx_core/utils.h"

namespace mlx::core {

namespace {

int64_t prod(const Shape& s, size_t begin = 0, size_t end = size_t(-1)) {
  int64_t p = 1;
  for (size_t i = begin; i < std::min(end, s.size()); ++i) p *= s[i];
  return p;
}

// The reference's error for ops that take only real floating point operands.
Dtype real_float_type(const char* op, const array& a, const array& b) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_floating_point(t)) {
    throw std::invalid_argument(msg("[", op, "] Only real floating point types are supported but ",
                                    dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
                                    " were provided which results in ", dtype_name(t),
                                    ", which is not a real floating point type."));
  }
  return t;
}

// The inner-dimension check shared by the matmul variants.
void check_inner(const char* op, const array& a, const array& b) {
  if (a.shape(-1) != b.shape(b.ndim() == 1 ? -1 : -2)) {
    throw std::invalid_argument(msg("[", op, "] Last dimension of first input with shape ", shape_str(a.shape()),
                                    " must match second to last dimension of second input with shape ",
                                    shape_str(b.shape()), "."));
  }
}

} // namespace

array addmm(const array& c, const array& a, const array& b, float alpha, float beta, StreamOrDevice s) {
  Dtype t = inexact_dtype(promote_types(c.dtype(), promote_types(a.dtype(), b.dtype())));
  if (a.ndim() == 0 || b.ndim() == 0) {
    throw std::invalid_argument("[addmm] Got 0 dimension input. Inputs must have at least one dimension.");
  }
  check_inner("addmm", a, b);
  array prod_ab = matmul(astype(a, t, s), astype(b, t, s), s);
  Shape out_shape = broadcast_shapes(c.shape(), prod_ab.shape());
  if (alpha != 1.0f) prod_ab = multiply(prod_ab, array(alpha, t), s);
  if (beta == 0.0f) return broadcast_to(prod_ab, out_shape, s);
  array cc = astype(c, t, s);
  if (beta != 1.0f) cc = multiply(cc, array(beta, t), s);
  return add(cc, prod_ab, s);
}

array tensordot(const array& a, const array& b, int axes, StreamOrDevice s) {
  if (axes < 0) throw std::invalid_argument("[tensordot] axis must be greater or equal to 0.");
  if (axes > std::min(a.ndim(), b.ndim())) {
    throw std::invalid_argument("[tensordot] axis must be less than the number of dimensions of a and b.");
  }
  std::vector<int> xa, xb;
  for (int i = 0; i < axes; ++i) {
    xa.push_back(a.ndim() - axes + i);
    xb.push_back(i);
  }
  return tensordot(a, b, xa, xb, s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
                StreamOrDevice s) {
  if (axes_a.size() != axes_b.size()) {
    throw std::invalid_argument("[tensordot] axes must have the same size.");
  }
  std::vector<int> xa, xb;
  std::vector<bool> used_a(a.ndim(), false), used_b(b.ndim(), false);
  for (size_t i = 0; i < axes_a.size(); ++i) {
    int ia = normalize_axis(axes_a[i], a.ndim(), "tensordot");
    int ib = normalize_axis(axes_b[i], b.ndim(), "tensordot");
    if (used_a[ia] || used_b[ib]) throw std::invalid_argument("[tensordot] Repeated axis in axes.");
    used_a[ia] = used_b[ib] = true;
    if (a.shape()[ia] != b.shape()[ib]) {
      throw std::invalid_argument("[tensordot] a and b must have the same shape on the contracted axes.");
    }
    xa.push_back(ia);
    xb.push_back(ib);
  }
  // a -> (free_a, contracted), b -> (contracted, free_b), then one matrix product.
  std::vector<int> pa, pb;
  Shape out_shape;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!used_a[i]) {
      pa.push_back(i);
      out_shape.push_back(a.shape()[i]);
    }
  }
  pa.insert(pa.end(), xa.begin(), xa.end());
  pb = xb;
  for (int i = 0; i < b.ndim(); ++i) {
    if (!used_b[i]) {
      pb.push_back(i);
      out_shape.push_back(b.shape()[i]);
    }
  }
  int64_t k = 1, m = 1, n = 1;
  for (int i : xa) k *= a.shape()[i];
  for (int i = 0; i < a.ndim(); ++i) if (!used_a[i]) m *= a.shape()[i];
  for (int i = 0; i < b.ndim(); ++i) if (!used_b[i]) n *= b.shape()[i];
  array a2 = reshape(transpose(a, pa, s), {static_cast<ShapeElem>(m), static_cast<ShapeElem>(k)}, s);
  array b2 = reshape(transpose(b, pb, s), {static_cast<ShapeElem>(k), static_cast<ShapeElem>(n)}, s);
  return reshape(matmul(a2, b2, s), out_shape, s);
}

array vecdot(const array& a, const array& b, int axis, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) throw std::invalid_argument("[vecdot] inputs must be at least 1D.");
  int nd = std::max(a.ndim(), b.ndim());
  if (axis < -nd || axis >= nd) throw std::out_of_range("[vecdot] axis is out of bounds.");
  int ax = axis < 0 ? axis + nd : axis;
  int ia = ax - (nd - a.ndim()), ib = ax - (nd - b.ndim());
  ShapeElem na = ia >= 0 ? a.shape()[ia] : 1, nb = ib >= 0 ? b.shape()[ib] : 1;
  if (na != nb) throw std::invalid_argument("[vecdot] a and b must have the same size along axis.");
  broadcast_shapes(a.shape(), b.shape());  // the other axes must broadcast
  array lhs = is_complex(a.dtype()) ? conjugate(a, s) : a;
  return sum(multiply(lhs, b, s), {ax}, false, s);
}

namespace {

// Checks that indices are integral and returns them.
const array& check_indices(const char* op, const array& idx, const char* what) {
  if (!is_integral(idx.dtype()) || idx.dtype() == bool_) {
    throw std::invalid_argument(msg("[", op, "] Got ", what, " with invalid dtype. ", what == std::string("indices") ? "Indices" : "Segments",
                                    " must be integral."));
  }
  return idx;
}

} // namespace

array gather_mm(const array& a_in, const array& b_in, std::optional<array> lhs_indices,
                std::optional<array> rhs_indices, bool /*sorted_indices*/, StreamOrDevice s) {
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    throw std::invalid_argument("[gather_mm] Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype t = real_float_type("gather_mm", a_in, b_in);
  if (lhs_indices) check_indices("gather_mm", *lhs_indices, "indices");
  if (rhs_indices) check_indices("gather_mm", *rhs_indices, "indices");
  bool a_vec = a_in.ndim() == 1, b_vec = b_in.ndim() == 1;
  array a = a_vec ? reshape(a_in, {1, a_in.shape()[0]}, s) : a_in;
  array b = b_vec ? reshape(b_in, {b_in.shape()[0], 1}, s) : b_in;
  if (a.shape(-1) != b.shape(-2)) {
    throw std::invalid_argument(msg("[gather_mm] Last dimension of first input with shape ", shape_str(a_in.shape()),
                                    " must match second to last dimension of second input with shape ",
                                    shape_str(b_in.shape()), "."));
  }
  a = astype(a, t, s);
  b = astype(b, t, s);
  array out = [&] {
    if (!lhs_indices && !rhs_indices) return matmul(a, b, s);
    // Each operand as a stack of matrices (its batch flattened) and the indices into it (by
    // default every matrix, in batch order). GatherMM reads the picked matrices in place.
    auto stack = [&](const array& x, const std::optional<array>& idx) -> std::pair<array, array> {
      Shape batch(x.shape().begin(), x.shape().end() - 2);
      ShapeElem count = static_cast<ShapeElem>(prod(batch));
      array flat = reshape(x, {count, x.shape(-2), x.shape(-1)}, s);
      if (!idx) return {flat, reshape(arange(0, count, 1, int64, s), batch, s)};
      // Negative indices count from the end, as take's do.
      array ix = astype(*idx, int64, s);
      if (!is_unsigned(idx->dtype())) {
        ix = where(less(ix, array(int64_t(0)), s), add(ix, array(int64_t(count)), s), ix, s);
      }
      return {flat, ix};
    };
    auto [sa, li] = stack(a, lhs_indices);
    auto [sb, ri] = stack(b, rhs_indices);
    // BLAS types run as they are; half types compute in float32.
    Dtype work = (t == float64) ? float64 : float32;
    array r = detail::gather_mm_node(astype(sa, work, s), astype(sb, work, s), li, ri, s);
    return astype(r, t, s);
  }();
  if (a_vec) out = squeeze(out, {-2}, s);
  if (b_vec) out = squeeze(out, {-1}, s);
  return out;
}

array segmented_mm(const array& a, const array& b, const array& segments, StreamOrDevice s) {
  Dtype t = real_float_type("segmented_mm", a, b);
  check_indices("segmented_mm", segments, "segments");
  if (a.ndim() != 2 || b.ndim() != 2) throw std::invalid_argument("[segmented_mm] Batched matmul not supported");
  check_inner("segmented_mm", a, b);
  if (segments.ndim() == 0 || segments.shape(-1) != 2) {
    throw std::invalid_argument(msg("[segmented_mm] Segments must have shape (..., 2) but got shape ",
                                    shape_str(segments.shape()), "."));
  }
  ShapeElem k = a.shape(-1);
  ShapeElem count = static_cast<ShapeElem>(segments.size() / 2);
  array seg = astype(reshape(segments, {count, 2}, s), int64, s);
  array start = slice(seg, {0, 0}, {count, 1}, {1, 1}, s);
  array stop = slice(seg, {0, 1}, {count, 2}, {1, 1}, s);
  array pos = reshape(arange(0, k, 1, int64, s), {1, k}, s);
  // mask[p, j]: column j of a (row j of b) lies in segment p.
  array mask = logical_and(greater_equal(pos, start, s), less(pos, stop, s), s);
  array masked = multiply(expand_dims(astype(a, t, s), {0}, s), astype(expand_dims(mask, {1}, s), t, s), s);
  array out = matmul(masked, astype(b, t, s), s);
  Shape shape(segments.shape().begin(), segments.shape().end() - 1);
  shape.push_back(a.shape(0));
  shape.push_back(b.shape(1));
  return reshape(out, shape, s);
}

namespace {

// A per-tile mask (..., rows_t, cols_t) expanded to (..., rows, cols) in dtype t.
array expand_tiles(const array& mask, int bs, ShapeElem rows, ShapeElem cols, Dtype t, const char* name,
                   StreamOrDevice s) {
  ShapeElem rt = (rows + bs - 1) / bs, ct = (cols + bs - 1) / bs;
  if (mask.ndim() < 2 || mask.shape(-2) != rt || mask.shape(-1) != ct) {
    throw std::invalid_argument(msg("[block_masked_mm] Expected ", name, " with trailing shape (", rt, ",", ct,
                                    ") but got shape ", shape_str(mask.shape()), "."));
  }
  array m = repeat(repeat(astype(mask, t, s), bs, -2, s), bs, -1, s);
  if (rows % bs != 0 || cols % bs != 0) {
    Shape start(m.ndim(), 0), stop = m.shape(), step(m.ndim(), 1);
    stop[m.ndim() - 2] = rows;
    stop[m.ndim() - 1] = cols;
    m = slice(m, start, stop, step, s);
  }
  return m;
}

} // namespace

array block_masked_mm(const array& a_in, const array& b_in, int block_size, std::optional<array> mask_out,
                      std::optional<array> mask_lhs, std::optional<array> mask_rhs, StreamOrDevice s) {
  if (block_size != 32 && block_size != 64) {
    throw std::invalid_argument(msg("[block_masked_mm] Only block_sizes 32, 64 are supported. Got block size ",
                                    block_size, "."));
  }
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    throw std::invalid_argument("[block_masked_mm] Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype t = real_float_type("block_masked_mm", a_in, b_in);
  bool a_vec = a_in.ndim() == 1, b_vec = b_in.ndim() == 1;
  array a = astype(a_vec ? reshape(a_in, {1, a_in.shape()[0]}, s) : a_in, t, s);
  array b = astype(b_vec ? reshape(b_in, {b_in.shape()[0], 1}, s) : b_in, t, s);
  check_inner("block_masked_mm", a, b);
  ShapeElem m = a.shape(-2), k = a.shape(-1), n = b.shape(-1);
  if (mask_lhs) a = multiply(a, expand_tiles(*mask_lhs, block_size, m, k, t, "mask_lhs", s), s);
  if (mask_rhs) b = multiply(b, expand_tiles(*mask_rhs, block_size, k, n, t, "mask_rhs", s), s);
  array out = matmul(a, b, s);
  if (mask_out) out = multiply(out, expand_tiles(*mask_out, block_size, m, n, t, "mask_out", s), s);
  if (a_vec) out = squeeze(out, {-2}, s);
  if (b_vec) out = squeeze(out, {-1}, s);
  return out;
}

namespace {

// The order-m Hadamard matrices for m = 12, 20, 28 (row-major, '+' = 1, '-' = -1), as the
// transform right-multiplies them: out = x @ H.
const char* const kHadamard[3] = {
    "+-++++++++++--+-+-+-+-+-+++-++----+++---+--+-++-+++++-++----+-+---+--+-+++--+++-++--+--++---+--+++----+++-+++--+-++---+-++++----+++-+-+--+-++---",
    "+-----++++--++--+--+-+---+-+++---+++-+----+--++-+++---+-+-+----+-+++-+++-----+-+----+++++--++--+--+-+----+----+-++---++--+----+----+-++---++--+----+--+-+-++---+---+----+-++-+-++-------+----+-++-+-++--++--+-+--++----+----+++--+-+---+----+----+++--+-+---+----+----+++--+-+---+----+-+--+++--+-----+----++-++-++--+-+++++-----+-+++++--+-+++-+---+-+-+-+++-++-++--+--++-+---++++++-+---+--++-++--++++++-----+",
    "+--------++++--+-++-+-++--++-+--------+++++-+-++-+-++--+--+----+---+++-+-+-++++-++-----+---++---+++-+-+-+-++-++-----+--+++---+++-+-+---++-++-----+-++++----++-+-++--++-+------+-++++--+-++-+-++--++-++----++------+--++---+-++-++++-----+------+--++-+-+-++--+++-----+------+--++-+-+-++--+++-----+---+--+--++-+-+-+---+++-----+--++--+--++-+-+-----+++-----+--++--+--++-+-++----++------+--++--++-++-+-+-+--+--++--+++------++----+-+-+--++-++--+-+-----+++----+-+-+--++-++----+-----+++----+-+-+--++-++----+-----+++----+-+-+--++-++----+-----+++-+--+-+-+--++-+-----+-----+++-+--+-+++--++-------++----+++--++--+-+--+---++++-+-------+--++--+-+--+---++++-+-------+--+++-+-+--+---+++--+----+--+--+-+-+-+-++---++---+---++--+----+-+-++++---+----+---++--+-+--+-+-++++--------+---++--+-+--+-+-++++--------+",
};

// H (n x n) in dtype t: Sylvester's for a power of two, else one of kHadamard.
array hadamard_matrix(int n, Dtype t, StreamOrDevice s) {
  std::vector<float> h(size_t(n) * n);
  const char* src = n == 12 ? kHadamard[0] : n == 20 ? kHadamard[1] : n == 28 ? kHadamard[2] : nullptr;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      h[size_t(i) * n + j] = src ? (src[i * n + j] == '+' ? 1.0f : -1.0f) : (__builtin_popcount(i & j) % 2 ? -1.0f : 1.0f);
    }
  }
  return astype(array(h.data(), {n, n}, float32), t, s);
}

// x (rows, n) @ (H_{f0} kron H_{f1} kron ...) as one matmul per factor on x viewed as
// (rows, f0, rest): the first factor acts on the middle axis, the rest recursively.
array kron_apply(const array& x, const std::vector<int>& factors, size_t i, Dtype t, StreamOrDevice s) {
  ShapeElem rows = x.shape(0), n = x.shape(1);
  int f = factors[i];
  if (i + 1 == factors.size()) return matmul(x, hadamard_matrix(f, t, s), s);
  ShapeElem rest = n / f;
  array x3 = reshape(x, {rows, f, rest}, s);
  array y = matmul(swapaxes(hadamard_matrix(f, t, s), 0, 1, s), x3, s);
  array z = kron_apply(reshape(y, {rows * f, rest}, s), factors, i + 1, t, s);
  return reshape(z, {rows, n}, s);
}

} // namespace

array hadamard_transform(const array& a, std::optional<float> scale, StreamOrDevice s) {
  Dtype t = inexact_dtype(a.dtype());
  if (is_complex(t)) throw std::invalid_argument("[hadamard] Unsupported type.");
  int64_t n = a.ndim() == 0 ? 1 : a.shape(-1);
  // n = m * 2^k: strip the twos, then give m = 12, 20, 28 back the two twos they hold.
  int64_t m = n;
  int k = 0;
  while (m > 0 && m % 2 == 0) {
    m /= 2;
    ++k;
  }
  if ((m == 3 || m == 5 || m == 7) && k >= 2) {
    m *= 4;
    k -= 2;
  }
  if (n <= 0 || (m != 1 && m != 12 && m != 20 && m != 28)) {
    throw std::invalid_argument("[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).");
  }
  float sc = scale ? *scale : static_cast<float>(1.0 / std::sqrt(static_cast<double>(n)));
  // H_n = H_m kron H_{2^k}; the power of two is split into factors of at most 2^7, so that
  // each factor is a small dense matrix product (BLAS) rather than log2(n) strided passes.
  std::vector<int> factors;
  if (m != 1) factors.push_back(static_cast<int>(m));
  for (int left = k; left > 0;) {
    int parts = (left + 6) / 7, bits = (left + parts - 1) / parts;
    factors.push_back(1 << bits);
    left -= bits;
  }
  array x = astype(a, t, s);
  if (factors.empty()) return multiply(x, array(sc, t), s);
  Shape shape = x.shape();
  ShapeElem rows = static_cast<ShapeElem>(x.size() / n);
  array y = kron_apply(reshape(x, {rows, static_cast<ShapeElem>(n)}, s), factors, 0, t, s);
  return multiply(reshape(y, shape, s), array(sc, t), s);
}

} // namespace mlx::core
