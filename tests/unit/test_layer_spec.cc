// The layer spec parser: a valid spec round-trips into LayerSpec; every problem of an invalid spec
// is reported together, each with its key path and value.

#include <catch2/catch.hpp>

#include "quasar/models/error.h"
#include "quasar/models/spec/layer_spec.h"

using namespace quasar::models;

namespace {

const char* kValid = R"(
version: 1
op: conv2d
geometry:
  stride: [2, 1]
  padding: {top: 1, bottom: 0, left: 2, right: 1}
  dilation: 2
  groups: 2
input: {type: uint8, scale: 0.02, zero_point: 128}
weights: {type: int4, scale: [0.1, 0.2, 0.3, 0.4], zero_point: 0}
output: {type: int8, scale: 0.5, zero_point: -3}
rounding: onnx
bias: float
activation: relu6
accumulator: {bits: 24, overflow: saturate}
)";

// The message of the InputError that parsing `text` throws.
std::string ErrorOf(const std::string& text) {
  try {
    ParseLayerSpec(text, "spec.yaml");
  } catch (const quasar::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a complete layer spec parses into every field") {
  const LayerSpec s = ParseLayerSpec(kValid, "spec.yaml");
  CHECK(s.op == LayerOp::kConv2d);
  CHECK(s.geometry.stride_h == 2);
  CHECK(s.geometry.stride_w == 1);
  CHECK(s.geometry.pad_top == 1);
  CHECK(s.geometry.pad_bottom == 0);
  CHECK(s.geometry.pad_left == 2);
  CHECK(s.geometry.pad_right == 1);
  CHECK(s.geometry.dilation_h == 2);
  CHECK(s.geometry.dilation_w == 2);
  CHECK(s.geometry.groups == 2);
  CHECK(s.input.type == IntType::Unsigned(8));
  CHECK(s.input.zero_points == std::vector<int32_t>{128});
  CHECK(s.weights.type == IntType::Signed(4));
  CHECK(s.weights.scales == std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f});
  CHECK(s.output.zero_points == std::vector<int32_t>{-3});
  CHECK(s.rounding == RoundingMode::kOnnx);
  CHECK(s.bias == BiasConvention::kFloat);
  CHECK(s.activation == Activation::kRelu6);
  CHECK(s.accumulator.bits == 24);
  CHECK(s.accumulator.overflow == OverflowMode::kSaturate);
}

TEST_CASE("every problem is reported at once with its key path and value") {
  const std::string msg = ErrorOf(R"(
version: 1
op: conv2d
colour: blue
geometry: {stride: 0, padding: {top: -1, middle: 2}}
input: {type: int17, scale: 0.02}
weights: {type: int8, scale: [0.1, -0.2], zero_point: 300}
output: {type: int8, scale: 1e-310}
rounding: banker
accumulator: {bits: 65, overflow: explode}
)");
  for (const char* expected : {
           "spec.yaml: colour: unknown key",
           "spec.yaml: geometry.stride: must be >= 1, got '0'",
           "spec.yaml: geometry.padding.top: must be in 0..2147483647, got -1",
           "spec.yaml: geometry.padding.middle: unknown key",
           "spec.yaml: input.type: must be int1..int16",
           "got 'int17'",
           "spec.yaml: weights.scale[1]: must be a normal float32 > 0 (1.17549435e-38 to "
           "3.40282347e+38), got -0.2",
           // Denormal as a double, 0 as a float32: it was accepted, and requantization then
           // failed with "output scale ... got 0.000000", naming neither file nor key.
           "spec.yaml: output.scale: must be a normal float32 > 0 (1.17549435e-38 to "
           "3.40282347e+38), got 1e-310",
           "spec.yaml: weights.zero_point: must lie in the range of int8 [-128, 127], got 300",
           "spec.yaml: rounding: must be one of tflite, tflite-single, onnx, torch-qnnpack, "
           "got 'banker'",
           "spec.yaml: accumulator.bits: must be in 8..64, got 65",
           "spec.yaml: accumulator.overflow: must be wrap or saturate, got 'explode'",
       }) {
    INFO(msg);
    CHECK(msg.find(expected) != std::string::npos);
  }
}

TEST_CASE("missing keys, wrong kinds and op mismatches are named") {
  CHECK(ErrorOf("version: 1\nop: conv2d\n").find("spec.yaml: input: is required") !=
        std::string::npos);
  CHECK(ErrorOf("version: 1\nop: conv2d\n").find("spec.yaml: rounding: is required") !=
        std::string::npos);
  CHECK(ErrorOf("op: matmul\n").find("spec.yaml: version: is required") != std::string::npos);
  CHECK(ErrorOf("[1, 2]").find("a layer spec must be a YAML mapping") != std::string::npos);
  CHECK(ErrorOf("version: 1\nop: conv2d\ninput: {type: int8, scale: abc}\n")
            .find("spec.yaml: input.scale: must be a number or a list of them, got 'abc'") !=
        std::string::npos);
  CHECK(ErrorOf("version: 1\nop: max_pool\ninput: {type: int8, scale: 1}\nrounding: onnx\n")
            .find("spec.yaml: geometry: is required") != std::string::npos);
  const std::string binary = ErrorOf(
      "version: 1\nop: binary_conv2d\ninput: {type: int8, scale: 1}\n"
      "weights: {type: binary, scale: 1}\noutput: {type: int8, scale: 1}\nrounding: onnx\n"
      "binary: {pad: 2, lanes: 1025}\n");
  CHECK(binary.find("spec.yaml: input.type: must be binary for binary_conv2d, got int8") !=
        std::string::npos);
  CHECK(binary.find("spec.yaml: binary.pad: must be +1, -1 or 0, got '2'") != std::string::npos);
  CHECK(binary.find("spec.yaml: binary.lanes: must be in 1..1024, got 1025") != std::string::npos);
}

TEST_CASE("malformed YAML is an InputError with line and column, never a crash") {
  const std::string msg = ErrorOf("version: 1\nop: [conv2d\n");
  CHECK(msg.find("spec.yaml:") == 0);
  CHECK(msg.find("malformed YAML") != std::string::npos);
  CHECK_THROWS_AS(LoadLayerSpec("/nonexistent/layer.yaml"), quasar::InputError);
}
