#pragma once
// Text helpers of `quasar sweep` and `compare`: numbers that read back exactly, CSV cells
// (RFC 4180), JSON strings and fingerprints.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

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

// One CSV cell: quoted when it holds a comma, quote or line break.
inline std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

// Splits one CSV line (no line breaks inside cells) into cells; false when a quote is unclosed.
inline bool SplitCsvLine(const std::string& line, std::vector<std::string>* cells) {
  cells->clear();
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells->push_back(cell);
      cell.clear();
    } else {
      cell += c;
    }
  }
  cells->push_back(cell);
  return !quoted;
}

// A JSON string literal.
inline std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
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

// A JSON number; null for NaN and infinities (JSON has neither).
inline std::string JsonNumber(double v) { return std::isfinite(v) ? FormatNumber(v) : "null"; }

}  // namespace quasar::sim::explore
