// export_to_dot: the graph behind some arrays in Graphviz's DOT language.
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "mlx_core/primitives/primitive.h"
#include "mlx_core/transforms/export.h"

namespace mlx::core {

namespace {

// Names arrays A, B, ..., Z, AA, AB, ... in the order they are first asked for; given names
// still use up a letter, so the others keep the letters they would have had.
class Namer {
 public:
  void preset(const array& a, const std::string& name) {
    if (names_.emplace(a.id(), name).second) ++count_;
  }
  const std::string& operator()(const array& a) {
    auto it = names_.find(a.id());
    if (it != names_.end()) return it->second;
    return names_.emplace(a.id(), letters(count_++)).first->second;
  }

 private:
  static std::string letters(uint64_t n) {
    std::string s;
    for (++n; n > 0; n = (n - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
    return s;
  }
  std::unordered_map<uintptr_t, std::string> names_;
  uint64_t count_ = 0;
};

} // namespace

std::string graph_to_dot(const std::vector<array>& outputs, const std::vector<std::pair<std::string, array>>& names) {
  Namer namer;
  for (auto& [name, a] : names) namer.preset(a, name);
  // Arrays consumed by a node of the graph (the others are sinks), found by a first walk.
  std::unordered_set<uintptr_t> consumed, walked;
  std::vector<array> stack(outputs.begin(), outputs.end());
  while (!stack.empty()) {
    array a = stack.back();
    stack.pop_back();
    if (!walked.insert(a.id()).second || !a.has_primitive()) continue;
    for (auto& in : a.inputs()) {
      consumed.insert(in.id());
      stack.push_back(in);
    }
  }
  std::unordered_set<uintptr_t> given;
  for (auto& o : outputs) given.insert(o.id());

  std::ostringstream os;
  os << "digraph {\n";
  std::unordered_set<uintptr_t> done;
  // Post-order walk: a node is written after its inputs.
  std::vector<std::pair<array, size_t>> work;
  for (auto& out : outputs) {
    if (done.count(out.id())) continue;
    work.emplace_back(out, 0);
    while (!work.empty()) {
      auto& [a, next] = work.back();
      if (done.count(a.id())) {
        work.pop_back();
        continue;
      }
      if (!a.has_primitive()) {
        os << "{ rank=source; \"" << namer(a) << "\"; }\n";
        done.insert(a.id());
        work.pop_back();
        continue;
      }
      if (next < a.inputs().size()) {
        array in = a.inputs()[next++];
        if (!done.count(in.id())) work.emplace_back(in, 0);
        continue;
      }
      array node = a;
      work.pop_back();
      auto prim_id = reinterpret_cast<uintptr_t>(&node.primitive());
      os << "{ " << prim_id << " [label =\"" << node.primitive().name() << "\", shape=rectangle]; }\n";
      for (auto& in : node.inputs()) os << "\"" << namer(in) << "\" -> " << prim_id << "\n";
      for (auto& o : node.outputs()) {
        bool sink = given.count(o.id()) || !consumed.count(o.id());
        os << "{ " << (sink ? "rank=sink; " : "") << "\"" << namer(o) << "\"; }\n";
        os << prim_id << " -> \"" << namer(o) << "\"\n";
        done.insert(o.id());
      }
    }
  }
  os << "}\n";
  return os.str();
}

} // namespace mlx::core
