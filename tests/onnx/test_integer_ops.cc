// ONNX ConvInteger and MatMulInteger node tests against Quasar's golden integer kernels
// (Conv2dAccumulate, MatMulAccumulate) with an int32 wrapping accumulator.
//
// ONNX reference semantics (onnx/reference/ops/op_conv_integer.py, op_matmul_integer.py;
// INDEX.md, "Semantics"): the exact int32 result of conv/matmul(x - x_zp, w - w_zp), where w_zp
// may be per output channel (ConvInteger) or per column of B (MatMulInteger), and padding taps
// are x_zero_point (zero after subtraction).

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "conformance.h"
#include "node_test.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/ref/gemm.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::onnx_tests {
using namespace models::onnx_io;  // the TensorProto reader
namespace {

using models::IntTensor;

// ConvInteger inputs: x, w, optional x_zero_point, optional w_zero_point. Output int32.
void RunConvInteger(const std::string& name) {
  const NodeTest test(name);
  test.RequireOp("ConvInteger",
                 {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  REQUIRE(test.Output().data_type() == kInt32);
  const IntTensor x = ToIntTensor(test.RequiredInput(0));
  const IntTensor w = ToIntTensor(test.RequiredInput(1));
  models::IntConvParams params;
  params.geometry = ConvGeometry(test, w);
  params.input_zero_point = ScalarZeroPoint(test.Input(2), "x_zero_point");
  params.weight_zero_points = ZeroPoints(test.Input(3));
  params.accumulator = kInt32Accumulator;
  const models::Tensor<int64_t> acc = models::Conv2dAccumulate(x, w, {}, params, nullptr);
  ExpectEqualIntegers(name, ShapeOf(test.Output()), DecodeIntegers(test.Output()), acc.shape,
                      acc.data);
}

// MatMulInteger inputs: A, B, optional a_zero_point, optional b_zero_point. Output int32.
// A per-row a_zero_point (allowed by ONNX) has no counterpart in IntGemmParams and is rejected.
void RunMatMulInteger(const std::string& name) {
  const NodeTest test(name);
  test.RequireOp("MatMulInteger", {});
  REQUIRE(test.Output().data_type() == kInt32);
  const IntTensor a = ToIntTensor(test.RequiredInput(0));
  const IntTensor b = ToIntTensor(test.RequiredInput(1));
  models::IntGemmParams params;
  params.input_zero_point = ScalarZeroPoint(test.Input(2), "a_zero_point");
  params.weight_zero_points = ZeroPoints(test.Input(3));
  params.accumulator = kInt32Accumulator;
  const models::Tensor<int64_t> acc = models::MatMulAccumulate(a, b, {}, params, nullptr);
  ExpectEqualIntegers(name, ShapeOf(test.Output()), DecodeIntegers(test.Output()), acc.shape,
                      acc.data);
}

}  // namespace

QUASAR_ONNX_NODE_TEST(test_convinteger_with_padding, RunConvInteger, "[onnx][ConvInteger]")
QUASAR_ONNX_NODE_TEST(test_convinteger_without_padding, RunConvInteger, "[onnx][ConvInteger]")
QUASAR_ONNX_NODE_TEST(test_matmulinteger, RunMatMulInteger, "[onnx][MatMulInteger]")

}  // namespace quasar::onnx_tests
