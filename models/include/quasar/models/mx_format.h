#pragma once
// OCP Microscaling (MX) block formats, per the OCP Microscaling Formats (MX) Specification v1.0
// (2023): a block of 32 elements shares one E8M0 scale X, and element i stands for X * P_i.
// docs/number-formats.md tabulates them.
//
// E8M0 (MX v1.0, scale data type E8M0): 8 exponent bits, no sign, no mantissa, bias 127; code e
// is 2^(e - 127) for e in 0..254 (2^-127 .. 2^127); 0xFF is NaN. There is no zero.
//
// Every block format is one row of a table (mx_format.cc): its element format and block size.
// Elements are either a small floating-point format (small_float.h: MXFP8 E4M3/E5M2, MXFP6
// E2M3/E3M2, MXFP4 E2M1) or MXINT8's 8-bit two's complement integer with an implicit scale of
// 2^-6 (MX v1.0, integer element data type: codes -128..127 are -2 .. 1.984375).
//
// Quantizer (MX v1.0 section 6.3, conversion from a vector of scalars to an MX block):
//   shared_exp = floor(log2(max_i |V_i|)) - emax_elem, clamped to E8M0's -127..127;
//   X = 2^shared_exp;  P_i = quantize_to_element_format(V_i / X), round to nearest, ties to even,
//   saturating (clamping) to the element format's largest normal magnitude.
// emax_elem is the exponent of the element format's largest normal number (E4M3 8, E5M2 15,
// E2M3 2, E3M2 4, E2M1 2, INT8 0; as Microsoft's MX emulation library, microsoft/microxcaling
// mx/formats.py, lists them). MXINT8 clamps to -127..127 (+-1.984375, that
// library's max_norm for int8); -128 (-2) is only ever read. Where the specification leaves
// the choice open:
//   - an all-zero block gets the smallest scale, code 0 (2^-127), and zero elements (the
//     library's floor(log2(FP32_MIN_NORMAL)) - emax, clamped to -127, gives the same for every
//     float element format and 2^-126 for MXINT8; the elements are zero either way);
//   - a block holding a NaN or an infinity gets the NaN scale 0xFF, which makes every element of
//     the block NaN, and zero element codes (the library's shared exponent is NaN there too:
//     mx/mx_ops.py, _quantize_mx);
//   - a row whose length is not a multiple of the block size ends with a shorter block, quantized
//     by the same rule over its own elements.

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/models/small_float.h"

namespace quasar::models {

constexpr uint32_t kE8m0Nan = 0xFF;
constexpr int kE8m0Bias = 127;

// 2^(code - 127) as a float (2^-127 is subnormal in float, still exact); NaN for 0xFF.
// Codes above 0xFF throw std::invalid_argument.
float DecodeE8m0(uint32_t code);
// The code of 2^shared_exp; shared_exp outside -127..127 throws std::invalid_argument.
uint32_t EncodeE8m0(int shared_exp);

// One MX block format: `element` names a small_float.h row, or is nullptr for MXINT8.
struct MxFormat {
  // "mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp4_e2m1", "mxint8"
  const char* name;
  const char* element;  // small float row name, or nullptr for the 8-bit integer element
  int block_size;       // 32 for every concrete MX v1.0 format
};

const std::vector<MxFormat>& MxFormats();
// The row named `name`; throws InputError listing the names for any other.
const MxFormat& FindMxFormat(const std::string& name);

int MxElementBits(const MxFormat& format);
uint32_t MxElementCodeCount(const MxFormat& format);
// emax_elem above: floor(log2(largest element magnitude)).
int MxElementEmax(const MxFormat& format);
// Every finite element value is an integer multiple of 2^MxElementQuantumExp: the smallest
// subnormal for floats (2^(1 - bias - M)), 2^-6 for MXINT8.
int MxElementQuantumExp(const MxFormat& format);
// The exact value of one element code (MXINT8: the low 8 bits as two's complement times 2^-6);
// NaN and infinity codes of FP8 elements give float NaN / infinity.
float DecodeMxElement(const MxFormat& format, uint32_t code);
// A finite element code's value in units of 2^MxElementQuantumExp (an exact integer);
// `finite` is set false (and 0 returned) for NaN and infinity codes.
int64_t MxElementUnits(const MxFormat& format, uint32_t code, bool& finite);

// A matrix of `rows` rows of `cols` values, each row cut into blocks of block_size along its
// length (the K dimension); the last block of a row is shorter when cols % block_size != 0.
struct MxMatrix {
  const MxFormat* format = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint32_t> codes;   // rows * cols element codes, row-major
  std::vector<uint32_t> scales;  // rows * BlocksPerRow() E8M0 codes, row-major

  int64_t BlocksPerRow() const;
  uint32_t Code(int64_t row, int64_t col) const;
  uint32_t Scale(int64_t row, int64_t block) const;
};

// The quantizer above over rows x cols floats (row-major); throws InputError naming the
// mismatch when values.size() != rows * cols.
MxMatrix QuantizeMx(const MxFormat& format, const std::vector<float>& values, int64_t rows,
                    int64_t cols);
// One block: shared scale code and element codes of `count` values.
uint32_t QuantizeMxBlock(const MxFormat& format, const float* values, int64_t count,
                         uint32_t* codes);
// Throws InputError when m has no format, its codes or scales do not match rows, cols and the
// block size, or a code or scale has more bits than its format.
void CheckMxMatrix(const MxMatrix& m);
// float32(element value * X) for every element, row-major (NaN where the scale is NaN); checks
// m first.
std::vector<float> DequantizeMx(const MxMatrix& m);

}  // namespace quasar::models
