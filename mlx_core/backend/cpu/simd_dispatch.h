// Run-time choice of the vector ISA for the CPU kernels, in one place: which variants a
// kernel is compiled for, and which one the machine runs.
//
// MLX_SIMD_CLONES (on a function or function template whose loops the compiler vectorizes):
//   x86-64 with GCC: compiled three times, for x86-64-v4 (AVX-512 F/BW/DQ/VL/CD, 512-bit
//   vectors), x86-64-v3 (AVX2, FMA, F16C) and the baseline (SSE2); the dynamic loader binds
//   the widest variant the CPU has (an ifunc resolver, once per process).
//   arm64: NEON (Advanced SIMD) is part of the baseline of every armv8-a core, Apple silicon
//   included, so one copy is built and it is NEON-vectorized.
//   Other compilers, and the sanitizer build (OPENMLX_NO_SIMD_CLONES): one baseline copy.
// MLX_SIMD_CLONES_AVX2: the baseline and x86-64-v3 only, for the many small loops that are
//   instantiated per operation and dtype (element-wise, casts), where a third copy would
//   cost build time for mostly memory-bound work, and for the random samplers, whose
//   libm calls would otherwise get a third set of vector variants.
//
// Kernels written with intrinsics put MLX_TARGET_AVX512 / MLX_TARGET_AVX2 on their wide
// variants (guarded by MLX_X86_DISPATCH) and pick one with cpu::simd_isa() at run time.
#pragma once
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(OPENMLX_NO_SIMD_CLONES)
#define MLX_X86_DISPATCH 1
#define MLX_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define MLX_SIMD_CLONES_AVX2 __attribute__((target_clones("arch=x86-64-v3", "default")))
#define MLX_TARGET_AVX512 __attribute__((target("arch=x86-64-v4")))
#define MLX_TARGET_AVX2 __attribute__((target("arch=x86-64-v3")))
#else
#define MLX_SIMD_CLONES
#define MLX_SIMD_CLONES_AVX2
#endif

namespace mlx::core::cpu {

enum class SimdIsa { baseline, avx2, avx512, neon };

// The widest vector ISA of this CPU that the hand-written kernels have variants for
// (computed once). OPENMLX_SIMD_ISA=avx2 or =baseline in the environment caps it, to test
// and time the narrower variants on a wider machine; it does not reach MLX_SIMD_CLONES,
// which the loader binds.
inline SimdIsa simd_isa() {
#if defined(MLX_X86_DISPATCH)
  static const SimdIsa isa = [] {
    __builtin_cpu_init();
    SimdIsa best = __builtin_cpu_supports("x86-64-v4")   ? SimdIsa::avx512
                   : __builtin_cpu_supports("x86-64-v3") ? SimdIsa::avx2
                                                         : SimdIsa::baseline;
    const char* cap = std::getenv("OPENMLX_SIMD_ISA");
    if (cap && std::strcmp(cap, "baseline") == 0) return SimdIsa::baseline;
    if (cap && std::strcmp(cap, "avx2") == 0 && best == SimdIsa::avx512) return SimdIsa::avx2;
    return best;
  }();
  return isa;
#elif defined(__aarch64__) || defined(__ARM_NEON)
  return SimdIsa::neon;
#else
  return SimdIsa::baseline;
#endif
}

// True when the CPU has AVX512-BF16 (vdpbf16ps: bf16 pairs multiplied and accumulated in
// float32) and simd_isa() is avx512, so that OPENMLX_SIMD_ISA=avx2 or =baseline turns it off.
// Always false without run-time x86 dispatch (other compilers, the sanitizer build).
inline bool has_avx512_bf16() {
#if defined(MLX_X86_DISPATCH)
  static const bool ok = [] {
    __builtin_cpu_init();
    return simd_isa() == SimdIsa::avx512 && __builtin_cpu_supports("avx512bf16");
  }();
  return ok;
#else
  return false;
#endif
}

} // namespace mlx::core::cpu
