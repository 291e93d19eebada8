// ONNX QLinearConv and QLinearMatMul node tests against Quasar's golden integer kernels
// (Conv2dAccumulate, MatMulAccumulate) and its one requantization function (Requantize) in
// RoundingMode::kOnnx.
//
// ONNX reference semantics (onnx/reference/ops/op_qlinear_conv.py, op_qlinear_matmul.py;
// INDEX.md, "Semantics"): the int32 accumulator acc = conv/matmul(x - x_zp, w - w_zp[c]) (+ B),
// y = clip(rint(acc * (x_scale * w_scale[c] / y_scale) + y_zp)) in the type of y_zero_point.
// The scale ratio is computed by numpy in the scales' own type (float32, or float16 for the
// *_float16 tests), and `int32 array * float array` promotes to float64, so the product, the
// zero-point addition and the round-half-to-even happen in float64: exactly Requantize() with
// Multiplier{kOnnx}.

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformance.h"
#include "half.h"
#include "node_test.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/ref/gemm.h"
#include "quasar/models/requant.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::onnx_tests {
using namespace models::onnx_io;  // the TensorProto reader
namespace {

using models::IntTensor;
using models::Multiplier;
using models::RoundingMode;

// The values of a float32 or float16 scale input, as float32 (every float16 is exactly a float32).
std::vector<float> ScaleValues(const onnx::TensorProto& scale) {
  if (scale.data_type() == kFloat) {
    return DecodeFloats(scale);
  }
  if (scale.data_type() == kFloat16) {
    std::vector<float> values;
    for (uint16_t h : DecodeHalfBits(scale)) {
      values.push_back(HalfBitsToFloat(h));
    }
    return values;
  }
  throw std::runtime_error("scale '" + scale.name() + "' has unsupported type " +
                           DataTypeName(scale.data_type()));
}

// The multiplier of each of `channels` output channels (one if every scale is per tensor):
// M[c] = x_scale * w_scale[c] / y_scale, evaluated left to right in the scales' float type.
//   float32: MakeMultiplier(kOnnx, ...) computes it in float32 (requant.h).
//   float16: numpy evaluates each float16 operation in float32 and rounds the result to float16
//     (half.h); the product of two float16 values is exact in float32, so the two roundings are
//     those of numpy. The float16 ratio is then used as a float64 (MultiplierFromReal).
std::vector<Multiplier> OnnxMultipliers(const onnx::TensorProto& x_scale,
                                        const onnx::TensorProto& w_scale,
                                        const onnx::TensorProto& y_scale, int64_t channels) {
  const int32_t type = x_scale.data_type();
  if (w_scale.data_type() != type || y_scale.data_type() != type) {
    throw std::runtime_error("scales of mixed float types are not modelled");
  }
  const std::vector<float> sx = ScaleValues(x_scale);
  const std::vector<float> sw = ScaleValues(w_scale);
  const std::vector<float> sy = ScaleValues(y_scale);
  if (sx.size() != 1 || sy.size() != 1 ||
      (sw.size() != 1 && static_cast<int64_t>(sw.size()) != channels)) {
    throw std::runtime_error("scales must be per tensor, or per output channel for the weights");
  }
  std::vector<Multiplier> multipliers;
  for (float s_w : sw) {
    if (type == kFloat) {
      multipliers.push_back(models::MakeMultiplier(RoundingMode::kOnnx, sx[0], s_w, sy[0]));
    } else {
      const float product = RoundToHalf(sx[0] * s_w);
      const float ratio = RoundToHalf(product / sy[0]);
      multipliers.push_back(
          models::MultiplierFromReal(RoundingMode::kOnnx, static_cast<double>(ratio)));
    }
  }
  return multipliers;
}

// Requantizes every accumulator with the multiplier of its channel, channel(i) = (i / inner) %
// channels, and the output zero point and range of `type`; returns the output values.
std::vector<int64_t> RequantizeAll(const models::Tensor<int64_t>& acc,
                                   const std::vector<Multiplier>& multipliers, int64_t inner,
                                   int32_t zero_point, models::IntType type) {
  const auto channels = static_cast<int64_t>(multipliers.size());
  std::vector<int64_t> y(acc.data.size());
  for (int64_t i = 0; i < acc.size(); ++i) {
    const Multiplier& m = multipliers[static_cast<size_t>((i / inner) % channels)];
    y[static_cast<size_t>(i)] = models::Requantize(
        acc[i], m, zero_point, static_cast<int32_t>(type.min()), static_cast<int32_t>(type.max()));
  }
  return y;
}

// The output type: that of y_zero_point, else that of the quantized input (op_qlinear_*.py).
int32_t OutputDataType(const NodeTest& test, int y_zero_point_input, int x_input) {
  const onnx::TensorProto* y_zero_point = test.Input(y_zero_point_input);
  const int32_t type =
      y_zero_point != nullptr ? y_zero_point->data_type() : test.RequiredInput(x_input).data_type();
  REQUIRE(test.Output().data_type() == type);
  return type;
}

// QLinearConv inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point,
// optional B (int32, already in the accumulator scale x_scale * w_scale).
void RunQLinearConv(const std::string& name) {
  const NodeTest test(name);
  test.RequireOp("QLinearConv",
                 {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const IntTensor x = ToIntTensor(test.RequiredInput(0));
  const IntTensor w = ToIntTensor(test.RequiredInput(3));
  models::IntConvParams params;
  params.geometry = ConvGeometry(test, w);
  // Padding taps are x_zero_point, i.e. zero after the zero point is subtracted (INDEX.md).
  params.input_zero_point = ScalarZeroPoint(test.Input(2), "x_zero_point");
  params.weight_zero_points = ZeroPoints(test.Input(5));
  params.accumulator = kInt32Accumulator;
  std::vector<int32_t> bias;
  if (const onnx::TensorProto* b = test.Input(8)) {
    REQUIRE(b->data_type() == kInt32);
    bias = ToIntTensor(*b).data;
  }
  const models::Tensor<int64_t> acc = models::Conv2dAccumulate(x, w, bias, params, nullptr);

  const std::vector<Multiplier> multipliers = OnnxMultipliers(
      test.RequiredInput(1), test.RequiredInput(4), test.RequiredInput(6), w.dim(0));
  const int32_t type = OutputDataType(test, 7, 0);
  const std::vector<int64_t> y =
      RequantizeAll(acc, multipliers, acc.dim(2) * acc.dim(3),
                    ScalarZeroPoint(test.Input(7), "y_zero_point"), IntTypeOf(type));
  ExpectEqualIntegers(name, ShapeOf(test.Output()), DecodeIntegers(test.Output()), acc.shape, y);
}

// QLinearMatMul inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale,
// y_zero_point. b's scale and zero point may be per column (last axis of b and y).
void RunQLinearMatMul(const std::string& name) {
  const NodeTest test(name);
  test.RequireOp("QLinearMatMul", {});
  const IntTensor a = ToIntTensor(test.RequiredInput(0));
  const IntTensor b = ToIntTensor(test.RequiredInput(3));
  models::IntGemmParams params;
  params.input_zero_point = ScalarZeroPoint(test.Input(2), "a_zero_point");
  params.weight_zero_points = ZeroPoints(test.Input(5));
  params.accumulator = kInt32Accumulator;
  const models::Tensor<int64_t> acc = models::MatMulAccumulate(a, b, {}, params, nullptr);

  const int64_t columns = b.dim(b.rank() - 1);
  const std::vector<Multiplier> multipliers =
      OnnxMultipliers(test.RequiredInput(1), test.RequiredInput(4), test.RequiredInput(6), columns);
  const int32_t type = OutputDataType(test, 7, 0);
  const std::vector<int64_t> y =
      RequantizeAll(acc, multipliers, /*inner=*/1, ScalarZeroPoint(test.Input(7), "y_zero_point"),
                    IntTypeOf(type));
  ExpectEqualIntegers(name, ShapeOf(test.Output()), DecodeIntegers(test.Output()), acc.shape, y);
}

}  // namespace

QUASAR_ONNX_NODE_TEST(test_qlinearconv, RunQLinearConv, "[onnx][QLinearConv]")

QUASAR_ONNX_NODE_TEST(test_qlinearmatmul_2D_int8_float16, RunQLinearMatMul, "[onnx][QLinearMatMul]")
QUASAR_ONNX_NODE_TEST(test_qlinearmatmul_2D_int8_float32, RunQLinearMatMul, "[onnx][QLinearMatMul]")
QUASAR_ONNX_NODE_TEST(test_qlinearmatmul_2D_uint8_float16, RunQLinearMatMul,
                      "[onnx][QLinearMatMul]")
QUASAR_ONNX_NODE_TEST(test_qlinearmatmul_2D_uint8_float32, RunQLinearMatMul,
                      "[onnx][QLinearMatMul]")
QUASAR_ONNX_NODE_TEST(test_qlinearmatmul_3D_int8_float16, RunQLinearMatMul, "[onnx][QLinearMatMul]")
QUASAR_ONNX_NODE_TEST(test_qlinearmatmul_3D_int8_float32, RunQLinearMatMul, "[onnx][QLinearMatMul]")
QUASAR_ONNX_NODE_TEST(test_qlinearmatmul_3D_uint8_float16, RunQLinearMatMul,
                      "[onnx][QLinearMatMul]")
QUASAR_ONNX_NODE_TEST(test_qlinearmatmul_3D_uint8_float32, RunQLinearMatMul,
                      "[onnx][QLinearMatMul]")

}  // namespace quasar::onnx_tests
