#include "mlx_core/transforms/export.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "mlx_core/errors.h"
#include "mlx_core/ops.h"
#include "mlx_core/primitives/distributed.h"
#include "mlx_core/primitives/number_of_elements.h"
#include "mlx_core/primitives/primitive.h"
#include "mlx_core/transforms/compile.h"
#include "mlx_core/transforms/eval.h"
#include "mlx_core/transforms/export_registry.h"
#include "mlx_core/transforms/export_state.h"
#include "mlx_core/transforms/tape.h"
#include "mlx_core/transforms/tracing.h"
#include "mlx_core/utils.h"

namespace mlx::core {

using exporting::ByteReader;
using exporting::ByteWriter;
using exporting::malformed;

namespace {

constexpr char kMagic[8] = {'O', 'M', 'L', 'X', 'F', 'N', 0, 0};
constexpr uint32_t kVersion = 1;
constexpr int kMaxDims = 64;

// The body's checksum: four lanes of 64-bit words, each lane h = (rotl(h, 31) ^ word) * P
// (a bijection of h per word, so any single changed word changes the lane), the tail bytes
// in lane 0, the lanes folded together with the length. Several GB/s, for large constants.
uint64_t checksum(const char* p, uint64_t n) {
  constexpr uint64_t P = 1099511628211ull;
  uint64_t h[4] = {1469598103934665603ull, 1469598103934665603ull ^ 1, 1469598103934665603ull ^ 2,
                   1469598103934665603ull ^ 3};
  auto mix = [](uint64_t x, uint64_t w) { return (std::rotl(x, 31) ^ w) * P; };
  uint64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) {
      uint64_t w;
      std::memcpy(&w, p + i + 8 * k, 8);
      h[k] = mix(h[k], w);
    }
  }
  for (; i < n; ++i) h[0] = mix(h[0], static_cast<uint8_t>(p[i]));
  uint64_t r = mix(n, h[0]);
  for (int k = 1; k < 4; ++k) r = mix(r, h[k]);
  return r;
}

// ---- Tracing --------------------------------------------------------------------------------

// A row-contiguous evaluated copy of a constant (its bytes are what the file stores).
array materialize_constant(const array& a) {
  array c = a;
  c.eval();
  if (!c.flags().row_contiguous || c.data_size() != c.size()) {
    c = copy(c);
    c.eval();
  }
  return c;
}

// The shape a node's inputs broadcast to, looking through the Broadcast nodes feeding it.
bool broadcast_of_sources(const ExportedTrace& t, const std::vector<int64_t>& producer, const ExportedNode& consumer,
                          const std::vector<Shape>& shapes, Shape& out) {
  Shape acc;
  for (uint64_t id : consumer.inputs) {
    int64_t p = producer[id];
    uint64_t src = (p >= 0 && t.nodes[p].key == "Broadcast") ? t.nodes[p].inputs[0] : id;
    try {
      acc = broadcast_shapes(acc, shapes[src]);
    } catch (const std::exception&) {
      return false;
    }
  }
  out = acc;
  return true;
}

// Marks the Broadcast nodes whose target is the broadcast of their consumers' operands, so a
// shapeless import recomputes it from the new shapes.
void mark_following_broadcasts(ExportedTrace& t) {
  uint64_t n_values = t.inputs.size() + t.constants.size();
  std::vector<Shape> shapes;
  for (auto& v : t.inputs) shapes.push_back(v.shape);
  for (auto& c : t.constants) shapes.push_back(c.shape());
  std::vector<int64_t> producer(n_values, -1);
  for (size_t n = 0; n < t.nodes.size(); ++n) {
    for (auto& o : t.nodes[n].outputs) {
      shapes.push_back(o.shape);
      producer.push_back(static_cast<int64_t>(n));
    }
  }
  std::unordered_set<uint64_t> outputs(t.outputs.begin(), t.outputs.end());
  std::vector<int> verdict(shapes.size(), -1); // per Broadcast output: -1 unseen, 0 no, 1 yes
  for (auto& node : t.nodes) {
    for (uint64_t id : node.inputs) {
      int64_t p = producer[id];
      if (p < 0 || t.nodes[p].key != "Broadcast" || verdict[id] == 0) continue;
      Shape target;
      bool ok = broadcast_of_sources(t, producer, node, shapes, target) && target == shapes[id];
      verdict[id] = ok ? 1 : 0;
    }
  }
  for (uint64_t id = 0; id < shapes.size(); ++id) {
    if (verdict[id] != 1 || outputs.count(id)) continue;
    auto& node = t.nodes[producer[id]];
    int64_t feeder = producer[node.inputs[0]];
    if (feeder < 0 || t.nodes[feeder].key != "Broadcast") node.follow_shapes = true;
  }
}

// How a shapeless import reshapes: output dims grouped with the input dims whose product
// they equal. A dim mapped from exactly the input dims of its group follows them; the first
// dim of a group split from one input dim is inferred; inserted and dropped 1s stay.
std::vector<std::pair<int64_t, int64_t>> reshape_rule(const Shape& in, const Shape& out) {
  constexpr std::pair<int64_t, int64_t> fixed{-1, 0}, inferred{-2, 0};
  std::vector<std::pair<int64_t, int64_t>> rule(out.size(), fixed);
  if (std::find(in.begin(), in.end(), 0) != in.end()) return rule;
  size_t i = 0, j = 0;
  while (i < in.size() && j < out.size()) {
    if (out[j] == 1 && in[i] != 1) {
      ++j;
      continue;
    }
    if (in[i] == 1 && out[j] != 1) {
      ++i;
      continue;
    }
    size_t i0 = i, j0 = j;
    int64_t pi = in[i++], pj = out[j++];
    while (pi != pj) {
      if (pi < pj && i < in.size()) pi *= in[i++];
      else if (pj < pi && j < out.size()) pj *= out[j++];
      else return std::vector<std::pair<int64_t, int64_t>>(out.size(), fixed);
    }
    if (j - j0 == 1) rule[j0] = {static_cast<int64_t>(i0), static_cast<int64_t>(i)};
    else if (i - i0 == 1) rule[j0] = inferred;
  }
  return rule;
}

} // namespace

ExportedTrace export_trace(const VectorFn& fun, const std::vector<array>& inputs, uint64_t n_args,
                           std::vector<std::string> kwarg_names, bool shapeless) {
  ExportedTrace t;
  t.n_args = n_args;
  t.kwarg_names = std::move(kwarg_names);
  detail::TracingScope tracing;
  // The inputs are mx.compile's placeholders: no data, so evaluating one inside the function
  // raises as the reference does; compiled functions called inside are traced through (as
  // the reference inlines them), by turning compilation off while tracing (a process-wide
  // switch, as disable_compile is).
  struct NoCompile {
    bool was = compile_enabled();
    NoCompile() {
      if (was) disable_compile();
    }
    ~NoCompile() {
      if (was) enable_compile();
    }
  } no_compile;
  detail::ShapelessTraceScope shapeless_scope(shapeless);
  std::vector<array> tracers = compile_placeholders(inputs);
  std::unordered_map<uintptr_t, uint64_t> ids; // array node -> value id
  for (size_t i = 0; i < inputs.size(); ++i) {
    ids.emplace(tracers[i].id(), i);
    t.inputs.push_back({inputs[i].shape(), inputs[i].dtype()});
  }
  auto outputs = fun(tracers);
  auto tape = detail::dependent_tape(outputs, tracers);

  // Constants first (their ids precede the nodes'), then the nodes.
  std::vector<array> consts;
  std::unordered_map<uintptr_t, uint64_t> const_ids;
  auto constant_id = [&](const array& a) {
    auto it = const_ids.find(a.id());
    if (it != const_ids.end()) return it->second;
    uint64_t k = consts.size();
    consts.push_back(a);
    const_ids.emplace(a.id(), k);
    return k;
  };
  // Custom functions are exported as their forward computation: output i is input i.
  // Collectives over a group of one process are the identity (the reference makes no node
  // for them), so a single-process function with all_sum exports.
  auto passes_input_through = [](const Primitive& p) {
    if (std::string(p.name()) == "CustomTransforms") return true;
    bool identity = dynamic_cast<const AllReduce*>(&p) || dynamic_cast<const AllGather*>(&p) ||
                    dynamic_cast<const SumScatter*>(&p);
    return identity && static_cast<const DistPrimitive&>(p).group().size() == 1;
  };
  // Each node's primitive, inputs and outputs, kept apart from the arrays: evaluating the
  // constants below may detach a node that feeds only constants.
  struct NodeRec {
    std::shared_ptr<Primitive> prim;
    std::vector<array> inputs, outputs;
  };
  std::vector<NodeRec> nodes;
  std::unordered_set<uintptr_t> defined(ids.size());
  for (auto& [id, k] : ids) defined.insert(id);
  auto add_node = [&](const array& node) {
    nodes.push_back({node.primitive_ptr(), node.inputs(), node.outputs()});
    for (auto& o : nodes.back().outputs) defined.insert(o.id());
  };
  for (auto& node : tape) {
    if (defined.count(node.id())) continue; // a sibling of a node already recorded
    for (auto& in : node.inputs()) {
      if (defined.count(in.id())) continue;
      // A broadcast scalar (`x * 2`) stays a small constant and a Broadcast node, which
      // also lets a shapeless import broadcast it to new shapes.
      if (in.has_primitive() && std::string(in.primitive().name()) == "Broadcast") {
        const array& src = in.inputs()[0]; // a constant: it does not depend on the inputs
        if (defined.insert(src.id()).second) constant_id(src);
        add_node(in);
        continue;
      }
      constant_id(in);
      defined.insert(in.id());
    }
    add_node(node);
  }
  for (auto& o : outputs) {
    if (!defined.count(o.id())) constant_id(o);
  }
  uint64_t next = inputs.size();
  for (auto& c : consts) {
    ids.emplace(c.id(), next++);
    t.constants.push_back(materialize_constant(c));
  }
  for (auto& node : nodes) {
    auto& outs = node.outputs;
    if (passes_input_through(*node.prim)) {
      for (size_t i = 0; i < outs.size(); ++i) ids.emplace(outs[i].id(), ids.at(node.inputs[i].id()));
      continue;
    }
    auto enc = exporting::encode_primitive(*node.prim);
    ExportedNode en{enc.key, node.prim->name(), std::move(enc.state), {}, {}, false, {}};
    for (auto& in : node.inputs) en.inputs.push_back(ids.at(in.id()));
    if (shapeless && enc.key == "Reshape") en.reshape_rule = reshape_rule(node.inputs[0].shape(), outs[0].shape());
    for (auto& o : outs) {
      en.outputs.push_back({o.shape(), o.dtype()});
      ids.emplace(o.id(), next++);
    }
    t.nodes.push_back(std::move(en));
  }
  for (auto& o : outputs) t.outputs.push_back(ids.at(o.id()));
  if (shapeless) mark_following_broadcasts(t);
  return t;
}

bool trace_matches(const ExportedTrace& t, bool shapeless, uint64_t n_args, const std::vector<std::string>& kwarg_names,
                   const std::vector<array>& inputs) {
  if (t.n_args != n_args || t.kwarg_names != kwarg_names || t.inputs.size() != inputs.size()) return false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& want = t.inputs[i];
    if (want.dtype != inputs[i].dtype()) return false;
    if (shapeless ? want.shape.size() != inputs[i].shape().size() : want.shape != inputs[i].shape()) return false;
  }
  return true;
}

namespace {

// The shape a shapeless Reshape gives an input of shape `in` (-1 for an inferred dim).
Shape apply_reshape_rule(const ExportedNode& node, const Shape& in) {
  Shape out;
  for (size_t k = 0; k < node.reshape_rule.size(); ++k) {
    auto [a, b] = node.reshape_rule[k];
    if (a == -1) {
      out.push_back(node.outputs[0].shape[k]);
    } else if (a == -2) {
      out.push_back(-1);
    } else {
      if (a < 0 || b < a || b > static_cast<int64_t>(in.size())) malformed("a reshape rule is out of range");
      int64_t p = 1;
      for (int64_t d = a; d < b; ++d) p *= in[d];
      if (p > std::numeric_limits<ShapeElem>::max()) malformed("a reshape rule overflows");
      out.push_back(static_cast<ShapeElem>(p));
    }
  }
  return out;
}

} // namespace

struct ExportedTrace::ReplayCache {
  std::mutex mutex;
  std::optional<Stream> stream;
  std::vector<std::shared_ptr<Primitive>> prims; // by node
  bool checked = false;
};

std::vector<array> replay_trace(const ExportedTrace& t, bool shapeless, const std::vector<array>& inputs) {
  if (inputs.size() != t.inputs.size()) {
    throw std::invalid_argument("[import_function::call] Wrong number of inputs for the imported function.");
  }
  Stream stream = to_stream({});
  if (!t.cache) throw std::logic_error("[import_function] A trace without its replay cache.");
  std::lock_guard<std::mutex> lock(t.cache->mutex);
  auto& cache = *t.cache;
  if (!cache.stream || !(*cache.stream == stream)) {
    cache.prims.assign(t.nodes.size(), nullptr);
    cache.stream = stream;
  }
  bool check = shapeless || !cache.checked;
  // The traced shape of every value (for primitives whose parameters fix their input shapes).
  std::vector<Shape> traced;
  if (shapeless) {
    for (auto& v : t.inputs) traced.push_back(v.shape);
    for (auto& c : t.constants) traced.push_back(c.shape());
    for (auto& n : t.nodes) {
      for (auto& o : n.outputs) traced.push_back(o.shape);
    }
  }
  std::vector<std::optional<array>> values;
  values.reserve(inputs.size() + t.constants.size());
  for (auto& a : inputs) values.emplace_back(a);
  for (auto& c : t.constants) values.emplace_back(c);
  // Shapeless Broadcast nodes wait for their consumer, which decides their shape.
  struct Pending {
    uint64_t source;  // the Broadcast's input (never itself pending)
    Shape recorded;   // the traced shape, for a Broadcast no node consumes
  };
  std::unordered_map<uint64_t, Pending> pending; // by the Broadcast's output id
  auto resolve = [&](uint64_t id, const Shape& target) {
    auto it = pending.find(id);
    if (it != pending.end()) {
      values[id] = broadcast_to(*values[it->second.source], target);
      pending.erase(it);
    }
    return *values[id];
  };
  auto source_shape = [&](uint64_t id) -> const Shape& {
    auto it = pending.find(id);
    return values[it == pending.end() ? id : it->second.source]->shape();
  };
  for (size_t n = 0; n < t.nodes.size(); ++n) {
    const ExportedNode& node = t.nodes[n];
    if (shapeless && node.follow_shapes && !pending.count(node.inputs[0])) {
      pending.emplace(values.size(), Pending{node.inputs[0], node.outputs[0].shape});
      values.emplace_back(std::nullopt);
      continue;
    }
    Shape target;
    if (std::any_of(node.inputs.begin(), node.inputs.end(), [&](uint64_t id) { return pending.count(id) > 0; })) {
      for (uint64_t id : node.inputs) target = broadcast_shapes(target, source_shape(id));
    }
    std::vector<array> ins;
    for (uint64_t id : node.inputs) ins.push_back(resolve(id, target));
    if (shapeless && (node.key == "Slice" || node.key == "SliceUpdate") && ins.at(0).shape() != traced[node.inputs[0]]) {
      // Fixed bounds on an input of another shape: the reference's error.
      throw std::invalid_argument(msg("[Primitive::output_shapes] ", node.name, " cannot infer output shapes."));
    }
    if (shapeless && !node.reshape_rule.empty()) {
      values.emplace_back(reshape(ins.at(0), apply_reshape_rule(node, ins.at(0).shape())));
      continue;
    }
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (auto& o : node.outputs) {
      shapes.push_back(o.shape);
      dtypes.push_back(o.dtype);
    }
    if (check) {
      try {
        exporting::check_node(node.key, node.state, ins, dtypes);
      } catch (const std::runtime_error& e) {
        // With new shapes, a parameter fixed when tracing (a reshape's shape, a slice's
        // bounds) may not fit: the call's fault, not the file's.
        if (!shapeless) throw;
        throw std::invalid_argument(msg(
            "[import_function::call] The shapeless function cannot run on these input shapes: ", e.what()));
      }
    }
    auto& prim = cache.prims[n];
    if (!prim) prim = exporting::decode_primitive(node.key, node.state, stream);
    std::vector<Shape> inferred;
    bool can_infer = check;
    try {
      if (check) inferred = prim->output_shapes(ins);
    } catch (const std::invalid_argument&) {
      can_infer = false;
      if (shapeless) throw;
    }
    if (can_infer) {
      if (inferred.size() != shapes.size() || (!shapeless && inferred != shapes)) {
        malformed(msg("node ", n, " (", node.name, ") does not produce the shapes the file records"));
      }
      shapes = std::move(inferred);
    }
    for (auto& a : array::make_arrays(std::move(shapes), dtypes, prim, ins)) values.emplace_back(std::move(a));
  }
  std::vector<array> out;
  for (uint64_t id : t.outputs) {
    auto it = pending.find(id);
    out.push_back(resolve(id, it == pending.end() ? Shape{} : it->second.recorded));
  }
  if (!shapeless) cache.checked = true;
  return out;
}

// ---- Files ----------------------------------------------------------------------------------

namespace {

void write_info(ByteWriter& w, const ValueInfo& v) {
  exporting::write_value(w, v.dtype);
  w.put<uint64_t>(v.shape.size());
  for (auto d : v.shape) w.put<int64_t>(d);
}

ValueInfo read_info(ByteReader& r) {
  Dtype dtype = exporting::read_dtype(r);
  uint64_t nd = r.count("a shape", 8);
  if (nd > kMaxDims) malformed(msg("a shape has ", nd, " dimensions"));
  Shape shape;
  uint64_t size = 1;
  for (uint64_t i = 0; i < nd; ++i) {
    int64_t d = r.get<int64_t>("a shape");
    if (d < 0 || d > std::numeric_limits<ShapeElem>::max()) malformed(msg("a dimension has the size ", d));
    if (d != 0 && size > (uint64_t(1) << 48) / static_cast<uint64_t>(d)) malformed("a shape has too many elements");
    size *= static_cast<uint64_t>(d);
    shape.push_back(static_cast<ShapeElem>(d));
  }
  return {std::move(shape), dtype};
}

void write_trace(ByteWriter& w, const ExportedTrace& t) {
  w.put<uint64_t>(t.n_args);
  w.put<uint64_t>(t.kwarg_names.size());
  for (auto& k : t.kwarg_names) w.str(k);
  w.put<uint64_t>(t.inputs.size());
  for (auto& v : t.inputs) write_info(w, v);
  w.put<uint64_t>(t.constants.size());
  for (auto& c : t.constants) {
    write_info(w, {c.shape(), c.dtype()});
    w.put<uint64_t>(c.nbytes());
    w.bytes(c.raw_data(), c.nbytes());
  }
  w.put<uint64_t>(t.nodes.size());
  for (auto& n : t.nodes) {
    w.str(n.key);
    w.str(n.name);
    w.str(n.state);
    w.put<uint64_t>(n.inputs.size());
    for (auto id : n.inputs) w.put<uint64_t>(id);
    w.put<uint64_t>(n.outputs.size());
    for (auto& o : n.outputs) write_info(w, o);
    w.put<uint8_t>(n.follow_shapes ? 1 : 0);
    w.put<uint64_t>(n.reshape_rule.size());
    for (auto [a, b] : n.reshape_rule) {
      w.put<int64_t>(a);
      w.put<int64_t>(b);
    }
  }
  w.put<uint64_t>(t.outputs.size());
  for (auto id : t.outputs) w.put<uint64_t>(id);
}

ExportedTrace read_trace(ByteReader& r) {
  ExportedTrace t;
  t.cache = std::make_shared<ExportedTrace::ReplayCache>();
  t.n_args = r.get<uint64_t>("the positional count");
  uint64_t n_kw = r.count("keyword names", 8);
  for (uint64_t i = 0; i < n_kw; ++i) t.kwarg_names.push_back(r.str("a keyword name"));
  if (!std::is_sorted(t.kwarg_names.begin(), t.kwarg_names.end()) ||
      std::adjacent_find(t.kwarg_names.begin(), t.kwarg_names.end()) != t.kwarg_names.end()) {
    malformed("the keyword names are not sorted and distinct");
  }
  uint64_t n_in = r.count("inputs", 9);
  if (t.n_args > n_in || n_in - t.n_args != n_kw) malformed("the input count does not match the arguments");
  for (uint64_t i = 0; i < n_in; ++i) t.inputs.push_back(read_info(r));
  uint64_t n_const = r.count("constants", 17);
  for (uint64_t i = 0; i < n_const; ++i) {
    ValueInfo v = read_info(r);
    uint64_t nbytes = r.get<uint64_t>("a constant's size");
    uint64_t want = shape_size(v.shape) * v.dtype.size;
    if (nbytes != want) malformed(msg("a constant holds ", nbytes, " bytes instead of ", want));
    const char* p = r.take(nbytes, "a constant's data");
    t.constants.push_back(array(p, v.shape, v.dtype));
  }
  uint64_t defined = n_in + n_const;
  uint64_t n_nodes = r.count("nodes", 34);
  for (uint64_t n = 0; n < n_nodes; ++n) {
    ExportedNode node;
    node.key = r.str("a primitive key");
    node.name = r.str("a primitive name");
    node.state = r.bytes("a primitive's parameters");
    uint64_t ni = r.count("node inputs", 8);
    for (uint64_t i = 0; i < ni; ++i) {
      uint64_t id = r.get<uint64_t>("a node input");
      if (id >= defined) malformed(msg("node ", n, " uses value ", id, " before it is defined"));
      node.inputs.push_back(id);
    }
    uint64_t no = r.count("node outputs", 9);
    if (no == 0) malformed(msg("node ", n, " has no outputs"));
    for (uint64_t i = 0; i < no; ++i) node.outputs.push_back(read_info(r));
    node.follow_shapes = exporting::read_value<bool>(r);
    if (node.follow_shapes && (node.key != "Broadcast" || ni != 1 || no != 1)) malformed("a misplaced shape flag");
    uint64_t nr = r.count("a reshape rule", 16);
    if (nr > 0 && (node.key != "Reshape" || ni != 1 || no != 1 || nr != node.outputs[0].shape.size())) {
      malformed("a misplaced reshape rule");
    }
    int inferred = 0;
    for (uint64_t k = 0; k < nr; ++k) {
      int64_t a = r.get<int64_t>("a reshape rule"), b = r.get<int64_t>("a reshape rule");
      if (a < -2 || b < 0 || b > kMaxDims || (a >= 0 && a > b) || (a < 0 && b != 0)) malformed("a bad reshape rule");
      inferred += a == -2;
      node.reshape_rule.emplace_back(a, b);
    }
    if (inferred > 1) malformed("a reshape rule infers more than one dimension");
    // The parameters must decode now, not when the function is called.
    exporting::decode_primitive(node.key, node.state, Stream(0, Device(Device::cpu, 0)));
    defined += no;
    t.nodes.push_back(std::move(node));
  }
  uint64_t n_out = r.count("outputs", 8);
  for (uint64_t i = 0; i < n_out; ++i) {
    uint64_t id = r.get<uint64_t>("an output");
    if (id >= defined) malformed(msg("output ", i, " is value ", id, ", which is not defined"));
    t.outputs.push_back(id);
  }
  return t;
}

} // namespace

std::string serialize_function(const ExportedFunction& f) {
  ByteWriter body;
  body.str(f.metadata);
  body.put<uint8_t>(f.shapeless ? 1 : 0);
  body.put<uint64_t>(f.traces.size());
  for (auto& t : f.traces) write_trace(body, t);
  ByteWriter head;
  head.bytes(kMagic, 8);
  head.put<uint32_t>(kVersion);
  head.put<uint64_t>(body.data().size());
  head.put<uint64_t>(checksum(body.data().data(), body.data().size()));
  std::string out = std::move(body.data());
  out.insert(0, head.data());
  return out;
}

ExportedFunction deserialize_function(const std::string& bytes) {
  ByteReader head(bytes);
  const char* magic = head.take(8, "the header");
  if (std::memcmp(magic, kMagic, 8) != 0) {
    throw std::runtime_error("[import_function] The file is not an exported function (wrong magic bytes).");
  }
  uint32_t version = head.get<uint32_t>("the header");
  if (version != kVersion) {
    throw std::runtime_error(msg("[import_function] Unsupported file version ", version, " (this build reads version ",
                                    kVersion, ")."));
  }
  uint64_t size = head.get<uint64_t>("the header");
  uint64_t expected = head.get<uint64_t>("the header");
  if (size != head.remaining()) malformed(msg("the body should hold ", size, " bytes but ", head.remaining(), " follow"));
  const char* body = head.take(size, "the body");
  if (checksum(body, size) != expected) malformed("the checksum does not match (the file is corrupt)");
  ByteReader r(body, size);
  ExportedFunction f;
  f.metadata = r.str("the metadata");
  f.shapeless = exporting::read_value<bool>(r);
  uint64_t n = r.count("traces", 40);
  for (uint64_t i = 0; i < n; ++i) f.traces.push_back(read_trace(r));
  if (!r.at_end()) malformed("there are trailing bytes");
  return f;
}

void write_function_file(const std::string& path, const ExportedFunction& f) {
  std::string bytes = serialize_function(f);
  std::ofstream os(path, std::ios::binary | std::ios::trunc);
  if (!os) throw std::runtime_error(msg("[export_function] Failed to open ", path));
  os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!os) throw std::runtime_error(msg("[export_function] Failed to write ", path));
}

ExportedFunction read_function_file(const std::string& path) {
  std::ifstream is(path, std::ios::binary | std::ios::ate);
  if (!is) throw std::runtime_error(msg("[import_function] Failed to open ", path));
  std::streamoff size = is.tellg();
  if (size < 0) throw std::runtime_error(msg("[import_function] Failed to read ", path));
  std::string bytes(static_cast<size_t>(size), '\0');
  is.seekg(0);
  if (!is.read(bytes.data(), size)) throw std::runtime_error(msg("[import_function] Failed to read ", path));
  return deserialize_function(bytes);
}

} // namespace mlx::core
