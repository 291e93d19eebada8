#include "quasar/models/int_type.h"

#include <algorithm>

namespace quasar::models {

int64_t IntType::min() const {
  switch (kind) {
    case IntKind::kSigned:
      return -(int64_t{1} << (bits - 1));
    case IntKind::kUnsigned:
      return 0;
    case IntKind::kBinary:
    case IntKind::kTernary:
      return -1;
  }
  return 0;
}

int64_t IntType::max() const {
  switch (kind) {
    case IntKind::kSigned:
      return (int64_t{1} << (bits - 1)) - 1;
    case IntKind::kUnsigned:
      return (int64_t{1} << bits) - 1;
    case IntKind::kBinary:
    case IntKind::kTernary:
      return 1;
  }
  return 0;
}

bool IntType::Contains(int64_t v) const {
  if (kind == IntKind::kBinary) {
    return v == -1 || v == 1;
  }
  return v >= min() && v <= max();
}

int32_t IntType::Saturate(int64_t v) const {
  if (kind == IntKind::kBinary) {
    return v < 0 ? -1 : 1;  // sign(v) with sign(0) = +1, the usual binarization convention
  }
  return static_cast<int32_t>(std::clamp(v, min(), max()));
}

std::string IntType::Name() const {
  switch (kind) {
    case IntKind::kSigned:
      return "int" + std::to_string(bits);
    case IntKind::kUnsigned:
      return "uint" + std::to_string(bits);
    case IntKind::kBinary:
      return "binary";
    case IntKind::kTernary:
      return "ternary";
  }
  return "?";
}

bool XnorProducts(const IntType& a, const IntType& b) {
  return a.kind == IntKind::kBinary && b.kind == IntKind::kBinary;
}

std::optional<IntType> ParseIntType(const std::string& name) {
  if (name == "binary") {
    return IntType::Binary();
  }
  if (name == "ternary") {
    return IntType::Ternary();
  }
  const bool is_unsigned = name.rfind("uint", 0) == 0;
  const bool is_signed = !is_unsigned && name.rfind("int", 0) == 0;
  if (!is_signed && !is_unsigned) {
    return std::nullopt;
  }
  const std::string digits = name.substr(is_unsigned ? 4 : 3);
  if (digits.empty() || digits.size() > 2 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      digits[0] == '0') {
    return std::nullopt;
  }
  const int bits = std::stoi(digits);
  if (bits == 32 && is_signed) {
    return IntType::Signed(32);
  }
  if (bits < 1 || bits > 16) {
    return std::nullopt;
  }
  return is_signed ? IntType::Signed(bits) : IntType::Unsigned(bits);
}

}  // namespace quasar::models
