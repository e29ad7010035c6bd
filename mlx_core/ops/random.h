// Random number generation (mlx.core.random): counter-based threefry keys and the
// distributions built from their bits with ops.
#pragma once
#include <optional>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core::random {

// The key of a seed: uint32 [seed >> 32, seed & 0xffffffff].
array key(uint64_t seed);
// Resets the global key to key(seed).
void seed(uint64_t seed);
// A fresh key from the global state (which advances: state, out = split(state)).
array next_key();
// The global key (seeded from the clock until seed() is called) and its replacement.
array global_key();
void set_global_key(const array& k);

// uint32 random words of `shape` from `key` (the next global key when absent).
array bits(const Shape& shape, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
// `num` independent keys, shape (num, 2).
array split(const array& key, int num = 2, StreamOrDevice s = {});

// Uniform in [low, high) with low/high broadcast to shape; dtype a real floating type.
array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
// Integers in [low, high) of dtype. Where both bounds lie in [-2**24, 2**24] and in dtype, the
// floor of a float32 uniform between the bounds clamped to [low, high - 1] (the reference's
// samples); elsewhere low + floor(n * word / 2**32) over the n integers of [low, high) that
// dtype holds (the reference goes through float32 there, and wraps at the top of the range).
array randint(const array& low, const array& high, const Shape& shape, Dtype dtype = int32,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
// Booleans that are true with probability p (broadcast to shape; p's shape when absent).
array bernoulli(const array& p, const std::optional<Shape>& shape = std::nullopt,
                const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
// Standard Gumbel samples: -log(-log(u)).
array gumbel(const Shape& shape, Dtype dtype = float32, const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});
// Indices drawn from the categorical distributions of `logits` along `axis`; at most one of
// shape / num_samples. Samples of a single distribution (logits.size() == the axis' size) of
// one or more dimensions: the inverse CDF of uniforms over the exclusive running sum of the
// exponentials; otherwise (and for a 0-d sample of 1-d logits) Gumbel-max.
array categorical(const array& logits, int axis = -1, const std::optional<Shape>& shape = std::nullopt,
                  std::optional<int> num_samples = std::nullopt,
                  const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});


// Samplers built on erf/erfinv/log1p, argsort and take (mlx_core/ops/random_dist.cpp).

// Normal samples loc + scale * N(0, 1): erfinv of a float32 uniform in (-1, 1), cast to dtype,
// times sqrt(2) * scale, plus loc, in dtype (the reference's order); complex64 takes erfinv
// of pairs as its parts (each of variance 1/2), then scale and loc in complex64.
array normal(const Shape& shape, Dtype dtype = float32, const std::optional<array>& loc = std::nullopt,
             const std::optional<array>& scale = std::nullopt, const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});
// Jointly normal samples with the given mean (..., n) and positive semi-definite covariance
// (..., n, n): mean + z A, z standard normal of shape `shape` (or the broadcast batch shape of
// mean and cov) + (n,), A the symmetric square root of cov. float32 only.
array multivariate_normal(const array& mean, const array& cov, const Shape& shape = {}, Dtype dtype = float32,
                          const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
// Normal samples restricted to [lower, upper] (inverse CDF of a uniform between erf(bounds)).
array truncated_normal(const array& lower, const array& upper, const std::optional<Shape>& shape = std::nullopt,
                       Dtype dtype = float32, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
// Laplace samples with location loc and scale (b).
array laplace(const Shape& shape, Dtype dtype = float32, float loc = 0.0f, float scale = 1.0f,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
// A random permutation of arange(n) (uint32), or of x along axis.
array permutation(int n, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array permutation(const array& x, int axis = 0, const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});

namespace detail {

// The functions the samplers evaluate, computed as the reference's samplers compute them
// (its float32 formulas and glibc's logf/log1pf), which the public erfinv/erf/log/log1p are
// more accurate than.
// Gumbel: -log(-log(u)), each log rounded to u's dtype. The Open functions take a uniform u
// in [0, 1) and first map it to (-1, 1) as the reference's uniform(above -1, 1) does
// (u * (1 - a) + a, a the float above -1): ErfinvOpen is erfinv of that, LaplaceOpen
// sign(v) * log1p(-|v|) of that v (float32 only).
enum class SamplerFn { Erfinv, Erf, Gumbel, ErfinvOpen, LaplaceOpen };
// fn(x) for a float32, float16 or bfloat16 x (the half types through float32).
array sampler_math(const array& x, SamplerFn fn, StreamOrDevice s = {});

} // namespace detail

} // namespace mlx::core::random
