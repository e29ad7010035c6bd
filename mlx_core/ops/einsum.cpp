#include "mlx_core/ops/einsum.h"

#include <algorithm>
#include <map>
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

int64_t size_of(const std::set<int>& labels, const std::map<int, int64_t>& sizes) {
  int64_t n = 1;
  for (int v : labels) n *= sizes.at(v);
  return n;
}

// NumPy's flop count of one contraction over `labels` of `terms` operands.
int64_t flop_count(const std::set<int>& labels, bool inner, int terms, const std::map<int, int64_t>& sizes) {
  int64_t factor = std::max(1, terms - 1) + (inner ? 1 : 0);
  return size_of(labels, sizes) * factor;
}

// The labels an intermediate must keep: those in the output or in any other operand.
std::set<int> kept_labels(const std::vector<Idx>& ops, size_t i, size_t j, const Idx& output) {
  std::set<int> keep(output.begin(), output.end());
  for (size_t k = 0; k < ops.size(); ++k) {
    if (k != i && k != j) keep.insert(ops[k].begin(), ops[k].end());
  }
  std::set<int> out;
  for (int v : ops[i]) if (keep.count(v)) out.insert(v);
  if (j != i) for (int v : ops[j]) if (keep.count(v)) out.insert(v);
  return out;
}

struct Path {
  std::vector<std::vector<int>> steps;
  int64_t flops = 0;
  int scaling = 0;
};

// Greedy order: at each step contract the pair (sharing a label where any pair does) whose
// result is smallest relative to its inputs; the first such pair wins ties.
Path greedy_path(std::vector<Idx> ops, const Idx& output, const std::map<int, int64_t>& sizes) {
  Path p;
  if (ops.size() == 1) {
    std::set<int> all(ops[0].begin(), ops[0].end());
    std::set<int> keep(output.begin(), output.end());
    p.steps.push_back({0});
    p.flops = flop_count(all, all.size() > keep.size(), 1, sizes);
    p.scaling = static_cast<int>(all.size());
    return p;
  }
  while (ops.size() > 1) {
    int bi = -1, bj = -1;
    int64_t best = 0;
    for (int pass = 0; pass < 2 && bi < 0; ++pass) {
      for (size_t i = 0; i < ops.size(); ++i) {
        for (size_t j = i + 1; j < ops.size(); ++j) {
          std::set<int> si(ops[i].begin(), ops[i].end()), sj(ops[j].begin(), ops[j].end());
          bool shares = std::any_of(si.begin(), si.end(), [&](int v) { return sj.count(v) > 0; });
          if (pass == 0 && !shares) continue;
          int64_t cost = size_of(kept_labels(ops, i, j, output), sizes) - size_of(si, sizes) - size_of(sj, sizes);
          if (bi < 0 || cost < best) {
            best = cost;
            bi = static_cast<int>(i);
            bj = static_cast<int>(j);
          }
        }
      }
    }
    std::set<int> keep = kept_labels(ops, bi, bj, output);
    std::set<int> all(ops[bi].begin(), ops[bi].end());
    all.insert(ops[bj].begin(), ops[bj].end());
    p.flops += flop_count(all, all.size() > keep.size(), 2, sizes);
    p.scaling = std::max(p.scaling, static_cast<int>(all.size()));
    p.steps.push_back({bi, bj});
    ops.erase(ops.begin() + bj);
    ops.erase(ops.begin() + bi);
    ops.push_back(Idx(keep.begin(), keep.end()));
  }
  return p;
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
  Path path = greedy_path(p.inputs, p.output, p.sizes);
  std::set<int> all;
  for (auto& l : p.inputs) all.insert(l.begin(), l.end());
  std::set<int> out(p.output.begin(), p.output.end());
  int64_t naive = flop_count(all, all.size() > out.size(), static_cast<int>(p.inputs.size()), p.sizes);
  std::ostringstream o;
  o << "  Complete contraction:  " << subscripts << "\n"
    << "         Naive scaling:  " << all.size() << "\n"
    << "     Optimized scaling:  " << path.scaling << "\n"
    << "      Naive FLOP count:  " << naive << "\n"
    << "  Optimized FLOP count:  " << path.flops << "\n";
  return {path.steps, o.str()};
}

array einsum(const std::string& subscripts, const std::vector<array>& operands, StreamOrDevice s) {
  Parsed p = parse(subscripts, operands, "einsum");
  Path path = greedy_path(p.inputs, p.output, p.sizes);
  std::vector<array> xs = operands;
  std::vector<Idx> ls = p.inputs;
  if (xs.size() > 1) {
    for (auto& step : path.steps) {
      int i = step[0], j = step[1];
      std::set<int> keep = kept_labels(ls, i, j, p.output);
      std::set<int> ka = keep, kb = keep;
      ka.insert(ls[j].begin(), ls[j].end());
      kb.insert(ls[i].begin(), ls[i].end());
      auto [a, la] = reduce_operand(xs[i], ls[i], ka, s);
      auto [b, lb] = reduce_operand(xs[j], ls[j], kb, s);
      auto [x, lx] = contract_pair(a, la, b, lb, keep, s);
      xs.erase(xs.begin() + j);
      ls.erase(ls.begin() + j);
      xs.erase(xs.begin() + i);
      ls.erase(ls.begin() + i);
      xs.push_back(x);
      ls.push_back(lx);
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
