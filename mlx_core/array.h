// The array: a cheap handle to a shared node of the lazy graph.
#pragma once
#include <atomic>
#include <cstdint>
#include <exception>
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
  bool readonly = false; // foreign memory its producer marked read-only: exports keep it so
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
  template <ScalarType T>
  explicit array(T val, Dtype dtype = dtype_of<T>);

  // Copies `shape`-many elements of `dtype` from `src` (row-major).
  array(const void* src, Shape shape, Dtype dtype);

  // Wraps existing memory without copying: strides in elements, offset in bytes.
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

  // Where a node is in its evaluation. One evaluation claims a node (unscheduled ->
  // scheduled); it becomes available once its kernel has run. A failed node goes back to
  // unscheduled with its error recorded.
  enum class Status : int { unscheduled = 0, scheduled = 1, available = 2 };

  // Whether the array is evaluated (a computed node, a constant or imported memory).
  bool is_available() const { return status() == Status::available; }
  Status status() const { return static_cast<Status>(desc_->status.load(std::memory_order_acquire)); }
  // Claims this node and its siblings for one evaluation; false when another evaluation
  // owns it or it is available.
  bool try_claim() const;
  // Marks the node and its siblings evaluated (after its kernel ran) and wakes waiters.
  void mark_available() const;
  // Releases a claimed node and its siblings after its kernel failed with `error`.
  void mark_failed(std::exception_ptr error) const;
  // Blocks until an evaluation that owns this node finishes it; rethrows its error if it
  // failed. Returns at once for an available node.
  void wait() const;
  template <typename T>
  T* data() { return reinterpret_cast<T*>(raw_data()); }
  template <typename T>
  const T* data() const { return reinterpret_cast<const T*>(raw_data()); }
  // Pointer to element [0, ..., 0] (the offset applied).
  void* raw_data() const {
    return static_cast<char*>(desc_->data->ptr) + desc_->offset;
  }
  // Byte offset of element [0, ..., 0] in the buffer (a view may have another dtype).
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
  // This array and its siblings, in output order. Siblings are not owned by each other: an
  // output that was dropped is stood in for by a fresh array of its shape and dtype.
  std::vector<array> outputs() const;
  int sibling_position() const { return desc_->position; }

  // Drops the primitive and inputs of this node and its siblings (after evaluation): the
  // outputs become leaves.
  void detach() const;

  // A tracer is an array built from a transform's traced inputs, and only while a
  // transform is running in this thread (see transforms/tracing.h): once the transform
  // returns, its outputs are ordinary arrays that eval detaches.
  bool is_tracer() const;
  void set_tracer(bool t) { desc_->is_tracer = t; }

  // Attaches a fresh row-contiguous buffer of size() elements.
  void set_data(std::shared_ptr<Data> d);
  // Attaches a buffer with explicit layout (strides in elements, offset in bytes).
  void set_data(std::shared_ptr<Data> d, size_t data_size, Strides strides, Flags flags, int64_t offset = 0);
  // Makes this array a view into `other`'s buffer.
  void copy_shared_buffer(const array& other, const Strides& strides, Flags flags, size_t data_size, int64_t offset);
  // Same layout and buffer as `other` (for elementwise no-ops and row-contiguous reshapes).
  void copy_shared_buffer(const array& other);

  // A unique id for the node this handle refers to.
  uintptr_t id() const { return reinterpret_cast<uintptr_t>(desc_.get()); }
  bool is_same(const array& o) const { return desc_ == o.desc_; }
  long use_count() const { return desc_.use_count(); }
  // Whether an op may write its output into this array's buffer: no other handle, view or
  // export holds the array or its buffer, and the buffer came from the allocator.
  bool is_donatable() const;

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
    // The other outputs of a multi-output node, not owned (shape and dtype kept to stand in
    // for an output that was dropped).
    struct Sibling {
      std::weak_ptr<ArrayDesc> desc;
      Shape shape;
      Dtype dtype;
    };
    std::vector<Sibling> siblings;
    int position = 0;
    bool is_tracer = false;
    std::atomic<int> status{0};
    std::exception_ptr error;

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
