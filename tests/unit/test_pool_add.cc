// Pooling, residual add and activation clamps on quantized tensors.

#include <catch2/catch.hpp>

#include "quasar/models/error.h"
#include "quasar/models/layer.h"
#include "quasar/models/ref/pool_add.h"
#include "test_util.h"

using namespace quasar::models;

TEST_CASE("max pooling ignores padding") {
  const IntTensor x({1, 1, 2, 3}, std::vector<int32_t>{-5, -7, -1, -9, -2, -8});
  PoolParams p;
  p.kernel_h = p.kernel_w = 2;
  p.geometry.stride_h = p.geometry.stride_w = 1;
  p.geometry.pad_left = 1;
  // Windows: [pad,-5;pad,-9] [-5,-7;-9,-2] [-7,-1;-2,-8]; padding must not win with a 0.
  CHECK(MaxPool2d(x, p).data == std::vector<int32_t>{-5, -2, -1});
}

TEST_CASE("average pooling rounds as each framework does") {
  PoolParams p;
  p.kernel_h = 1;
  p.kernel_w = 2;
  p.geometry.stride_w = 2;
  const IntTensor x({1, 1, 1, 8}, std::vector<int32_t>{1, 2, -1, -2, 1, 4, -3, 0});
  const IntType i8 = IntType::Signed(8);
  // TFLite: (sum +- count/2) / count on raw values: 3/2 -> 2, -3/2 -> -2, 5/2 -> 3, -3/2 -> -2.
  CHECK(AvgPool2d(x, p, 0, i8, RoundingMode::kTflite).data == std::vector<int32_t>{2, -2, 3, -2});
  // Half to even: 1.5 -> 2, -1.5 -> -2, 2.5 -> 2, -1.5 -> -2.
  CHECK(AvgPool2d(x, p, 0, i8, RoundingMode::kOnnx).data == std::vector<int32_t>{2, -2, 2, -2});
  // With zero point 1 the real values are x - 1: (0+1)/2 = 0.5 -> 0, +1 -> 1.
  CHECK(AvgPool2d(x, p, 1, i8, RoundingMode::kOnnx)[0] == 1);
  // count_include_pad divides by the whole window.
  PoolParams padded = p;
  padded.geometry.pad_left = 1;
  padded.count_include_pad = true;
  const IntTensor y({1, 1, 1, 1}, std::vector<int32_t>{9});
  CHECK(AvgPool2d(y, padded, 0, i8, RoundingMode::kTflite)[0] == 5);  // (9 + 0 + 1) / 2
  padded.count_include_pad = false;
  CHECK(AvgPool2d(y, padded, 0, i8, RoundingMode::kTflite)[0] == 9);
}

TEST_CASE("quantized add with equal scales is exact integer addition in every mode") {
  const IntTensor a = quasar::test::RandomInts({2, 3, 4, 4}, -128, 127, 1);
  const IntTensor b = quasar::test::RandomInts({2, 3, 4, 4}, -128, 127, 2);
  const QuantParams qa{IntType::Signed(8), {0.1f}, {3}};
  const QuantParams qb{IntType::Signed(8), {0.1f}, {-4}};
  const QuantParams qy{IntType::Signed(8), {0.1f}, {1}};
  for (RoundingMode mode : {RoundingMode::kTflite, RoundingMode::kTfliteSingle, RoundingMode::kOnnx,
                            RoundingMode::kTorchQnnpack}) {
    INFO(RoundingModeName(mode));
    const IntTensor y = AddQuantized(a, qa, b, qb, qy, mode, Activation::kNone);
    for (int64_t i = 0; i < y.size(); ++i) {
      const int64_t exact = (a[i] - 3) + (b[i] + 4) + 1;
      REQUIRE(y[i] == std::clamp<int64_t>(exact, -128, 127));
    }
  }
}

TEST_CASE("quantized add rescales, and fused ReLU clamps at the zero point") {
  const IntTensor a({1, 4}, std::vector<int32_t>{10, -10, 100, 0});
  const IntTensor b({1, 4}, std::vector<int32_t>{20, 20, 100, -50});
  const QuantParams qa{IntType::Signed(8), {0.5f}, {0}};
  const QuantParams qb{IntType::Signed(8), {0.25f}, {0}};
  const QuantParams qy{IntType::Signed(8), {1.0f}, {-10}};
  // Real sums 10, 0, 75, -12.5 -> q = 0, -10, 65, -22.5.
  const IntTensor onnx = AddQuantized(a, qa, b, qb, qy, RoundingMode::kOnnx, Activation::kNone);
  CHECK(onnx.data == std::vector<int32_t>{0, -10, 65, -22});  // -12.5 -> -12 (even)
  const IntTensor tfl = AddQuantized(a, qa, b, qb, qy, RoundingMode::kTflite, Activation::kNone);
  CHECK(tfl.data == std::vector<int32_t>{0, -10, 65, -23});  // TFLite: ties away from zero
  const IntTensor relu = AddQuantized(a, qa, b, qb, qy, RoundingMode::kOnnx, Activation::kRelu);
  CHECK(relu.data == std::vector<int32_t>{0, -10, 65, -10});
  CHECK_THROWS_AS(
      AddQuantized(a, qa, IntTensor({4}), qb, qy, RoundingMode::kOnnx, Activation::kNone),
      quasar::InputError);
}

TEST_CASE("quantized add into a binary output takes the sign, never 0") {
  // Real sums 1.5, -1.5, 0.25, 0, -0.25 on a binary output of scale 1: the sign of the sum, with
  // sign(0) = +1 (QONNX BipolarQuant: x >= 0), as a layer's binary output is the sign of its
  // accumulator. -0.25 is -1 although it rounds to 0 at the output's scale.
  const IntTensor a({1, 5}, std::vector<int32_t>{3, -3, 1, 0, 0});
  const IntTensor b({1, 5}, std::vector<int32_t>{0, 0, -1, 0, -1});
  const QuantParams qa{IntType::Signed(8), {0.5f}, {0}};
  const QuantParams qb{IntType::Signed(8), {0.25f}, {0}};
  const QuantParams qy{IntType::Binary(), {1.0f}, {0}};
  for (RoundingMode mode : {RoundingMode::kTflite, RoundingMode::kTfliteSingle, RoundingMode::kOnnx,
                            RoundingMode::kTorchQnnpack}) {
    INFO(RoundingModeName(mode));
    const IntTensor y = AddQuantized(a, qa, b, qb, qy, mode, Activation::kNone);
    CHECK(y.data == std::vector<int32_t>{1, -1, 1, 1, -1});
    // A fused ReLU leaves no negative sum: every output +1.
    CHECK(AddQuantized(a, qa, b, qb, qy, mode, Activation::kRelu).data ==
          std::vector<int32_t>{1, 1, 1, 1, 1});
  }
}

TEST_CASE("ReLU and ReLU6 bounds follow the output quantization") {
  const QuantParams out{IntType::Signed(8), {0.05f}, {-128}};
  const OutputStage relu6 =
      MakeOutputStage(RoundingMode::kTflite, 1.0f, {1.0f}, out, Activation::kRelu6);
  CHECK(relu6.lo == -128);
  CHECK(relu6.hi == -128 + 120);  // 6 / 0.05 = 120
  const OutputStage relu =
      MakeOutputStage(RoundingMode::kTflite, 1.0f, {1.0f},
                      QuantParams{IntType::Unsigned(8), {0.1f}, {20}}, Activation::kRelu);
  CHECK(relu.lo == 20);
  CHECK(relu.hi == 255);
  const IntTensor x({5}, std::vector<int32_t>{-128, -100, 0, -8, 127});
  CHECK(Clamp(x, relu6.lo, relu6.hi).data == std::vector<int32_t>{-128, -100, -8, -8, -8});
}

TEST_CASE("pooling and add run at any output scale: their clamp needs no multiplier") {
  // A scale below 2^-31 (activations that shrink through an untrained network) once failed
  // building a multiplier 1 / s_y that the bounds never used.
  QuantParams tiny;
  tiny.type = IntType::Signed(8);
  tiny.scales = {1e-11f};
  tiny.zero_points = {0};
  LayerSpec s;
  s.op = LayerOp::kAvgPool;
  s.kernel_h = s.kernel_w = 2;
  s.geometry.stride_h = s.geometry.stride_w = 2;
  s.input = s.output = tiny;
  s.rounding = RoundingMode::kTflite;
  LayerInputs in;
  in.x = IntTensor({1, 1, 2, 2}, std::vector<int32_t>{10, 20, 30, 40});
  CHECK(RunLayer(s, in).output.data == std::vector<int32_t>{25});
  const IntTensor a({1, 4}, std::vector<int32_t>{1, 2, 3, 4});
  CHECK(AddQuantized(a, tiny, a, tiny, tiny, RoundingMode::kTflite, Activation::kNone).data ==
        std::vector<int32_t>{2, 4, 6, 8});
}
