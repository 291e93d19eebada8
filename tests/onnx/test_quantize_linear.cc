// ONNX QuantizeLinear and DequantizeLinear node tests: integer types int2..int16, uint2..uint16
// against Quasar's Quantize(..., RoundingMode::kOnnx) and Dequantize(); float8e4m3fn, float8e5m2
// and float4e2m1 against the small-float formats (small_float.h Encode / Decode).
//
// ONNX reference semantics (onnx/reference/ops/op_quantize_linear.py, op_dequantize_linear.py;
// INDEX.md, "Semantics"):
//   QuantizeLinear:   y = clip(rint(float32(x / y_scale)) + y_zero_point) into the output type,
//     which is y_zero_point's type, else the output_dtype attribute, else uint8.
//   DequantizeLinear: y = (float32(x) - x_zero_point) * x_scale, in float32 (the scale's type).
// Scales and zero points are per tensor (one element), per axis (1-D, one per x.shape[axis],
// axis default 1, negative counts from the end) or blocked (x's rank, each entry repeated
// block_size times along axis), as _reshape_input in op_quantize_linear.py broadcasts them.
//
// The small-float types follow the same reference files:
//   QuantizeLinear:   float8: y = cast(float32(x / y_scale)) with `saturate` (default 1; the ONNX
//     Cast tables of onnx/docs/Operators.md), y_zero_point not added; float4e2m1:
//     y = cast(float32(x / y_scale) + y_zero_point) (ml_dtypes: round to nearest even, saturating).
//   DequantizeLinear: y = float32(x) * x_scale, rounded to the scale's type; a float8 zero point
//     must be zero, a float4 one is ignored (this runner requires it to be zero too).

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformance.h"
#include "half.h"
#include "node_test.h"
#include "quasar/models/onnx/tensor_proto.h"
#include "quasar/models/requant.h"
#include "quasar/models/small_float.h"

namespace quasar::onnx_tests {
using namespace models::onnx_io;  // the TensorProto reader
namespace {

using models::Shape;

// Maps a flat (row-major) index of x to the flat index of its scale or zero point.
class ParameterIndex {
 public:
  ParameterIndex(const Shape& x_shape, const Shape& parameter_shape, int64_t axis,
                 int64_t block_size)
      : per_tensor_(models::NumElements(parameter_shape) == 1) {
    if (per_tensor_) {
      return;  // a single element broadcasts whatever the axis (op_quantize_linear.py)
    }
    const auto rank = static_cast<int64_t>(x_shape.size());
    axis_ = axis < 0 ? axis + rank : axis;
    Check(axis_ >= 0 && axis_ < rank, "axis " + std::to_string(axis) + " out of range");
    dim_ = x_shape[static_cast<size_t>(axis_)];
    inner_ = 1;
    for (size_t d = static_cast<size_t>(axis_) + 1; d < x_shape.size(); ++d) {
      inner_ *= x_shape[d];
    }
    block_size_ = block_size;
    if (block_size == 0) {
      Check(parameter_shape == Shape{dim_}, "per-axis parameter shape " +
                                                models::ShapeToString(parameter_shape) +
                                                " for input " + models::ShapeToString(x_shape));
      blocks_ = dim_;
      block_size_ = 1;
      per_axis_ = true;
      return;
    }
    Check(block_size > 0, "block_size must be positive");
    Shape expected = x_shape;
    blocks_ = (dim_ + block_size - 1) / block_size;  // a last, partial block is allowed
    expected[static_cast<size_t>(axis_)] = blocks_;
    Check(parameter_shape == expected, "blocked parameter shape " +
                                           models::ShapeToString(parameter_shape) + ", expected " +
                                           models::ShapeToString(expected));
  }

  size_t operator()(int64_t i) const {
    if (per_tensor_) {
      return 0;
    }
    const int64_t coordinate = (i / inner_) % dim_;
    if (per_axis_) {
      return static_cast<size_t>(coordinate);
    }
    const int64_t outer = i / (inner_ * dim_);
    return static_cast<size_t>((outer * blocks_ + coordinate / block_size_) * inner_ + i % inner_);
  }

 private:
  static void Check(bool ok, const std::string& problem) {
    if (!ok) {
      throw std::runtime_error("quantization parameters: " + problem);
    }
  }

  bool per_tensor_ = false;
  bool per_axis_ = false;
  int64_t axis_ = 0, dim_ = 1, inner_ = 1, blocks_ = 1, block_size_ = 1;
};

// Whether every element of an optional small-float zero point is +-0 (true if omitted).
bool ZeroPointIsZero(const onnx::TensorProto* zero_point) {
  if (zero_point == nullptr) {
    return true;
  }
  for (float v : DecodeSmallFloats(*zero_point)) {
    if (v != 0.0f) {
      return false;
    }
  }
  return true;
}

// QuantizeLinear to float8e4m3fn / float8e5m2 / float4e2m1: the codes compared bit for bit.
void RunQuantizeLinearSmallFloat(const NodeTest& test, const models::SmallFloatFormat& format,
                                 const onnx::TensorProto* zero_point) {
  const onnx::TensorProto& x = test.RequiredInput(0);
  const onnx::TensorProto& scale = test.RequiredInput(1);
  const bool saturate = test.IntAttribute("saturate", 1) != 0;
  const bool is_float8 = format.bits() == 8;
  if (is_float8) {
    REQUIRE(ZeroPointIsZero(zero_point));  // op_quantize_linear.py does not add it
  }
  const std::vector<float> xs = DecodeFloats(x);
  const std::vector<float> scales = DecodeFloats(scale);
  const std::vector<float> zero_points =
      zero_point != nullptr ? DecodeSmallFloats(*zero_point) : std::vector<float>{0.0f};
  const int64_t axis = test.IntAttribute("axis", 1);
  const int64_t block_size = test.IntAttribute("block_size", 0);
  const ParameterIndex scale_index(ShapeOf(x), ShapeOf(scale), axis, block_size);
  const ParameterIndex zero_point_index(
      ShapeOf(x), zero_point != nullptr ? ShapeOf(*zero_point) : Shape{}, axis, block_size);
  std::vector<int64_t> y(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    const auto flat = static_cast<int64_t>(i);
    float quotient = xs[i] / scales[scale_index(flat)];  // float32, as numpy divides
    if (!is_float8) {
      quotient += zero_points[zero_point_index(flat)];
    }
    y[i] = models::Encode(format, quotient, saturate);
  }
  std::vector<int64_t> expected;
  for (uint32_t code : DecodeSmallFloatCodes(test.Output())) {
    expected.push_back(code);
  }
  ExpectEqualIntegers(test.name(), ShapeOf(test.Output()), expected, ShapeOf(x), y);
}

// QuantizeLinear inputs: x (float32), y_scale (float32), optional y_zero_point.
void RunQuantizeLinear(const std::string& name) {
  const NodeTest test(name);
  // `saturate` only concerns float8 outputs; `precision` (a different division type) and any
  // other attribute make RequireOp throw.
  test.RequireOp("QuantizeLinear", {"axis", "block_size", "output_dtype", "saturate"});
  const onnx::TensorProto& x = test.RequiredInput(0);
  const onnx::TensorProto& scale = test.RequiredInput(1);
  const onnx::TensorProto* zero_point = test.Input(2);
  const int64_t output_dtype = test.IntAttribute("output_dtype", 0);
  int32_t type = output_dtype != 0 ? static_cast<int32_t>(output_dtype) : kUint8;
  if (zero_point != nullptr) {
    REQUIRE((output_dtype == 0 || output_dtype == zero_point->data_type()));
    type = zero_point->data_type();
  }
  REQUIRE(test.Output().data_type() == type);
  if (const models::SmallFloatFormat* format = SmallFloatFormatOf(type)) {
    RunQuantizeLinearSmallFloat(test, *format, zero_point);
    return;
  }

  const std::vector<float> xs = DecodeFloats(x);
  const std::vector<float> scales = DecodeFloats(scale);
  const std::vector<int32_t> zero_points = ZeroPoints(zero_point);
  const int64_t axis = test.IntAttribute("axis", 1);
  const int64_t block_size = test.IntAttribute("block_size", 0);
  const ParameterIndex scale_index(ShapeOf(x), ShapeOf(scale), axis, block_size);
  const ParameterIndex zero_point_index(
      ShapeOf(x), zero_point != nullptr ? ShapeOf(*zero_point) : Shape{}, axis, block_size);
  const models::IntType int_type = IntTypeOf(type);
  std::vector<int64_t> y(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    const auto flat = static_cast<int64_t>(i);
    y[i] = models::Quantize(xs[i], scales[scale_index(flat)], zero_points[zero_point_index(flat)],
                            int_type, models::RoundingMode::kOnnx);
  }
  ExpectEqualIntegers(name, ShapeOf(test.Output()), DecodeIntegers(test.Output()), ShapeOf(x), y);
}

// DequantizeLinear from float8e4m3fn / float8e5m2 / float4e2m1 with a float32 or float16 scale:
// the outputs compared bit for bit in the scale's type.
void RunDequantizeLinearSmallFloat(const NodeTest& test) {
  const onnx::TensorProto& x = test.RequiredInput(0);
  const onnx::TensorProto& scale = test.RequiredInput(1);
  const onnx::TensorProto* zero_point = test.Input(2);
  if (zero_point != nullptr) {
    REQUIRE(zero_point->data_type() == x.data_type());
  }
  REQUIRE(ZeroPointIsZero(zero_point));
  const bool half = scale.data_type() == kFloat16;
  REQUIRE((half || scale.data_type() == kFloat));
  REQUIRE(test.IntAttribute("output_dtype", 0) == 0);
  REQUIRE(test.Output().data_type() == scale.data_type());

  const std::vector<float> xs = DecodeSmallFloats(x);
  std::vector<float> scales;
  if (half) {
    for (uint16_t bits : DecodeHalfBits(scale)) {
      scales.push_back(HalfBitsToFloat(bits));
    }
  } else {
    scales = DecodeFloats(scale);
  }
  const ParameterIndex scale_index(ShapeOf(x), ShapeOf(scale), test.IntAttribute("axis", 1),
                                   test.IntAttribute("block_size", 0));
  std::vector<float> y(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    // numpy: float32 values times the scale, in float32, then cast to the scale's type.
    const float product = xs[i] * scales[scale_index(static_cast<int64_t>(i))];
    y[i] = half ? RoundToHalf(product) : product;
  }
  std::vector<float> expected;
  if (half) {
    for (uint16_t bits : DecodeHalfBits(test.Output())) {
      expected.push_back(HalfBitsToFloat(bits));
    }
  } else {
    expected = DecodeFloats(test.Output());
  }
  ExpectBitEqualFloats(test.name(), ShapeOf(test.Output()), expected, ShapeOf(x), y);
}

// DequantizeLinear inputs: x (integer or small float), x_scale (float32; float16 for small
// floats), optional x_zero_point (x's type).
void RunDequantizeLinear(const std::string& name) {
  const NodeTest test(name);
  test.RequireOp("DequantizeLinear", {"axis", "block_size", "output_dtype"});
  if (SmallFloatFormatOf(test.RequiredInput(0).data_type()) != nullptr) {
    RunDequantizeLinearSmallFloat(test);
    return;
  }
  REQUIRE(test.IntAttribute("output_dtype", kFloat) == kFloat);
  REQUIRE(test.Output().data_type() == kFloat);
  const onnx::TensorProto& x = test.RequiredInput(0);
  const onnx::TensorProto& scale = test.RequiredInput(1);
  const onnx::TensorProto* zero_point = test.Input(2);
  REQUIRE(IntegerBits(x.data_type()) > 0);
  if (zero_point != nullptr) {
    REQUIRE(zero_point->data_type() == x.data_type());
  }

  const models::IntTensor xs = ToIntTensor(x);
  const std::vector<float> scales = DecodeFloats(scale);
  const std::vector<int32_t> zero_points = ZeroPoints(zero_point);
  const int64_t axis = test.IntAttribute("axis", 1);
  const int64_t block_size = test.IntAttribute("block_size", 0);
  const ParameterIndex scale_index(xs.shape, ShapeOf(scale), axis, block_size);
  const ParameterIndex zero_point_index(
      xs.shape, zero_point != nullptr ? ShapeOf(*zero_point) : Shape{}, axis, block_size);
  std::vector<float> y(xs.data.size());
  for (int64_t i = 0; i < xs.size(); ++i) {
    y[static_cast<size_t>(i)] =
        models::Dequantize(xs[i], scales[scale_index(i)], zero_points[zero_point_index(i)]);
  }
  ExpectBitEqualFloats(name, ShapeOf(test.Output()), DecodeFloats(test.Output()), xs.shape, y);
}

}  // namespace

QUASAR_ONNX_NODE_TEST(test_quantizelinear, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_axis, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_blocked_asymmetric, RunQuantizeLinear,
                      "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_blocked_symmetric, RunQuantizeLinear,
                      "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_int16, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_uint16, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_int4, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_uint4, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_int2, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_uint2, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_e4m3fn, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_e5m2, RunQuantizeLinear, "[onnx][QuantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_quantizelinear_float4e2m1, RunQuantizeLinear, "[onnx][QuantizeLinear]")

QUASAR_ONNX_NODE_TEST(test_dequantizelinear, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_axis, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_blocked, RunDequantizeLinear,
                      "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_int16, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_uint16, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_int4, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_uint4, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_int2, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_uint2, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_e4m3fn, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_e4m3fn_float16, RunDequantizeLinear,
                      "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_e4m3fn_zero_point, RunDequantizeLinear,
                      "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_e5m2, RunDequantizeLinear, "[onnx][DequantizeLinear]")
QUASAR_ONNX_NODE_TEST(test_dequantizelinear_float4e2m1, RunDequantizeLinear,
                      "[onnx][DequantizeLinear]")

}  // namespace quasar::onnx_tests
