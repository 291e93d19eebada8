// Every enum's names come from one table (enum_names.h): each value's name parses back to it,
// the choices list the canonical names in order, unknown names are refused, and aliases parse
// without becoming names.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/accumulator.h"
#include "quasar/models/calib/calibration.h"
#include "quasar/models/calib/weight_quantizers.h"
#include "quasar/models/enum_names.h"
#include "quasar/models/net/network.h"
#include "quasar/models/output_stage.h"
#include "quasar/models/ref/binary_conv2d.h"
#include "quasar/models/rounding.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/models/spec/layer_spec.h"

using namespace quasar;

namespace {

// Names of `values` joined as the choices functions join them.
template <typename E, typename NameFn>
std::string Joined(const std::vector<E>& values, NameFn name) {
  std::string out;
  for (E v : values) {
    out += (out.empty() ? "" : ", ") + std::string(name(v));
  }
  return out;
}

template <typename E, typename NameFn, typename ParseFn>
void CheckRoundTrip(const std::vector<E>& values, NameFn name, ParseFn parse) {
  std::vector<std::string> seen;
  for (E v : values) {
    const std::string n = name(v);
    INFO(n);
    CHECK(n != "?");
    CHECK(parse(n) == std::optional<E>(v));
    for (const std::string& s : seen) {
      CHECK(s != n);  // names are distinct
    }
    seen.push_back(n);
  }
  CHECK(!parse("no-such-name").has_value());
  CHECK(!parse("").has_value());
}

}  // namespace

TEST_CASE("the table helpers: canonical names, aliases, choices") {
  enum class Color { kRed, kGreen };
  constexpr models::EnumTable<Color, 3> table = {
      {{Color::kRed, "red"}, {Color::kGreen, "green"}, {Color::kRed, "rouge"}}};
  CHECK(std::string(models::EnumName(table, Color::kRed)) == "red");
  CHECK(models::ParseEnum(table, "rouge") == std::optional<Color>(Color::kRed));
  CHECK(models::EnumChoices(table) == "red, green");
  CHECK(models::EnumChoices(table, " | ") == "red | green");
  constexpr models::EnumTable<Color, 1> partial = {{{Color::kRed, "red"}}};
  CHECK(std::string(models::EnumName(partial, Color::kGreen)) == "?");
}

TEST_CASE("every enum's names round-trip through its parser") {
  using namespace models;
  CheckRoundTrip<Dataflow>({Dataflow::kOutputStationary, Dataflow::kWeightStationary,
                            Dataflow::kInputStationary},
                           DataflowName, ParseDataflow);
  CheckRoundTrip<Granularity>(
      {Granularity::kPerTensor, Granularity::kPerChannel, Granularity::kPerGroup}, GranularityName,
      ParseGranularity);
  CHECK(GranularityChoices() == "per_tensor, per_channel, per_group");
  CheckRoundTrip<PadMode>({PadMode::kConstant, PadMode::kReflect, PadMode::kEdge}, PadModeName,
                          ParsePadMode);
  CHECK(PadModeChoices() == "constant, reflect, edge");
  CheckRoundTrip<ResizeCoordinates>(
      {ResizeCoordinates::kHalfPixel, ResizeCoordinates::kPytorchHalfPixel,
       ResizeCoordinates::kAlignCorners, ResizeCoordinates::kAsymmetric},
      ResizeCoordinatesName, ParseResizeCoordinates);
  CheckRoundTrip<ResizeRounding>({ResizeRounding::kRoundPreferFloor,
                                  ResizeRounding::kRoundPreferCeil, ResizeRounding::kFloor,
                                  ResizeRounding::kCeil},
                                 ResizeRoundingName, ParseResizeRounding);
  CheckRoundTrip<PrecisionScaling>({PrecisionScaling::kNone, PrecisionScaling::kBitFusion},
                                   PrecisionScalingName, ParsePrecisionScaling);
  CheckRoundTrip<OverflowMode>({OverflowMode::kWrap, OverflowMode::kSaturate}, OverflowModeName,
                               ParseOverflowMode);
  CheckRoundTrip<Activation>({Activation::kNone, Activation::kRelu, Activation::kRelu6},
                             ActivationName, ParseActivation);
  CheckRoundTrip<BinaryPad>({BinaryPad::kPlusOne, BinaryPad::kMinusOne, BinaryPad::kZero},
                            BinaryPadName, ParseBinaryPad);
  CHECK(ParseBinaryPad("1") == std::optional<BinaryPad>(BinaryPad::kPlusOne));  // an alias
  const std::vector<RoundingMode> modes = {RoundingMode::kTflite, RoundingMode::kTfliteSingle,
                                           RoundingMode::kOnnx, RoundingMode::kTorchQnnpack};
  CheckRoundTrip(modes, RoundingModeName, ParseRoundingMode);
  CHECK(std::string(RoundingModeChoices()) == Joined(modes, RoundingModeName));
  const std::vector<CalibMethod> methods = {CalibMethod::kMinMax, CalibMethod::kPercentile,
                                            CalibMethod::kMse, CalibMethod::kKl};
  CheckRoundTrip(methods, CalibMethodName, ParseCalibMethod);
  CHECK(std::string(CalibMethodChoices()) == "minmax, percentile, mse, kl");
  const std::vector<QuantCode> codes = {
      QuantCode::kLinear,    QuantCode::kPow2,      QuantCode::kBinary,    QuantCode::kTernary,
      QuantCode::kFp8E4m3,   QuantCode::kFp8E5m2,   QuantCode::kMxfp8E4m3, QuantCode::kMxfp8E5m2,
      QuantCode::kMxfp6E2m3, QuantCode::kMxfp6E3m2, QuantCode::kMxfp4E2m1, QuantCode::kMxint8};
  CheckRoundTrip(codes, QuantCodeName, ParseQuantCode);
  CHECK(std::string(QuantCodeChoices()) ==
        "linear, pow2, binary, ternary, fp8_e4m3, fp8_e5m2, mxfp8_e4m3, mxfp8_e5m2, mxfp6_e2m3, "
        "mxfp6_e3m2, mxfp4_e2m1, mxint8");
  const std::vector<NetOp> ops = {NetOp::kConv2d,        NetOp::kDepthwiseConv2d,
                                  NetOp::kFullyConnected, NetOp::kMatMul,
                                  NetOp::kAdd,            NetOp::kMaxPool,
                                  NetOp::kAvgPool,        NetOp::kGlobalAvgPool,
                                  NetOp::kFlatten,        NetOp::kReshape,
                                  NetOp::kTranspose,      NetOp::kRelu,
                                  NetOp::kClip,           NetOp::kSigmoid,
                                  NetOp::kHardSigmoid,    NetOp::kHardSwish,
                                  NetOp::kTanh,           NetOp::kLeakyRelu,
                                  NetOp::kAffine,         NetOp::kErf,
                                  NetOp::kSqrt,           NetOp::kPow,
                                  NetOp::kSoftmax,        NetOp::kReduceMean,
                                  NetOp::kMul,            NetOp::kSub,
                                  NetOp::kDiv,            NetOp::kConcat,
                                  NetOp::kSlice,          NetOp::kConstant,
                                  NetOp::kLayerNorm,      NetOp::kPRelu,
                                  NetOp::kPad,            NetOp::kResizeNearest,
                                  NetOp::kResizeLinear,   NetOp::kConvTranspose2d,
                                  NetOp::kRmsNorm,        NetOp::kRotaryEmbedding,
                                  NetOp::kSilu,           NetOp::kGelu};
  CheckRoundTrip(ops, NetOpName, ParseNetOp);
  CHECK(std::string(NetOpChoices()) == Joined(ops, NetOpName));
  CheckRoundTrip<LayerOp>({LayerOp::kConv2d, LayerOp::kDepthwiseConv2d, LayerOp::kFullyConnected,
                           LayerOp::kMatMul, LayerOp::kBinaryConv2d, LayerOp::kMaxPool,
                           LayerOp::kAvgPool, LayerOp::kAdd, LayerOp::kConvTranspose2d},
                          LayerOpName, ParseLayerOp);
  std::vector<compiler::LoopOrder> orders(std::begin(compiler::kAllLoopOrders),
                                          std::end(compiler::kAllLoopOrders));
  CheckRoundTrip(orders, compiler::LoopOrderName, compiler::ParseLoopOrder);
  CheckRoundTrip<compiler::Objective>(
      {compiler::Objective::kCycles, compiler::Objective::kEnergy, compiler::Objective::kEdp},
      compiler::ObjectiveName, compiler::ParseObjective);
  CHECK(compiler::LayerKindName(compiler::LayerKind::kGemm) == "gemm");
  CHECK(compiler::LayerKindName(compiler::LayerKind::kPost) == "post");
  CHECK(compiler::LayerKindName(compiler::LayerKind::kView) == "view");
}
