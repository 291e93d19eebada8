#pragma once
// Text helpers of a sweep's files and contexts: numbers that read back exactly and fingerprints.
// The reports' CSV and JSON cells are quasar/report/text.h.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace quasar::sim::explore {

// An integral value below 1e15 as an integer ("500"), anything else in the shortest form that
// std::strtod reads back to the same double ("0.00123", "1.5e-07"); "nan", "inf", "-inf".
inline std::string FormatNumber(double v) {
  if (std::isnan(v)) {
    return "nan";
  }
  if (std::isinf(v)) {
    return v > 0 ? "inf" : "-inf";
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// The 64-bit FNV-1a hash of `s` as 16 hex digits: a fingerprint that is the same on every
// platform and build (std::hash is not).
inline std::string HashHex(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h = (h ^ c) * 1099511628211ull;
  }
  static const char* hex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) {
    out[static_cast<size_t>(i)] = hex[h & 15];
  }
  return out;
}

}  // namespace quasar::sim::explore
