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
  by_size_.erase(e->pos);
  bytes_ -= e->buffer.size;
}

Buffer BufferCache::take(size_t size) {
  auto it = by_size_.lower_bound(size);
  if (it == by_size_.end() || it->first > max_fit(size)) return {};
  Entry* e = it->second;
  unlink(e);
  Buffer b = e->buffer;
  spare_.push_back(e);
  return b;
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
  e->pos = by_size_.emplace(buffer.size, e);
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
