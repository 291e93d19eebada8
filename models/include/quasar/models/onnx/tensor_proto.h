#pragma once
// A small reader for ONNX files: models (onnx.ModelProto) and tensors (onnx.TensorProto, as
// initializers and as the node tests' `test_data_set_0/*.pb`), decoded as onnx/onnx.proto
// defines TensorProto: `raw_data` little-endian and row-major, or the typed fields (int32_data,
// int64_data, float_data) when `raw_data` is empty; sub-byte integers packed as
// QUASAR_ONNX_NODE_TESTS/INDEX.md documents. Callers compile with ONNX_ML=1,
// ONNX_NAMESPACE=onnx and link onnx_proto and protobuf (quasar_models does).

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/models/small_float.h"
#include "quasar/models/tensor.h"

namespace quasar::models::onnx_io {

// The TensorProto.DataType codes that occur in the node tests (onnx/onnx.proto).
enum DataType : int32_t {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kFloat16 = 10,
  kFloat8E4M3FN = 17,
  kFloat8E5M2 = 19,
  kUint4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
  kUint2 = 25,
  kInt2 = 26,
};

// "uint8", "float16", "int4", ...; "data_type <n>" for a code not listed above.
std::string DataTypeName(int32_t data_type);

// Bits per element of an integer code (2, 4, 8, 16, 32, 64); 0 for any other code.
int IntegerBits(int32_t data_type);
bool IsSignedInteger(int32_t data_type);

// Parse one serialized message from a file. Throw std::runtime_error naming the file on failure.
onnx::ModelProto LoadModel(const std::string& path);
onnx::TensorProto LoadTensor(const std::string& path);

// `dims` as a Quasar shape (empty for a scalar).
Shape ShapeOf(const onnx::TensorProto& t);

// The values of an integer tensor (IntegerBits() > 0), unpacked and sign-extended. Throws
// std::runtime_error for another type or a payload whose size does not match `dims`.
std::vector<int64_t> DecodeIntegers(const onnx::TensorProto& t);

// The values of a float32 tensor (data_type 1).
std::vector<float> DecodeFloats(const onnx::TensorProto& t);

// The Quasar small-float format of float8e4m3fn (OFP8 E4M3), float8e5m2 (OFP8 E5M2) and
// float4e2m1 (MX FP4 E2M1); nullptr for any other code.
const SmallFloatFormat* SmallFloatFormatOf(int32_t data_type);

// The codes of a float8e4m3fn, float8e5m2 or float4e2m1 tensor, one per element (float4 unpacked:
// two per byte, first element in the low nibble). Throws std::runtime_error for another type or
// a payload whose size does not match `dims`.
std::vector<uint32_t> DecodeSmallFloatCodes(const onnx::TensorProto& t);
// Their exact values (small_float.h Decode).
std::vector<float> DecodeSmallFloats(const onnx::TensorProto& t);

// The bit patterns of a float16 tensor (data_type 10).
std::vector<uint16_t> DecodeHalfBits(const onnx::TensorProto& t);

}  // namespace quasar::models::onnx_io
