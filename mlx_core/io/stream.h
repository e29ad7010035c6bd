// Byte sources and sinks for the file formats, and the checked arithmetic their parsers use.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "mlx_core/array.h"

namespace mlx::core::io {

// A random-access byte source of known size (a file, a Python file object, memory).
class Reader {
 public:
  virtual ~Reader() = default;
  // Total number of readable bytes.
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at `offset` into dst; throws when the source ends early.
  virtual void read_at(void* dst, uint64_t n, uint64_t offset) = 0;
  // A name for error messages (the path, or "<file>").
  virtual std::string label() const = 0;
};

// A sequential byte sink.
class Writer {
 public:
  virtual ~Writer() = default;
  virtual void write(const void* src, uint64_t n) = 0;
  // A hint that about n more bytes follow (a file preallocates them).
  virtual void reserve(uint64_t) {}
};

// Reads a file through pread.
class FileReader : public Reader {
 public:
  // Opens `path`; throws std::runtime_error "[fn] Failed to open file ..." when it cannot.
  FileReader(const std::string& path, const char* fn);
  ~FileReader() override;
  uint64_t size() const override { return size_; }
  void read_at(void* dst, uint64_t n, uint64_t offset) override;
  std::string label() const override { return path_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string path_;
};

// Reads from a block of memory (not owned).
class MemoryReader : public Reader {
 public:
  MemoryReader(const void* p, uint64_t n) : p_(static_cast<const uint8_t*>(p)), n_(n) {}
  uint64_t size() const override { return n_; }
  void read_at(void* dst, uint64_t n, uint64_t offset) override;
  std::string label() const override { return "<memory>"; }

 private:
  const uint8_t* p_;
  uint64_t n_;
};

// Writes a file (created or truncated).
class FileWriter : public Writer {
 public:
  FileWriter(const std::string& path, const char* fn);
  ~FileWriter() override;
  void write(const void* src, uint64_t n) override;
  void reserve(uint64_t n) override;
  // Flushes and closes; throws on failure (the destructor closes silently).
  void close();

 private:
  int fd_ = -1;
  uint64_t pos_ = 0;
  std::string path_;
};

// Writes the elements of an evaluated array in row-major order (any strides).
void write_row_major(Writer& w, const array& a);
// Writes the elements in column-major order; the array must be column-contiguous.
void write_raw(Writer& w, const array& a);

// a * b, throwing std::runtime_error(msg) on uint64 overflow (as the other parse errors).
uint64_t checked_mul(uint64_t a, uint64_t b, const char* msg);
uint64_t checked_add(uint64_t a, uint64_t b, const char* msg);

// Fresh memory for `nbytes` of array data.
std::shared_ptr<Data> alloc_data(uint64_t nbytes);

// Reverses the byte order of each `unit`-byte word of n bytes in place.
void byteswap(void* p, uint64_t nbytes, int unit);

} // namespace mlx::core::io
