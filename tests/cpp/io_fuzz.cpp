// Mutation fuzzing of the file parsers (load_npy, load_npy_stream, load_safetensors,
// load_gguf with plain and quantized tensors and repeated metadata keys) under
// AddressSanitizer and UndefinedBehaviorSanitizer: valid files from the writers, truncated
// and with random bytes overwritten, must load or throw, never read outside a buffer nor
// allocate what a header claims. Not part of the pytest run (the sanitized build takes
// minutes); build and run from the repository root after a normal build:
//   B=build/cp311-cp311-linux_x86_64; OB=$(python -c "import scipy_openblas64 as s; print(s.get_lib_dir())")
//   g++ -std=c++20 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -I. \
//     tests/cpp/io_fuzz.cpp mlx_core/io/*.cpp $B/libmlx_core.a -L$OB -lscipy_openblas64_ \
//     -Wl,-rpath,$OB -lpthread -o /tmp/io_fuzz && /tmp/io_fuzz 300000
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>
#include "mlx_core/io/gguf.h"
#include "mlx_core/io/npy.h"
#include "mlx_core/io/safetensors.h"
using namespace mlx::core;
using namespace mlx::core::io;
struct VecWriter : Writer {
  std::vector<uint8_t> v;
  void write(const void* s, uint64_t n) override { auto* p = (const uint8_t*)s; v.insert(v.end(), p, p + n); }
};
int main(int argc, char** argv) {
  long iters = argc > 1 ? atol(argv[1]) : 100000;
  std::vector<float> f(60);
  for (int i = 0; i < 60; ++i) f[i] = i;
  array a(f.data(), Shape{3, 4, 5}, float32);
  std::vector<int16_t> s16 = {1, 2, 3};
  array b(s16.data(), Shape{3}, int16);
  std::vector<std::vector<uint8_t>> seeds;
  { VecWriter w; save_npy(w, a); seeds.push_back(w.v); }
  { VecWriter w; save_safetensors(w, {{"a", a}, {"b", b}}, {{"k", "v"}}); seeds.push_back(w.v); }
  { VecWriter w; save_gguf(w, {{"a", a}, {"b", b}}, {{"s", std::string("x")}, {"l", std::vector<std::string>{"p", "q"}}, {"n", b}, {"u", GGUFScalar{uint8, 7}}, {"u", GGUFScalar{int32, 9}}}); seeds.push_back(w.v); }
  {
    // Q4_0 [64] at 0 and Q8_0 [32] at 64, built by hand.
    VecWriter w;
    auto put = [&](const void* p, size_t n) { w.write(p, n); };
    auto u32 = [&](uint32_t x) { put(&x, 4); };
    auto u64 = [&](uint64_t x) { put(&x, 8); };
    auto str = [&](const char* s) { u64(strlen(s)); put(s, strlen(s)); };
    put("GGUF", 4); u32(3); u64(2); u64(0);
    str("q.weight"); u32(1); u64(64); u32(2); u64(0);
    str("r"); u32(1); u64(32); u32(8); u64(64);
    while (w.v.size() % 32) w.v.push_back(0);
    for (int i = 0; i < 128; ++i) w.v.push_back(static_cast<uint8_t>(i * 37 + 1));
    seeds.push_back(w.v);
  }
  std::mt19937_64 rng(42);
  long ok = 0, err = 0;
  for (long it = 0; it < iters; ++it) {
    int which = it % 5;
    auto d = seeds[which == 4 ? 0 : which];
    int kind = rng() % 4;
    if (kind == 0) d.resize(rng() % (d.size() + 1));
    int flips = 1 + rng() % 8;
    for (int k = 0; k < flips && !d.empty(); ++k) {
      size_t pos = rng() % std::min<size_t>(d.size(), kind == 3 ? d.size() : 300);
      uint8_t val = rng() % 4 == 0 ? 0xff : (rng() % 4 == 0 ? 0 : rng());
      d[pos] = val;
    }
    MemoryReader r(d.data(), d.size());
    try {
      if (which == 0) { auto x = load_npy(r); ok++; }
      else if (which == 1) { auto x = load_safetensors(r); ok++; }
      else if (which == 4) {
        // The streaming reader, in uneven pieces, with a limit that may lie.
        size_t pos = 0;
        uint64_t limit = rng() % 2 ? d.size() : (rng() % 2 ? (1ull << 40) : rng() % (d.size() + 1));
        auto x = load_npy_stream([&](void* dst, uint64_t n) -> uint64_t {
          uint64_t k = std::min<uint64_t>({n, d.size() - pos, 1 + rng() % 64});
          memcpy(dst, d.data() + pos, k);
          pos += k;
          return k;
        }, limit, rng() % 2 ? 0 : limit);
        ok++;
      }
      else { auto x = load_gguf(r, it % 2); ok++; }
    } catch (const std::bad_alloc&) { printf("bad_alloc at iter %ld fmt %d\n", it, which); err++; }
    catch (const std::exception&) { err++; }
  }
  printf("ok %ld err %ld\n", ok, err);
}
