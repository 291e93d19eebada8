#pragma once
// `quasar run --backend` and `quasar verify` with a backend that moves values: runs the network
// through the golden kernels and the backend, and reports for every layer whether the two agree
// on every output element (docs/run-output.md, "Bit-exact check").

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/core/check.h"
#include "target.h"

namespace quasar::cli {

struct CycleResult {
  sim::NetworkPerf perf;  // the backend's timing and events, priced
  std::vector<sim::LayerCheck> checks;
  double wall_seconds = 0;
  int64_t simulated_macs = 0;
  std::string title;  // what the check compares with the golden run (Backend::Title)
  std::string first_disagreement;  // sim::CheckedRun::FirstDisagreement ("" when all agree)
  bool bit_exact() const;
};

struct CycleOptionsCli {
  std::string save_outputs;  // directory for one .npy per layer output
  // Traces, fault injection; `array_layers` also limits the check to those layers, and the run
  // stops after the last of them.
  sim::RunOptions run;
};

// Quantizes the target's network (synthetic weights, the precision and calibration options)
// and checks `backend` (one that moves values) against the golden reference under `s`
// (sim::RunChecked); `analytical` is the analytical model's report of `s`, for the per-layer
// cycle comparison.
CycleResult RunCheckedBackend(const sim::Backend& backend, const compiler::Schedule& s,
                              const Target& t, const TargetOptions& o, const CycleOptionsCli& c,
                              const sim::NetworkPerf& analytical);

// The per-layer check as a table, and as JSON (one object per layer).
std::string CheckTable(const CycleResult& r);
nlohmann::ordered_json CheckJson(const CycleResult& r);

}  // namespace quasar::cli
