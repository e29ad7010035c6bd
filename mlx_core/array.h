// The array: a cheap handle to a shared node of the lazy graph.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "mlx_core/allocator.h"
#include "mlx_core/dtype.h"

namespace mlx::core {

using ShapeElem = int32_t;
using Shape = std::vector<ShapeElem>;
using Strides = std::vector<int64_t>;

class Primitive;

// A block of memory holding array data. Either from the allocator, or owned by someone
// else (NumPy, DLPack producer), in which case `release` gives it back.
struct Data {
  void* ptr = nullptr;
  size_t nbytes = 0;
  std::function<void()> release; // empty: memory came from the allocator
  allocator::Buffer buffer;      // the allocator's block (empty for foreign memory)

  Data(void* p, size_t n, std::function<void()> r = {})
      : ptr(p), nbytes(n), release(std::move(r)) {}
  // Fresh memory of n bytes from the active allocator.
  explicit Data(size_t n);
  ~Data();
  Data(const Data&) = delete;
  Data& operator=(const Data&) = delete;
};

struct Flags {
  bool contiguous = true; // the elements cover one dense block (any axis order)
  bool row_contiguous = true;
  bool col_contiguous = true;
};

class array {
 public:
  // A 0-d array holding a scalar value, cast to dtype.
  template <typename T>
  explicit array(T val, Dtype dtype = dtype_of<T>);

  // Copies `shape`-many elements of `dtype` from `src` (row-major).
  array(const void* src, Shape shape, Dtype dtype);

  // Wraps existing memory without copying: strides and offset are in elements.
  array(std::shared_ptr<Data> data, Shape shape, Strides strides, Dtype dtype, int64_t offset);

  // An unevaluated node: the output of `primitive` applied to `inputs`.
  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive, std::vector<array> inputs);

  // The outputs of a multi-output primitive; they are siblings of each other.
  static std::vector<array> make_arrays(
      std::vector<Shape> shapes,
      const std::vector<Dtype>& dtypes,
      const std::shared_ptr<Primitive>& primitive,
      const std::vector<array>& inputs);

  const Shape& shape() const { return desc_->shape; }
  // The size of dimension `dim` (negative counts from the end).
  ShapeElem shape(int dim) const;
  const Strides& strides() const { return desc_->strides; }
  int64_t strides(int dim) const;
  size_t size() const { return desc_->size; }
  int ndim() const { return static_cast<int>(desc_->shape.size()); }
  Dtype dtype() const { return desc_->dtype; }
  size_t itemsize() const { return desc_->dtype.size; }
  size_t nbytes() const { return size() * itemsize(); }

  // Evaluates the graph up to this array.
  void eval();
  // Evaluates and returns the single element as T (the array must have size 1).
  template <typename T>
  T item();

  // Whether data is present (evaluated, a constant or imported memory).
  bool is_available() const { return desc_->data != nullptr; }
  template <typename T>
  T* data() { return reinterpret_cast<T*>(raw_data()); }
  template <typename T>
  const T* data() const { return reinterpret_cast<const T*>(raw_data()); }
  // Pointer to element [0, ..., 0] (the offset applied).
  void* raw_data() const {
    return static_cast<char*>(desc_->data->ptr) + desc_->offset * static_cast<int64_t>(itemsize());
  }
  int64_t offset() const { return desc_->offset; }
  const Flags& flags() const { return desc_->flags; }
  // Number of elements of the underlying buffer reachable from raw_data() when contiguous.
  size_t data_size() const { return desc_->data_size; }
  const std::shared_ptr<Data>& data_shared_ptr() const { return desc_->data; }
  size_t buffer_nbytes() const { return desc_->data ? desc_->data->nbytes : 0; }

  bool has_primitive() const { return desc_->primitive != nullptr; }
  Primitive& primitive() const { return *desc_->primitive; }
  const std::shared_ptr<Primitive>& primitive_ptr() const { return desc_->primitive; }
  const std::vector<array>& inputs() const { return desc_->inputs; }
  std::vector<array>& inputs() { return desc_->inputs; }
  const std::vector<array>& siblings() const { return desc_->siblings; }
  // This array and its siblings, in output order.
  std::vector<array> outputs() const;
  int sibling_position() const { return desc_->position; }

  // Drops the primitive, inputs and siblings (after evaluation): the array becomes a leaf.
  void detach();

  bool is_tracer() const { return desc_->is_tracer; }
  void set_tracer(bool t) { desc_->is_tracer = t; }

  // Attaches a fresh row-contiguous buffer of size() elements.
  void set_data(std::shared_ptr<Data> d);
  // Attaches a buffer with explicit layout (strides and offset in elements).
  void set_data(std::shared_ptr<Data> d, size_t data_size, Strides strides, Flags flags, int64_t offset = 0);
  // Makes this array a view into `other`'s buffer.
  void copy_shared_buffer(const array& other, const Strides& strides, Flags flags, size_t data_size, int64_t offset);
  // Same layout and buffer as `other` (for elementwise no-ops and row-contiguous reshapes).
  void copy_shared_buffer(const array& other);

  // A unique id for the node this handle refers to.
  uintptr_t id() const { return reinterpret_cast<uintptr_t>(desc_.get()); }
  bool is_same(const array& o) const { return desc_ == o.desc_; }
  long use_count() const { return desc_.use_count(); }

 private:
  struct ArrayDesc {
    Shape shape;
    Strides strides;
    size_t size = 1;
    Dtype dtype;
    std::shared_ptr<Data> data;
    int64_t offset = 0;
    size_t data_size = 0;
    Flags flags;
    std::shared_ptr<Primitive> primitive;
    std::vector<array> inputs;
    std::vector<array> siblings;
    int position = 0;
    bool is_tracer = false;

    ArrayDesc(Shape s, Dtype d);
    ArrayDesc(Shape s, Dtype d, std::shared_ptr<Primitive> p, std::vector<array> in);
    // Iterative: a long chain of unevaluated nodes is freed without deep recursion.
    ~ArrayDesc();
  };

  explicit array(std::shared_ptr<ArrayDesc> d) : desc_(std::move(d)) {}
  void init_scalar(const void* bytes, Dtype dtype);

  std::shared_ptr<ArrayDesc> desc_;
};

// Row-major strides (in elements) for a shape.
Strides row_major_strides(const Shape& shape);
// Product of the dimensions.
size_t shape_size(const Shape& shape);

// Contiguity flags of a layout (strides in elements; size-1 dims ignored).
Flags compute_layout_flags(const Shape& shape, const Strides& strides);

// Casts a value of type From to To the way the kernels do (used for scalars).
template <typename To, typename From>
inline To cast_value(From v);

} // namespace mlx::core

#include "mlx_core/array_impl.h"
