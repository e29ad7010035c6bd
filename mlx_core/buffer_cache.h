// A cache of freed blocks for an allocator: a request takes the smallest cached block of a
// nearby size, and the least recently freed blocks go back to the system first.
// Backend-neutral (it only sees Buffers and a release function); not thread-safe: the
// allocator that owns it holds its lock around every call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "mlx_core/allocator.h"

namespace mlx::core::allocator {

class BufferCache {
 public:
  // `release` gives a block back to the system.
  explicit BufferCache(std::function<void(const Buffer&)> release);
  ~BufferCache();
  BufferCache(const BufferCache&) = delete;
  BufferCache& operator=(const BufferCache&) = delete;

  // The largest block a request of `size` bytes may take from the cache. Small requests may
  // take a block up to twice their size (the waste is a few KiB at most); from 256 KiB up the
  // bound is 1.25x, so a cached block is reused by a request of at least 80% of its size and at
  // most a fifth of a large block is idle while it is lent out.
  static size_t max_fit(size_t size);

  // Removes and returns the smallest cached block of size in [size, max_fit(size)], or an empty
  // Buffer when none fits.
  Buffer take(size_t size);
  // Keeps a freed block (as the most recently freed one).
  void put(const Buffer& buffer);
  // Releases the least recently freed blocks until at most `bytes` stay cached; returns the
  // number of bytes released.
  size_t trim_to(size_t bytes);
  // Bytes in cached blocks.
  size_t bytes() const { return bytes_; }
  size_t count() const { return by_size_.size() + small_count_; }

 private:
  // Blocks up to kSmallMax bytes in steps of kSmallStep are kept in one list per size (LIFO),
  // with a bit per non-empty list: a small request finds the smallest fitting block with a
  // few bit scans, without the tree and its node allocations.
  static constexpr size_t kSmallStep = 64;
  static constexpr size_t kSmallMax = 16384;
  static constexpr size_t kSmallClasses = kSmallMax / kSmallStep + 1;
  static bool is_small(size_t size) { return size <= kSmallMax && size % kSmallStep == 0; }

  struct Entry {
    Buffer buffer;
    Entry* prev = nullptr; // toward older
    Entry* next = nullptr; // toward newer
    Entry* class_next = nullptr; // small blocks: the next (older) block of the same size
    Entry* class_prev = nullptr;
    std::multimap<size_t, Entry*>::iterator pos; // large blocks: the entry in by_size_
  };
  void unlink(Entry* e);
  Buffer take_entry(Entry* e);
  // The smallest non-empty small size class in [lo, hi], or kSmallClasses.
  size_t first_small_class(size_t lo, size_t hi) const;

  std::function<void(const Buffer&)> release_;
  std::multimap<size_t, Entry*> by_size_;
  Entry* small_[kSmallClasses] = {}; // newest block of each small size
  size_t small_count_ = 0;
  uint64_t small_bits_[(kSmallClasses + 63) / 64] = {};
  std::vector<Entry*> spare_; // entries kept for reuse: no heap traffic per put/take
  Entry* oldest_ = nullptr;
  Entry* newest_ = nullptr;
  size_t bytes_ = 0;
};

} // namespace mlx::core::allocator
