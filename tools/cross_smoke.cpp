// C++ smoke test of the engine, built for aarch64 and run under qemu by tools/cross_check.sh:
// create, add, exp, sum, sort, matmul, a transposing copy and float16 arithmetic, each on
// arrays large enough that the thread pool splits the work (MLX_NUM_THREADS > 1). Exits
// non-zero on the first wrong value.
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mlx_core/backend/cpu/thread_pool.h"
#include "mlx_core/mlx.h"

using namespace mlx::core;

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("%-44s %s\n", what, ok ? "ok" : "WRONG");
  if (!ok) ++failures;
}

bool close(double got, double want, double rel) {
  return std::fabs(got - want) <= rel * std::max(1.0, std::fabs(want));
}

} // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IONBF, 0); // progress shows even if a step hangs
  std::printf("thread pool: %d threads\n", cpu::thread_count());
  const char* env = std::getenv("MLX_NUM_THREADS");
  if (!(env && std::string(env) == "1")) check(cpu::thread_count() > 1, "thread pool has workers");

  // create + add + sum: n = 2^20 float32 elements, well past the pool's split threshold.
  const int n = 1 << 20;
  std::vector<float> xs(n), ys(n);
  for (int i = 0; i < n; ++i) {
    xs[i] = static_cast<float>(i % 1000) * 0.001f;
    ys[i] = static_cast<float>((i * 7) % 13);
  }
  array x(xs.data(), {n}, float32);
  array y(ys.data(), {n}, float32);
  array s = add(x, y);
  eval({s});
  bool add_ok = true;
  for (int i = 0; i < n; i += 997) add_ok = add_ok && s.data<float>()[i] == xs[i] + ys[i];
  check(add_ok, "add (2^20 float32)");

  double want_sum = 0;
  for (int i = 0; i < n; ++i) want_sum += static_cast<double>(xs[i]) + ys[i];
  check(close(sum(s).item<float>(), want_sum, 1e-5), "sum (2^20 float32)");

  // exp
  array e = exp(x);
  eval({e});
  bool exp_ok = true;
  for (int i = 0; i < n; i += 991) exp_ok = exp_ok && close(e.data<float>()[i], std::exp(double(xs[i])), 1e-6);
  check(exp_ok, "exp (2^20 float32)");

  // sort: a permutation of 0..m-1 comes back in order.
  const int m = 1 << 18;
  std::vector<int32_t> perm(m);
  for (int i = 0; i < m; ++i) perm[i] = static_cast<int32_t>((static_cast<int64_t>(i) * 40503) % m);
  array sorted = sort(array(perm.data(), {m}, int32));
  eval({sorted});
  bool sort_ok = true;
  for (int i = 0; i < m; ++i) sort_ok = sort_ok && sorted.data<int32_t>()[i] == i;
  check(sort_ok, "sort (2^18 int32)");

  // matmul through OpenBLAS: (k x k) @ (k x k) against a double-precision loop.
  const int k = 96;
  std::vector<float> a(k * k), b(k * k);
  for (int i = 0; i < k * k; ++i) {
    a[i] = static_cast<float>((i % 17) - 8) * 0.25f;
    b[i] = static_cast<float>((i % 11) - 5) * 0.5f;
  }
  array c = matmul(array(a.data(), {k, k}, float32), array(b.data(), {k, k}, float32));
  eval({c});
  bool mm_ok = true;
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) {
      double want = 0;
      for (int l = 0; l < k; ++l) want += double(a[i * k + l]) * b[l * k + j];
      mm_ok = mm_ok && close(c.data<float>()[i * k + j], want, 1e-5);
    }
  }
  check(mm_ok, "matmul (96 x 96 float32)");

  // A transposing copy of 4-byte elements (the tiled path of the copy kernels).
  const int r = 512, q = 384;
  std::vector<float> g(r * q);
  for (int i = 0; i < r * q; ++i) g[i] = static_cast<float>(i);
  array tt = contiguous(transpose(array(g.data(), {r, q}, float32)));
  eval({tt});
  bool tr_ok = true;
  for (int i = 0; i < q; ++i) {
    for (int j = 0; j < r; ++j) tr_ok = tr_ok && tt.data<float>()[i * r + j] == g[j * q + i];
  }
  check(tr_ok, "transpose copy (512 x 384 float32)");

  // float16 arithmetic: integers below 1024 (exact in float16), added and halved.
  std::vector<float> hs(n);
  for (int i = 0; i < n; ++i) hs[i] = static_cast<float>(i % 1000);
  array h = astype(array(hs.data(), {n}, float32), float16);
  array hh = astype(multiply(add(h, h), array(0.5f, float16)), float32);
  eval({hh});
  bool f16_ok = true;
  for (int i = 0; i < n; i += 1009) f16_ok = f16_ok && hh.data<float>()[i] == hs[i];
  check(f16_ok, "float16 add, multiply, casts (2^20)");

  // float16 exp and sum: values in [0, 1), results within float16's precision.
  const int hn = 1 << 17;
  std::vector<float> us(hn);
  for (int i = 0; i < hn; ++i) us[i] = static_cast<float>(i % 256) / 256.0f;
  array u = astype(array(us.data(), {hn}, float32), float16);
  array eu = astype(exp(u), float32);
  array su = sum(astype(u, float32));
  eval({eu, su});
  bool f16_exp_ok = true;
  double want_su = 0;
  for (int i = 0; i < hn; ++i) want_su += us[i];
  for (int i = 0; i < hn; i += 97) f16_exp_ok = f16_exp_ok && close(eu.data<float>()[i], std::exp(double(us[i])), 1e-3);
  check(f16_exp_ok, "float16 exp (2^17)");
  check(close(su.item<float>(), want_su, 1e-5), "float16 values summed in float32 (2^17)");

  // Float-to-integer casts of NaN, inf and out-of-range values follow NumPy on x86-64 on every
  // platform (docs/differences.md): arm64's converting instructions saturate instead.
  std::vector<float> odd = {NAN, INFINITY, -INFINITY, 3e9f, -2.5f, 300.0f};
  array odd_a(odd.data(), {6}, float32);
  array as32 = astype(odd_a, int32);
  array as8 = astype(odd_a, int8);
  eval({as32, as8});
  const int32_t* c32 = as32.data<int32_t>();
  const int8_t* c8 = as8.data<int8_t>();
  const int32_t imin = INT32_MIN;
  check(c32[0] == imin && c32[1] == imin && c32[2] == imin && c32[3] == imin && c32[4] == -2 && c32[5] == 300,
        "float32 -> int32 casts of nan, inf, 3e9");
  check(c8[0] == 0 && c8[1] == 0 && c8[2] == 0 && c8[4] == -2 && c8[5] == 44, "float32 -> int8 casts of nan, inf, 300");

  std::printf("%s\n", failures == 0 ? "smoke test passed" : "smoke test FAILED");
  return failures == 0 ? 0 : 1;
}
