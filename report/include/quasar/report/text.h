#pragma once
// Text helpers of the reports: CSV cells and lines (RFC 4180) and JSON strings and numbers.
// Numbers that read back exactly are sim::explore::FormatNumber (explore/text.h), which the
// sweep's own files use too.

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "quasar/sim/explore/text.h"

namespace quasar::report {

using sim::explore::FormatNumber;

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

// One CSV line: the cells, each through CsvCell, separated by commas, and a line break.
inline std::string CsvLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += (i ? "," : "") + CsvCell(cells[i]);
  }
  return line + "\n";
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

// A JSON number; null for NaN and infinities (JSON has neither).
inline std::string JsonNumber(double v) { return std::isfinite(v) ? FormatNumber(v) : "null"; }

}  // namespace quasar::report
