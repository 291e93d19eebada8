#include "quasar/models/onnx/tensor_proto.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "quasar/models/memory_limit.h"
#include "quasar/models/small_float.h"

namespace quasar::models::onnx_io {
namespace {

// One TensorProto.DataType code: its name, for integer codes the width and signedness, and for
// the OCP small floats the Quasar format (small_float.h) its codes are in.
struct TypeInfo {
  int32_t code;
  const char* name;
  int integer_bits;  // 0 for a floating-point code
  bool is_signed;
  const char* small_float = nullptr;  // a SmallFloatFormat name, or nullptr
};

// float8e4m3fn is OFP8 E4M3 ("supports nan, not inf"), float8e5m2 OFP8 E5M2 ("follows IEEE 754,
// supports nan, inf") and float4e2m1 MX FP4 E2M1 (onnx/onnx.proto, TensorProto.DataType).
constexpr TypeInfo kTypes[] = {
    {kFloat, "float32", 0, true},
    {kUint8, "uint8", 8, false},
    {kInt8, "int8", 8, true},
    {kUint16, "uint16", 16, false},
    {kInt16, "int16", 16, true},
    {kInt32, "int32", 32, true},
    {kInt64, "int64", 64, true},
    {kFloat16, "float16", 0, true},
    {kFloat8E4M3FN, "float8e4m3fn", 0, true, "fp8_e4m3"},
    {kFloat8E5M2, "float8e5m2", 0, true, "fp8_e5m2"},
    {kUint4, "uint4", 4, false},
    {kInt4, "int4", 4, true},
    {kFloat4E2M1, "float4e2m1", 0, true, "fp4_e2m1"},
    {kUint2, "uint2", 2, false},
    {kInt2, "int2", 2, true},
};

const TypeInfo* FindType(int32_t data_type) {
  for (const TypeInfo& info : kTypes) {
    if (info.code == data_type) {
      return &info;
    }
  }
  return nullptr;
}

std::string Describe(const onnx::TensorProto& t) {
  return "tensor '" + t.name() + "' (" + DataTypeName(t.data_type()) + ", shape " +
         ShapeToString(ShapeOf(t)) + ")";
}

void Require(bool ok, const onnx::TensorProto& t, const std::string& problem) {
  if (!ok) {
    throw std::runtime_error(Describe(t) + ": " + problem);
  }
}

// The element count `dims` give, checked before anything is allocated: dimensions are
// non-negative and the count at most 2^40 (Quasar's tensor limit), so a corrupt or hostile
// header cannot overflow it or ask for terabytes; and the decoded values, `element_bytes` each,
// within the memory limit (memory_limit.h).
size_t ElementCount(const onnx::TensorProto& t, size_t element_bytes) {
  Require(t.data_location() != onnx::TensorProto::EXTERNAL, t,
          "external data is not supported (save the model with its tensors inside the file)");
  constexpr int64_t kMaxElements = int64_t{1} << 40;
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    Require(d >= 0 && (d == 0 || n <= kMaxElements / d), t,
            "dimensions must be non-negative with at most 2^40 elements");
    n *= d;
  }
  CheckAllocation(SaturatingMul(static_cast<uint64_t>(n), element_bytes),
                  Describe(t) + ": decoding " + std::to_string(n) + " elements");
  return static_cast<size_t>(n);
}

// Sign-extends the low `bits` bits of `v` (bits in 1..64).
int64_t SignExtend(uint64_t v, int bits) {
  if (bits == 64) {
    return static_cast<int64_t>(v);
  }
  const uint64_t sign = uint64_t{1} << (bits - 1);
  v &= (sign << 1) - 1;
  return static_cast<int64_t>(v ^ sign) - static_cast<int64_t>(sign);
}

// The packed bytes of a tensor: raw_data, or (for the 1-byte and sub-byte integer types, which
// onnx.helper.make_tensor stores one byte per int32_data entry) the low byte of each int32_data.
std::vector<uint8_t> PayloadBytes(const onnx::TensorProto& t) {
  if (!t.raw_data().empty()) {
    return std::vector<uint8_t>(t.raw_data().begin(), t.raw_data().end());
  }
  std::vector<uint8_t> bytes;
  for (int32_t v : t.int32_data()) {
    bytes.push_back(static_cast<uint8_t>(v & 0xff));
  }
  return bytes;
}

// Little-endian unsigned value of `width` bytes at element `i` of raw_data.
uint64_t LoadLittleEndian(const std::string& raw, size_t i, int width) {
  uint64_t v = 0;
  for (int b = width - 1; b >= 0; --b) {
    v = (v << 8) |
        static_cast<uint8_t>(raw[i * static_cast<size_t>(width) + static_cast<size_t>(b)]);
  }
  return v;
}

template <typename Message>
Message ParseFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::runtime_error(path + ": not a readable file");
  }
  // The parsed message holds about the file's bytes.
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec) {
    CheckAllocation(static_cast<uint64_t>(size), path + ": reading the model");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + path);
  }
  // Parsed from the stream, not from a copy of the file in memory: a model's peak memory is then
  // its message, not twice the file.
  Message message;
  if (!message.ParseFromIstream(&in)) {
    throw std::runtime_error("cannot parse " + path + " as " + message.GetTypeName() +
                             " (truncated, or not an ONNX file)");
  }
  return message;
}

}  // namespace

std::string DataTypeName(int32_t data_type) {
  const TypeInfo* info = FindType(data_type);
  return info != nullptr ? info->name : "data_type " + std::to_string(data_type);
}

int IntegerBits(int32_t data_type) {
  const TypeInfo* info = FindType(data_type);
  return info == nullptr ? 0 : info->integer_bits;
}

bool IsSignedInteger(int32_t data_type) {
  const TypeInfo* info = FindType(data_type);
  return info != nullptr && info->integer_bits > 0 && info->is_signed;
}

const SmallFloatFormat* SmallFloatFormatOf(int32_t data_type) {
  const TypeInfo* info = FindType(data_type);
  return info == nullptr || info->small_float == nullptr ? nullptr
                                                         : &FindSmallFloat(info->small_float);
}

onnx::ModelProto LoadModel(const std::string& path) { return ParseFile<onnx::ModelProto>(path); }

onnx::TensorProto LoadTensor(const std::string& path) { return ParseFile<onnx::TensorProto>(path); }

Shape ShapeOf(const onnx::TensorProto& t) {
  return Shape(t.dims().begin(), t.dims().end());
}

std::vector<int64_t> DecodeIntegers(const onnx::TensorProto& t) {
  const int bits = IntegerBits(t.data_type());
  Require(bits > 0, t, "not an integer tensor");
  const size_t n = ElementCount(t, sizeof(int64_t));
  // Elements the payload can hold (sub-byte types keep one byte per int32_data entry).
  const auto element_bits = static_cast<size_t>(bits);
  const size_t stored = !t.raw_data().empty() ? t.raw_data().size() * 8 / element_bits
                        : bits < 8 ? static_cast<size_t>(t.int32_data_size()) * 8 / element_bits
                        : t.data_type() == kInt64 ? static_cast<size_t>(t.int64_data_size())
                                                  : static_cast<size_t>(t.int32_data_size());
  Require(stored >= n, t,
          "the payload holds " + std::to_string(stored) + " elements, the dimensions " +
              std::to_string(n));
  std::vector<int64_t> values(n);
  const bool is_signed = IsSignedInteger(t.data_type());
  if (bits < 8) {
    // int4/uint4: two per byte, first element in the low nibble; int2/uint2: four per byte from
    // the lowest bits (INDEX.md, "Layout and file format").
    const std::vector<uint8_t> bytes = PayloadBytes(t);
    const size_t per_byte = static_cast<size_t>(8 / bits);
    Require(bytes.size() == (n + per_byte - 1) / per_byte, t,
            std::to_string(bytes.size()) + " payload bytes for " + std::to_string(n) + " elements");
    for (size_t i = 0; i < n; ++i) {
      const unsigned field =
          (bytes[i / per_byte] >> (bits * static_cast<int>(i % per_byte))) & ((1u << bits) - 1);
      values[i] = is_signed ? SignExtend(field, bits) : static_cast<int64_t>(field);
    }
  } else if (!t.raw_data().empty()) {
    const int width = bits / 8;
    Require(
        t.raw_data().size() == n * static_cast<size_t>(width), t,
        std::to_string(t.raw_data().size()) + " raw bytes for " + std::to_string(n) + " elements");
    for (size_t i = 0; i < n; ++i) {
      const uint64_t v = LoadLittleEndian(t.raw_data(), i, width);
      values[i] = is_signed ? SignExtend(v, bits) : static_cast<int64_t>(v);
    }
  } else if (t.data_type() == kInt64) {
    Require(static_cast<size_t>(t.int64_data_size()) == n, t, "int64_data size mismatch");
    values.assign(t.int64_data().begin(), t.int64_data().end());
  } else {
    // int32_data holds one element per entry for 8-, 16- and 32-bit integers (onnx.proto).
    Require(static_cast<size_t>(t.int32_data_size()) == n, t, "int32_data size mismatch");
    for (size_t i = 0; i < n; ++i) {
      const auto v =
          static_cast<uint64_t>(static_cast<uint32_t>(t.int32_data(static_cast<int>(i))));
      values[i] = is_signed ? SignExtend(v, bits) : static_cast<int64_t>(v & ((1ull << bits) - 1));
    }
  }
  return values;
}

std::vector<float> DecodeFloats(const onnx::TensorProto& t) {
  Require(t.data_type() == kFloat, t, "not a float32 tensor");
  const size_t n = ElementCount(t, sizeof(float));
  if (t.raw_data().empty()) {
    Require(static_cast<size_t>(t.float_data_size()) == n, t, "float_data size mismatch");
    return std::vector<float>(t.float_data().begin(), t.float_data().end());
  }
  Require(t.raw_data().size() == n * 4, t, "raw_data size mismatch");
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) {
    const auto bits = static_cast<uint32_t>(LoadLittleEndian(t.raw_data(), i, 4));
    std::memcpy(&values[i], &bits, sizeof bits);
  }
  return values;
}

std::vector<uint32_t> DecodeSmallFloatCodes(const onnx::TensorProto& t) {
  const SmallFloatFormat* format = SmallFloatFormatOf(t.data_type());
  Require(format != nullptr, t, "not a float8e4m3fn, float8e5m2 or float4e2m1 tensor");
  const size_t n = ElementCount(t, sizeof(uint32_t));
  // float8 codes take a byte each, float4 codes a nibble (first element in the low nibble);
  // without raw_data each int32_data entry holds one such byte (onnx.proto, int32_data).
  const size_t per_byte = format->bits() <= 4 ? 2 : 1;
  const std::vector<uint8_t> bytes = PayloadBytes(t);
  Require(bytes.size() == (n + per_byte - 1) / per_byte, t,
          std::to_string(bytes.size()) + " payload bytes for " + std::to_string(n) + " elements");
  std::vector<uint32_t> codes(n);
  for (size_t i = 0; i < n; ++i) {
    const unsigned shift = per_byte == 2 ? 4 * static_cast<unsigned>(i % 2) : 0;
    codes[i] = (bytes[i / per_byte] >> shift) & (format->code_count() - 1);
  }
  return codes;
}

std::vector<float> DecodeSmallFloats(const onnx::TensorProto& t) {
  std::vector<uint32_t> codes = DecodeSmallFloatCodes(t);
  const SmallFloatFormat& format = *SmallFloatFormatOf(t.data_type());
  std::vector<float> values(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    values[i] = Decode(format, codes[i]);
  }
  return values;
}

std::vector<uint16_t> DecodeHalfBits(const onnx::TensorProto& t) {
  Require(t.data_type() == kFloat16, t, "not a float16 tensor");
  const size_t n = ElementCount(t, sizeof(uint16_t));
  std::vector<uint16_t> values(n);
  if (t.raw_data().empty()) {
    // float16 bit patterns are stored one per int32_data entry (onnx.proto).
    Require(static_cast<size_t>(t.int32_data_size()) == n, t, "int32_data size mismatch");
    for (size_t i = 0; i < n; ++i) {
      values[i] = static_cast<uint16_t>(t.int32_data(static_cast<int>(i)) & 0xffff);
    }
    return values;
  }
  Require(t.raw_data().size() == n * 2, t, "raw_data size mismatch");
  for (size_t i = 0; i < n; ++i) {
    values[i] = static_cast<uint16_t>(LoadLittleEndian(t.raw_data(), i, 2));
  }
  return values;
}

}  // namespace quasar::models::onnx_io
