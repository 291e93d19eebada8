// The functions of a decoder block that PyTorch exports node by node, each fused back into the
// one Quasar op the model zoo's blocks use (models/src/net/decoder_block.cc), so an imported
// block is quantized and costed as the zoo's is:
//   RMSNorm (Hugging Face's LlamaRMSNorm: weight * (x * rsqrt(mean(x^2) + eps))), imported as
//     pow 2, reduce_mean over the last axis, affine + eps, sqrt, then pow -1 and mul by x (or div
//     of x), then optionally mul by a constant [D]: one rms_norm (ops/rms_norm.cc; ONNX's
//     RMSNormalization-23 in onnx/docs/Operators.md is the same function, read with stash_type 1);
//   SiLU (torch.nn.functional.silu exports as Sigmoid and Mul of x by it): one silu;
//   GELU with the error function (nn.GELU() exports as Div by sqrt 2, Erf, Add 1, Mul by x, Mul
//     by 0.5; onnx/docs/Operators.md, Gelu-20 with approximate "none"): one gelu;
//   the rotary embedding on precomputed cos / sin tables (Hugging Face's apply_rotary_pos_emb,
//     rotate-half layout; ONNX's RotaryEmbedding-23 with interleaved 0): one rotary_embedding,
//     when the tables are cos and sin of p base^(-2i / D) at rows p = P, P + 1, ... (P = 0 in
//     prefill, the cache's length L in a decode step; MatchRotary).
// As fuse_layer_norm.cc, only chains whose intermediates nothing else reads are fused, and a
// model with QDQ parameters, which quantizes those intermediates itself, is left alone.

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "fuse_readers.h"
#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

struct Fusion {
  std::set<std::string> drop;  // the layers the fusion removes
  std::string last;            // the layer the fused one replaces (its name is kept)
  NetLayer fused;              // inputs and keys; name and shape come from `last`
};

// A two-input mul reading `a` and `b`, in either order.
bool Reads(const NetLayer& l, const std::string& a, const std::string& b) {
  return l.inputs.size() == 2 &&
         ((l.inputs[0] == a && l.inputs[1] == b) || (l.inputs[0] == b && l.inputs[1] == a));
}

bool Near(double v, double want) { return std::abs(v - want) <= 1e-6 * std::abs(want); }

// pow 2 -> reduce_mean -> affine + eps -> sqrt -> (pow -1 -> mul by x | div of x) [-> mul by g].
bool MatchRmsNorm(const NetworkSpec& net, const Readers& r, const NetLayer& p, Fusion* f) {
  if (p.op != NetOp::kPow || p.exponent != 2.0 || p.activation != Activation::kNone) {
    return false;
  }
  const std::string& x = p.inputs[0];
  const Shape* xs = ShapeOf(net, r, x);
  const NetLayer* v = r.Sole(p.name, NetOp::kReduceMean);
  if (xs == nullptr || xs->empty() || v == nullptr || !IsLastAxis(v->axis, *xs)) {
    return false;
  }
  const NetLayer* e = r.Sole(v->name, NetOp::kAffine);
  if (e == nullptr || e->alpha != 1.0 || !(e->beta > 0)) {
    return false;
  }
  const NetLayer* s = r.Sole(e->name, NetOp::kSqrt);
  if (s == nullptr) {
    return false;
  }
  const NetLayer* normed = nullptr;
  f->drop = {p.name, v->name, e->name, s->name};
  if (const NetLayer* inv = r.Sole(s->name, NetOp::kPow); inv != nullptr && inv->exponent == -1.0) {
    const NetLayer* m = r.Sole(inv->name, NetOp::kMul);
    if (m == nullptr || !Reads(*m, x, inv->name)) {
      return false;
    }
    f->drop.insert(inv->name);
    normed = m;
  } else if (const NetLayer* d = r.Sole(s->name, NetOp::kDiv);
             d != nullptr && d->inputs == std::vector<std::string>{x, s->name}) {
    normed = d;
  } else {
    return false;
  }
  f->fused.op = NetOp::kRmsNorm;
  f->fused.axis = -1;
  f->fused.epsilon = e->beta;
  f->fused.inputs = {x};
  f->last = normed->name;
  const NetLayer* g = r.Sole(normed->name, NetOp::kMul);
  if (g != nullptr && g->inputs.size() == 2) {
    const std::string& other = g->inputs[0] == normed->name ? g->inputs[1] : g->inputs[0];
    const NetLayer* c = r.Layer(other);
    if (c != nullptr && c->op == NetOp::kConstant && c->output_shape == Shape{xs->back()} &&
        r.Of(other).size() == 1) {
      f->drop.insert(normed->name);
      f->last = g->name;
      f->fused.inputs.push_back(other);
    }
  }
  return true;
}

// sigmoid -> mul by its own input.
bool MatchSilu(const Readers& r, const NetLayer& s, Fusion* f) {
  if (s.op != NetOp::kSigmoid || s.activation != Activation::kNone) {
    return false;
  }
  const NetLayer* m = r.Sole(s.name, NetOp::kMul);
  if (m == nullptr || !Reads(*m, s.inputs[0], s.name)) {
    return false;
  }
  f->drop = {s.name};
  f->last = m->name;
  f->fused.op = NetOp::kSilu;
  f->fused.inputs = {s.inputs[0]};
  return true;
}

// affine x / sqrt 2 -> erf -> affine + 1 -> mul by x -> affine * 0.5 (the last two also as
// affine * 0.5 of x read by the mul: x * 0.5 * (1 + erf) in either association).
bool MatchGelu(const Readers& r, const NetLayer& a, Fusion* f) {
  if (a.op != NetOp::kAffine || a.beta != 0.0 || !Near(a.alpha, 1.0 / std::sqrt(2.0))) {
    return false;
  }
  const std::string& x = a.inputs[0];
  const NetLayer* e = r.Sole(a.name, NetOp::kErf);
  if (e == nullptr) {
    return false;
  }
  const NetLayer* one = r.Sole(e->name, NetOp::kAffine);
  if (one == nullptr || one->alpha != 1.0 || one->beta != 1.0) {
    return false;
  }
  const NetLayer* m = r.Sole(one->name, NetOp::kMul);
  if (m == nullptr || !Reads(*m, x, one->name)) {
    return false;
  }
  const NetLayer* half = r.Sole(m->name, NetOp::kAffine);
  if (half == nullptr || half->alpha != 0.5 || half->beta != 0.0) {
    return false;
  }
  f->drop = {a.name, e->name, one->name, m->name};
  f->last = half->name;
  f->fused.op = NetOp::kGelu;
  f->fused.gelu_approximate = GeluApproximation::kNone;
  f->fused.inputs = {x};
  return true;
}

// [start, end) of a slice layer over `x`'s axis `axis`, with negative indices counted from the
// end and the end clamped, as ops/slice.cc reads them; false when the slice is of another axis.
bool SliceOf(const NetLayer& l, const Shape& x, size_t axis, int64_t* start, int64_t* end) {
  const auto rank = static_cast<int64_t>(x.size());
  if (l.op != NetOp::kSlice ||
      (l.axis < 0 ? l.axis + rank : l.axis) != static_cast<int64_t>(axis)) {
    return false;
  }
  const int64_t n = x[axis];
  *start = std::clamp<int64_t>(l.start < 0 ? l.start + n : l.start, 0, n);
  *end = std::clamp<int64_t>(l.end < 0 ? l.end + n : l.end, 0, n);
  return true;
}

// The [S, D] table of a constant layer (leading dimensions of 1 allowed) read only by the
// fusion's layers; null otherwise.
const FloatTensor* Table(const Readers& r, const std::string& name, int64_t s, int64_t d) {
  const NetLayer* c = r.Layer(name);
  if (c == nullptr || c->op != NetOp::kConstant || !c->weights_data) {
    return nullptr;
  }
  const Shape& t = c->weights_data->shape;
  if (t.size() < 2 || t[t.size() - 2] != s || t.back() != d || NumElements(t) != s * d) {
    return nullptr;
  }
  return c->weights_data.get();
}

// Whether the tables hold cos and sin of (offset + p) theta_i, theta_i = base^(-2i / D), at rows
// p = 0.. in the rotate-half layout (column i and i + D/2 alike), each within 2e-6 of
// ops/rotary_embedding.cc's own float32 values.
bool RopeTablesHold(const FloatTensor& cos, const FloatTensor& sin, int64_t s, int64_t d,
                    double base, int64_t offset) {
  const int64_t half = d / 2;
  for (int64_t p = 0; p < s; ++p) {
    for (int64_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(offset + p) *
                           std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(d));
      const auto c = static_cast<float>(std::cos(angle)), sn = static_cast<float>(std::sin(angle));
      for (int64_t col : {i, i + half}) {
        if (std::abs(cos[p * d + col] - c) > 2e-6 || std::abs(sin[p * d + col] - sn) > 2e-6) {
          return false;
        }
      }
    }
  }
  return true;
}

struct RopeRead {
  double base = 0;  // 0: the tables are not RoPE tables
  int64_t offset = 0;
};

// The base and the position of row 0 of RoPE tables (RopeTablesHold), or a base of 0. Rows from
// position 0: the base is read from row 1, column 1 (theta_1 = atan2(sin, cos) = base^(-2 / D)).
// Rows from a later position (a decode step's rows of position L): from row 0's two lowest
// frequencies, columns D/2 - 2 and D/2 - 1 (theta_{D/2-1} / theta_{D/2-2} = base^(-2 / D)), and
// the position is that last angle over its theta, rounded. Read so while L theta_{D/2-2} < pi,
// L below 3,141 at D 16 and base 10000, about 10^6 at the zoo's D 128 and base 500000; past that
// the angle wraps, the check fails and the tables stay the ops as written. Each base read is
// tried rounded to 3 significant digits and as read.
RopeRead ReadRope(const FloatTensor& cos, const FloatTensor& sin, int64_t s, int64_t d) {
  const int64_t half = d / 2;
  auto candidates = [](double read) {
    const double magnitude = std::pow(10.0, std::floor(std::log10(read)) - 2);
    return std::vector<double>{std::round(read / magnitude) * magnitude, read};
  };
  const double theta1 = s >= 2 && half >= 2 ? std::atan2(sin[d + 1], cos[d + 1]) : 0;
  if (theta1 > 0 && theta1 < 1) {
    for (double base : candidates(std::pow(theta1, -static_cast<double>(d) / 2.0))) {
      if (RopeTablesHold(cos, sin, s, d, base, 0)) {
        return {base, 0};
      }
    }
  }
  if (half < 3) {
    return {};
  }
  const double lo = std::atan2(sin[half - 1], cos[half - 1]),
               next = std::atan2(sin[half - 2], cos[half - 2]);
  if (!(lo > 0 && next > lo)) {
    return {};
  }
  for (double base : candidates(std::pow(lo / next, -static_cast<double>(d) / 2.0))) {
    const double theta =
        std::pow(base, -2.0 * static_cast<double>(half - 1) / static_cast<double>(d));
    const double offset = std::round(lo / theta);
    if (offset >= 1 && offset <= 1e9 &&  // within rotary_embedding's position_offset range
        RopeTablesHold(cos, sin, s, d, base, static_cast<int64_t>(offset))) {
      return {base, static_cast<int64_t>(offset)};
    }
  }
  return {};
}

// The rotary embedding written in torch ops on precomputed tables (Hugging Face's
// apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1)),
// imported as mul by the cos table, slice of each half, affine -1 of the second, concat, mul by
// the sin table, add: one rotary_embedding (rotate-half layout, all D features, its position
// offset the position of the tables' row 0). Starts at the slice of the first half.
bool MatchRotary(const NetworkSpec& net, const Readers& r, const NetLayer& x1, Fusion* f) {
  if (x1.op != NetOp::kSlice) {
    return false;
  }
  const std::string& x = x1.inputs[0];
  const Shape* xs = ShapeOf(net, r, x);
  if (xs == nullptr || xs->size() < 2) {
    return false;
  }
  const size_t last = xs->size() - 1;
  const int64_t d = xs->back(), s = (*xs)[last - 1], half = d / 2;
  int64_t a = 0, b = 0;
  if (d % 2 != 0 || !SliceOf(x1, *xs, last, &a, &b) || a != 0 || b != half) {
    return false;
  }
  const NetLayer* cat = r.Sole(x1.name, NetOp::kConcat);
  if (cat == nullptr || cat->inputs.size() != 2 || cat->inputs[1] != x1.name ||
      (cat->axis < 0 ? cat->axis + static_cast<int64_t>(xs->size()) : cat->axis) !=
          static_cast<int64_t>(last)) {
    return false;
  }
  const NetLayer* neg = r.Layer(cat->inputs[0]);
  if (neg == nullptr || neg->op != NetOp::kAffine || neg->alpha != -1.0 || neg->beta != 0.0 ||
      r.Of(neg->name).size() != 1) {
    return false;
  }
  const NetLayer* x2 = r.Layer(neg->inputs[0]);
  if (x2 == nullptr || !SliceOf(*x2, *xs, last, &a, &b) || x2->inputs[0] != x ||
      r.Of(x2->name).size() != 1 || a != half || b != d) {
    return false;
  }
  const NetLayer* msin = r.Sole(cat->name, NetOp::kMul);
  if (msin == nullptr || msin->inputs.size() != 2 || msin->inputs[0] != cat->name) {
    return false;
  }
  const NetLayer* add = r.Sole(msin->name, NetOp::kAdd);
  if (add == nullptr || add->inputs.size() != 2) {
    return false;
  }
  const NetLayer* mcos = r.Layer(add->inputs[0] == msin->name ? add->inputs[1] : add->inputs[0]);
  if (mcos == nullptr || mcos->op != NetOp::kMul || mcos->activation != Activation::kNone ||
      mcos->inputs.size() != 2 || mcos->inputs[0] != x || r.Of(mcos->name).size() != 1) {
    return false;
  }
  const FloatTensor* cos = Table(r, mcos->inputs[1], s, d);
  const FloatTensor* sin = Table(r, msin->inputs[1], s, d);
  const RopeRead rope = cos != nullptr && sin != nullptr ? ReadRope(*cos, *sin, s, d) : RopeRead{};
  if (rope.base == 0) {
    return false;
  }
  f->drop = {x1.name, x2->name, neg->name, cat->name, msin->name, mcos->name};
  f->last = add->name;
  f->fused.op = NetOp::kRotaryEmbedding;
  f->fused.inputs = {x};
  f->fused.rope_base = rope.base;
  f->fused.rope_offset = rope.offset;
  f->fused.rope_dim = 0;
  f->fused.rope_interleaved = false;
  return true;
}

// Constant layers no layer reads any more (the tables of a fused rotary embedding).
void DropUnreadConstants(NetworkSpec* net) {
  const Readers r(*net);
  std::vector<NetLayer> kept;
  for (NetLayer& l : net->layers) {
    if (l.op == NetOp::kConstant && r.Of(l.name).empty()) {
      continue;
    }
    kept.push_back(std::move(l));
  }
  net->layers = std::move(kept);
}

void Apply(const Fusion& f, NetworkSpec* net) {
  std::vector<NetLayer> kept;
  for (NetLayer& l : net->layers) {
    if (f.drop.count(l.name)) {
      continue;
    }
    if (l.name == f.last) {
      TakeOver(&l, f.fused);
    }
    kept.push_back(std::move(l));
  }
  net->layers = std::move(kept);
}

}  // namespace

int FuseDecoderFunctions(NetworkSpec* net) {
  const int fused = FuseUntilNone(net, [net](const Readers& r, const NetLayer& l) {
    Fusion f;
    if (!MatchRmsNorm(*net, r, l, &f) && !MatchSilu(r, l, &f) && !MatchGelu(r, l, &f) &&
        !MatchRotary(*net, r, l, &f)) {
      return false;
    }
    Apply(f, net);
    return true;
  });
  if (fused > 0) {
    DropUnreadConstants(net);
  }
  return fused;
}

}  // namespace quasar::models::onnx_import
