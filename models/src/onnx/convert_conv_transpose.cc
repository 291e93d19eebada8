// ConvTranspose becomes Quasar's conv_transpose2d (ops/conv_transpose.cc). Semantics:
// onnx/docs/Operators.md, ConvTranspose (opsets 1, 11): X [N, C_in, H, W], W [C_in, C_out/group,
// kH, kW], optional B [C_out]; strides and dilations default to 1, pads to 0, output_padding to
// 0. When output_shape is given the pads are derived from it ("pads values are ignored"):
//   total_padding[i] = stride[i] * (input_size[i] - 1) + output_padding[i]
//                      + ((kernel_shape[i] - 1) * dilations[i] + 1) - output_shape[i],
// split as pads[start] = total - total / 2, pads[end] = total / 2 (auto_pad SAME_UPPER: the
// other way round). Refused: a total padding below 0 (an output larger than the full transposed
// convolution), auto_pad SAME_UPPER / SAME_LOWER without output_shape, and non-2-D windows.
// The weights are permuted to Quasar's [C_out, C_in/group, kH, kW] (output channels first).

#include <algorithm>

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

std::vector<int64_t> PairOr(const Node& node, const char* name, int64_t fallback,
                            int64_t min_value) {
  std::vector<int64_t> v = node.Ints(name);
  if (v.empty()) {
    return {fallback, fallback};
  }
  if (v.size() != 2 || v[0] < min_value || v[1] < min_value) {
    throw NodeError("attribute '" + std::string(name) + "' must be two ints >= " +
                    std::to_string(min_value) + " (2-D windows only), got " + Dims(v));
  }
  return v;
}

void ConvTranspose(const Node& node) {
  node.KnownAttributes({"auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                        "output_shape", "pads", "strides"});
  const Value& x = node.Activation(0, "the input");
  if (x.shape.size() != 4) {
    throw NodeError("the input has shape " + Dims(x.shape) + "; Quasar's transposed " +
                    "convolutions are 2-D, over [N, C, H, W]");
  }
  const Constant& w = node.ConstantIn(1, "the weights");
  if (w.integer || w.shape.size() != 4) {
    throw NodeError("the weights must be a float32 tensor of rank 4, got " +
                    (w.integer ? std::string("integers") : "shape " + Dims(w.shape)));
  }
  const int64_t group = node.Int("group", 1);
  const int64_t c_in = x.shape[1];
  if (group < 1 || c_in % group != 0 || w.shape[0] != c_in) {
    throw NodeError("the weights " + Dims(w.shape) + " and group " + std::to_string(group) +
                    " do not fit the input's " + std::to_string(c_in) + " channels (W is [C_in, " +
                    "C_out/group, kH, kW])");
  }
  const auto [kh, kw] = KernelShape(node, &w.shape);
  const int64_t cout_g = w.shape[1], c_out = cout_g * group, cin_g = c_in / group;
  const auto strides = PairOr(node, "strides", 1, 1);
  const auto dilations = PairOr(node, "dilations", 1, 1);
  const auto output_padding = PairOr(node, "output_padding", 0, 0);
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kConvTranspose2d;
  l.inputs = {x.tensor};
  l.kernel_h = kh;
  l.kernel_w = kw;
  l.out_channels = c_out;
  Conv2dGeometry& g = l.geometry;
  g.stride_h = strides[0], g.stride_w = strides[1];
  g.dilation_h = dilations[0], g.dilation_w = dilations[1];
  g.output_pad_h = output_padding[0], g.output_pad_w = output_padding[1];
  g.groups = group;
  const std::string auto_pad = node.String("auto_pad", "NOTSET");
  const auto output_shape = node.Ints("output_shape");
  if (!output_shape.empty()) {
    if (output_shape.size() != 2 || auto_pad == "VALID") {
      throw NodeError("attribute 'output_shape' " + Dims(output_shape) + " with auto_pad " +
                      auto_pad + ": Quasar takes two extents [H, W] with auto_pad NOTSET, " +
                      "SAME_UPPER or SAME_LOWER");
    }
    const int64_t k[2] = {kh, kw};
    int64_t* begin[2] = {&g.pad_top, &g.pad_left};
    int64_t* end[2] = {&g.pad_bottom, &g.pad_right};
    for (int i = 0; i < 2; ++i) {
      const int64_t total = strides[i] * (x.shape[2 + i] - 1) + output_padding[i] +
                            (k[i] - 1) * dilations[i] + 1 - output_shape[i];
      if (total < 0) {
        throw NodeError("attribute 'output_shape' " + Dims(output_shape) + " asks for more " +
                        "than the full transposed convolution (total padding " +
                        std::to_string(total) + " on axis " + std::to_string(2 + i) +
                        "); Quasar takes pads >= 0");
      }
      const bool upper = auto_pad == "SAME_UPPER";
      *begin[i] = upper ? total / 2 : total - total / 2;
      *end[i] = total - *begin[i];
    }
  } else if (auto_pad == "NOTSET") {
    const auto pads = node.Ints("pads");
    if (!pads.empty()) {
      if (pads.size() != 4 || *std::min_element(pads.begin(), pads.end()) < 0) {
        throw NodeError("attribute 'pads' must be four non-negative ints (2-D windows only), " +
                        std::string("got ") + Dims(pads));
      }
      g.pad_top = pads[0], g.pad_left = pads[1], g.pad_bottom = pads[2], g.pad_right = pads[3];
    }
  } else if (auto_pad != "VALID") {
    throw NodeError("attribute 'auto_pad' " + auto_pad + " without output_shape is not " +
                    "supported (give explicit pads)");
  }
  // W [C_in, C_out/group, kH, kW] -> [C_out, C_in/group, kH, kW].
  FloatTensor weights({c_out, cin_g, kh, kw});
  for (int64_t c = 0; c < c_in; ++c) {
    const int64_t grp = c / cin_g, ic = c % cin_g;
    for (int64_t j = 0; j < cout_g; ++j) {
      for (int64_t t = 0; t < kh * kw; ++t) {
        weights[((grp * cout_g + j) * cin_g + ic) * kh * kw + t] =
            w.floats[static_cast<size_t>((c * cout_g + j) * kh * kw + t)];
      }
    }
  }
  l.weights_data = std::make_shared<const FloatTensor>(std::move(weights));
  if (node.Has(2)) {
    const Constant& b = node.ConstantIn(2, "the bias");
    if (b.integer || b.size() != c_out) {
      throw NodeError("the bias must hold " + std::to_string(c_out) + " float32 values, got " +
                      (b.integer ? std::string("integers") : "shape " + Dims(b.shape)));
    }
    l.bias_data = std::make_shared<const std::vector<float>>(b.floats);
  }
  l.bias = l.bias_data != nullptr;
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  if (w.quant) {
    // A QDQ model's weights: per tensor, or per output channel (ONNX's axis 1) with one group,
    // whose scales then run along Quasar's axis 0.
    if (w.quant->scales.size() > 1 && (w.quant_axis != 1 || group != 1)) {
      throw NodeError("the weights are quantized per index of axis " +
                      std::to_string(w.quant_axis) + " with group " + std::to_string(group) +
                      "; Quasar takes per-tensor weights, or per output channel (axis 1) with " +
                      "group 1");
    }
    Constant permuted;
    permuted.quant = w.quant;
    permuted.quant_axis = 0;
    KeepWeightQuantization(node, name, permuted, 0);
  }
}

}  // namespace

std::vector<Converter> ConvTransposeConverters() { return {{"ConvTranspose", 1, ConvTranspose}}; }

}  // namespace quasar::models::onnx_import
