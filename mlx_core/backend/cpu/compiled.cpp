// Kernel of the Compiled primitive: an interpreter of fused element-wise programs.
//
// The output is cut into tiles of kTile elements (in row-major order). For each tile, every
// input is a pointer: into the input itself where it is laid out as the output, to a splat
// of its one value (broadcast scalars, filled once per chunk), or to a small buffer it is
// gathered into (other broadcasts and strided views). Each step then runs its op's vector
// loop over the tile, from operand tiles to a register tile; the last step writes into the
// output. Registers are tiles in a per-thread scratch area that stays in cache, so the
// chain's intermediates never reach memory. Chunks of tiles are shared over the thread pool.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "mlx_core/backend/cpu/compiled_steps.h"
#include "mlx_core/backend/cpu/encoder.h"
#include "mlx_core/backend/cpu/kernels.h"
#include "mlx_core/backend/cpu/parallel.h"
#include "mlx_core/primitives/compiled.h"

namespace mlx::core {

namespace {

std::atomic<int64_t> g_fused_runs{0};

constexpr int64_t kTile = 1024;     // elements per tile
constexpr int64_t kSlot = kTile * 8; // bytes per register (the widest element is 8 bytes)

// How an input is read, after the dims of all operands are collapsed together.
enum class Access { direct, splat, gather };

struct Operand {
  const char* base;
  int64_t itemsize;
  Access access;
  std::vector<int64_t> strides; // per collapsed dim, in elements (broadcast dims 0)
};

// The plan of one evaluation: collapsed output shape, the operands, registers.
struct Plan {
  std::vector<int64_t> shape; // collapsed output shape (at least one dim)
  std::vector<Operand> operands;
  std::vector<cpu::StepFn> fns;
  std::vector<int> reg; // register of each step (-1: the output)
  int n_regs = 0;
  int n_buffers = 0;    // splat and gather buffers
  std::vector<int> buffer_of; // per operand, its buffer index (or -1)
};

// Broadcast strides of every input to `shape`, then adjacent dims merged where every
// operand (and the row-major output) allows; size-1 dims dropped.
void collapse(const std::vector<array>& inputs, const Shape& shape, Plan& plan) {
  int nd = static_cast<int>(shape.size());
  size_t nin = inputs.size();
  std::vector<std::vector<int64_t>> st(nin, std::vector<int64_t>(nd, 0));
  for (size_t i = 0; i < nin; ++i) {
    const array& in = inputs[i];
    int off = nd - in.ndim();
    for (int d = off; d < nd; ++d) {
      st[i][d] = in.shape()[d - off] == 1 ? 0 : in.strides()[d - off];
    }
  }
  std::vector<int64_t> cshape;
  std::vector<std::vector<int64_t>> cst(nin);
  for (int d = 0; d < nd; ++d) {
    if (shape[d] == 1) continue;
    bool merge = !cshape.empty();
    for (size_t i = 0; merge && i < nin; ++i) merge = cst[i].back() == st[i][d] * shape[d];
    if (merge) {
      cshape.back() *= shape[d];
      for (size_t i = 0; i < nin; ++i) cst[i].back() = st[i][d];
    } else {
      cshape.push_back(shape[d]);
      for (size_t i = 0; i < nin; ++i) cst[i].push_back(st[i][d]);
    }
  }
  if (cshape.empty()) {
    cshape.push_back(1);
    for (auto& s : cst) s.push_back(0);
  }
  plan.shape = cshape;
  for (size_t i = 0; i < nin; ++i) {
    Operand op{static_cast<const char*>(inputs[i].raw_data()), static_cast<int64_t>(inputs[i].itemsize()),
               Access::gather, std::move(cst[i])};
    bool zero = true, row = true;
    int64_t expect = 1;
    for (int d = static_cast<int>(cshape.size()) - 1; d >= 0; --d) {
      zero = zero && (op.strides[d] == 0 || cshape[d] == 1);
      row = row && (op.strides[d] == expect || cshape[d] == 1);
      expect *= cshape[d];
    }
    op.access = row ? Access::direct : zero ? Access::splat : Access::gather;
    plan.operands.push_back(std::move(op));
  }
}

// Registers for the steps: a step's register is freed after its last use (and only after
// the step that last uses it has its own register, so no step writes over its operands).
void assign_registers(const FusedProgram& p, Plan& plan) {
  int nin = p.n_inputs;
  int n = static_cast<int>(p.steps.size());
  std::vector<int> last(n, -1);
  for (int s = 0; s < n; ++s) {
    for (int a : p.steps[s].args) {
      if (a >= nin) last[a - nin] = s;
    }
  }
  plan.reg.assign(n, -1);
  std::vector<int> free_regs;
  for (int s = 0; s < n; ++s) {
    if (nin + s != p.output) {
      if (free_regs.empty()) {
        plan.reg[s] = plan.n_regs++;
      } else {
        plan.reg[s] = free_regs.back();
        free_regs.pop_back();
      }
    }
    for (int a : p.steps[s].args) {
      if (a >= nin && last[a - nin] == s && plan.reg[a - nin] >= 0) {
        // each register once, even when a step reads the same value twice
        if (std::find(free_regs.begin(), free_regs.end(), plan.reg[a - nin]) == free_regs.end()) {
          free_regs.push_back(plan.reg[a - nin]);
        }
      }
    }
  }
}

// Copies the len elements of operand `op` from output position k on into buf.
void gather(const Operand& op, const std::vector<int64_t>& shape, int64_t k, int64_t len, char* buf) {
  int nd = static_cast<int>(shape.size());
  int64_t idx[16];
  std::vector<int64_t> big;
  int64_t* ix = idx;
  if (nd > 16) {
    big.resize(nd);
    ix = big.data();
  }
  int64_t off = 0, rem = k;
  for (int d = nd - 1; d >= 0; --d) {
    ix[d] = rem % shape[d];
    rem /= shape[d];
    off += ix[d] * op.strides[d];
  }
  int64_t inner = op.strides[nd - 1], n_inner = shape[nd - 1];
  int64_t e = 0;
  auto copy_run = [&](auto tag) {
    using U = decltype(tag);
    const U* src = reinterpret_cast<const U*>(op.base);
    U* dst = reinterpret_cast<U*>(buf);
    while (e < len) {
      int64_t run = std::min(n_inner - ix[nd - 1], len - e);
      const U* s = src + off;
      for (int64_t t = 0; t < run; ++t) dst[e + t] = s[t * inner];
      e += run;
      off += run * inner;
      ix[nd - 1] += run;
      for (int d = nd - 1; d > 0 && ix[d] == shape[d]; --d) {
        off -= ix[d] * op.strides[d];
        ix[d] = 0;
        ++ix[d - 1];
        off += op.strides[d - 1];
      }
    }
  };
  switch (op.itemsize) {
    case 1: copy_run(uint8_t{}); break;
    case 2: copy_run(uint16_t{}); break;
    case 4: copy_run(uint32_t{}); break;
    default: copy_run(uint64_t{}); break;
  }
}

void fill_splat(const Operand& op, char* buf) {
  for (int64_t e = 0; e < kTile; ++e) std::memcpy(buf + e * op.itemsize, op.base, op.itemsize);
}

// Runs the program over output elements [lo, hi).
void run_chunk(const FusedProgram& p, const Plan& plan, char* out, int64_t out_itemsize, int64_t lo, int64_t hi) {
  thread_local std::vector<char> scratch;
  size_t need = static_cast<size_t>(plan.n_regs + plan.n_buffers) * kSlot + 64;
  if (scratch.size() < need) scratch.resize(need);
  char* base = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
  char* regs = base;
  char* bufs = base + static_cast<size_t>(plan.n_regs) * kSlot;
  int nin = p.n_inputs;
  std::vector<const void*> val(nin + p.steps.size());
  for (int i = 0; i < nin; ++i) {
    if (plan.operands[i].access == Access::splat) fill_splat(plan.operands[i], bufs + plan.buffer_of[i] * kSlot);
  }
  for (int64_t k = lo; k < hi; k += kTile) {
    int64_t len = std::min(kTile, hi - k);
    for (int i = 0; i < nin; ++i) {
      const Operand& op = plan.operands[i];
      switch (op.access) {
        case Access::direct: val[i] = op.base + k * op.itemsize; break;
        case Access::splat: val[i] = bufs + plan.buffer_of[i] * kSlot; break;
        case Access::gather: {
          char* buf = bufs + plan.buffer_of[i] * kSlot;
          gather(op, plan.shape, k, len, buf);
          val[i] = buf;
          break;
        }
      }
    }
    for (size_t s = 0; s < p.steps.size(); ++s) {
      const FusedStep& st = p.steps[s];
      void* dst = plan.reg[s] < 0 ? out + k * out_itemsize : regs + plan.reg[s] * kSlot;
      const void* a = st.args[0] >= 0 ? val[st.args[0]] : nullptr;
      const void* b = st.args[1] >= 0 ? val[st.args[1]] : nullptr;
      const void* c = st.args[2] >= 0 ? val[st.args[2]] : nullptr;
      plan.fns[s](a, b, c, dst, len);
      val[nin + s] = dst;
    }
  }
}

} // namespace

int64_t fused_kernel_count() { return g_fused_runs.load(std::memory_order_relaxed); }

void Compiled::eval_cpu(const std::vector<array>& inputs, array& out) {
  g_fused_runs.fetch_add(1, std::memory_order_relaxed);
  bool donated = false;
  for (auto& in : inputs) {
    if (in.dtype() == out.dtype() && in.shape() == out.shape() && cpu::can_donate(in, out)) {
      out.copy_shared_buffer(in);
      donated = true;
      break;
    }
  }
  if (!donated) cpu::allocate_output(out);
  if (out.size() == 0) return;
  auto plan = std::make_shared<Plan>();
  for (auto& s : program_.steps) {
    cpu::StepFn fn = cpu::fused_step(s);
    if (!fn) throw std::runtime_error("[Compiled] No fused loop for a step of this program.");
    plan->fns.push_back(fn);
  }
  cpu::get_command_encoder(stream()).dispatch([inputs, out, plan, program = program_]() mutable {
    collapse(inputs, out.shape(), *plan);
    assign_registers(program, *plan);
    plan->buffer_of.assign(inputs.size(), -1);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (plan->operands[i].access != Access::direct) plan->buffer_of[i] = plan->n_buffers++;
    }
    char* po = static_cast<char*>(out.raw_data());
    int64_t isz = static_cast<int64_t>(out.itemsize());
    cpu::parallel_for(static_cast<int64_t>(out.size()), [&](int64_t lo, int64_t hi) {
      run_chunk(program, *plan, po, isz, lo, hi);
    });
  });
}

} // namespace mlx::core
