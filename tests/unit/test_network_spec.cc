// The network format: parsing, shape inference, MAC and parameter counts, validation messages,
// precision resolution and the YAML round trip.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/net/network.h"

using namespace quasar::models;
using quasar::InputError;

namespace {

// The complete example of docs/network-format.md.
const char* kTiny = R"(
version: 1
name: tiny-resnet
inputs:
  - {name: image, shape: [1, 3, 32, 32]}
precision:
  weights: {bits: 8, signed: true, symmetric: true, granularity: per_channel, calibration: minmax}
  activations: {bits: 8, signed: true, symmetric: false, calibration: minmax}
  rounding: tflite
  accumulator: {bits: 32, overflow: wrap}
output: fc
layers:
  - {name: conv1, op: conv2d, input: image, out_channels: 16, kernel: 3, padding: 1, activation: relu}
  - {name: conv2, op: conv2d, out_channels: 16, kernel: 3, padding: 1, activation: relu}
  - {name: conv3, op: conv2d, out_channels: 16, kernel: 3, padding: 1,
     precision: {weights: {bits: 4}}}
  - {name: add1, op: add, inputs: [conv3, conv1], activation: relu}
  - {name: pool, op: global_avg_pool}
  - {name: flat, op: flatten, output_shape: [1, 16]}
  - {name: fc, op: fully_connected, out_features: 10}
)";

// The message of the InputError that parsing `text` throws ("" if it parses).
std::string ParseError(const std::string& text) {
  try {
    ParseNetwork(text, "net.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the documented example parses with inferred shapes, MACs and parameters") {
  const NetworkSpec net = ParseNetwork(kTiny, "tiny.yaml");
  REQUIRE(net.layers.size() == 7);
  CHECK(net.layers[1].inputs == std::vector<std::string>{"conv1"});  // default: previous layer
  CHECK(net.layers[0].output_shape == Shape{1, 16, 32, 32});
  CHECK(net.layers[0].weight_shape == Shape{16, 3, 3, 3});
  CHECK(net.layers[4].output_shape == Shape{1, 16, 1, 1});
  CHECK(net.layers[6].output_shape == Shape{1, 10});
  // conv1: 16*32*32 outputs x 27 taps; conv2, conv3: x 144 taps; fc: 10 x 16.
  CHECK(net.layers[0].macs == 16 * 32 * 32 * 27);
  CHECK(net.layers[1].macs == 16 * 32 * 32 * 144);
  CHECK(net.layers[6].macs == 160);
  CHECK(net.TotalMacs() == 16 * 32 * 32 * (27 + 144 + 144) + 160);
  CHECK(net.TotalParams() == (432 + 16) + 2 * (2304 + 16) + (160 + 10));
  CHECK(net.output == "fc");
}

TEST_CASE("precision resolves network defaults, overrides and pass-through ops") {
  const NetworkSpec net = ParseNetwork(kTiny, "tiny.yaml");
  CHECK(net.layers[0].precision.weights.bits == 8);
  CHECK(net.layers[2].precision.weights.bits == 4);  // the override
  CHECK(net.layers[2].precision.weights.symmetric);  // kept from the policy
  CHECK(net.layers[2].precision.weights.granularity == Granularity::kPerChannel);
  CHECK(net.layers[0].precision.output.StorageType() == IntType::Signed(8));
  CHECK_FALSE(net.layers[0].precision.output.symmetric);
  CHECK(net.tensor_precision.at("flat").bits == 8);
}

TEST_CASE("first_last_bits keeps the edges wide, through pass-through ops") {
  std::string text =
      Replace(kTiny, "  rounding: tflite\n", "  rounding: tflite\n  first_last_bits: 8\n");
  text = Replace(text, "weights: {bits: 8, signed", "weights: {bits: 2, signed");
  text = Replace(text, "activations: {bits: 8, signed", "activations: {bits: 4, signed");
  const NetworkSpec net = ParseNetwork(text, "tiny.yaml");
  CHECK(net.tensor_precision.at("image").bits == 8);  // network input
  CHECK(net.layers[0].precision.weights.bits == 8);   // first weighted layer
  CHECK(net.layers[0].precision.output.bits == 4);    // its output is an inner tensor
  CHECK(net.layers[1].precision.weights.bits == 2);
  CHECK(net.layers[2].precision.weights.bits == 4);  // explicit override wins
  CHECK(net.layers[3].precision.output.bits == 8);   // add -> pool -> flatten -> fc
  CHECK(net.tensor_precision.at("flat").bits == 8);
  CHECK(net.layers[6].precision.weights.bits == 8);
  CHECK(net.layers[6].precision.output.bits == 8);
}

TEST_CASE("binary policy with first_last_bits") {
  std::string text = Replace(kTiny, "weights: {bits: 8, signed: true, symmetric: true, ",
                             "weights: {code: binary, ");
  text = Replace(text, "activations: {bits: 8, signed: true, symmetric: false, ",
                 "activations: {code: binary, ");
  text = Replace(text, "  rounding: tflite\n", "  rounding: tflite\n  first_last_bits: 8\n");
  text = Replace(text, "precision: {weights: {bits: 4}}", "bias: false");
  const NetworkSpec net = ParseNetwork(text, "tiny.yaml");
  CHECK(net.layers[0].precision.weights.code == QuantCode::kLinear);
  CHECK(net.layers[1].precision.weights.StorageType() == IntType::Binary());
  CHECK(net.tensor_precision.at("conv1").StorageType() == IntType::Binary());
  CHECK(net.tensor_precision.at("add1").StorageType() == IntType::Signed(8));
  CHECK(net.layers[2].params == 16 * 144);  // bias: false
}

TEST_CASE("every validation error is reported with its key path and value") {
  SECTION("unknown and inapplicable keys") {
    const std::string msg = ParseError(Replace(kTiny, "kernel: 3, padding: 1, activation: relu}",
                                               "kernel: 3, padding: 1, activaton: relu}"));
    CHECK_THAT(msg, Catch::Contains("net.yaml: layers[0:conv1].activaton: unknown key"));
    const std::string msg2 =
        ParseError(Replace(kTiny, "out_features: 10}", "out_features: 10, stride: 2}"));
    CHECK_THAT(msg2, Catch::Contains("layers[6:fc].stride: does not apply to fully_connected"));
  }
  SECTION("shapes that do not chain") {
    const std::string msg =
        ParseError(Replace(kTiny, "inputs: [conv3, conv1]", "inputs: [conv3, image]"));
    CHECK_THAT(msg, Catch::Contains("layers[3:add1].inputs: add needs two tensors of one shape, "
                                    "got [1, 16, 32, 32] and [1, 3, 32, 32]"));
    const std::string msg2 =
        ParseError(Replace(kTiny, "output_shape: [1, 16]", "output_shape: [1, 17]"));
    CHECK_THAT(msg2, Catch::Contains("layers[5:flat].output_shape: the inferred output shape is "
                                     "[1, 16], got [1, 17]"));
    const std::string msg3 =
        ParseError(Replace(kTiny, "  - {name: flat, op: flatten, output_shape: [1, 16]}\n", ""));
    CHECK_THAT(msg3, Catch::Contains("layers[5:fc].input: fully_connected reads a [N, K]"));
    const std::string msg4 = ParseError(Replace(kTiny, "input: image", "input: imgae"));
    CHECK_THAT(msg4, Catch::Contains("'imgae' is not a network input or an earlier layer"));
  }
  SECTION("bits out of range and groups") {
    const std::string msg = ParseError(Replace(kTiny, "weights: {bits: 4}", "weights: {bits: 17}"));
    CHECK_THAT(msg,
               Catch::Contains("layers[2:conv3].precision.weights.bits: must be in 1..16, got 17"));
    const std::string msg2 = ParseError(Replace(
        kTiny, "out_channels: 16, kernel: 3, padding: 1, activation: relu}\n  - {name: conv2",
        "out_channels: 16, kernel: 3, padding: 1, groups: 2, activation: relu}\n  - {name: conv2"));
    CHECK_THAT(msg2, Catch::Contains("layers[0:conv1].groups: must divide the input channels (3)"));
    const std::string msg3 = ParseError(
        Replace(kTiny, "weights: {bits: 8, signed", "weights: {code: pow2, bits: 7, signed"));
    CHECK_THAT(msg3, Catch::Contains("precision.weights.bits: must be in 2..5 for pow2"));
    const std::string msg4 =
        ParseError(Replace(kTiny, "activations: {bits: 8, signed: true, symmetric: false,",
                           "activations: {bits: 8, granularity: per_channel,"));
    CHECK_THAT(
        msg4,
        Catch::Contains("precision.activations.granularity: activations are quantized per tensor"));
  }
  SECTION("several errors are reported together") {
    std::string text = Replace(kTiny, "version: 1", "version: 2");
    text = Replace(text, "out_features: 10", "out_features: -3");
    const std::string msg = ParseError(text);
    CHECK_THAT(msg, Catch::Contains("version: must be 1, got 2"));
    CHECK_THAT(msg, Catch::Contains("layers[6:fc].out_features: must be in 1..2147483647, got -3"));
  }
  SECTION("duplicate names and a window that does not fit") {
    CHECK_THAT(ParseError(Replace(kTiny, "name: conv2,", "name: conv1,")),
               Catch::Contains("'conv1' is already the name of an earlier tensor"));
    CHECK_THAT(
        ParseError(Replace(kTiny, "kernel: 3, padding: 1, activation: relu}\n  - {name: conv2",
                           "kernel: 40, activation: relu}\n  - {name: conv2")),
        Catch::Contains("layers[0:conv1].kernel: the 40x40 window"));
  }
}

TEST_CASE("malformed files never crash: every truncation parses or throws InputError") {
  const std::string text = kTiny;
  for (size_t cut = 0; cut < text.size(); cut += 7) {
    try {
      ParseNetwork(text.substr(0, cut), "cut.yaml");
    } catch (const InputError&) {
      // expected for most cuts
    }
  }
  CHECK_THAT(ParseError("[1, 2"), Catch::Contains("malformed YAML"));
  CHECK_THAT(ParseError(Replace(kTiny, "out_features: 10}", "out_features: 10, out_features: 7}")),
             Catch::Contains("layers[6:fc].out_features: appears more than once"));
  CHECK_THAT(ParseError("- 1\n- 2\n"), Catch::Contains("a network file must be a YAML mapping"));
  CHECK_THAT(ParseError("{version: 1, name: x, inputs: [{name: a, shape: [1, 4]}], layers: [7]}"),
             Catch::Contains("layers[0]: must be a mapping"));
}

TEST_CASE("reshape, transpose and matmul chain like attention") {
  const char* text = R"(
version: 1
name: attention
inputs: [{name: x, shape: [8, 16]}]
layers:
  - {name: q, op: fully_connected, input: x, out_features: 16}
  - {name: k, op: fully_connected, input: x, out_features: 16}
  - {name: qh, op: reshape, input: q, shape: [8, 2, -1]}
  - {name: qt, op: transpose, perm: [1, 0, 2], output_shape: [2, 8, 8]}
  - {name: kh, op: reshape, input: k, shape: [8, 2, 8]}
  - {name: kt, op: transpose, perm: [1, 2, 0]}
  - {name: s, op: matmul, inputs: [qt, kt], output_shape: [2, 8, 8]}
)";
  const NetworkSpec net = ParseNetwork(text, "attn.yaml");
  CHECK(net.FindLayer("s")->macs == 2 * 8 * 8 * 8);
  CHECK(net.TotalMacs() == 2 * 8 * 16 * 16 + 2 * 8 * 8 * 8);
  CHECK_THAT(ParseError(Replace(text, "shape: [8, 2, -1]", "shape: [8, 3, -1]")),
             Catch::Contains("cannot reshape [8, 16] (128 elements) to [8, 3, -1]"));
  CHECK_THAT(ParseError(Replace(text, "inputs: [qt, kt]", "inputs: [qh, kt]")),
             Catch::Contains("layers[6:s].inputs: matmul: batch dimensions differ: [8, 2, 8] x "
                             "[2, 8, 8]"));
  CHECK_THAT(ParseError(Replace(text, "perm: [1, 2, 0]", "perm: [1, 1, 0]")),
             Catch::Contains("layers[5:kt].perm: must be a permutation of 0..2"));
}

TEST_CASE("NetworkToYaml round-trips the spec") {
  std::string text =
      Replace(kTiny, "  rounding: tflite\n", "  rounding: onnx\n  first_last_bits: 8\n");
  text = Replace(
      text, "{name: pool, op: global_avg_pool}",
      "{name: pool, op: avg_pool, kernel: [4, 2], padding: [1, 0], count_include_pad: true}");
  text = Replace(text, "output_shape: [1, 16]", "output_shape: [1, 2048]");
  const NetworkSpec a = ParseNetwork(text, "a.yaml");
  const NetworkSpec b = ParseNetwork(NetworkToYaml(a), "b.yaml");
  REQUIRE(b.layers.size() == a.layers.size());
  CHECK(b.policy.rounding == RoundingMode::kOnnx);
  CHECK(b.policy.first_last_bits == 8);
  for (size_t i = 0; i < a.layers.size(); ++i) {
    INFO(a.layers[i].name);
    CHECK(b.layers[i].output_shape == a.layers[i].output_shape);
    CHECK(b.layers[i].macs == a.layers[i].macs);
    CHECK(b.layers[i].params == a.layers[i].params);
    CHECK(b.layers[i].inputs == a.layers[i].inputs);
    CHECK(b.layers[i].precision.weights.Describe() == a.layers[i].precision.weights.Describe());
    CHECK(b.layers[i].precision.output.Describe() == a.layers[i].precision.output.Describe());
    CHECK(b.layers[i].count_include_pad == a.layers[i].count_include_pad);
  }
}

TEST_CASE("huge dimensions are rejected before any arithmetic can overflow") {
  // Every extent is capped at 2^31 - 1; products (elements, MACs) are checked in 128 bits.
  CHECK_THAT(
      ParseError(Replace(kTiny, "shape: [1, 3, 32, 32]", "shape: [1, 3, 32, 9223372036854775807]")),
      Catch::Contains("inputs[0].shape: every dimension must be in 1..2147483647"));
  CHECK_THAT(
      ParseError(Replace(kTiny, "padding: 1, activation: relu}\n  - {name: conv2",
                         "padding: 9223372036854775807, activation: relu}\n  - {name: conv2")),
      Catch::Contains("layers[0:conv1].padding: must be <= 2147483647"));
  CHECK_THAT(ParseError(Replace(kTiny, "shape: [1, 3, 32, 32]", "shape: [65536, 3, 4096, 4096]")),
             Catch::Contains("inputs[0].shape: more than 2^40 elements"));
  CHECK_THAT(
      ParseError(Replace(
          kTiny, "out_channels: 16, kernel: 3, padding: 1, activation: relu}\n  - {name: conv2",
          "out_channels: 2147483647, kernel: 3, padding: 1, activation: relu}\n  - {name: conv2")),
      Catch::Contains("layers[0:conv1]: the output [1, 2147483647, 32, 32] or weights "
                      "[2147483647, 3, 3, 3] exceed 2^40 elements"));
}

TEST_CASE("a layer's accumulator override changes only the fields it names") {
  std::string text =
      Replace(kTiny, "accumulator: {bits: 32, overflow: wrap}", "accumulator: {bits: 16}");
  text = Replace(text, "precision: {weights: {bits: 4}}",
                 "precision: {accumulator: {overflow: saturate}}");
  const NetworkSpec net = ParseNetwork(text, "tiny.yaml");
  CHECK(net.layers[0].precision.accumulator.bits == 16);
  CHECK(net.layers[0].precision.accumulator.overflow == OverflowMode::kWrap);
  CHECK(net.layers[2].precision.accumulator.bits == 16);  // from the policy, not a default
  CHECK(net.layers[2].precision.accumulator.overflow == OverflowMode::kSaturate);
  CHECK_THAT(ParseError(Replace(kTiny, "output: fc", "output: image")),
             Catch::Contains("output: must name a layer of the network, got 'image'"));
}

TEST_CASE("first_last_bits follows the graph: every layer reading an input is a first layer") {
  const char* text = R"(
version: 1
name: two-branch
inputs: [{name: x, shape: [4, 16]}]
precision: {weights: {bits: 4}, activations: {bits: 4}, first_last_bits: 8}
layers:
  - {name: a, op: fully_connected, input: x, out_features: 16}
  - {name: b, op: fully_connected, input: x, out_features: 16}
  - {name: mid, op: fully_connected, input: a, out_features: 16}
  - {name: head, op: fully_connected, input: mid, out_features: 16}
  - {name: sum, op: add, inputs: [head, b]}
)";
  const NetworkSpec net = ParseNetwork(text, "branch.yaml");
  CHECK(net.FindLayer("a")->precision.weights.bits == 8);  // reads x
  CHECK(net.FindLayer("b")->precision.weights.bits == 8);  // reads x too
  CHECK(net.FindLayer("mid")->precision.weights.bits == 4);
  CHECK(net.FindLayer("head")->precision.weights.bits == 8);  // feeds the output add
  CHECK(net.tensor_precision.at("mid").bits == 8);            // read by a last layer
  CHECK(net.tensor_precision.at("sum").bits == 8);            // the network output
  CHECK(net.tensor_precision.at("a").bits == 4);
}
