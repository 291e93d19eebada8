#include "quasar/sim/cycle/unit_codes.h"

namespace quasar::sim::cycle {

int64_t Units(const UnitTable& t, uint32_t code, const char* operand, int64_t row, int64_t col) {
  if (code < t.units.size() && t.finite[code]) {
    return t.units[code];
  }
  const std::string where =
      std::string(operand) + " element (" + std::to_string(row) + ", " + std::to_string(col) + ")";
  if (code >= t.units.size()) {
    throw InputError(where + ": code " + std::to_string(code) + " is not a " + t.format + " code");
  }
  throw InputError("the PE array adds integers; " + where +
                   " is NaN or infinite (the golden kernel's IEEE fallback has no array path)");
}

}  // namespace quasar::sim::cycle
