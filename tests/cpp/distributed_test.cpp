// The collectives over groups of more than one process, and a check that the backend
// interface (mlx_core/distributed/group.h, GroupImpl) is enough to carry them: a test-only
// backend runs each rank of a group as a thread of this program, exchanging buffers through
// shared memory, and every rank checks the values, shapes, errors and transform rules of
// mx.distributed against what the ranks' inputs give. Built and run by
// tests/test_distributed_threads.py; exits 0 and prints "ok" when every check passes.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/distributed/ops.h"
#include "mlx_core/mlx.h"
#include "mlx_core/ops/math.h"
#include "mlx_core/transforms/autodiff.h"
#include "mlx_core/transforms/vmap.h"

using namespace mlx::core;
namespace dist = mlx::core::distributed;

namespace {

// ---- a backend whose ranks are threads ------------------------------------------------

struct Hub {
  explicit Hub(int n) : n(n), staged(n) {}
  int n;
  std::mutex m;
  std::condition_variable cv;
  int arrived = 0;
  long generation = 0;
  std::vector<std::vector<char>> staged;  // each rank's input of the current collective
  std::map<std::pair<int, int>, std::deque<std::vector<char>>> mail;  // (src, dst) -> messages

  void barrier() {
    std::unique_lock<std::mutex> lock(m);
    long gen = generation;
    if (++arrived == n) {
      arrived = 0;
      ++generation;
      cv.notify_all();
      return;
    }
    if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return generation != gen; }))
      throw std::runtime_error("barrier timed out (a rank stopped early)");
  }
};

class ThreadGroup : public dist::GroupImpl {
 public:
  ThreadGroup(std::shared_ptr<Hub> hub, int rank) : hub_(std::move(hub)), rank_(rank) {}
  int rank() override { return rank_; }
  int size() override { return hub_->n; }
  const char* backend() const override { return "threads"; }
  std::shared_ptr<dist::GroupImpl> split(int, int) override { throw std::runtime_error("no split"); }

  void all_sum(const array& in, array& out, const Stream&) override {
    reduce(in, out, [](auto a, auto b) { return a + b; });
  }
  void all_max(const array& in, array& out, const Stream&) override {
    reduce(in, out, [](auto a, auto b) { return a < b ? b : a; });
  }
  void all_min(const array& in, array& out, const Stream&) override {
    reduce(in, out, [](auto a, auto b) { return b < a ? b : a; });
  }
  void all_gather(const array& in, array& out, const Stream&) override {
    stage(in);
    size_t nb = in.nbytes();
    check(out.nbytes() == nb * hub_->n, "all_gather output size");
    for (int q = 0; q < hub_->n; ++q) std::memcpy(static_cast<char*>(out.raw_data()) + q * nb, hub_->staged[q].data(), nb);
    hub_->barrier();
  }
  void sum_scatter(const array& in, array& out, const Stream&) override {
    stage(in);
    size_t m = out.size();
    check(in.size() == m * hub_->n, "sum_scatter output size");
    typed(in.dtype(), [&]<typename T>(T) {
      T* o = out.data<T>();
      for (size_t i = 0; i < m; ++i) {
        T acc = 0;
        for (int q = 0; q < hub_->n; ++q) acc += reinterpret_cast<const T*>(hub_->staged[q].data())[rank_ * m + i];
        o[i] = acc;
      }
    });
    hub_->barrier();
  }
  void send(const array& in, int dst, const Stream&) override {
    std::lock_guard<std::mutex> lock(hub_->m);
    const char* p = static_cast<const char*>(in.raw_data());
    hub_->mail[{rank_, dst}].emplace_back(p, p + in.nbytes());
    hub_->cv.notify_all();
  }
  void recv(array& out, int src, const Stream&) override {
    std::unique_lock<std::mutex> lock(hub_->m);
    auto& box = hub_->mail[{src, rank_}];
    if (!hub_->cv.wait_for(lock, std::chrono::seconds(20), [&] { return !box.empty(); }))
      throw std::runtime_error("recv timed out");
    check(box.front().size() == out.nbytes(), "message size");
    std::memcpy(out.raw_data(), box.front().data(), out.nbytes());
    box.pop_front();
  }

 private:
  static void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("ThreadGroup: bad ") + what);
  }
  // The dtypes this test uses.
  template <typename F>
  static void typed(Dtype d, F&& f) {
    if (d == float32) return f(float{});
    if (d == int32) return f(int32_t{});
    throw std::runtime_error("ThreadGroup: dtype not used by the test");
  }
  // Copies `in` aside first: `out` may be `in`'s own buffer, which the others read.
  void stage(const array& in) {
    const char* p = static_cast<const char*>(in.raw_data());
    hub_->staged[rank_].assign(p, p + in.nbytes());
    hub_->barrier();
  }
  template <typename Op>
  void reduce(const array& in, array& out, Op op) {
    stage(in);
    typed(in.dtype(), [&]<typename T>(T) {
      T* o = out.data<T>();
      for (size_t i = 0; i < in.size(); ++i) {
        T acc = reinterpret_cast<const T*>(hub_->staged[0].data())[i];
        for (int q = 1; q < hub_->n; ++q) acc = op(acc, reinterpret_cast<const T*>(hub_->staged[q].data())[i]);
        o[i] = acc;
      }
    });
    hub_->barrier();
  }

  std::shared_ptr<Hub> hub_;
  int rank_;
};

// ---- checks ---------------------------------------------------------------------------

std::mutex print_mutex;
int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::lock_guard<std::mutex> lock(print_mutex);                           \
      std::printf("FAILED rank %d line %d: %s\n", rank, __LINE__, #cond);      \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

// The values of `a` (any layout, float32 or int32) as doubles, row-major.
std::vector<double> values(array a) {
  a = astype(a, float32);
  a.eval();
  array c = a.flags().row_contiguous ? a : cpu::contiguous_copy(a, float32);
  const float* p = c.data<float>();
  return std::vector<double>(p, p + c.size());
}

array iota(Shape shape, double start = 0) {
  double n = static_cast<double>(shape_size(shape));
  return reshape(arange(start, start + n, 1.0, float32), shape);
}

template <typename F>
bool throws_invalid(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument&) {
    return true;
  } catch (...) {
  }
  return false;
}

void run_rank(dist::Group g) {
  const int rank = g.rank(), n = g.size();
  std::vector<double> base = values(iota({2, 3}));
  array x = add(iota({2, 3}), array(10.0f * rank));

  // Reductions.
  std::vector<double> s = values(dist::all_sum(x, g));
  std::vector<double> mx = values(dist::all_max(x, g));
  std::vector<double> mn = values(dist::all_min(x, g));
  for (int i = 0; i < 6; ++i) {
    CHECK(s[i] == n * base[i] + 10.0 * n * (n - 1) / 2);
    CHECK(mx[i] == base[i] + 10.0 * (n - 1));
    CHECK(mn[i] == base[i]);
  }
  CHECK(values(dist::all_sum(astype(x, int32), g))[5] == n * 5 + 10 * n * (n - 1) / 2);
  // A temporary nothing else holds: reduced in its own buffer.
  CHECK(values(dist::all_sum(multiply(x, array(2.0f)), g))[1] == 2 * (n * 1 + 10.0 * n * (n - 1) / 2));

  // all_gather: rank blocks along axis 0; a scalar gathers into a vector.
  array gat = dist::all_gather(x, g);
  CHECK((gat.shape() == Shape{2 * n, 3}));
  std::vector<double> gv = values(gat);
  for (int q = 0; q < n; ++q)
    for (int i = 0; i < 6; ++i) CHECK(gv[q * 6 + i] == base[i] + 10.0 * q);
  array sg = dist::all_gather(array(float(rank)), g);
  CHECK((sg.shape() == Shape{n}));
  CHECK(values(sg)[n - 1] == n - 1);
  array gt = dist::all_gather(transpose(x), g);  // a non-contiguous input
  CHECK((gt.shape() == Shape{3 * n, 2}));
  CHECK(values(gt)[3 * 2 * (n - 1) + 1] == 3 + 10.0 * (n - 1));
  CHECK(throws_invalid([&] { dist::all_gather(zeros({1 << 30}), g); }));  // 2**31 rows or more

  // sum_scatter: this rank's block of the sum.
  array y = add(iota({2 * n, 3}), array(float(rank)));
  array sc = dist::sum_scatter(y, g);
  CHECK((sc.shape() == Shape{2, 3}));
  std::vector<double> scv = values(sc);
  for (int i = 0; i < 6; ++i) CHECK(scv[i] == n * (rank * 6 + i) + n * (n - 1) / 2.0);
  CHECK(throws_invalid([&] { dist::sum_scatter(ones({2 * n + 1}), g); }));
  CHECK(throws_invalid([&] { dist::sum_scatter(array(1.0f), g); }));

  // send / recv around a ring.
  int dst = (rank + 1) % n, src = (rank + n - 1) % n;
  // (Each send is evaluated before the matching receive: a receive blocks.)
  array sent = dist::send(x, dst, g);
  sent.eval();
  array got = dist::recv({2, 3}, float32, src, g);
  got.eval();
  array sent2 = dist::send(add(x, array(1.0f)), dst, g);
  sent2.eval();
  array got_like = dist::recv_like(x, src, g);
  CHECK(values(sent)[0] == 10.0 * rank);
  CHECK(values(got)[4] == base[4] + 10.0 * src);
  CHECK(values(got_like)[4] == base[4] + 10.0 * src + 1);
  CHECK(throws_invalid([&] { dist::send(x, n, g); }));
  CHECK(throws_invalid([&] { dist::send(x, -1, g); }));
  CHECK(throws_invalid([&] { dist::recv({2}, float32, n, g); }));

  // Reverse mode (a replicated cotangent): all_sum passes it through, all_gather hands each
  // rank its block, sum_scatter gathers the blocks, all_max routes it to the maximum.
  auto vjp1 = [&](std::function<array(const array&)> f, const array& p, const array& cot) {
    return values(vjp([&](const std::vector<array>& a) { return std::vector<array>{f(a[0])}; }, {p}, {cot}).second[0]);
  };
  CHECK(vjp1([&](const array& a) { return dist::all_sum(a, g); }, x, iota({2, 3}, 7))[0] == 7);
  std::vector<double> vg = vjp1([&](const array& a) { return dist::all_gather(a, g); }, x, iota({2 * n, 3}));
  CHECK(vg.size() == 6 && vg[0] == 6.0 * rank && vg[5] == 6.0 * rank + 5);
  std::vector<double> vs = vjp1([&](const array& a) { return dist::sum_scatter(a, g); }, y,
                                add(zeros({2, 3}), array(float(rank + 1))));
  CHECK(vs.size() == size_t(6 * n) && vs[0] == 1 && vs[6 * n - 1] == n);
  array xm = stack({array(float(rank)), array(-float(rank)), array(1.0f)});
  std::vector<double> vm = vjp1([&](const array& a) { return dist::all_max(a, g); }, xm, ones({3}));
  CHECK(vm[0] == (rank == n - 1 ? 1.0 : 0.0));
  CHECK(vm[1] == (rank == 0 ? 1.0 : 0.0));
  CHECK(std::abs(vm[2] - 1.0 / n) < 1e-6);  // a tie: shared
  std::vector<double> vmin = vjp1([&](const array& a) { return dist::all_min(a, g); }, xm, ones({3}));
  CHECK(vmin[0] == (rank == 0 ? 1.0 : 0.0));

  // Forward mode.
  auto jvp1 = [&](std::function<array(const array&)> f, const array& p, const array& t) {
    return values(jvp([&](const std::vector<array>& a) { return std::vector<array>{f(a[0])}; }, {p}, {t}).second[0]);
  };
  std::vector<double> jg = jvp1([&](const array& a) { return dist::all_gather(a, g); }, x,
                                add(zeros({2, 3}), array(float(rank))));
  CHECK(jg.size() == size_t(6 * n) && jg[6 * (n - 1)] == n - 1);
  CHECK(jvp1([&](const array& a) { return dist::all_sum(a, g); }, x, ones({2, 3}))[0] == n);
  std::vector<double> jm = jvp1([&](const array& a) { return dist::all_max(a, g); }, xm,
                                add(zeros({3}), array(float(rank))));
  CHECK(jm[0] == n - 1 && jm[1] == 0 && std::abs(jm[2] - (n - 1) / 2.0) < 1e-6);
  CHECK(jvp1([&](const array& a) { return dist::sum_scatter(a, g); }, y, ones({2 * n, 3}))[0] == n);

  // vmap: examples along axis 0 and along axis 1.
  array b = iota({2, 3}, 100.0 * rank);  // two examples of 3
  auto gather_fn = [&](const std::vector<array>& a) { return std::vector<array>{dist::all_gather(a[0], g)}; };
  array vb = vmap(gather_fn, {0}, {0})({b})[0];
  CHECK((vb.shape() == Shape{2, 3 * n}));
  CHECK(values(vb)[3 * n + 3 * (n - 1)] == 100.0 * (n - 1) + 3);
  array vb1 = vmap(gather_fn, {1}, {0})({transpose(b)})[0];
  CHECK((vb1.shape() == Shape{2, 3 * n}));
  CHECK(values(vb1) == values(vb));
  float pair[2] = {float(rank), 5.0f};
  array vscal = vmap(gather_fn, {0}, {0})({array(pair, {2}, float32)})[0];  // scalars
  CHECK((vscal.shape() == Shape{2, n}));
  CHECK(values(vscal)[n - 1] == n - 1);
  array by = iota({2, 3 * n});
  auto scatter_fn = [&](const std::vector<array>& a) { return std::vector<array>{dist::sum_scatter(a[0], g)}; };
  array vsc = vmap(scatter_fn, {0}, {0})({by})[0];
  CHECK((vsc.shape() == Shape{2, 3}));
  CHECK(values(vsc)[3] == n * (3 * n + 3 * rank));
  CHECK(throws_invalid([&] { vmap(scatter_fn, {0}, {0})({ones({2, 3 * n + 1})}); }));
  auto sum_fn = [&](const std::vector<array>& a) { return std::vector<array>{dist::all_sum(a[0], g)}; };
  CHECK(values(vmap(sum_fn, {1}, {0})({transpose(b)})[0])[4] == n * 4 + 100.0 * n * (n - 1) / 2);
}

} // namespace

int main() {
  for (int n : {2, 3}) {
    auto hub = std::make_shared<Hub>(n);
    std::vector<std::thread> threads;
    std::vector<std::string> errors(n);
    for (int r = 0; r < n; ++r) {
      threads.emplace_back([&, r] {
        try {
          run_rank(dist::Group(std::make_shared<ThreadGroup>(hub, r)));
        } catch (const std::exception& e) {
          errors[r] = e.what();
        }
      });
    }
    for (auto& t : threads) t.join();
    for (int r = 0; r < n; ++r) {
      if (!errors[r].empty()) {
        std::printf("FAILED rank %d of %d: %s\n", r, n, errors[r].c_str());
        ++failures;
      }
    }
  }
  if (failures) return 1;
  std::printf("ok\n");
  return 0;
}
