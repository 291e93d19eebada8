// MX block formats (mx_format.h) against the OCP Microscaling Formats (MX) Specification v1.0
// (2023), with the specification's parameters written out here, not read from the format table:
//   E8M0: code e is 2^(e - 127), 0xFF is NaN;
//   emax_elem (exponent of the largest normal element): E4M3 8, E5M2 15, E2M3 2, E3M2 4,
//   E2M1 2, INT8 0; MXINT8 elements are two's complement times 2^-6;
//   conversion: X = 2^(floor(log2 max|V|) - emax_elem), P_i = RNE(V_i / X) clamped to the
//   element's largest normal magnitude.

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/mx_format.h"

using namespace quasar;
using namespace quasar::models;

namespace {

// emax_elem per MX v1.0's element tables.
const std::map<std::string, int>& SpecEmax() {
  static const std::map<std::string, int> emax = {
      {"mxfp8_e4m3", 8}, {"mxfp8_e5m2", 15}, {"mxfp6_e2m3", 2},
      {"mxfp6_e3m2", 4}, {"mxfp4_e2m1", 2},  {"mxint8", 0},
  };
  return emax;
}

// A block of `values` (padded to one block) through the quantizer: scale code and codes.
std::pair<uint32_t, std::vector<uint32_t>> Quantize(const std::string& format,
                                                    const std::vector<float>& values) {
  std::vector<uint32_t> codes(values.size());
  const uint32_t scale = QuantizeMxBlock(FindMxFormat(format), values.data(),
                                         static_cast<int64_t>(values.size()), codes.data());
  return {scale, codes};
}

}  // namespace

TEST_CASE("E8M0: every code is 2^(code - 127), 0xFF is NaN", "[mx]") {
  for (uint32_t code = 0; code < 256; ++code) {
    INFO("code " << code);
    if (code == 0xFF) {
      CHECK(std::isnan(DecodeE8m0(code)));
      continue;
    }
    CHECK(double{DecodeE8m0(code)} == std::pow(2.0, static_cast<int>(code) - 127));
    CHECK(EncodeE8m0(static_cast<int>(code) - 127) == code);
  }
  CHECK_THROWS_AS(DecodeE8m0(256), std::invalid_argument);
  CHECK_THROWS_AS(EncodeE8m0(128), std::invalid_argument);
  CHECK_THROWS_AS(EncodeE8m0(-128), std::invalid_argument);
}

TEST_CASE("MX formats: block size 32, element widths, emax and MXINT8 values", "[mx]") {
  const std::map<std::string, int> bits = {{"mxfp8_e4m3", 8}, {"mxfp8_e5m2", 8}, {"mxfp6_e2m3", 6},
                                           {"mxfp6_e3m2", 6}, {"mxfp4_e2m1", 4}, {"mxint8", 8}};
  REQUIRE(MxFormats().size() == bits.size());
  for (const MxFormat& f : MxFormats()) {
    INFO(f.name);
    CHECK(f.block_size == 32);
    CHECK(MxElementBits(f) == bits.at(f.name));
    CHECK(MxElementEmax(f) == SpecEmax().at(f.name));
  }
  const MxFormat& int8 = FindMxFormat("mxint8");
  for (uint32_t code = 0; code < 256; ++code) {
    const int value = code < 128 ? static_cast<int>(code) : static_cast<int>(code) - 256;
    CHECK(double{DecodeMxElement(int8, code)} == value / 64.0);
  }
  CHECK(DecodeMxElement(int8, 0x7F) == 1.984375f);
  CHECK(DecodeMxElement(int8, 0x80) == -2.0f);
  CHECK_THROWS_AS(FindMxFormat("mxfp5"), InputError);
}

TEST_CASE("MX: every element code round-trips at a spread of shared scales", "[mx]") {
  for (const MxFormat& f : MxFormats()) {
    const int emax = SpecEmax().at(f.name);
    // The codes the quantizer can produce: finite, and not MXINT8's -2 (it clamps to -127).
    std::vector<uint32_t> codes;
    uint32_t max_code = 0;
    for (uint32_t c = 0; c < MxElementCodeCount(f); ++c) {
      const float v = DecodeMxElement(f, c);
      if (std::isfinite(v) && !(f.element == nullptr && c == 0x80)) {
        codes.push_back(c);
        if (v > DecodeMxElement(f, max_code)) {
          max_code = c;
        }
      }
    }
    for (int shared : {-127, -60, -1, 0, 1, 60, 126 - emax}) {
      INFO(f.name << " shared exponent " << shared);
      // Blocks of 32: slot 0 holds the largest element (so the block's max sets X = 2^shared),
      // the other 31 slots the codes in turn.
      for (size_t start = 0; start < codes.size(); start += 31) {
        std::vector<uint32_t> block = {max_code};
        for (size_t i = start; i < codes.size() && block.size() < 32; ++i) {
          block.push_back(codes[i]);
        }
        std::vector<float> values;
        for (uint32_t c : block) {
          const double v = std::ldexp(double{DecodeMxElement(f, c)}, shared);
          REQUIRE(static_cast<double>(static_cast<float>(v)) == v);  // exact in float
          values.push_back(static_cast<float>(v));
        }
        const auto [scale, got] = Quantize(f.name, values);
        CHECK(scale == static_cast<uint32_t>(shared + 127));
        CHECK(got == block);
        MxMatrix m;
        m.format = &f;
        m.rows = 1;
        m.cols = static_cast<int64_t>(block.size());
        m.codes = block;
        m.scales = {scale};
        CHECK(DequantizeMx(m) == values);
      }
    }
  }
}

TEST_CASE("MX quantizer: hand-worked blocks from the specification's conversion", "[mx]") {
  // MXFP4: max 6 -> floor(log2 6) = 2 = emax, X = 1; -0.25 is the tie between 0 and 0.5, to
  // the even mantissa: -0 (S.00.0).
  auto [s1, c1] = Quantize("mxfp4_e2m1", {6.0f, 3.0f, 1.5f, -0.25f});
  CHECK(s1 == 127);
  CHECK(c1 == std::vector<uint32_t>{0x7, 0x5, 0x3, 0x8});
  // max 12 -> floor(log2 12) = 3, X = 2: 12/2 = 6 (0111); 5/2 = 2.5 ties to 2 (0100, even);
  // 7 / 2 = 3.5 ties to 4 (0110, even); -1/2 = -0.5 (1001).
  auto [s2, c2] = Quantize("mxfp4_e2m1", {12.0f, 5.0f, 7.0f, -1.0f});
  CHECK(s2 == 128);
  CHECK(c2 == std::vector<uint32_t>{0x7, 0x4, 0x6, 0x9});
  // max 7.9 -> floor(log2) = 2, X = 1: 7.9 rounds to 8 on the E2M1 grid, clamped to 6.
  auto [s3, c3] = Quantize("mxfp4_e2m1", {7.9f});
  CHECK(s3 == 127);
  CHECK(c3 == std::vector<uint32_t>{0x7});
  // MXFP8 E4M3: max 500 -> floor(log2 500) = 8 = emax, X = 1: 500 clamps to 448 (S.1111.110).
  auto [s4, c4] = Quantize("mxfp8_e4m3", {500.0f, -500.0f, 1.0f});
  CHECK(s4 == 127);
  CHECK(c4 == std::vector<uint32_t>{0x7E, 0xFE, 0x38});
  // MXINT8: max 1.999 -> floor(log2) = 0 = emax, X = 1: 1.999 * 64 = 127.94 -> 128, clamped to
  // 127; -1.999 to -127 (0x81); 0.5078125 * 64 = 32.5 ties to 32; 1 is 64.
  auto [s5, c5] = Quantize("mxint8", {1.999f, -1.999f, 0.5078125f, 1.0f});
  CHECK(s5 == 127);
  CHECK(c5 == std::vector<uint32_t>{0x7F, 0x81, 0x20, 0x40});
  // MXINT8, max 96 -> floor(log2 96) = 6, X = 64: 96/64 * 64 = 96; -3/64*64 = -3 (0xFD).
  auto [s6, c6] = Quantize("mxint8", {96.0f, -3.0f});
  CHECK(s6 == 127 + 6);
  CHECK(c6 == std::vector<uint32_t>{96, 0xFD});
  // The shared exponent clamps to E8M0's range: 2^-140 - 2 = -142 -> -127, and 2^-140 / 2^-127
  // = 2^-13 rounds to 0 in E2M1; 3e38 -> floor(log2) = 127, 127 - 2 = 125.
  auto [s7, c7] = Quantize("mxfp4_e2m1", {std::ldexp(1.0f, -140)});
  CHECK(s7 == 0);
  CHECK(c7 == std::vector<uint32_t>{0x0});
  auto [s8, c8] = Quantize("mxfp4_e2m1", {3e38f});
  CHECK(s8 == 127 + 125);
  CHECK(c8 == std::vector<uint32_t>{0x7});  // 3e38 / 2^125 = 7.05, clamped to 6
}

TEST_CASE("MX quantizer: all-zero blocks, NaN and infinity, a short last block", "[mx]") {
  for (const MxFormat& f : MxFormats()) {
    INFO(f.name);
    const uint32_t negative_zero = f.element == nullptr ? 0u : 1u << (MxElementBits(f) - 1);
    auto [scale, codes] = Quantize(f.name, std::vector<float>(32, 0.0f));
    CHECK(scale == 0);
    CHECK(codes == std::vector<uint32_t>(32, 0u));
    auto [nscale, ncodes] = Quantize(f.name, {-0.0f, 0.0f});
    CHECK(nscale == 0);
    CHECK(ncodes == std::vector<uint32_t>{negative_zero, 0u});
    for (float special :
         {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
      const MxMatrix m = QuantizeMx(f, {1.0f, special, 2.0f}, 1, 3);
      CHECK(m.scales == std::vector<uint32_t>{0xFF});
      CHECK(m.codes == std::vector<uint32_t>{0, 0, 0});
      for (float v : DequantizeMx(m)) {
        CHECK(std::isnan(v));
      }
    }
  }
  // 2 rows of 40: blocks of 32 and 8, each with its own scale (E2M1, emax 2). Row 0: 6 (X = 1)
  // then 0.75 (floor(log2 0.75) - 2 = -3); row 1: 0.5 (-1 - 2 = -3) then 24 (4 - 2 = 2).
  std::vector<float> values(80, 0.0f);
  values[0] = 6.0f;
  values[39] = 0.75f;
  values[40] = 0.5f;
  values[79] = 24.0f;
  const MxMatrix m = QuantizeMx(FindMxFormat("mxfp4_e2m1"), values, 2, 40);
  REQUIRE(m.BlocksPerRow() == 2);
  CHECK(m.scales == std::vector<uint32_t>{127, 124, 124, 129});
  CHECK(m.Code(0, 39) == 0x7);  // 0.75 / 2^-3 = 6 (0111)
  CHECK(m.Code(1, 0) == 0x6);   // 0.5 / 2^-3 = 4 (0110)
  CHECK(m.Code(1, 39) == 0x7);  // 24 / 2^2 = 6
  CHECK(DequantizeMx(m) == values);
  CHECK_THROWS_AS(QuantizeMx(FindMxFormat("mxint8"), values, 3, 40), InputError);
}
