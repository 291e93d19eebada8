// The bit-exact check's result, table and JSON (quasar/report/check.h).

#include "quasar/report/check.h"

#include <fmt/core.h>

namespace quasar::report {

bool CycleResult::bit_exact() const {
  for (const sim::LayerCheck& c : checks) {
    if (c.mismatches != 0) {
      return false;
    }
  }
  return true;
}

std::string CheckFailure(const CycleResult& r) {
  if (!r.bit_exact()) {
    return "the " + r.title + " disagrees with the golden reference";
  }
  return r.first_disagreement;
}

std::string CheckTable(const CycleResult& r) {
  std::string out = "\nBit-exact check: " + r.title + " vs golden reference\n";
  out += fmt::format("{:<20} {:>10} {:>10} {:>12} {:>12} {:>12} {:>12}  {}\n", "layer", "compared",
                     "mismatch", "overflows", "golden ovf", "cycles", "analytical",
                     "first mismatch (index: expected/actual @ cycle)");
  int64_t compared = 0, mism = 0;
  for (const sim::LayerCheck& c : r.checks) {
    compared += c.compared, mism += c.mismatches;
    out += fmt::format(
        "{:<20} {:>10} {:>10} {:>12} {:>12} {:>12} {:>12}  {}\n", c.name.substr(0, 20), c.compared,
        c.mismatches, c.overflows, c.golden_overflows, c.cycles, c.reference_cycles,
        c.mismatches == 0
            ? std::string("-")
            : fmt::format("{}: {}/{}{}", c.first_index, c.ExpectedText(), c.ActualText(),
                          c.first_cycle < 0 ? "" : fmt::format(" @ {}", c.first_cycle)));
  }
  const double mps =
      r.wall_seconds > 0 ? static_cast<double>(r.simulated_macs) / r.wall_seconds : 0.0;
  out += fmt::format(
      "{} elements compared, {} mismatches: {}. Simulated {:.3g} MACs in {:.2f} s "
      "({:.3g} MAC/s).\n",
      compared, mism, mism == 0 ? "BIT-EXACT" : "MISMATCH", double(r.simulated_macs),
      r.wall_seconds, mps);
  return out;
}

nlohmann::ordered_json CheckJson(const CycleResult& r, bool timing) {
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const sim::LayerCheck& c : r.checks) {
    nlohmann::ordered_json j;
    j["name"] = c.name;
    j["compared"] = c.compared;
    j["mismatches"] = c.mismatches;
    nlohmann::ordered_json first;
    if (c.mismatches != 0) {
      first["index"] = c.first_index;
      if (c.floats) {
        first["expected"] = c.expected_float;
        first["actual"] = c.actual_float;
      } else {
        first["expected"] = c.expected;
        first["actual"] = c.actual;
      }
      first["cycle"] = c.first_cycle;
    }
    j["first_mismatch"] = first;
    j["overflow_events"] = c.overflows;
    j["golden_overflow_events"] = c.golden_overflows;
    j["cycles"] = c.cycles;
    j["analytical_cycles"] = c.reference_cycles;
    layers.push_back(j);
  }
  nlohmann::ordered_json j;
  j["bit_exact"] = r.bit_exact();
  if (timing) {
    j["wall_seconds"] = r.wall_seconds;
  }
  j["simulated_macs"] = r.simulated_macs;
  j["layers"] = layers;
  return j;
}

}  // namespace quasar::report
