#pragma once
// The bit-exact check of `quasar run --backend` and `quasar verify` (a backend that moves values
// against the golden reference, sim::RunChecked): its result for the report, and the per-layer
// table and JSON (docs/run-output.md, "Bit-exact check").

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quasar/sim/core/check.h"
#include "quasar/sim/core/perf.h"

namespace quasar::report {

struct CycleResult {
  sim::NetworkPerf perf;  // the backend's timing and events, priced
  std::vector<sim::LayerCheck> checks;
  double wall_seconds = 0;
  int64_t simulated_macs = 0;
  std::string title;  // what the check compares with the golden run (Backend::Title)
  std::string first_disagreement;  // sim::CheckedRun::FirstDisagreement ("" when all agree)
  bool bit_exact() const;
};

// Why the check failed, as `run` and `verify` print it before exiting 4: values that disagree,
// naming the backend by its title ("the SystemC cycle model disagrees with the golden
// reference"), else the first overflow-count or cycle disagreement; "" when the check passed.
std::string CheckFailure(const CycleResult& r);

// The per-layer check as a table, and as JSON (one object per layer). The JSON carries the wall
// time ("wall_seconds") only with `timing` (the CLI's --timing), so that two runs with the same
// seed write the same bytes.
std::string CheckTable(const CycleResult& r);
nlohmann::ordered_json CheckJson(const CycleResult& r, bool timing);

}  // namespace quasar::report
