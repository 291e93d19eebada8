#pragma once
// A number format's codes as integers the PE array adds: every finite code is an integer number
// of its format's quantum (fp8_mac.h; MxElementUnits). The one table the format GEMMs' passes
// (format_gemm.h) and the accelerator's format tiles (format_tiles.h) read, and the one rule of
// what a signed operand lane holds.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "quasar/models/error.h"

namespace quasar::sim::cycle {

// Elements of more magnitude bits than this are refused (no format of the table has them).
inline constexpr int kMaxElementBits = 48;

// The largest magnitude a signed operand lane of `lane_bits` (2..32) holds symmetrically.
inline int64_t LaneMax(int lane_bits) { return (int64_t{1} << (lane_bits - 1)) - 1; }

// Each code's value in units of its format's quantum (0 for NaN and infinity), whether it is
// finite, and the largest magnitude.
struct UnitTable {
  std::string format;
  std::vector<int64_t> units;
  std::vector<bool> finite;
  int64_t max_abs = 0;
};

// `units_of(code, finite)` gives each of the `code_count` codes' units. Throws InputError
// naming `format` when an element has more than kMaxElementBits bits.
template <typename UnitsOf>
UnitTable MakeUnitTable(const std::string& format, uint32_t code_count, UnitsOf units_of) {
  UnitTable t;
  t.format = format;
  t.units.resize(code_count);
  t.finite.resize(code_count);
  for (uint32_t c = 0; c < code_count; ++c) {
    bool finite = true;
    const int64_t u = units_of(c, finite);
    if (std::llabs(u) >= (int64_t{1} << kMaxElementBits)) {
      throw InputError("the PE array runs elements of at most " + std::to_string(kMaxElementBits) +
                       " bits, in pieces of its operand lanes; " + format + " elements need " +
                       std::to_string(u) + " units of its quantum, more than they hold");
    }
    t.units[c] = u;
    t.finite[c] = finite;
    t.max_abs = std::max<int64_t>(t.max_abs, std::llabs(u));
  }
  return t;
}

// The code's units; InputError naming "<operand> element (row, col)" for a NaN, an infinity or
// a code the format does not have.
int64_t Units(const UnitTable& t, uint32_t code, const char* operand, int64_t row, int64_t col);

}  // namespace quasar::sim::cycle
