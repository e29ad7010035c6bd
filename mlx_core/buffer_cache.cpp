#include "mlx_core/buffer_cache.h"

#include <algorithm>
#include <limits>

namespace mlx::core::allocator {

BufferCache::BufferCache(std::function<void(const Buffer&)> release)
    : release_(std::move(release)) {}

BufferCache::~BufferCache() {
  trim_to(0);
  for (Entry* e : spare_) delete e;
}

size_t BufferCache::max_fit(size_t size) {
  constexpr size_t small = size_t(64) << 10;
  size_t extra = std::max(size / 4, std::min(size, small));
  if (size > std::numeric_limits<size_t>::max() - extra) return std::numeric_limits<size_t>::max();
  return size + extra;
}

void BufferCache::unlink(Entry* e) {
  (e->prev ? e->prev->next : oldest_) = e->next;
  (e->next ? e->next->prev : newest_) = e->prev;
  if (is_small(e->buffer.size)) {
    size_t c = e->buffer.size / kSmallStep;
    (e->class_prev ? e->class_prev->class_next : small_[c]) = e->class_next;
    if (e->class_next) e->class_next->class_prev = e->class_prev;
    if (!small_[c]) small_bits_[c / 64] &= ~(uint64_t(1) << (c % 64));
    small_count_--;
  } else {
    by_size_.erase(e->pos);
  }
  bytes_ -= e->buffer.size;
}

Buffer BufferCache::take_entry(Entry* e) {
  unlink(e);
  Buffer b = e->buffer;
  spare_.push_back(e);
  return b;
}

size_t BufferCache::first_small_class(size_t lo, size_t hi) const {
  hi = std::min(hi, kSmallClasses - 1);
  for (size_t w = lo / 64; w <= hi / 64; ++w) {
    uint64_t bits = small_bits_[w];
    if (w == lo / 64) bits &= ~uint64_t(0) << (lo % 64);
    if (bits) {
      size_t c = w * 64 + __builtin_ctzll(bits);
      return c <= hi ? c : kSmallClasses;
    }
  }
  return kSmallClasses;
}

Buffer BufferCache::take(size_t size) {
  if (size <= kSmallMax) {
    size_t c = first_small_class((size + kSmallStep - 1) / kSmallStep, max_fit(size) / kSmallStep);
    if (c < kSmallClasses) return take_entry(small_[c]);
    // Larger blocks (beyond the small sizes) are in the tree.
  }
  auto it = by_size_.lower_bound(size);
  if (it == by_size_.end() || it->first > max_fit(size)) return {};
  return take_entry(it->second);
}

void BufferCache::put(const Buffer& buffer) {
  Entry* e;
  if (spare_.empty()) {
    e = new Entry{buffer, newest_, nullptr, {}};
  } else {
    e = spare_.back();
    spare_.pop_back();
    *e = Entry{buffer, newest_, nullptr, {}};
  }
  if (is_small(buffer.size)) {
    Entry*& head = small_[buffer.size / kSmallStep];
    e->class_next = head;
    e->class_prev = nullptr;
    if (head) head->class_prev = e;
    head = e;
    size_t c = buffer.size / kSmallStep;
    small_bits_[c / 64] |= uint64_t(1) << (c % 64);
    small_count_++;
  } else {
    e->pos = by_size_.emplace(buffer.size, e);
  }
  (newest_ ? newest_->next : oldest_) = e;
  newest_ = e;
  bytes_ += buffer.size;
}

size_t BufferCache::trim_to(size_t bytes) {
  size_t released = 0;
  while (bytes_ > bytes && oldest_) {
    Entry* e = oldest_;
    unlink(e);
    released += e->buffer.size;
    release_(e->buffer);
    delete e; // trimming gives memory back, the entries included
  }
  return released;
}

} // namespace mlx::core::allocator
