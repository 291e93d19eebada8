#include "quasar/models/mx_format.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include "named_rows.h"
#include "quasar/models/error.h"
#include "quasar/models/int_math.h"

namespace quasar::models {
namespace {

// MX v1.0, concrete MX-compliant formats: block size 32, scale E8M0, and the element type.
const std::vector<MxFormat> kMxFormats = {
    {"mxfp8_e4m3", "fp8_e4m3", 32}, {"mxfp8_e5m2", "fp8_e5m2", 32}, {"mxfp6_e2m3", "fp6_e2m3", 32},
    {"mxfp6_e3m2", "fp6_e3m2", 32}, {"mxfp4_e2m1", "fp4_e2m1", 32}, {"mxint8", nullptr, 32},
};

// MXINT8 elements: 8-bit two's complement, implicit scale 2^-6; the quantizer's range is
// symmetric, -127..127.
constexpr int kIntBits = 8;
constexpr int kIntQuantumExp = -6;
constexpr int kIntMaxCode = 127;

int FloorLog2(double positive) {
  int exponent = 0;
  std::frexp(positive, &exponent);  // positive = fraction * 2^exponent, fraction in [0.5, 1)
  return exponent - 1;
}

// The element's small-float row (f.element must be set): found by name once per row of
// kMxFormats, whose encoders and decoders run per element; a format made elsewhere (a test's) is
// looked up each time.
const SmallFloatFormat& ElementOf(const MxFormat& f) {
  static const std::vector<const SmallFloatFormat*> rows = [] {
    std::vector<const SmallFloatFormat*> r;
    for (const MxFormat& m : kMxFormats) {
      r.push_back(m.element != nullptr ? &FindSmallFloat(m.element) : nullptr);
    }
    return r;
  }();
  const std::less<const MxFormat*> before;
  if (!before(&f, kMxFormats.data()) && before(&f, kMxFormats.data() + kMxFormats.size())) {
    return *rows[static_cast<size_t>(&f - kMxFormats.data())];
  }
  return FindSmallFloat(f.element);
}

int64_t SignExtend8(uint32_t code) {
  return static_cast<int64_t>(code & 0xFF) - ((code & 0x80) != 0 ? 256 : 0);
}

uint32_t EncodeElement(const MxFormat& f, double scaled) {
  if (f.element != nullptr) {
    return Encode(ElementOf(f), scaled, /*saturate=*/true);
  }
  // Round to nearest, ties to even (the default floating-point rounding mode), then clamp.
  double units = std::nearbyint(std::ldexp(scaled, -kIntQuantumExp));
  units = std::clamp(units, double{-kIntMaxCode}, double{kIntMaxCode});
  return static_cast<uint32_t>(static_cast<int64_t>(units) & 0xFF);
}

}  // namespace

float DecodeE8m0(uint32_t code) {
  if (code > 0xFF) {
    throw std::invalid_argument("E8M0: code " + std::to_string(code) + " has more than 8 bits");
  }
  if (code == kE8m0Nan) {
    return std::numeric_limits<float>::quiet_NaN();
  }
  return std::ldexp(1.0f, static_cast<int>(code) - kE8m0Bias);
}

uint32_t EncodeE8m0(int shared_exp) {
  if (shared_exp < -kE8m0Bias || shared_exp > kE8m0Bias) {
    throw std::invalid_argument("E8M0: exponent " + std::to_string(shared_exp) +
                                " is outside -127..127");
  }
  return static_cast<uint32_t>(shared_exp + kE8m0Bias);
}

const std::vector<MxFormat>& MxFormats() { return kMxFormats; }

const MxFormat& FindMxFormat(const std::string& name) {
  return FindNamedRowOrThrow(kMxFormats, name, "MX format");
}

int MxElementBits(const MxFormat& f) {
  return f.element != nullptr ? ElementOf(f).bits() : kIntBits;
}

uint32_t MxElementCodeCount(const MxFormat& f) { return 1u << MxElementBits(f); }

int MxElementEmax(const MxFormat& f) {
  return FloorLog2(f.element != nullptr ? ElementOf(f).max_finite
                                        : std::ldexp(double{kIntMaxCode}, kIntQuantumExp));
}

int MxElementQuantumExp(const MxFormat& f) {
  if (f.element == nullptr) {
    return kIntQuantumExp;
  }
  return SmallFloatQuantumExp(ElementOf(f));
}

float DecodeMxElement(const MxFormat& f, uint32_t code) {
  if (f.element != nullptr) {
    return Decode(ElementOf(f), code);
  }
  if (code > 0xFF) {
    throw std::invalid_argument("mxint8: code " + std::to_string(code) + " has more than 8 bits");
  }
  return std::ldexp(static_cast<float>(SignExtend8(code)), kIntQuantumExp);
}

int64_t MxElementUnits(const MxFormat& f, uint32_t code, bool& finite) {
  if (f.element != nullptr) {
    return SmallFloatUnits(ElementOf(f), code, finite);
  }
  finite = true;
  return static_cast<int64_t>(std::ldexp(double{DecodeMxElement(f, code)}, -kIntQuantumExp));
}

int64_t MxMatrix::BlocksPerRow() const {
  return format == nullptr ? 0 : CeilDiv(cols, format->block_size);
}

uint32_t MxMatrix::Code(int64_t row, int64_t col) const {
  return codes[static_cast<size_t>(row * cols + col)];
}

uint32_t MxMatrix::Scale(int64_t row, int64_t block) const {
  return scales[static_cast<size_t>(row * BlocksPerRow() + block)];
}

uint32_t QuantizeMxBlock(const MxFormat& f, const float* values, int64_t count, uint32_t* codes) {
  double max_abs = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) {
      std::fill(codes, codes + count, 0u);
      return kE8m0Nan;
    }
    max_abs = std::max(max_abs, std::fabs(double{values[i]}));
  }
  int shared_exp = -kE8m0Bias;
  if (max_abs > 0.0) {
    shared_exp = std::clamp(FloorLog2(max_abs) - MxElementEmax(f), -kE8m0Bias, kE8m0Bias);
  }
  for (int64_t i = 0; i < count; ++i) {
    // V_i / X: exact in double (a float scaled by a power of two within double's range).
    codes[i] = EncodeElement(f, std::ldexp(double{values[i]}, -shared_exp));
  }
  return EncodeE8m0(shared_exp);
}

MxMatrix QuantizeMx(const MxFormat& f, const std::vector<float>& values, int64_t rows,
                    int64_t cols) {
  if (rows < 0 || cols < 0 || static_cast<int64_t>(values.size()) != rows * cols) {
    throw InputError(std::string(f.name) + ": " + std::to_string(values.size()) + " values for a " +
                     std::to_string(rows) + " x " + std::to_string(cols) + " matrix");
  }
  MxMatrix m;
  m.format = &f;
  m.rows = rows;
  m.cols = cols;
  m.codes.assign(values.size(), 0u);
  m.scales.assign(static_cast<size_t>(rows * m.BlocksPerRow()), 0u);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b < m.BlocksPerRow(); ++b) {
      const int64_t begin = r * cols + b * f.block_size;
      const int64_t count = std::min<int64_t>(f.block_size, cols - b * f.block_size);
      m.scales[static_cast<size_t>(r * m.BlocksPerRow() + b)] =
          QuantizeMxBlock(f, values.data() + begin, count, m.codes.data() + begin);
    }
  }
  return m;
}

void CheckMxMatrix(const MxMatrix& m) {
  if (m.format == nullptr) {
    throw InputError("MX matrix has no format");
  }
  const std::string name = m.format->name;
  const auto expect = [&](const char* what, size_t got, int64_t want) {
    if (m.rows < 0 || m.cols < 0 || static_cast<int64_t>(got) != want) {
      throw InputError(name + " matrix " + std::to_string(m.rows) + " x " + std::to_string(m.cols) +
                       ": " + what + " has " + std::to_string(got) + " entries, expected " +
                       std::to_string(want));
    }
  };
  expect("codes", m.codes.size(), m.rows * m.cols);
  expect("scales", m.scales.size(), m.rows * m.BlocksPerRow());
  for (size_t i = 0; i < m.codes.size(); ++i) {
    if (m.codes[i] >= MxElementCodeCount(*m.format)) {
      throw InputError(name + ": element code " + std::to_string(m.codes[i]) + " at index " +
                       std::to_string(i) + " has more than " +
                       std::to_string(MxElementBits(*m.format)) + " bits");
    }
  }
  for (size_t i = 0; i < m.scales.size(); ++i) {
    if (m.scales[i] > 0xFF) {
      throw InputError(name + ": E8M0 scale " + std::to_string(m.scales[i]) + " at index " +
                       std::to_string(i) + " has more than 8 bits");
    }
  }
}

std::vector<float> DequantizeMx(const MxMatrix& m) {
  CheckMxMatrix(m);
  std::vector<float> out(m.codes.size());
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t c = 0; c < m.cols; ++c) {
      const float element = DecodeMxElement(*m.format, m.Code(r, c));
      const float scale = DecodeE8m0(m.Scale(r, c / m.format->block_size));
      // The product is exact in double; one rounding to float.
      out[static_cast<size_t>(r * m.cols + c)] =
          static_cast<float>(double{element} * double{scale});
    }
  }
  return out;
}

}  // namespace quasar::models
