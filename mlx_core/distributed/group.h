// Communication groups of mx.distributed and the transport interface that backends implement.
//
// A Group is a cheap handle to a GroupImpl, the backend's object. The collectives of
// distributed/ops.h build lazy nodes (primitives/distributed.h) that hold the Group; when such
// a node is evaluated, its kernel hands row-contiguous buffers to the GroupImpl below, which
// moves the bytes. A backend is therefore only this interface plus a factory in the table of
// group.cpp (kBackends). The single-process "local" backend (local.cpp) is what init() gives
// when no multi-process backend is available; an MPI or ring-over-sockets backend is a later
// addition that implements the same interface.
#pragma once
#include <memory>
#include <string>

#include "mlx_core/array.h"
#include "mlx_core/device.h"

namespace mlx::core::distributed {

// The transport of one group of processes. Every buffer argument is an evaluated,
// row-contiguous array (raw_data() points at its first element); `out` is allocated by the
// caller with the shape and dtype the op promised, and may share `in`'s buffer (an in-place
// reduction). The calls are made on the thread that runs `stream`, in graph order, and may
// block until the peers take part; the same sequence of collectives is issued on every rank
// (SPMD), so a backend can match calls by order. Errors are thrown as C++ exceptions (they
// reach the user where the array is waited on).
class GroupImpl {
 public:
  virtual ~GroupImpl() = default;
  // This process's rank in the group, in [0, size()).
  virtual int rank() = 0;
  // The number of processes in the group.
  virtual int size() = 0;
  // The backend's name ("local", "ring", "mpi", ...).
  virtual const char* backend() const = 0;
  // The subgroup of the processes that pass the same `color`, ranked by `key` (the current
  // rank where key < 0). Every process of this group must call it.
  virtual std::shared_ptr<GroupImpl> split(int color, int key) = 0;

  // out = elementwise sum / max / min of `in` over the ranks (same shape and dtype).
  virtual void all_sum(const array& in, array& out, const Stream& s) = 0;
  virtual void all_max(const array& in, array& out, const Stream& s) = 0;
  virtual void all_min(const array& in, array& out, const Stream& s) = 0;
  // out = the ranks' `in` concatenated in rank order (out.nbytes() == size() * in.nbytes()).
  virtual void all_gather(const array& in, array& out, const Stream& s) = 0;
  // out = this rank's block of the sum over the ranks: `in` is size() equal blocks along its
  // first axis and out.nbytes() == in.nbytes() / size().
  virtual void sum_scatter(const array& in, array& out, const Stream& s) = 0;
  // Sends in's bytes to rank `dst` (blocking until they are handed over).
  virtual void send(const array& in, int dst, const Stream& s) = 0;
  // Fills out's bytes with what rank `src` sends.
  virtual void recv(array& out, int src, const Stream& s) = 0;
};

// A handle to a communication group (copies share the group).
class Group {
 public:
  explicit Group(std::shared_ptr<GroupImpl> impl) : impl_(std::move(impl)) {}
  // This process's rank in the group.
  int rank() const { return impl_->rank(); }
  // The number of processes in the group.
  int size() const { return impl_->size(); }
  // The subgroup of the processes that pass the same color (see GroupImpl::split); raises
  // for a group of one process, as the reference does.
  Group split(int color, int key = -1) const;
  GroupImpl& impl() const { return *impl_; }
  const std::shared_ptr<GroupImpl>& impl_ptr() const { return impl_; }
  bool operator==(const Group& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<GroupImpl> impl_;
};

// Whether this build can make a group with `backend` ("any" for any multi-process one;
// unknown names give false). Says nothing about whether a launch makes one possible.
bool is_available(const std::string& backend = "any");

// The global group: the first group a backend made (with `backend`, or any of them for
// "any"), which later calls return again. Without one, a group of this process alone, or
// with `strict` a RuntimeError. A name other than any, mpi, ring, nccl, jaccl is a
// ValueError.
Group init(bool strict = false, const std::string& backend = "any");

// A group of this process alone (the "local" backend).
std::shared_ptr<GroupImpl> make_local_group();

} // namespace mlx::core::distributed
