#pragma once
// Shared pieces of the ONNX conformance tests: the registry of node tests that are run (so a
// coverage test can check every directory in QUASAR_ONNX_NODE_TESTS is either run or explicitly
// skipped), the bridge from ONNX tensors to Quasar's integer types and tensors, and the
// zero-point and convolution-attribute helpers the quantized ops share.

#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "node_test.h"
#include "quasar/models/accumulator.h"
#include "quasar/models/int_type.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/tensor.h"

namespace quasar::onnx_tests {

// ONNX's integer ops accumulate in int32, wrapping like numpy int32 arithmetic.
inline constexpr models::AccumulatorSpec kInt32Accumulator{32, models::OverflowMode::kWrap};

// Records that the node test `name` is run bit-exactly; returns true (for a static initializer).
bool RegisterCheckedTest(const char* name);
// Every name passed to RegisterCheckedTest(), in registration order.
const std::vector<std::string>& CheckedTests();

// The Quasar element type of an integer ONNX code (int2..int16, uint2..uint16, int32). Throws
// std::runtime_error for any other code.
models::IntType IntTypeOf(int32_t data_type);

// An integer tensor as a Quasar IntTensor (every value must fit in int32).
models::IntTensor ToIntTensor(const onnx::TensorProto& t);

// The zero points of an optional zero-point input: {0} if it is omitted (ONNX default).
std::vector<int32_t> ZeroPoints(const onnx::TensorProto* zero_point);
// The one zero point of a per-tensor zero-point input (0 if omitted); throws if it has more.
int32_t ScalarZeroPoint(const onnx::TensorProto* zero_point, const std::string& what);

// The 2-D geometry of a Conv-family node (QLinearConv, ConvInteger) from its attributes, with the
// ONNX Conv defaults (onnx/defs/nn/defs.cc; onnx/reference/ops/op_conv.py): strides and
// dilations 1, group 1, pads 0, where `pads` is [x1_begin, x2_begin, x1_end, x2_end] =
// [top, left, bottom, right]. auto_pad must be NOTSET or VALID (SAME_* is not modelled); a
// kernel_shape attribute must agree with the weights [C_out, C_in/group, kH, kW].
models::Conv2dGeometry ConvGeometry(const NodeTest& test, const models::IntTensor& w);

}  // namespace quasar::onnx_tests

// Registers the Catch2 test case `test_name` (the node-test directory name) running
// `runner("test_name")`, and records it in CheckedTests().
#define QUASAR_ONNX_NODE_TEST(test_name, runner, tags)       \
  static const bool quasar_onnx_registered_##test_name =     \
      ::quasar::onnx_tests::RegisterCheckedTest(#test_name); \
  TEST_CASE(#test_name, tags) {                              \
    REQUIRE(quasar_onnx_registered_##test_name);             \
    runner(#test_name);                                      \
  }
