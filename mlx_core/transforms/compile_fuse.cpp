#include "mlx_core/transforms/compile_fuse.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "mlx_core/primitives/compiled.h"
#include "mlx_core/primitives/copy.h"
#include "mlx_core/primitives/reduce.h"
#include "mlx_core/primitives/shape.h"
#include "mlx_core/primitives/softmax.h"
#include "mlx_core/transforms/tape.h"

namespace mlx::core {

namespace {

bool fusable_dtype(Dtype d) { return in_set(kFusedDtypes, d); }

bool is_integral_signed(Dtype d) { return d == int8 || d == int16 || d == int32 || d == int64; }

// The step a node computes, if it is an element-wise node the interpreter can run.
bool as_step(const array& node, FusedStep& step) {
  if (!node.has_primitive() || node.outputs().size() != 1) return false;
  const Primitive& p = node.primitive();
  if (p.stream().device.type != Device::cpu || !fusable_dtype(node.dtype())) return false;
  const auto& in = node.inputs();
  if (auto* u = dynamic_cast<const Unary*>(&p)) {
    step.kind = FusedStep::Kind::unary;
    step.op = static_cast<int>(u->op());
    step.in = in[0].dtype();
  } else if (auto* b = dynamic_cast<const Binary*>(&p)) {
    // Integer floor_divide checks its whole input for INT_MIN // -1 first: left unfused.
    if (b->op() == BinaryOp::FloorDivide && is_integral_signed(in[0].dtype())) return false;
    step.kind = FusedStep::Kind::binary;
    step.op = static_cast<int>(b->op());
    step.in = in[0].dtype();
  } else if (dynamic_cast<const Select*>(&p)) {
    step.kind = FusedStep::Kind::select;
    step.in = in[1].dtype();
  } else if (dynamic_cast<const AsType*>(&p)) {
    step.kind = FusedStep::Kind::cast;
    step.in = in[0].dtype();
  } else {
    return false;
  }
  step.out = node.dtype();
  return fusable_dtype(step.in);
}

// Rows longer than this are not fused with their reduction (a row is computed whole into a
// buffer before the epilogue runs on it).
constexpr int64_t kMaxEpilogueRow = int64_t(1) << 20;

// The epilogue that `consumer` (the only user of a chain's result `root`) can become: a
// reduction of the last axis, softmax or logsumexp (which work on the last axis).
FusedEpilogue epilogue_of(const array& root, const array& consumer) {
  FusedEpilogue e;
  if (root.ndim() < 1 || root.size() == 0 || root.shape().back() > kMaxEpilogueRow) return e;
  if (!consumer.has_primitive() || consumer.inputs().size() != 1 || consumer.outputs().size() != 1) return e;
  const Primitive& p = consumer.primitive();
  if (p.stream().device.type != Device::cpu) return e;
  if (auto* r = dynamic_cast<const Reduce*>(&p)) {
    if (r->axes() != std::vector<int>{root.ndim() - 1}) return e;
    e.kind = FusedEpilogue::Kind::reduce;
    e.reduce_type = static_cast<int>(r->type());
  } else if (auto* sm = dynamic_cast<const Softmax*>(&p)) {
    e.kind = FusedEpilogue::Kind::softmax;
    e.precise = sm->precise();
  } else if (dynamic_cast<const LogSumExp*>(&p)) {
    e.kind = FusedEpilogue::Kind::logsumexp;
  }
  e.out = consumer.dtype();
  return e;
}

} // namespace

bool is_broadcast(const array& a) {
  return a.has_primitive() && dynamic_cast<const Broadcast*>(&a.primitive()) != nullptr;
}

void fuse_elementwise(CompiledGraph& g) {
  std::unordered_map<uintptr_t, int> uses; // by tape nodes, one per input slot
  std::unordered_map<uintptr_t, array> consumer; // a (the last) tape node using each array
  std::unordered_map<uintptr_t, size_t> position;
  std::unordered_set<uintptr_t> outputs;
  for (size_t t = 0; t < g.tape.size(); ++t) {
    position.emplace(g.tape[t].id(), t);
    for (auto& in : g.tape[t].inputs()) {
      ++uses[in.id()];
      consumer.insert_or_assign(in.id(), g.tape[t]);
    }
  }
  for (auto& o : g.outputs) outputs.insert(o.id());

  std::unordered_set<uintptr_t> taken;
  std::unordered_map<uintptr_t, array> replaced; // group root -> its Compiled node
  std::vector<array> fused; // every output of every Compiled node made
  int groups = 0;
  FusedStep step;
  for (size_t t = g.tape.size(); t-- > 0;) {
    const array& root = g.tape[t];
    if (taken.count(root.id()) || !as_step(root, step)) continue;
    // Grow the group towards the inputs: a node joins once every use of it by the graph is in
    // the group (a result of the compiled function may join: it becomes an extra output).
    std::vector<array> members{root};
    std::unordered_set<uintptr_t> ids{root.id()};
    std::unordered_map<uintptr_t, int> group_uses;
    for (auto& in : root.inputs()) ++group_uses[in.id()];
    for (bool grew = true; grew;) {
      grew = false;
      for (size_t m = 0; m < members.size(); ++m) {
        for (const array& v : std::vector<array>(members[m].inputs())) {
          if (ids.count(v.id()) || !position.count(v.id()) || taken.count(v.id())) continue;
          if (v.shape() != root.shape() || group_uses[v.id()] != uses[v.id()] || !as_step(v, step)) continue;
          members.push_back(v);
          ids.insert(v.id());
          for (auto& in : v.inputs()) ++group_uses[in.id()];
          grew = true;
        }
      }
    }
    bool extra_outputs = false;
    for (size_t m = 1; m < members.size(); ++m) extra_outputs |= outputs.count(members[m].id()) > 0;
    FusedEpilogue epilogue;
    if (uses[root.id()] == 1 && !outputs.count(root.id()) && !extra_outputs) {
      epilogue = epilogue_of(root, consumer.at(root.id()));
    }
    if (members.size() < 2 && epilogue.kind == FusedEpilogue::Kind::none) continue;
    std::sort(members.begin(), members.end(),
              [&](const array& a, const array& b) { return position[a.id()] < position[b.id()]; });

    // The program: external inputs (broadcasts replaced by their sources), then the steps.
    std::vector<array> sources;
    std::unordered_map<uintptr_t, int> value; // array id -> value id
    for (auto& m : members) {
      for (auto& v : m.inputs()) {
        if (ids.count(v.id()) || value.count(v.id())) continue;
        const array& src = is_broadcast(v) ? v.inputs()[0] : v;
        auto known = value.find(src.id());
        int vid = known != value.end() ? known->second : static_cast<int>(sources.size());
        if (known == value.end()) {
          sources.push_back(src);
          value.emplace(src.id(), vid);
        }
        value.emplace(v.id(), vid);
      }
    }
    FusedProgram prog;
    prog.n_inputs = static_cast<int>(sources.size());
    for (auto& m : members) {
      as_step(m, step);
      std::fill(std::begin(step.args), std::end(step.args), -1);
      for (size_t k = 0; k < m.inputs().size(); ++k) step.args[k] = value.at(m.inputs()[k].id());
      value.emplace(m.id(), prog.n_inputs + static_cast<int>(prog.steps.size()));
      prog.steps.push_back(step);
    }
    // Results: the root (or, with an epilogue, the consumer it stands for), then the
    // members that are results of the compiled function.
    const array& last = epilogue.kind == FusedEpilogue::Kind::none ? root : consumer.at(root.id());
    std::vector<array> results{last};
    prog.outputs.push_back(value.at(root.id()));
    for (auto& m : members) {
      if (!m.is_same(root) && outputs.count(m.id())) {
        results.push_back(m);
        prog.outputs.push_back(value.at(m.id()));
      }
    }
    prog.epilogue = epilogue;
    for (auto& m : members) taken.insert(m.id());
    taken.insert(last.id());
    auto prim = std::make_shared<Compiled>(root.primitive().stream(), std::move(prog));
    std::vector<array> made;
    if (results.size() == 1) {
      made.push_back(array(last.shape(), last.dtype(), prim, std::move(sources)));
    } else {
      std::vector<Shape> shapes;
      std::vector<Dtype> dtypes;
      for (auto& r : results) {
        shapes.push_back(r.shape());
        dtypes.push_back(r.dtype());
      }
      made = array::make_arrays(std::move(shapes), dtypes, prim, sources);
    }
    for (size_t k = 0; k < results.size(); ++k) replaced.emplace(results[k].id(), made[k]);
    // Every output keeps its own copy of the inputs: each is updated below.
    for (auto& m : made) fused.push_back(m);
    ++groups;
  }
  if (fused.empty()) return;

  // Point every use of a group's root at its Compiled node, then walk the graph again.
  auto substitute = [&](std::vector<array>& list) {
    for (auto& a : list) {
      auto it = replaced.find(a.id());
      if (it != replaced.end()) a = it->second;
    }
  };
  for (auto& n : g.tape) substitute(n.inputs());
  for (auto& n : fused) substitute(n.inputs());
  substitute(g.outputs);
  g.tape = detail::dependent_tape(g.outputs, g.inputs);
  g.fused_nodes = groups;
}

} // namespace mlx::core
