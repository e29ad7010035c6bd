#include "mlx_core/array.h"

#include <algorithm>
#include <cstring>

#include "mlx_core/allocator.h"
#include "mlx_core/backend/cpu/dispatch.h"
#include "mlx_core/errors.h"
#include "mlx_core/primitives/primitive.h"
#include "mlx_core/transforms/eval.h"
#include "mlx_core/transforms/tracing.h"
#include "mlx_core/shape_check.h"
#include "mlx_core/utils.h"

namespace mlx::core {

Data::Data(size_t n) : nbytes(n), buffer(allocator::allocator().malloc(n)) {
  ptr = buffer.ptr;
}

Data::~Data() {
  if (release) {
    release();
  } else {
    allocator::allocator().free(buffer);
  }
}

Strides row_major_strides(const Shape& shape) {
  Strides s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    s[i] = s[i + 1] * std::max<int64_t>(shape[i + 1], 1);
  }
  return s;
}

size_t shape_size(const Shape& shape) {
  size_t n = 1;
  for (auto d : shape) n *= static_cast<size_t>(d);
  return n;
}

size_t checked_shape_size(const Shape& shape, size_t itemsize, const char* op) {
  bool empty = false;
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument(msg("[", op, "] Negative dimensions are not allowed: ", shape_str(shape), "."));
    empty = empty || d == 0;
  }
  if (empty) return 0;
  // Products of positive factors, each below 2^31: test before every multiplication.
  constexpr uint64_t limit = static_cast<uint64_t>(INT64_MAX);
  uint64_t n = 1;
  for (auto d : shape) {
    if (n > limit / static_cast<uint64_t>(d)) {
      throw std::invalid_argument(msg("[", op, "] The shape ", shape_str(shape),
                                      " has too many elements: their number passes 2**63 - 1."));
    }
    n *= static_cast<uint64_t>(d);
  }
  if (itemsize > 1 && n > limit / itemsize) {
    throw std::invalid_argument(msg("[", op, "] The shape ", shape_str(shape), " with ", itemsize,
                                    "-byte elements needs more than 2**63 - 1 bytes."));
  }
  return static_cast<size_t>(n);
}

Flags compute_layout_flags(const Shape& shape, const Strides& strides) {
  Flags f;
  int64_t expect = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    if (shape[i] == 1) continue;
    if (strides[i] != expect) f.row_contiguous = false;
    expect *= shape[i];
  }
  expect = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (strides[i] != expect) f.col_contiguous = false;
    expect *= shape[i];
  }
  f.contiguous = f.row_contiguous || f.col_contiguous;
  return f;
}

array::ArrayDesc::ArrayDesc(Shape s, Dtype d)
    : shape(std::move(s)), size(checked_shape_size(shape, d.size, "array")), dtype(d) {
  strides = row_major_strides(shape);
}

array::ArrayDesc::ArrayDesc(Shape s, Dtype d, std::shared_ptr<Primitive> p, std::vector<array> in)
    : shape(std::move(s)), size(checked_shape_size(shape, d.size, "array")), dtype(d), primitive(std::move(p)), inputs(std::move(in)) {
  strides = row_major_strides(shape);
  if (detail::in_tracing()) {
    for (auto& i : inputs) {
      if (i.desc_->is_tracer) {
        is_tracer = true;
        break;
      }
    }
  }
}

array::ArrayDesc::~ArrayDesc() {
  // Unlink the chain of inputs iteratively: each input whose last owner is this
  // node gives its own inputs to the work list before it is destroyed.
  if (inputs.empty()) return;
  std::vector<std::shared_ptr<ArrayDesc>> pending;
  for (auto& in : inputs) pending.push_back(std::move(in.desc_));
  inputs.clear();
  while (!pending.empty()) {
    auto d = std::move(pending.back());
    pending.pop_back();
    if (d && d.use_count() == 1) {
      for (auto& in : d->inputs) pending.push_back(std::move(in.desc_));
      d->inputs.clear();
    }
  }
}

bool array::is_donatable() const {
  const auto& d = desc_->data;
  return desc_.use_count() == 1 && d && d.use_count() == 1 && !d->release && !d->readonly;
}

array::array(const void* src, Shape shape, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  auto d = std::make_shared<Data>(std::max<size_t>(nbytes(), 1));
  if (nbytes()) std::memcpy(d->ptr, src, nbytes());
  set_data(std::move(d));
}

array::array(std::shared_ptr<Data> data, Shape shape, Strides strides, Dtype dtype, int64_t offset)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  if (strides.size() != desc_->shape.size()) {
    throw std::invalid_argument("[array] Strides and shape must have the same length.");
  }
  Flags f = compute_layout_flags(desc_->shape, strides);
  desc_->data = std::move(data);
  desc_->strides = std::move(strides);
  desc_->flags = f;
  desc_->offset = offset;
  desc_->data_size = f.contiguous ? desc_->size : desc_->data->nbytes / dtype.size;
  desc_->status.store(static_cast<int>(Status::available), std::memory_order_release);
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive, std::vector<array> inputs)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype, std::move(primitive), std::move(inputs))) {}

std::vector<array> array::make_arrays(
    std::vector<Shape> shapes,
    const std::vector<Dtype>& dtypes,
    const std::shared_ptr<Primitive>& primitive,
    const std::vector<array>& inputs) {
  std::vector<array> outs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    outs.emplace_back(std::move(shapes[i]), dtypes[i], primitive, inputs);
  }
  if (outs.size() > 1) {
    for (size_t i = 0; i < outs.size(); ++i) {
      auto& sibs = outs[i].desc_->siblings;
      for (size_t j = 0; j < outs.size(); ++j) {
        if (j != i) sibs.push_back({outs[j].desc_, outs[j].shape(), outs[j].dtype()});
      }
      outs[i].desc_->position = static_cast<int>(i);
    }
  }
  return outs;
}

void array::init_scalar(const void* bytes, Dtype src_dtype) {
  auto d = std::make_shared<Data>(size_of(dtype()));
  cpu::dispatch_dtype(src_dtype, [&]<typename In>(In) {
    In v;
    std::memcpy(&v, bytes, sizeof(In));
    cpu::dispatch_dtype(dtype(), [&]<typename Out>(Out) {
      Out o = cast_value<Out>(v);
      std::memcpy(d->ptr, &o, sizeof(Out));
    });
  });
  set_data(std::move(d));
}

ShapeElem array::shape(int dim) const {
  int n = ndim();
  auto d = axis_in_range(dim, n);
  if (!d) throw std::out_of_range(msg("[array::shape] Invalid axis ", dim, " for array with ", n, " dimensions."));
  return desc_->shape[*d];
}

int64_t array::strides(int dim) const {
  int n = ndim();
  auto d = axis_in_range(dim, n);
  if (!d) throw std::out_of_range(msg("[array::strides] Invalid axis ", dim, " for array with ", n, " dimensions."));
  return desc_->strides[*d];
}

void array::eval() {
  if (!is_available()) {
    mlx::core::eval({*this});
  }
}

bool array::is_tracer() const {
  return desc_->is_tracer && detail::in_tracing();
}

std::vector<array> array::outputs() const {
  std::vector<array> outs;
  outs.reserve(desc_->siblings.size() + 1);
  bool dropped = false;
  for (auto& s : desc_->siblings) {
    if (auto d = s.desc.lock()) {
      outs.push_back(array(std::move(d)));
    } else {
      dropped = true;
      outs.push_back(*this); // replaced below
    }
  }
  outs.insert(outs.begin() + desc_->position, *this);
  if (dropped) {
    // A dropped output is stood in for by the same output of a fresh copy of the node: the
    // kernel can write into it, and a transform that uses it gets a complete node.
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (size_t i = 0, k = 0; i < outs.size(); ++i) {
      bool self = static_cast<int>(i) == desc_->position;
      shapes.push_back(self ? shape() : desc_->siblings[k].shape);
      dtypes.push_back(self ? dtype() : desc_->siblings[k].dtype);
      if (!self) ++k;
    }
    auto fresh = make_arrays(std::move(shapes), dtypes, desc_->primitive, desc_->inputs);
    for (size_t i = 0, k = 0; i < outs.size(); ++i) {
      if (static_cast<int>(i) == desc_->position) continue;
      if (desc_->siblings[k++].desc.expired()) outs[i] = fresh[i];
    }
  }
  return outs;
}

namespace {
// The status word every claim of a multi-output node goes through: the first output that
// is still alive, in output order. Evaluations that own the node keep its outputs alive.
template <typename Desc>
std::shared_ptr<Desc> claim_owner(const std::shared_ptr<Desc>& self) {
  // Siblings are stored in output order without self: those before it come first.
  for (int p = 0; p < self->position; ++p) {
    if (auto d = self->siblings[p].desc.lock()) return d;
  }
  return self;
}
} // namespace

bool array::try_claim() const {
  auto owner = desc_->siblings.empty() ? desc_ : claim_owner(desc_);
  int expected = static_cast<int>(Status::unscheduled);
  if (!owner->status.compare_exchange_strong(expected, static_cast<int>(Status::scheduled),
                                             std::memory_order_acq_rel)) {
    return false;
  }
  if (owner != desc_) desc_->status.store(static_cast<int>(Status::scheduled), std::memory_order_relaxed);
  for (auto& s : desc_->siblings) {
    if (auto d = s.desc.lock()) d->status.store(static_cast<int>(Status::scheduled), std::memory_order_relaxed);
  }
  return true;
}

namespace {
template <typename Desc>
void set_status(Desc& d, array::Status st) {
  d.status.store(static_cast<int>(st), std::memory_order_release);
  d.status.notify_all();
}
} // namespace

void array::mark_available() const {
  for (auto& s : desc_->siblings) {
    if (auto d = s.desc.lock()) set_status(*d, Status::available);
  }
  set_status(*desc_, Status::available);
}

void array::mark_failed(std::exception_ptr error) const {
  for (auto& s : desc_->siblings) {
    if (auto d = s.desc.lock()) {
      d->error = error;
      set_status(*d, Status::unscheduled);
    }
  }
  desc_->error = error;
  set_status(*desc_, Status::unscheduled);
}

void array::wait() const {
  int st = desc_->status.load(std::memory_order_acquire);
  while (st == static_cast<int>(Status::scheduled)) {
    desc_->status.wait(st, std::memory_order_acquire);
    st = desc_->status.load(std::memory_order_acquire);
  }
  if (st == static_cast<int>(Status::available)) return;
  if (desc_->error) std::rethrow_exception(desc_->error);
  throw std::runtime_error("[eval] The array was not evaluated.");
}

void array::detach() const {
  // Inputs are released through the destructor logic only when the last owner goes;
  // moving them into temporaries keeps deep chains iterative. The sibling list stays: it
  // owns nothing and other threads may read it while claiming.
  for (auto& s : desc_->siblings) {
    if (auto d = s.desc.lock()) {
      d->primitive = nullptr;
      std::vector<array> old;
      old.swap(d->inputs);
    }
  }
  desc_->primitive = nullptr;
  std::vector<array> old;
  old.swap(desc_->inputs);
}

void array::set_data(std::shared_ptr<Data> d) {
  set_data(std::move(d), desc_->size, row_major_strides(desc_->shape), Flags{}, 0);
}

void array::set_data(std::shared_ptr<Data> d, size_t data_size, Strides strides, Flags flags, int64_t offset) {
  desc_->data = std::move(d);
  desc_->strides = std::move(strides);
  desc_->flags = flags;
  desc_->offset = offset;
  desc_->data_size = data_size;
  // A leaf (no primitive) is evaluated once it has data; a node waits for its scheduler.
  if (!desc_->primitive) desc_->status.store(static_cast<int>(Status::available), std::memory_order_release);
}

void array::copy_shared_buffer(const array& other, const Strides& strides, Flags flags, size_t data_size, int64_t offset) {
  set_data(other.desc_->data, data_size, strides, flags, offset);
}

void array::copy_shared_buffer(const array& other) {
  set_data(other.desc_->data, other.data_size(), other.strides(), other.flags(), other.offset());
}

template <typename T>
T array::item() {
  if (size() != 1) {
    throw std::invalid_argument("[item] Only length-1 arrays can be converted to scalars.");
  }
  eval();
  T result{};
  cpu::dispatch_dtype(dtype(), [&]<typename In>(In) {
    result = cast_value<T>(*data<In>());
  });
  return result;
}

template bool array::item<bool>();
template uint8_t array::item<uint8_t>();
template uint16_t array::item<uint16_t>();
template uint32_t array::item<uint32_t>();
template uint64_t array::item<uint64_t>();
template int8_t array::item<int8_t>();
template int16_t array::item<int16_t>();
template int32_t array::item<int32_t>();
template int64_t array::item<int64_t>();
template float16_t array::item<float16_t>();
template bfloat16_t array::item<bfloat16_t>();
template float array::item<float>();
template double array::item<double>();
template complex64_t array::item<complex64_t>();

} // namespace mlx::core
