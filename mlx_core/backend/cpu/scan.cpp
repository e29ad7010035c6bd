// Kernels of Scan. The input is viewed as [outer, n, inner] (scanned axis in the middle):
// with inner == 1 each row is scanned on its own, rows split over the thread pool; otherwise
// a tile of the inner axis is carried along the scanned axis, reading memory in order.
// float16 / bfloat16 sums, products and log-add-exps compute each step in float32 and round
// it to the dtype, as NumPy's accumulate does (cumsum of [2048, 1, 1] in float16 stays 2048).
#include <cmath>
#include <complex>
#include <limits>
#include <memory>

#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/extreme_values.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/math_ops.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/primitives/scan.h"

namespace mlx::core {

namespace {

template <typename T>
using wide_t = std::conditional_t<is_half_v<T>, float, T>;

// A step's result rounded to T (float16 / bfloat16), kept in the wide accumulator type.
template <typename T>
wide_t<T> round_step(wide_t<T> v) {
  if constexpr (is_half_v<T>) return static_cast<wide_t<T>>(static_cast<T>(v));
  else return v;
}

template <typename T>
struct SumScan {
  using Acc = wide_t<T>;
  Acc init() const { return Acc(0); }
  Acc operator()(Acc a, Acc b) const { return round_step<T>(cpu::AddOp{}(a, b)); }
};

template <typename T>
struct ProdScan {
  using Acc = wide_t<T>;
  Acc init() const { return Acc(1); }
  Acc operator()(Acc a, Acc b) const { return round_step<T>(cpu::ProductStepOp{}(a, b)); }
};

template <typename T>
struct MaxScan {
  using Acc = T;
  Acc init() const { return cpu::lowest_value<T>(); }
  Acc operator()(Acc a, Acc b) const { return cpu::MaximumOp{}(a, b); }
};

template <typename T>
struct MinScan {
  using Acc = T;
  Acc init() const { return cpu::highest_value<T>(); }
  Acc operator()(Acc a, Acc b) const { return cpu::MinimumOp{}(a, b); }
};

// log(exp(a) + exp(b)) without overflow; -inf is the identity.
template <typename T>
struct LogAddExpScan {
  using Acc = wide_t<T>;
  Acc init() const {
    if constexpr (cpu::is_cplx<T>) return Acc(-std::numeric_limits<float>::infinity(), 0.0f);
    else return -std::numeric_limits<Acc>::infinity();
  }
  Acc operator()(Acc a, Acc b) const {
    if constexpr (cpu::is_cplx<T>) {
      if (cpu::is_nan_value(a) || cpu::is_nan_value(b)) return a + b;
      Acc hi = a.real() >= b.real() ? a : b;
      Acc lo = a.real() >= b.real() ? b : a;
      if (std::isinf(hi.real())) return hi;
      return hi + std::log(Acc(1) + std::exp(lo - hi));
    } else {
      if (a != a || b != b) return a + b;
      Acc hi = a > b ? a : b, lo = a > b ? b : a;
      if (std::isinf(hi)) return hi; // both -inf, or +inf
      return round_step<T>(hi + std::log1p(std::exp(lo - hi)));
    }
  }
};

// `in` may be `out` (a scan in place).
template <typename T, typename Op>
void scan_kernel(const T* in, T* out, int64_t outer, int64_t n, int64_t inner, bool reverse, bool inclusive,
                 const Op& op) {
  using Acc = typename Op::Acc;
  if (inner == 1) {
    cpu::parallel_for(outer, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const T* x = in + r * n;
        T* y = out + r * n;
        Acc acc = op.init();
        int64_t i = reverse ? n - 1 : 0, step = reverse ? -1 : 1;
        if (inclusive) {
          for (int64_t k = 0; k < n; ++k, i += step) {
            acc = op(acc, static_cast<Acc>(x[i]));
            y[i] = static_cast<T>(acc);
          }
        } else {
          for (int64_t k = 0; k < n; ++k, i += step) {
            Acc v = static_cast<Acc>(x[i]); // read before the write: x may be y
            y[i] = static_cast<T>(acc);
            acc = op(acc, v);
          }
        }
      }
    }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(n, 1)));
    return;
  }
  int64_t tile = std::min<int64_t>(inner, 2048);
  int64_t tiles = (inner + tile - 1) / tile;
  cpu::parallel_for(outer * tiles, [&](int64_t lo, int64_t hi) {
    auto acc = std::make_unique<Acc[]>(static_cast<size_t>(tile));
    for (int64_t it = lo; it < hi; ++it) {
      int64_t o = it / tiles, j0 = (it % tiles) * tile, nj = std::min(tile, inner - j0);
      for (int64_t j = 0; j < nj; ++j) acc[j] = op.init();
      Acc* a = acc.get();
      for (int64_t k = 0; k < n; ++k) {
        int64_t i = reverse ? n - 1 - k : k;
        const T* x = in + (o * n + i) * inner + j0;
        T* y = out + (o * n + i) * inner + j0;
        if (inclusive) {
#pragma omp simd
          for (int64_t j = 0; j < nj; ++j) {
            a[j] = op(a[j], static_cast<Acc>(x[j]));
            y[j] = static_cast<T>(a[j]);
          }
        } else {
#pragma omp simd
          for (int64_t j = 0; j < nj; ++j) {
            Acc v = static_cast<Acc>(x[j]);
            y[j] = static_cast<T>(a[j]);
            a[j] = op(a[j], v);
          }
        }
      }
    }
  }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(n * tile, 1)));
}

constexpr uint32_t bit(Dtype d) { return 1u << static_cast<int>(d.val); }
constexpr uint32_t kAll = (1u << 14) - 1;
constexpr uint32_t kNoBool = kAll & ~bit(bool_);
constexpr uint32_t kInexact = bit(float16) | bit(bfloat16) | bit(float32) | bit(float64) | bit(complex64);

} // namespace

const char* Scan::name() const {
  switch (type_) {
    case ScanType::Sum: return "CumSum";
    case ScanType::Prod: return "CumProd";
    case ScanType::Max: return "CumMax";
    case ScanType::Min: return "CumMin";
    case ScanType::LogAddExp: return "CumLogSumExp";
  }
  return "Scan";
}

void Scan::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  cpu::get_command_encoder(stream()).dispatch(
      [in = inputs[0], out, type = type_, axis = axis_, rev = reverse_, incl = inclusive_]() mutable {
        // Another layout is copied into the output, which is then scanned in place (the
        // kernel reads each element before it writes that position): no second buffer.
        array x = in;
        if (!in.flags().row_contiguous) {
          if (in.dtype() == out.dtype()) {
            cpu::copy_strided(in, out.raw_data(), out.dtype(), out.strides());
            x = out;
          } else {
            x = cpu::contiguous_copy(in, in.dtype());
          }
        }
        int64_t outer = 1, inner = 1, n = x.shape()[axis];
        for (int i = 0; i < axis; ++i) outer *= x.shape()[i];
        for (int i = axis + 1; i < x.ndim(); ++i) inner *= x.shape()[i];
        auto run = [&]<typename T>(T, const auto& op) {
          scan_kernel<T>(x.data<T>(), out.data<T>(), outer, n, inner, rev, incl, op);
        };
        switch (type) {
          case ScanType::Sum:
            return cpu::dispatch_dtype_in<kNoBool>(x.dtype(), "cumsum", [&]<typename T>(T v) { run(v, SumScan<T>{}); });
          case ScanType::Prod:
            return cpu::dispatch_dtype_in<kAll>(x.dtype(), "cumprod", [&]<typename T>(T v) { run(v, ProdScan<T>{}); });
          case ScanType::Max:
            return cpu::dispatch_dtype_in<kAll>(x.dtype(), "cummax", [&]<typename T>(T v) { run(v, MaxScan<T>{}); });
          case ScanType::Min:
            return cpu::dispatch_dtype_in<kAll>(x.dtype(), "cummin", [&]<typename T>(T v) { run(v, MinScan<T>{}); });
          case ScanType::LogAddExp:
            return cpu::dispatch_dtype_in<kInexact>(x.dtype(), "logcumsumexp",
                                                    [&]<typename T>(T v) { run(v, LogAddExpScan<T>{}); });
        }
      });
}

} // namespace mlx::core
