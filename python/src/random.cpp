// The mlx.core.random submodule: keys, the global key state and the distributions.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include "mlx_core/ops/random.h"
#include "python/src/common.h"
#include "python/src/convert.h"

using namespace nb::literals;
namespace mr = mlx::core::random;

namespace {

// The global key, reachable as mx.random.state[0] (one entry, as in the reference).
struct RandomState {};

using OptShape = std::optional<std::vector<int>>;

mx::Shape shape_of(const std::vector<int>& v) { return mx::Shape(v.begin(), v.end()); }

// A bound given as a Python scalar or an array.
mx::array bound(nb::handle v) { return to_array(v); }


} // namespace

void init_random(nb::module_& parent) {
  nb::module_ m = parent.def_submodule(
      "random", "Random number generation with counter-based (threefry) keys.\n\n"
                "Every sampler takes an optional ``key``; without one it draws the next key from\n"
                "the global state, which :func:`seed` resets.");

  nb::class_<RandomState>(m, "_RandomState", "The global PRNG state: ``state[0]`` is the current key.")
      .def("__len__", [](const RandomState&) { return 1; })
      .def("__getitem__", [](const RandomState&, int i) {
        if (i != 0 && i != -1) throw nb::index_error("[random.state] Index out of range.");
        return mr::global_key();
      })
      .def("__setitem__", [](const RandomState&, int i, const mx::array& k) {
        if (i != 0 && i != -1) throw nb::index_error("[random.state] Index out of range.");
        mr::set_global_key(k);
      })
      .def("__iter__", [](const RandomState&) {
        nb::list l;
        l.append(nb::cast(mr::global_key()));
        return l.attr("__iter__")();
      });
  m.attr("state") = RandomState{};

  def_op(m, "key", [](uint64_t seed) { return mr::key(seed); }, "seed"_a,
        R"(Get a PRNG key from a seed.

The key is the uint32 pair ``[seed >> 32, seed & 0xffffffff]``.

Args:
    seed (int): Seed for the PRNG, an integer in ``[0, 2**64)``.

Returns:
    array: The PRNG key, a uint32 array of shape ``(2,)``.

Example:
    >>> mx.random.key(1)
    array([0, 1], dtype=uint32))");

  def_op(m, "seed", [](uint64_t seed) { mr::seed(seed); }, "seed"_a,
        R"(Seed the global PRNG.

Resets the global key to ``key(seed)``; the samplers called without a ``key`` then
reproduce the same sequence.

Args:
    seed (int): Seed for the global PRNG, an integer in ``[0, 2**64)``.)");

  def_op(m, "split", [](const mx::array& key, int num, mx::StreamOrDevice s) { return mr::split(key, num, s); },
        "key"_a, "num"_a = 2, "stream"_a = nb::none(),
        R"(Split a PRNG key into sub keys.

Args:
    key (array): Input key to split (uint32, shape ``(2,)``).
    num (int, optional): Number of sub keys. Default: ``2``.

Returns:
    array: The sub keys, shape ``(num, 2)``.

Example:
    >>> k1, k2 = mx.random.split(mx.random.key(0)))");

  def_op(m, "uniform",
        [](nb::handle low, nb::handle high, const std::vector<int>& shape, std::optional<mx::Dtype> dtype,
           std::optional<mx::array> key, mx::StreamOrDevice s) {
          return mr::uniform(bound(low), bound(high), shape_of(shape), dtype.value_or(mx::float32), key, s);
        },
        "low"_a = 0, "high"_a = 1, "shape"_a = std::vector<int>{}, "dtype"_a = mx::float32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def uniform(low: scalar | array = 0, high: scalar | array = 1, shape: Sequence[int] = [], "
                "dtype: Dtype | None = float32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate uniformly distributed random numbers.

The values are drawn from the half-open interval ``[low, high)``. ``low`` and
``high`` may be scalars or arrays; they must broadcast to ``shape``.

Args:
    low (scalar or array, optional): Lower bound. Default: ``0``.
    high (scalar or array, optional): Upper bound. Default: ``1``.
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): A real floating type (float16, bfloat16, float32).
      Default: ``float32``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: The random values.

Example:
    >>> mx.random.uniform(-1, 1, (2, 3), key=mx.random.key(0)))");

  def_op(m, "randint",
        [](nb::handle low, nb::handle high, const std::vector<int>& shape, std::optional<mx::Dtype> dtype,
           std::optional<mx::array> key, mx::StreamOrDevice s) {
          // Python ints keep their value (int32, int64 or uint64), as in the reference.
          return mr::randint(bound(low), bound(high), shape_of(shape), dtype.value_or(mx::int32), key, s);
        },
        "low"_a, "high"_a, "shape"_a = std::vector<int>{}, "dtype"_a = mx::int32, "key"_a = nb::none(),
        "stream"_a = nb::none(),
        nb::sig("def randint(low: scalar | array, high: scalar | array, shape: Sequence[int] = [], "
                "dtype: Dtype | None = int32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate random integers from the half-open interval ``[low, high)``.

The bounds may be scalars or arrays that broadcast to ``shape``. Where both bounds
lie within ``[-2**24, 2**24]`` (and in ``dtype``), a sample is the floor of a float32
uniform between them, as in MLX, so that a key gives MLX's integers. Beyond that, the
samples are drawn exactly from the integers of ``[low, high)`` that ``dtype`` holds:
every one of them is reachable for ranges of up to ``2**32`` values. An empty range
gives ``low``.

Args:
    low (scalar or array): Lower bound (inclusive).
    high (scalar or array): Upper bound (exclusive).
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): An integer type or bool. Default: ``int32``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: The random integers.

Example:
    >>> mx.random.randint(0, 10, (5,), key=mx.random.key(0)))");

  def_op(m, "bernoulli",
        [](nb::handle p, std::optional<std::vector<int>> shape, std::optional<mx::array> key,
           mx::StreamOrDevice s) {
          std::optional<mx::Shape> sh;
          if (shape) sh = shape_of(*shape);
          return mr::bernoulli(bound(p), sh, key, s);
        },
        "p"_a = 0.5, "shape"_a = nb::none(), "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def bernoulli(p: scalar | array = 0.5, shape: Sequence[int] | None = None, "
                "key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate Bernoulli random values.

Each value is ``True`` with probability ``p``.

Args:
    p (float or array, optional): The probability of ``True``; broadcast to
      ``shape``. Default: ``0.5``.
    shape (list(int), optional): Shape of the output. Default: ``p.shape``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: A bool array.

Example:
    >>> mx.random.bernoulli(0.3, (4,), key=mx.random.key(0)))");

  def_op(m, "gumbel",
        [](const std::vector<int>& shape, std::optional<mx::Dtype> dtype, std::optional<mx::array> key,
           mx::StreamOrDevice s) { return mr::gumbel(shape_of(shape), dtype.value_or(mx::float32), key, s); },
        "shape"_a = std::vector<int>{}, "dtype"_a = mx::float32, "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def gumbel(shape: Sequence[int] = [], dtype: Dtype | None = float32, key: array | None = None, "
                "stream: Stream | Device | None = None) -> array"),
        R"(Sample from the standard Gumbel distribution (CDF ``exp(-exp(-x))``).

Computed as ``-log(-log(u))`` with ``u`` uniform in ``[0, 1)``.

Args:
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): A real floating type. Default: ``float32``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: The Gumbel samples.)");

  def_op(m, "categorical",
        [](const mx::array& logits, int axis, std::optional<std::vector<int>> shape,
           std::optional<int> num_samples, std::optional<mx::array> key, mx::StreamOrDevice s) {
          std::optional<mx::Shape> sh;
          if (shape) sh = shape_of(*shape);
          return mr::categorical(logits, axis, sh, num_samples, key, s);
        },
        "logits"_a, "axis"_a = -1, "shape"_a = nb::none(), "num_samples"_a = nb::none(), "key"_a = nb::none(),
        "stream"_a = nb::none(),
        nb::sig("def categorical(logits: array, axis: int = -1, shape: Sequence[int] | None = None, "
                "num_samples: int | None = None, key: array | None = None, "
                "stream: Stream | Device | None = None) -> array"),
        R"(Sample from categorical distributions.

``logits`` holds unnormalized log-probabilities along ``axis``. The samples of a
single distribution (unless a 0-d sample of 1-d ``logits``) invert its cumulative
distribution at uniform values, as in MLX; otherwise the samples are the indices of
``argmax(logits + gumbel)`` (the Gumbel-max trick).

Args:
    logits (array): The unnormalized distribution(s).
    axis (int, optional): The axis of the categories. Default: ``-1``.
    shape (list(int), optional): The output shape; it must broadcast with
      ``logits.shape`` without ``axis``. Default: ``None``.
    num_samples (int, optional): Samples per distribution, in a new last axis.
      At most one of ``shape`` and ``num_samples``. Default: ``None``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: uint32 category indices.

Example:
    >>> mx.random.categorical(mx.log(mx.array([0.2, 0.8])), num_samples=4))");
  def_op(m, "normal",
        [](const std::vector<int>& shape, std::optional<mx::Dtype> dtype, nb::handle loc, nb::handle scale,
           std::optional<mx::array> key, mx::StreamOrDevice s) {
          std::optional<mx::array> l, sc;
          if (!loc.is_none()) l = bound(loc);
          if (!scale.is_none()) sc = bound(scale);
          return mr::normal(shape_of(shape), dtype.value_or(mx::float32), l, sc, key, s);
        },
        "shape"_a = std::vector<int>{}, "dtype"_a = mx::float32, "loc"_a = nb::none(), "scale"_a = nb::none(),
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def normal(shape: Sequence[int] = [], dtype: Dtype | None = float32, "
                "loc: scalar | array | None = None, scale: scalar | array | None = None, "
                "key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate normally distributed random numbers.

Without ``loc`` and ``scale`` the samples are standard normal, N(0, 1); for complex64
the real and imaginary parts are each N(0, 1/2). The values are ``sqrt(2) * erfinv(u)``
for ``u`` uniform in (-1, 1), scaled and shifted: ``loc + scale * x``.

Args:
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): A floating type or complex64. Default: ``float32``.
    loc (scalar or array, optional): Mean. Default: ``None`` (0).
    scale (scalar or array, optional): Standard deviation. Default: ``None`` (1).
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: The random values.

Example:
    >>> mx.random.normal((2, 2), loc=1.0, scale=0.1, key=mx.random.key(0)))");

  def_op(m, "truncated_normal",
        [](nb::handle lower, nb::handle upper, std::optional<std::vector<int>> shape,
           std::optional<mx::Dtype> dtype, std::optional<mx::array> key, mx::StreamOrDevice s) {
          std::optional<mx::Shape> sh;
          if (shape) sh = shape_of(*shape);
          return mr::truncated_normal(bound(lower), bound(upper), sh, dtype.value_or(mx::float32), key, s);
        },
        "lower"_a, "upper"_a, "shape"_a = nb::none(), "dtype"_a = mx::float32, "key"_a = nb::none(),
        "stream"_a = nb::none(),
        nb::sig("def truncated_normal(lower: scalar | array, upper: scalar | array, "
                "shape: Sequence[int] | None = None, dtype: Dtype | None = float32, "
                "key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate values from a standard normal distribution truncated to ``(lower, upper)``.

Sampled by inverting the normal CDF on a uniform between ``erf(lower / sqrt(2))``
and ``erf(upper / sqrt(2))``.

Args:
    lower (scalar or array): Lower bound of the domain.
    upper (scalar or array): Upper bound of the domain.
    shape (list(int), optional): Shape of the output. Default: the broadcast
      shape of ``lower`` and ``upper``.
    dtype (Dtype, optional): A real floating type. Default: ``float32``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: The random values.

Example:
    >>> mx.random.truncated_normal(-2.0, 2.0, (3,), key=mx.random.key(0)))");

  def_op(m, "multivariate_normal",
        [](const mx::array& mean, const mx::array& cov, const std::vector<int>& shape, std::optional<mx::Dtype> dtype,
           std::optional<mx::array> key, mx::StreamOrDevice s) {
          return mr::multivariate_normal(mean, cov, shape_of(shape), dtype.value_or(mx::float32), key, s);
        },
        "mean"_a, "cov"_a, "shape"_a = std::vector<int>{}, "dtype"_a = mx::float32, "key"_a = nb::none(),
        "stream"_a = nb::none(),
        nb::sig("def multivariate_normal(mean: array, cov: array, shape: Sequence[int] = [], "
                "dtype: Dtype | None = float32, key: array | None = None, "
                "stream: Stream | Device | None = None) -> array"),
        R"(Generate jointly normal samples with a given mean and covariance.

A sample is ``mean + z @ A``, where ``z`` is standard normal and ``A`` is the symmetric
square root of ``cov`` (``A @ A == cov``, from its singular value decomposition), so the
samples have covariance ``cov``. ``cov`` must be symmetric positive semi-definite; for
other matrices the result is unspecified. There is no gradient with respect to ``cov``.

Args:
    mean (array): The mean, of shape ``(..., n)``.
    cov (array): The covariance, of shape ``(..., n, n)``; its batch shape ``...`` must
      broadcast with that of ``mean``.
    shape (list(int), optional): The batch shape of the output, which must broadcast with
      ``mean.shape[:-1]`` and ``cov.shape[:-2]``; the output has shape ``shape + (n,)``.
      Default: ``[]``, the broadcast batch shape of ``mean`` and ``cov``.
    dtype (Dtype, optional): The output type; only ``float32`` is supported.
      Default: ``float32``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: The samples, of shape ``shape + (n,)``.

Example:
    >>> cov = mx.array([[1.0, 0.5], [0.5, 2.0]])
    >>> mx.random.multivariate_normal(mx.zeros(2), cov, (3,), key=mx.random.key(0)).shape
    (3, 2))");

  def_op(m, "laplace",
        [](const std::vector<int>& shape, std::optional<mx::Dtype> dtype, float loc, float scale,
           std::optional<mx::array> key, mx::StreamOrDevice s) {
          return mr::laplace(shape_of(shape), dtype.value_or(mx::float32), loc, scale, key, s);
        },
        "shape"_a = std::vector<int>{}, "dtype"_a = mx::float32, "loc"_a = 0.0f, "scale"_a = 1.0f,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def laplace(shape: Sequence[int] = [], dtype: Dtype | None = float32, loc: float = 0.0, "
                "scale: float = 1.0, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Sample from a Laplace distribution (density ``exp(-|x - loc| / scale) / (2 scale)``).

Args:
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): A real floating type. Default: ``float32``.
    loc (float, optional): Mean of the distribution. Default: ``0.0``.
    scale (float, optional): The scale ``b``. Default: ``1.0``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: The random values.)");

  def_op(m, "permutation",
        [](nb::handle x, int axis, std::optional<mx::array> key, mx::StreamOrDevice s) {
          if (nb::isinstance<nb::int_>(x) && !nb::isinstance<nb::bool_>(x)) {
            return mr::permutation(nb::cast<int>(x), key, s);
          }
          return mr::permutation(to_array(x), axis, key, s);
        },
        "x"_a, "axis"_a = 0, "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def permutation(x: int | array, axis: int = 0, key: array | None = None, "
                "stream: Stream | Device | None = None) -> array"),
        R"(Generate a random permutation, or randomly permute an array along an axis.

Args:
    x (int or array): An int ``n`` gives a permutation of ``arange(n)`` (uint32);
      an array has its entries along ``axis`` shuffled.
    axis (int, optional): The axis to permute along. Default: ``0``.
    key (array, optional): A PRNG key. Default: ``None`` (the global state).

Returns:
    array: The permutation or the permuted array.

Example:
    >>> mx.random.permutation(5, key=mx.random.key(0)))");
}
