// Shape inference along a network graph: every layer's output and weight shapes, MACs and
// parameters, with a recorded error wherever the graph does not chain.

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>

#include "net_keys.h"
#include "quasar/models/int128.h"
#include "quasar/models/net/network.h"
#include "quasar/models/ref/gemm.h"

namespace quasar::models {
namespace {

// Records problems of one layer under its key.
struct LayerErrors {
  ErrorList* errors;
  std::string key;
  void Add(const std::string& field, const std::string& problem) const {
    errors->Add(field.empty() ? key : key + "." + field, problem);
  }
};

// Limits that keep every count in int64 with room to spare: a tensor of 2^40 elements is
// already 4 TiB of int32, and 2^50 MACs a thousand times VGG-16. Products are formed in 128 bits
// and checked against them.
constexpr int128 kMaxElements = int128{1} << 40;
constexpr int128 kMaxMacs = int128{1} << 50;  // per layer; network totals stay far from 2^63

int128 Product(const Shape& s, size_t from, size_t to) {
  int128 p = 1;
  for (size_t i = from; i < to; ++i) {
    p *= s[i];
    if (p > kMaxElements) {
      return kMaxElements + 1;  // saturate: enough to fail the check, no overflow
    }
  }
  return p;
}

std::string Num(int64_t v) { return std::to_string(v); }

// Spatial output of a window op; records an error and returns false when the window does not fit.
bool WindowOutput(const NetLayer& l, const Shape& in, const LayerErrors& e, int64_t* ho,
                  int64_t* wo) {
  const Conv2dGeometry& g = l.geometry;
  *ho = ConvOutputSize(in[2], l.kernel_h, g.stride_h, g.pad_top, g.pad_bottom, g.dilation_h);
  *wo = ConvOutputSize(in[3], l.kernel_w, g.stride_w, g.pad_left, g.pad_right, g.dilation_w);
  if (*ho < 1 || *wo < 1) {
    e.Add("kernel", "the " + Num(l.kernel_h) + "x" + Num(l.kernel_w) +
                        " window (stride, "
                        "padding and dilation included) does not fit the " +
                        Num(in[2]) + "x" + Num(in[3]) + " input " + ShapeToString(in));
    return false;
  }
  return true;
}

// Infers one layer; returns false (with errors recorded) if its output shape is unknown.
bool InferLayer(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e) {
  const Shape& x = *in[0];
  auto need_rank = [&](size_t rank, const char* what) {
    if (x.size() != rank) {
      e.Add("input", NetOpName(l->op) + " reads a " + what + " tensor, got " + ShapeToString(x));
      return false;
    }
    return true;
  };
  l->weight_shape.clear();
  l->macs = 0;
  int128 macs = 0;
  Shape out;
  switch (l->op) {
    case NetOp::kConv2d:
    case NetOp::kDepthwiseConv2d: {
      if (!need_rank(4, "[N, C, H, W]")) {
        return false;
      }
      const bool dw = l->op == NetOp::kDepthwiseConv2d;
      const int64_t groups = dw ? x[1] : l->geometry.groups;
      const int64_t c_out = dw ? x[1] * l->multiplier : l->out_channels;
      if (!dw && (x[1] % groups != 0 || c_out % groups != 0)) {
        e.Add("groups", "must divide the input channels (" + Num(x[1]) + ") and out_channels (" +
                            Num(c_out) + "), got " + Num(groups));
        return false;
      }
      int64_t ho = 0, wo = 0;
      if (!WindowOutput(*l, x, e, &ho, &wo)) {
        return false;
      }
      l->out_channels = c_out;
      l->weight_shape = {c_out, x[1] / groups, l->kernel_h, l->kernel_w};
      out = {x[0], c_out, ho, wo};
      macs = Product({x[0], c_out, ho, wo}, 0, 4) *
             Product({x[1] / groups, l->kernel_h, l->kernel_w}, 0, 3);
      break;
    }
    case NetOp::kFullyConnected:
      if (!need_rank(2, "[N, K] (insert a flatten before it)")) {
        return false;
      }
      l->weight_shape = {l->out_channels, x[1]};
      out = {x[0], l->out_channels};
      macs = Product({x[0], l->out_channels}, 0, 2) * x[1];
      break;
    case NetOp::kMatMul: {
      try {
        out = MatMulOutputShape(x, *in[1]);  // the kernels' own rule: [..., M, K] x [..., K, N]
      } catch (const InputError& err) {
        e.Add("inputs", err.what());
        return false;
      }
      macs = Product(out, 0, out.size()) * x.back();
      break;
    }
    case NetOp::kAdd:
      if (*in[1] != x) {
        e.Add("inputs", "add needs two tensors of one shape, got " + ShapeToString(x) + " and " +
                            ShapeToString(*in[1]));
        return false;
      }
      out = x;
      break;
    case NetOp::kMaxPool:
    case NetOp::kAvgPool: {
      if (!need_rank(4, "[N, C, H, W]")) {
        return false;
      }
      // A window may not start or end in padding only (PyTorch: "pad should be at most half of
      // effective kernel size", aten/src/ATen/native/Pool.h pool2d_shape_check).
      const Conv2dGeometry& g = l->geometry;
      if (std::max(g.pad_top, g.pad_bottom) > l->kernel_h / 2 ||
          std::max(g.pad_left, g.pad_right) > l->kernel_w / 2) {
        e.Add("padding", "must be at most half the pooling window (" + Num(l->kernel_h) + "x" +
                             Num(l->kernel_w) + ")");
        return false;
      }
      int64_t ho = 0, wo = 0;
      if (!WindowOutput(*l, x, e, &ho, &wo)) {
        return false;
      }
      out = {x[0], x[1], ho, wo};
      break;
    }
    case NetOp::kGlobalAvgPool:
      if (!need_rank(4, "[N, C, H, W]")) {
        return false;
      }
      out = {x[0], x[1], 1, 1};
      break;
    case NetOp::kFlatten:
      if (x.size() < 2) {
        e.Add("input", "flatten needs a tensor of rank >= 2, got " + ShapeToString(x));
        return false;
      }
      out = {x[0], static_cast<int64_t>(Product(x, 1, x.size()))};
      break;
    case NetOp::kReshape: {
      out = l->target_shape;
      const auto unknown = std::count(out.begin(), out.end(), int64_t{-1});
      const bool bad_dim =
          std::any_of(out.begin(), out.end(), [](int64_t d) { return d == 0 || d < -1; });
      const int64_t known =
          std::accumulate(out.begin(), out.end(), int64_t{1},
                          [](int64_t a, int64_t d) { return d == -1 ? a : a * d; });
      const int64_t total = NumElements(x);
      if (unknown > 1 || bad_dim || known == 0 || (unknown == 0 && known != total) ||
          (unknown == 1 && total % known != 0)) {
        e.Add("shape", "cannot reshape " + ShapeToString(x) + " (" + Num(total) + " elements) to " +
                           ShapeToString(l->target_shape));
        return false;
      }
      std::replace(out.begin(), out.end(), int64_t{-1}, total / known);
      break;
    }
    case NetOp::kTranspose: {
      std::vector<int64_t> sorted = l->perm;
      std::sort(sorted.begin(), sorted.end());
      bool ok = sorted.size() == x.size();
      for (size_t i = 0; ok && i < sorted.size(); ++i) {
        ok = sorted[i] == static_cast<int64_t>(i);
      }
      if (!ok) {
        e.Add("perm", "must be a permutation of 0.." + Num(static_cast<int64_t>(x.size()) - 1) +
                          " for the input " + ShapeToString(x));
        return false;
      }
      for (int64_t p : l->perm) {
        out.push_back(x[static_cast<size_t>(p)]);
      }
      break;
    }
  }
  if (Product(out, 0, out.size()) > kMaxElements ||
      Product(l->weight_shape, 0, l->weight_shape.size()) > kMaxElements) {
    e.Add("", "the output " + ShapeToString(out) + " or weights " + ShapeToString(l->weight_shape) +
                  " exceed 2^40 elements");
    return false;
  }
  if (macs > kMaxMacs) {
    e.Add("", "the layer's multiply-accumulates exceed 2^50");
    return false;
  }
  l->macs = static_cast<int64_t>(macs);
  l->params = (l->weight_shape.empty() ? 0 : NumElements(l->weight_shape)) +
              (NetOpHasWeights(l->op) && l->bias ? l->out_channels : 0);
  if (!l->output_shape.empty() && l->output_shape != out) {
    e.Add("output_shape", "the inferred output shape is " + ShapeToString(out) + ", got " +
                              ShapeToString(l->output_shape));
  }
  l->output_shape = out;
  return true;
}

}  // namespace

void InferShapes(NetworkSpec* net, ErrorList* errors) {
  std::map<std::string, Shape> shapes;
  std::set<std::string> broken;  // tensors whose shape could not be inferred
  for (size_t i = 0; i < net->inputs.size(); ++i) {
    const NetInput& in = net->inputs[i];
    if (shapes.count(in.name)) {
      errors->Add("inputs[" + std::to_string(i) + "].name", "'" + in.name + "' is used twice");
    }
    if (Product(in.shape, 0, in.shape.size()) > kMaxElements) {
      errors->Add("inputs[" + std::to_string(i) + "].shape",
                  "more than 2^40 elements, got " + ShapeToString(in.shape));
    }
    shapes[in.name] = in.shape;
  }
  for (size_t i = 0; i < net->layers.size(); ++i) {
    NetLayer& l = net->layers[i];
    const LayerErrors e{errors, LayerKey(i, l.name)};
    if (l.name.empty()) {
      continue;  // already reported as missing
    }
    if (shapes.count(l.name) || broken.count(l.name)) {
      e.Add("name", "'" + l.name + "' is already the name of an earlier tensor");
    }
    if (l.inputs.empty()) {
      l.inputs = {i == 0 ? (net->inputs.empty() ? std::string() : net->inputs[0].name)
                         : net->layers[i - 1].name};
    }
    const size_t arity = (l.op == NetOp::kAdd || l.op == NetOp::kMatMul) ? 2 : 1;
    bool ok = true;
    if (l.inputs.size() != arity) {
      e.Add(arity == 2 ? "inputs" : "input", NetOpName(l.op) + " reads " + std::to_string(arity) +
                                                 " tensor(s), got " +
                                                 std::to_string(l.inputs.size()));
      ok = false;
    }
    std::vector<const Shape*> in;
    for (const std::string& name : l.inputs) {
      if (broken.count(name)) {
        ok = false;  // the producer's error is already reported
      } else if (!shapes.count(name)) {
        e.Add(arity == 2 ? "inputs" : "input",
              "'" + name + "' is not a network input or an earlier layer");
        ok = false;
      } else {
        in.push_back(&shapes[name]);
      }
    }
    if (ok && InferLayer(&l, in, e)) {
      shapes[l.name] = l.output_shape;
    } else {
      broken.insert(l.name);
    }
  }
  if (net->output.empty() && !net->layers.empty()) {
    net->output = net->layers.back().name;
  } else if (!net->output.empty() && !net->FindLayer(net->output)) {
    errors->Add("output", "must name a layer of the network, got '" + net->output + "'");
  }
}

int64_t NetworkSpec::TotalMacs() const {
  int64_t total = 0;
  for (const auto& l : layers) {
    total += l.macs;
  }
  return total;
}

int64_t NetworkSpec::TotalParams() const {
  int64_t total = 0;
  for (const auto& l : layers) {
    total += l.params;
  }
  return total;
}

const NetLayer* NetworkSpec::FindLayer(const std::string& layer_name) const {
  for (const auto& l : layers) {
    if (l.name == layer_name) {
      return &l;
    }
  }
  return nullptr;
}

const Shape& NetworkSpec::ShapeOf(const std::string& tensor) const {
  for (const auto& in : inputs) {
    if (in.name == tensor) {
      return in.shape;
    }
  }
  if (const NetLayer* l = FindLayer(tensor)) {
    return l->output_shape;
  }
  throw std::logic_error("ShapeOf: unknown tensor '" + tensor + "'");
}

}  // namespace quasar::models
