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
#include "mlx_core/backend/cpu/row_kernels.h"
#include "mlx_core/ops/shape.h"
#include "mlx_core/primitives/compiled.h"

namespace mlx::core {

namespace {

std::atomic<int64_t> g_fused_runs{0};

constexpr int64_t kTile = cpu::kFusedBlock; // elements per tile
constexpr int64_t kSlot = kTile * 8;        // bytes per register (the widest element is 8 bytes)

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
  std::vector<cpu::StepLoops> fns;
  std::vector<int> scalar_side; // per step: -1, or which operand is read as one scalar
  std::vector<int> reg; // register of each step (-1 - k: output k)
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

// Registers for the steps. A step writes over the register of an operand it reads for
// the last time when the elements have one size (the loops read element i before writing
// it); otherwise it takes a free register, and its dying operands' registers are freed
// after it (so no step writes over an operand of another element size).
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
    const FusedStep& st = p.steps[s];
    auto dying = [&](int a) { return a >= nin && last[a - nin] == s && plan.reg[a - nin] >= 0; };
    int reuse = -1;
    for (int a : st.args) {
      if (reuse < 0 && dying(a) && p.steps[a - nin].out.size == st.out.size) reuse = plan.reg[a - nin];
    }
    auto out = std::find(p.outputs.begin(), p.outputs.end(), nin + s);
    if (out != p.outputs.end()) {
      plan.reg[s] = -1 - static_cast<int>(out - p.outputs.begin()); // written into the output
      reuse = -1;
    } else if (reuse >= 0) {
      plan.reg[s] = reuse;
    } else if (free_regs.empty()) {
      plan.reg[s] = plan.n_regs++;
    } else {
      plan.reg[s] = free_regs.back();
      free_regs.pop_back();
    }
    for (int a : st.args) {
      int r = dying(a) ? plan.reg[a - nin] : -1;
      if (r >= 0 && r != reuse && std::find(free_regs.begin(), free_regs.end(), r) == free_regs.end()) {
        free_regs.push_back(r);
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
  auto fill = [&](auto tag) {
    using U = decltype(tag);
    U v;
    std::memcpy(&v, op.base, sizeof(U));
    std::fill_n(reinterpret_cast<U*>(buf), kTile, v);
  };
  switch (op.itemsize) {
    case 1: fill(uint8_t{}); break;
    case 2: fill(uint16_t{}); break;
    case 4: fill(uint32_t{}); break;
    default: fill(uint64_t{}); break;
  }
}

// Binary steps with one broadcast-scalar operand read it as a scalar (no splat tile); the
// other splat operands get a tile buffer, as do gathered ones.
void choose_loops(const FusedProgram& p, Plan& plan) {
  int nin = p.n_inputs;
  auto splat = [&](int v) { return v >= 0 && v < nin && plan.operands[v].access == Access::splat; };
  std::vector<bool> needs_buffer(nin, false);
  plan.scalar_side.assign(p.steps.size(), -1);
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const FusedStep& st = p.steps[s];
    if (st.kind == FusedStep::Kind::binary && splat(st.args[0]) != splat(st.args[1])) {
      int side = splat(st.args[1]) ? 1 : 0;
      plan.scalar_side[s] = side;
      plan.fns[s] = cpu::fused_binary_scalar_step(static_cast<BinaryOp>(st.op), st.in, side);
      if (!plan.fns[s]) throw std::runtime_error("[Compiled] No fused loop for a step of this program.");
      continue;
    }
    for (int a : st.args) {
      if (a >= 0 && a < nin) needs_buffer[a] = true;
    }
  }
  plan.buffer_of.assign(nin, -1);
  for (int i = 0; i < nin; ++i) {
    bool buffered = plan.operands[i].access == Access::gather || (splat(i) && needs_buffer[i]);
    if (buffered) plan.buffer_of[i] = plan.n_buffers++;
  }
}

// Where the results go: element k of result j at ptr[j] + (k - origin) * itemsize[j].
struct Sinks {
  std::vector<char*> ptr;
  std::vector<int64_t> itemsize;
  int64_t origin = 0;
};

// Runs the program over the elements [lo, hi) of the chain's results.
void run_chunk(const FusedProgram& p, const Plan& plan, const Sinks& sinks, int64_t lo, int64_t hi) {
  thread_local std::vector<char> scratch;
  size_t need = static_cast<size_t>(plan.n_regs + plan.n_buffers) * kSlot + 64;
  if (scratch.size() < need) scratch.resize(need);
  char* base = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
  char* regs = base;
  char* bufs = base + static_cast<size_t>(plan.n_regs) * kSlot;
  int nin = p.n_inputs;
  std::vector<const void*> val(nin + p.steps.size());
  for (int i = 0; i < nin; ++i) {
    if (plan.operands[i].access == Access::splat && plan.buffer_of[i] >= 0) {
      fill_splat(plan.operands[i], bufs + plan.buffer_of[i] * kSlot);
    }
  }
  for (int64_t k = lo; k < hi; k += kTile) {
    int64_t len = std::min(kTile, hi - k);
    for (int i = 0; i < nin; ++i) {
      const Operand& op = plan.operands[i];
      switch (op.access) {
        case Access::direct: val[i] = op.base + k * op.itemsize; break;
        case Access::splat:
          val[i] = plan.buffer_of[i] >= 0 ? bufs + plan.buffer_of[i] * kSlot : op.base;
          break;
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
      int r = plan.reg[s];
      void* dst = r >= 0 ? regs + r * kSlot : sinks.ptr[-1 - r] + (k - sinks.origin) * sinks.itemsize[-1 - r];
      // A scalar operand's val is its element itself (see choose_loops).
      const void* a = st.args[0] >= 0 ? val[st.args[0]] : nullptr;
      const void* b = st.args[1] >= 0 ? val[st.args[1]] : nullptr;
      if (plan.scalar_side[s] == 0) a = plan.operands[st.args[0]].base;
      if (plan.scalar_side[s] == 1) b = plan.operands[st.args[1]].base;
      const void* c = st.args[2] >= 0 ? val[st.args[2]] : nullptr;
      (len == kTile ? plan.fns[s].block : plan.fns[s].tail)(a, b, c, dst, len);
      val[nin + s] = dst;
    }
  }
}

// Rows of the chain's result computed at a time before the epilogue runs on them (about
// this many elements: the block stays in cache).
constexpr int64_t kEpilogueElems = 16384;

std::shared_ptr<Plan> make_plan(const FusedProgram& program) {
  auto plan = std::make_shared<Plan>();
  for (auto& s : program.steps) {
    cpu::StepLoops fn = cpu::fused_step(s);
    if (!fn) throw std::runtime_error("[Compiled] No fused loop for a step of this program.");
    plan->fns.push_back(fn);
  }
  return plan;
}

} // namespace

int64_t fused_kernel_count() { return g_fused_runs.load(std::memory_order_relaxed); }

// The chain with an epilogue: blocks of whole rows of the chain's result are computed into a
// per-thread buffer, then the epilogue's own kernel (the unfused primitive's) runs on the
// block, so each row gets exactly what the unfused ops compute, without the chain's result
// reaching memory.
void Compiled::eval_with_epilogue(const std::vector<array>& inputs, array& out) {
  cpu::allocate_output(out);
  Shape shape;
  for (size_t i = 0; i < inputs.size(); ++i) shape = i == 0 ? inputs[i].shape() : broadcast_shapes(shape, inputs[i].shape());
  if (out.size() == 0) return;
  auto plan = make_plan(program_);
  auto prim = epilogue_primitive(2);
  cpu::get_command_encoder(stream()).dispatch([inputs, out, plan, prim, shape, program = program_]() mutable {
    collapse(inputs, shape, *plan);
    assign_registers(program, *plan);
    choose_loops(program, *plan);
    int64_t len = shape.empty() ? 1 : shape.back();
    int64_t rows = static_cast<int64_t>(shape_size(shape)) / std::max<int64_t>(len, 1);
    if (len == 0) rows = static_cast<int64_t>(out.size());
    int64_t block = std::max<int64_t>(1, kEpilogueElems / std::max<int64_t>(len, 1));
    bool per_element = program.epilogue.kind == FusedEpilogue::Kind::softmax;
    int64_t out_row = per_element ? len : 1;
    Dtype cd = program.chain_dtype();
    int64_t csz = cd.size, osz = static_cast<int64_t>(out.itemsize());
    char* po = static_cast<char*>(out.raw_data());
    cpu::parallel_for(rows, [&](int64_t lo, int64_t hi) {
      thread_local std::vector<char> buf;
      for (int64_t r0 = lo; r0 < hi; r0 += block) {
        int64_t n = std::min(hi, r0 + block) - r0;
        size_t bytes = static_cast<size_t>(n * len * csz);
        if (buf.size() < bytes + 64) buf.resize(bytes + 64);
        char* tp = buf.data() + (64 - reinterpret_cast<uintptr_t>(buf.data()) % 64) % 64;
        if (len > 0) run_chunk(program, *plan, Sinks{{tp}, {csz}, r0 * len}, r0 * len, (r0 + n) * len);
        char* dst = po + r0 * out_row * osz;
        if (program.epilogue.kind == FusedEpilogue::Kind::softmax) {
          cpu::softmax_rows(cd, tp, dst, n, len);
          continue;
        }
        if (program.epilogue.kind == FusedEpilogue::Kind::logsumexp) {
          cpu::logsumexp_rows(cd, tp, dst, n, len);
          continue;
        }
        // Reductions run through their primitive (whose kernel picks the loop per dtype).
        array tmp(std::make_shared<Data>(tp, bytes, [] {}), Shape{static_cast<ShapeElem>(n), static_cast<ShapeElem>(len)},
                  Strides{len, 1}, cd, 0);
        std::vector<array> res{array(Shape{static_cast<ShapeElem>(n), static_cast<ShapeElem>(out_row)}, out.dtype(), prim, {tmp})};
        prim->eval_cpu({tmp}, res);
        std::memcpy(dst, res[0].raw_data(), static_cast<size_t>(n * out_row * osz));
      }
    }, std::max<int64_t>(1, cpu::parallel_threshold / 2 / std::max<int64_t>(len, 1)));
  });
}

void Compiled::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  g_fused_runs.fetch_add(1, std::memory_order_relaxed);
  if (program_.epilogue.kind != FusedEpilogue::Kind::none) return eval_with_epilogue(inputs, outputs[0]);
  // The first output (the chain's last step, written after every other read of its block)
  // may take an input's buffer.
  array& out = outputs[0];
  for (size_t k = 1; k < outputs.size(); ++k) cpu::allocate_output(outputs[k]);
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
  auto plan = make_plan(program_);
  cpu::get_command_encoder(stream()).dispatch([inputs, outputs, plan, program = program_]() mutable {
    collapse(inputs, outputs[0].shape(), *plan);
    assign_registers(program, *plan);
    choose_loops(program, *plan);
    Sinks sinks;
    for (auto& o : outputs) {
      sinks.ptr.push_back(static_cast<char*>(o.raw_data()));
      sinks.itemsize.push_back(static_cast<int64_t>(o.itemsize()));
    }
    cpu::parallel_for(static_cast<int64_t>(outputs[0].size()), [&](int64_t lo, int64_t hi) {
      run_chunk(program, *plan, sinks, lo, hi);
    });
  });
}

} // namespace mlx::core
