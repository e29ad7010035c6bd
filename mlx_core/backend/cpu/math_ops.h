// Scalar functors for the element-wise kernels. Half types compute in float.
#pragma once
#include "mlx_core/backend/cpu/vector_math.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

#include "mlx_core/array.h"

namespace mlx::core::cpu {

template <typename T>
inline constexpr bool is_cplx = std::is_same_v<T, complex64_t>;
template <typename T>
inline constexpr bool is_int_like = std::is_integral_v<T>; // bool included

// The type arithmetic is done in: float for half types, the type itself otherwise.
template <typename T>
using compute_t = std::conditional_t<is_half_v<T>, float, std::conditional_t<std::is_integral_v<T>, double, T>>;

template <typename T>
inline bool is_nan_value(T x) {
  if constexpr (is_cplx<T>) return std::isnan(x.real()) || std::isnan(x.imag());
  else if constexpr (std::is_integral_v<T>) return false;
  else return std::isnan(static_cast<compute_t<T>>(x));
}

// Evaluates a floating expression of v (a compute_t) and converts back to T.
#define MLX_FLOAT_UNARY(Name, EXPR)                     \
  struct Name {                                         \
    template <typename T>                               \
    T operator()(T x) const {                           \
      using C = compute_t<T>;                           \
      C v = static_cast<C>(x);                          \
      return static_cast<T>(EXPR);                      \
    }                                                   \
  };

// exp for float32 in a form the compiler vectorizes (Cephes' polynomial, ~1 ulp):
// exp(x) = 2^n * exp(r) with r = x - n ln2, |r| <= ln2 / 2.
// exp(xc) for xc in [-103.9, 88.7228] (no NaN): the polynomial core of fast_expf.
inline float expf_in_range(float xc) {
  // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick.
  float nf = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  int32_t n = static_cast<int32_t>(nf);
  float r = xc - nf * 0.693359375f + nf * 2.12194440e-4f;
  float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r2 + r + 1.0f;
  // 2^n as two factors so that the ends of the range (and denormals) stay representable.
  int32_t n1 = n / 2, n2 = n - n1;
  float out = y * std::bit_cast<float>((n1 + 127) << 23) * std::bit_cast<float>((n2 + 127) << 23);
  return out;
}

inline float fast_expf(float x) {
  // Branch-free so that loops over it vectorize.
  float xc = x < -103.9f ? -103.9f : x;
  xc = xc > 88.7228f ? 88.7228f : xc;
  // NaN passes both clamps; it is replaced so that the conversion to int below is defined
  // (the result is NaN again at the end).
  xc = xc == xc ? xc : 0.0f;
  float out = expf_in_range(xc);
  out = x > 88.7228f ? std::numeric_limits<float>::infinity() : out;
  out = x < -103.9f ? 0.0f : out;
  return x != x ? x : out;
}

struct ExpOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float> || is_half_v<T>) {
      return static_cast<T>(fast_expf(static_cast<float>(x)));
    } else {
      using C = compute_t<T>;
      return static_cast<T>(std::exp(static_cast<C>(x)));
    }
  }
};
MLX_FLOAT_UNARY(LogOp, std::log(v))
MLX_FLOAT_UNARY(SqrtOp, std::sqrt(v))
MLX_FLOAT_UNARY(SinOp, std::sin(v))
MLX_FLOAT_UNARY(CosOp, std::cos(v))
MLX_FLOAT_UNARY(TanhOp, std::tanh(v))
struct SigmoidOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float> || is_half_v<T>) {
      float v = static_cast<float>(x);
      float r = 1.0f / (1.0f + fast_expf(-v));
      return static_cast<T>(v != v ? v : r); // NaN keeps its sign

    } else {
      using C = compute_t<T>;
      C v = static_cast<C>(x);
      return static_cast<T>(C(1) / (C(1) + std::exp(-v)));
    }
  }
};
// Real floating types only (complex has its own functor or is rejected by the op).
#define MLX_REAL_UNARY(Name, EXPR)                      \
  struct Name {                                         \
    template <typename T>                               \
    T operator()(T x) const {                           \
      using C = compute_t<T>;                           \
      C v = static_cast<C>(x);                          \
      return static_cast<T>(EXPR);                      \
    }                                                   \
  };
MLX_FLOAT_UNARY(TanOp, std::tan(v))
MLX_FLOAT_UNARY(ArcSinOp, std::asin(v))
MLX_FLOAT_UNARY(ArcCosOp, std::acos(v))
MLX_FLOAT_UNARY(ArcTanOp, std::atan(v))
MLX_FLOAT_UNARY(SinhOp, std::sinh(v))
MLX_FLOAT_UNARY(CoshOp, std::cosh(v))
MLX_FLOAT_UNARY(ArcSinhOp, std::asinh(v))
MLX_FLOAT_UNARY(ArcCoshOp, std::acosh(v))
MLX_FLOAT_UNARY(ArcTanhOp, std::atanh(v))
MLX_REAL_UNARY(Expm1Op, std::expm1(v))
MLX_FLOAT_UNARY(Log10Op, std::log10(v))
MLX_FLOAT_UNARY(RsqrtOp, C(1) / std::sqrt(v))
MLX_REAL_UNARY(FloorOp, std::floor(v))
MLX_REAL_UNARY(CeilOp, std::ceil(v))
MLX_REAL_UNARY(TruncOp, std::trunc(v))
struct Log1pOp {
  template <typename T>
  T operator()(T x) const {
    using C = compute_t<T>;
    C v = static_cast<C>(x);
    if constexpr (is_cplx<T>) return std::log(C(1) + v);
    else return static_cast<T>(std::log1p(v));
  }
};
struct Log2Op {
  template <typename T>
  T operator()(T x) const {
    using C = compute_t<T>;
    C v = static_cast<C>(x);
    if constexpr (is_cplx<T>) return std::log(v) * 1.44269504088896341f;
    else return static_cast<T>(std::log2(v));
  }
};
// Half to even, as NumPy's round.
struct RoundOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_cplx<T>) return T(std::rint(x.real()), std::rint(x.imag()));
    else return static_cast<T>(std::rint(static_cast<compute_t<T>>(x)));
  }
};
struct ConjugateOp {
  complex64_t operator()(complex64_t x) const { return std::conj(x); }
};
struct RealOp {
  float operator()(complex64_t x) const { return x.real(); }
};
struct ImagOp {
  float operator()(complex64_t x) const { return x.imag(); }
};
struct IsNanOp {
  template <typename T>
  bool operator()(T x) const { return is_nan_value(x); }
};
struct IsInfOp {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_cplx<T>) return std::isinf(x.real()) || std::isinf(x.imag());
    else return std::isinf(static_cast<compute_t<T>>(x));
  }
};
struct IsFiniteOp {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_cplx<T>) return std::isfinite(x.real()) && std::isfinite(x.imag());
    else return std::isfinite(static_cast<compute_t<T>>(x));
  }
};
struct IsPosInfOp {
  template <typename T>
  bool operator()(T x) const {
    return static_cast<compute_t<T>>(x) == std::numeric_limits<compute_t<T>>::infinity();
  }
};
struct IsNegInfOp {
  template <typename T>
  bool operator()(T x) const {
    return static_cast<compute_t<T>>(x) == -std::numeric_limits<compute_t<T>>::infinity();
  }
};
#undef MLX_REAL_UNARY

#undef MLX_FLOAT_UNARY

// Integer arithmetic wraps as NumPy's does: it is done in an unsigned type at least as wide
// as unsigned int (so that uint16 * uint16 does not promote to a signed int and overflow),
// and the conversion back to T is modular (C++20).
template <typename T>
struct wrap_type {
  using type = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
};
template <typename T>
using wrap_t = typename wrap_type<T>::type;

template <typename T>
inline T wrap_neg(T x) { return static_cast<T>(wrap_t<T>(0) - static_cast<wrap_t<T>>(x)); }
template <typename T>
inline T wrap_mul(T a, T b) { return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b)); }

struct AbsOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_integral_v<T>) return x < 0 ? wrap_neg(x) : x; // abs(INT_MIN) = INT_MIN
    else if constexpr (is_cplx<T>) return T(std::abs(x), 0.0f);
    else if constexpr (is_half_v<T>) return T(std::abs(static_cast<float>(x)));
    else return std::abs(x);
  }
};

struct NegativeOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_integral_v<T>) return wrap_neg(x);
    else if constexpr (is_half_v<T>) return T(-static_cast<float>(x));
    else return -x;
  }
};

struct SignOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return x;
    else if constexpr (is_cplx<T>) {
      float m = std::abs(x);
      return m == 0 ? T(0) : x / m;
    } else if constexpr (std::is_unsigned_v<T>) return T(x != 0);
    else {
      auto v = static_cast<compute_t<T>>(x);
      return static_cast<T>((v > 0) - (v < 0));
    }
  }
};

struct SquareOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_integral_v<T>) return wrap_mul(x, x);
    else if constexpr (is_half_v<T>) {
      float v = x;
      return T(v * v);
    } else return x * x;
  }
};

struct LogicalNotOp {
  bool operator()(bool x) const { return !x; }
};

struct BitwiseInvertOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return !x;
    else return static_cast<T>(~x);
  }
};

// Binary functors. bool arithmetic is logic, as in the reference: + is or, - is xor, * is and.
struct AddOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a || b;
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(wrap_t<T>(a) + wrap_t<T>(b));
    else if constexpr (is_half_v<T>) return T(static_cast<float>(a) + static_cast<float>(b));
    else return a + b;
  }
};
struct SubtractOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a != b;
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(wrap_t<T>(a) - wrap_t<T>(b));
    else if constexpr (is_half_v<T>) return T(static_cast<float>(a) - static_cast<float>(b));
    else return a - b;
  }
};
struct MultiplyOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a && b;
    else if constexpr (std::is_integral_v<T>) return wrap_mul(a, b);
    else if constexpr (is_half_v<T>) return T(static_cast<float>(a) * static_cast<float>(b));
    else return a * b;
  }
};

// One step of a running product (prod, cumprod): as MultiplyOp, except that a complex
// accumulator still holding the identity (1, 0) returns the factor unchanged, so that the
// identity a product starts from cannot turn an infinite component into NaN: the product of
// [inf + 1j] is inf + 1j, as in NumPy, whose products start from the first element.
struct ProductStepOp {
  template <typename T>
  T operator()(T acc, T b) const {
    if constexpr (is_cplx<T>) {
      if (acc.real() == 1.0f && acc.imag() == 0.0f) return b;
    }
    return MultiplyOp{}(acc, b);
  }
};

struct DivideOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_half_v<T>) return T(static_cast<float>(a) / static_cast<float>(b));
    else return a / b;
  }
};

// Integer division and remainder by zero give 0, as NumPy's do. INT_MIN // -1 wraps here;
// the FloorDivide and DivMod kernels report it before computing.
struct FloorDivideOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a && b;
    else if constexpr (std::is_integral_v<T>) {
      if (b == 0) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return wrap_neg(a);
        T q = static_cast<T>(a / b);
        if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
        return q;
      } else return static_cast<T>(a / b);
    } else if constexpr (is_cplx<T>) return T(std::floor((a / b).real()), 0.0f);
    else {
      auto x = static_cast<compute_t<T>>(a), y = static_cast<compute_t<T>>(b);
      return static_cast<T>(std::floor(x / y));
    }
  }
};

struct RemainderOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return false; // a % true = 0, a % false = 0
    else if constexpr (std::is_integral_v<T>) {
      if (b == 0) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return T(0);
        T r = static_cast<T>(a % b);
        if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
        return r;
      } else return static_cast<T>(a % b);
    } else {
      auto x = static_cast<compute_t<T>>(a), y = static_cast<compute_t<T>>(b);
      auto r = std::fmod(x, y);
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      return static_cast<T>(r);
    }
  }
};

struct PowerOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a || !b;
    else if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_signed_v<T>) {
        // A negative exponent gives 0 for every base, as in the reference (NumPy raises).
        if (b < 0) return T(0);
      }
      wrap_t<T> result = 1, base = static_cast<wrap_t<T>>(a);
      std::make_unsigned_t<T> e = static_cast<std::make_unsigned_t<T>>(b);
      while (e) {
        if (e & 1) result = static_cast<wrap_t<T>>(result * base);
        base = static_cast<wrap_t<T>>(base * base);
        e >>= 1;
      }
      return static_cast<T>(result);
    } else if constexpr (is_cplx<T>) return std::pow(a, b);
    else {
      auto x = static_cast<compute_t<T>>(a), y = static_cast<compute_t<T>>(b);
      return static_cast<T>(std::pow(x, y));
    }
  }
};


// Ordering used by comparisons, max and min; complex numbers compare lexicographically.
template <typename T>
inline bool less_than(T a, T b) {
  if constexpr (is_cplx<T>) return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  else if constexpr (is_half_v<T>) return static_cast<float>(a) < static_cast<float>(b);
  else return a < b;
}

struct MaximumOp {
  template <typename T>
  T operator()(T a, T b) const {
    if (is_nan_value(a)) return a;
    if (is_nan_value(b)) return b;
    return less_than(a, b) ? b : a;
  }
};
struct MinimumOp {
  template <typename T>
  T operator()(T a, T b) const {
    if (is_nan_value(a)) return a;
    if (is_nan_value(b)) return b;
    return less_than(b, a) ? b : a;
  }
};

template <typename T>
inline bool equal_to(T a, T b) {
  if constexpr (is_half_v<T>) return static_cast<float>(a) == static_cast<float>(b);
  else return a == b;
}

struct EqualOp { template <typename T> bool operator()(T a, T b) const { return equal_to(a, b); } };
struct NotEqualOp { template <typename T> bool operator()(T a, T b) const { return !equal_to(a, b); } };
struct LessOp { template <typename T> bool operator()(T a, T b) const { return less_than(a, b); } };
struct LessEqualOp {
  template <typename T> bool operator()(T a, T b) const { return less_than(a, b) || equal_to(a, b); }
};
// greater and greater_equal are less and less_equal with the operands swapped
// (binary_compare.cpp).

struct LogicalAndOp {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct LogicalOrOp {
  bool operator()(bool a, bool b) const { return a || b; }
};

struct BitwiseAndOp {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(a & b); }
};
struct BitwiseOrOp {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(a | b); }
};
struct BitwiseXorOp {
  template <typename T> T operator()(T a, T b) const { return static_cast<T>(a ^ b); }
};

// Shifts by a negative amount or by the bit width or more give what shifting one bit at a
// time would: 0 (or -1 for a negative value shifted right).
struct LeftShiftOp {
  template <typename T>
  T operator()(T a, T b) const {
    if (b < 0 || b >= T(sizeof(T) * 8)) return T(0);
    return static_cast<T>(static_cast<wrap_t<T>>(a) << b);
  }
};
struct RightShiftOp {
  template <typename T>
  T operator()(T a, T b) const {
    if (b < 0 || b >= T(sizeof(T) * 8)) return (std::is_signed_v<T> && a < 0) ? T(-1) : T(0);
    return static_cast<T>(a >> b);
  }
};

// Whether a contiguous loop of Op over T vectorizes, so that an x86-64-v3 clone of it pays
// for its build time (simd_loops.h). Not: complex arithmetic, integer division, and calls
// into libm that have no vector variant here (log, sin, cos, tanh, pow, fmod, double exp).
template <typename Op, typename T>
inline constexpr bool simd_gain = !is_cplx<T>;
template <typename T>
inline constexpr bool simd_gain<FloorDivideOp, T> = std::is_floating_point_v<T> || is_half_v<T>;
template <typename T>
inline constexpr bool simd_gain<RemainderOp, T> = false;
// Loops over libm calls vectorize where glibc's vector variants are declared (vector_math.h).
#ifdef OPENMLX_VECTOR_MATH
inline constexpr bool kVectorMath = true;
#else
inline constexpr bool kVectorMath = false;
#endif
template <typename T>
inline constexpr bool libm_simd = kVectorMath && (std::is_floating_point_v<T> || is_half_v<T>);
#define MLX_LIBM_SIMD(Op) \
  template <typename T>   \
  inline constexpr bool simd_gain<Op, T> = libm_simd<T>;
MLX_LIBM_SIMD(LogOp)
MLX_LIBM_SIMD(SinOp)
MLX_LIBM_SIMD(CosOp)
MLX_LIBM_SIMD(TanhOp)
MLX_LIBM_SIMD(TanOp)
MLX_LIBM_SIMD(ArcSinOp)
MLX_LIBM_SIMD(ArcCosOp)
MLX_LIBM_SIMD(ArcTanOp)
MLX_LIBM_SIMD(SinhOp)
MLX_LIBM_SIMD(CoshOp)
MLX_LIBM_SIMD(ArcSinhOp)
MLX_LIBM_SIMD(ArcCoshOp)
MLX_LIBM_SIMD(ArcTanhOp)
MLX_LIBM_SIMD(Expm1Op)
MLX_LIBM_SIMD(Log1pOp)
MLX_LIBM_SIMD(Log2Op)
MLX_LIBM_SIMD(Log10Op)
#undef MLX_LIBM_SIMD
template <typename T>
inline constexpr bool simd_gain<PowerOp, T> = libm_simd<T>;
template <typename T>
inline constexpr bool simd_gain<ExpOp, T> = std::is_same_v<T, float> || is_half_v<T> || libm_simd<T>;
template <typename T>
inline constexpr bool simd_gain<SigmoidOp, T> = std::is_same_v<T, float> || is_half_v<T>;

} // namespace mlx::core::cpu
