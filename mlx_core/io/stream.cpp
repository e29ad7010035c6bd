#include "mlx_core/io/stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "mlx_core/errors.h"

namespace mlx::core::io {

FileReader::FileReader(const std::string& path, const char* fn) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(msg("[", fn, "] Failed to open file ", path));
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(msg("[", fn, "] ", path, " is not a regular file"));
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

void FileReader::read_at(void* dst, uint64_t n, uint64_t offset) {
  if (offset > size_ || n > size_ - offset)
    throw std::runtime_error(msg("[load] Unexpected end of file in ", path_));
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(n, 1ull << 30));
    ssize_t r = ::pread(fd_, p, chunk, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(msg("[load] Failed to read ", path_, ": ", std::strerror(errno)));
    }
    if (r == 0) throw std::runtime_error(msg("[load] Unexpected end of file in ", path_));
    p += r;
    n -= static_cast<uint64_t>(r);
    offset += static_cast<uint64_t>(r);
  }
}

void MemoryReader::read_at(void* dst, uint64_t n, uint64_t offset) {
  if (offset > n_ || n > n_ - offset) throw std::runtime_error("[load] Unexpected end of data");
  if (n) std::memcpy(dst, p_ + offset, n);
}

FileWriter::FileWriter(const std::string& path, const char* fn) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0)
    throw std::runtime_error(msg("[", fn, "] Failed to open file ", path, ": ", std::strerror(errno)));
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void FileWriter::write(const void* src, uint64_t n) {
  auto* p = static_cast<const char*>(src);
  while (n > 0) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(n, 1ull << 30));
    ssize_t r = ::write(fd_, p, chunk);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(msg("[save] Failed to write ", path_, ": ", std::strerror(errno)));
    }
    p += r;
    n -= static_cast<uint64_t>(r);
    pos_ += static_cast<uint64_t>(r);
  }
}

void FileWriter::reserve(uint64_t n) {
#ifdef __linux__
  // Allocating the extents up front makes large writes markedly faster (NumPy does it too);
  // failure (an unsupported file system) is harmless.
  if (n >= (1u << 20)) (void)::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(pos_), static_cast<off_t>(n));
#else
  (void)n;
#endif
}

void FileWriter::close() {
  if (fd_ < 0) return;
  int r = ::close(fd_);
  fd_ = -1;
  if (r != 0) throw std::runtime_error(msg("[save] Failed to close ", path_, ": ", std::strerror(errno)));
}

void write_raw(Writer& w, const array& a) {
  if (a.size() == 0) return;
  w.write(a.raw_data(), static_cast<uint64_t>(a.size()) * a.itemsize());
}

void write_row_major(Writer& w, const array& a) {
  if (a.size() == 0) return;
  if (a.flags().row_contiguous || a.ndim() == 0) {
    write_raw(w, a);
    return;
  }
  // Gather into a bounded staging buffer, innermost dimension first.
  const size_t item = a.itemsize();
  const int nd = a.ndim();
  const auto& shape = a.shape();
  const auto& strides = a.strides();
  const char* base = static_cast<const char*>(a.raw_data());
  const size_t cap = std::max<size_t>(item, (size_t{4} << 20) / item * item);
  std::vector<char> buf(std::min<size_t>(cap, a.size() * item));
  size_t used = 0;
  std::vector<int64_t> idx(nd, 0);
  int64_t off = 0; // in elements
  const int64_t inner = shape[nd - 1];
  const int64_t inner_stride = strides[nd - 1];
  size_t remaining = a.size();
  while (remaining > 0) {
    const char* src = base + off * static_cast<int64_t>(item);
    for (int64_t i = 0; i < inner; ++i) {
      if (used == buf.size()) {
        w.write(buf.data(), used);
        used = 0;
      }
      std::memcpy(buf.data() + used, src + i * inner_stride * static_cast<int64_t>(item), item);
      used += item;
    }
    remaining -= static_cast<size_t>(inner);
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
  if (used) w.write(buf.data(), used);
}

uint64_t checked_mul(uint64_t a, uint64_t b, const char* m) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw std::runtime_error(m);
  return r;
}

uint64_t checked_add(uint64_t a, uint64_t b, const char* m) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw std::runtime_error(m);
  return r;
}

std::shared_ptr<Data> alloc_data(uint64_t nbytes) {
  if (nbytes > static_cast<uint64_t>(PTRDIFF_MAX)) throw std::bad_alloc();
  return std::make_shared<Data>(static_cast<size_t>(nbytes));
}

void byteswap(void* p, uint64_t nbytes, int unit) {
  auto* b = static_cast<uint8_t*>(p);
  if (unit <= 1) return;
  for (uint64_t i = 0; i + unit <= nbytes; i += unit) std::reverse(b + i, b + i + unit);
}

} // namespace mlx::core::io
