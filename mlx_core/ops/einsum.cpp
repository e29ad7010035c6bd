#include "mlx_core/ops/einsum.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <tuple>
#include <set>
#include <sstream>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/utils.h"

namespace mlx::core {

namespace {

using Idx = std::vector<int>;  // one label per axis; letters by code, ellipsis axes >= 256

struct Parsed {
  std::vector<Idx> inputs;
  Idx output;
  std::map<int, int64_t> sizes;
};

bool is_label(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Splits one operand's subscripts into labels, with -1 standing for an ellipsis.
Idx split_labels(const std::string& term, const char* op) {
  Idx out;
  for (size_t i = 0; i < term.size(); ++i) {
    char c = term[i];
    if (c == '.') {
      if (term.compare(i, 3, "...") != 0) throw std::invalid_argument(msg("[", op, "] Invalid ellipsis in subscripts."));
      if (std::find(out.begin(), out.end(), -1) != out.end()) {
        throw std::invalid_argument(msg("[", op, "] Only one ellipsis is allowed per operand."));
      }
      out.push_back(-1);
      i += 2;
    } else if (is_label(c)) {
      out.push_back(static_cast<unsigned char>(c));
    } else {
      throw std::invalid_argument(msg("[", op, "] Invalid character '", c, "' in subscripts."));
    }
  }
  return out;
}

Parsed parse(const std::string& subscripts_in, const std::vector<array>& ops, const char* op) {
  if (ops.empty()) throw std::invalid_argument(msg("[", op, "] At least one operand is required."));
  std::string subs;
  for (char c : subscripts_in) if (c != ' ') subs += c;
  size_t arrow = subs.find("->");
  std::string lhs = arrow == std::string::npos ? subs : subs.substr(0, arrow);
  std::vector<std::string> terms;
  size_t start = 0;
  while (true) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != ops.size()) {
    throw std::invalid_argument(msg("[", op, "] Number of operands, ", ops.size(),
                                    ", does not match number of input subscripts, ", terms.size()));
  }
  Parsed p;
  int ell = 0;  // the ellipsis' number of axes: the most any operand gives it
  std::vector<Idx> raw;
  for (size_t i = 0; i < terms.size(); ++i) {
    Idx l = split_labels(terms[i], op);
    bool has_ell = std::find(l.begin(), l.end(), -1) != l.end();
    int named = static_cast<int>(l.size()) - (has_ell ? 1 : 0);
    if (named > ops[i].ndim() || (!has_ell && named != ops[i].ndim())) {
      throw std::invalid_argument(msg("[", op, "] Invalid number of subscripts ", named, " for input ", i, " with ",
                                      ops[i].ndim(), " dimensions."));
    }
    if (has_ell) ell = std::max(ell, ops[i].ndim() - named);
    raw.push_back(std::move(l));
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    Idx l;
    int e = ops[i].ndim() - (static_cast<int>(raw[i].size()) - 1);
    for (int v : raw[i]) {
      if (v == -1) {
        for (int j = ell - e; j < ell; ++j) l.push_back(256 + j);  // right-aligned, as broadcasting
      } else {
        l.push_back(v);
      }
    }
    for (size_t ax = 0; ax < l.size(); ++ax) {
      int64_t d = ops[i].shape()[ax];
      auto it = p.sizes.find(l[ax]);
      if (it == p.sizes.end()) {
        p.sizes[l[ax]] = d;
      } else if (it->second == 1) {
        it->second = d;
      } else if (d != 1 && d != it->second) {
        throw std::invalid_argument(msg("[", op, "] Cannot broadcast dimension ", ax, " of input ", i, " with shape ",
                                        shape_str(ops[i].shape()), " to size ", it->second, "."));
      }
    }
    p.inputs.push_back(std::move(l));
  }
  if (arrow != std::string::npos) {
    Idx o = split_labels(subs.substr(arrow + 2), op);
    for (int v : o) {
      if (v == -1) {
        for (int j = 0; j < ell; ++j) p.output.push_back(256 + j);
      } else {
        if (std::find(p.output.begin(), p.output.end(), v) != p.output.end()) {
          throw std::invalid_argument(msg("[", op, "] Repeat indices not allowed in output."));
        }
        if (!p.sizes.count(v)) {
          throw std::invalid_argument(msg("[", op, "] Output subscript '", char(v), "' does not appear in the inputs."));
        }
        p.output.push_back(v);
      }
    }
  } else {
    // Implicit output: the ellipsis, then the labels seen once, in alphabetical order.
    std::map<int, int> count;
    for (auto& l : p.inputs) for (int v : l) if (v < 256) count[v]++;
    for (int j = 0; j < ell; ++j) p.output.push_back(256 + j);
    for (auto [v, c] : count) if (c == 1) p.output.push_back(v);
  }
  return p;
}

// Products of sizes saturate at INT64_MAX (many large labels would overflow the path's
// cost arithmetic otherwise).
int64_t mul_sat(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}

int64_t add_sat(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}

int64_t size_of(const std::set<int>& labels, const std::map<int, int64_t>& sizes) {
  int64_t n = 1;
  for (int v : labels) n = mul_sat(n, sizes.at(v));
  return n;
}

// NumPy's flop count of one contraction over `labels` of `terms` operands.
int64_t flop_count(const std::set<int>& labels, bool inner, int terms, const std::map<int, int64_t>& sizes) {
  int64_t factor = std::max(1, terms - 1) + (inner ? 1 : 0);
  return mul_sat(size_of(labels, sizes), factor);
}

using LabelSet = std::set<int>;

// What contracting the operands at `pos` gives (NumPy's _find_contraction): the labels the
// result keeps, the operand list after it (others in order, result last), the labels summed
// away and all labels involved.
struct Contraction {
  LabelSet result, removed, involved;
  std::vector<LabelSet> remaining;
};

Contraction find_contraction(const std::vector<int>& pos, const std::vector<LabelSet>& ops, const LabelSet& output) {
  Contraction c;
  LabelSet remain = output;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (std::find(pos.begin(), pos.end(), static_cast<int>(i)) != pos.end()) {
      c.involved.insert(ops[i].begin(), ops[i].end());
    } else {
      c.remaining.push_back(ops[i]);
      remain.insert(ops[i].begin(), ops[i].end());
    }
  }
  for (int v : c.involved) (remain.count(v) ? c.result : c.removed).insert(v);
  c.remaining.push_back(c.result);
  return c;
}

struct Candidate {
  int64_t neg_removed, cost;  // sort key: most memory freed, then fewest flops
  std::vector<int> pos;
  std::vector<LabelSet> remaining;
};

// The contraction of the pair as a candidate, unless its result exceeds the memory limit or
// the path would cost more than the naive contraction.
std::optional<Candidate> consider(const std::vector<int>& pos, const std::vector<LabelSet>& ops, const LabelSet& output,
                                  const std::map<int, int64_t>& sizes, int64_t memory_limit, int64_t path_cost,
                                  int64_t naive_cost) {
  Contraction c = find_contraction(pos, ops, output);
  int64_t new_size = size_of(c.result, sizes);
  if (new_size > memory_limit) return std::nullopt;
  int64_t removed = -new_size;
  for (int p : pos) removed = add_sat(removed, size_of(ops[p], sizes));
  int64_t cost = flop_count(c.involved, !c.removed.empty(), static_cast<int>(pos.size()), sizes);
  if (add_sat(path_cost, cost) > naive_cost) return std::nullopt;
  return Candidate{-removed, cost, pos, std::move(c.remaining)};
}

// NumPy's greedy path (einsum_path's optimize="greedy", memory limit = the largest input or
// output), as the reference computes it: each step contracts the candidate pair that frees
// the most memory (then the cheapest; the first found on ties); candidates found earlier are
// kept with their costs and only pairs with the newest intermediate are added. Pairs without
// a shared label are considered only when no other pair of this step's scan qualifies, and
// when none does the remaining operands are contracted in one step.
std::vector<std::vector<int>> greedy_path(const std::vector<Idx>& inputs, const Idx& output_idx,
                                          const std::map<int, int64_t>& sizes) {
  size_t n = inputs.size();
  if (n == 1) return {{0}};
  if (n == 2) return {{0, 1}};
  std::vector<LabelSet> ops;
  int64_t memory_limit = 1;
  for (auto& l : inputs) {
    ops.emplace_back(l.begin(), l.end());
    int64_t sz = 1;
    for (int v : l) sz = mul_sat(sz, sizes.at(v));
    memory_limit = std::max(memory_limit, sz);
  }
  LabelSet output(output_idx.begin(), output_idx.end());
  memory_limit = std::max(memory_limit, size_of(output, sizes));
  std::vector<int> all(n);
  std::iota(all.begin(), all.end(), 0);
  Contraction whole = find_contraction(all, ops, output);
  int64_t naive_cost = flop_count(whole.involved, !whole.removed.empty(), static_cast<int>(n), sizes);

  std::vector<std::vector<int>> pairs, path;
  for (size_t i = 0; i < n; ++i) for (size_t j = i + 1; j < n; ++j) pairs.push_back({int(i), int(j)});
  std::vector<Candidate> known;
  int64_t path_cost = 0;
  for (size_t it = 0; it + 1 < n; ++it) {
    auto shares = [&](const std::vector<int>& p) {
      return std::any_of(ops[p[0]].begin(), ops[p[0]].end(), [&](int v) { return ops[p[1]].count(v) > 0; });
    };
    for (auto& p : pairs) {
      if (!shares(p)) continue;
      if (auto c = consider(p, ops, output, sizes, memory_limit, path_cost, naive_cost)) known.push_back(std::move(*c));
    }
    if (known.empty()) {
      for (auto& p : pairs) {
        if (auto c = consider(p, ops, output, sizes, memory_limit, path_cost, naive_cost)) known.push_back(std::move(*c));
      }
      if (known.empty()) {
        path.push_back(std::vector<int>(ops.size()));
        std::iota(path.back().begin(), path.back().end(), 0);
        break;
      }
    }
    size_t bi = 0;
    for (size_t k = 1; k < known.size(); ++k) {
      if (std::tie(known[k].neg_removed, known[k].cost) < std::tie(known[bi].neg_removed, known[bi].cost)) bi = k;
    }
    Candidate best = known[bi];
    int bx = best.pos[0], by = best.pos[1];
    // Carry the other candidates over to the new operand list.
    std::vector<Candidate> next;
    for (auto& c : known) {
      int x = c.pos[0], y = c.pos[1];
      if (x == bx || x == by || y == bx || y == by) continue;
      c.remaining.erase(c.remaining.begin() + (by - (by > x) - (by > y)));
      c.remaining.erase(c.remaining.begin() + (bx - (bx > x) - (bx > y)));
      c.remaining.insert(c.remaining.end() - 1, best.remaining.back());
      c.pos = {x - (x > bx) - (x > by), y - (y > bx) - (y > by)};
      next.push_back(std::move(c));
    }
    known = std::move(next);
    ops = best.remaining;
    int newest = static_cast<int>(ops.size()) - 1;
    pairs.clear();
    for (int i = 0; i < newest; ++i) pairs.push_back({i, newest});
    path.push_back(best.pos);
    path_cost = add_sat(path_cost, best.cost);
  }
  return path;
}

// Takes the diagonal over repeated labels and sums away labels not in `keep`.
std::pair<array, Idx> reduce_operand(array x, Idx l, const std::set<int>& keep, StreamOrDevice s) {
  for (bool again = true; again;) {
    again = false;
    for (size_t i = 0; i < l.size() && !again; ++i) {
      for (size_t j = i + 1; j < l.size() && !again; ++j) {
        if (l[i] != l[j]) continue;
        if (x.shape()[i] != x.shape()[j]) {
          ShapeElem n = std::max(x.shape()[i], x.shape()[j]);
          Shape target = x.shape();
          target[i] = target[j] = n;
          x = broadcast_to(x, target, s);
        }
        x = diagonal(x, 0, static_cast<int>(i), static_cast<int>(j), s);
        int v = l[i];
        l.erase(l.begin() + j);
        l.erase(l.begin() + i);
        l.push_back(v);
        again = true;
      }
    }
  }
  std::vector<int> axes;
  Idx rest;
  for (size_t i = 0; i < l.size(); ++i) {
    if (keep.count(l[i])) rest.push_back(l[i]);
    else axes.push_back(static_cast<int>(i));
  }
  if (!axes.empty()) x = sum(x, axes, false, s);
  return {x, rest};
}

array permute_reshape(const array& x, const std::vector<int>& perm, const Shape& shape, StreamOrDevice s) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity &= perm[i] == static_cast<int>(i);
  array y = identity ? x : transpose(x, perm, s);
  return y.shape() == shape ? y : reshape(y, shape, s);
}

// Contracts two operands (each already reduced: every label is in the other or kept) into
// one with labels (batch, left-only, right-only), through one batched matmul.
std::pair<array, Idx> contract_pair(array a, const Idx& la, array b, const Idx& lb, const std::set<int>& keep,
                                    StreamOrDevice s) {
  auto pos = [](const Idx& l, int v) { return static_cast<int>(std::find(l.begin(), l.end(), v) - l.begin()); };
  auto has = [&](const Idx& l, int v) { return pos(l, v) < static_cast<int>(l.size()); };
  Idx batch, left, right, inner;
  for (int v : la) {
    if (!has(lb, v)) left.push_back(v);
    else if (keep.count(v)) batch.push_back(v);
    else inner.push_back(v);
  }
  for (int v : lb) if (!has(la, v)) right.push_back(v);
  // A contracted axis of size 1 on one side only: sum the other side over it first.
  for (int v : inner) {
    int ia = pos(la, v), ib = pos(lb, v);
    if (a.shape()[ia] == 1 && b.shape()[ib] != 1) b = sum(b, {ib}, true, s);
    else if (b.shape()[ib] == 1 && a.shape()[ia] != 1) a = sum(a, {ia}, true, s);
  }
  std::vector<int> pa, pb;
  Shape sa, sb, out_shape;
  int64_t nl = 1, nr = 1, nk = 1;
  for (int v : batch) {
    pa.push_back(pos(la, v));
    pb.push_back(pos(lb, v));
    sa.push_back(a.shape()[pa.back()]);
    sb.push_back(b.shape()[pb.back()]);
    out_shape.push_back(std::max(sa.back(), sb.back()));
  }
  for (int v : left) {
    pa.push_back(pos(la, v));
    nl *= a.shape()[pa.back()];
  }
  for (int v : inner) {
    pa.push_back(pos(la, v));
    nk *= a.shape()[pa.back()];
  }
  for (int v : inner) pb.push_back(pos(lb, v));
  for (int v : right) {
    pb.push_back(pos(lb, v));
    nr *= b.shape()[pb.back()];
  }
  sa.push_back(static_cast<ShapeElem>(nl));
  sa.push_back(static_cast<ShapeElem>(nk));
  sb.push_back(static_cast<ShapeElem>(nk));
  sb.push_back(static_cast<ShapeElem>(nr));
  array out = matmul(permute_reshape(a, pa, sa, s), permute_reshape(b, pb, sb, s), s);
  for (int v : left) out_shape.push_back(a.shape()[pos(la, v)]);
  for (int v : right) out_shape.push_back(b.shape()[pos(lb, v)]);
  Idx labels = batch;
  labels.insert(labels.end(), left.begin(), left.end());
  labels.insert(labels.end(), right.begin(), right.end());
  return {out.shape() == out_shape ? out : reshape(out, out_shape, s), labels};
}

} // namespace

std::pair<std::vector<std::vector<int>>, std::string> einsum_path(const std::string& subscripts,
                                                                  const std::vector<array>& operands) {
  Parsed p = parse(subscripts, operands, "einsum_path");
  auto path = greedy_path(p.inputs, p.output, p.sizes);
  std::vector<LabelSet> ops;
  LabelSet all, out(p.output.begin(), p.output.end());
  for (auto& l : p.inputs) {
    ops.emplace_back(l.begin(), l.end());
    all.insert(l.begin(), l.end());
  }
  int64_t naive = flop_count(all, all.size() > out.size(), static_cast<int>(ops.size()), p.sizes);
  int64_t flops = 0;
  size_t scaling = 0;
  for (auto& step : path) {
    Contraction c = find_contraction(step, ops, out);
    flops = add_sat(flops, flop_count(c.involved, !c.removed.empty(), static_cast<int>(step.size()), p.sizes));
    scaling = std::max(scaling, c.involved.size());
    ops = c.remaining;
  }
  std::ostringstream o;
  o << "  Complete contraction:  " << subscripts << "\n"
    << "         Naive scaling:  " << all.size() << "\n"
    << "     Optimized scaling:  " << scaling << "\n"
    << "      Naive FLOP count:  " << naive << "\n"
    << "  Optimized FLOP count:  " << flops << "\n";
  return {path, o.str()};
}

array einsum(const std::string& subscripts, const std::vector<array>& operands, StreamOrDevice s) {
  Parsed p = parse(subscripts, operands, "einsum");
  auto path = greedy_path(p.inputs, p.output, p.sizes);
  std::vector<array> xs = operands;
  std::vector<Idx> ls = p.inputs;
  if (xs.size() > 1) {
    for (auto& step : path) {
      // The step's operands, contracted two at a time in order (a fallback step may name
      // more than two), each pair keeping what the output and every other operand need.
      std::vector<array> gx, rest_x;
      std::vector<Idx> gl, rest_l;
      for (size_t k = 0; k < xs.size(); ++k) {
        if (std::find(step.begin(), step.end(), static_cast<int>(k)) != step.end()) continue;
        rest_x.push_back(xs[k]);
        rest_l.push_back(ls[k]);
      }
      for (int k : step) {
        gx.push_back(xs[k]);
        gl.push_back(ls[k]);
      }
      while (gx.size() > 1) {
        std::set<int> keep(p.output.begin(), p.output.end());
        for (auto& l : rest_l) keep.insert(l.begin(), l.end());
        for (size_t k = 2; k < gl.size(); ++k) keep.insert(gl[k].begin(), gl[k].end());
        std::set<int> ka = keep, kb = keep;
        ka.insert(gl[1].begin(), gl[1].end());
        kb.insert(gl[0].begin(), gl[0].end());
        auto [a, la] = reduce_operand(gx[0], gl[0], ka, s);
        auto [b, lb] = reduce_operand(gx[1], gl[1], kb, s);
        auto [x, lx] = contract_pair(a, la, b, lb, keep, s);
        gx.erase(gx.begin(), gx.begin() + 2);
        gl.erase(gl.begin(), gl.begin() + 2);
        gx.insert(gx.begin(), x);
        gl.insert(gl.begin(), lx);
      }
      rest_x.push_back(gx[0]);
      rest_l.push_back(gl[0]);
      xs = std::move(rest_x);
      ls = std::move(rest_l);
    }
  }
  auto [x, l] = reduce_operand(xs[0], ls[0], std::set<int>(p.output.begin(), p.output.end()), s);
  std::vector<int> perm;
  Shape shape;
  for (int v : p.output) {
    perm.push_back(static_cast<int>(std::find(l.begin(), l.end(), v) - l.begin()));
    shape.push_back(static_cast<ShapeElem>(p.sizes.at(v)));
  }
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity &= perm[i] == static_cast<int>(i);
  if (!identity) x = transpose(x, perm, s);
  return x.shape() == shape ? x : broadcast_to(x, shape, s);
}

} // namespace mlx::core
