// QONNX models (domain qonnx.custom_op.general; Brevitas and FINN wrote finn.custom_op.general
// and onnx.brevitas): Quant (renamed IntQuant) and BipolarQuant, as the QONNX custom-op
// documentation defines them (github.com/fastmachinelearning/qonnx, docs/qonnx-custom-ops/
// intquant_v1.md, bipolarquant_v1.md):
//   Quant: q = round(clamp(x / scale + zeropt, min, max)), y = (q - zeropt) * scale, with
//     [min, max] = signed ? [-2^(b-1) (+1 if narrow), 2^(b-1) - 1] : [0, 2^b - 1 (-1 if narrow)]
//     and round per rounding_mode (ROUND: half to even; CEIL; FLOOR);
//   BipolarQuant: y = (x >= 0 ? 1 : -1) * scale.
// They carry the 1- to 16-bit quantization QDQ cannot express. On weights they fold, keeping
// their parameters (as a DequantizeLinear of integers does); on a computed tensor they fix its
// parameters (as a QuantizeLinear does) and pass it through.

#include <algorithm>
#include <cmath>
#include <limits>

#include "importer.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::models::onnx_import {
namespace {

// The one axis a per-channel scale of shape `s` (rank of x, all 1 but one) runs along, or -1
// for a scalar.
int64_t ChannelAxis(const Shape& s, const Shape& x) {
  int64_t axis = -1;
  for (size_t d = 0; d < s.size(); ++d) {
    if (s[d] != 1) {
      if (axis >= 0 || s.size() != x.size() || s[d] != x[d]) {
        throw NodeError("the scale has shape " + Dims(s) + "; Quasar takes one scale, or one per "
                        "index of a single axis of " + Dims(x));
      }
      axis = static_cast<int64_t>(d);
    }
  }
  return axis;
}

float Round(float v, const std::string& mode) {
  if (mode == "ROUND" || mode == "round") {
    return std::nearbyint(v);  // half to even in the default rounding mode
  }
  if (mode == "CEIL" || mode == "ceil") {
    return std::ceil(v);
  }
  if (mode == "FLOOR" || mode == "floor") {
    return std::floor(v);
  }
  throw NodeError("rounding_mode '" + mode + "' is not supported (ROUND, CEIL, FLOOR)");
}

void Quant(const Node& node) {
  node.KnownAttributes({"signed", "narrow", "rounding_mode"});
  const Value& x = node.In(0);
  const Constant& scale = node.ConstantIn(1, "the scale");
  const Constant& zero = node.ConstantIn(2, "the zero point");
  const Constant& width = node.ConstantIn(3, "the bit width");
  const bool is_signed = node.Int("signed", 1) != 0, narrow = node.Int("narrow", 0) != 0;
  const std::string rounding = node.String("rounding_mode", "ROUND");
  const double b = width.size() != 1 ? 0.0
                   : width.integer   ? static_cast<double>(width.ints[0])
                                     : width.floats[0];
  if (width.size() != 1 || b != std::floor(b) || b < (is_signed ? 2 : 1) || b > 16) {
    throw NodeError("the bit width must be one integer in " + std::string(is_signed ? "2" : "1") +
                    "..16");
  }
  const int bits = static_cast<int>(b);
  if (zero.size() != 1 || scale.integer) {
    throw NodeError("Quasar takes one zero point and float32 scales");
  }
  const double z = zero.integer ? static_cast<double>(zero.ints[0]) : zero.floats[0];
  // Quasar's zero points are int32 (QuantParams); a larger one (or an infinite one) cannot be
  // held, let alone be a point of a 16-bit type.
  if (z != std::floor(z) || std::fabs(z) > std::numeric_limits<int32_t>::max()) {
    throw NodeError("the zero point " + std::to_string(z) + " is not an int32 integer");
  }
  QuantParams p;
  p.type = is_signed ? IntType::Signed(bits) : IntType::Unsigned(bits);
  p.scales = scale.floats;
  p.zero_points.assign(p.scales.size(), static_cast<int32_t>(z));
  for (float s : p.scales) {
    const std::string why = ScaleError(s);
    if (!why.empty()) {
      throw NodeError("a scale " + why);
    }
  }
  if (!x.is_constant()) {
    if (narrow) {
      throw NodeError("narrow range on a computed tensor is not supported (Quasar's activation "
                      "types are full range)");
    }
    if (rounding != "ROUND" && rounding != "round") {
      throw NodeError("rounding_mode " + rounding + " on a computed tensor is not supported "
                      "(Quasar quantizes activations half to even)");
    }
    FixTensorParams(node, x.tensor, p);
    node.importer().PassThrough(node.proto().input(0), node.Out(0));
    return;
  }
  // Weights: fold, keeping the parameters.
  const Constant& w = *x.constant;
  if (w.integer) {
    throw NodeError("quantizes an integer constant");
  }
  const int64_t axis = ChannelAxis(scale.shape, w.shape);
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(std::max<int64_t>(axis, 0)) + 1; d < w.shape.size(); ++d) {
    inner *= w.shape[d];
  }
  const int64_t lo = is_signed ? -(int64_t{1} << (bits - 1)) + (narrow ? 1 : 0) : 0;
  const int64_t hi = is_signed ? (int64_t{1} << (bits - 1)) - 1
                               : (int64_t{1} << bits) - 1 - (narrow ? 1 : 0);
  Constant out;
  out.shape = w.shape;
  out.data_type = onnx_io::kFloat;
  out.floats.resize(w.floats.size());
  const auto zf = static_cast<float>(z);
  for (int64_t i = 0; i < w.size(); ++i) {
    const int64_t c = axis < 0 ? 0 : (i / inner) % w.shape[static_cast<size_t>(axis)];
    const float s = p.scale(c);
    // float32, as the reference implementation computes on float32 tensors.
    const float v = std::clamp(w.floats[static_cast<size_t>(i)] / s + zf, static_cast<float>(lo),
                               static_cast<float>(hi));
    out.floats[static_cast<size_t>(i)] = (Round(v, rounding) - zf) * s;
  }
  out.quant = p;
  out.quant_axis = std::max<int64_t>(axis, 0);
  node.importer().BindConstant(node.Out(0), std::move(out));
}

void BipolarQuant(const Node& node) {
  node.KnownAttributes({});
  const Value& x = node.In(0);
  const Constant& scale = node.ConstantIn(1, "the scale");
  if (scale.integer || !(scale.floats[0] > 0.0f)) {
    throw NodeError("the scale must be positive float32 values");
  }
  QuantParams p;
  p.type = IntType::Binary();
  p.scales = scale.floats;
  p.zero_points.assign(p.scales.size(), 0);
  if (!x.is_constant()) {
    FixTensorParams(node, x.tensor, p);
    node.importer().PassThrough(node.proto().input(0), node.Out(0));
    return;
  }
  const Constant& w = *x.constant;
  const int64_t axis = ChannelAxis(scale.shape, w.shape);
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(std::max<int64_t>(axis, 0)) + 1; d < w.shape.size(); ++d) {
    inner *= w.shape[d];
  }
  Constant out;
  out.shape = w.shape;
  out.data_type = onnx_io::kFloat;
  out.floats.resize(w.floats.size());
  for (int64_t i = 0; i < w.size(); ++i) {
    const int64_t c = axis < 0 ? 0 : (i / inner) % w.shape[static_cast<size_t>(axis)];
    out.floats[static_cast<size_t>(i)] = (w.floats[static_cast<size_t>(i)] >= 0.0f ? 1.0f : -1.0f) *
                                         p.scale(c);
  }
  out.quant = p;
  out.quant_axis = std::max<int64_t>(axis, 0);
  node.importer().BindConstant(node.Out(0), std::move(out));
}

}  // namespace

bool IsQonnxDomain(const std::string& domain) {
  return domain == kQonnxDomain || domain == "finn.custom_op.general" ||
         domain == "onnx.brevitas";
}

std::vector<Converter> QonnxConverters() {
  return {{"Quant", 1, Quant, kQonnxDomain},
          {"IntQuant", 1, Quant, kQonnxDomain},
          {"BipolarQuant", 1, BipolarQuant, kQonnxDomain}};
}

}  // namespace quasar::models::onnx_import
