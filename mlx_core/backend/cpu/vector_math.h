// Lets the compiler vectorize loops over libm calls: on x86-64 glibc (2.35 and later) the
// float and double math functions used by the element-wise kernels are declared with the
// `simd` attribute, so that `#pragma omp simd` loops call glibc's vector variants (libmvec,
// at most 4 ulp) instead of the scalar functions. glibc's own headers do this only under
// -ffast-math, which would also break NaN handling; here it is done for these functions
// alone. Include this before any use of the functions (math_ops.h includes it first).
#pragma once
#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) && !defined(__FAST_MATH__) &&  \
    !defined(OPENMLX_NO_VECTOR_MATH)
#define OPENMLX_VECTOR_MATH 1
#define MLX_VM_DECL1(fn) \
  __attribute__((simd("notinbranch"))) float fn##f(float) noexcept; \
  __attribute__((simd("notinbranch"))) double fn(double) noexcept;
#define MLX_VM_DECL2(fn) \
  __attribute__((simd("notinbranch"))) float fn##f(float, float) noexcept; \
  __attribute__((simd("notinbranch"))) double fn(double, double) noexcept;
extern "C" {
MLX_VM_DECL1(sin)
MLX_VM_DECL1(cos)
MLX_VM_DECL1(tan)
MLX_VM_DECL1(asin)
MLX_VM_DECL1(acos)
MLX_VM_DECL1(atan)
MLX_VM_DECL1(sinh)
MLX_VM_DECL1(cosh)
MLX_VM_DECL1(tanh)
MLX_VM_DECL1(asinh)
MLX_VM_DECL1(acosh)
MLX_VM_DECL1(atanh)
MLX_VM_DECL1(exp)
MLX_VM_DECL1(expm1)
MLX_VM_DECL1(log)
MLX_VM_DECL1(log1p)
MLX_VM_DECL1(log2)
MLX_VM_DECL1(log10)
MLX_VM_DECL1(erf)
MLX_VM_DECL2(atan2)
MLX_VM_DECL2(pow)
}
#undef MLX_VM_DECL1
#undef MLX_VM_DECL2
#endif
