// QONNX Trunc (domain qonnx.custom_op.general), as the QONNX custom-op documentation defines it
// (github.com/fastmachinelearning/qonnx, docs/qonnx-custom-ops/trunc_v1.md and trunc_v2.md, and
// the reference implementation src/qonnx/custom_op/general/trunc.py). With q = round(x / scale +
// zeropt), the integer of x in its input quantization:
//   v1 (X, scale, zeropt, in_bitwidth, out_bitwidth): T = 2^(in_bitwidth - out_bitwidth),
//      y = (R(q / T) - zeropt) * scale;
//   v2 (X, scale, zeropt, in_bitwidth, out_scale, out_bitwidth; signed, narrow): T =
//      2^round(log2(out_scale / scale)), y = (R(clamp(q / T, min, max)) - zeropt / T) * out_scale,
//      [min, max] the range of out_bitwidth, signed and narrow as for Quant;
// R the rounding_mode (default FLOOR; CEIL; ROUND half to even). The two forms differ in their
// input count.
//
// Trunc of a computed tensor whose parameters are (scale, zero point 0) gives a tensor of
// out_bitwidth integers R(q / T) with zero point 0 and scale `scale` (v1) or out_scale (v2):
// the importer fixes those parameters and computes it as an `affine` layer, whose integer
// semantics is dequantize, alpha x + beta, quantize half to even (RunDequantized):
//   alpha = s_out / (s_in T), beta = -/+ (1/2 - 1/(2T)) s_out for FLOOR / CEIL,
// so that the quantizer rounds q / T -/+ (1/2 - 1/(2T)) to the nearest integer. q / T is a
// multiple of 1/T, so that value lies at least 1/(2T) from any half-integer: rounding it to the
// nearest is floor (ceil) of q / T. The float32 arithmetic of RunDequantized errs by less than
// (|q| / T + 1) 2^-22, below 1/(2T) for |q| < 2^16 (16-bit inputs at most) and T <= 2^15
// (a larger shift is refused), so the result is exact. Quasar's quantizer saturates to the
// output type, as v2 clamps (v1 does not: a CEIL that reaches 2^(out_bitwidth - 1) saturates).
// ROUND of the shift (ties to even) has no such margin: it is taken with beta = 0 when both
// scales are powers of two, where every step of that arithmetic is exact (q < 2^16 times a power
// of two, alpha a power of two, a division by one), so the quantizer's half to even sees the
// exact q / T; otherwise it is refused.

#include <cmath>

#include "importer.h"
#include "quasar/models/quant_params.h"

namespace quasar::models::onnx_import {
namespace {

double Scalar(const Constant& c, const char* what) {
  if (c.size() != 1) {
    throw NodeError(std::string(what) + " must be one value");
  }
  return c.integer ? static_cast<double>(c.ints[0]) : c.floats[0];
}

int Bits(const Node& node, int i, const char* what) {
  const double b = Scalar(node.ConstantIn(i, what), what);
  if (b != std::floor(b) || b < 1 || b > 32) {
    throw NodeError(std::string(what) + " must be an integer in 1..32, got " +
                    std::to_string(b));
  }
  return static_cast<int>(b);
}

bool PowerOfTwo(double v) {
  int e = 0;
  return v > 0.0 && std::frexp(v, &e) == 0.5;
}

// The parameters a computed tensor carries: its own, or those of the tensor a layer that only
// moves data (a pool, a flatten) took them from.
const QuantParams* ParamsOfTensor(Importer& im, std::string tensor) {
  const NetworkSpec& net = im.net();
  for (;;) {
    const auto f = net.fixed_params.find(tensor);
    if (f != net.fixed_params.end()) {
      return &f->second;
    }
    const NetLayer* l = net.FindLayer(tensor);
    if (l == nullptr || !NetOpMovesDataOnly(l->op) || l->inputs.empty()) {
      return nullptr;
    }
    tensor = l->inputs[0];
  }
}

void Trunc(const Node& node) {
  const bool v2 = node.proto().input_size() == 6;
  if (!v2 && node.proto().input_size() != 5) {
    throw NodeError("takes 5 inputs (X, scale, zeropt, in_bitwidth, out_bitwidth; version 1) or "
                    "6 (X, scale, zeropt, in_bitwidth, out_scale, out_bitwidth; version 2), got " +
                    std::to_string(node.proto().input_size()));
  }
  if (v2) {
    node.KnownAttributes({"rounding_mode", "signed", "narrow"});
  } else {
    node.KnownAttributes({"rounding_mode"});
  }
  const std::string rounding = node.String("rounding_mode", "FLOOR");
  const bool floor = rounding == "FLOOR" || rounding == "floor";
  const bool ceil = rounding == "CEIL" || rounding == "ceil";
  const bool round = rounding == "ROUND" || rounding == "round";
  if (!floor && !ceil && !round) {
    throw NodeError("rounding_mode '" + rounding + "' is not one of FLOOR, CEIL, ROUND");
  }
  if (node.In(0).is_constant()) {
    throw NodeError("truncates a constant; Quasar takes Trunc of a computed tensor");
  }
  const Value& x = node.Activation(0, "X");
  const Constant& scale_c = node.ConstantIn(1, "the scale");
  const double scale = Scalar(scale_c, "the scale");
  const double zero = Scalar(node.ConstantIn(2, "the zero point"), "the zero point");
  const int in_bits = Bits(node, 3, "in_bitwidth");
  const int out_bits = Bits(node, v2 ? 5 : 4, "out_bitwidth");
  if (out_bits > in_bits) {
    throw NodeError("out_bitwidth " + std::to_string(out_bits) + " exceeds in_bitwidth " +
                    std::to_string(in_bits) + "; Trunc drops bits");
  }
  if (zero != 0.0) {
    throw NodeError("the zero point " + std::to_string(zero) +
                    " is not supported (Quasar truncates tensors of zero point 0)");
  }
  const QuantParams* in = ParamsOfTensor(node.importer(), x.tensor);
  if (in == nullptr) {
    throw NodeError("its input '" + node.proto().input(0) +
                    "' has no quantization of the model (a Quant before it)");
  }
  if (in->scales.size() != 1 || static_cast<double>(in->scales[0]) != scale ||
      in->zero_points[0] != 0) {
    throw NodeError("its scale and zero point must be those of its input's quantization");
  }
  if (in->type.bits > 16 ||
      (in->type.kind != IntKind::kSigned && in->type.kind != IntKind::kUnsigned)) {
    throw NodeError("truncates a " + in->type.Name() + " tensor; Quasar truncates integers of "
                    "2 to 16 bits");
  }
  bool is_signed = in->type.kind == IntKind::kSigned;
  double out_scale = scale, shift = std::ldexp(1.0, in_bits - out_bits);
  if (v2) {
    if (node.Int("narrow", 0) != 0) {
      throw NodeError("narrow range on a computed tensor is not supported (Quasar's activation "
                      "types are full range)");
    }
    is_signed = node.Int("signed", 1) != 0;
    out_scale = Scalar(node.ConstantIn(4, "out_scale"), "out_scale");
    int e = 0;
    const double m = std::frexp(out_scale / scale, &e);
    if (!(out_scale > 0.0) || m != 0.5 || e < 1) {
      throw NodeError("out_scale / scale = " + std::to_string(out_scale / scale) +
                      " is not a power of two of at least 1");
    }
    shift = std::ldexp(1.0, e - 1);
  }
  if (shift > 32768.0) {
    throw NodeError("drops " + std::to_string(std::ilogb(shift)) + " bits; Quasar truncates by "
                    "at most 15 (the exactness argument above holds up to there)");
  }
  if (out_bits > 16 || out_bits < (is_signed ? 2 : 1)) {
    throw NodeError("out_bitwidth " + std::to_string(out_bits) + " is outside Quasar's " +
                    (is_signed ? "2" : "1") + "..16 bits");
  }
  if (round && (!PowerOfTwo(scale) || !PowerOfTwo(out_scale))) {
    throw NodeError("rounding_mode ROUND needs power-of-two scales (its ties must be computed "
                    "exactly), got scale " + std::to_string(scale) + " and output scale " +
                    std::to_string(out_scale));
  }
  QuantParams p;
  p.type = is_signed ? IntType::Signed(out_bits) : IntType::Unsigned(out_bits);
  p.scales = {static_cast<float>(out_scale)};
  p.zero_points = {0};
  const std::string why = ScaleError(p.scales[0]);
  if (!why.empty()) {
    throw NodeError("the output scale " + why);
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kAffine;
  l.inputs = {x.tensor};
  l.alpha = out_scale / (scale * shift);
  l.beta = round ? 0.0 : (floor ? -1.0 : 1.0) * (0.5 - 0.5 / shift) * out_scale;
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  FixTensorParams(node, name, p);
}

}  // namespace

std::vector<Converter> QonnxTruncConverters() { return {{"Trunc", 1, Trunc, kQonnxDomain}}; }

}  // namespace quasar::models::onnx_import
