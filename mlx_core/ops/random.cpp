// mx.random: keys, the global key state, and the samplers built from threefry bits with ops.
#include "mlx_core/ops/random.h"

#include <chrono>
#include <limits>
#include <mutex>
#include <sstream>

#include "mlx_core/errors.h"
#include "mlx_core/utils.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/random.h"

namespace mlx::core::random {

namespace {

struct KeyState {
  std::mutex mutex;
  std::optional<array> key;
};

KeyState& state() {
  static KeyState* st = new KeyState(); // never destroyed: arrays may outlive static teardown
  return *st;
}

// Under the state's lock: the key, seeded from the clock on first use.
array& current_key(KeyState& st) {
  if (!st.key) {
    auto t = std::chrono::system_clock::now().time_since_epoch().count();
    st.key = key(static_cast<uint64_t>(t));
  }
  return *st.key;
}

array resolve_key(const std::optional<array>& k) { return k ? *k : next_key(); }

// Raises unless k is a uint32 key of shape (2,).
void check_key(const array& k) {
  if (k.dtype() != uint32) {
    throw std::invalid_argument(msg("[bits] Expected key type uint32 but received ", dtype_name(k.dtype()), "."));
  }
  if (k.shape() != Shape{2}) {
    throw std::invalid_argument(msg("[bits] Expected key shape (2) but received ", shape_str(k.shape()), "."));
  }
}

void check_shape(const char* op, const Shape& shape) {
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument(msg("[", op, "] Negative dimensions not allowed."));
  }
}

// The largest value below one in a floating dtype.
array below_one(Dtype dtype) {
  double eps = dtype == float16 ? 0x1p-11 : dtype == bfloat16 ? 0x1p-8 : 0x1p-24;
  return array(1.0 - eps, dtype);
}

// Uniform values in [0, 1) of dtype: the words as float32 over 2**32 - 1 (kept below one by
// the kernel), cast, then kept below one in dtype.
array unit_uniform(const Shape& shape, Dtype dtype, const array& key, StreamOrDevice s) {
  array u = array(shape, float32, std::make_shared<RandomBits>(to_stream(s), shape, true), {key});
  if (dtype == float32) return u;
  return minimum(astype(u, dtype, s), below_one(dtype), s);
}

// Whether a is an evaluated constant scalar equal to v (not traced), so that an affine map
// with it can be skipped without changing a bit.
bool is_constant(const array& a, double v) {
  if (a.ndim() != 0 || !a.is_available() || a.is_tracer() || a.has_primitive()) return false;
  switch (a.dtype().val) {
    case Dtype::Val::int32: return *a.data<int32_t>() == v;
    case Dtype::Val::float32: return *a.data<float>() == v;
    default: return false;
  }
}

} // namespace

array key(uint64_t seed) {
  uint32_t k[2] = {static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed)};
  return array(k, {2}, uint32);
}

void seed(uint64_t sd) {
  auto& st = state();
  std::lock_guard<std::mutex> lk(st.mutex);
  st.key = key(sd);
}

array next_key() {
  auto& st = state();
  std::lock_guard<std::mutex> lk(st.mutex);
  array ks = random::split(current_key(st), 2);
  st.key = reshape(slice(ks, {0, 0}, {1, 2}, {1, 1}), {2});
  return reshape(slice(ks, {1, 0}, {2, 2}, {1, 1}), {2});
}

array global_key() {
  auto& st = state();
  std::lock_guard<std::mutex> lk(st.mutex);
  return current_key(st);
}

void set_global_key(const array& k) {
  if (k.dtype() != uint32 || k.shape() != Shape{2}) {
    throw std::invalid_argument("[random.state] The state must be a uint32 key of shape (2).");
  }
  auto& st = state();
  std::lock_guard<std::mutex> lk(st.mutex);
  st.key = k;
}

array bits(const Shape& shape, const std::optional<array>& key_in, StreamOrDevice s) {
  check_shape("bits", shape);
  array k = resolve_key(key_in);
  check_key(k);
  return array(shape, uint32, std::make_shared<RandomBits>(to_stream(s), shape), {k});
}

array split(const array& k, int num, StreamOrDevice s) { return bits({num, 2}, k, s); }

array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key_in, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument("[uniform] Can only generate uniform numbers with real floating point type.");
  }
  if (dtype == float64) throw std::runtime_error("[uniform] Unsupported type.");
  check_shape("uniform", shape);
  Shape bs = broadcast_shapes(shape, broadcast_shapes(low.shape(), high.shape()));
  if (bs != shape) {
    throw std::invalid_argument(msg("[uniform] Cannot generate random values of shape ", shape_str(shape),
                                    " from broadcasted shape ", shape_str(bs), "."));
  }
  array k = resolve_key(key_in);
  check_key(k);
  if (is_constant(low, 0.0) && is_constant(high, 1.0)) return unit_uniform(shape, dtype, k, s);
  array lo = astype(low, dtype, s);
  array range = subtract(astype(high, dtype, s), lo, s);
  return add(multiply(unit_uniform(shape, dtype, k, s), range, s), lo, s);
}

array bernoulli(const array& p, const std::optional<Shape>& shape, const std::optional<array>& key_in,
                StreamOrDevice s) {
  if (!is_floating_point(p.dtype())) {
    throw std::invalid_argument("[bernoulli] bernoulli probability `p` must be a float type.");
  }
  Shape sh = shape ? *shape : p.shape();
  check_shape("bernoulli", sh);
  Shape bs = broadcast_shapes(p.shape(), sh);
  if (bs != sh) {
    throw std::invalid_argument(msg("[bernoulli] Cannot draw values of shape ", shape_str(sh),
                                    " from probabilities of shape ", shape_str(p.shape()), "."));
  }
  // A float32 uniform whatever p's type (so that a seed gives the same draws for any p).
  return less(uniform(array(0.0f), array(1.0f), sh, float32, key_in, s), p, s);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key_in, StreamOrDevice s) {
  using detail::SamplerFn;
  array u = uniform(array(0.0f), array(1.0f), shape, dtype, key_in, s);
  return detail::sampler_math(u, SamplerFn::Gumbel, s);
}

array categorical(const array& logits, int axis, const std::optional<Shape>& shape,
                  std::optional<int> num_samples, const std::optional<array>& key_in, StreamOrDevice s) {
  int nd = logits.ndim();
  auto ax = axis_in_range(axis, nd);
  if (!ax) throw std::out_of_range(msg("[categorical] Invalid axis ", axis, " for logits with ", nd, " dimensions."));
  axis = *ax;
  if (shape && num_samples) {
    throw std::invalid_argument("[categorical] At most one of shape or num_samples can be specified.");
  }
  if (num_samples && *num_samples < 0) throw std::invalid_argument("[categorical] num_samples must be non-negative.");
  Shape batch = logits.shape();
  batch.erase(batch.begin() + axis);
  if (shape) {
    check_shape("categorical", *shape);
    if (broadcast_shapes(*shape, batch) != *shape) {
      throw std::invalid_argument(msg("[categorical] Requested shape ", shape_str(*shape),
                                      " is not broadcast compatible with specified shape ", shape_str(batch), "."));
    }
  }
  Shape out_shape = shape ? *shape : batch;
  if (num_samples) out_shape.push_back(*num_samples);
  if (logits.size() == logits.shape(axis) && !out_shape.empty()) {
    // A single distribution (and not a 0-d sample of 1-d logits): the inverse CDF of float32
    // uniforms of the output shape, over the exponentials of the logits in float32, as the
    // reference samples it.
    array u = uniform(array(0.0f), array(1.0f), out_shape, float32, key_in, s);
    int64_t m = u.size();
    if (m > std::numeric_limits<int32_t>::max()) {
      throw std::invalid_argument("[categorical] Too many samples for one distribution.");
    }
    array lg = reshape(astype(logits, float32, s), {1, logits.shape(axis)}, s);
    array out(Shape{1, static_cast<int32_t>(m)}, uint32, std::make_shared<CategoricalCdf>(to_stream(s)),
              {lg, reshape(u, {1, static_cast<int32_t>(m)}, s)});
    return reshape(out, out_shape, s);
  }
  if (num_samples && *num_samples == 0) {
    // No samples: an empty array (the reference raises from its argmax).
    return zeros(out_shape, uint32, s);
  }
  if (num_samples) {
    // A trailing sample axis: logits (..., C at axis, ...) -> (..., C, ..., num_samples).
    Shape gs = logits.shape();
    gs.push_back(*num_samples);
    array g = gumbel(gs, float32, key_in, s);
    return argmax(add(expand_dims(logits, {nd}, s), g, s), axis, false, s);
  }
  Shape gs = logits.shape();
  if (shape) {
    // The category axis sits as far from the end of the sample shape as it does in logits.
    int pos = static_cast<int>(shape->size()) - (nd - 1 - axis);
    if (pos < 0) pos = 0;
    gs = *shape;
    gs.insert(gs.begin() + pos, logits.shape(axis));
    array g = gumbel(gs, float32, key_in, s);
    array lg = logits;
    while (lg.ndim() < static_cast<int>(gs.size())) lg = expand_dims(lg, {0}, s);
    return argmax(add(lg, g, s), pos, false, s);
  }
  array g = gumbel(gs, float32, key_in, s);
  return argmax(add(logits, g, s), axis, false, s);
}

} // namespace mlx::core::random
