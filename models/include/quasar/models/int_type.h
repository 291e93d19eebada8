#pragma once
// The integer element types Quasar computes with: int1..int16, uint1..uint16, int32, and the two
// low-precision codes of binary and ternary networks.
//
// Quantized values are always held in int32_t storage; an IntType says which values are legal.
// `binary` holds the bipolar values {-1, +1} (one bit in hardware, XNOR-popcount arithmetic);
// `ternary` holds {-1, 0, +1} (two bits in hardware).

#include <cstdint>
#include <optional>
#include <string>

namespace quasar::models {

enum class IntKind { kSigned, kUnsigned, kBinary, kTernary };

struct IntType {
  IntKind kind = IntKind::kSigned;
  int bits = 8;  // storage width in hardware: 1..16 or 32 for signed/unsigned, 1 binary, 2 ternary

  static IntType Signed(int b) { return {IntKind::kSigned, b}; }
  static IntType Unsigned(int b) { return {IntKind::kUnsigned, b}; }
  static IntType Binary() { return {IntKind::kBinary, 1}; }
  static IntType Ternary() { return {IntKind::kTernary, 2}; }

  bool is_signed() const { return kind != IntKind::kUnsigned; }
  int64_t min() const;
  int64_t max() const;
  bool Contains(int64_t v) const;  // binary also rejects 0
  int32_t Saturate(int64_t v) const;  // clamp to [min, max]; for binary, 0 maps to +1
  std::string Name() const;  // "int8", "uint4", "binary", "ternary"

  friend bool operator==(const IntType& a, const IntType& b) {
    return a.kind == b.kind && a.bits == b.bits;
  }
  friend bool operator!=(const IntType& a, const IntType& b) { return !(a == b); }
};

// Whether products of two operands of these types are XNOR-popcount terms (both binary): the
// golden kernel they run (binary_conv2d) and the MAC rate the mapper charges follow from it.
bool XnorProducts(const IntType& a, const IntType& b);

// Parses "int1".."int16", "int32", "uint1".."uint16", "binary", "ternary"; nullopt otherwise.
std::optional<IntType> ParseIntType(const std::string& name);

}  // namespace quasar::models
