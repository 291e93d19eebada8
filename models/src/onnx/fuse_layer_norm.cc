// The layer normalization exporters write out node by node (PyTorch before opset 17):
//   m = ReduceMean(x), d = x - m, v = ReduceMean(d^2), s = Sqrt(v + eps), y = d / s * g + b
// over the last axis, imported as reduce_mean, sub, pow, reduce_mean, affine, sqrt, div, mul and
// (b broadcast) the sub of -b, fused into one layer_norm layer, as ONNX Runtime's graph
// optimizer fuses the same chain (onnxruntime/core/optimizer/layer_norm_fusion.cc). Unfused,
// each step is quantized on its own, and the standard deviation of a near-constant row
// quantizes to 0, so the integer division fails; fused, the statistics are taken in float. Only
// chains whose intermediate tensors nothing else reads are fused; a QDQ model, which fixes the
// quantization of those intermediates, is left as the file gives it.

#include <set>

#include "fuse_readers.h"
#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

// A constant layer of shape [n] read only by `reader`.
bool IsVector(const Readers& r, const std::string& name, int64_t n) {
  const NetLayer* c = r.Layer(name);
  return c != nullptr && c->op == NetOp::kConstant && c->output_shape == Shape{n} &&
         r.Of(name).size() == 1;
}

struct Chain {
  std::set<std::string> drop;  // the layers the fusion removes
  std::string last;            // the layer the layer_norm replaces (its name is kept)
  std::string x, scale, bias;  // bias: the constant layer holding -b
  double epsilon = 0;
};

// The chain starting at reduce_mean `m`; false if `m` does not start one.
bool Match(const NetworkSpec& net, const Readers& r, const NetLayer& m, Chain* c) {
  const std::string& x = m.inputs[0];
  const Shape* xs = ShapeOf(net, r, x);
  if (xs == nullptr || xs->empty() || !IsLastAxis(m.axis, *xs)) {
    return false;
  }
  const NetLayer* d = r.Sole(m.name, NetOp::kSub);
  if (d == nullptr || d->inputs != std::vector<std::string>{x, m.name} || r.Of(d->name).size() != 2) {
    return false;
  }
  const NetLayer* p = nullptr;  // d's readers: the square and the division
  const NetLayer* div = nullptr;
  for (const NetLayer* l : r.Of(d->name)) {
    if (l != nullptr && l->op == NetOp::kPow && l->exponent == 2.0 &&
        l->activation == Activation::kNone) {
      p = l;
    } else if (l != nullptr && l->op == NetOp::kDiv && l->inputs.size() == 2 &&
               l->inputs[0] == d->name && l->activation == Activation::kNone) {
      div = l;
    }
  }
  if (p == nullptr || div == nullptr) {
    return false;
  }
  const NetLayer* v = r.Sole(p->name, NetOp::kReduceMean);
  if (v == nullptr || !IsLastAxis(v->axis, *xs)) {
    return false;
  }
  const NetLayer* e = r.Sole(v->name, NetOp::kAffine);
  if (e == nullptr || e->alpha != 1.0 || !(e->beta > 0)) {
    return false;
  }
  const NetLayer* s = r.Sole(e->name, NetOp::kSqrt);
  if (s == nullptr || r.Sole(s->name, NetOp::kDiv) != div || div->inputs[1] != s->name) {
    return false;
  }
  const NetLayer* g = r.Sole(div->name, NetOp::kMul);
  const int64_t n = xs->back();
  if (g == nullptr || g->inputs.size() != 2 || g->inputs[0] != div->name ||
      !IsVector(r, g->inputs[1], n)) {
    return false;
  }
  const NetLayer* b = r.Sole(g->name, NetOp::kSub);
  if (b == nullptr || b->inputs.size() != 2 || b->inputs[0] != g->name ||
      !IsVector(r, b->inputs[1], n)) {
    return false;
  }
  c->drop = {m.name, d->name, p->name, v->name, e->name, s->name, div->name, g->name};
  c->last = b->name;
  c->x = x;
  c->scale = g->inputs[1];
  c->bias = b->inputs[1];
  c->epsilon = e->beta;
  return true;
}

void Apply(const Chain& c, NetworkSpec* net) {
  std::set<std::string> names;
  for (const NetLayer& l : net->layers) {
    names.insert(l.name);
  }
  // The constant holding -b holds b from here on, under the name of b's initializer when free.
  std::string bias = c.bias;
  const std::string suffix = "_neg";
  if (bias.size() > suffix.size() && bias.compare(bias.size() - suffix.size(), suffix.size(), suffix) == 0 &&
      !names.count(bias.substr(0, bias.size() - suffix.size()))) {
    bias.resize(bias.size() - suffix.size());
  } else {
    bias += "_ln";
  }
  std::vector<NetLayer> kept;
  for (NetLayer& l : net->layers) {
    if (c.drop.count(l.name)) {
      continue;
    }
    if (l.name == c.bias) {
      FloatTensor value = *l.weights_data;
      for (float& v : value.data) {
        v = -v;
      }
      l.weights_data = std::make_shared<const FloatTensor>(std::move(value));
      l.name = bias;
    } else if (l.name == c.last) {
      NetLayer fused;
      fused.op = NetOp::kLayerNorm;
      fused.inputs = {c.x, c.scale, bias};
      fused.axis = -1;
      fused.epsilon = c.epsilon;
      TakeOver(&l, std::move(fused));
    }
    kept.push_back(std::move(l));
  }
  net->layers = std::move(kept);
}

}  // namespace

int FuseLayerNorms(NetworkSpec* net) {
  return FuseUntilNone(net, [net](const Readers& r, const NetLayer& l) {
    Chain c;
    if (l.op != NetOp::kReduceMean || !Match(*net, r, l, &c)) {
      return false;
    }
    Apply(c, net);
    return true;
  });
}

}  // namespace quasar::models::onnx_import
