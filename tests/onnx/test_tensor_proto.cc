// Checks of the TensorProto reader (tensor_proto.h) on hand-built tensors, covering the payload
// encodings the node-test files may use: raw_data (little-endian, 4- and 2-bit packing) and the
// typed fields int32_data, int64_data and float_data (onnx/onnx.proto).

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::onnx_tests {
using namespace models::onnx_io;  // the TensorProto reader
namespace {

onnx::TensorProto MakeTensor(int32_t data_type, std::vector<int64_t> dims) {
  onnx::TensorProto t;
  t.set_name("t");
  t.set_data_type(data_type);
  for (int64_t d : dims) {
    t.add_dims(d);
  }
  return t;
}

}  // namespace

TEST_CASE("tensor_proto_reader_raw_data", "[onnx][reader]") {
  onnx::TensorProto u16 = MakeTensor(kUint16, {2});
  u16.set_raw_data(std::string("\x34\x12\xff\xff", 4));
  CHECK(DecodeIntegers(u16) == std::vector<int64_t>{0x1234, 65535});

  onnx::TensorProto i16 = MakeTensor(kInt16, {2});
  i16.set_raw_data(std::string("\x00\x80\xfe\xff", 4));
  CHECK(DecodeIntegers(i16) == std::vector<int64_t>{-32768, -2});

  // int4 [-8, 7, -1]: first element in the low nibble.
  onnx::TensorProto i4 = MakeTensor(kInt4, {3});
  i4.set_raw_data(std::string("\x78\x0f", 2));
  CHECK(DecodeIntegers(i4) == std::vector<int64_t>{-8, 7, -1});
  i4.set_data_type(kUint4);
  CHECK(DecodeIntegers(i4) == std::vector<int64_t>{8, 7, 15});

  // 2-bit fields from the lowest bits: 0x36 = 0b00'11'01'10 -> 2, 1, 3, 0; then 0x01 -> 1.
  onnx::TensorProto i2 = MakeTensor(kInt2, {5});
  i2.set_raw_data(std::string("\x36\x01", 2));
  CHECK(DecodeIntegers(i2) == std::vector<int64_t>{-2, 1, -1, 0, 1});
  i2.set_data_type(kUint2);
  CHECK(DecodeIntegers(i2) == std::vector<int64_t>{2, 1, 3, 0, 1});

  onnx::TensorProto f = MakeTensor(kFloat, {});  // scalar
  f.set_raw_data(std::string("\x00\x00\xc0\x3f", 4));
  CHECK(DecodeFloats(f) == std::vector<float>{1.5f});

  onnx::TensorProto h = MakeTensor(kFloat16, {2});
  h.set_raw_data(std::string("\x00\x3c\x00\xc0", 4));
  CHECK(DecodeHalfBits(h) == std::vector<uint16_t>{0x3c00, 0xc000});

  onnx::TensorProto short_payload = MakeTensor(kUint8, {3});
  short_payload.set_raw_data(std::string("\x01\x02", 2));
  CHECK_THROWS_AS(DecodeIntegers(short_payload), std::runtime_error);
  CHECK_THROWS_AS(DecodeFloats(short_payload), std::runtime_error);  // wrong type
}

TEST_CASE("tensor_proto_reader_typed_fields", "[onnx][reader]") {
  onnx::TensorProto i8 = MakeTensor(kInt8, {3});
  for (int32_t v : {-128, -1, 127}) {
    i8.add_int32_data(v);
  }
  CHECK(DecodeIntegers(i8) == std::vector<int64_t>{-128, -1, 127});

  // Sub-byte types keep their packed bytes, one per int32_data entry (onnx.helper.make_tensor).
  onnx::TensorProto u4 = MakeTensor(kUint4, {3});
  u4.add_int32_data(0x21);
  u4.add_int32_data(0x03);
  CHECK(DecodeIntegers(u4) == std::vector<int64_t>{1, 2, 3});

  onnx::TensorProto i64 = MakeTensor(kInt64, {2});
  i64.add_int64_data(-5000000000);
  i64.add_int64_data(7);
  CHECK(DecodeIntegers(i64) == std::vector<int64_t>{-5000000000, 7});

  onnx::TensorProto f = MakeTensor(kFloat, {2});
  f.add_float_data(0.25f);
  f.add_float_data(-3.0f);
  CHECK(DecodeFloats(f) == std::vector<float>{0.25f, -3.0f});

  onnx::TensorProto h = MakeTensor(kFloat16, {1});
  h.add_int32_data(0x7bff);
  CHECK(DecodeHalfBits(h) == std::vector<uint16_t>{0x7bff});

  onnx::TensorProto wrong_count = MakeTensor(kInt16, {2});
  wrong_count.add_int32_data(1);
  CHECK_THROWS_AS(DecodeIntegers(wrong_count), std::runtime_error);

  CHECK(DataTypeName(kFloat8E4M3FN) == "float8e4m3fn");
  CHECK(IntegerBits(kFloat16) == 0);
  CHECK(IntegerBits(kInt2) == 2);
  CHECK(IsSignedInteger(kInt4));
  CHECK(!IsSignedInteger(kUint16));
}

}  // namespace quasar::onnx_tests

namespace quasar::onnx_tests {

TEST_CASE("tensor_proto_reader_small_floats", "[onnx][reader]") {
  // float8e4m3fn in raw_data, one byte each: 0x38 = 0.0111.000 = 2^(7-7) = 1, 0xfe = -448,
  // 0x01 = 2^-9 (smallest subnormal), 0x7f = NaN.
  onnx::TensorProto e4m3 = MakeTensor(kFloat8E4M3FN, {4});
  e4m3.set_raw_data(std::string("\x38\xfe\x01\x7f", 4));
  CHECK(DecodeSmallFloatCodes(e4m3) == std::vector<uint32_t>{0x38, 0xfe, 0x01, 0x7f});
  const std::vector<float> e4m3_values = DecodeSmallFloats(e4m3);
  CHECK(e4m3_values[0] == 1.0f);
  CHECK(e4m3_values[1] == -448.0f);
  CHECK(e4m3_values[2] == 0.001953125f);
  CHECK(std::isnan(e4m3_values[3]));

  // float8e5m2 in int32_data, one code per entry: 0x3c = 0.01111.00 = 1, 0x7c = +inf.
  onnx::TensorProto e5m2 = MakeTensor(kFloat8E5M2, {2});
  e5m2.add_int32_data(0x3c);
  e5m2.add_int32_data(0x7c);
  CHECK(DecodeSmallFloats(e5m2)[0] == 1.0f);
  CHECK(std::isinf(DecodeSmallFloats(e5m2)[1]));

  // float4e2m1, two per byte, first in the low nibble: 0xa1 -> 0x1 = 0.5, 0xa = -1; 0x07 -> 6.
  onnx::TensorProto e2m1 = MakeTensor(kFloat4E2M1, {3});
  e2m1.set_raw_data(std::string("\xa1\x07", 2));
  CHECK(DecodeSmallFloatCodes(e2m1) == std::vector<uint32_t>{0x1, 0xa, 0x7});
  CHECK(DecodeSmallFloats(e2m1) == std::vector<float>{0.5f, -1.0f, 6.0f});
  e2m1.clear_raw_data();
  e2m1.add_int32_data(0xa1);
  e2m1.add_int32_data(0x07);
  CHECK(DecodeSmallFloats(e2m1) == std::vector<float>{0.5f, -1.0f, 6.0f});

  onnx::TensorProto short_payload = MakeTensor(kFloat4E2M1, {3});
  short_payload.set_raw_data(std::string("\x01", 1));
  CHECK_THROWS_AS(DecodeSmallFloatCodes(short_payload), std::runtime_error);
  CHECK_THROWS_AS(DecodeSmallFloats(MakeTensor(kUint8, {0})), std::runtime_error);
  CHECK(SmallFloatFormatOf(kFloat8E4M3FN) == &models::FindSmallFloat("fp8_e4m3"));
  CHECK(SmallFloatFormatOf(kInt8) == nullptr);
}

}  // namespace quasar::onnx_tests
