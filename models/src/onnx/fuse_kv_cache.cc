// A decode step's KV cache read in place. Transformers (and so a PyTorch export of a decode step
// with past_key_values) append the new token's K and V to the cache with a Concat along the
// sequence axis and multiply by the result:
//   scores  = Q · Transpose(Concat(past_key, k_new))        K^T of L + T positions
//   context = P · Concat(past_value, v_new)                  V of L + T positions
// (with grouped-query attention, the KV heads repeated for their query heads between the Concat
// and the MatMul: Unsqueeze, Expand, Reshape; imported as reshape, a concat of g copies, reshape).
// Imported as written, each step reads the whole cache and writes it again (the concats), and
// the transpose and the repeat copy K or V once more. The zoo's decode block instead splits each
// matmul at the cache (docs/llm.md), which this pass writes for an imported one, with the same
// MACs:
//   scores  = concat(Q · past_key^T, Q · k_new^T) along the last axis    (matmul transpose_b)
//   context = slice(P, :L) · past_value + slice(P, L:) · v_new            (add)
// and a repeat folded into the rows: Q [B, kv·g, T, K] is read as [B, kv, g·T, K] (head
// h = kv_i·g + j is KV head kv_i's j-th query head, so the reshape only renames rows), the
// matmul runs on the unrepeated K or V, and its output is reshaped back. Each rewrite is exact in
// real arithmetic (the context's sum is split in two); the float outputs differ by rounding.
//
// Matched only where every intermediate (concat, transpose, repeat) is read by the matmul alone,
// the cache is a network input, and the concat joins two operands along the sequence axis
// (rank - 2); a model with QDQ parameters is left alone (FuseUntilNone).

#include <set>
#include <string>
#include <vector>

#include "fuse_readers.h"
#include "importer.h"
#include "quasar/models/ref/float_ops.h"

namespace quasar::models::onnx_import {
namespace {

// A transpose swapping the last two axes.
bool SwapsLastTwo(const NetLayer& t) {
  return t.op == NetOp::kTranspose && t.perm.size() >= 2 &&
         t.perm == SwapLastTwoAxes(static_cast<int>(t.perm.size()));
}

// The layer computing `tensor` when `reader` is its only reader; else null.
const NetLayer* OnlyFor(const Readers& r, const std::string& tensor, const NetLayer& reader) {
  const NetLayer* l = r.Layer(tensor);
  const auto& readers = r.Of(tensor);
  return l != nullptr && readers.size() == 1 && readers[0] == &reader &&
                 l->activation == Activation::kNone
             ? l
             : nullptr;
}

// What a matmul's B operand is made of, walked back from the matmul.
struct CacheRead {
  const NetLayer* matmul = nullptr;
  bool transposed = false;  // B = Transpose(...) of the last two axes
  int64_t repeat = 1;       // g: each KV head repeated for g query heads
  const NetLayer* concat = nullptr;
  std::string past, fresh;  // the concat's inputs: the cache (a network input) and the new rows
  std::set<std::string> drop;
};

// repeat_kv as imported: m = reshape(e) [B, kv·g, L, d], e = concat of g copies of u along axis 2,
// u = reshape(x) [B, kv, 1, L, d], each read by the next alone. Returns g and sets `*x` (0 if `m`
// is not such a chain).
int64_t MatchRepeat(const NetworkSpec& net, const Readers& r, const NetLayer& m, std::string* x,
                    std::set<std::string>* drop) {
  if (m.op != NetOp::kReshape || m.output_shape.size() != 4) {
    return 0;
  }
  const NetLayer* e = OnlyFor(r, m.inputs[0], m);
  if (e == nullptr || e->op != NetOp::kConcat || e->inputs.size() < 2 || e->axis != 2 ||
      e->output_shape.size() != 5) {
    return 0;
  }
  for (const std::string& in : e->inputs) {
    if (in != e->inputs[0]) {
      return 0;
    }
  }
  const NetLayer* u = r.Layer(e->inputs[0]);
  if (u == nullptr || u->op != NetOp::kReshape || r.Of(u->name).size() != e->inputs.size() ||
      u->output_shape.size() != 5 || u->output_shape[2] != 1) {
    return 0;
  }
  const auto& x_readers = r.Of(u->inputs[0]);
  if (x_readers.size() != 1 || x_readers[0] != u) {
    return 0;
  }
  const Shape& us = u->output_shape;
  const Shape& ms = m.output_shape;
  const auto g = static_cast<int64_t>(e->inputs.size());
  const Shape* xs = ShapeOf(net, r, u->inputs[0]);  // u only inserts the axis of extent 1
  if (ms[0] != us[0] || ms[1] != us[1] * g || ms[2] != us[3] || ms[3] != us[4] || xs == nullptr ||
      *xs != Shape{us[0], us[1], us[3], us[4]}) {
    return 0;
  }
  *x = u->inputs[0];
  drop->insert({m.name, e->name, u->name});
  return g;
}

bool MatchCacheRead(const NetworkSpec& net, const Readers& r, const NetLayer& mm, CacheRead* c) {
  if (mm.op != NetOp::kMatMul || mm.transpose_b || mm.activation != Activation::kNone ||
      mm.inputs.size() != 2 || mm.output_shape.size() < 2) {
    return false;
  }
  c->matmul = &mm;
  const NetLayer* b = OnlyFor(r, mm.inputs[1], mm);
  if (b != nullptr && SwapsLastTwo(*b)) {
    c->transposed = true;
    c->drop.insert(b->name);
    b = OnlyFor(r, b->inputs[0], *b);
  }
  if (b != nullptr && b->op == NetOp::kReshape) {
    std::string x;
    c->repeat = MatchRepeat(net, r, *b, &x, &c->drop);
    b = c->repeat > 0 ? r.Layer(x) : nullptr;
  }
  if (b == nullptr || b->op != NetOp::kConcat || b->activation != Activation::kNone ||
      b->inputs.size() != 2 || net.FindInput(b->inputs[0]) == nullptr) {
    return false;
  }
  const size_t rank = b->output_shape.size();
  const int64_t axis = b->axis < 0 ? b->axis + static_cast<int64_t>(rank) : b->axis;
  if (rank < 3 || axis != static_cast<int64_t>(rank) - 2) {
    return false;
  }
  // The shapes the split reads: A of the matmul's rank, its rows divisible into KV groups, and
  // both concat inputs known.
  const Shape* a = ShapeOf(net, r, mm.inputs[0]);
  const Shape* past = ShapeOf(net, r, b->inputs[0]);
  const Shape* fresh = ShapeOf(net, r, b->inputs[1]);
  if (a == nullptr || past == nullptr || fresh == nullptr || past->size() != rank ||
      fresh->size() != rank || a->size() != mm.output_shape.size() ||
      (c->repeat > 1 && (a->size() < 3 || (*a)[a->size() - 3] % c->repeat != 0))) {
    return false;
  }
  c->concat = b;
  c->past = b->inputs[0];
  c->fresh = b->inputs[1];
  c->drop.insert(b->name);
  return true;
}

NetLayer NewLayer(const std::string& name, NetOp op, std::vector<std::string> inputs,
                  const Shape& shape) {
  NetLayer l;
  l.name = name;
  l.op = op;
  l.inputs = std::move(inputs);
  l.output_shape = shape;
  return l;
}

// The layers that replace the matmul (the last keeps its name, TakeOver).
std::vector<NetLayer> SplitAtCache(const NetworkSpec& net, const Readers& r, const CacheRead& c) {
  const NetLayer& mm = *c.matmul;
  const std::string& a = mm.inputs[0];
  const Shape a_shape = *ShapeOf(net, r, a);
  const Shape& past = *ShapeOf(net, r, c.past);
  const Shape& fresh = *ShapeOf(net, r, c.fresh);
  const size_t rank = a_shape.size();
  const int64_t l_past = past[past.size() - 2], l_new = fresh[fresh.size() - 2];
  std::vector<NetLayer> out;
  std::string rows = a;  // A, its rows regrouped by KV head when repeated
  Shape rows_shape = a_shape;
  if (c.repeat > 1) {
    rows_shape[rank - 3] /= c.repeat;
    rows_shape[rank - 2] *= c.repeat;
    NetLayer g = NewLayer(mm.name + "/grouped_rows", NetOp::kReshape, {a}, rows_shape);
    g.target_shape = rows_shape;
    out.push_back(g);
    rows = g.name;
  }
  Shape part = rows_shape;
  Shape joined = rows_shape;
  NetLayer join;
  if (c.transposed) {  // scores: [.., rows, L] and [.., rows, T] side by side
    part.back() = l_past;
    NetLayer p = NewLayer(mm.name + "/past", NetOp::kMatMul, {rows, c.past}, part);
    p.transpose_b = true;
    part.back() = l_new;
    NetLayer n = NewLayer(mm.name + "/new", NetOp::kMatMul, {rows, c.fresh}, part);
    n.transpose_b = true;
    joined.back() = l_past + l_new;
    join = NewLayer(mm.name + "/joined", NetOp::kConcat, {p.name, n.name}, joined);
    join.axis = -1;
    out.push_back(p);
    out.push_back(n);
  } else {  // context: the weights of the cached and of the new positions, summed
    Shape sp = rows_shape;
    sp.back() = l_past;
    NetLayer s0 = NewLayer(mm.name + "/weights_past", NetOp::kSlice, {rows}, sp);
    s0.axis = -1;
    s0.start = 0;
    s0.end = l_past;
    sp.back() = l_new;
    NetLayer s1 = NewLayer(mm.name + "/weights_new", NetOp::kSlice, {rows}, sp);
    s1.axis = -1;
    s1.start = l_past;
    s1.end = l_past + l_new;
    part.back() = past.back();
    NetLayer p = NewLayer(mm.name + "/past", NetOp::kMatMul, {s0.name, c.past}, part);
    NetLayer n = NewLayer(mm.name + "/new", NetOp::kMatMul, {s1.name, c.fresh}, part);
    joined = part;
    join = NewLayer(mm.name + "/joined", NetOp::kAdd, {p.name, n.name}, joined);
    out.push_back(s0);
    out.push_back(s1);
    out.push_back(p);
    out.push_back(n);
  }
  out.push_back(join);
  if (c.repeat > 1) {
    NetLayer back = NewLayer(mm.name, NetOp::kReshape, {join.name}, mm.output_shape);
    back.target_shape = mm.output_shape;
    out.push_back(back);
  }
  return out;
}

// Whether the new layers' names are free: no layer or network input has them (the last one
// keeps the matmul's own name).
bool NamesFree(const NetworkSpec& net, const Readers& r, const std::vector<NetLayer>& layers,
               const std::string& keep) {
  for (const NetLayer& l : layers) {
    if (l.name != keep && ShapeOf(net, r, l.name) != nullptr) {
      return false;
    }
  }
  return true;
}

}  // namespace

int FuseKvCacheReads(NetworkSpec* net) {
  return FuseUntilNone(net, [net](const Readers& r, const NetLayer& l) {
    CacheRead c;
    if (!MatchCacheRead(*net, r, l, &c)) {
      return false;
    }
    std::vector<NetLayer> repl = SplitAtCache(*net, r, c);
    if (!NamesFree(*net, r, repl, l.name)) {
      return false;
    }
    const std::string name = l.name;
    std::vector<NetLayer> kept;
    for (NetLayer& x : net->layers) {
      if (c.drop.count(x.name)) {
        continue;
      }
      if (x.name == name) {
        NetLayer last = std::move(repl.back());
        repl.pop_back();
        for (NetLayer& n : repl) {
          kept.push_back(std::move(n));
        }
        TakeOver(&x, std::move(last));
      }
      kept.push_back(std::move(x));
    }
    net->layers = std::move(kept);
    return true;
  });
}

}  // namespace quasar::models::onnx_import
